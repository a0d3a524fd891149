"""Inference speed, side by side: lstm_tagger vs spaCy's built-in tagger.

Trains nothing. Loads two trained pipelines, tags the same pre-tokenized docs
(EWT test by default) with nlp.pipe, alternating the pipelines round by round
so both see the same machine state, and prints words/s for each and the ratio.

    python benchmarks/speed.py --ours training/lstm/model-best \
        --baseline training/spacy_cnn/model-best [--gpu-id 0]

--ours may be given several times, as PATH or NAME=PATH (e.g. default=... fast=...);
each is compared with the baseline.
"""
import argparse
import time

import spacy
from _environment import emit, environment, load_pipelines, torch_only_by_name
from spacy.tokens import DocBin

from spacy_lstm_tagger.cli._util import unannotated_copy


def load_docs(path, vocab, repeat):
    return list(DocBin().from_disk(path).get_docs(vocab)) * repeat


def tag_all(nlp, gold, batch_size):
    # Copies that hold only words and spaces: tagging starts from scratch.
    docs = (unannotated_copy(doc, nlp.vocab) for doc in gold)
    start = time.perf_counter()
    n_words = 0
    for doc in nlp.pipe(docs, batch_size=batch_size):
        n_words += len(doc)
    return n_words, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ours", required=True, action="append", help="pipeline with lstm_tagger: PATH or NAME=PATH")
    parser.add_argument("--baseline", required=True, help="pipeline with spaCy's tagger")
    parser.add_argument("--torch-only", action="append", default=[], metavar="NAME",
                        help="run this --ours pipeline on torch alone, without the fused ONNX Runtime path")
    parser.add_argument("--int8", action="append", default=[], metavar="NAME",
                        help="load this --ours pipeline with inference_precision = \"int8\" (the fused path's LSTM weights)")
    parser.add_argument("--docs", default="corpus/en_ewt-ud-test.spacy")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=1, help="pass over the docs this many times per round")
    parser.add_argument("--gpu-id", type=int, default=-1)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()

    if args.gpu_id >= 0:
        spacy.require_gpu(args.gpu_id)
    paths, pipelines = load_pipelines(parser, args.ours, args.baseline, args.int8)
    torch_only_by_name(parser, pipelines, args.torch_only)
    gold = load_docs(args.docs, pipelines["spacy_tagger"].vocab, args.repeat)
    # Warm-up: caches, allocators, lazy inits.
    for nlp in pipelines.values():
        tag_all(nlp, gold[: 2 * args.batch_size], args.batch_size)
    totals = {name: [0, 0.0] for name in pipelines}
    for _ in range(args.rounds):
        for name, nlp in pipelines.items():
            n_words, seconds = tag_all(nlp, gold, args.batch_size)
            totals[name][0] += n_words
            totals[name][1] += seconds
    wps = {name: n / s for name, (n, s) in totals.items()}
    ratios = {name: wps[name] / wps["spacy_tagger"] for name in wps if name != "spacy_tagger"}
    result = {
        **environment(args.gpu_id),
        "docs": args.docs,
        "batch_size": args.batch_size,
        "rounds": args.rounds,
        "pipelines": paths,
        "words_per_round": totals["spacy_tagger"][0] // args.rounds,
        "words_per_second": wps,
        "ratio_to_spacy_tagger": ratios,
    }
    print(f"{'pipeline':<20} {'words/s':>12} {'ratio':>6}")
    for name, value in wps.items():
        print(f"{name:<20} {value:>12,.0f} {ratios.get(name, 1.0):>6.2f}")
    emit(result, args.json)


if __name__ == "__main__":
    main()
