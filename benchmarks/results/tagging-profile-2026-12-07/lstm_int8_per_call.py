"""int8 LSTM weights one sentence per call: the pipelines of lstm_int8_fused.py (float32 fused
graph, and the same graph with its LSTM operators quantized by quantize_dynamic), each given
EWT dev's sentences one nlp(text) call each, the pipelines alternated call by call, one thread:
median and p99 ms per call. A probe, not a feature.
    OMP_NUM_THREADS=1 python benchmarks/results/tagging-profile-2026-12-07/lstm_int8_per_call.py MODEL...
(from the repository root; internals: the shim's fused engine and its session)."""
import statistics
import sys
import tempfile
import time

import onnxruntime
import spacy
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from spacy.tokens import DocBin

from spacy_lstm_tagger.fused_graph import build_graph

torch.set_num_threads(1)


def int8_engine(nlp, texts):
    for text in texts[:20]:
        nlp(text)  # builds the fused engine
    shim = nlp.get_pipe("lstm_tagger").model.layers[0].shims[0]
    folder = tempfile.mkdtemp()
    with open(f"{folder}/fp32.onnx", "wb") as f:
        f.write(build_graph(shim._model))
    quantize_dynamic(f"{folder}/fp32.onnx", f"{folder}/int8.onnx", op_types_to_quantize=["LSTM"],
                     weight_type=QuantType.QInt8)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    shim._fused_cache[1].session = onnxruntime.InferenceSession(
        f"{folder}/int8.onnx", options, providers=["CPUExecutionProvider"])


texts = [d.text for d in DocBin().from_disk("corpus/en_ewt-ud-dev.spacy").get_docs(spacy.blank("en").vocab)]
pipelines = {}
for path in sys.argv[1:]:
    pipelines[f"{path} float32"] = spacy.load(path)
    pipelines[f"{path} int8"] = spacy.load(path)
    int8_engine(pipelines[f"{path} int8"], texts)
for nlp in pipelines.values():
    for text in texts[:50]:
        nlp(text)
times = {name: [] for name in pipelines}
for text in texts:
    for name, nlp in pipelines.items():
        start = time.perf_counter()
        nlp(text)
        times[name].append(1000 * (time.perf_counter() - start))
for name, values in times.items():
    values.sort()
    print(f"{name}: median {statistics.median(values):.3f} ms, p99 {values[int(0.99 * len(values))]:.3f} ms "
          f"over {len(values)} calls")
