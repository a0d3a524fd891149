"""Docs to integer features: what the LSTMTagger reads, computed with spaCy
and numpy only (no torch), once per distinct word and cached."""
from typing import Dict, Optional, Sequence, Tuple

import numpy
from spacy.attrs import IS_PUNCT, IS_SPACE, ORTH, SENT_START, SPACY
from spacy.lang.lex_attrs import word_shape
from spacy.pipeline import Sentencizer
from spacy.strings import get_string_id, hash_string
from spacy.tokens import Doc

# The ids of the words that end a sentence for spaCy's Sentencizer (its
# default punct_chars), sorted for searchsorted: a word's id is the hash of
# its text, the same in every vocab.
SENTENCE_FINAL_ORTHS = numpy.unique(
    numpy.asarray([get_string_id(char) for char in Sentencizer.default_punct_chars], dtype="uint64")
)
_SENTENCE_FINAL_SET = frozenset(SENTENCE_FINAL_ORTHS.tolist())


def whitespace_tokens(doc: Doc) -> numpy.ndarray:
    """The indices of doc's whitespace tokens, which the LSTM does not read
    (TokenFeaturizer.read_tokens): the component writes spaCy's annotation
    of one there, and their gold values train nothing."""
    return numpy.flatnonzero(doc.to_array(IS_SPACE))


# sequence_lengths' "the caller has not computed read_tokens" (None is "all").
NOT_GIVEN = object()


