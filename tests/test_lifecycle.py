"""The component's lifecycle follows spaCy's Tagger: code written for
`tagger` works after changing the factory name."""
import numpy
import pytest
import spacy
from spacy.tokens import Doc
from spacy.training import Example

from conftest import TINY_MODEL, make_examples


@pytest.mark.parametrize("factory", ["tagger", "lstm_tagger"])
def test_labels_added_before_initialize_are_kept_and_build_the_model(factory):
    nlp = spacy.blank("en")
    config = {"model": dict(TINY_MODEL)} if factory == "lstm_tagger" else {}
    tagger = nlp.add_pipe(factory, config=config)
    tagger.add_label("A")
    tagger.add_label("B")
    nlp.initialize()  # no examples
    assert tagger.labels == ("A", "B")
    doc = nlp("a few words")
    assert {t.tag_ for t in doc} <= {"A", "B"}


def test_second_initialize_with_examples_works_and_keeps_earlier_labels():
    nlp = spacy.blank("en")
    tagger = nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL)})
    tagger.add_label("EXTRA")
    nlp.initialize()
    examples = make_examples(nlp)
    optimizer = nlp.initialize(lambda: examples)
    assert "EXTRA" in tagger.labels and "NN" in tagger.labels
    for _ in range(60):
        nlp.update(examples, sgd=optimizer)
    assert nlp.evaluate(examples)["tag_acc"] > 0.9


def test_adding_a_label_after_the_model_is_built_raises(trained_nlp):
    with pytest.raises(ValueError, match="cannot add label 'NEW' after the model is built"):
        trained_nlp.get_pipe("lstm_tagger").add_label("NEW")


def test_untrained_tagger_predicts_the_uniform_distribution():
    nlp = spacy.blank("en")
    tagger = nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL)})
    for label in ("A", "B", "C", "D"):
        tagger.add_label(label)
    nlp.initialize()
    (log_probs,) = tagger.predict([nlp.make_doc("a b c")])
    assert numpy.allclose(numpy.exp(log_probs), 0.25)


@pytest.mark.parametrize("factory", ["tagger", "lstm_tagger"])
def test_negative_example_unlearns_a_confident_tag(factory):
    """spaCy's own tagger unlearns a tag from "!N" in 20 more updates of the
    optimizer it learned the tag with; so must we (before, the gradient of
    "not N" vanished as N's probability neared 1)."""
    nlp = spacy.blank("en")
    nlp.add_pipe(factory, config={"model": dict(TINY_MODEL)} if factory == "lstm_tagger" else {})
    words = ["I", "like", "blue", "eggs"]
    positive = Example.from_dict(Doc(nlp.vocab, words=words), {"tags": ["N", "V", "J", "N"]})
    spacy.util.fix_random_seed(0)
    optimizer = nlp.initialize(lambda: [positive])
    for _ in range(100):
        nlp.update([positive], sgd=optimizer)
    assert [t.tag_ for t in nlp(Doc(nlp.vocab, words=words))] == ["N", "V", "J", "N"]
    negative = Example.from_dict(Doc(nlp.vocab, words=words), {"tags": ["!N", "V", "J", "N"]})
    for _ in range(20):
        nlp.update([negative], sgd=optimizer)
    assert nlp(Doc(nlp.vocab, words=words))[0].tag_ != "N"
