"""What the report reads: the pipeline's lstm_tagger and the attributes it
predicts, the gold docs of a corpus, and the pipeline's tagging of their
words."""
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple, Union

from spacy.tokens import Doc, DocBin
from spacy.training.corpus import walk_corpus

from ._util import progress as show_progress
from ._util import unannotated_copy


def find_attrs(nlp) -> Tuple[Optional[str], Tuple[str, ...]]:
    """The (component name, predicted attributes) of the pipeline's last
    lstm_tagger; (None, ()) without one."""
    from ..component import LSTMTaggerComponent

    found: Tuple[Optional[str], Tuple[str, ...]] = (None, ())
    for name, pipe in nlp.pipeline:
        if isinstance(pipe, LSTMTaggerComponent):
            found = (name, tuple(getattr(pipe, "predicted_attrs", (pipe.attr,))))
    return found


def read_docs(corpus_path: Union[str, Path], vocab) -> List[Doc]:
    """The docs of a .spacy file, or of every .spacy file under a directory."""
    paths = walk_corpus(corpus_path, ".spacy")
    if not paths:
        raise ValueError(f"No .spacy files found at {corpus_path}.")
    docs: List[Doc] = []
    for path in paths:
        docs.extend(DocBin().from_disk(path).get_docs(vocab))
    return docs


def tag_docs(nlp, docs: Sequence[Doc], *, batch_size: Optional[int] = None, progress: bool = True) -> Iterator[Doc]:
    """nlp.pipe over unannotated copies of docs, with a progress bar on a terminal."""
    copies = (unannotated_copy(doc) for doc in docs)
    yield from show_progress(nlp.pipe(copies, batch_size=batch_size), len(docs), progress)
