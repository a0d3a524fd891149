"""What int8 LSTM weights do in the fused path: the pipeline's ONNX graph (fused_graph.build_graph)
with its LSTM operators quantized by ONNX Runtime's own tool (quantize_dynamic: DynamicQuantizeLSTM,
int8 weights, inputs quantized per call), run in place of the float32 graph, on EWT dev in batches
of 256, one thread: the four accuracies, the tokens whose XPOS / UPOS / FEATS / LEMMA differ, and
the seconds of each. A probe, not a feature.
    OMP_NUM_THREADS=1 python benchmarks/results/tagging-profile-2026-12-07/lstm_int8_fused.py MODEL
(from the repository root; internals: the shim's fused engine and its session)."""
import sys
import tempfile
import time

import onnxruntime
import spacy
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from spacy.tokens import DocBin
from spacy.training import Example

from spacy_lstm_tagger.cli._util import unannotated_copy
from spacy_lstm_tagger.fused_graph import build_graph

torch.set_num_threads(1)
path = sys.argv[1]
ops = ["LSTM"]
import os; PER_CHANNEL = os.environ.get("PER_CHANNEL") == "1"


def run(nlp, gold):
    docs = [unannotated_copy(d, nlp.vocab) for d in gold]
    start = time.perf_counter()
    tagged = list(nlp.pipe(docs, batch_size=256))
    seconds = time.perf_counter() - start
    scores = nlp.get_pipe("lstm_tagger").score([Example(p, g) for p, g in zip(tagged, gold)])
    return tagged, seconds, scores


results = {}
for precision in ("float32", "int8"):
    nlp = spacy.load(path)
    gold = list(DocBin().from_disk("corpus/en_ewt-ud-dev.spacy").get_docs(nlp.vocab))
    run(nlp, gold[:200])  # builds the fused engine
    shim = nlp.get_pipe("lstm_tagger").model.layers[0].shims[0]
    engine = shim._fused_cache[1]
    if precision == "int8":
        folder = tempfile.mkdtemp()
        with open(f"{folder}/fp32.onnx", "wb") as f:
            f.write(build_graph(shim._model))
        quantize_dynamic(f"{folder}/fp32.onnx", f"{folder}/int8.onnx", op_types_to_quantize=ops,
                         weight_type=QuantType.QInt8, per_channel=PER_CHANNEL)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        engine.session = onnxruntime.InferenceSession(f"{folder}/int8.onnx", options, providers=["CPUExecutionProvider"])
        run(nlp, gold[:200])
    best = None
    for _ in range(3):
        tagged, seconds, scores = run(nlp, gold)
        best = seconds if best is None else min(best, seconds)
    results[precision] = tagged
    print(f"{path} {precision} ({','.join(ops)}): {best:.2f} s (best of 3);",
          " ".join(f"{k} {100 * scores[k]:.2f}" for k in ("tag_acc", "pos_acc", "morph_acc", "lemma_acc")))
a, b = results["float32"], results["int8"]
n = sum(len(d) for d in a)
for attr in ("tag_", "pos_", "morph", "lemma_"):
    differ = sum(str(getattr(x, attr)) != str(getattr(y, attr)) for da, db in zip(a, b) for x, y in zip(da, db))
    print(f"  {attr.strip('_')}: {differ} of {n} tokens differ ({100 * differ / n:.3f}%)")
