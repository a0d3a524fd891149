"""Same answers from either inference path: a trained pipeline tags every
sentence of a corpus (EWT test by default, its own words) one sentence per
call (or --batch-size sentences per call), once on the fused ONNX Runtime
path and once on torch alone, and this compares the probabilities of every
head and the annotations written (tag, pos, morph, lemma). With --gpu-id it also compares torch on that GPU (the
fused path is CPU-only) with the fused CPU path.

    python benchmarks/fused_equivalence.py PIPELINE [--docs corpus/en_ewt-ud-test.spacy] \
        [--batch-size 64] [--gpu-id 0] [--json out.json]

Exits non-zero if, on the CPU, any annotation differs or a probability
differs by 1e-4 or more, or if the fused path did not run (or ran on the GPU).
"""
import argparse
import sys

import numpy
import spacy
from _environment import emit, environment, torch_only
from spacy.tokens import Doc, DocBin

TOLERANCE = 1e-4


def run(nlp, words, batch_size=1):
    """Per sentence: (log-probabilities, annotations), batch_size sentences
    per call of the component."""
    tagger = nlp.get_pipe("lstm_tagger")
    results = []
    for start in range(0, len(words), batch_size):
        docs = [Doc(nlp.vocab, words=sentence) for sentence in words[start : start + batch_size]]
        batch_log_probs = tagger.predict(docs)
        tagger.set_annotations(docs, batch_log_probs)
        for doc, log_probs in zip(docs, batch_log_probs):
            log_probs = log_probs.get() if hasattr(log_probs, "get") else log_probs  # cupy
            results.append((numpy.asarray(log_probs), [(t.tag_, t.pos_, str(t.morph), t.lemma_) for t in doc]))
    return results


def compare(reference, other):
    max_diff, differing, tokens = 0.0, 0, 0
    for (lp_a, ann_a), (lp_b, ann_b) in zip(reference, other):
        if len(lp_a):
            max_diff = max(max_diff, float(numpy.abs(numpy.exp(lp_a) - numpy.exp(lp_b)).max()))
        differing += sum(a != b for a, b in zip(ann_a, ann_b))
        tokens += len(ann_a)
    return {"tokens": tokens, "tokens_annotated_differently": differing, "max_probability_difference": max_diff}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pipeline")
    parser.add_argument("--docs", default="corpus/en_ewt-ud-test.spacy")
    parser.add_argument("--gpu-id", type=int, default=-1)
    parser.add_argument("--batch-size", type=int, default=1, help="sentences per call (default: one)")
    parser.add_argument("--json")
    args = parser.parse_args()

    fused_nlp = spacy.load(args.pipeline)
    torch_nlp = spacy.load(args.pipeline)
    torch_only(torch_nlp)
    words = [[t.text for t in doc] for doc in DocBin().from_disk(args.docs).get_docs(fused_nlp.vocab)]
    shim = fused_nlp.get_pipe("lstm_tagger").model.layers[0].shims[0]
    fused_results = run(fused_nlp, words, args.batch_size)
    engine = shim._fused_cache[1] if shim._fused_cache else None
    result = {**environment(args.gpu_id), "pipeline": args.pipeline, "docs": args.docs, "sentences": len(words),
              "batch_size": args.batch_size,
              "fused_path_ran": engine is not None,
              "fused_vs_torch_cpu": compare(fused_results, run(torch_nlp, words, args.batch_size))}
    if args.gpu_id >= 0:
        from thinc.api import require_gpu

        require_gpu(args.gpu_id)
        gpu_nlp = spacy.load(args.pipeline)
        result["fused_cpu_vs_torch_gpu"] = compare(fused_results, run(gpu_nlp, words, args.batch_size))
        gpu_shim = gpu_nlp.get_pipe("lstm_tagger").model.layers[0].shims[0]
        result["gpu_ran_fused"] = bool(gpu_shim._fused_cache and gpu_shim._fused_cache[1] is not None)
    emit(result, args.json)
    # The GPU comparison is reported, not held to TOLERANCE: cuDNN may run
    # the LSTM in TF32, which differs from float32 at about 1e-3.
    cpu = result["fused_vs_torch_cpu"]
    ok = (
        result["fused_path_ran"]
        and not result.get("gpu_ran_fused")
        and cpu["tokens_annotated_differently"] == 0
        and cpu["max_probability_difference"] < TOLERANCE
    )
    print("same answers" if ok else "DIFFERENT ANSWERS (or the fused path did not run)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
