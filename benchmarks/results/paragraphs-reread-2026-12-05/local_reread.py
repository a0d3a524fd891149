"""Issue 30: how much of the paragraph docs' loss a second reading around the
sentence starts the cut misses would recover, and at what cost in words read.

EWT (dev by default), 10 sentences to a doc without boundaries, a trained
pipeline. Plain token accuracy of XPOS / UPOS / FEATS / LEMMA (every token
counted; the pipeline's scorers skip a few, so the figures differ from
paragraphs.py's by a few hundredths) for: one sentence per doc; the paragraph
docs as the component reads them (the cut at likely sentence ends); the same
with the tokens within d of each missed gold start (a gold start that is not a
piece start of the cut) taken from a second reading of [s-k, s) and [s, s+k)
(within the cut's piece) as two sentences: the oracle, with the gold starts;
and starts detected from the first reading's own tags (capitalized, not tagged
NNP/NNPS, not "I", and two stricter variants). "extra words" is what the
second reading reads, as a share of the docs' words.

A record of one run, from the repository root:
    python benchmarks/results/paragraphs-reread-2026-12-05/local_reread.py training/f32-s0/model-best dev
"""
import sys, copy
from pathlib import Path
import numpy, spacy
sys.path.insert(0, "benchmarks")
from paragraphs import paragraphs, read_sentences, words_only, featurizers
from spacy.tokens import Doc

model = sys.argv[1]
split = sys.argv[2] if len(sys.argv) > 2 else "dev"
nlp = spacy.load(model)
sentences = read_sentences(Path(f"corpus/en_ewt-ud-{split}.spacy"), nlp.vocab)
paras = paragraphs(sentences, 10)
feat = copy.copy(featurizers(nlp)[0]); feat.max_sequence_length = 10**9

def cols(doc):
    return [(t.tag_, t.pos_, str(t.morph), t.lemma_) for t in doc]

gold = [cols(p) for p in paras]
plain = [words_only(p, False) for p in paras]
para_pred = [cols(d) for d in nlp.pipe([d.copy() for d in plain])]
single_pred = []
sent_docs = [words_only(s, False) for s in sentences]
it = iter(cols(d) for d in nlp.pipe(sent_docs))
for p in paras:
    n = len(list(p.sents)); rows = []
    for _ in range(n): rows += next(it)
    single_pred.append(rows)

def acc(preds):
    c = numpy.zeros(4); n = 0
    for g, pr in zip(gold, preds):
        for gt, pt in zip(g, pr):
            n += 1
            c += [gt[i] == pt[i] for i in range(4)]
    return 100 * c / n

# missed starts and pieces
missed, pieces = [], []
for p, d in zip(paras, plain):
    lengths = feat.sequence_lengths([d]); starts = numpy.cumsum(lengths) - lengths
    cut = set(starts.tolist())
    pieces.append(list(zip(starts.tolist(), (starts + lengths).tolist())))
    missed.append(sorted({t.i for t in p if t.is_sent_start and t.i} - cut))
print("single", acc(single_pred).round(2), "para", acc(para_pred).round(2))
print("missed starts", sum(map(len, missed)), "words", sum(map(len, paras)))

def reread(starts_per_doc, k, d):
    """Re-read [s-k, s) and [s, s+k) (within the piece), replace [s-d, s+d)."""
    preds = [list(r) for r in para_pred]
    windows, where = [], []
    for i, (ss, pcs) in enumerate(zip(starts_per_doc, pieces)):
        words = [t.text for t in plain[i]]; spaces = [bool(t.whitespace_) for t in plain[i]]
        for s in ss:
            a, b = next((a, b) for a, b in pcs if a <= s < b)
            lo, hi = max(a, s - k), min(b, s + k)
            starts = [j in (lo, s) for j in range(lo, hi)]
            windows.append(Doc(nlp.vocab, words=words[lo:hi], spaces=spaces[lo:hi], sent_starts=starts))
            where.append((i, lo, s, d))
    extra = sum(len(w) for w in windows)
    for w, (i, lo, s, d) in zip(nlp.pipe(windows), where):
        c = cols(w)
        for j in range(max(lo, s - d), min(lo + len(w), s + d)):
            preds[i][j] = c[j - lo]
    return acc(preds), extra

for k, d in [(4, 2), (8, 2), (8, 4), (16, 4), (32, 8), (1000, 1000)]:  # k=1000: the whole piece read again
    a, extra = reread(missed, k, d)
    print(f"oracle k={k} d={d}", a.round(2), "extra words %.1f%%" % (100 * extra / sum(map(len, paras))))

# detectors from the first pass
def detect(rule):
    out = []
    for i in range(len(paras)):
        toks = plain[i]; pr = para_pred[i]; cut = {a for a, b in pieces[i]}
        out.append([j for j in range(1, len(toks)) if j not in cut and rule(toks, pr, j)])
    return out

PUNCT_CONT = {",", "-", "(", "&", "/", "'", '"', "--", "$", "#", "@", "+", "=", "<", "*"}
rules = {
    "title_notNNP": lambda t, p, j: t[j].text[:1].isupper() and p[j][0] not in ("NNP", "NNPS") and t[j].text != "I",
    "title_notNNP_prevword": lambda t, p, j: t[j].text[:1].isupper() and p[j][0] not in ("NNP", "NNPS") and t[j].text != "I" and t[j-1].text not in PUNCT_CONT,
    "title_notNNP_prevnotNNP": lambda t, p, j: t[j].text[:1].isupper() and p[j][0] not in ("NNP", "NNPS") and t[j].text != "I" and t[j-1].text not in PUNCT_CONT and p[j-1][0] not in ("NNP", "NNPS", "DT", "IN", "CC", "TO", "PRP$", "JJ", "POS"),
}
for name, rule in rules.items():
    det = detect(rule)
    tp = sum(len(set(a) & set(b)) for a, b in zip(det, missed)); n = sum(map(len, det))
    print(name, "detected", n, "true", tp, "recall %.2f" % (tp / sum(map(len, missed))))
    for k, d in [(8, 2), (16, 4)]:
        a, extra = reread(det, k, d)
        print(f"  k={k} d={d}", a.round(2), "extra words %.1f%%" % (100 * extra / sum(map(len, paras))))
