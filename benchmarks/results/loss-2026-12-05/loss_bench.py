# The loss on 30 EWT training batches of 1,000 words scored by a trained default (training/f32-s0):
# get_loss per batch; with an argument, pickles (loss, gradients) for a comparison between trees:
# python loss_bench.py OUT.pkl at each tree, the two pickles compared with numpy.array_equal.
import spacy, time, numpy, sys
from spacy.tokens import DocBin, Doc
from spacy.training import Example
import spacy_lstm_tagger
nlp = spacy.load("/work/main/training/f32-s0/model-best")
t = nlp.get_pipe("lstm_tagger")
docs = list(DocBin().from_disk("/work/main/corpus/en_ewt-ud-train.spacy").get_docs(nlp.vocab))[:2000]
egs=[Example(Doc(nlp.vocab, words=[w.text for w in d], spaces=[bool(w.whitespace_) for w in d]), d) for d in docs]
batches=[]; cur=[]; n=0
for eg in egs:
    cur.append(eg); n+=len(eg)
    if n>=1000: batches.append(cur); cur=[]; n=0
batches=batches[:30]
scores=[t.model.predict([eg.predicted for eg in b]) for b in batches]
res=[t.get_loss(b,s) for b,s in zip(batches,scores)]
if len(sys.argv)>1:
    import pickle; pickle.dump([(l, [numpy.asarray(g) for g in gs]) for l,gs in res], open(sys.argv[1],'wb'))
best=1e9
for r in range(5):
    t0=time.perf_counter()
    for b,s in zip(batches,scores): t.get_loss(b, s)
    best=min(best,(time.perf_counter()-t0)/len(batches)*1e3)
print("get_loss ms/batch best of 5", best)
from spacy_lstm_tagger.gold import head_gold
from spacy_lstm_tagger.loss import heads_loss
golds=[head_gold(b, t.head_labels, t.predicted_attrs, t.cfg["morph_mode"], t.cfg["neg_prefix"], t.name) for b in batches]
for r in range(3):
    t0=time.perf_counter()
    for b in batches: head_gold(b, t.head_labels, t.predicted_attrs, t.cfg["morph_mode"], t.cfg["neg_prefix"], t.name)
    t1=time.perf_counter()
    for g,s in zip(golds,scores): heads_loss(t._heads(), g, s, numpy, t.cfg["neg_prefix"], t.cfg["label_smoothing"], t.name)
    t2=time.perf_counter()
    print("gold", (t1-t0)/len(batches)*1e3, "loss", (t2-t1)/len(batches)*1e3)
print([(h[0], len(h[2])) for h in t._heads()], t.cfg["label_smoothing"])
