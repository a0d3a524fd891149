"""The 192-wide model's two LSTM layers alone, float32 against bfloat16, on torch (oneDNN) and
ONNX Runtime's float32 LSTM operator: seconds for EWT dev's sentences in runs of similar length
(256 sentences per call, padded, as the fused path cuts them), one thread, no gradient. Random
weights of the trained model's shapes; what is timed is the recurrence, not the answers.
    OMP_NUM_THREADS=1 python benchmarks/results/tagging-profile-2026-12-07/lstm_precision.py [HIDDEN]"""
import sys
import time

import spacy
import torch
from spacy.tokens import DocBin

torch.set_num_threads(1)
torch.manual_seed(0)
hidden = int(sys.argv[1]) if len(sys.argv) > 1 else 192
lengths = sorted(len(d) for d in DocBin().from_disk("corpus/en_ewt-ud-dev.spacy").get_docs(spacy.blank("en").vocab))
runs = [lengths[i:i + 256] for i in range(0, len(lengths), 256)]
layers = [torch.nn.LSTM(448, hidden, batch_first=True, bidirectional=True),
          torch.nn.LSTM(2 * hidden, hidden, batch_first=True, bidirectional=True)]
inputs = [torch.randn(len(run), max(run), 448) for run in runs]


def tag(dtype):
    mods = [layer.to(dtype) for layer in layers]
    with torch.inference_mode():
        for x, run in zip(inputs, runs):
            h = x.to(dtype)
            for mod in mods:
                h = mod(h)[0]
    return sum(map(sum, runs))


for rounds in range(2):
    for dtype in (torch.float32, torch.bfloat16):
        start = time.perf_counter()
        n = tag(dtype)
        print(f"hidden {hidden}, {str(dtype):15s} {n} words, {time.perf_counter() - start:.3f} s")
