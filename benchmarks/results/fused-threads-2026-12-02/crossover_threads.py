"""Where does the fused path stop paying, with runs by length (length_buckets)
and with a second intra-op thread (spinning off)? The module's forward alone
(featurized inputs ready), batches of consecutive EWT test sentences from 1
to 128 docs, torch with 2 and 1 threads against fused sessions: one padded
run per call (the 0.6.0 path, slack infinite), runs by length at slack 1.25, 1.5 and 2,
runs by length with 2 intra-op threads, and runs by length spread over two
Python threads; alternated call by call, median ms.

    python crossover_threads.py PIPELINE OUT.json
"""
import json
import statistics
import sys
import time

import spacy
import torch
from spacy.tokens import Doc, DocBin

from spacy_lstm_tagger.fused import FusedTagger

pipeline, out = sys.argv[1], sys.argv[2]
nlp = spacy.load(pipeline)
wrapper = nlp.get_pipe("lstm_tagger").model.layers[0]
module = wrapper.shims[0]._model
convert = wrapper.attrs["convert_inputs"]
docs = [Doc(nlp.vocab, words=[t.text for t in d]) for d in DocBin().from_disk("corpus/en_ewt-ud-test.spacy").get_docs(nlp.vocab)]
from spacy_lstm_tagger import fused

from concurrent.futures import ThreadPoolExecutor

one, two, pooled = FusedTagger(module, threads=1), FusedTagger(module, threads=2), FusedTagger(module, threads=1)
pool = ThreadPoolExecutor(2)
pooled.map_runs = lambda function, runs, n_tokens: pool.map(function, runs)  # the runs on two Python threads
engines = {
    "fused_one_run": (one, float("inf")),
    "fused_by_length_1.25": (one, 1.25),
    "fused_by_length": (one, 1.5),
    "fused_by_length_2.0": (one, 2.0),
    "fused_by_length_2_threads": (two, 1.5),
    "fused_by_length_2_python_threads": (pooled, 1.5),
}
results = []
for threads in (2, 1):
    torch.set_num_threads(threads)
    for n_docs in (1, 2, 4, 8, 16, 32, 64, 128):
        times = {name: [] for name in ["torch", *engines]}
        n_tokens = []
        for start in range(0, max(20, 240 // n_docs) * n_docs, n_docs):
            batch = docs[start % 2000 : start % 2000 + n_docs]
            inputs, _ = convert(wrapper, batch, False)
            n_tokens.append(int(inputs.kwargs["token_index"].shape[0]))
            for name in times:
                t = time.perf_counter()
                with torch.inference_mode():
                    if name == "torch":
                        module(**inputs.kwargs)
                    else:
                        engine, fused.PADDING_SLACK = engines[name]
                        engine(**inputs.kwargs)
                times[name].append(1000 * (time.perf_counter() - t))
        row = {"torch_threads": threads, "docs": n_docs, "median_tokens": statistics.median(n_tokens),
               **{f"{k}_ms": round(statistics.median(v), 3) for k, v in times.items()}}
        print(row, flush=True)
        results.append(row)
json.dump(results, open(out, "w"), indent=2)
