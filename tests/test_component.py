"""The lstm_tagger component in spaCy pipelines."""
import pytest
import spacy
from spacy.tokens import Doc

from conftest import SENTENCES, TINY_MODEL, TUTORIAL, make_examples, train_pipeline


def tags(doc):
    return [token.tag_ for token in doc]


def test_learns_the_pytorch_tutorial_sentences():
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL)})
    train_pipeline(nlp, make_examples(nlp, TUTORIAL), steps=60)
    assert tags(nlp("The dog ate the apple")) == ["DET", "NN", "V", "DET", "NN"]
    assert tags(nlp("Everybody read that book")) == ["NN", "V", "DET", "NN"]


def test_factory_defaults_and_labels(trained_nlp):
    tagger = trained_nlp.get_pipe("lstm_tagger")
    assert tagger.attr == "tag"
    assert set(tagger.labels) == {tag for _, sentence_tags in SENTENCES for tag in sentence_tags}
    assert trained_nlp.get_pipe_meta("lstm_tagger").default_score_weights["tag_acc"] == 1.0


def test_trained_pipeline_scores_tag_acc(trained_nlp):
    scores = trained_nlp.evaluate(make_examples(trained_nlp))
    assert scores["tag_acc"] == 1.0


def test_pipe_with_batches_equals_one_doc_at_a_time(trained_nlp):
    texts = [
        "Dogs bark",
        " ".join(["The big cat sat on the old mat today"] * 30),
        "She",
        "",
        "I like green eggs and the dog ate the apple while everybody read that book",
    ] * 3
    one_by_one = [tags(trained_nlp(text)) for text in texts]
    for batch_size in (1, 2, 7, 64):
        assert [tags(doc) for doc in trained_nlp.pipe(texts, batch_size=batch_size)] == one_by_one


def test_empty_one_token_and_unseen_words(trained_nlp):
    labels = set(trained_nlp.get_pipe("lstm_tagger").labels)
    assert len(trained_nlp("")) == 0
    one = trained_nlp("dog")
    assert len(one) == 1 and one[0].tag_ in labels
    unseen = trained_nlp("Zyxxqv blorfed the quizzaciously gnarbled wug 🦜 ¿¿")
    assert all(token.tag_ in labels for token in unseen)


def test_sentences_and_doc_longer_than_sequence_window(trained_nlp):
    # Longer than max_sequence_length: split into windows, one tag per token.
    doc = trained_nlp(" ".join(["the dog ate the apple"] * 300))
    assert len(doc) == 1500
    assert all(token.tag_ for token in doc)


def test_in_a_pipeline_with_other_components_and_overwrite(trained_nlp, tmp_path):
    trained_nlp.to_disk(tmp_path / "tagger_pipeline")
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "ANIMAL", "pattern": "dog"}])
    nlp.add_pipe("lstm_tagger", source=spacy.load(tmp_path / "tagger_pipeline"))
    assert nlp.pipe_names == ["sentencizer", "entity_ruler", "lstm_tagger"]
    doc = nlp("The dog ate the apple. Everybody read that book.")
    assert [ent.text for ent in doc.ents] == ["dog"]
    assert len(list(doc.sents)) == 2
    assert tags(doc)[:5] == ["DET", "NN", "V", "DET", "NN"]

    # overwrite=False (the default) keeps tags that are already set.
    preset = Doc(nlp.vocab, words="The dog ate the apple".split(), tags=["X1", "", "", "X2", ""])
    tagged = nlp.get_pipe("lstm_tagger")(preset)
    assert tags(tagged) == ["X1", "NN", "V", "X2", "NN"]
    nlp.get_pipe("lstm_tagger").cfg["overwrite"] = True
    preset = Doc(nlp.vocab, words="The dog ate the apple".split(), tags=["X1", "", "", "X2", ""])
    assert tags(nlp.get_pipe("lstm_tagger")(preset)) == ["DET", "NN", "V", "DET", "NN"]


def test_labels_from_initialize_argument():
    nlp = spacy.blank("en")
    tagger = nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL)})
    examples = make_examples(nlp)
    tagger.initialize(lambda: examples, nlp=nlp, labels=["NN", "DET", "V", "EXTRA"])
    assert tagger.labels == ("NN", "DET", "V", "EXTRA")


def test_unknown_attr_is_refused():
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match="attr must be one of"):
        nlp.add_pipe("lstm_tagger", config={"attr": "dep"})


def test_parameter_averages_are_swapped_in_and_restored():
    # With use_averages = true, spacy train evaluates and saves inside
    # nlp.use_params(optimizer.averages); thinc's torch shim ignores the keys
    # our finish_update uses, so the component swaps them in itself.
    import numpy
    from thinc.api import Adam

    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL)})
    examples = make_examples(nlp)
    optimizer = Adam(0.01, use_averages=True)
    nlp.initialize(lambda: examples, sgd=optimizer)
    for _ in range(20):
        nlp.update(examples, sgd=optimizer)
    shim = pipe.model.layers[0].shims[0]
    params = dict(shim._model.named_parameters())
    raw = {name: p.detach().clone().numpy() for name, p in params.items()}
    raw_bytes = pipe.to_bytes(exclude=["vocab"])
    averaged = {name: optimizer.averages[(shim.id, name)] for name in params}
    assert not numpy.allclose(raw["output.weight"], averaged["output.weight"])
    with nlp.use_params(optimizer.averages):
        for name, p in params.items():
            numpy.testing.assert_allclose(p.detach().numpy(), averaged[name])
        averaged_bytes = pipe.to_bytes(exclude=["vocab"])
    for name, p in params.items():
        numpy.testing.assert_array_equal(p.detach().numpy(), raw[name])
    assert averaged_bytes != raw_bytes
    assert pipe.to_bytes(exclude=["vocab"]) == raw_bytes
