"""tag-shards scaling on this machine: 1 worker, then 2 (or --workers).

Writes N .txt shards of raw EWT train text (the "# text =" lines, a few
sentences per document line), tags them with tag_shards on a LocalCluster of
each worker count, and prints words/s for each and the ratio to the first.
The time is the tagging alone: tag_shards loads the pipeline on every worker
before it starts its clock; cluster start-up is printed separately.

    python benchmarks/shards_speed.py training/lstm/model-best [--shards 8] [--workers 1,2]
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from _environment import emit, environment

ROOT = Path(__file__).resolve().parent.parent


def read_sentences(path, limit):
    sentences = []
    with open(path, encoding="utf8") as f:
        for line in f:
            if line.startswith("# text = "):
                sentences.append(line[len("# text = "):].rstrip("\n"))
                if limit and len(sentences) >= limit:
                    break
    return sentences


def write_shards(sentences, directory, n_shards, sents_per_doc):
    docs = [" ".join(sentences[i : i + sents_per_doc]) for i in range(0, len(sentences), sents_per_doc)]
    per_shard = -(-len(docs) // n_shards)
    for i in range(n_shards):
        part = docs[i * per_shard : (i + 1) * per_shard]
        (directory / f"shard{i:04d}.txt").write_text("\n".join(part) + "\n", encoding="utf8")
    return len(docs)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pipeline", help="a saved pipeline with an lstm_tagger")
    parser.add_argument("--corpus", default=str(ROOT / "corpus" / "en_ewt-ud-train.conllu"))
    parser.add_argument("--sentences", type=int, default=0, help="use the first N sentences (0: all)")
    parser.add_argument("--sents-per-doc", type=int, default=5)
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--threads-per-worker", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()

    import dask
    import distributed
    from dask.distributed import Client, LocalCluster

    from spacy_lstm_tagger.cli.shards import tag_shards

    worker_counts = [int(w) for w in args.workers.split(",") if w.strip()]
    sentences = read_sentences(args.corpus, args.sentences)
    results = []
    with tempfile.TemporaryDirectory(prefix="shards-bench-") as tmp:
        tmp = Path(tmp)
        shard_dir = tmp / "in"
        shard_dir.mkdir()
        n_docs = write_shards(sentences, shard_dir, args.shards, args.sents_per_doc)
        print(
            f"{len(sentences):,} sentences, {n_docs:,} docs in {args.shards} shards "
            f"({sum(p.stat().st_size for p in shard_dir.iterdir()) / 1e6:.1f} MB)",
            flush=True,
        )
        for n_workers in worker_counts:
            t0 = time.perf_counter()
            cluster = LocalCluster(
                n_workers=n_workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
            )
            client = Client(cluster)
            startup = time.perf_counter() - t0
            try:
                result = tag_shards(
                    args.pipeline,
                    shard_dir,
                    tmp / f"out-{n_workers}",
                    scheduler=client,
                    threads_per_worker=args.threads_per_worker,
                    batch_size=args.batch_size,
                    log=None,
                )
            finally:
                client.close()
                cluster.close()
            if not result.ok:
                sys.exit(f"failed shards: {result.failed}")
            results.append(
                {
                    "workers": n_workers,
                    "threads_per_worker": args.threads_per_worker,
                    "words": result.n_tokens,
                    "seconds": round(result.seconds, 3),
                    "words_per_second": round(result.tokens_per_second, 1),
                    "cluster_startup_seconds": round(startup, 2),
                }
            )
            print(
                f"{n_workers} worker(s) x {args.threads_per_worker} thread(s): {result.n_tokens:,} words "
                f"in {result.seconds:.2f}s = {result.tokens_per_second:,.0f} words/s "
                f"(cluster start {startup:.1f}s)",
                flush=True,
            )

    base = results[0]["words_per_second"]
    for r in results:
        r["ratio"] = round(r["words_per_second"] / base, 3) if base else None
    env = environment()
    env["versions"].update(dask=dask.__version__, distributed=distributed.__version__)
    env["machine"].update(
        nproc=os.cpu_count(),
        cpus_usable=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
    )
    print()
    print(f"{'workers':>8} {'words/s':>12} {'ratio':>7}")
    for r in results:
        print(f"{r['workers']:>8} {r['words_per_second']:>12,.0f} {r['ratio']:>7.2f}")
    print()
    emit(
        {
            **env,
            "pipeline": str(Path(args.pipeline).resolve()),
            "shards": args.shards,
            "batch_size": args.batch_size,
            "results": results,
        },
        args.json,
    )


if __name__ == "__main__":
    main()
