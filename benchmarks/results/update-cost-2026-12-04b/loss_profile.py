"""get_loss on 20 batches of about 1,000 EWT training words: mean seconds per batch, then cProfile.

    python loss_profile.py   (from the repository root, with training/default/model-best)
"""
import cProfile, pstats, time, torch
import spacy
from spacy.tokens import DocBin
from spacy.training import Example
torch.set_num_threads(1)
nlp = spacy.load("training/default/model-best")
pipe = nlp.get_pipe("lstm_tagger")
docs = list(DocBin().from_disk("corpus/en_ewt-ud-train.spacy").get_docs(nlp.vocab))[:3000]
exs = []
for d in docs:
    exs.append(Example(nlp.make_doc(d.text) if False else spacy.tokens.Doc(nlp.vocab, words=[t.text for t in d], spaces=[bool(t.whitespace_) for t in d]), d))
# batches of ~1000 words
batches, cur, n = [], [], 0
for e in exs:
    cur.append(e); n += len(e)
    if n >= 1000: batches.append(cur); cur, n = [], 0
batches = batches[:20]
preds = [pipe.model.predict([e.predicted for e in b]) for b in batches]
t = time.perf_counter()
for b, p in zip(batches, preds): pipe.get_loss(b, p)
print("get_loss per batch", (time.perf_counter()-t)/len(batches))
cProfile.run("for b, p in zip(batches, preds): pipe.get_loss(b, p)", "/tmp/loss.prof")
pstats.Stats("/tmp/loss.prof").sort_stats("cumulative").print_stats(25)
