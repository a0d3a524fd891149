"""What one of spacy train's evaluations costs a pipeline: nlp.evaluate on
the dev corpus (gold words) and nlp.to_disk (model-best is saved after each
better score), median of 3, one process.

    python eval_cost.py PIPELINE DEV.spacy
"""
import statistics
import sys
import tempfile
import time

import spacy
from spacy.tokens import DocBin
from spacy.training import Example

nlp = spacy.load(sys.argv[1])
gold = list(DocBin().from_disk(sys.argv[2]).get_docs(nlp.vocab))
examples = [Example(spacy.tokens.Doc(nlp.vocab, words=[t.text for t in d]), d) for d in gold]
timings = {"evaluate": [], "to_disk": []}
for _ in range(3):
    t = time.perf_counter()
    scores = nlp.evaluate(examples)
    timings["evaluate"].append(time.perf_counter() - t)
    with tempfile.TemporaryDirectory() as path:
        t = time.perf_counter()
        nlp.to_disk(path)
        timings["to_disk"].append(time.perf_counter() - t)
print(sys.argv[1], {k: round(statistics.median(v), 2) for k, v in timings.items()},
      {k: round(v, 4) for k, v in scores.items() if k.endswith("_acc")})
