"""`spacy-lstm-tagger tag-conllu`: tag raw text or a CoNLL-U file, write CoNLL-U.

    spacy-lstm-tagger tag-conllu training/model-best input.txt output.conllu
    spacy-lstm-tagger tag-conllu training/model-best corpus/en_ewt-ud-test.conllu predicted.conllu

Raw text: one doc per non-empty line (--paragraphs: per blank-line separated
paragraph), runs of whitespace collapsed to one space, tokenized by the
pipeline's tokenizer; one CoNLL-U sentence per doc unless the pipeline sets
sentence boundaries. Written with spacy_lstm_tagger.conllu.

CoNLL-U (pre-tokenized): read with spaCy's conllu converter, so the words are
the file's syntactic words and its sentences stay as they are; the pipeline
tags the words alone (no gold annotation reaches it), up to --n-sents sentences
per doc (a `# newdoc` comment starts a new doc), and the output is the input
with only the UPOS and XPOS columns replaced: comments, multiword-token and
empty-node lines, lemmas, features, trees and MISC pass through unchanged, so
the output lines up with the input line by line for UD tooling. A column the
pipeline does not predict (UPOS for attr = "tag" unless another component maps
tags to pos, XPOS for attr = "pos") becomes "_".
"""
import sys
from pathlib import Path
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import typer
from spacy import util
from spacy.tokens import Doc

from ..conllu import docs_to_conllu
from . import app

CONLLU_SUFFIXES = (".conllu", ".conll")


def _progress(iterable, total: Optional[int], progress: bool, unit: str):
    from tqdm import tqdm

    # disable=None: the bar only shows on a terminal.
    return tqdm(iterable, total=total, unit=unit, desc="Tagging", disable=None if progress else True, leave=False)


# Raw text ---------------------------------------------------------------------


def read_texts(path: Union[str, Path], paragraphs: bool = False) -> List[str]:
    """One text per non-empty line, or per blank-line separated paragraph,
    with runs of whitespace collapsed (spaCy would make tokens of them, which
    CoNLL-U cannot hold)."""
    text = Path(path).read_text(encoding="utf8")
    if paragraphs:
        chunks: List[str] = []
        current: List[str] = []
        for line in text.splitlines():
            if line.strip():
                current.append(line)
            elif current:
                chunks.append(" ".join(current))
                current = []
        if current:
            chunks.append(" ".join(current))
    else:
        chunks = text.splitlines()
    return [" ".join(chunk.split()) for chunk in chunks if chunk.strip()]


def tag_text(nlp, texts: Sequence[str], *, batch_size: Optional[int] = None, progress: bool = True) -> Iterator[str]:
    """CoNLL-U text for each tagged text."""
    docs = nlp.pipe(texts, batch_size=batch_size)
    yield from docs_to_conllu(_progress(docs, len(texts), progress, "doc"), prefix="doc")


# CoNLL-U ----------------------------------------------------------------------


def _is_word_line(line: str) -> bool:
    token_id = line.split("\t", 1)[0]
    return token_id.isdigit()


def _is_token_line(line: str) -> bool:
    return bool(line) and not line.startswith("#")


