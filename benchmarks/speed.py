"""Inference speed, side by side: lstm_tagger vs spaCy's built-in tagger.

Trains nothing. Loads two trained pipelines, tags the same pre-tokenized docs
(EWT test by default) with nlp.pipe, alternating the pipelines round by round
so both see the same machine state, and prints words/s for each and the ratio.

    python benchmarks/speed.py --ours training/lstm/model-best \
        --baseline training/spacy_cnn/model-best [--gpu-id 0]
"""
import argparse
import time

import spacy
from _report import emit, environment
from spacy.tokens import Doc, DocBin


def load_words(path, vocab, repeat):
    """Docs that hold only words and spaces: tagging starts from scratch."""
    words = []
    for doc in DocBin().from_disk(path).get_docs(vocab):
        words.append(([t.text for t in doc], [bool(t.whitespace_) for t in doc]))
    return words * repeat


def tag_all(nlp, words, batch_size):
    docs = (Doc(nlp.vocab, words=w, spaces=s) for w, s in words)
    start = time.perf_counter()
    n_words = 0
    for doc in nlp.pipe(docs, batch_size=batch_size):
        n_words += len(doc)
    return n_words, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ours", required=True, help="pipeline with lstm_tagger")
    parser.add_argument("--baseline", required=True, help="pipeline with spaCy's tagger")
    parser.add_argument("--docs", default="corpus/en_ewt-ud-test.spacy")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=1, help="pass over the docs this many times per round")
    parser.add_argument("--gpu-id", type=int, default=-1)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()

    if args.gpu_id >= 0:
        spacy.require_gpu(args.gpu_id)
    pipelines = {"lstm_tagger": spacy.load(args.ours), "spacy_tagger": spacy.load(args.baseline)}
    words = load_words(args.docs, pipelines["lstm_tagger"].vocab, args.repeat)
    # Warm-up: caches, allocators, lazy inits.
    for nlp in pipelines.values():
        tag_all(nlp, words[: 2 * args.batch_size], args.batch_size)
    totals = {name: [0, 0.0] for name in pipelines}
    for _ in range(args.rounds):
        for name, nlp in pipelines.items():
            n_words, seconds = tag_all(nlp, words, args.batch_size)
            totals[name][0] += n_words
            totals[name][1] += seconds
    wps = {name: n / s for name, (n, s) in totals.items()}
    result = {
        **environment(args.gpu_id),
        "docs": args.docs,
        "batch_size": args.batch_size,
        "words_per_round": totals["lstm_tagger"][0] // args.rounds,
        "words_per_second": wps,
        "ratio_lstm_to_spacy": wps["lstm_tagger"] / wps["spacy_tagger"],
    }
    print(f"{'pipeline':<14} {'words/s':>12}")
    for name, value in wps.items():
        print(f"{name:<14} {value:>12,.0f}")
    print(f"ratio lstm_tagger / spacy_tagger: {result['ratio_lstm_to_spacy']:.2f}")
    emit(result, args.json)


if __name__ == "__main__":
    main()
