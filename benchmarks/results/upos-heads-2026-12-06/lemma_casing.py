"""Where the lexicon's lemma and the rules' lemma differ on dev, which is right (run from the
repository root: python benchmarks/results/upos-heads-2026-12-06/lemma_casing.py training/f32-s1/model-best
corpus/en_ewt-ud-dev.spacy). Reads the component's cfg (internals): a record of one run."""
import sys
from collections import Counter
import spacy
from spacy.tokens import DocBin

model, dev = sys.argv[1], sys.argv[2]
nlp = spacy.load(model)
nolex = spacy.load(model)
nolex.get_pipe("lstm_tagger").cfg.pop("lemma_lexicon")
gold_docs = list(DocBin().from_disk(dev).get_docs(nlp.vocab))
from spacy.tokens import Doc
def words(d): return Doc(nlp.vocab, words=[t.text for t in d], spaces=[bool(t.whitespace_) for t in d])
a = list(nlp.pipe([words(d) for d in gold_docs], batch_size=64))
b = list(nolex.pipe([Doc(nolex.vocab, words=[t.text for t in d]) for d in gold_docs], batch_size=64))
c = Counter()
for g, x, y in zip(gold_docs, a, b):
    for tg, tx, ty in zip(g, x, y):
        gl = tg.lemma_
        if gl == "_" and tg.text != "_":
            continue
        c["n"] += 1
        lx, ly = tx.lemma_, ty.lemma_
        c["lex_right"] += lx == gl
        c["rule_right"] += ly == gl
        if lx != ly:
            kind = "case" if lx.lower() == ly.lower() else "other"
            c[f"differ_{kind}"] += 1
            c[f"differ_{kind}_lex_right"] += lx == gl
            c[f"differ_{kind}_rule_right"] += ly == gl
            c[f"differ_{kind}_upos_right"] += tx.pos_ == tg.pos_
for k, v in sorted(c.items()):
    print(k, v)
print("lex acc", 100 * c["lex_right"] / c["n"], "rule acc", 100 * c["rule_right"] / c["n"])
print("case from rules", 100 * (c["lex_right"] - c["differ_case_lex_right"] + c["differ_case_rule_right"]) / c["n"])
