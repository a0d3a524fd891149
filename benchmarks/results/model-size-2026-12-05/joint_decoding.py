"""Offline, decoding only (a record of one run, 2026-12-05; reaches into the component's
internals): each head's argmax against FEATS masked by the argmax UPOS, the best (UPOS, FEATS)
pair seen in training (among each token's top K bundles), and the best (XPOS, UPOS, FEATS)
triple, on a pipeline's dev log-probabilities.

    python joint_decoding.py MODEL TRAIN.spacy DEV.spacy [K]    # > joint-decoding-dev.log
"""
import sys, collections, numpy, spacy
from spacy.tokens import DocBin, Doc
from spacy_lstm_tagger.morph import universal_features
model, train, dev = sys.argv[1:4]
K = int(sys.argv[4]) if len(sys.argv) > 4 else 8
nlp = spacy.load(model)
pipe = nlp.get_pipe("lstm_tagger")
heads = {h.attr: h for h in pipe._heads()}
pos_labels, morph_labels = heads["pos"].labels, heads["morph"].labels
tag_labels = heads["tag"].labels if "tag" in heads else None
pos_index = {l: i for i, l in enumerate(pos_labels)}
morph_index = {l: i for i, l in enumerate(morph_labels)}
seen = numpy.zeros((len(pos_labels), len(morph_labels)), dtype=bool)
if tag_labels: tag_index = {l: i for i, l in enumerate(tag_labels)}; seen_tp = numpy.zeros((len(tag_labels), len(pos_labels)), bool)
for doc in DocBin().from_disk(train).get_docs(nlp.vocab):
    for t in doc:
        p, m = pos_index.get(t.pos_), morph_index.get(str(t.morph) or "_")
        if p is not None and m is not None: seen[p, m] = True
        if tag_labels and t.tag_ in tag_index and p is not None: seen_tp[tag_index[t.tag_], p] = True
gold_docs = list(DocBin().from_disk(dev).get_docs(nlp.vocab))
docs = [Doc(nlp.vocab, words=[t.text for t in d], spaces=[bool(t.whitespace_) for t in d]) for d in gold_docs]
lps = []
for i in range(0, len(docs), 256):
    lps.extend(pipe.predict(docs[i:i+256]))
lp = numpy.concatenate(lps)
gold_pos = [t.pos_ for d in gold_docs for t in d]
gold_morph = [str(t.morph) or "_" for d in gold_docs for t in d]
gold_tag = [t.tag_ for d in gold_docs for t in d]
P = lp[:, heads["pos"].columns]; M = lp[:, heads["morph"].columns]
def score(pos_i, morph_i, tag_i=None):
    n = len(gold_pos)
    upos = sum(pos_labels[a] == g for a, g in zip(pos_i, gold_pos)) / n
    mo = sum(morph_labels[a] == g for a, g in zip(morph_i, gold_morph)) / n
    uf = sum(universal_features(morph_labels[a]) == universal_features(g) for a, g in zip(morph_i, gold_morph)) / n
    out = f"UPOS {100*upos:.2f} morph {100*mo:.2f} UFeats {100*uf:.2f}"
    if tag_i is not None:
        out += f" XPOS {100*sum(tag_labels[a]==g for a,g in zip(tag_i, gold_tag))/n:.2f}"
    return out
base_p, base_m = P.argmax(1), M.argmax(1)
base_t = lp[:, heads["tag"].columns].argmax(1) if tag_labels else None
print("argmax       ", score(base_p, base_m, base_t))
# masked: FEATS given the argmax UPOS
Mm = numpy.where(seen[base_p], M, -numpy.inf)
mm = numpy.where(numpy.isfinite(Mm.max(1)), Mm.argmax(1), base_m)
print("feats|upos   ", score(base_p, mm, base_t))
# joint over top-K feats x all UPOS
top = numpy.argpartition(-M, K, axis=1)[:, :K]
topv = numpy.take_along_axis(M, top, 1)
pair = P[:, :, None] + topv[:, None, :]           # n x pos x K
ok = seen[numpy.arange(len(pos_labels))[None, :, None], top[:, None, :]]
pair = numpy.where(ok, pair, -numpy.inf)
flat = pair.reshape(len(P), -1).argmax(1)
jp, jk = flat // K, flat % K
jm = top[numpy.arange(len(P)), jk]
fallback = ~numpy.isfinite(pair.reshape(len(P), -1).max(1))
jp = numpy.where(fallback, base_p, jp); jm = numpy.where(fallback, base_m, jm)
print(f"joint top{K}  ", score(jp, jm, base_t), "fallback", fallback.sum())
if tag_labels:
    T = lp[:, heads["tag"].columns]
    # triple: tag x pos (seen) x topK feats (seen with pos)
    topt = numpy.argpartition(-T, 4, axis=1)[:, :4]; toptv = numpy.take_along_axis(T, topt, 1)
    tri = toptv[:, :, None, None] + P[:, None, :, None] + topv[:, None, None, :]
    ok3 = seen_tp[topt][:, :, :, None] & ok[:, None, :, :]
    tri = numpy.where(ok3, tri, -numpy.inf).reshape(len(P), -1)
    f3 = tri.argmax(1); fb = ~numpy.isfinite(tri.max(1))
    npos = len(pos_labels)
    ti, rest = f3 // (npos*K), f3 % (npos*K)
    tp, tk = rest // K, rest % K
    tt = numpy.where(fb, base_t, topt[numpy.arange(len(P)), ti])
    tp = numpy.where(fb, base_p, tp); tm = numpy.where(fb, base_m, top[numpy.arange(len(P)), tk])
    print("joint triple ", score(tp, tm, tt), "fallback", fb.sum())
