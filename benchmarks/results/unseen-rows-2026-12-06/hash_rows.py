"""Issue 32: how many EWT training words share a hashed word row (the featurizer's column-0 hash,
lowercased) at several word_rows, and how many unseen dev words land on a row a training word uses.
    python hash_rows.py > hash_rows.txt     (from the repository root)
"""
from collections import Counter
import spacy
from spacy.tokens import DocBin
from spacy_lstm_tagger.featurizer import TokenFeaturizer
nlp = spacy.blank("en")
def words(p):
    c = Counter()
    for d in DocBin().from_disk(p).get_docs(nlp.vocab):
        c.update(t.text.lower() for t in d)
    return c
tr = words("corpus/en_ewt-ud-train.spacy"); dv = words("corpus/en_ewt-ud-dev.spacy")
print("train types", len(tr), "tokens", sum(tr.values()))
oov = {w: n for w, n in dv.items() if w not in tr}
print("dev tokens", sum(dv.values()), "oov tokens", sum(oov.values()))
for rows in (50000, 100000, 200000, 400000):
    # The featurizer's own word column (column 0 of word_features).
    featurizer = TokenFeaturizer(rows, 2, 2, [], [], 512)
    row = lambda w: featurizer.word_features(w)[0]
    byrow = Counter(row(w) for w in tr)
    shared_tok = sum(n for w, n in tr.items() if byrow[row(w)] > 1)
    # dev tokens (in train) whose row is shared; oov dev tokens landing on a trained row
    dshared = sum(n for w, n in dv.items() if w in tr and byrow[row(w)] > 1)
    oov_on = sum(n for w, n in oov.items() if byrow[row(w)] > 0)
    print(rows, "train types shared %.3f" % (sum(1 for w in tr if byrow[row(w)]>1)/len(tr)), "train tokens shared %.3f" % (shared_tok/sum(tr.values())),
          "dev known tokens shared %.3f" % (dshared/sum(dv.values())), "oov on trained row %d/%d" % (oov_on, sum(oov.values())))
