"""What a tag-shards worker runs: the pipeline, loaded once per worker
process, and the task that tags one shard.

Module-level functions only, so that Dask pickles them by reference.
"""
import os
import threading
import time
from pathlib import Path
from typing import Any, Dict, Sequence, Tuple

from .inputs import InputError, read_input
from .shard_files import Shard, output_paths
from .tagging import tag_input

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


def tag_shard(
    shard: Shard,
    pipeline_path: str,
    output_dir: str,
    formats: Sequence[str],
    batch_size: int = 256,
    n_threads: int = 1,
    n_sents: int = 10,
    paragraphs: bool = False,
) -> Dict[str, Any]:
    """Tag one shard and write its outputs in `formats`. Returns a dict with
    "ok"; an unreadable input gives ok = False and the error (its line, not
    its path), not an exception."""
    start = time.perf_counter()
    result: Dict[str, Any] = {"path": shard.path, "ok": False, "docs": 0, "tokens": 0, "error": None}
    nlp, lock = get_pipeline(pipeline_path, n_threads)
    try:
        source = read_input(shard.path, shard.kind, n_sents=n_sents, paragraphs=paragraphs)
    except InputError as err:
        result["error"] = err.detail
        return result
    finals = output_paths(Path(output_dir), shard, formats)
    Path(output_dir).mkdir(parents=True, exist_ok=True)
    with lock:
        done = tag_input(nlp, source, finals, batch_size=batch_size)
    result.update(ok=True, docs=done.docs, tokens=done.tokens, seconds=time.perf_counter() - start)
    result["outputs"] = [str(p) for p in finals.values()]
    return result
