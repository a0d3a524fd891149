"""What one evaluation pass over EWT dev costs the 192-wide model (float32, seed 0 of run.sh), in float32 and with
inference_precision = "int8": nlp.evaluate over the 2,001 dev examples and nlp.pipe over the same docs, two torch
threads, quiet, alternated twice. spacy train evaluates 25 times in 5,000 updates (eval_frequency = 200).
    python benchmarks/results/train-time-2026-12-07/eval_cost.py training/tt-h192/model-best
(from the repository root)."""
import sys, time, spacy
from spacy.tokens import DocBin
from spacy.training import Example
from spacy_lstm_tagger.cli._util import unannotated_copy
for prec in ("float32", "int8", "float32", "int8"):
    nlp = spacy.load(sys.argv[1], config={"components": {"lstm_tagger": {"model": {"inference_precision": prec}}}})
    gold = list(DocBin().from_disk("corpus/en_ewt-ud-dev.spacy").get_docs(nlp.vocab))
    examples = [Example(unannotated_copy(g, nlp.vocab), g) for g in gold]
    nlp.evaluate(examples[:100])
    t = time.perf_counter(); nlp.evaluate(examples); e = time.perf_counter() - t
    t = time.perf_counter(); list(nlp.pipe([unannotated_copy(g, nlp.vocab) for g in gold], batch_size=256)); p = time.perf_counter() - t
    print(prec, f"evaluate {e:.2f} s, pipe {p:.2f} s")
