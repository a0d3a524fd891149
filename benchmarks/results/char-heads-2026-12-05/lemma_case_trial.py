"""Trial (not in the library): set a lemma's casing from the predicted UPOS
after decoding. A: a PROPN keeps the form's casing; B: any other word's
capitalized (not all-caps) lemma is lowercased; both. LEMMA on dev, a gold
"_" not scored. Usage: python lemma_case_trial.py MODEL DEV.spacy"""
import sys, collections, spacy
from spacy.tokens import DocBin, Doc
nlp = spacy.load(sys.argv[1]); dev = sys.argv[2]
docs, gold = [], []
for d in DocBin().from_disk(dev).get_docs(nlp.vocab):
    for s in d.sents:
        docs.append(Doc(nlp.vocab, words=[t.text for t in s], spaces=[bool(t.whitespace_) for t in s])); gold.append(s)
def cased(word, lemma):
    if lemma.lower() == word.lower()[:len(lemma)]:
        return word[:len(lemma)]
    return lemma
n = base = a = b = c = 0
for doc, g in zip(nlp.pipe(docs), gold):
    for p, t in zip(doc, g):
        if t.lemma_ in ("", "_"): continue
        n += 1
        lem = p.lemma_
        base += lem == t.lemma_
        # A: PROPN keeps the form's casing
        la = cased(p.text, lem) if p.pos_ == "PROPN" else lem
        a += la == t.lemma_
        # B: not PROPN and capitalized (not all caps, not "I") -> lowercase
        lb = lem.lower() if (p.pos_ != "PROPN" and lem[:1].isupper() and not lem.isupper() and p.i > -1) else lem
        b += lb == t.lemma_
        lc = la if p.pos_ == "PROPN" else lb
        c += lc == t.lemma_
print(f"n={n} base {100*base/n:.2f} propn-keeps {100*a/n:.2f} others-lower {100*b/n:.2f} both {100*c/n:.2f}")
