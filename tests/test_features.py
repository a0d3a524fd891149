"""Model options: predicting UPOS, static vectors, the char encoder."""
import numpy
import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.tokens import Doc
from spacy.training import Example

from conftest import SENTENCES, TINY_MODEL, train_pipeline

UPOS = {"DET": "DET", "DT": "DET", "NN": "NOUN", "NNS": "NOUN", "V": "VERB", "VBD": "VERB", "VBP": "VERB",
        "VBZ": "VERB", "PRP": "PRON", "JJ": "ADJ", "IN": "ADP"}


def pos_examples(nlp):
    return [
        Example.from_dict(Doc(nlp.vocab, words=words), {"pos": [UPOS[t] for t in tags]})
        for words, tags in SENTENCES
    ]


def test_attr_pos_predicts_universal_pos_and_scores_pos_acc(tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"attr": "pos", "model": dict(TINY_MODEL)})
    examples = pos_examples(nlp)
    train_pipeline(nlp, examples, steps=80)
    doc = nlp("The dog ate the apple")
    assert [t.pos_ for t in doc] == ["DET", "NOUN", "VERB", "DET", "NOUN"]
    assert [t.tag_ for t in doc] == [""] * 5  # tags are not touched
    scores = nlp.evaluate(examples)
    assert scores["pos_acc"] == 1.0 and scores.get("tag_acc") is None
    nlp.to_disk(tmp_path / "p")
    assert [t.pos_ for t in spacy.load(tmp_path / "p")("The dog ate the apple")] == [t.pos_ for t in doc]


def test_attr_pos_refuses_a_label_that_is_not_universal():
    nlp = spacy.blank("en")
    tagger = nlp.add_pipe("lstm_tagger", config={"attr": "pos", "model": dict(TINY_MODEL)})
    with pytest.raises(ValueError, match="not a universal POS tag"):
        tagger.add_label("NN")


def add_vectors(nlp, width=6):
    rng = numpy.random.default_rng(0)
    for words, _ in SENTENCES:
        for word in words:
            nlp.vocab.set_vector(word, rng.normal(size=width).astype("float32"))


def test_static_vectors_are_an_input(tmp_path):
    nlp = spacy.blank("en")
    add_vectors(nlp)
    config = {"model": dict(TINY_MODEL, include_static_vectors=True)}
    tagger = nlp.add_pipe("lstm_tagger", config=config)
    from conftest import make_examples

    train_pipeline(nlp, make_examples(nlp), steps=80)
    module = tagger.model.layers[0].shims[0]._model
    assert module.vectors_width == 6
    assert module.lstm.input_size == module.vectors_width + sum(e.embedding_dim for e in module.embeddings)
    doc = nlp("The dog ate the apple unseenword")
    assert [t.tag_ for t in doc][:5] == ["DET", "NN", "V", "DET", "NN"]
    nlp.to_disk(tmp_path / "p")
    loaded = spacy.load(tmp_path / "p")
    assert [t.tag_ for t in loaded("The dog ate the apple unseenword")] == [t.tag_ for t in doc]
    # The vectors change the output: zeroing them changes the scores.
    before = tagger.predict([nlp.make_doc("The dog ate")])[0]
    nlp.vocab.vectors.data[:] = 0
    after = tagger.predict([nlp.make_doc("The dog ate")])[0]
    assert not numpy.allclose(before, after)


def test_static_vectors_without_vectors_is_a_clear_error():
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL, include_static_vectors=True)})
    from conftest import make_examples

    with pytest.raises(ValueError, match="include_static_vectors = true, but the pipeline's vocab has no vectors"):
        nlp.initialize(lambda: make_examples(nlp))


def test_char_encoder_gives_unseen_words_their_own_representation():
    nlp = spacy.blank("en")
    tagger = nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL, char_rows=200, char_filters=8)})
    from conftest import make_examples

    train_pipeline(nlp, make_examples(nlp), steps=10)
    featurizer = tagger.model.layers[0].attrs["convert_inputs"].keywords["featurizer"]
    features, token_index, chars = featurizer.features([nlp.make_doc("walking walked " + "x" * 40)])
    assert chars.shape == (3, featurizer.char_length)
    assert (chars[0] != chars[1]).any()
    # A long word keeps its first and last characters.
    assert chars[2, 0] == chars[2, -1] == 1 + ord("x") % (featurizer.char_rows - 1)
    assert token_index.tolist() == [0, 1, 2] or sorted(token_index.tolist()) == [0, 1, 2]


def test_confidence_is_off_by_default_and_sums_to_one_when_stored(trained_nlp):
    from spacy.tokens import Token

    tagger = trained_nlp.get_pipe("lstm_tagger")
    assert tagger.cfg["confidence"] == "none"
    doc = trained_nlp("The dog ate the apple")
    assert not Token.has_extension("tag_prob") or all(t._.tag_prob is None for t in doc)
    try:
        tagger.cfg["confidence"] = "all"
        doc = trained_nlp("The dog ate the apple zzyzx")
        probs = doc._.tag_probs
        assert probs.shape == (len(doc), len(tagger.labels))
        numpy.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
        for token, row in zip(doc, probs):
            assert doc._.tag_prob_labels[int(row.argmax())] == token.tag_
            assert token._.tag_prob == pytest.approx(float(row.max()))
            assert 0.0 < token._.tag_prob <= 1.0
        tagger.cfg["confidence"] = "predicted"
        doc = trained_nlp("Dogs bark")
        assert doc._.tag_probs is None and all(0.0 < t._.tag_prob <= 1.0 for t in doc)
    finally:
        tagger.cfg["confidence"] = "none"


def test_unknown_confidence_setting_is_refused():
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match="confidence must be one of"):
        nlp.add_pipe("lstm_tagger", config={"confidence": "some"})


def _reference_sequence_lengths(docs, window):
    """The rule, one doc and one sentence at a time."""
    lengths = []
    for doc in docs:
        for sent in (doc.sents if doc.has_annotation("SENT_START") else [doc[:]]) if len(doc) else []:
            n = len(sent)
            lengths += [window] * (n // window) + ([n % window] if n % window else [])
    return lengths


@settings(max_examples=200, deadline=None)
@given(
    docs=st.lists(st.lists(st.sampled_from([True, False, None]), max_size=30), max_size=6),
    window=st.integers(1, 12),
)
def test_sequences_follow_sentences_and_windows(docs, window):
    # The featurizer computes the lengths for the whole batch at once; they
    # must be those of each doc's sentences, cut into windows, in doc order.
    from spacy.vocab import Vocab

    from spacy_lstm_tagger.thinc_model import TokenFeaturizer

    vocab = Vocab()
    batch = []
    for starts in docs:
        sent_starts = ([True] + starts[1:]) if starts else None
        batch.append(Doc(vocab, words=["w"] * len(starts), sent_starts=sent_starts))
    featurizer = TokenFeaturizer(10, 10, 10, [1], [1], max_sequence_length=window)
    lengths = featurizer.sequence_lengths(batch)
    assert lengths.tolist() == _reference_sequence_lengths(batch, window)
    assert lengths.sum() == sum(len(doc) for doc in batch)
