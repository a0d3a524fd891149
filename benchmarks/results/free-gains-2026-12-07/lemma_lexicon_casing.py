"""Decoding probe (issue 32, target 2; no training): EWT dev LEMMA as the component decodes it (the
lemma lexicon keyed by the form and the predicted UPOS, then the rule head), with no lexicon (the
rule head alone, the seen-lemma set kept), and with the lexicon but the rule head's casing where the
two differ only in case; then how the two decodings differ, by what was right and whether UPOS
was. LEMMA counted as the component's scorer does (a gold "_" on another form not scored).

    python lemma_lexicon_casing.py MODEL DEV.spacy     (from the repository root)
"""
import sys, numpy, spacy
from collections import Counter
from spacy.tokens import DocBin, Doc
from spacy_lstm_tagger.decoding import decode_lemmas, LemmaLexicon
model, dev = sys.argv[1:3]
nlp = spacy.load(model)
comp = nlp.get_pipe("lstm_tagger")
heads = comp._heads()
lh = next(h for h in heads if h.attr == "lemma")
ph = next(h for h in heads if h.attr == "pos")
lex = comp._lemma_lexicon()
gold = list(DocBin().from_disk(dev).get_docs(nlp.vocab))
docs = [Doc(nlp.vocab, words=[t.text for t in d], spaces=[bool(t.whitespace_) for t in d]) for d in gold]
lp = []
for i in range(0, len(docs), 256):
    lp.extend(comp.predict(docs[i:i+256]))
margin = comp.cfg["seen_lemma_margin"]
def lemmas(lexicon):
    out = []
    for doc, (vals, *_ ) in zip(docs, decode_lemmas(lh, docs, lp, False, lexicon, margin)):
        out.extend(nlp.vocab.strings[int(v)] for v in vals)
    return out
gl = [t.lemma_ for d in gold for t in d]; gp = [t.pos_ for d in gold for t in d]; forms = [t.text for d in gold for t in d]
pp = [ph.labels[i] for l in lp for i in l[:, ph.columns].argmax(1)]
def acc(pred):
    scored = [(p, g) for p, g, f in zip(pred, gl, forms) if not (g == "_" and f != "_")]
    return 100 * numpy.mean([p == g for p, g in scored]), sum(p != g for p, g in scored)
cur = lemmas(lex); nolex = lemmas(LemmaLexicon(lex.pos_head, {}, lex.refine_heads, {}, frozenset(), lex.seen))
print("current", acc(cur)); print("no lexicon (seen set kept)", acc(nolex))
# casing: take the rule head's casing where the two differ only in case
mix = [r if (c != r and c.lower() == r.lower()) else c for c, r in zip(cur, nolex)]
print("lexicon, rule head's casing", acc(mix))
cnt = Counter()
for c, r, g, p, q in zip(cur, nolex, gl, pp, gp):
    if c != r: cnt[("cur ok" if c == g else "cur bad"), ("rule ok" if r == g else "rule bad"), "case" if c.lower() == r.lower() else "other", "upos ok" if p == q else "upos bad"] += 1
for k, v in cnt.most_common(): print(v, k)
