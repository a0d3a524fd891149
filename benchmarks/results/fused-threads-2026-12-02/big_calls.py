"""The library's fused path (runs by length, spread over torch's threads)
against torch for big calls: the module's forward alone, batches of
consecutive EWT test sentences, alternated, median ms.

    python big_calls.py PIPELINE
"""
import statistics
import sys
import time

import spacy
import torch
from spacy.tokens import Doc, DocBin

from spacy_lstm_tagger.fused import FusedTagger

nlp = spacy.load(sys.argv[1])
wrapper = nlp.get_pipe("lstm_tagger").model.layers[0]
module = wrapper.shims[0]._model
convert = wrapper.attrs["convert_inputs"]
docs = [Doc(nlp.vocab, words=[t.text for t in d]) for d in DocBin().from_disk("corpus/en_ewt-ud-test.spacy").get_docs(nlp.vocab)]
engine = FusedTagger(module)
print(f"torch threads {torch.get_num_threads()}")
for n_docs in (64, 128, 256, 512):
    times = {"torch": [], "fused": []}
    n_tokens = []
    for start in range(0, 12 * n_docs, n_docs):
        inputs, _ = convert(wrapper, docs[start % 1500 : start % 1500 + n_docs], False)
        n_tokens.append(int(inputs.kwargs["token_index"].shape[0]))
        for name in times:
            t = time.perf_counter()
            with torch.inference_mode():
                (module if name == "torch" else engine)(**inputs.kwargs)
            times[name].append(1000 * (time.perf_counter() - t))
    print({"docs": n_docs, "median_tokens": statistics.median(n_tokens), **{k: round(statistics.median(v), 1) for k, v in times.items()}}, flush=True)
