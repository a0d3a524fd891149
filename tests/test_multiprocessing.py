"""nlp.pipe with n_process=2 gives the n_process=1 tags, with fork and spawn."""
import pickle
import subprocess
import sys

import pytest
import spacy

SCRIPT = """
import multiprocessing, sys, json
import spacy
if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[2], force=True)
    nlp = spacy.load(sys.argv[1])
    texts = ["The dog ate the apple", "Everybody read that book", "She eats"] * 40
    one = [[t.tag_ for t in d] for d in nlp.pipe(texts, n_process=1)]
    two = [[t.tag_ for t in d] for d in nlp.pipe(texts, n_process=2, batch_size=10)]
    print(json.dumps({"same": one == two, "n": len(two)}))
"""


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_n_process_2_equals_n_process_1(trained_nlp, tmp_path, start_method):
    trained_nlp.to_disk(tmp_path / "pipeline")
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    # A deadlocked worker would hang: the timeout turns that into a failure.
    result = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "pipeline"), start_method],
        capture_output=True, text=True, timeout=240, check=True,
    )
    assert result.stdout.strip().endswith('{"same": true, "n": 120}')


def test_pipeline_pickles(trained_nlp):
    nlp = pickle.loads(pickle.dumps(trained_nlp))
    texts = ["The dog ate the apple", "Zork blargs"]
    assert [[t.tag_ for t in d] for d in nlp.pipe(texts)] == [[t.tag_ for t in d] for d in trained_nlp.pipe(texts)]
