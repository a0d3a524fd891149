# heads_loss of e2571a4 (thinc's loss) against this tree's on the same batches, alternated, one thread.
import sys; sys.path.insert(0,'/tmp')
exec(open(__file__.replace('loss_ab.py', 'loss_bench.py')).read().split("best=1e9")[0])
import oldloss  # git show e2571a4:spacy_lstm_tagger/loss.py > /tmp/oldloss.py, its import made absolute
from spacy_lstm_tagger import loss as newloss
from spacy_lstm_tagger.gold import head_gold
golds=[head_gold(b, t.head_labels, t.predicted_attrs, t.cfg["morph_mode"], t.cfg["neg_prefix"], t.name) for b in batches]
res={"old":[], "new":[]}
for r in range(7):
    for name, mod in (("old", oldloss), ("new", newloss)):
        t0=time.perf_counter()
        for g,s in zip(golds,scores): mod.heads_loss(t._heads(), g, s, numpy, t.cfg["neg_prefix"], t.cfg["label_smoothing"], t.name)
        res[name].append((time.perf_counter()-t0)/len(batches)*1e3)
for k,v in res.items(): print(k, "median ms", sorted(v)[3], "min", min(v))
