"""The report command (cli/report*.py) with several attributes: one section
per attribute (tag, pos, morph), a confusion matrix image each, spaCy's
per-feature morph scores."""
import pytest
import spacy
import srsly
from spacy.language import Language
from spacy.scorer import Scorer
from spacy.tokens import Doc, DocBin
from spacy.training import Example
from typer.testing import CliRunner

from spacy_lstm_tagger.cli import app
from spacy_lstm_tagger.cli.report import evaluate_report
from spacy_lstm_tagger.cli.report_attrs import UNTAGGED, token_value

from conftest import SENTENCES, TINY_MODEL, train_pipeline

# Gold morphs of a few words; the fake component below gets some of them wrong.
MORPHS = {
    "dog": "Number=Sing", "apple": "Number=Sing", "book": "Number=Sing", "eggs": "Number=Plur",
    "ate": "Mood=Ind|Tense=Past|VerbForm=Fin", "read": "Mood=Ind|Tense=Past|VerbForm=Fin",
    "eats": "Mood=Ind|Number=Sing|Person=3|Tense=Pres|VerbForm=Fin", "I": "Case=Nom|Number=Sing|Person=1",
    "She": "Case=Nom|Gender=Fem|Number=Sing|Person=3",
}
WRONG = {"eggs": "Number=Sing", "read": "Mood=Ind|Tense=Pres|VerbForm=Fin", "She": ""}


@Language.component("fake_morph")
def fake_morph(doc):
    for token in doc:
        value = WRONG.get(token.text, MORPHS.get(token.text))
        if value is not None:
            token.set_morph(value)
    return doc


def gold_docs(vocab):
    """SENTENCES with tags, pos (NOUN) and morphs: MORPHS, "_" (no features)
    for the other words, and one word left unset."""
    docs = []
    for words, tags in SENTENCES:
        morphs = [MORPHS.get(word, "_") for word in words]
        doc = Doc(vocab, words=words, tags=tags, pos=["NOUN"] * len(words), morphs=morphs)
        docs.append(doc)
    docs[0][0].set_morph(None)
    return docs


@pytest.fixture(scope="module")
def morph_corpus(pipeline_dir, tmp_path_factory):
    nlp = spacy.load(pipeline_dir)
    path = tmp_path_factory.mktemp("morph") / "gold.spacy"
    DocBin(docs=gold_docs(nlp.vocab), store_user_data=False).to_disk(path)
    return path


def test_token_value_morph():
    doc = Doc(spacy.blank("en").vocab, words=["a", "b", "c"], morphs=["Number=Sing", "_", "_"])
    doc[2].set_morph(None)
    assert [token_value(t, "morph") for t in doc] == ["Number=Sing", "_", None]
    assert token_value(doc[0], "tag") is None


def test_report_sections_per_attribute(pipeline_dir, morph_corpus, tmp_path):
    pytest.importorskip("matplotlib")
    report = evaluate_report(pipeline_dir, morph_corpus, tmp_path, attr="tag,pos", progress=False)
    assert report["attrs"] == ["tag", "pos"]
    # The first attribute's section is also the top level (the single-attribute layout).
    assert report["attr"] == "tag" and report["tag"]["attr"] == "tag"
    for key, value in report["tag"].items():
        assert report[key] == value
    assert report["tag"]["tag_acc"] == report["tag"]["accuracy"] > 0.5
    assert report["pos"]["pos_acc"] == report["pos"]["accuracy"] == 0.0
    assert report["pos"]["most_confused"][0] == {
        "gold": "NOUN", "predicted": UNTAGGED, "count": report["pos"]["n_tokens"], "share_of_errors": 1.0
    }
    for section in ("tag", "pos"):
        assert set(report[section]) >= {"per_label", "confusion_matrix", "most_confused", "macro_avg", "n_tokens"}
        assert (tmp_path / f"confusion_{section}.png").stat().st_size > 1000
    assert (tmp_path / "confusion.png").read_bytes() == (tmp_path / "confusion_tag.png").read_bytes()
    assert srsly.read_json(tmp_path / "report.json") == srsly.json_loads(srsly.json_dumps(report))
    # The default: what the lstm_tagger predicts.
    default = evaluate_report(pipeline_dir, morph_corpus, tmp_path / "default", plot=False, progress=False)
    pipe = spacy.load(pipeline_dir).get_pipe("lstm_tagger")
    assert default["attrs"] == list(getattr(pipe, "predicted_attrs", (pipe.attr,)))
    with pytest.raises(ValueError, match="attr"):
        evaluate_report(pipeline_dir, morph_corpus, tmp_path, attr="tag,tag", plot=False)
    with pytest.raises(ValueError, match="attr"):
        evaluate_report(pipeline_dir, morph_corpus, tmp_path, attr=["dep"], plot=False)


