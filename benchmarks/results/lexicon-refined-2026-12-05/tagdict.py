"""Issue 32: a tag dictionary at decoding, as HMM and perceptron taggers
use one: for a word seen at least N times in training, the most probable of
the XPOS (and UPOS) labels it was seen with, instead of the argmax over all.
Plain token accuracy at each N (0: off) and how many tokens change. A record
of one run, from the root:
    python benchmarks/results/lexicon-refined-2026-12-05/tagdict.py training/f32-s0/model-best \
        corpus/en_ewt-ud-train.spacy corpus/en_ewt-ud-dev.spacy
"""
import sys
from collections import Counter, defaultdict
import numpy, spacy
from spacy.tokens import DocBin, Doc
nlp = spacy.load(sys.argv[1], config={"components": {"lstm_tagger": {"confidence": "all"}}})
train = DocBin().from_disk(sys.argv[2]).get_docs(nlp.vocab)
gold = list(DocBin().from_disk(sys.argv[3]).get_docs(nlp.vocab))
count = Counter(); seen = {"tag": defaultdict(set), "pos": defaultdict(set)}
for d in train:
    for t in d:
        count[t.text] += 1
        seen["tag"][t.text].add(t.tag_); seen["pos"][t.text].add(t.pos_)
docs = [Doc(nlp.vocab, words=[t.text for t in g], spaces=[bool(t.whitespace_) for t in g]) for g in gold]
Ns = (1, 3, 10, 30, 100)
res = {(a, n): 0 for a in ("tag", "pos") for n in (0,) + Ns}; total = 0; changed = Counter()
for g, p in zip(gold, nlp.pipe(docs)):
    for a in ("tag", "pos"):
        probs = getattr(p._, f"{a}_probs"); labels = getattr(p._, f"{a}_prob_labels")
        index = {l: i for i, l in enumerate(labels)}
        for i, (gt, pt) in enumerate(zip(g, p)):
            gv = getattr(gt, a + "_")
            res[a, 0] += getattr(pt, a + "_") == gv
            for n in Ns:
                pred = getattr(pt, a + "_")
                if count[pt.text] >= n:
                    allowed = [index[l] for l in seen[a][pt.text] if l in index]
                    if allowed:
                        pred = labels[max(allowed, key=lambda j: probs[i, j])]
                if pred != getattr(pt, a + "_"): changed[a, n] += 1
                res[a, n] += pred == gv
    total += len(g)
for (a, n), v in sorted(res.items()): print(a, n, round(100 * v / total, 3), "changed", changed[a, n])
