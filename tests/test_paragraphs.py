"""A doc without sentence boundaries (nlp(paragraph) in a pipeline without a
parser, senter or sentencizer) is read sentence by sentence, cut where spaCy's
Sentencizer would start a sentence (but with an opening quote or bracket in the
sentence it opens) and at blank lines, without writing boundaries to the doc;
a doc with boundaries is read as before. Whitespace tokens are not read at
all (issue 30)."""
import pickle

import numpy
import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.attrs import SENT_START
from spacy.tokens import Doc
from spacy.training import Example

from conftest import TINY_MODEL, make_examples, train_pipeline
from spacy_lstm_tagger.featurizer import TokenFeaturizer

# Sentences as a tagger is trained on them: one per example, each ending in
# sentence-final punctuation.
SENTENCES = [
    ("The dog ate the apple .".split(), ["DT", "NN", "VBD", "DT", "NN", "."]),
    ("Everybody read that book !".split(), ["NN", "VBD", "DT", "NN", "."]),
    ("Did she like green eggs ?".split(), ["VBD", "PRP", "VB", "JJ", "NNS", "."]),
    ("The big cat sat on the old mat today .".split(), ["DT", "JJ", "NN", "VBD", "IN", "DT", "JJ", "NN", "NN", "."]),
    ('He said " stop . "'.split(), ["PRP", "VBD", "``", "VB", ".", "''"]),
    ("Dogs bark .".split(), ["NNS", "VBP", "."]),
]
# A paragraph of sentences that each end where the Sentencizer cuts.
PARAGRAPH = ["The big cat sat on the old mat today .", 'He said " stop . "', "Dogs bark .", "The dog ate the apple ."]


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL)})
    return train_pipeline(nlp, make_examples(nlp, SENTENCES), steps=80)


def featurizer_of(nlp) -> TokenFeaturizer:
    return nlp.get_pipe("lstm_tagger").model.layers[0].attrs["convert_inputs"].keywords["featurizer"]


def log_probs(nlp, doc: Doc) -> numpy.ndarray:
    """The model's (n_tokens, n_labels) output for one doc."""
    return numpy.asarray(nlp.get_pipe("lstm_tagger").model.predict([doc])[0])


def words(text: str, vocab) -> Doc:
    return Doc(vocab, words=text.split())


def test_a_paragraph_tags_as_its_sentences_one_by_one(nlp):
    # The cut reproduces the sentences, so the LSTM reads the same sequences:
    # the same tags, and the same outputs up to float rounding (1e-5).
    sentences = [words(text, nlp.vocab) for text in PARAGRAPH]
    paragraph = words(" ".join(PARAGRAPH), nlp.vocab)
    one_by_one = numpy.concatenate([log_probs(nlp, doc) for doc in sentences])
    together = log_probs(nlp, paragraph)
    numpy.testing.assert_allclose(together, one_by_one, atol=1e-5)
    assert [t.tag_ for t in nlp(paragraph)] == [t.tag_ for doc in sentences for t in nlp(doc)]
    # Without the cut (the old reading, one long sequence) the BiLSTM carries
    # its state across the sentence ends and the outputs differ: the cut is
    # what makes them equal.
    featurizer = featurizer_of(nlp)
    featurizer.split_unsegmented = False
    try:
        whole = log_probs(nlp, words(" ".join(PARAGRAPH), nlp.vocab))
    finally:
        featurizer.split_unsegmented = True
    assert numpy.abs(whole - one_by_one).max() > 1e-3


def test_a_sentencizer_before_the_tagger_gives_the_same_reading(nlp):
    # docs/serving.md: the sentencizer sets the boundaries the cut reads (and
    # doc.sents); the tags and outputs are the same.
    with_sentencizer = spacy.blank("en")
    with_sentencizer.add_pipe("sentencizer")
    with_sentencizer.add_pipe("lstm_tagger", source=nlp)
    text = "Dogs bark ! The cat sat on the mat . \" Stop . \" Then it left ( quickly . ) Now"
    split = with_sentencizer(text)
    assert len(list(split.sents)) == 5
    cut = nlp(text)
    assert [t.tag_ for t in split] == [t.tag_ for t in cut]
    tagger = with_sentencizer.get_pipe("lstm_tagger")
    numpy.testing.assert_allclose(
        numpy.asarray(tagger.model.predict([split])[0]), log_probs(nlp, nlp.make_doc(text)), atol=1e-6
    )


