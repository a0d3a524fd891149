"""Words in the cut's pieces that hold a gold sentence start the cut missed:
what a second reading after a learned boundary detector would read again
(EWT dev, 10-sentence docs joined by spaces). A record of one run, from the
repository root: python benchmarks/results/paragraphs-2026-12-05b/uncut_pieces.py"""
import sys
from pathlib import Path

import numpy
import spacy

sys.path.insert(0, "benchmarks")
from paragraphs import paragraphs, read_sentences, words_only  # noqa: E402

from spacy_lstm_tagger.featurizer import TokenFeaturizer  # noqa: E402

nlp = spacy.blank("en")
sentences = read_sentences(Path("corpus/en_ewt-ud-dev.spacy"), nlp.vocab)
featurizer = TokenFeaturizer(10, 10, 10, [1], [1], max_sequence_length=10**9)
total = reread = pieces_with = pieces = 0
for paragraph in paragraphs(sentences, 10):
    lengths = featurizer.sequence_lengths([words_only(paragraph, False)])
    starts = numpy.cumsum(lengths) - lengths
    gold = {t.i for t in paragraph if t.is_sent_start}
    for start, n in zip(starts, lengths):
        pieces += 1
        total += n
        if any(start < g < start + n for g in gold):
            reread += n
            pieces_with += 1
print(f"words {total}, in pieces holding a missed sentence start {reread} ({100 * reread / total:.1f}%), pieces {pieces_with} of {pieces}")
