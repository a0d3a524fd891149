"""Saving and loading: to_disk/from_disk in a fresh interpreter, to_bytes/from_bytes."""
import json
import subprocess
import sys

import numpy
import pytest
import spacy

from conftest import TINY_MODEL

TEXTS = ["The dog ate the apple", "Everybody read that book", "Zork blargs the qux", ""]


def predictions(nlp):
    return [[token.tag_ for token in doc] for doc in nlp.pipe(TEXTS)]


def log_probs(nlp):
    tagger = nlp.get_pipe("lstm_tagger")
    return tagger.predict([nlp.make_doc(text) for text in TEXTS])


LOAD_IN_FRESH_PROCESS = """
import json, sys
import spacy
nlp = spacy.load(sys.argv[1])
docs = list(nlp.pipe(json.loads(sys.argv[2])))
print(json.dumps({
    "tags": [[t.tag_ for t in doc] for doc in docs],
    "log_probs": [a.tolist() for a in nlp.get_pipe("lstm_tagger").predict(docs)],
}))
"""


def test_to_disk_then_spacy_load_in_a_new_process(trained_nlp, tmp_path):
    path = tmp_path / "pipeline"
    trained_nlp.to_disk(path)
    assert (path / "lstm_tagger" / "model").is_file()
    assert json.loads((path / "lstm_tagger" / "cfg").read_text())["labels"]
    # The script imports spacy only: the factory comes from the entry point.
    result = subprocess.run(
        [sys.executable, "-c", LOAD_IN_FRESH_PROCESS, str(path), json.dumps(TEXTS)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    loaded = json.loads(result.stdout)
    assert loaded["tags"] == predictions(trained_nlp)
    for before, after in zip(log_probs(trained_nlp), loaded["log_probs"]):
        numpy.testing.assert_allclose(before, numpy.asarray(after).reshape(before.shape), atol=1e-6)


def test_to_bytes_from_bytes(trained_nlp):
    data = trained_nlp.to_bytes()
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL)})
    nlp.from_bytes(data)
    assert predictions(nlp) == predictions(trained_nlp)
    for before, after in zip(log_probs(trained_nlp), log_probs(nlp)):
        numpy.testing.assert_array_equal(before, after)


def test_component_to_bytes_round_trip(trained_nlp):
    tagger = trained_nlp.get_pipe("lstm_tagger")
    nlp = spacy.blank("en")
    fresh = nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL)})
    fresh.from_bytes(tagger.to_bytes())
    assert fresh.labels == tagger.labels
    assert predictions(nlp) == predictions(trained_nlp)


def test_weights_are_stored_without_pickle(trained_nlp, tmp_path):
    trained_nlp.to_disk(tmp_path / "pipeline")
    data = (tmp_path / "pipeline" / "lstm_tagger" / "model").read_bytes()
    # torch.save writes a zip archive with a pickle inside; we write safetensors.
    assert b"PK\x03\x04" not in data and b"data.pkl" not in data


@pytest.mark.parametrize(
    "settings,built",
    [
        ({"char_encoder": "bilstm"}, lambda module: type(module.chars).__name__ == "CharBiLSTM"),
        ({"char_bilstm_width": 8, "head_tanh_layer": True}, lambda module: module.head_tanh is not None),
        ({"head_tanh_layer": "shared"}, lambda module: module.head_tanh.out_features == module.head_tanh.in_features),
        ({"lstm_residual": True, "depth": 3}, lambda module: len(module.upper_lstms) == 2 and module.lstm.num_layers == 1),
    ],
    ids=["char_bilstm", "char_bilstm_beside_cnn_and_head_tanh_layer", "shared_tanh_layer", "residual_lstm_layers"],
)
def test_a_pipeline_with_optional_parts_learns_and_round_trips(tmp_path, settings, built):
    from conftest import make_examples, train_pipeline

    config = {"model": {**TINY_MODEL, "char_rows": 100, "char_width": 8, "char_filters": 16, **settings}}
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config=config)
    examples = make_examples(nlp)
    train_pipeline(nlp, examples, steps=80)
    assert [[t.tag_ for t in nlp(ex.reference.text)] for ex in examples] == [
        [t.tag_ for t in ex.reference] for ex in examples
    ]
    nlp.to_disk(tmp_path / "nlp")
    loaded = spacy.load(tmp_path / "nlp")
    assert built(loaded.get_pipe("lstm_tagger").model.layers[0].shims[0]._model)
    assert predictions(loaded) == predictions(nlp)
    for before, after in zip(log_probs(nlp), log_probs(loaded)):
        numpy.testing.assert_array_equal(before, after)
