"""Odd text input: every token gets one tag from the label set (a whitespace
token, which the LSTM does not read, spaCy's "_SP"), memory bounded."""
import psutil
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.tokens import Doc


def labels(nlp):
    return set(nlp.get_pipe("lstm_tagger").labels)


def tag_is_right_kind(token, known) -> bool:
    """A word's tag is a label; a whitespace token's is "_SP"."""
    return token.tag_ == "_SP" if token.is_space else token.tag_ in known


def test_odd_tokens_are_tagged(trained_nlp):
    words = ["\x00", "\x07ctrl", " ", "\n", "🦜", "🧑‍💻", "Привет", "東京", "مرحبا", "x" * 10000, "a\u0301", "\ufeff"]
    doc = trained_nlp(Doc(trained_nlp.vocab, words=words))
    assert len(doc) == len(words)
    assert [token.is_space for token in doc].count(True) == 2
    assert all(tag_is_right_kind(token, labels(trained_nlp)) for token in doc)


def test_empty_and_whitespace_only_docs(trained_nlp):
    docs = list(trained_nlp.pipe(["", " ", "\n\n\t", "   x   "]))
    assert [len(d) for d in docs][0] == 0
    assert all(tag_is_right_kind(t, labels(trained_nlp)) for d in docs for t in d)


def test_a_100000_token_doc_without_sentences_in_bounded_memory(trained_nlp):
    # 100,000 tokens are read in windows of max_sequence_length: the bound we
    # test is 300 MB of growth for the whole doc (the tiny model's activations
    # for 100,000 tokens are a few MB; padding to one 100,000-step batch with
    # other docs, or keeping autograd state, would blow far past it).
    words = ("the dog ate the apple and everybody read that book".split() * 10000)[:100000]
    process = psutil.Process()
    before = process.memory_info().rss
    docs = list(trained_nlp.pipe([Doc(trained_nlp.vocab, words=words), Doc(trained_nlp.vocab, words=["dog"])]))
    assert process.memory_info().rss - before < 300 * 2**20
    assert len(docs[0]) == 100000 and all(t.tag_ for t in docs[0])
    assert [t.tag_ for t in docs[0][:5]] == ["DET", "NN", "V", "DET", "NN"]


words_strategy = st.lists(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12),
    min_size=0,
    max_size=30,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc_words=st.lists(words_strategy, min_size=1, max_size=6), batch_size=st.integers(1, 8))
def test_tags_come_from_the_label_set_and_do_not_depend_on_the_batch(trained_nlp, doc_words, batch_size):
    make = lambda: [Doc(trained_nlp.vocab, words=w) for w in doc_words]  # noqa: E731
    alone = [[t.tag_ for t in trained_nlp(doc)] for doc in make()]
    batched_docs = list(trained_nlp.pipe(make(), batch_size=batch_size))
    batched = [[t.tag_ for t in doc] for doc in batched_docs]
    assert batched == alone
    known = labels(trained_nlp)
    assert all(tag_is_right_kind(t, known) for doc in batched_docs for t in doc)
    assert [len(t) for t in batched] == [len(w) for w in doc_words]
