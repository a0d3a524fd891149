"""int8 dynamic quantization on the CPU: what it would gain and cost.

Loads a trained lstm_tagger pipeline, makes an int8 copy of its LSTM and output
layers with torch.ao's quantize_dynamic, and tags the test docs (gold tokens)
with the float and the int8 module in turn: words/s and tag accuracy of each,
both on eager torch (the fused ONNX Runtime path off), so that the comparison
is of quantization alone. The component does not offer torch.ao's int8 (torch
2.13 deprecates it; benchmarks/HISTORY.md); its int8 is ONNX Runtime's, on the
fused path (inference_precision = "int8", BENCHMARKS.md). This script
measures torch's.

    python benchmarks/int8.py training/benchmark/lstm_default/model-best [--rounds 3]
"""
import argparse
import copy
import time
import warnings

import spacy
import torch
from _environment import emit, environment
from spacy.tokens import DocBin
from spacy.training import Example

from spacy_lstm_tagger.cli._util import unannotated_copy


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pipeline")
    parser.add_argument("--docs", default="corpus/en_ewt-ud-test.spacy")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json")
    args = parser.parse_args()

    nlp = spacy.load(args.pipeline)
    name = next(n for n, p in nlp.pipeline if p.__class__.__name__ == "LSTMTaggerComponent")
    tagger = nlp.get_pipe(name)
    shim = tagger.model.layers[0].shims[0]
    # Both modules on torch: with the onnx extra, batches of up to
    # fused.FUSED_MAX_TOKENS tokens would otherwise run the float32 graph for
    # "fp32" (and the graph is rebuilt at each swap of shim._model below),
    # while the int8 module, which the graph does not cover, runs on torch.
    shim.fused_max_tokens = 0
    modules = {"fp32": shim._model}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch 2.13 deprecates torch.ao quantization
        modules["int8"] = torch.ao.quantization.quantize_dynamic(
            copy.deepcopy(shim._model).eval(), {torch.nn.LSTM, torch.nn.Linear}, dtype=torch.qint8
        )
    gold = list(DocBin().from_disk(args.docs).get_docs(nlp.vocab))
    totals = {kind: [0, 0.0] for kind in modules}
    accuracy = {}
    for _ in range(args.rounds):
        for kind, module in modules.items():
            shim._model = module
            start = time.perf_counter()
            docs = list(nlp.pipe((unannotated_copy(doc) for doc in gold), batch_size=args.batch_size))
            totals[kind][1] += time.perf_counter() - start
            totals[kind][0] += sum(len(doc) for doc in docs)
            accuracy[kind] = tagger.score([Example(doc, ref) for doc, ref in zip(docs, gold)])
    shim._model = modules["fp32"]
    wps = {kind: n / s for kind, (n, s) in totals.items()}
    for kind in modules:
        print(f"{kind}: {wps[kind]:,.0f} words/s, {accuracy[kind]}")
    print(f"int8 / fp32 words/s: {wps['int8'] / wps['fp32']:.2f}")
    emit({**environment(), "pipeline": args.pipeline, "docs": args.docs, "fused_path": False,
          "words_per_second": wps, "accuracy": accuracy}, args.json)


if __name__ == "__main__":
    main()
