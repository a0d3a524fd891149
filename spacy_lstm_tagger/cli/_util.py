"""Small helpers the commands share."""
import contextlib
import sys
from typing import Iterable, Iterator, Optional, TypeVar

from ..corpus import unannotated_copy  # noqa: F401  (the commands' and benchmarks' import)

T = TypeVar("T")


def progress(iterable: Iterable[T], total: Optional[int] = None, show: bool = True, unit: str = "doc") -> Iterator[T]:
    """A progress bar over `iterable`, shown on a terminal only (tqdm's
    disable=None), so logs and tests stay clean."""
    from tqdm import tqdm

    bar = tqdm(total=total, unit=unit, desc="Tagging", disable=None if show else True, leave=False)
    try:
        for item in iterable:
            yield item
            bar.update(1)
    finally:
        bar.close()


def fail(message: str, to_stderr: bool = False) -> None:
    """Print an error and exit with status 1, as spaCy's CLI does (wasabi's
    msg.fail(..., exits=1)). to_stderr: when stdout carries the output."""
    from wasabi import msg

    with contextlib.redirect_stdout(sys.stderr) if to_stderr else contextlib.nullcontext():
        msg.fail(message, exits=1)
