"""The same trained pipeline tagged by two checkouts of this package, side by
side: per-call latency (one nlp(text) call per sentence) and words/s with
nlp.pipe in batches of 256, on one-sentence docs and on paragraph docs
(N consecutive sentences, no boundaries). For "no slower than before"
claims about a change of the code, not of the model.

Each round runs one worker process per checkout (PYTHONPATH first, checked
by the worker), alternating which goes first, so both see the same machine.

    git worktree add /tmp/old f822aa2
    python benchmarks/code_versions.py --pipeline training/default/model-best \
        --checkout old=/tmp/old --checkout new=. --rounds 5 [--json out.json]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


def worker(args) -> None:
    import spacy
    import torch
    from spacy.tokens import Doc, DocBin

    import spacy_lstm_tagger

    checkout = Path(args.expect_checkout).resolve()
    if checkout not in Path(spacy_lstm_tagger.__file__).resolve().parents:
        sys.exit(f"imported {spacy_lstm_tagger.__file__}, not the checkout {checkout}")
    torch.set_num_threads(args.threads)
    nlp = spacy.load(args.pipeline)
    golds = list(DocBin().from_disk(args.docs).get_docs(nlp.vocab))[: args.sentences]
    texts = [doc.text for doc in golds]
    for text in texts[:20]:  # warm-up: caches, the fused engine
        nlp(text)
    per_call = []
    for text in texts:
        start = time.perf_counter()
        nlp(text)
        per_call.append(time.perf_counter() - start)

    def words_per_second(docs):
        n_words = sum(len(doc) for doc in docs)
        start = time.perf_counter()
        for _ in nlp.pipe(docs, batch_size=256):
            pass
        return n_words / (time.perf_counter() - start)

    def fresh(words_lists):
        return [Doc(nlp.vocab, words=words) for words in words_lists]

    sentences = [[t.text for t in doc] for doc in golds]
    paragraphs = [sum(sentences[i : i + args.paragraph], []) for i in range(0, len(sentences), args.paragraph)]
    result = {
        "module": spacy_lstm_tagger.__file__,
        "per_call_ms_median": 1000 * statistics.median(per_call),
        "sentence_docs_words_per_s": words_per_second(fresh(sentences)),
        "paragraph_docs_words_per_s": words_per_second(fresh(paragraphs)),
    }
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pipeline", required=True)
    parser.add_argument("--checkout", action="append", default=[], metavar="NAME=PATH", help="twice: old and new")
    parser.add_argument("--docs", default="corpus/en_ewt-ud-test.spacy", help="one sentence per doc")
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--paragraph", type=int, default=10, help="sentences per paragraph doc")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--expect-checkout", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    checkouts = dict(item.split("=", 1) for item in args.checkout)
    if not checkouts:
        parser.error("give --checkout NAME=PATH (twice, to compare two)")
    runs = {name: [] for name in checkouts}
    for round_ in range(args.rounds):
        order = list(checkouts) if round_ % 2 == 0 else list(reversed(checkouts))
        for name in order:
            path = str(Path(checkouts[name]).resolve())
            env = {**os.environ, "PYTHONPATH": path + os.pathsep + os.environ.get("PYTHONPATH", "")}
            command = [sys.executable, __file__, "--worker", "--expect-checkout", path, "--pipeline", args.pipeline,
                       "--docs", args.docs, "--sentences", str(args.sentences), "--paragraph", str(args.paragraph),
                       "--threads", str(args.threads)]
            out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
            runs[name].append(json.loads(out.strip().splitlines()[-1]))
            print(name, runs[name][-1], flush=True)
    summary = {}
    for name, results in runs.items():
        summary[name] = {
            key: {"min": min(r[key] for r in results), "median": statistics.median(r[key] for r in results),
                  "max": max(r[key] for r in results)}
            for key in results[0] if key != "module"
        }
    names = list(checkouts)
    if len(names) == 2:
        old, new = names
        summary["ratio_new_to_old_medians"] = {
            key: summary[new][key]["median"] / summary[old][key]["median"] for key in summary[old]
        }
    summary["load_average"] = os.getloadavg()
    print(json.dumps(summary, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "runs": runs, "summary": summary}, indent=1))


if __name__ == "__main__":
    main()
