"""Per-call latency, side by side: lstm_tagger vs spaCy's built-in tagger.

A web service calls nlp(text) once per request. This times exactly that: the
sentences of a corpus (EWT test by default), one nlp(text) call each, the
pipelines alternated call by call (so both see the same machine state), with
1 and 2 torch threads, on a quiet machine and with one other CPU-bound process
running. Median and p99 per call, and the ratio of medians to spaCy's. Then
the curve from 1 to 256 docs per nlp.pipe batch (ms per batch and words/s).

    python benchmarks/latency.py --ours default=training/default/model-best \
        --ours fast=training/fast/model-best --baseline training/spacy_cnn/model-best \
        [--json latency.json]
"""
import argparse
import multiprocessing
import statistics
import time

import torch
from _environment import emit, environment, load_pipelines, torch_only_by_name
from spacy.tokens import DocBin


def spin(stop) -> None:
    # The "other CPU-bound process": pure Python arithmetic, one core.
    x = 0
    while not stop.is_set():
        for i in range(100_000):
            x = (x * 31 + i) % 1_000_003


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def time_calls(pipelines, texts, rounds):
    """ms per nlp(text) call, per pipeline; the order of pipelines rotates
    from text to text."""
    names = list(pipelines)
    times = {name: [] for name in names}
    for _ in range(rounds):
        for i, text in enumerate(texts):
            for k in range(len(names)):
                name = names[(i + k) % len(names)]
                start = time.perf_counter()
                pipelines[name](text)
                times[name].append(1000 * (time.perf_counter() - start))
    return times


def time_batches(pipelines, texts, batch_size, n_batches):
    """ms per nlp.pipe batch of batch_size texts, and words/s, per pipeline."""
    names = list(pipelines)
    out = {name: {"ms": [], "words": 0, "seconds": 0.0} for name in names}
    for b in range(n_batches):
        batch = [texts[(b * batch_size + j) % len(texts)] for j in range(batch_size)]
        for k in range(len(names)):
            name = names[(b + k) % len(names)]
            start = time.perf_counter()
            n_words = sum(len(doc) for doc in pipelines[name].pipe(batch, batch_size=batch_size))
            seconds = time.perf_counter() - start
            out[name]["ms"].append(1000 * seconds)
            out[name]["words"] += n_words
            out[name]["seconds"] += seconds
    return {
        name: {"median_ms": statistics.median(v["ms"]), "words_per_second": v["words"] / v["seconds"]}
        for name, v in out.items()
    }


def summarize(times, baseline):
    base = statistics.median(times[baseline])
    return {
        name: {
            "median_ms": round(statistics.median(values), 3),
            "p99_ms": round(percentile(values, 99), 3),
            "ratio_to_spacy": round(statistics.median(values) / base, 3),
            "calls": len(values),
        }
        for name, values in times.items()
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ours", required=True, action="append", help="pipeline with lstm_tagger: PATH or NAME=PATH")
    parser.add_argument("--baseline", required=True, help="pipeline with spaCy's tagger")
    parser.add_argument("--torch-only", action="append", default=[], metavar="NAME",
                        help="run this --ours pipeline on torch alone, without the fused ONNX Runtime path")
    parser.add_argument("--int8", action="append", default=[], metavar="NAME",
                        help="load this --ours pipeline with inference_precision = \"int8\" (the fused path's LSTM weights)")
    parser.add_argument("--docs", default="corpus/en_ewt-ud-test.spacy", help="one sentence per doc (scripts/convert_ewt.sh)")
    parser.add_argument("--sentences", type=int, default=400, help="sentences timed per setting")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--loads", nargs="+", default=["quiet", "busy"], choices=["quiet", "busy"])
    parser.add_argument("--batch-sizes", type=int, nargs="*", default=[1, 2, 4, 8, 16, 32, 64, 128, 256])
    parser.add_argument("--batch-words", type=int, default=20000, help="about this many words per pipeline per batch size")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()

    paths, pipelines = load_pipelines(parser, args.ours, args.baseline, args.int8)
    torch_only_by_name(parser, pipelines, args.torch_only)
    docs = list(DocBin().from_disk(args.docs).get_docs(pipelines["spacy_tagger"].vocab))
    texts = [doc.text for doc in docs if doc.text.strip()][: args.sentences]
    mean_words = sum(len(d) for d in docs[: len(texts)]) / len(texts)
    time_calls(pipelines, texts[:50], 1)  # warm-up: caches, allocators, lazy inits

    result = {**environment(), "pipelines": paths, "docs": args.docs, "sentences": len(texts),
              "mean_words_per_sentence": round(mean_words, 1), "per_call": {}, "batches": {}}
    default_threads = torch.get_num_threads()
    for load in args.loads:
        stop = multiprocessing.Event()
        busy = multiprocessing.Process(target=spin, args=(stop,), daemon=True) if load == "busy" else None
        if busy:
            busy.start()
            time.sleep(0.5)
        try:
            for n_threads in args.threads:
                torch.set_num_threads(n_threads)
                key = f"{load}, {n_threads} thread{'s' if n_threads > 1 else ''}"
                result["per_call"][key] = summarize(time_calls(pipelines, texts, args.rounds), "spacy_tagger")
                print(key, result["per_call"][key], flush=True)
        finally:
            if busy:
                stop.set()
                busy.join()
    torch.set_num_threads(default_threads)
    for batch_size in args.batch_sizes:
        n_batches = max(3, int(args.batch_words / (mean_words * batch_size)))
        result["batches"][batch_size] = time_batches(pipelines, texts, batch_size, n_batches)
        print(batch_size, result["batches"][batch_size], flush=True)

    emit(result, args.json)
    print(f"\nper call (ms, median / p99; ratio of medians to spaCy's tagger), {len(texts)} sentences of EWT test")
    for key, rows in result["per_call"].items():
        cells = [f"{name}: {r['median_ms']:.2f} / {r['p99_ms']:.2f} ({r['ratio_to_spacy']:.2f}x)" for name, r in rows.items()]
        print(f"  {key:<18} " + " | ".join(cells))
    print("docs per batch: words/s")
    for batch_size, rows in result["batches"].items():
        print(f"  {batch_size:>4} " + " | ".join(f"{name}: {r['words_per_second']:,.0f}" for name, r in rows.items()))


if __name__ == "__main__":
    main()
