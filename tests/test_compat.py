"""Pipelines saved by an earlier release load and tag the same."""
import json
from pathlib import Path

import pytest
import spacy
from spacy.tokens import Doc

DATA = Path(__file__).resolve().parent / "data"


def load_release(release):
    # Made by tests/data/make_release_fixture.py with that release installed.
    expected = json.loads((DATA / f"pipeline_{release}.expected.json").read_text(encoding="utf8"))
    return spacy.load(DATA / f"pipeline_{release}"), expected["docs"]


def test_pipeline_saved_by_release_0_1_0_tags_the_same():
    nlp, expected = load_release("0.1.0")
    assert nlp.pipe_names == ["lstm_tagger", "upos_tagger"]
    for doc, want in zip(nlp.pipe([d["text"] for d in expected]), expected):
        assert [t.tag_ for t in doc] == want["tags"]
        assert [t.pos_ for t in doc] == want["pos"]
        assert [t._.tag_prob for t in doc] == pytest.approx(want["tag_probs"], abs=1e-4)


def test_pipeline_saved_by_release_0_3_0_tags_the_same():
    """Three heads in one component, and morph_mode "features", saved before
    the weights recorded their head layout."""
    nlp, expected = load_release("0.3.0")
    assert nlp.pipe_names == ["lstm_tagger", "feature_tagger"]
    features = nlp.get_pipe("feature_tagger")
    assert nlp.get_pipe("lstm_tagger").predicted_attrs == ("tag", "pos", "morph")
    assert features.cfg["morph_mode"] == "features"
    assert len(expected) == 4
    for doc, want in zip(nlp.pipe([d["text"] for d in expected]), expected):
        assert [t.tag_ for t in doc] == want["tags"]
        assert [t.pos_ for t in doc] == want["pos"]
        assert [str(t.morph) for t in doc] == want["morphs"]
        for attr in ("tag", "pos", "morph"):
            assert [t._.get(f"{attr}_prob") for t in doc] == pytest.approx(want[f"{attr}_probs"], abs=1e-4)
        alone = features(Doc(nlp.vocab, words=[t.text for t in doc]))
        assert [str(t.morph) for t in alone] == want["feature_morphs"]
