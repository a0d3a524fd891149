"""Where the fused path stops paying: the module's forward alone (featurized
inputs ready), fused graph against torch, batches of EWT test sentences from
1 to 64 docs, torch with 1 and 2 threads against the fused session with one
intra-op thread, median of alternated runs.

    python crossover.py PIPELINE OUT.json
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
results = []
for threads in (1, 2):
    torch.set_num_threads(threads)
    engines = {"fused_1_thread": FusedTagger(module)}
    for n_docs in (1, 2, 4, 8, 16, 32, 64):
        times = {name: [] for name in ["torch", *engines]}
        n_tokens = []
        for start in range(0, 40 * n_docs, n_docs):
            batch = docs[start % 2000 : start % 2000 + n_docs]
            inputs, _ = convert(wrapper, batch, False)
            n_tokens.append(int(inputs.kwargs["token_index"].shape[0]))
            for name in times:
                t = time.perf_counter()
                with torch.inference_mode():
                    if name == "torch":
                        module(**inputs.kwargs)
                    else:
                        engines[name](**inputs.kwargs)
                times[name].append(1000 * (time.perf_counter() - t))
        row = {"threads": threads, "docs": n_docs, "median_tokens": statistics.median(n_tokens),
               **{f"{k}_ms": round(statistics.median(v), 3) for k, v in times.items()}}
        print(row, flush=True)
        results.append(row)
json.dump(results, open(out, "w"), indent=2)