class TokenFeaturizer:
    """Maps tokens to rows of integer feature ids: the lowercased word, its
    prefixes and suffixes of the given lengths, and its shape, each hashed into
    its own table. Computed once per distinct word and cached, so a batch costs
    one dict lookup per distinct word, not string work per token."""

    def __init__(
        self,
        word_rows: int,
        subword_rows: int,
        shape_rows: int,
        prefix_lengths: Sequence[int],
        suffix_lengths: Sequence[int],
        max_sequence_length: int,
        char_rows: int = 0,
        char_length: int = 16,
        cache_size: int = 200_000,
        split_unsegmented: bool = True,
    ):
        self.prefix_lengths = list(prefix_lengths)
        self.suffix_lengths = list(suffix_lengths)
        self.rows = (
            [word_rows]
            + [subword_rows] * (len(self.prefix_lengths) + len(self.suffix_lengths))
            + [shape_rows]
        )
        self.max_sequence_length = max_sequence_length
        self.char_rows = char_rows
        self.char_length = char_length
        self.cache_size = cache_size
        self.split_unsegmented = split_unsegmented
        self._cache: Dict[int, Tuple[int, ...]] = {}

    def __getstate__(self):
        # The cache is derived data; workers rebuild it.
        state = dict(self.__dict__)
        state["_cache"] = {}
        return state

    def word_features(self, text: str) -> Tuple[int, ...]:
        lower = text.lower()
        strings = (
            [lower]
            + [lower[:n] for n in self.prefix_lengths]
            + [lower[-n:] for n in self.suffix_lengths]
            + [word_shape(text)]
        )
        # Each column gets its own salt so "a" as a word and "a" as a prefix
        # land on unrelated rows; row 0 is reserved for "unknown".
        return tuple(
            1 + hash_string(f"{column}\x1f{s}") % (rows - 1)
            for column, (s, rows) in enumerate(zip(strings, self.rows))
        )

    def word_chars(self, text: str) -> Tuple[int, ...]:
        """Character ids, 0-padded to char_length; a longer word keeps its
        first and last char_length // 2 characters (where affixes live)."""
        n = self.char_length
        if len(text) > n:
            text = text[: n // 2] + text[len(text) - (n - n // 2) :]
        ids = [1 + ord(c) % (self.char_rows - 1) for c in text]
        return tuple(ids + [0] * (n - len(ids)))

    def features(self, docs: Sequence[Doc]) -> Tuple[numpy.ndarray, numpy.ndarray, Optional[numpy.ndarray]]:
        """For the batch's distinct words: (n_words, n_features) int64 feature
        ids and, with a char encoder, (n_words, char_length) int64 char ids;
        plus (n_tokens,) int64, the word row of each token."""
        n_features = len(self.rows)
        orths = [doc.to_array(ORTH) for doc in docs if len(doc)]
        if not orths:
            chars = numpy.zeros((0, self.char_length), dtype="int64") if self.char_rows else None
            return numpy.zeros((0, n_features), dtype="int64"), numpy.zeros((0,), dtype="int64"), chars
        unique, inverse = numpy.unique(numpy.concatenate(orths), return_inverse=True)
        strings = docs[0].vocab.strings
        cache = self._cache
        if len(cache) + len(unique) > self.cache_size:
            cache.clear()  # keeps memory flat on an endless stream of new words
        rows = []
        for orth in unique.tolist():
            row = cache.get(orth)
            if row is None:
                text = strings[orth]
                row = self.word_features(text)
                if self.char_rows:
                    row = row + self.word_chars(text)
                cache[orth] = row
            rows.append(row)
        table = numpy.asarray(rows, dtype="int64").reshape(len(unique), -1)
        chars = numpy.ascontiguousarray(table[:, n_features:]) if self.char_rows else None
        return numpy.ascontiguousarray(table[:, :n_features]), inverse.astype("int64", copy=False), chars

    @staticmethod
    def read_tokens(docs: Sequence[Doc]) -> Optional[numpy.ndarray]:
        """Which of the batch's tokens (every doc's, in order) the LSTM reads:
        all but whitespace tokens, which spaCy's tokenizer makes of a line
        break or of spaces beyond the first. The model never saw one in
        training (treebanks have none) and read it as a word, which cost its
        neighbours (EWT dev with its lines wrapped at 60 characters: -0.39
        XPOS). None where it reads them all, the usual case."""
        arrays = [doc.to_array(IS_SPACE) for doc in docs if len(doc)]
        if not arrays:
            return None
        is_space = _concatenate(arrays)
        return (is_space == 0) if is_space.any() else None

    def sequence_lengths(self, docs: Sequence[Doc], read=NOT_GIVEN) -> numpy.ndarray:
        """Lengths of the sequences the LSTM reads, in the order of the tokens
        it reads (read_tokens: whitespace tokens are skipped): each doc is
        split at its sentence starts where it has them, and every piece longer
        than max_sequence_length into windows, so memory per sequence is bounded
        whatever the doc's length. A doc without sentence boundaries (no token
        but the first has SENT_START set, as Doc.has_annotation("SENT_START")
        reads it) is split where spaCy's Sentencizer would start a sentence
        (split_unsegmented): the LSTM is trained on sentences, and its state
        carried across a sentence end costs accuracy. Nothing is written to
        the doc. Depends on each doc alone. Vectorized over the batch: per-doc
        numpy calls cost more than the LSTM for short docs. read: the
        batch's read_tokens (None: all) where the caller has them already."""
        docs = [doc for doc in docs if len(doc)]
        if not docs:
            return numpy.zeros((0,), dtype="int64")
        sent_starts = numpy.concatenate([doc.to_array(SENT_START) for doc in docs])
        doc_lengths = numpy.asarray([len(doc) for doc in docs])
        doc_starts = numpy.cumsum(doc_lengths) - doc_lengths
        is_start = sent_starts == 1
        is_start[doc_starts] = True
        if read is NOT_GIVEN:
            read = self.read_tokens(docs)
        if self.split_unsegmented:
            self._add_likely_sentence_starts(docs, doc_starts, is_start, read)
        if read is not None:
            # A read token starts a sequence where a piece starts at it or at
            # a whitespace token since the read token before it.
            piece = numpy.cumsum(is_start)[read]
            is_start = numpy.ones(len(piece), dtype=bool)
            is_start[1:] = piece[1:] != piece[:-1]
        starts = numpy.flatnonzero(is_start)
        pieces = numpy.diff(numpy.append(starts, len(is_start)))
        window = self.max_sequence_length
        # A piece of length L becomes L // window full windows and, if
        # L % window, one shorter last window.
        full, rest = numpy.divmod(pieces, window)
        n_windows = full + (rest > 0)
        lengths = numpy.full(int(n_windows.sum()), window, dtype="int64")
        last = numpy.cumsum(n_windows) - 1
        lengths[last[rest > 0]] = rest[rest > 0]
        return lengths

    @staticmethod
    def _add_likely_sentence_starts(docs, doc_starts, is_start, read) -> None:
        """Marks in is_start (the batch's tokens) the likely sentence starts
        of each doc without sentence boundaries (read: the batch's
        read_tokens, None where it has no whitespace token). spaCy's Sentencizer's rule:
        after a sentence-final token (".", "?", "!" ...) the first token that
        is neither punctuation nor sentence-final starts a sentence, so
        closing quotes and brackets stay with their sentence. One addition:
        an opening mark (punctuation with a space before it and none after,
        '. "We') starts the sentence it opens, where the Sentencizer leaves it
        at the end of the previous one; on EWT dev that finds 35 more of the
        1,800 sentence starts and makes 35 fewer false cuts (BENCHMARKS.md,
        "Paragraphs without sentence boundaries"). Whitespace tokens (which
        the LSTM does not read, read_tokens) start no sentence, and one
        before an opening mark counts as the space before it. A blank line
        (a whitespace token with two line breaks or more) ends a sentence
        whatever precedes it: real text marks many sentence ends this way
        alone (a greeting, a signature, a heading; EWT dev as whole
        documents, a blank line between paragraphs: +0.12 XPOS). A single
        line break may wrap a sentence, so it ends nothing. As array
        operations over the whole batch instead of a Python loop over
        tokens, and without annotating the doc."""
        # has_annotation is also True for a doc with a "sents" hook (its
        # sentences are the user's) or a single token.
        unsegmented = [i for i, doc in enumerate(docs) if not doc.has_annotation("SENT_START")]
        if not unsegmented:
            return
        orths = _concatenate([docs[i].to_array(ORTH) for i in unsegmented])
        if len(unsegmented) == 1 and read is None and _SENTENCE_FINAL_SET.isdisjoint(orths[:-1].tolist()):
            # One doc (one nlp() call) with no sentence end before its last
            # token: a set lookup costs less than the array operations below.
            return
        final = SENTENCE_FINAL_ORTHS.take(SENTENCE_FINAL_ORTHS.searchsorted(orths), mode="clip") == orths
        lengths = numpy.asarray([len(docs[i]) for i in unsegmented])
        ends = lengths.cumsum()
        firsts = ends - lengths
        # Their positions in the batch (each unsegmented doc's tokens, in order).
        index = numpy.arange(len(orths))
        batch_index = index + numpy.repeat(doc_starts[unsegmented] - firsts, lengths)
        last_in_doc = numpy.zeros_like(final)
        last_in_doc[ends - 1] = True
        is_space = numpy.zeros_like(final) if read is None else ~read[batch_index]
        blank = numpy.flatnonzero(is_space)
        if len(blank):
            strings = docs[unsegmented[0]].vocab.strings
            blank = blank[[strings[int(orths[i])].count("\n") >= 2 for i in blank]]
            # The token after a blank line (in its doc) starts a sentence.
            after = blank[~last_in_doc[blank]] + 1
            is_start[batch_index[after]] = True
        # A sentence-final token that ends its doc starts nothing: the common
        # case of one sentence ending in a period stops here.
        final[ends - 1] = False
        if not final.any():
            return
        attrs = _concatenate([docs[i].to_array([IS_PUNCT, SPACY]) for i in unsegmented])
        is_punct, space_after = attrs[:, 0] != 0, attrs[:, 1] != 0
        space_before = numpy.zeros_like(space_after)
        # A line break before a mark is a space before it too.
        space_before[1:] = space_after[:-1] | is_space[:-1]
        opening = is_punct & space_before & ~space_after & ~last_in_doc
        starter = ~final & ~is_space & (~is_punct | opening)
        # For each token: its doc's first index, and the last sentence-final
        # token and the last token that could start a sentence before it (-1: none).
        first = numpy.repeat(firsts, lengths)
        last_final = numpy.maximum.accumulate(numpy.where(final, index, -1))
        last_starter = numpy.maximum.accumulate(numpy.where(starter, index, -1))
        new_start = starter[1:] & (last_final[:-1] >= first[1:]) & (last_final[:-1] > last_starter[:-1])
        is_start[batch_index[1:][new_start]] = True

    def vectors(self, docs: Sequence[Doc]) -> numpy.ndarray:
        """(n_tokens, width) static vectors by ORTH; zeros where a word has none."""
        vectors = docs[0].vocab.vectors
        keys = numpy.concatenate([doc.to_array(ORTH) for doc in docs])
        rows = vectors.find(keys=keys)
        rows = rows.get() if hasattr(rows, "get") else numpy.asarray(rows)
        table = vectors.data
        table = numpy.asarray(table.get() if hasattr(table, "get") else table, dtype="float32")
        out = table[numpy.maximum(rows, 0)]
        out[rows < 0] = 0.0
        return out


def _concatenate(arrays: list) -> numpy.ndarray:
    # One doc (one nlp() call) needs no copy.
    return arrays[0] if len(arrays) == 1 else numpy.concatenate(arrays)