def test_morph_section_matches_spacy_scorer(morph_corpus, tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("fake_morph")
    report = evaluate_report("fake", morph_corpus, tmp_path, attr="morph", nlp=nlp, plot=False, progress=False)
    morph = report["morph"]
    golds = list(DocBin().from_disk(morph_corpus).get_docs(nlp.vocab))
    examples = [Example(nlp(Doc(nlp.vocab, words=[t.text for t in doc])), doc) for doc in golds]
    key = lambda token, attr: getattr(token, attr).key  # noqa: E731
    assert morph["morph_acc"] == pytest.approx(Scorer.score_token_attr(examples, "morph", getter=key)["morph_acc"])
    assert morph["n_unannotated_tokens"] == 1
    assert morph["n_tokens"] == sum(len(doc) for doc in golds) - 1
    # Words without features are "_" in gold; the fake component leaves them
    # unset ("(none)") and gives "She" no features.
    assert morph["per_label"]["_"]["support"] > 0
    pairs = {(e["gold"], e["predicted"]) for e in morph["most_confused"]}
    assert ("_", UNTAGGED) in pairs and ("Number=Plur", "Number=Sing") in pairs
    assert ("Case=Nom|Gender=Fem|Number=Sing|Person=3", "_") in pairs
    per_feat = Scorer.score_token_attr_per_feat(examples, "morph", getter=key)["morph_per_feat"]
    assert set(morph["per_feat"]) == set(per_feat)
    for field, scores in per_feat.items():
        for name in ("p", "r", "f"):
            assert morph["per_feat"][field][name] == pytest.approx(scores[name])
    assert morph["per_feat"]["Number"]["support"] == sum(
        "Number=" in str(t.morph) for doc in golds for t in doc
    )
    assert morph["per_feat"]["Gender"]["r"] == 0.0
    # UFeats as the CoNLL 2018 script counts it (tests/test_ud_scores.py).
    from spacy_lstm_tagger.scorer import score_lstm_tagger

    assert morph["ud_scores"]["ufeats_acc"] == pytest.approx(score_lstm_tagger(examples, attrs=["morph"])["ufeats_acc"])


def test_report_command_all_attributes(pipeline_dir, morph_corpus, tmp_path):
    pytest.importorskip("matplotlib")
    result = CliRunner().invoke(app, ["report", str(pipeline_dir), str(morph_corpus), str(tmp_path), "-a", "pos,tag"])
    assert result.exit_code == 0, result.output
    assert "pos_acc 0.0000" in result.output and "tag_acc" in result.output
    assert srsly.read_json(tmp_path / "report.json")["attrs"] == ["pos", "tag"]
    assert (tmp_path / "confusion.png").read_bytes() == (tmp_path / "confusion_pos.png").read_bytes()
    result = CliRunner().invoke(app, ["report", str(pipeline_dir), str(morph_corpus), str(tmp_path), "-a", "dep"])
    assert result.exit_code == 1 and "attr" in result.output


def test_joint_pipeline_reports_every_head(morph_corpus, tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"attr": ["tag", "pos", "morph"], "model": dict(TINY_MODEL)})
    golds = list(DocBin().from_disk(morph_corpus).get_docs(nlp.vocab))
    examples = [Example(Doc(nlp.vocab, words=[t.text for t in doc]), doc) for doc in golds]
    train_pipeline(nlp, examples, steps=60)
    report = evaluate_report("joint", morph_corpus, tmp_path, nlp=nlp, plot=False, progress=False)
    assert report["attrs"] == ["tag", "pos", "morph"]
    scores = nlp.evaluate(examples)
    for attr in ("tag", "pos", "morph"):
        assert report[attr]["accuracy"] == pytest.approx(scores[f"{attr}_acc"])
    assert set(report["morph"]["per_feat"]) == set(scores["morph_per_feat"])
