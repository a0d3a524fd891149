"""tag-shards' files: which input shards there are, where their outputs go,
and which of them a run still has to write."""
import glob
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple, Union

from .files import temp_target
from .inputs import INPUT_SUFFIXES, split_name
from .tagging import OUTPUT_SUFFIXES


@dataclass(frozen=True)
class Shard:
    path: str  # absolute input path
    name: str  # output base name: the input file name less its suffixes
    kind: str  # "txt", "jsonl" or "conllu"


def find_shards(inputs: Union[str, Path, Iterable[Union[str, Path]]]) -> List[Shard]:
    """Input shards from directories (their supported files, not recursive),
    files and glob patterns (`**` recurses), sorted by path."""
    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    suffixes = "/".join(INPUT_SUFFIXES)
    found: Dict[str, Shard] = {}
    for item in inputs:
        item_path = Path(item).expanduser()
        if item_path.is_dir():
            candidates = [p for p in item_path.iterdir() if p.is_file() and split_name(p)]
            if not candidates:
                raise ValueError(f"{item}: no {suffixes} files (optionally .gz) in this directory.")
        elif item_path.is_file():
            if not split_name(item_path):
                raise ValueError(f"{item}: not a shard; input files end in {suffixes} (optionally .gz).")
            candidates = [item_path]
        else:
            candidates = [Path(p) for p in glob.glob(str(item_path), recursive=True)]
            candidates = [p for p in candidates if p.is_file() and split_name(p)]
            if not candidates:
                raise ValueError(f"{item}: no such file or directory, and no shards match it as a pattern.")
        for path in candidates:
            path = path.resolve()
            base, kind = split_name(path)
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


def normalize_formats(formats: Union[str, Sequence[str]]) -> Tuple[str, ...]:
    """Output formats from "spacy,conllu" or ["spacy", "conllu"]."""
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


@dataclass
class Plan:
    todo: List[Tuple[Shard, Tuple[str, ...]]] = field(default_factory=list)  # shard, formats missing
    skipped: List[Shard] = field(default_factory=list)  # all outputs exist


def plan_outputs(shards: Sequence[Shard], output_dir: Path, formats: Sequence[str]) -> Plan:
    """The shards with outputs still to write (biggest first, so that a big
    shard does not start last and hold up the end) and those to skip. Removes
    the temp files of a killed run: only renames complete an output, so they
    are partial writes."""
    plan = Plan()
    existing = set(os.listdir(output_dir))  # one listing, not a stat per output
    expected = set()
    for shard in shards:
        finals = output_paths(output_dir, shard, formats)
        expected.update(path.name for path in finals.values())
        missing = tuple(fmt for fmt, path in finals.items() if path.name not in existing)
        if missing:
            plan.todo.append((shard, missing))
        else:
            plan.skipped.append(shard)
    for name in existing:
        if temp_target(name) in expected:
            try:
                (output_dir / name).unlink()
            except FileNotFoundError:
                pass
    plan.todo.sort(key=lambda item: -_size(item[0].path))
    return plan


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