def test_an_opening_quote_is_read_with_the_sentence_it_opens(nlp):
    # Running text: the cut reads '"Stop."' as a sentence of its own, quote
    # included, where the sentencizer leaves the opening quote at the end of
    # the sentence before (docs/serving.md).
    doc = nlp.make_doc('The cat sat. "Stop." Dogs bark.')
    assert [t.text for t in doc] == ["The", "cat", "sat", ".", '"', "Stop", ".", '"', "Dogs", "bark", "."]
    starts = [i in (0, 4, 8) for i in range(len(doc))]
    marked = Doc(nlp.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc], sent_starts=starts)
    numpy.testing.assert_allclose(log_probs(nlp, doc), log_probs(nlp, marked), atol=1e-6)
    sentencizer = spacy.blank("en").add_pipe("sentencizer")
    assert [sent.start for sent in sentencizer(nlp.make_doc(doc.text)).sents] == [0, 5, 8]


def test_a_doc_with_boundaries_is_read_as_before(nlp):
    # Boundaries set by the user (here: all one sentence, then a split that is
    # not the punctuation's) are the sequences, exactly as without the cut.
    text = " ".join(PARAGRAPH).split()
    featurizer = featurizer_of(nlp)
    for sent_starts in ([True] + [False] * (len(text) - 1), [i in (0, 4, 13) for i in range(len(text))]):
        new = log_probs(nlp, Doc(nlp.vocab, words=text, sent_starts=sent_starts))
        featurizer.split_unsegmented = False
        try:
            old = log_probs(nlp, Doc(nlp.vocab, words=text, sent_starts=sent_starts))
        finally:
            featurizer.split_unsegmented = True
        numpy.testing.assert_array_equal(new, old)


def test_a_batch_mixing_docs_gives_each_its_own_result(nlp):
    # Depends on each doc alone: a doc with boundaries and one without, in
    # one batch, each as if alone.
    text = " ".join(PARAGRAPH).split()
    unsegmented = Doc(nlp.vocab, words=text)
    segmented = Doc(nlp.vocab, words=text, sent_starts=[True] + [False] * (len(text) - 1))
    batch = nlp.get_pipe("lstm_tagger").model.predict([segmented, unsegmented])
    numpy.testing.assert_allclose(numpy.asarray(batch[0]), log_probs(nlp, segmented), atol=1e-5)
    numpy.testing.assert_allclose(numpy.asarray(batch[1]), log_probs(nlp, unsegmented), atol=1e-5)


def test_the_doc_gets_no_sentence_boundaries(nlp):
    doc = nlp(" ".join(PARAGRAPH))
    assert doc.has_annotation("TAG")
    assert not doc.has_annotation("SENT_START")
    assert all(token.is_sent_start is None for token in doc[1:])
    assert not doc.to_array(SENT_START)[1:].any()
    # nlp.pipe and a doc the user partly annotated: left as they were.
    (doc,) = nlp.pipe([" ".join(PARAGRAPH)])
    assert not doc.has_annotation("SENT_START")
    partial = words(" ".join(PARAGRAPH), nlp.vocab)
    partial[3].is_sent_start = False
    before = partial.to_array(SENT_START).copy()
    nlp(partial)
    numpy.testing.assert_array_equal(partial.to_array(SENT_START), before)


# sequence_lengths, case by case (a window larger than every doc unless said).


def lengths(docs, window=100, split=True):
    featurizer = TokenFeaturizer(10, 10, 10, [1], [1], max_sequence_length=window, split_unsegmented=split)
    return featurizer.sequence_lengths(docs).tolist()


VOCAB = spacy.blank("en").vocab  # its lexemes know what is punctuation, as the Sentencizer reads it


def spaced(text: str, vocab=None) -> Doc:
    """Words with their spaces as in running text: "_" joins two tokens
    without a space ('said_. "_We' is 'said. "We')."""
    vocab = vocab or VOCAB
    tokens, spaces = [], []
    for chunk in text.split(" "):
        parts = chunk.split("_")
        tokens.extend(parts)
        spaces.extend([False] * (len(parts) - 1) + [True])
    return Doc(vocab, words=tokens, spaces=spaces)


