"""Where the paragraph loss is left with the cut (issue 30), on a treebank's
sentences grouped 10 to a doc without boundaries: accuracy of the sentences
the cut reproduces as one sequence and of those read merged with a
neighbour, against one sentence per doc; and a variant that also counts a
token made only of sentence-final characters ("!!", "...", "?!") as a
sentence end (not kept).

    python diagnose.py MODEL DOCS(.spacy or .conllu)
"""
import sys, numpy, spacy, collections
sys.path.insert(0, str(__import__('pathlib').Path(__file__).resolve().parents[2]))
import paragraphs as P
import spacy_lstm_tagger.featurizer as F
from spacy.pipeline import Sentencizer
from spacy.strings import get_string_id
from spacy.training import Example
nlp = spacy.load(sys.argv[1])
sents = P.read_sentences(__import__('pathlib').Path(sys.argv[2]), nlp.vocab)
paras = P.paragraphs(sents, 10)
ex_one = [Example(P.words_only(s, False), s) for s in sents]
ex_par = [Example(P.words_only(p, False), p) for p in paras]
def acc(ex):
    s = nlp.evaluate(ex); return {k: round(100*s[v],2) for k, v in P.SCORES.items()}
print('one', acc(ex_one))
print('para exact-rule', acc(ex_par))
# variant: tokens made only of punct chars are final
punct = set(Sentencizer.default_punct_chars)
extra = sorted({t.text for s in sents for t in s if len(t.text) > 1 and all(c in punct for c in t.text)})
print('multi-char finals seen:', extra)
orig = F.SENTENCE_FINAL_ORTHS
F.SENTENCE_FINAL_ORTHS = numpy.unique(numpy.concatenate([orig, numpy.asarray([get_string_id(x) for x in extra], dtype='uint64')]))
orig_set = F._SENTENCE_FINAL_SET
F._SENTENCE_FINAL_SET = frozenset(F.SENTENCE_FINAL_ORTHS.tolist())
print('cuts', P.cuts_against_gold(nlp, paras))
print('para multi-char rule', acc(ex_par))
F.SENTENCE_FINAL_ORTHS = orig
F._SENTENCE_FINAL_SET = orig_set
# diagnosis: error split by whether the sentence is reproduced as a piece
feat = P.featurizers(nlp)[0]
one_docs = list(nlp.pipe([e.predicted.copy() for e in ex_one]))
par_docs = list(nlp.pipe([e.predicted.copy() for e in ex_par]))
stats = collections.Counter()
k = 0
for p, pd in zip(paras, par_docs):
    lengths = feat.sequence_lengths([P.words_only(p, False)])
    starts = set((lengths.cumsum() - lengths).tolist()) | {len(p)}
    i = 0
    while i < len(p):
        s = sents[k]; od = one_docs[k]; k += 1
        reproduced = i in starts and (i + len(s)) in starts
        for j, t in enumerate(s):
            a = od[j].tag_ == t.tag_; b = pd[i + j].tag_ == t.tag_
            stats[reproduced, 'n'] += 1; stats[reproduced, 'one_ok'] += a; stats[reproduced, 'par_ok'] += b
        i += len(s)
for r in (True, False):
    n = stats[r, 'n']; print('reproduced' if r else 'merged', n, 'one', round(100*stats[r,'one_ok']/n,2), 'para', round(100*stats[r,'par_ok']/n,2))
