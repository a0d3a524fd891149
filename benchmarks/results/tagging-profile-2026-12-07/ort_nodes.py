"""Where the fused path's time goes, by ONNX operator: ONNX Runtime's own profiler over
nlp.pipe on EWT dev in batches of 256, one thread, for each pipeline given (the default's
2 x 128 against the 192-wide model, issue 32's next step: what a wider LSTM costs at tagging).
    OMP_NUM_THREADS=1 python benchmarks/results/tagging-profile-2026-12-07/ort_nodes.py MODEL...
A one-off probe: the sessions are made with profiling on by wrapping SessionOptions."""
import collections
import json
import sys
import tempfile
import time

import onnxruntime
import spacy
import torch
from spacy.tokens import DocBin

from spacy_lstm_tagger.cli._util import unannotated_copy

torch.set_num_threads(1)
PREFIX = tempfile.mkdtemp() + "/ort"
_Options, _Session = onnxruntime.SessionOptions, onnxruntime.InferenceSession
made = []


class ProfiledOptions(_Options):
    def __init__(self):
        super().__init__()
        self.enable_profiling = True
        self.profile_file_prefix = PREFIX


class RecordedSession(_Session):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        made.append(self)


onnxruntime.SessionOptions, onnxruntime.InferenceSession = ProfiledOptions, RecordedSession
for path in sys.argv[1:]:
    made.clear()
    nlp = spacy.load(path)
    gold = list(DocBin().from_disk("corpus/en_ewt-ud-dev.spacy").get_docs(nlp.vocab))
    docs = [unannotated_copy(d, nlp.vocab) for d in gold]
    start = time.perf_counter()
    n_words = sum(len(doc) for doc in nlp.pipe(docs, batch_size=256))
    seconds = time.perf_counter() - start
    by_op = collections.Counter()
    for session in made:
        for event in json.load(open(session.end_profiling())):
            if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
                by_op[event["args"]["op_name"]] += event["dur"]
    total = sum(by_op.values()) / 1e6
    print(f"{path}: {n_words} words in {seconds:.2f} s (profiler on), {total:.3f} s in ONNX Runtime's nodes")
    for op, us in by_op.most_common(6):
        print(f"  {op:12s} {us / 1e6:.3f} s  {100 * us / 1e6 / total:.1f}% of the nodes' time")