@pytest.mark.parametrize(
    "text,expected",
    [
        # A run of sentence-final punctuation stays with its sentence.
        ("Really ? ! Yes .", [3, 2]),
        # Quotes and brackets after the period stay with their sentence.
        ('He said " go . " Then he left .', [6, 4]),
        ("He left ( at last . ) Then rain .", [7, 3]),
        # A doc ending without punctuation: its last sentence is the rest.
        ("Hi . Bye", [2, 1]),
        # Punctuation first: the first word after it starts a sentence.
        (". Hi there", [1, 2]),
        # No sentence-final punctuation inside: one sequence.
        ("one two three", [3]),
        ("The end .", [3]),
        # Other scripts' sentence ends, from the Sentencizer's list.
        ("ئۇ كەلدى ؟ مەن كەتتىم .", [3, 3]),
        ("यह ठीक है । वह गया ।", [4, 3]),
    ],
)
def test_cut_where_the_sentencizer_cuts(text, expected):
    # Every token followed by a space: spaCy's Sentencizer's sentences.
    assert lengths([words(text, VOCAB)]) == expected
    sentencizer = spacy.blank("xx").add_pipe("sentencizer")
    assert [len(s) for s in sentencizer(words(text, VOCAB)).sents] == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        # An opening quote or bracket (a space before, none after) starts
        # the sentence it opens; a closing one stays with its sentence.
        ('Habib said_. "_Hamas remains .', [3, 4]),
        ('He said_. "_Go_._" Then rain_.', [3, 4, 3]),
        ("It rained_. (_Again_._) Then sun_.", [3, 4, 3]),
        # A mark with spaces on both sides stays where the Sentencizer puts it.
        ('It rained . " Then sun .', [4, 3]),
        # At the doc's end it starts nothing.
        ('It rained_. "', [4]),
        # "?!" and "..." as one token are punctuation but not in the
        # Sentencizer's list: they end nothing (a cut before a capitalized
        # word was measured, and cost more inside sentences than it gained).
        ("It was fine ... It rained .", [7]),
        ("Really ?! Yes .", [4]),
    ],
)
def test_cut_at_opening_marks(text, expected):
    assert lengths([spaced(text)]) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        # Whitespace tokens are not read ("|" separates the tokens: a
        # whitespace token may hold spaces). A blank line ends a sentence
        # that has no sentence-final mark.
        ("Call|me|tomorrow|\n\n|Thanks|\n|John", [3, 2]),
        ("Call|me|.|\n\n|Thanks", [3, 1]),
        # Any whitespace token with two line breaks or more.
        ("Hi|\n \n|Bye", [1, 1]),
        ("Hi|\n\n\n|Bye", [1, 1]),
        # A single line break (a wrapped line) ends nothing.
        ("the|quick|\n|brown|fox", [4]),
        ("It|rained|.|\n|Then|sun|.", [3, 3]),
        ("It|rained|.|\n\n", [3]),
        ("\n\n|It|rained", [2]),
        ("\n|\n\n", []),
        # A line break before an opening mark is a space before it.
        ('He|said|.|\n|"|Go|.', [3, 3]),
        ('He|said|.|"|Go|.', [4, 2]),
    ],
)
def test_cut_at_blank_lines(text, expected):
    tokens = text.split("|")
    assert lengths([Doc(VOCAB, words=tokens, spaces=[False] * len(tokens))]) == expected


def test_a_page_tags_as_its_paragraphs_one_by_one(nlp):
    # A blank line between two paragraphs, the first without a
    # sentence-final mark: each reads as if alone, the blank line unread.
    first, second = "The dog ate the apple", "Dogs bark ."
    alone = [log_probs(nlp, words(text, nlp.vocab)) for text in (first, second)]
    page = nlp.make_doc(f"{first}\n\n{second}")
    assert [t.text for t in page].index("\n\n") == 5
    together = log_probs(nlp, page)
    numpy.testing.assert_allclose(together[:5], alone[0], atol=1e-5)
    numpy.testing.assert_allclose(together[6:], alone[1], atol=1e-5)
    assert not together[5].any()  # the blank line is not read
    assert not nlp(page.text).has_annotation("SENT_START")


@pytest.fixture(scope="module")
def four_heads():
    """A pipeline predicting XPOS, UPOS, FEATS and LEMMA."""
    from test_joint import UD

    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL), "attr": ["tag", "pos", "morph", "lemma"]})
    examples = [
        Example.from_dict(
            Doc(nlp.vocab, words=w), {"tags": t, "pos": p, "morphs": m, "lemmas": [x.lower() for x in w]}
        )
        for w, t, p, m in UD
    ]
    return train_pipeline(nlp, examples, steps=60)


