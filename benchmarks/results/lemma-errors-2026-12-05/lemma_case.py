"""Issue 32: would a lemma's case set from the predicted UPOS at decoding fix
LEMMA errors? Two rules applied after the component: A, a lemma with
capitals is lowercased where the predicted UPOS is not PROPN (the form not
"I"); B, a lemma that differs from the form only in case takes the form's
case where the predicted UPOS is PROPN. Counts of tokens each rule changes:
fixed, broken (right before), still wrong; then the commonest changes as
(rule, result, form, gold lemma, predicted lemma, predicted UPOS, gold UPOS).
A record of one run, from the root:
    python benchmarks/results/lemma-errors-2026-12-05/lemma_case.py training/f32-s0/model-best corpus/en_ewt-ud-dev.spacy
"""
import sys
from collections import Counter
import spacy
from spacy.tokens import DocBin, Doc
nlp = spacy.load(sys.argv[1])
gold = list(DocBin().from_disk(sys.argv[2]).get_docs(nlp.vocab))
docs = [Doc(nlp.vocab, words=[t.text for t in g], spaces=[bool(t.whitespace_) for t in g]) for g in gold]
c = Counter(); ex = Counter()
for g, p in zip(gold, nlp.pipe(docs)):
    for gt, pt in zip(g, p):
        if gt.lemma_ == "_" and gt.text != "_": continue
        lem = pt.lemma_; new = lem
        if pt.pos_ != "PROPN" and lem != lem.lower() and pt.text != "I":
            new = lem.lower(); rule = "A"
        elif pt.pos_ == "PROPN" and lem.lower() == pt.text.lower() and lem != pt.text:
            new = pt.text; rule = "B"
        if new != lem:
            res = ("fix" if new == gt.lemma_ else "break" if lem == gt.lemma_ else "still wrong")
            c[rule, res] += 1
            ex[rule, res, pt.text, gt.lemma_, lem, pt.pos_, gt.pos_] += 1
print(c)
for e, k in ex.most_common(40): print(k, e)
