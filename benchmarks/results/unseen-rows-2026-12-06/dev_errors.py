"""Issue 32: where the default's EWT dev XPOS errors are: unseen words (lowercased form not in
training) against seen ones, seen ones by whether their hashed word row (word_rows = 50000) is
shared with another training word; then the most frequent confusions.
    python dev_errors.py MODEL > dev_errors.txt     (from the repository root)
"""
from collections import Counter
import spacy
from spacy.tokens import DocBin
from spacy_lstm_tagger.featurizer import TokenFeaturizer
import sys
nlp = spacy.load(sys.argv[1])
tr = Counter()
for d in DocBin().from_disk("corpus/en_ewt-ud-train.spacy").get_docs(nlp.vocab):
    tr.update(t.text.lower() for t in d)
rows = 50000
# The featurizer's own word column (column 0 of word_features).
featurizer = TokenFeaturizer(rows, 2, 2, [], [], 512)
row = lambda w: featurizer.word_features(w)[0]
byrow = {}
for w, n in tr.items(): byrow.setdefault(row(w), []).append((n, w))
gold = list(DocBin().from_disk("corpus/en_ewt-ud-dev.spacy").get_docs(nlp.vocab))
preds = list(nlp.pipe([spacy.tokens.Doc(nlp.vocab, words=[t.text for t in d], spaces=[bool(t.whitespace_) for t in d]) for d in gold], batch_size=256))
stats = Counter(); err = Counter()
for g, p in zip(gold, preds):
    for tg, tp in zip(g, p):
        w = tg.text.lower()
        if w not in tr: k = "oov"
        else:
            others = [(n, x) for n, x in byrow[row(w)] if x != w]
            if not others: k = "known, own row"
            elif max(others)[0] > tr[w]: k = "known, row shared with a more frequent word"
            else: k = "known, row shared with rarer words"
        if tr[w] <= 3 and k != "oov": k2 = k + " (seen <=3)"
        else: k2 = None
        for kk in (k, k2):
            if kk is None: continue
            stats[kk] += 1; err[kk] += tg.tag_ != tp.tag_
tot = sum(stats[k] for k in stats if "(seen" not in k); toterr = sum(err[k] for k in stats if "(seen" not in k)
print("dev tokens", tot, "XPOS errors", toterr)
for k in sorted(stats): print(f"{k}: {stats[k]} tokens, {err[k]} XPOS errors, acc {100-100*err[k]/stats[k]:.2f}")
conf = Counter(); confall = Counter(); ex = {}
for g, p in zip(gold, preds):
    for tg, tp in zip(g, p):
        if tg.tag_ != tp.tag_:
            confall[(tg.tag_, tp.tag_)] += 1
            if tg.text.lower() not in tr:
                conf[(tg.tag_, tp.tag_)] += 1; ex.setdefault((tg.tag_, tp.tag_), []).append(tg.text)
print("OOV confusions (gold -> pred)"); [print(" ", k, n, ex[k][:8]) for k, n in conf.most_common(15)]
print("all confusions"); [print(" ", k, n) for k, n in confall.most_common(20)]
