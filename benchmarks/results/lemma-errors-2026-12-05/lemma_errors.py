"""Issue 32: where a trained pipeline's LEMMA errors are, on a gold .spacy
set (gold words; a gold "_" on a form that is not "_" skipped, as the
scorer does): a lemma wrong only in its case or otherwise, with the token's
UPOS right or wrong; then the commonest "otherwise, UPOS right" errors as
(form, gold lemma, predicted lemma, gold UPOS). A record of one run, from the root:
    python benchmarks/results/lemma-errors-2026-12-05/lemma_errors.py training/f32-s0/model-best corpus/en_ewt-ud-dev.spacy
"""
import sys
from collections import Counter
import spacy
from spacy.tokens import DocBin
nlp = spacy.load(sys.argv[1])
gold = list(DocBin().from_disk(sys.argv[2]).get_docs(nlp.vocab))
from spacy.tokens import Doc
docs = [Doc(nlp.vocab, words=[t.text for t in g], spaces=[bool(t.whitespace_) for t in g]) for g in gold]
c = Counter(); n = 0; examples = Counter()
for g, p in zip(gold, nlp.pipe(docs)):
    for gt, pt in zip(g, p):
        if gt.lemma_ == "_" and gt.text != "_": continue
        n += 1
        if gt.lemma_ == pt.lemma_: continue
        kind = "case" if gt.lemma_.lower() == pt.lemma_.lower() else "other"
        upos = "upos_ok" if gt.pos_ == pt.pos_ else "upos_wrong"
        c[kind, upos] += 1
        if kind == "other" and upos == "upos_ok":
            examples[(gt.text, gt.lemma_, pt.lemma_, gt.pos_)] += 1
print(n, sum(c.values()), c)
for e, k in examples.most_common(60): print(k, e)
