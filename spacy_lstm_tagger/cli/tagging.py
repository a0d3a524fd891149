"""Tagging one input and writing its outputs: what tag-conllu does, and what a
tag-shards worker does for each shard, so both write the same output for the
same input. Each output file is written atomically (see files.py)."""
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional, Union

from .conllu_write import conllu_writer
from .files import atomic_write
from .inputs import Input
from ._util import progress

# Output format -> file suffix.
OUTPUT_SUFFIXES = {"spacy": ".spacy", "conllu": ".conllu"}
STDOUT = "-"


@dataclass
class Tagged:
    docs: int = 0
    tokens: int = 0


def tag_input(
    nlp,
    source: Input,
    outputs: Dict[str, Union[str, Path]],
    *,
    batch_size: Optional[int] = None,
    show_progress: bool = False,
) -> Tagged:
    """Tag `source` with nlp.pipe and write `outputs` ({"spacy": path,
    "conllu": path or "-" for stdout}): a DocBin, and/or CoNLL-U (conllu_write.py)."""
    unknown = set(outputs) - set(OUTPUT_SUFFIXES)
    if unknown:
        raise ValueError(f"unknown output format {sorted(unknown)[0]!r}; choose from {', '.join(OUTPUT_SUFFIXES)}.")
    from spacy.tokens import DocBin

    done = Tagged()
    with ExitStack() as stack:
        conllu_file = writer = None
        if "conllu" in outputs:
            target = outputs["conllu"]
            conllu_file = sys.stdout if str(target) == STDOUT else stack.enter_context(atomic_write(target))
            writer = conllu_writer(nlp, source)
        doc_bin = DocBin(store_user_data=False) if "spacy" in outputs else None
        docs = nlp.pipe(source.pipe_inputs(nlp.vocab), batch_size=batch_size)
        for doc in progress(docs, len(source), show_progress):
            done.docs += 1
            done.tokens += len(doc)
            if doc_bin is not None:
                doc_bin.add(doc)
            if writer is not None:
                conllu_file.write(writer.chunk(doc))
        if writer is not None:
            conllu_file.write(writer.tail())
        if doc_bin is not None:
            with atomic_write(outputs["spacy"], binary=True) as f:
                f.write(doc_bin.to_bytes())
    return done
