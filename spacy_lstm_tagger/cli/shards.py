"""`spacy-lstm-tagger tag-shards`: tag corpora too big for one machine, one
Dask task per input shard.

    spacy-lstm-tagger tag-shards PIPELINE INPUTS... -o OUTPUT_DIR [--scheduler tcp://host:8786]

This module is the orchestration: it finds the shards and the outputs still to
write (shard_files.py), loads the pipeline on every worker, submits one
worker.tag_shard task per shard and collects the results. A worker reads a
shard as tag-conllu reads a file (inputs.py) and writes the same outputs
(tagging.py), each under a temporary name in the output directory, renamed
into place when complete, so an output that exists is complete. A rerun skips
the shards whose outputs all exist. A shard that cannot be read is reported by
name (and line) and does not stop the others.

Dask (`pip install "dask[distributed]"`, or the package's `distributed` extra)
is imported only when the command runs; the rest of the CLI works without it.
Workers, the scheduler and the client must see the pipeline, the inputs and the
output directory at the same paths (one machine, or a shared filesystem), and
workers need this package installed.
"""
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Union

import typer

from ._app import app
from ._util import fail
from .shard_files import find_shards, normalize_formats, plan_outputs
from .worker import preload_pipeline, tag_shard


@dataclass
class ShardsResult:
    """What tag_shards did. `failed` maps input path -> error message."""

    total: int = 0
    done: List[str] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)
    failed: Dict[str, str] = field(default_factory=dict)
    n_docs: int = 0
    n_tokens: int = 0
    seconds: float = 0.0  # wall time of the tagging, after the workers loaded the pipeline

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def tokens_per_second(self) -> float:
        return self.n_tokens / self.seconds if self.seconds > 0 else 0.0


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def tag_shards(
    pipeline_path: Union[str, Path],
    inputs: Union[str, Path, Iterable[Union[str, Path]]],
    output_dir: Union[str, Path],
    *,
    scheduler: Any = None,
    n_workers: int = 2,
    threads_per_worker: int = 1,
    formats: Union[str, Sequence[str]] = ("spacy",),
    batch_size: int = 256,
    n_sents: int = 10,
    paragraphs: bool = False,
    dashboard_address: Optional[str] = None,
    log: Optional[Callable[[str], None]] = _stderr,
) -> ShardsResult:
    """Tag every input shard with the pipeline on a Dask cluster, one task per
    shard, writing `<output_dir>/<shard name>.spacy` (a DocBin) and/or
    `.conllu`, per `formats`.

    inputs: directories (their .txt/.jsonl/.conllu/.conll files, optionally
        .gz), files or glob patterns, read as inputs.py says; n_sents and
        paragraphs as in tag-conllu.
    scheduler: None starts a LocalCluster of `n_workers` processes on this
        machine and closes it at the end; an address ("tcp://host:8786"), a
        scheduler file (.json) or a distributed.Client uses that cluster.
    threads_per_worker: torch threads per worker. A worker tags one shard at a
        time (a local worker gets one Dask thread), so a machine uses
        n_workers * threads_per_worker cores.
    Shards whose outputs all exist are skipped; an unreadable shard is
    recorded in result.failed and the others go on.
    """
    formats = normalize_formats(formats)
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
    if threads_per_worker < 1 or n_workers < 1:
        raise ValueError("n_workers and threads_per_worker must be at least 1.")
    if n_sents < 0:
        raise ValueError(f"n_sents must be 0 (no limit) or more, got {n_sents}.")
    _, _, as_completed = _import_dask()
    say = log or (lambda line: None)
    pipeline = Path(pipeline_path).expanduser().resolve()
    if scheduler is None and not (pipeline / "config.cfg").is_file():
        raise ValueError(f"{pipeline_path}: not a spaCy pipeline directory (no config.cfg).")
    out_dir = Path(output_dir).expanduser().resolve()
    shards = find_shards(inputs)
    inside = [s.path for s in shards if Path(s.path).parent == out_dir]
    if inside:
        raise ValueError(
            f"the output directory {out_dir} holds input shards ({Path(inside[0]).name}, ...); "
            "outputs there would be read as inputs by the next run: choose another one."
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = plan_outputs(shards, out_dir, formats)
    result = ShardsResult(total=len(shards), skipped=[shard.path for shard in plan.skipped])
    if result.skipped:
        say(f"{len(result.skipped)} of {len(shards)} shards already tagged in {out_dir}: skipped")
    if not plan.todo:
        say(summary(result))
        return result

    with _connect(scheduler, n_workers, dashboard_address) as client:
        workers = list(client.nthreads())
        say(f"Tagging {len(plan.todo)} shards with {pipeline} on {len(workers)} workers at {client.scheduler.address}")
        _preload(client, workers, str(pipeline), threads_per_worker)
        start = time.perf_counter()
        run_id = uuid.uuid4().hex[:8]
        futures = {
            client.submit(
                tag_shard, shard, str(pipeline), str(out_dir), missing, batch_size, threads_per_worker, n_sents,
                paragraphs, pure=False, key=f"tag-shard-{shard.name}-{run_id}",
            ): shard
            for shard, missing in plan.todo
        }
        try:
            for future in as_completed(list(futures)):
                shard = futures[future]
                error = future.exception()
                outcome = future.result() if error is None else {"ok": False, "error": f"{type(error).__name__}: {error}"}
                future.release()
                _record(result, shard.path, outcome, time.perf_counter() - start, say)
        except BaseException:
            client.cancel(list(futures))
            raise
        result.seconds = time.perf_counter() - start
    say(summary(result))
    return result


def _import_dask():
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ImportError(
            'tag-shards needs Dask distributed: pip install "dask[distributed]" '
            '(or pip install "spacy-lstm-tagger[distributed]").'
        ) from None
    return Client, LocalCluster, as_completed


@contextmanager
def _connect(scheduler: Any, n_workers: int, dashboard_address: Optional[str]):
    """A Dask client: of a new local cluster (closed at the end), or of the given one."""
    Client, LocalCluster, _ = _import_dask()
    if isinstance(scheduler, Client):
        yield scheduler
        return
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=dashboard_address,
            # The scheduler's HTTP server (health, metrics) starts even with
            # the dashboard off; a free port keeps it off 8787.
            scheduler_kwargs=None if dashboard_address else {"dashboard_address": ":0"},
        )
        client = Client(cluster)
    elif str(scheduler).endswith(".json") and Path(scheduler).is_file():
        client = Client(scheduler_file=str(scheduler))
    else:
        client = Client(str(scheduler))
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _preload(client, workers: List[str], pipeline: str, threads_per_worker: int) -> None:
    """Load the pipeline on every worker first: a bad pipeline fails here,
    once, and the timing is the tagging alone. Workers that join later load it
    with their first shard."""
    warm = [
        client.submit(preload_pipeline, pipeline, threads_per_worker, workers=[w], pure=False,
                      key=f"load-pipeline-{w}-{uuid.uuid4().hex[:8]}")
        for w in workers
    ]
    for worker, future in zip(workers, warm):
        try:
            future.result()
        except Exception as err:
            raise RuntimeError(f"cannot load the pipeline {pipeline} on worker {worker}: {err}") from err


