"""Memory soak: peak RSS while streaming N tokens through nlp.pipe.

Each size runs in a fresh process so peaks do not mix. Prints peak RSS for
each size and the ratio of the largest to the smallest.

    python benchmarks/soak.py PIPELINE [--tokens 100000 1000000]
"""
import argparse
import json
import subprocess
import sys

from _environment import emit, environment

CHILD = r"""
import json, resource, sys, time
import spacy
nlp = spacy.load(sys.argv[1])
n_tokens = int(sys.argv[2])
words = [w for line in open(sys.argv[3], encoding="utf8") if line.strip() and not line.startswith("#")
         for w in [line.split("\t")[1]] if "-" not in line.split("\t")[0] and "." not in line.split("\t")[0]]
def texts():
    sent, done, i = [], 0, 0
    while done < n_tokens:
        sent.append(words[i % len(words)]); i += 1
        if len(sent) == 20:
            done += len(sent); yield " ".join(sent); sent = []
start = time.perf_counter()
seen = sum(len(doc) for doc in nlp.pipe(texts(), batch_size=256))
print(json.dumps({"tokens": seen, "seconds": time.perf_counter() - start,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pipeline")
    parser.add_argument("--tokens", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--source", default="corpus/en_ewt-ud-train.conllu", help="CoNLL-U file whose words are streamed")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    results = []
    for n in args.tokens:
        out = subprocess.run([sys.executable, "-c", CHILD, args.pipeline, str(n), args.source],
                             capture_output=True, text=True, check=True).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
        print(f"{results[-1]['tokens']:>10,} tokens  peak RSS {results[-1]['peak_rss_mb']:8.1f} MB  "
              f"{results[-1]['tokens'] / results[-1]['seconds']:10,.0f} tokens/s")
    ratio = results[-1]["peak_rss_mb"] / results[0]["peak_rss_mb"]
    print(f"peak RSS ratio {args.tokens[-1]:,} / {args.tokens[0]:,} tokens: {ratio:.3f}")
    emit({**environment(), "pipeline": args.pipeline, "results": results, "ratio": ratio}, args.json)


if __name__ == "__main__":
    main()
