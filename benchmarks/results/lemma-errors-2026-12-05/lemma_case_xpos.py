"""Issue 32: a lemma that differs from its form only in case takes the
form's case where the predicted XPOS is NNP or NNPS (EWT's convention: a
word tagged NNP keeps its capital whatever its UPOS). Counts of tokens the
rule changes: fixed, broken (right before), still wrong. A record of one
run, from the root, on the pipeline with the refined lexicon:
    python benchmarks/results/lemma-errors-2026-12-05/lemma_case_xpos.py training/lex/ewt-s0-refined corpus/en_ewt-ud-dev.spacy
"""
import sys
from collections import Counter
import spacy
from spacy.tokens import DocBin, Doc
nlp = spacy.load(sys.argv[1])
gold = list(DocBin().from_disk(sys.argv[2]).get_docs(nlp.vocab))
docs = [Doc(nlp.vocab, words=[t.text for t in g], spaces=[bool(t.whitespace_) for t in g]) for g in gold]
c = Counter()
for g, p in zip(gold, nlp.pipe(docs)):
    for gt, pt in zip(g, p):
        if gt.lemma_ == "_" and gt.text != "_": continue
        lem = pt.lemma_
        if pt.tag_ in ("NNP", "NNPS") and lem.lower() == pt.text.lower() and lem != pt.text:
            new = pt.text
            c["fix" if new == gt.lemma_ else "break" if lem == gt.lemma_ else "still"] += 1
print(c)
