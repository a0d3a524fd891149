"""Decoding probe (issue 32, target 2; no training): the largest pair of EWT dev's XPOS errors
is NNP read as NN (176) and NN as NNP (100), of 1,253 (unseen-rows-2026-12-06/dev_errors.txt).
A bias added to the NNP (XPOS) or PROPN (UPOS) log-probability, chosen from -1 to 1 on one half
of dev's sentences (even or odd), scored on the other half. Plain token accuracy over every token.

    python propn_bias.py MODEL DEV.spacy     (from the repository root)
"""
import sys, numpy, spacy
from spacy.tokens import DocBin, Doc
model, dev = sys.argv[1:3]
nlp = spacy.load(model)
comp = nlp.get_pipe("lstm_tagger")
H = {h.attr: h for h in comp._heads()}
gold = list(DocBin().from_disk(dev).get_docs(nlp.vocab))
docs = [Doc(nlp.vocab, words=[t.text for t in d], spaces=[bool(t.whitespace_) for t in d]) for d in gold]
lp = []
for i in range(0, len(docs), 256):
    lp.extend(comp.predict(docs[i:i+256]))
half = numpy.concatenate([numpy.full(len(d), k % 2) for k, d in enumerate(gold)])
X = numpy.concatenate(lp)
for attr, label, g in (("tag", "NNP", [t.tag_ for d in gold for t in d]), ("pos", "PROPN", [t.pos_ for d in gold for t in d])):
    h = H[attr]; S = X[:, h.columns].copy(); j = h.labels.index(label)
    gi = numpy.array([h.labels.index(x) if x in h.labels else -1 for x in g])
    def acc(b, mask):
        S2 = S.copy(); S2[:, j] += b
        return 100 * (S2.argmax(1) == gi)[mask].mean()
    grid = numpy.arange(-1.0, 1.01, 0.1)
    for fit in (0, 1):
        best = max(grid, key=lambda b: acc(b, half == fit))
        print(attr, "fit half", fit, "bias", round(best, 2), "other half", round(acc(0, half != fit), 3), "->", round(acc(best, half != fit), 3))