@pytest.mark.parametrize("confidence", ["none", "all"])
def test_whitespace_tokens_are_not_read(four_heads, confidence):
    # A wrapped line, a double space, a line break at the end: the words tag
    # as without them, and each whitespace token gets what spaCy's trained
    # pipelines give one (tag _SP, POS SPACE, its text as lemma, no
    # features), no probability, and keeps what another component set
    # (overwrite false).
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", source=four_heads)
    nlp.get_pipe("lstm_tagger").cfg["confidence"] = confidence
    plain = nlp("The dog ate the apple")
    text = "The dog\nate the  apple\n"
    doc = nlp.make_doc(text)
    space_indices = [t.i for t in doc if t.is_space]
    assert [doc[i].text for i in space_indices] == ["\n", " ", "\n"]
    doc[space_indices[1]].lemma_ = "kept"  # set before the tagger
    tagged = nlp(doc)
    words = [t for t in tagged if not t.is_space]
    for field in ("tag_", "pos_", "lemma_"):
        assert [getattr(t, field) for t in words] == [getattr(t, field) for t in plain]
    assert [str(t.morph) for t in words] == [str(t.morph) for t in plain]
    spaces = [t for t in tagged if t.is_space]
    assert [(t.tag_, t.pos_, t.morph.key) for t in spaces] == [("_SP", "SPACE", 0)] * 3
    assert [t.lemma_ for t in spaces] == ["\n", "kept", "\n"]
    rows = log_probs(nlp, nlp.make_doc(text))
    numpy.testing.assert_allclose(rows[[not t.is_space for t in doc]], log_probs(nlp, plain), atol=1e-5)
    assert not rows[space_indices].any()
    if confidence == "all":
        for attr in ("tag", "pos", "morph", "lemma"):
            assert [t._.get(f"{attr}_prob") for t in spaces] == [None] * 3
            assert all(t._.get(f"{attr}_prob") > 0 for t in words)
            assert not tagged._.get(f"{attr}_probs")[space_indices].any()


def test_training_examples_with_whitespace_tokens():
    # Gold on a whitespace token (here "_SP", as corpora tokenized by spaCy
    # have it) trains nothing: the loss is that of the words alone.
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL), "attr": "tag"})
    examples = make_examples(nlp, SENTENCES)
    nlp.initialize(lambda: examples)
    tagger = nlp.get_pipe("lstm_tagger")
    words, tags = next((w, t) for w, t in SENTENCES if w[0] == "The" and len(w) == 10)
    plain = Example.from_dict(nlp.make_doc(" ".join(words)), {"words": words, "tags": tags})
    spaced_words = words[:4] + ["\n"] + words[4:]
    spaced = Example.from_dict(
        Doc(nlp.vocab, words=spaced_words, spaces=[True] * 3 + [False, False] + [True] * (len(words) - 4)),
        {"words": spaced_words, "tags": tags[:4] + ["_SP"] + tags[4:]},
    )
    assert spaced.predicted[4].is_space
    # Nor is it a label: initialize does not collect it.
    other = spacy.blank("en")
    other.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL), "attr": "tag"})
    other.initialize(lambda: [spaced, plain])
    assert "_SP" not in other.get_pipe("lstm_tagger").labels and "VBD" in other.get_pipe("lstm_tagger").labels
    loss_plain, _ = tagger.get_loss([plain], tagger.model.predict([plain.predicted]))
    loss_spaced, d_spaced = tagger.get_loss([spaced], tagger.model.predict([spaced.predicted]))
    assert loss_spaced == pytest.approx(loss_plain, rel=1e-5)
    assert not d_spaced[0][4].any()
    losses = {}
    nlp.update([spaced, plain], losses=losses)
    assert numpy.isfinite(losses["lstm_tagger"])
    # A batch of whitespace alone reads nothing: no loss, no gradient (an
    # update still runs, where torch once refused a backward through an
    # output without a graph).
    blank = Example.from_dict(Doc(nlp.vocab, words=["\n\n"], spaces=[False]), {"tags": ["_SP"]})
    module = tagger.model.layers[0].shims[0]._model
    module.zero_grad()
    log_probs, backprop = tagger.model.begin_update([blank.predicted])
    loss, d_log_probs = tagger.get_loss([blank], log_probs)
    backprop(d_log_probs)
    assert loss == 0.0 and all(p.grad is None or not p.grad.to_dense().any() for p in module.parameters())
    losses = {}
    nlp.update([blank], losses=losses)
    assert losses["lstm_tagger"] == 0.0


