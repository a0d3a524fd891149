"""`spacy-lstm-tagger tag-conllu`: tag one file, write CoNLL-U.

    spacy-lstm-tagger tag-conllu training/model-best input.txt output.conllu
    spacy-lstm-tagger tag-conllu training/model-best corpus/en_ewt-ud-test.conllu predicted.conllu

The input is read as inputs.py says (.txt, .jsonl, .conllu/.conll, optionally
gzipped; another suffix is read as text) and the CoNLL-U written as
conllu_write.py says: for CoNLL-U input, the input's lines with the predicted
columns replaced; for text, blocks written from the docs. tag-shards reads and
writes the same way, so both commands give the same output for a file.

The output is written to a temporary file in its directory and renamed when
complete: an input that turns out malformed leaves an existing output as it
was.
"""
from pathlib import Path
from typing import Optional, Union

import typer
from spacy import util

from ._app import app
from ._util import fail
from .inputs import InputError, read_input
from .tagging import STDOUT, Tagged, tag_input


def tag_file(
    pipeline: Union[str, Path],
    input_path: Union[str, Path],
    output_path: Union[str, Path],
    *,
    input_format: str = "auto",
    n_sents: int = 10,
    paragraphs: bool = False,
    batch_size: Optional[int] = None,
    progress: bool = True,
    nlp=None,
) -> Tagged:
    """Tag input_path and write CoNLL-U to output_path ("-": stdout). Raises
    InputError (naming the file and line) before writing anything if the
    input cannot be read."""
    source = read_input(input_path, input_format, n_sents=n_sents, paragraphs=paragraphs)
    if nlp is None:
        nlp = util.load_model(pipeline)
    return tag_input(nlp, source, {"conllu": output_path}, batch_size=batch_size, show_progress=progress)


@app.command("tag-conllu")
def tag_conllu_cli(
    pipeline: str = typer.Argument(..., help="Pipeline name or path (e.g. training/model-best)"),
    input_path: Path = typer.Argument(..., exists=True, dir_okay=False, help="A .txt, .jsonl or .conllu/.conll file (optionally .gz)"),
    output_path: str = typer.Argument(..., help="CoNLL-U file to write, or - for stdout"),
    input_format: str = typer.Option(
        "auto", "--format", "-f", help="auto (by suffix; other suffixes: txt), txt, jsonl or conllu"
    ),
    n_sents: int = typer.Option(
        10, "--n-sents", "-n", help="CoNLL-U input: sentences per doc (0: no limit; a # newdoc comment always starts a doc)"
    ),
    paragraphs: bool = typer.Option(
        False, "--paragraphs", "-p", help="Text input: one doc per blank-line separated paragraph, not per line"
    ),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", "-b", help="nlp.pipe batch size"),
    gpu_id: int = typer.Option(-1, "--gpu-id", "-g", help="GPU id, or -1 for CPU"),
) -> None:
    """Tag a text or CoNLL-U file with PIPELINE, writing CoNLL-U.

    Text (one doc per line, or per paragraph with --paragraphs) is tokenized
    by the pipeline. CoNLL-U keeps its lines: words, sentences, comments and
    the other columns stay, only UPOS and XPOS (and FEATS and LEMMA, if a
    component assigns token.morph or token.lemma) are replaced.
    """
    from spacy.cli._util import setup_gpu
    from wasabi import Printer

    to_stdout = output_path == STDOUT
    msg = Printer(no_print=to_stdout)  # keeps stdout clean CoNLL-U
    setup_gpu(gpu_id, silent=to_stdout)
    try:
        done = tag_file(
            pipeline,
            input_path,
            output_path,
            input_format=input_format,
            n_sents=n_sents,
            paragraphs=paragraphs,
            batch_size=batch_size,
        )
    except (InputError, ValueError, OSError) as err:
        fail(str(err), to_stderr=to_stdout)
    msg.good(f"Tagged {done.docs} docs, {done.tokens} tokens: wrote {output_path}")
