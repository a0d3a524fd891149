"""inference_precision = "int8" against "float32" on one trained pipeline: EWT dev's four
accuracies with each, the tokens whose XPOS / UPOS / FEATS / LEMMA differ between them, and
whether int8 tags depend on the batch (its LSTM input is quantized per session run, so the
other sentences of a run set its range): the same docs tagged one per call and in batches of 256.
    OMP_NUM_THREADS=1 python benchmarks/results/int8-setting-2026-12-07/agreement.py MODEL
(from the repository root)."""
import sys

import spacy
import torch
from spacy.tokens import DocBin
from spacy.training import Example

from spacy_lstm_tagger.cli._util import unannotated_copy

torch.set_num_threads(1)
path = sys.argv[1]
ATTRS = ("tag_", "pos_", "morph", "lemma_")


def tag(nlp, gold, batch_size):
    return list(nlp.pipe((unannotated_copy(d, nlp.vocab) for d in gold), batch_size=batch_size))


def differ(a, b):
    return {attr.strip("_"): sum(str(getattr(x, attr)) != str(getattr(y, attr))
                                  for da, db in zip(a, b) for x, y in zip(da, db)) for attr in ATTRS}


tagged = {}
for precision in ("float32", "int8"):
    nlp = spacy.load(path, config={"components": {"lstm_tagger": {"model": {"inference_precision": precision}}}})
    gold = list(DocBin().from_disk("corpus/en_ewt-ud-dev.spacy").get_docs(nlp.vocab))
    for batch_size in (256, 1):
        docs = tag(nlp, gold, batch_size)
        tagged[precision, batch_size] = docs
        scores = nlp.get_pipe("lstm_tagger").score([Example(p, g) for p, g in zip(docs, gold)])
        print(f"{precision} batch {batch_size}:", " ".join(f"{k} {100 * scores[k]:.2f}" for k in
                                                            ("tag_acc", "pos_acc", "morph_acc", "lemma_acc")))
n = sum(len(d) for d in gold)
print(f"{n} tokens, {len(gold)} docs")
print("int8 vs float32, batches of 256:", differ(tagged["float32", 256], tagged["int8", 256]))
print("float32, one per call vs batches of 256:", differ(tagged["float32", 1], tagged["float32", 256]))
print("int8, one per call vs batches of 256:", differ(tagged["int8", 1], tagged["int8", 256]))