def test_cut_edge_cases():
    # An empty doc has no sequence, alone or between others.
    assert lengths([Doc(VOCAB, words=[])]) == []
    assert lengths([words("A . B", VOCAB), Doc(VOCAB, words=[]), words("C . D", VOCAB)]) == [2, 1, 2, 1]
    # A single token.
    assert lengths([words(".", VOCAB)]) == [1]
    # A sentence end in one doc starts nothing in the next.
    assert lengths([words("A .", VOCAB), words('" B', VOCAB)]) == [2, 2]
    # Pieces longer than the window still become windows.
    assert lengths([words("a b c d e . f g", VOCAB)], window=4) == [4, 2, 2]
    # Off: a doc without boundaries is one sequence (windowed), as before.
    assert lengths([words("A . B . C", VOCAB)], split=False) == [5]


def test_a_partly_annotated_doc_keeps_its_boundaries():
    # One token marked (here: not a start) makes the doc annotated, as
    # Doc.has_annotation("SENT_START") reads it: its own starts, no cut.
    doc = words("A . B . C", VOCAB)
    doc[2].is_sent_start = False
    assert doc.has_annotation("SENT_START")
    assert lengths([doc]) == [5]
    doc = words("A . B . C", VOCAB)
    doc[4].is_sent_start = True
    assert lengths([doc]) == [4, 1]
    # The first token alone marked leaves the doc unsegmented: cut.
    doc = words("A . B . C", VOCAB)
    doc[0].is_sent_start = True
    assert not doc.has_annotation("SENT_START")
    assert lengths([doc]) == [2, 2, 1]
    # A "sents" hook gives the doc its sentences (has_annotation is True):
    # read whole, as before.
    doc = words("A . B . C", VOCAB)
    doc.user_hooks["sents"] = lambda doc: iter([doc[:]])
    assert lengths([doc]) == [5]


def test_a_pickled_featurizer_keeps_the_setting():
    # Worker processes get the model pickled.
    featurizer = TokenFeaturizer(10, 10, 10, [1], [1], max_sequence_length=8, split_unsegmented=False)
    assert lengths([words("A . B", VOCAB)], split=False) == [3]
    assert pickle.loads(pickle.dumps(featurizer)).sequence_lengths([words("A . B", VOCAB)]).tolist() == [3]


def reference_pieces(doc: Doc) -> list:
    """The cut's rule as the Sentencizer's loop writes it, token by token:
    the lengths of the pieces the LSTM reads (whitespace tokens unread)."""
    from spacy.pipeline import Sentencizer

    pieces, seen = [0], False
    for i, token in enumerate(doc):
        if token.is_space:
            if token.text.count("\n") >= 2 and pieces[-1]:
                pieces.append(0)  # a blank line ends the piece
            continue
        is_final = token.text in Sentencizer.default_punct_chars
        space_before = i > 0 and (bool(doc[i - 1].whitespace_) or doc[i - 1].is_space)
        opening = token.is_punct and space_before and not token.whitespace_ and i + 1 < len(doc)
        if seen and not is_final and (not token.is_punct or opening):
            if pieces[-1]:
                pieces.append(0)
            seen = False
        elif is_final:
            seen = True
        pieces[-1] += 1
    return [n for n in pieces if n]


TOKENS = ["w", "x", ".", "?", "!", '"', ")", "(", "?!", "...", "-", "。", "\n", "\n\n", " \n\n", "  ", "\n \n"]


@settings(max_examples=300, deadline=None)
@given(
    docs=st.lists(st.lists(st.tuples(st.sampled_from(TOKENS), st.booleans()), max_size=20), max_size=6),
    window=st.integers(1, 12),
)
def test_cut_is_the_rule_over_a_batch(docs, window):
    # The batch's lengths are those of each doc's sentences by the rule, cut
    # into windows, in doc order.
    batch = [Doc(VOCAB, words=[w for w, _ in doc], spaces=[sp for _, sp in doc]) for doc in docs]
    expected = []
    for doc in batch:
        for n in reference_pieces(doc):
            expected += [window] * (n // window) + ([n % window] if n % window else [])
    assert lengths(batch, window=window) == expected
    assert not any(doc.has_annotation("SENT_START") for doc in batch if len(doc) > 1)
