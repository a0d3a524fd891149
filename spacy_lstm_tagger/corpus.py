"""A training corpus reader that adds paragraphs: spaCy's Corpus, then
runs of consecutive sentences joined into one doc without sentence
boundaries, as nlp(paragraph) gives them in a pipeline without a sentence
splitter. The LSTM then also learns to read across sentence ends it is not
told of (issue 30). spaCy only.

spaCy's Corpus reads a treebank one sentence per example (gold_preproc);
its augmenters change one example at a time and cannot join neighbours, so
this reader wraps the Corpus and joins its examples with Doc.from_docs.
"""
from itertools import cycle
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Sequence, TypeVar, Union

from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Corpus, Example
from spacy.util import registry

READER = "spacy_lstm_tagger.ParagraphCorpus.v1"
T = TypeVar("T")


@registry.readers(READER)
def create_paragraph_corpus(
    path: Optional[Union[str, Path]],
    *,
    gold_preproc: bool = True,
    max_length: int = 0,
    limit: int = 0,
    augmenter: Optional[Callable] = None,
    max_sentences: int = 5,
) -> Callable[[Language], Iterable[Example]]:
    """spacy.Corpus.v1's examples (the same arguments), then the same
    sentences again grouped into paragraphs: consecutive examples, 2, 3, ...,
    max_sentences to a group and round again, each group one example whose
    reference joins the sentences' references (Doc.from_docs: their
    annotation, a space between sentences) and whose predicted doc has the
    words and spaces only. max_sentences = 1 reads the corpus as
    spacy.Corpus.v1 does. The paragraphs come after the sentences, in the
    corpus's order; spacy train shuffles them together."""
    if not isinstance(max_sentences, int) or isinstance(max_sentences, bool) or max_sentences < 1:
        raise ValueError(f"{READER}: max_sentences must be an integer of at least 1 (1: no paragraphs), got {max_sentences!r}.")
    corpus = Corpus(path, gold_preproc=gold_preproc, max_length=max_length, limit=limit, augmenter=augmenter)

    def read(nlp: Language) -> Iterator[Example]:
        sentences = list(corpus(nlp))
        yield from sentences
        for group in paragraph_groups(sentences, max_sentences):
            yield joined_example(nlp, group)

    return read


def paragraph_groups(examples: Sequence[T], max_sentences: int) -> Iterator[Sequence[T]]:
    """Consecutive runs of 2, 3, ..., max_sentences examples (or of their
    lengths: scripts/configure_training.py), cycling; a last run of one is
    left out (it is already among the sentences)."""
    if max_sentences < 2:
        return
    sizes = cycle(range(2, max_sentences + 1))
    start = 0
    while start < len(examples) - 1:
        size = next(sizes)
        yield examples[start : start + size]
        start += size


def joined_example(nlp: Language, group: Sequence[Example]) -> Example:
    reference = Doc.from_docs([eg.reference for eg in group], ensure_whitespace=True)
    return Example(unannotated_copy(reference, nlp.vocab), reference)


def unannotated_copy(doc: Doc, vocab=None) -> Doc:
    """The same words and spaces, in a fresh Doc without any annotation (in
    `vocab`, default the doc's: a pipeline tags docs of its own vocab)."""
    return Doc(vocab or doc.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc])
