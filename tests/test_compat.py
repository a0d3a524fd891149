"""Pipelines saved by an earlier release load and tag the same."""
import json
from pathlib import Path

import pytest
import spacy

DATA = Path(__file__).resolve().parent / "data"


@pytest.mark.parametrize("release", ["0.1.0"])
def test_pipeline_saved_by_an_earlier_release_tags_the_same(release):
    # Made by tests/data/make_release_fixture.py with that release installed.
    expected = json.loads((DATA / f"pipeline_{release}.expected.json").read_text(encoding="utf8"))
    nlp = spacy.load(DATA / f"pipeline_{release}")
    assert nlp.pipe_names == ["lstm_tagger", "upos_tagger"]
    for doc, want in zip(nlp.pipe([d["text"] for d in expected["docs"]]), expected["docs"]):
        assert [t.tag_ for t in doc] == want["tags"]
        assert [t.pos_ for t in doc] == want["pos"]
        assert [t._.tag_prob for t in doc] == pytest.approx(want["tag_probs"], abs=1e-4)