def _record(result: ShardsResult, path: str, outcome: Dict[str, Any], elapsed: float, say) -> None:
    n_finished = len(result.skipped) + len(result.done) + len(result.failed) + 1
    head = f"[{n_finished}/{result.total}] {Path(path).name}"
    if outcome["ok"]:
        result.done.append(path)
        result.n_docs += outcome["docs"]
        result.n_tokens += outcome["tokens"]
        rate = result.n_tokens / elapsed if elapsed > 0 else 0.0
        say(f"{head}: {outcome['docs']:,} docs, {outcome['tokens']:,} tokens in {outcome['seconds']:.1f}s "
            f"| {rate:,.0f} tokens/s")
    else:
        result.failed[path] = outcome["error"]
        say(f"{head}: FAILED: {outcome['error']}")


def summary(result: ShardsResult) -> str:
    lines = [
        f"{len(result.done)} shards tagged, {len(result.skipped)} skipped, {len(result.failed)} failed, "
        f"of {result.total}: {result.n_tokens:,} tokens in {result.n_docs:,} docs, "
        f"{result.seconds:.1f}s, {result.tokens_per_second:,.0f} tokens/s"
    ]
    for path, error in sorted(result.failed.items()):
        lines.append(f"FAILED {path}: {error}")
    return "\n".join(lines)


@app.command("tag-shards")
def tag_shards_cli(
    pipeline: Path = typer.Argument(..., help="A saved pipeline with an lstm_tagger (nlp.to_disk / spacy train output)."),
    inputs: List[str] = typer.Argument(
        ..., help="Directories, files or glob patterns of .txt, .jsonl or .conllu/.conll shards (optionally .gz)."
    ),
    output_dir: Path = typer.Option(..., "--output", "-o", help="Where the tagged shards go (created if missing)."),
    scheduler: Optional[str] = typer.Option(
        None, "--scheduler", help="An existing Dask cluster (tcp://host:8786 or a scheduler file); default: a local one."
    ),
    n_workers: int = typer.Option(2, "--n-workers", "-w", help="Worker processes of the local cluster."),
    threads_per_worker: int = typer.Option(1, "--threads-per-worker", "-t", help="torch threads per worker."),
    formats: List[str] = typer.Option(["spacy"], "--format", "-f", help="spacy and/or conllu; repeat or comma-separate."),
    batch_size: int = typer.Option(256, "--batch-size", "-b", help="Docs per nlp.pipe batch."),
    n_sents: int = typer.Option(
        10, "--n-sents", "-n", "--conllu-sents-per-doc",
        help="CoNLL-U input: sentences per doc (0: no limit; a # newdoc comment always starts a doc).",
    ),
    paragraphs: bool = typer.Option(
        False, "--paragraphs", "-p", help="Text input: one doc per blank-line separated paragraph, not per line."
    ),
    dashboard: Optional[str] = typer.Option(None, "--dashboard", help="Dashboard address of the local cluster, e.g. :8787 (needs bokeh)."),
) -> None:
    """Tag shards of a corpus in parallel on Dask, resumably: one task per shard."""
    try:
        result = tag_shards(
            pipeline,
            inputs,
            output_dir,
            scheduler=scheduler,
            n_workers=n_workers,
            threads_per_worker=threads_per_worker,
            formats=formats,
            batch_size=batch_size,
            n_sents=n_sents,
            paragraphs=paragraphs,
            dashboard_address=dashboard,
        )
    except (ValueError, ImportError, RuntimeError, OSError) as err:
        fail(str(err))
    if result.failed:
        fail(f"{len(result.failed)} of {result.total} shards failed (listed above); a rerun retries them.")
