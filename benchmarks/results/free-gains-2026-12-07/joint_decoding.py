"""Decoding probe (issue 32, target 2; no training): XPOS and UPOS, and XPOS, UPOS and FEATS,
decoded jointly over the combinations seen in training (the sum of the heads' log-probabilities,
best allowed combination), against each head's own argmax, on EWT dev. Plain token accuracy over
every token. A re-check of 2026-12-05's trial (`results/model-size-2026-12-05/joint-decoding-dev.log`)
on the residual default.

    python joint_decoding.py MODEL TRAIN.spacy DEV.spacy     (from the repository root)
"""
import sys
from collections import Counter

import numpy
import spacy
from spacy.tokens import Doc, DocBin

model, train, dev = sys.argv[1:4]
nlp = spacy.load(model)
comp = nlp.get_pipe("lstm_tagger")
heads = {h.attr: h for h in comp._heads()}
ht, hp, hm = heads["tag"], heads["pos"], heads["morph"]
# The morph head's label for an empty bundle.
EMPTY = "" if "" in hm.labels else "_"
train_docs = list(DocBin().from_disk(train).get_docs(nlp.vocab))
pairs = Counter((t.tag_, t.pos_) for d in train_docs for t in d)
triples = Counter((t.tag_, t.pos_, str(t.morph) or EMPTY) for d in train_docs for t in d)
gold = list(DocBin().from_disk(dev).get_docs(nlp.vocab))
docs = [Doc(nlp.vocab, words=[t.text for t in d], spaces=[bool(t.whitespace_) for t in d]) for d in gold]
log_probs = []
for i in range(0, len(docs), 256):
    log_probs.extend(comp.predict(docs[i : i + 256]))
X = numpy.concatenate(log_probs)
T, P, M = X[:, ht.columns], X[:, hp.columns], X[:, hm.columns]
gt = [t.tag_ for d in gold for t in d]
gp = [t.pos_ for d in gold for t in d]
gm = [str(t.morph) or EMPTY for d in gold for t in d]
ti, pi, mi = ({label: i for i, label in enumerate(h.labels)} for h in (ht, hp, hm))


def acc(pred, truth):
    return f"{100 * numpy.mean([a == b for a, b in zip(pred, truth)]):.2f}"


at, ap, am = ([h.labels[i] for i in S.argmax(1)] for h, S in ((ht, T), (hp, P), (hm, M)))
print(f"{model}: each head's argmax: XPOS {acc(at, gt)} UPOS {acc(ap, gp)} FEATS {acc(am, gm)}")
print(f"  (XPOS, UPOS) pairs not seen in training among the argmaxes: {sum((a, b) not in pairs for a, b in zip(at, ap))} of {len(at)}")
for min_count in (1, 2, 5):
    allowed = [(a, b) for (a, b), c in pairs.items() if c >= min_count and a in ti and b in pi]
    best = (T[:, [ti[a] for a, _ in allowed]] + P[:, [pi[b] for _, b in allowed]]).argmax(1)
    print(f"  joint (XPOS, UPOS), pairs seen >= {min_count} times ({len(allowed)}): "
          f"XPOS {acc([allowed[i][0] for i in best], gt)} UPOS {acc([allowed[i][1] for i in best], gp)}")
for min_count in (1, 2):
    allowed = [k for k, c in triples.items() if c >= min_count and k[0] in ti and k[1] in pi and k[2] in mi]
    S = T[:, [ti[a] for a, _, _ in allowed]] + P[:, [pi[b] for _, b, _ in allowed]] + M[:, [mi[m] for _, _, m in allowed]]
    best = S.argmax(1)
    print(f"  joint (XPOS, UPOS, FEATS), seen >= {min_count} times ({len(allowed)}): XPOS {acc([allowed[i][0] for i in best], gt)} "
          f"UPOS {acc([allowed[i][1] for i in best], gp)} FEATS {acc([allowed[i][2] for i in best], gm)}")
