"""Tagging speed of one library tree (PYTHONPATH) on a trained pipeline:
median ms of nlp(text) over EWT test sentences one call each, and words/s
of nlp.pipe over EWT test as 10-sentence texts (no boundaries), batches of
256. Run once per tree, alternating, in fresh processes. A record of one run:

    PYTHONPATH=/work/wt-head OMP_NUM_THREADS=1 python speed_trees.py MODEL TEST.spacy
"""
import json
import statistics
import sys
import time

import spacy
import torch
from spacy.tokens import DocBin

import spacy_lstm_tagger

torch.set_num_threads(1)
nlp = spacy.load(sys.argv[1])
texts = [doc.text for doc in DocBin().from_disk(sys.argv[2]).get_docs(nlp.vocab)]
paragraphs = [" ".join(texts[i : i + 10]) for i in range(0, len(texts), 10)]
for text in texts[:200]:
    nlp(text)  # warm-up: the fused engine, caches
calls = []
for text in texts[:1000]:
    start = time.perf_counter()
    nlp(text)
    calls.append(1000 * (time.perf_counter() - start))
n_words = sum(len(doc) for doc in nlp.tokenizer.pipe(paragraphs))
rounds = []
for _ in range(3):
    start = time.perf_counter()
    for _ in nlp.pipe(paragraphs, batch_size=256):
        pass
    rounds.append(n_words / (time.perf_counter() - start))
print(json.dumps({
    "library": spacy_lstm_tagger.__file__,
    "per_call_median_ms": round(statistics.median(calls), 4),
    "paragraph_words_per_second_best": round(max(rounds)),
    "paragraph_words_per_second_rounds": [round(r) for r in rounds],
}))
