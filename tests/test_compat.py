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


def test_pipeline_saved_by_release_0_6_0_tags_the_same():
    """Four heads (lemma with its lexicon) and confidence "all", beside a
    morph_mode "features" component."""
    nlp, expected = load_release("0.6.0")
    assert nlp.get_pipe("lstm_tagger").predicted_attrs == ("tag", "pos", "morph", "lemma")
    assert len(expected) == 4
    for doc, want in zip(nlp.pipe([d["text"] for d in expected]), expected):
        assert [t.tag_ for t in doc] == want["tags"]
        assert [t.pos_ for t in doc] == want["pos"]
        assert [str(t.morph) for t in doc] == want["morphs"]
        assert [t.lemma_ for t in doc] == want["lemmas"]
        for attr in ("tag", "pos", "morph", "lemma"):
            assert [t._.get(f"{attr}_prob") for t in doc] == pytest.approx(want[f"{attr}_probs"], abs=1e-4)
        assert doc._.lemma_probs.shape[0] == len(doc)


@pytest.mark.parametrize("release", ["0.1.0", "0.3.0", "0.6.0"])
def test_release_fixture_saves_the_same_bytes_and_probabilities(release, tmp_path):
    """Loaded and saved again, each fixture writes the files and gives the
    probabilities recorded by tests/data/record_resave.py at the commit in
    resave.json: a refactor changes neither."""
    import hashlib

    recorded = json.loads((DATA / "resave.json").read_text(encoding="utf8"))["releases"][release]
    config = spacy.util.load_config(DATA / f"pipeline_{release}" / "config.cfg")
    nlp = spacy.load(
        DATA / f"pipeline_{release}",
        config={"components": {name: {"confidence": "predicted"} for name in config["components"]}},
    )
    nlp.to_disk(tmp_path)
    for name, files in recorded["files"].items():
        for file, digest in files.items():
            assert hashlib.sha256((tmp_path / name / file).read_bytes()).hexdigest() == digest, (name, file)
    texts = [d["text"] for d in json.loads((DATA / f"pipeline_{release}.expected.json").read_text())["docs"]]
    for name, rows in recorded["probs"].items():
        pipe = nlp.get_pipe(name)
        for doc, want in zip(pipe.pipe(nlp.make_doc(t) for t in texts), rows):
            for attr, probs in want.items():
                assert [t._.get(f"{attr}_prob") for t in doc] == pytest.approx(probs, abs=1e-5), (name, attr)
