"""Tag corpora too big for one machine: one Dask task per input shard.

    spacy-lstm-tagger tag-shards PIPELINE INPUTS... -o OUTPUT_DIR [--scheduler tcp://host:8786]

Each worker process loads the pipeline once, tags its shards with nlp.pipe and
writes each output shard under a temporary name in the output directory, then
renames it into place, so an output that exists is complete. A rerun skips the
shards whose outputs all exist. A shard that cannot be read is reported by
name and does not stop the others.

Dask (`pip install "dask[distributed]"`, or the package's `distributed` extra)
is imported only when the command runs; the rest of the CLI works without it.
Workers, the scheduler and the client must see the pipeline, the inputs and the
output directory at the same paths (one machine, or a shared filesystem), and
workers need this package installed.
"""
import glob
import gzip
import os
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import typer

from . import app

# Input suffix -> reader kind. A trailing ".gz" is also accepted.
INPUT_SUFFIXES = {".txt": "txt", ".jsonl": "jsonl", ".conllu": "conllu"}
# Output format -> file suffix.
OUTPUT_SUFFIXES = {"spacy": ".spacy", "conllu": ".conllu"}
TEMP_SUFFIX = ".tmp"


class ShardInputError(ValueError):
    """An input shard that cannot be read: the shard fails, the run goes on."""


@dataclass(frozen=True)
class Shard:
    path: str  # absolute input path
    name: str  # output base name: the input file name less its suffixes
    kind: str  # "txt", "jsonl" or "conllu"


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


# Finding shards ---------------------------------------------------------------


def _split_suffix(path: Path) -> Optional[Tuple[str, str]]:
    """(output base name, kind) for a supported input file name, else None."""
    name = path.name
    if name.endswith(".gz"):
        name = name[: -len(".gz")]
    for suffix, kind in INPUT_SUFFIXES.items():
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], kind
    return None


def find_shards(inputs: Union[str, Path, Iterable[Union[str, Path]]]) -> List[Shard]:
    """Input shards from directories (their supported files, not recursive),
    files and glob patterns (`**` recurses), sorted by path."""
    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    found: Dict[str, Shard] = {}
    for item in inputs:
        item_path = Path(item).expanduser()
        if item_path.is_dir():
            candidates = [p for p in item_path.iterdir() if p.is_file()]
            candidates = [p for p in candidates if _split_suffix(p)]
            if not candidates:
                raise ValueError(f"{item}: no {'/'.join(INPUT_SUFFIXES)} files (optionally .gz) in this directory.")
        elif item_path.is_file():
            if not _split_suffix(item_path):
                raise ValueError(f"{item}: not a shard; input files end in {', '.join(INPUT_SUFFIXES)} (optionally .gz).")
            candidates = [item_path]
        else:
            candidates = [Path(p) for p in glob.glob(str(item_path), recursive=True)]
            candidates = [p for p in candidates if p.is_file() and _split_suffix(p)]
            if not candidates:
                raise ValueError(f"{item}: no such file or directory, and no shards match it as a pattern.")
        for path in candidates:
            path = path.resolve()
            base, kind = _split_suffix(path)
            found[str(path)] = Shard(str(path), base, kind)
    shards = sorted(found.values(), key=lambda s: s.path)
    by_name: Dict[str, List[str]] = {}
    for shard in shards:
        by_name.setdefault(shard.name, []).append(shard.path)
    clashes = {name: paths for name, paths in by_name.items() if len(paths) > 1}
    if clashes:
        listed = "; ".join(f"{name}: {', '.join(paths)}" for name, paths in sorted(clashes.items()))
        raise ValueError(f"input shards would write the same outputs (rename them): {listed}")
    return shards


def output_paths(output_dir: Path, shard: Shard, formats: Sequence[str]) -> Dict[str, Path]:
    return {fmt: output_dir / f"{shard.name}{OUTPUT_SUFFIXES[fmt]}" for fmt in formats}


