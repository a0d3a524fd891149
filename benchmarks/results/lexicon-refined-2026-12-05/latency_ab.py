"""Median ms of one nlp(text) call, EWT test sentences one per call, two
pipelines alternated call by call (one torch thread). A record of one run:
    OMP_NUM_THREADS=1 python latency_ab.py A B corpus/en_ewt-ud-test.spacy"""
import statistics, sys, time
import spacy, torch
from spacy.tokens import DocBin
torch.set_num_threads(1)
a, b = spacy.load(sys.argv[1]), spacy.load(sys.argv[2])
texts = [doc.text for doc in DocBin().from_disk(sys.argv[3]).get_docs(a.vocab)][:1000]
times = {sys.argv[1]: [], sys.argv[2]: []}
for text in texts[:50]:
    a(text); b(text)
for rep in range(2):
    for text in texts:
        for name, nlp in ((sys.argv[1], a), (sys.argv[2], b)) if rep == 0 else ((sys.argv[2], b), (sys.argv[1], a)):
            start = time.perf_counter(); nlp(text); times[name].append(time.perf_counter() - start)
for name, values in times.items():
    print(f"{name}: median {1000 * statistics.median(values):.4f} ms over {len(values)} calls")
