"""The trained tagger in other pipelines: sourced from config, frozen, packaged."""
import json
import subprocess
import sys

import pytest
import spacy
from spacy.training import Example
from thinc.api import Config

from conftest import make_examples


def test_sourced_from_config_placed_and_frozen_while_another_component_trains(trained_nlp, tmp_path):
    source = tmp_path / "tagger_pipeline"
    trained_nlp.to_disk(source)
    config = Config().from_str(
        f"""
[nlp]
lang = "en"
pipeline = ["lstm_tagger", "textcat"]

[components]

[components.lstm_tagger]
source = "{source}"

[components.textcat]
factory = "textcat"

[training]
frozen_components = ["lstm_tagger"]
"""
    )
    nlp = spacy.util.load_model_from_config(config, auto_fill=True)
    assert nlp.pipe_names == ["lstm_tagger", "textcat"]
    tagger = nlp.get_pipe("lstm_tagger")
    before = tagger.to_bytes(exclude=["vocab"])
    examples = []
    for eg in make_examples(nlp):
        doc = nlp.make_doc(eg.reference.text)
        examples.append(Example.from_dict(doc, {"cats": {"A": float(len(doc) > 3), "B": float(len(doc) <= 3)}}))
    # What `spacy train` does with frozen_components: initialize and update skip them.
    with nlp.select_pipes(disable=["lstm_tagger"]):
        optimizer = nlp.initialize(lambda: examples)
    for _ in range(5):
        nlp.update(examples, sgd=optimizer, exclude=["lstm_tagger"])
    assert tagger.to_bytes(exclude=["vocab"]) == before
    doc = nlp("The dog ate the apple")
    assert [t.tag_ for t in doc] == ["DET", "NN", "V", "DET", "NN"] and doc.cats
    # before/after placement, disabling and excluding
    nlp.add_pipe("sentencizer", before="lstm_tagger")
    assert nlp.pipe_names[:2] == ["sentencizer", "lstm_tagger"]
    with nlp.select_pipes(disable=["lstm_tagger"]):
        assert [t.tag_ for t in nlp("The dog ate")] == ["", "", ""]
    nlp.to_disk(tmp_path / "combined")
    assert spacy.load(tmp_path / "combined", exclude=["lstm_tagger"]).pipe_names == ["sentencizer", "textcat"]


@pytest.mark.slow
def test_spacy_package_requires_the_plugin_and_loads_by_name(trained_nlp, tmp_path):
    trained_nlp.meta["name"] = "lstm_test"
    trained_nlp.meta["version"] = "0.0.1"
    trained_nlp.to_disk(tmp_path / "pipeline")
    (tmp_path / "packages").mkdir()
    subprocess.run(
        [sys.executable, "-m", "spacy", "package", str(tmp_path / "pipeline"), str(tmp_path / "packages"), "--force"],
        check=True, capture_output=True,
    )
    meta = json.loads((tmp_path / "packages" / "en_lstm_test-0.0.1" / "meta.json").read_text())
    assert any(req.startswith("spacy-lstm-tagger") for req in meta["requirements"])
    sdist = next((tmp_path / "packages" / "en_lstm_test-0.0.1" / "dist").glob("*.tar.gz"))
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target", str(target), str(sdist)],
        check=True, capture_output=True,
    )
    script = "import spacy; nlp = spacy.load('en_lstm_test'); print([t.tag_ for t in nlp('The dog ate the apple')])"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}, cwd=tmp_path,
    )
    assert result.stdout.strip() == "['DET', 'NN', 'V', 'DET', 'NN']"