def read_conllu_blocks(text: str) -> List[List[str]]:
    """The file's sentence blocks (comment and token lines), as spaCy's
    converter splits them."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = []
    for block in text.strip().split("\n\n"):
        lines = [line for line in block.strip().split("\n") if line.strip()]
        if lines:
            blocks.append(lines)
    return blocks


def conllu_sentence_words(blocks: Sequence[List[str]]) -> List[Tuple[List[str], List[bool]]]:
    """(words, spaces) for every block with tokens, read by
    spacy.training.converters.conllu_to_docs (one doc per sentence)."""
    from spacy.training.converters import conllu_to_docs

    token_blocks = [block for block in blocks if any(_is_token_line(line) for line in block)]
    for n, block in enumerate(token_blocks, start=1):
        for line in block:
            if _is_token_line(line) and line.count("\t") != 9:
                raise ValueError(f"sentence {n}: not a CoNLL-U token line (10 tab-separated columns): {line!r}")
    data = "\n\n".join("\n".join(block) for block in token_blocks)
    sentences = [
        ([t.text for t in doc], [bool(t.whitespace_) for t in doc])
        for doc in conllu_to_docs(data, n_sents=1, no_print=True)
    ]
    if len(sentences) != len(token_blocks):
        raise ValueError(f"spaCy's converter read {len(sentences)} sentences from {len(token_blocks)} blocks.")
    for n, ((words, _), block) in enumerate(zip(sentences, token_blocks), start=1):
        n_words = sum(_is_word_line(line) for line in block if _is_token_line(line))
        if n_words != len(words):
            raise ValueError(f"sentence {n}: {n_words} word lines, but spaCy read {len(words)} words.")
    return sentences


def group_sentences(blocks: Sequence[List[str]], n_sents: int) -> List[List[int]]:
    """Indices of the blocks with tokens, grouped into docs of at most n_sents
    sentences; a `# newdoc` comment starts a new doc."""
    groups: List[List[int]] = []
    for i, block in enumerate(blocks):
        if not any(_is_token_line(line) for line in block):
            continue
        newdoc = any(line.startswith("# newdoc") for line in block)
        if not groups or newdoc or len(groups[-1]) >= max(n_sents, 1):
            groups.append([])
        groups[-1].append(i)
    return groups


def _replace_tags(block: List[str], tokens: Sequence) -> List[str]:
    out = []
    tokens = iter(tokens)
    for line in block:
        if _is_token_line(line) and _is_word_line(line):
            token = next(tokens)
            cols = line.split("\t")
            cols[3] = token.pos_ or "_"
            cols[4] = token.tag_ or "_"
            line = "\t".join(cols)
        out.append(line)
    return out


def tag_conllu(
    nlp, text: str, *, n_sents: int = 10, batch_size: Optional[int] = None, progress: bool = True
) -> Iterator[str]:
    """The CoNLL-U text with predicted UPOS and XPOS, one block (with its
    closing blank line) at a time."""
    blocks = read_conllu_blocks(text)
    sentences = dict(zip(
        [i for i, block in enumerate(blocks) if any(_is_token_line(line) for line in block)],
        conllu_sentence_words(blocks),
    ))
    groups = group_sentences(blocks, n_sents)

    def make_docs() -> Iterable[Doc]:
        for group in groups:
            words: List[str] = []
            spaces: List[bool] = []
            sent_starts: List[bool] = []
            for i in group:
                sent_words, sent_spaces = sentences[i]
                words.extend(sent_words)
                spaces.extend(sent_spaces)
                if sent_words:
                    sent_starts.extend([True] + [False] * (len(sent_words) - 1))
            yield Doc(nlp.vocab, words=words, spaces=spaces, sent_starts=sent_starts)

    tagged = iter(_progress(nlp.pipe(make_docs(), batch_size=batch_size), len(groups), progress, "doc"))
    group_of = {i: g for g, group in enumerate(groups) for i in group}
    doc: Optional[Doc] = None
    current = -1
    start = 0
    for i, block in enumerate(blocks):
        if i in group_of:
            if group_of[i] != current:
                doc = next(tagged)
                current = group_of[i]
                start = 0
            n_words = len(sentences[i][0])
            block = _replace_tags(block, doc[start : start + n_words])
            start += n_words
        yield "\n".join(block) + "\n\n"


# Command ----------------------------------------------------------------------


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
) -> int:
    """Tag input_path (raw text or CoNLL-U) and write CoNLL-U to output_path
    ("-": stdout). Returns the number of sentence blocks written."""
    input_path = Path(input_path)
    if input_format == "auto":
        input_format = "conllu" if input_path.suffix.lower() in CONLLU_SUFFIXES else "text"
    if input_format not in ("text", "conllu"):
        raise ValueError(f"input format must be auto, text or conllu, got {input_format!r}.")
    if nlp is None:
        nlp = util.load_model(pipeline)
    if input_format == "conllu":
        chunks = tag_conllu(
            nlp, input_path.read_text(encoding="utf8"), n_sents=n_sents, batch_size=batch_size, progress=progress
        )
    else:
        texts = read_texts(input_path, paragraphs=paragraphs)
        chunks = tag_text(nlp, texts, batch_size=batch_size, progress=progress)
    n_blocks = 0
    out = sys.stdout if str(output_path) == "-" else open(output_path, "w", encoding="utf8", newline="\n")
    try:
        for chunk in chunks:
            out.write(chunk)
            n_blocks += chunk.count("\n\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return n_blocks


@app.command("tag-conllu")
def tag_conllu_cli(
    pipeline: str = typer.Argument(..., help="Pipeline name or path (e.g. training/model-best)"),
    input_path: Path = typer.Argument(..., exists=True, dir_okay=False, help="Raw text file, or a .conllu file"),
    output_path: str = typer.Argument(..., help="CoNLL-U file to write, or - for stdout"),
    input_format: str = typer.Option(
        "auto", "--format", "-f", help="auto (.conllu/.conll: conllu, else text), text or conllu"
    ),
    n_sents: int = typer.Option(10, "--n-sents", "-n", help="CoNLL-U input: sentences per doc the tagger reads"),
    paragraphs: bool = typer.Option(
        False, "--paragraphs", "-p", help="Text input: one doc per blank-line separated paragraph, not per line"
    ),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", "-b", help="nlp.pipe batch size"),
    gpu_id: int = typer.Option(-1, "--gpu-id", "-g", help="GPU id, or -1 for CPU"),
) -> None:
    """Tag raw text or a CoNLL-U file with PIPELINE, writing CoNLL-U.

    INPUT is a text file (one doc per line, or per paragraph with
    --paragraphs; the pipeline tokenizes it) or a .conllu file (its words and
    sentences are kept and only the UPOS and XPOS columns are replaced).
    """
    from spacy.cli._util import setup_gpu
    from wasabi import Printer

    msg = Printer(no_print=output_path == "-")  # keeps stdout clean CoNLL-U
    setup_gpu(gpu_id, silent=output_path == "-")
    try:
        n_blocks = tag_file(
            pipeline,
            input_path,
            output_path,
            input_format=input_format,
            n_sents=n_sents,
            paragraphs=paragraphs,
            batch_size=batch_size,
        )
    except (ValueError, OSError) as err:
        typer.echo(f"Error: {err}", err=True)
        raise typer.Exit(1)
    msg.good(f"Wrote {n_blocks} sentences to {output_path}")
