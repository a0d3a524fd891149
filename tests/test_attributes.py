"""The attribute specs (attributes.py): the table is consistent, and a fifth
attribute is one spec away (docs/how-it-works.md, "Adding an attribute")."""
import spacy
from spacy.attrs import DEP, IDS
from spacy.scorer import Scorer
from spacy.tokens import Doc
from spacy.training import Example

from spacy_lstm_tagger.attributes import ATTRIBUTES, AttributeSpec
from spacy_lstm_tagger.cli.conllu_write import COLUMNS, PREDICTED_COLUMNS

from conftest import SENTENCES, TINY_MODEL, train_pipeline


def test_each_spec_names_its_spacy_attribute_and_a_conllu_column_once():
    assert list(ATTRIBUTES) == ["tag", "pos", "morph", "lemma"]
    for name, spec in ATTRIBUTES.items():
        assert spec.name == name
        assert IDS[spec.spacy_name] == spec.spacy_id
        assert spec.score_key == f"{name}_acc"
    columns = [spec.ud_column for spec in ATTRIBUTES.values()]
    assert sorted(columns) == ["FEATS", "LEMMA", "UPOS", "XPOS"]
    # The CoNLL-U writer's columns are the specs', in column order.
    assert [COLUMNS[col] for col, *_ in PREDICTED_COLUMNS] == ["LEMMA", "UPOS", "XPOS", "FEATS"]


def test_the_factory_assigns_and_scores_what_the_specs_list():
    meta = spacy.blank("en").get_factory_meta("lstm_tagger")
    assert meta.assigns == [f"token.{name}" for name in ATTRIBUTES]
    assert meta.default_score_weights == {
        "tag_acc": 1.0, "pos_acc": 0.0, "morph_acc": 0.0, "ufeats_acc": 0.0, "lemma_acc": 0.0
    }


# UD's DEPREL column as a fifth attribute: the spec the docs show.
DEPREL = AttributeSpec(
    name="dep", spacy_id=DEP, spacy_name="DEP", token_field="dep_", ud_column="DEPREL", score_key="dep_acc",
    label_problem=lambda label: None, labels_from_counts=sorted, rare_gold_trains_nothing=False,
    stored_value=lambda vocab, label: vocab.strings.add(label), token_value=lambda token: token.dep_ or None,
    score=lambda examples, **kwargs: Scorer.score_token_attr(examples, "dep", **kwargs),
    conllu_value=lambda token: token.dep_, conllu_always_written=False,
)
DEPS = [
    ["det", "nsubj", "ROOT", "det", "obj"],
    ["nsubj", "ROOT", "det", "obj"],
    ["nsubj", "ROOT", "amod", "obj"],
    ["nsubj", "ROOT"],
    ["det", "amod", "nsubj", "ROOT", "case", "det", "amod", "obl", "obl"],
    ["nsubj", "ROOT"],
]


def test_a_fifth_attribute_is_one_spec(monkeypatch, tmp_path):
    """With DEPREL's spec added to ATTRIBUTES and nothing else changed, the
    component predicts token.dep_ beside token.tag_, with its confidence,
    loss, score and saved labels."""
    monkeypatch.setitem(ATTRIBUTES, "dep", DEPREL)
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL), "attr": ["tag", "dep"], "confidence": "predicted"})
    examples = []
    for (words, tags), deps in zip(SENTENCES, DEPS):
        root = deps.index("ROOT")
        heads = [root] * len(words)  # a flat tree: heads only make the deps valid
        examples.append(Example.from_dict(Doc(nlp.vocab, words=words), {"tags": tags, "deps": deps, "heads": heads}))
    train_pipeline(nlp, examples, steps=80)
    tagger = nlp.get_pipe("lstm_tagger")
    assert tagger.predicted_attrs == ("tag", "dep")
    assert tagger.head_labels["dep"] == tuple(sorted({d for doc in DEPS for d in doc}))
    doc = nlp("The big cat sat on the old mat today")
    assert [t.dep_ for t in doc] == DEPS[4]
    assert all(0.0 < t._.dep_prob <= 1.0 for t in doc)
    scores = nlp.evaluate(examples)
    assert scores["dep_acc"] == 1.0 and scores["tag_acc"] == 1.0
    nlp.to_disk(tmp_path / "nlp")
    reloaded = spacy.load(tmp_path / "nlp")
    assert [t.dep_ for t in reloaded("The big cat sat on the old mat today")] == DEPS[4]
