"""Decode-only probe: XPOS, UPOS and FEATS chosen jointly, the most probable (sum of the heads' log-probabilities)
of the combinations seen in training, against each head's own argmax. EWT dev, gold words."""
import sys
from collections import Counter
import numpy
import spacy
from spacy.tokens import Doc, DocBin

model, train, dev = sys.argv[1:4]
nlp = spacy.load(model)
comp = nlp.get_pipe("lstm_tagger")
heads = {h.attr: h for h in comp._heads() if h.feature is None}
train_docs = list(DocBin().from_disk(train).get_docs(nlp.vocab))
index = {a: {l: i for i, l in enumerate(heads[a].labels)} for a in ("tag", "pos", "morph")}
def values(t):
    return {"tag": t.tag_, "pos": t.pos_, "morph": str(t.morph) or "_"}
combos = Counter()
for doc in train_docs:
    for t in doc:
        v = values(t)
        if all(v[a] in index[a] for a in index):
            combos[(index["tag"][v["tag"]], index["pos"][v["pos"]], index["morph"][v["morph"]])] += 1
gold_docs = list(DocBin().from_disk(dev).get_docs(nlp.vocab))
words = [Doc(nlp.vocab, words=[t.text for t in d], spaces=[bool(t.whitespace_) for t in d]) for d in gold_docs]
log_probs = []
for i in range(0, len(words), 256):
    log_probs += comp.predict(words[i:i + 256])
lp = numpy.concatenate(log_probs)
gold = [values(t) for d in gold_docs for t in d]
cols = {a: lp[:, heads[a].columns] for a in index}
names = {a: heads[a].labels for a in index}
def acc(choice):
    return {a: 100 * numpy.mean([names[a][c] == g[a] for c, g in zip(choice[a], gold)]) for a in index}
own = {a: cols[a].argmax(1) for a in index}
print("tokens", len(gold), "combinations seen in training", len(combos))
print("each head's argmax", {a: round(v, 2) for a, v in acc(own).items()})
for min_count in (1, 2, 5):
    keep = [c for c, n in combos.items() if n >= min_count]
    ti, pi, mi = (numpy.array(x) for x in zip(*keep))
    for subset in (("tag", "pos"), ("tag", "pos", "morph")):
        score = 0
        parts = {"tag": ti, "pos": pi, "morph": mi}
        for a in subset:
            score = score + cols[a][:, parts[a]]
        best = score.argmax(1)
        choice = dict(own)
        for a in subset:
            choice[a] = parts[a][best]
        print(f"joint {'+'.join(subset)}, combinations seen >= {min_count} ({len(keep)})", {a: round(v, 2) for a, v in acc(choice).items()})
