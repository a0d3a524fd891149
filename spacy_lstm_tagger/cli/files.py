"""Atomic output files: written under a temporary name in the output's
directory, renamed into place when complete, removed on failure. So an output
that exists is complete, and a failed run leaves what was there before.

Temporary names are ".<output name>.<hex>.tmp"; temp_target() recognizes them,
so that tag-shards can remove those of a run that was killed.
"""
import os
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator, Optional, Union

TEMP_SUFFIX = ".tmp"


def temp_path(final: Path) -> Path:
    return final.parent / f".{final.name}.{uuid.uuid4().hex}{TEMP_SUFFIX}"


def temp_target(name: str) -> Optional[str]:
    """The output a temp file name (".<output>.<hex>.tmp") was written for."""
    if not (name.startswith(".") and name.endswith(TEMP_SUFFIX)):
        return None
    target, _, token = name[1 : -len(TEMP_SUFFIX)].rpartition(".")
    if not target or not token or any(c not in "0123456789abcdef" for c in token):
        return None
    return target


@contextmanager
def atomic_write(path: Union[str, Path], binary: bool = False) -> Iterator[IO]:
    """A file to write `path`'s content to: renamed to `path` (after an fsync)
    when the block ends, deleted if it raises."""
    final = Path(path)
    tmp = temp_path(final)
    f = open(tmp, "wb") if binary else open(tmp, "w", encoding="utf8", newline="\n")
    try:
        try:
            yield f
            f.flush()
            os.fsync(f.fileno())
        finally:
            f.close()
        os.replace(tmp, final)
    finally:
        if tmp.exists():
            tmp.unlink()
