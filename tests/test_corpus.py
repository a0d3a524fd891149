"""The training reader that adds paragraphs (spacy_lstm_tagger.ParagraphCorpus.v1):
spaCy's Corpus's sentences, then runs of consecutive sentences joined into
one example without sentence boundaries (issue 30)."""
import pytest
import spacy
from spacy.tokens import Doc, DocBin
from spacy.util import registry

from spacy_lstm_tagger.corpus import READER, paragraph_groups

SENTENCES = [
    (["The", "dog", "ate", "."], ["DT", "NN", "VBD", "."]),
    (["Cats", "sleep", "!"], ["NNS", "VBP", "."]),
    (["Did", "she", "read", "?"], ["VBD", "PRP", "VB", "."]),
    (["Yes", "."], ["UH", "."]),
    (["He", "ran", "home", "."], ["PRP", "VBD", "NN", "."]),
    (["Birds", "fly", "."], ["NNS", "VBP", "."]),
    (["It", "rained", "."], ["PRP", "VBD", "."]),
]


@pytest.fixture()
def corpus_path(tmp_path):
    """One sentence per doc, as `spacy convert --n-sents 1` writes a treebank
    (no space after the last word), with POS and lemmas besides the tags."""
    vocab = spacy.blank("en").vocab
    docs = DocBin()
    for words, tags in SENTENCES:
        spaces = [True] * (len(words) - 1) + [False]
        docs.add(Doc(vocab, words=words, spaces=spaces, tags=tags, pos=["X"] * len(words), lemmas=[w.lower() for w in words]))
    path = tmp_path / "train.spacy"
    docs.to_disk(path)
    return path


def read(path, **settings):
    return list(registry.readers.get(READER)(path, **settings)(spacy.blank("en")))


def test_sentences_then_paragraphs_of_consecutive_sentences(corpus_path):
    examples = read(corpus_path, max_sentences=3)
    # The 7 sentences as spacy.Corpus.v1 reads them, then runs of 2, 3, 2.
    sentences, paragraphs = examples[:7], examples[7:]
    assert [[t.text for t in eg.reference] for eg in sentences] == [words for words, _ in SENTENCES]
    assert [len(eg.reference) for eg in paragraphs] == [4 + 3, 4 + 2 + 4, 3 + 3]
    first = paragraphs[0]
    assert first.predicted.text == "The dog ate . Cats sleep !"
    # The tagger reads the paragraph as nlp(paragraph) gives it: no boundaries.
    assert not first.predicted.has_annotation("SENT_START")
    assert not first.predicted.has_annotation("TAG")
    # The gold annotation of every sentence, in order.
    assert [t.tag_ for t in first.reference] == SENTENCES[0][1] + SENTENCES[1][1]
    assert [t.lemma_ for t in paragraphs[1].reference] == [w.lower() for w in ["Did", "she", "read", "?", "Yes", ".", "He", "ran", "home", "."]]
    assert [t.text for t in first.predicted] == [t.text for t in first.reference]


def test_one_sentence_reads_as_spacys_corpus(corpus_path):
    ours = read(corpus_path, max_sentences=1)
    theirs = list(registry.readers.get("spacy.Corpus.v1")(corpus_path, gold_preproc=True)(spacy.blank("en")))
    assert [eg.reference.text for eg in ours] == [eg.reference.text for eg in theirs]
    assert [[t.tag_ for t in eg.reference] for eg in ours] == [[t.tag_ for t in eg.reference] for eg in theirs]


def test_group_sizes_cycle():
    groups = list(paragraph_groups(list(range(20)), 5))
    assert [len(g) for g in groups] == [2, 3, 4, 5, 2, 3]
    assert [x for g in groups for x in g] == list(range(19))
    # A last run of one is left out: it is already a sentence of its own.
    assert [len(g) for g in paragraph_groups(list(range(15)), 5)] == [2, 3, 4, 5]
    assert [len(g) for g in paragraph_groups(list(range(16)), 5)] == [2, 3, 4, 5, 2]
    assert list(paragraph_groups(list(range(5)), 1)) == []


@pytest.mark.parametrize("value", [0, -2, 2.5, "5", True])
def test_bad_max_sentences_is_refused(corpus_path, value):
    with pytest.raises(ValueError, match="max_sentences must be an integer of at least 1"):
        registry.readers.get(READER)(corpus_path, max_sentences=value)