def _normalize_formats(formats: Union[str, Sequence[str]]) -> Tuple[str, ...]:
    if isinstance(formats, str):
        formats = [formats]
    out: List[str] = []
    for item in formats:
        for fmt in str(item).split(","):
            fmt = fmt.strip().lower().lstrip(".")
            if not fmt:
                continue
            if fmt not in OUTPUT_SUFFIXES:
                raise ValueError(f"unknown output format {fmt!r}; choose from {', '.join(OUTPUT_SUFFIXES)}.")
            if fmt not in out:
                out.append(fmt)
    if not out:
        raise ValueError(f"no output format given; choose from {', '.join(OUTPUT_SUFFIXES)}.")
    return tuple(out)


# Reading shards (on the workers) ------------------------------------------------


def _read_text(path: str) -> str:
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as err:  # gzip.BadGzipFile is an OSError
        raise ShardInputError(f"cannot read: {err}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise ShardInputError(f"line {line}: not UTF-8 ({err.reason} at byte {err.start})") from None


def read_txt(text: str) -> List[str]:
    """One document per non-empty line."""
    return [line.rstrip("\r") for line in text.split("\n") if line.strip()]


def read_jsonl(text: str) -> List[str]:
    """One JSON object with a "text" string per non-empty line."""
    import srsly

    texts = []
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = srsly.json_loads(line)
        except ValueError as err:
            raise ShardInputError(f"line {n}: not JSON ({err})") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            raise ShardInputError(f'line {n}: expected an object with a "text" string')
        texts.append(obj["text"])
    return texts


def read_conllu(text: str) -> Iterator[Tuple[List[str], List[bool]]]:
    """(words, spaces) per sentence of a CoNLL-U text: the FORM column of the
    syntactic words (multiword-token ranges and empty nodes are skipped; a
    range's SpaceAfter applies to its last word). Annotation columns are not
    read, so the tagger predicts every tag. Raises ShardInputError on a
    malformed line."""
    words: List[str] = []
    spaces: List[bool] = []
    range_end = 0
    range_space = True
    first_line = 0
    for n, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            if words:
                yield words, spaces
            words, spaces, range_end = [], [], 0
            continue
        if line.startswith("#"):
            continue
        if not words:
            first_line = n
        cols = line.split("\t")
        if len(cols) != 10:
            raise ShardInputError(f"line {n}: expected 10 tab-separated columns, found {len(cols)}")
        id_, form, misc = cols[0], cols[1], cols[9]
        if "." in id_:  # empty node
            continue
        if "-" in id_:
            start, _, end = id_.partition("-")
            if not (start.isdigit() and end.isdigit() and int(start) == len(words) + 1 and int(end) > int(start)):
                raise ShardInputError(f"line {n}: bad multiword token range {id_!r}")
            range_end, range_space = int(end), "SpaceAfter=No" not in misc.split("|")
            continue
        if not id_.isdigit() or int(id_) != len(words) + 1:
            raise ShardInputError(
                f"line {n}: token id {id_!r} where {len(words) + 1} was expected "
                f"(sentence starting at line {first_line})"
            )
        if not form:
            raise ShardInputError(f"line {n}: empty FORM")
        words.append(form)
        if range_end and int(id_) < range_end:
            spaces.append(False)
        elif range_end and int(id_) == range_end:
            spaces.append(range_space)
            range_end = 0
        else:
            spaces.append("SpaceAfter=No" not in misc.split("|"))
    if range_end:
        raise ShardInputError(f"line {n}: the file ends inside a multiword token")
    if words:
        yield words, spaces


def conllu_docs(vocab, text: str, sents_per_doc: int = 10) -> List[Any]:
    """Docs of `sents_per_doc` sentences each (the grouping `spacy convert -n`
    uses), with the sentence boundaries set and no tags."""
    from spacy.tokens import Doc

    docs = []
    group: List[Tuple[List[str], List[bool]]] = []

    def flush():
        words = [w for sent_words, _ in group for w in sent_words]
        spaces = [s for _, sent_spaces in group for s in sent_spaces]
        starts = [i == 0 for sent_words, _ in group for i in range(len(sent_words))]
        docs.append(Doc(vocab, words=words, spaces=spaces, sent_starts=starts))
        group.clear()

    for sentence in read_conllu(text):
        group.append(sentence)
        if sents_per_doc > 0 and len(group) >= sents_per_doc:
            flush()
    if group:
        flush()
    return docs


# Work on the workers --------------------------------------------------------------
# Module-level functions only, so that Dask pickles them by reference.

_PIPELINES: Dict[Tuple[str, int], Tuple[Any, threading.Lock]] = {}
_LOAD_LOCK = threading.Lock()


def _set_torch_threads(n_threads: int) -> None:
    import torch

    if n_threads > 0 and torch.get_num_threads() != n_threads:
        torch.set_num_threads(n_threads)


def _pipeline_key(path: str) -> Tuple[str, int]:
    # The config's mtime is in the key so a long-lived worker picks up a
    # pipeline saved again at the same path.
    try:
        stamp = os.stat(os.path.join(path, "config.cfg")).st_mtime_ns
    except OSError:
        stamp = -1
    return path, stamp


def get_pipeline(path: str, n_threads: int = 1):
    """The pipeline at `path`, loaded once per worker process, and the lock
    that serializes its use (a worker given several threads runs one nlp.pipe
    at a time; torch uses the threads)."""
    _set_torch_threads(n_threads)
    key = _pipeline_key(path)
    entry = _PIPELINES.get(key)
    if entry is None:
        with _LOAD_LOCK:
            entry = _PIPELINES.get(key)
            if entry is None:
                import spacy

                import spacy_lstm_tagger  # noqa: F401  registers the factory without entry points

                for old in [k for k in _PIPELINES if k[0] == path]:
                    del _PIPELINES[old]
                entry = _PIPELINES[key] = (spacy.load(path), threading.Lock())
    return entry


def preload_pipeline(path: str, n_threads: int = 1) -> str:
    """Load the pipeline on a worker ahead of its first shard."""
    nlp, _ = get_pipeline(path, n_threads)
    return f"{len(nlp.pipe_names)} components"


def _write_bytes(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def tag_shard(
    shard: Shard,
    pipeline_path: str,
    output_dir: str,
    formats: Sequence[str],
    batch_size: int = 256,
    n_threads: int = 1,
    conllu_sents_per_doc: int = 10,
) -> Dict[str, Any]:
    """Tag one input shard and write the outputs in `formats`. Returns a dict
    with "ok"; an unreadable input gives ok = False and the error, not an
    exception. Runs on a worker."""
    from spacy.tokens import DocBin

    from ..conllu import doc_to_conllu

    start = time.perf_counter()
    result: Dict[str, Any] = {"path": shard.path, "ok": False, "docs": 0, "tokens": 0, "error": None}
    out_dir = Path(output_dir)
    finals = output_paths(out_dir, shard, formats)
    temps = {fmt: out_dir / f".{final.name}.{uuid.uuid4().hex}{TEMP_SUFFIX}" for fmt, final in finals.items()}
    nlp, lock = get_pipeline(pipeline_path, n_threads)
    try:
        text = _read_text(shard.path)
        if shard.kind == "txt":
            inputs: List[Any] = read_txt(text)
        elif shard.kind == "jsonl":
            inputs = read_jsonl(text)
        else:
            inputs = conllu_docs(nlp.vocab, text, conllu_sents_per_doc)
        del text
    except ShardInputError as err:
        result["error"] = str(err)
        return result
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        doc_bin = DocBin(store_user_data=False) if "spacy" in formats else None
        conllu_file = open(temps["conllu"], "w", encoding="utf8") if "conllu" in formats else None
        try:
            with lock:
                for n, doc in enumerate(nlp.pipe(inputs, batch_size=batch_size), start=1):
                    result["docs"] += 1
                    result["tokens"] += len(doc)
                    if doc_bin is not None:
                        doc_bin.add(doc)
                    if conllu_file is not None:
                        block = doc_to_conllu(doc, doc_id=f"{shard.name}-{n}")
                        if block:
                            conllu_file.write(block + "\n")
            if conllu_file is not None:
                conllu_file.flush()
                os.fsync(conllu_file.fileno())
        finally:
            if conllu_file is not None:
                conllu_file.close()
        if doc_bin is not None:
            _write_bytes(temps["spacy"], doc_bin.to_bytes())
        # Renames last: an output that exists is complete.
        for fmt in formats:
            os.replace(temps[fmt], finals[fmt])
    finally:
        for tmp in temps.values():
            if tmp.exists():
                tmp.unlink()
    result["ok"] = True
    result["seconds"] = time.perf_counter() - start
    result["outputs"] = [str(p) for p in finals.values()]
    return result


# The client ------------------------------------------------------------------------


def _import_dask():
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ImportError(
            'tag-shards needs Dask distributed: pip install "dask[distributed]" '
            '(or pip install "spacy-lstm-tagger[distributed]").'
        ) from None
    return Client, LocalCluster, as_completed


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _temp_target(name: str) -> Optional[str]:
    """The output a temp file name (".<output>.<hex>.tmp") was written for."""
    if not (name.startswith(".") and name.endswith(TEMP_SUFFIX)):
        return None
    target, _, token = name[1 : -len(TEMP_SUFFIX)].rpartition(".")
    if not target or not token or any(c not in "0123456789abcdef" for c in token):
        return None
    return target


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
    conllu_sents_per_doc: int = 10,
    dashboard_address: Optional[str] = None,
    log: Optional[Callable[[str], None]] = _stderr,
) -> ShardsResult:
    """Tag every input shard with the pipeline on a Dask cluster, one task per
    shard, writing `<output_dir>/<shard name>.spacy` (a DocBin) and/or
    `.conllu`, per `formats`.

    inputs: directories (their .txt/.jsonl/.conllu files, optionally .gz),
        files or glob patterns. .txt: a document per non-empty line; .jsonl: an
        object with a "text" field per line; .conllu: pre-tokenized, FORM
        column, sentences kept, `conllu_sents_per_doc` sentences per doc.
    scheduler: None starts a LocalCluster of `n_workers` processes on this
        machine and closes it at the end; an address ("tcp://host:8786"), a
        scheduler file (.json) or a distributed.Client uses that cluster.
    threads_per_worker: torch threads per worker. A worker tags one shard at a
        time (a local worker gets one Dask thread), so a machine uses
        n_workers * threads_per_worker cores.
    Shards whose outputs all exist are skipped; an unreadable shard is
    recorded in result.failed and the others go on.
    """
    Client, LocalCluster, as_completed = _import_dask()
    formats = _normalize_formats(formats)
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
    if threads_per_worker < 1 or n_workers < 1:
        raise ValueError("n_workers and threads_per_worker must be at least 1.")
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

    result = ShardsResult(total=len(shards))
    # One listing of the output directory, not a stat per output.
    existing = set(os.listdir(out_dir))
    todo: List[Tuple[Shard, Tuple[str, ...]]] = []
    expected = set()
    for shard in shards:
        finals = output_paths(out_dir, shard, formats)
        expected.update(path.name for path in finals.values())
        missing = tuple(fmt for fmt, path in finals.items() if path.name not in existing)
        if missing:
            todo.append((shard, missing))
        else:
            result.skipped.append(shard.path)
    # Temp files of a run that was killed: only renames complete an output,
    # so these are partial writes.
    for name in existing:
        if _temp_target(name) in expected:
            try:
                (out_dir / name).unlink()
            except FileNotFoundError:
                pass
    if result.skipped:
        say(f"{len(result.skipped)} of {len(shards)} shards already tagged in {out_dir}: skipped")
    if not todo:
        say(summary(result))
        return result
    # Biggest first, so a big shard does not start last and hold up the end.
    todo.sort(key=lambda item: -_size(item[0].path))

    cluster = None
    own_client = not isinstance(scheduler, Client)
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
    elif isinstance(scheduler, Client):
        client = scheduler
    elif str(scheduler).endswith(".json") and Path(scheduler).is_file():
        client = Client(scheduler_file=str(scheduler))
    else:
        client = Client(str(scheduler))
    futures = []
    try:
        workers = list(client.nthreads())
        say(f"Tagging {len(todo)} shards with {pipeline} on {len(workers)} workers at {client.scheduler.address}")
        # Load the pipeline on every worker first: a bad pipeline fails here,
        # once, and the timing below is the tagging alone. Workers that join
        # later load it with their first shard.
        warm = [
            client.submit(preload_pipeline, str(pipeline), threads_per_worker, workers=[w], pure=False,
                          key=f"load-pipeline-{w}-{uuid.uuid4().hex[:8]}")
            for w in workers
        ]
        for worker, future in zip(workers, warm):
            try:
                future.result()
            except Exception as err:
                raise RuntimeError(f"cannot load the pipeline {pipeline} on worker {worker}: {err}") from err
        start = time.perf_counter()
        run_id = uuid.uuid4().hex[:8]
        for shard, missing in todo:
            futures.append(
                client.submit(
                    tag_shard,
                    shard,
                    str(pipeline),
                    str(out_dir),
                    missing,
                    batch_size,
                    threads_per_worker,
                    conllu_sents_per_doc,
                    pure=False,
                    key=f"tag-shard-{shard.name}-{run_id}",
                )
            )
        by_key = {future.key: shard for future, (shard, _) in zip(futures, todo)}
        n_finished = len(result.skipped)
        for future in as_completed(futures):
            shard = by_key[future.key]
            n_finished += 1
            error = future.exception()
            if error is not None:
                outcome = {"ok": False, "error": f"{type(error).__name__}: {error}"}
            else:
                outcome = future.result()
            future.release()
            elapsed = time.perf_counter() - start
            if outcome["ok"]:
                result.done.append(shard.path)
                result.n_docs += outcome["docs"]
                result.n_tokens += outcome["tokens"]
                rate = result.n_tokens / elapsed if elapsed > 0 else 0.0
                say(
                    f"[{n_finished}/{len(shards)}] {Path(shard.path).name}: {outcome['docs']:,} docs, "
                    f"{outcome['tokens']:,} tokens in {outcome['seconds']:.1f}s | {rate:,.0f} tokens/s"
                )
            else:
                result.failed[shard.path] = outcome["error"]
                say(f"[{n_finished}/{len(shards)}] {Path(shard.path).name}: FAILED: {outcome['error']}")
        result.seconds = time.perf_counter() - start
    except BaseException:
        if futures:
            client.cancel(futures)
        raise
    finally:
        if own_client:
            client.close()
        if cluster is not None:
            cluster.close()
    say(summary(result))
    return result


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


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
        ..., help="Directories, files or glob patterns of .txt, .jsonl or .conllu shards (optionally .gz)."
    ),
    output_dir: Path = typer.Option(..., "--output", "-o", help="Where the tagged shards go (created if missing)."),
    scheduler: Optional[str] = typer.Option(
        None, "--scheduler", help="An existing Dask cluster (tcp://host:8786 or a scheduler file); default: a local one."
    ),
    n_workers: int = typer.Option(2, "--n-workers", "-w", help="Worker processes of the local cluster."),
    threads_per_worker: int = typer.Option(1, "--threads-per-worker", "-t", help="torch threads per worker."),
    formats: List[str] = typer.Option(["spacy"], "--format", "-f", help="spacy and/or conllu; repeat or comma-separate."),
    batch_size: int = typer.Option(256, "--batch-size", "-b", help="Docs per nlp.pipe batch."),
    conllu_sents_per_doc: int = typer.Option(10, "--conllu-sents-per-doc", help="Sentences per doc for .conllu inputs (0: one doc per file)."),
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
            conllu_sents_per_doc=conllu_sents_per_doc,
            dashboard_address=dashboard,
        )
    except (ValueError, ImportError, RuntimeError, OSError) as err:
        _stderr(f"error: {err}")
        raise typer.Exit(code=2)
    if result.failed:
        raise typer.Exit(code=1)
