"""Reading the inputs of tag-conllu and tag-shards: one reader, one set of rules.

Suffixes (each optionally followed by .gz): .txt, .jsonl, .conllu and .conll.
Files are UTF-8 (a BOM is dropped); a byte that is not UTF-8, a line that is
not JSON or a malformed CoNLL-U line raises InputError naming the file and the
line. An input with nothing to tag (no text, no sentences) is an InputError
too, so a command writes no output for it.

Text (.txt, .jsonl): one doc per non-empty line (`paragraphs`: per blank-line
separated paragraph, its lines joined by a space), or per JSON object's "text"
string. Runs of whitespace (and leading and trailing whitespace) become one
space: spaCy would make tokens of them, which CoNLL-U cannot hold, and both
output formats then hold the same docs.

CoNLL-U (pre-tokenized): the words are the syntactic words of the file (FORM
column; multiword-token ranges and empty nodes are not words, a range's
SpaceAfter=No applies to its last word) and the sentences stay as they are.
Only FORM and SpaceAfter reach the pipeline, no gold annotation. A doc holds up
to `n_sents` sentences; a `# newdoc` comment starts a new doc; n_sents = 0: no
limit, so a doc is the whole file, or each `# newdoc` document. The file's
lines are kept (ConlluInput.lines) so that the output can replace columns in
them (see conllu_write.py).
"""
import gzip
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, List, Optional, Tuple, Union

# Input suffix -> kind. A trailing ".gz" is also accepted.
INPUT_SUFFIXES = {".txt": "txt", ".jsonl": "jsonl", ".conllu": "conllu", ".conll": "conllu"}
KINDS = ("txt", "jsonl", "conllu")
TEXT = "txt"


class InputError(ValueError):
    """An input that cannot be read: says which file, which line and what is wrong."""

    def __init__(self, path: Union[str, Path], detail: str, line: Optional[int] = None):
        self.path = str(path)
        self.line = line
        self.detail = f"line {line}: {detail}" if line else detail  # without the path
        super().__init__(f"{self.path}: {self.detail}")


def split_name(path: Union[str, Path]) -> Optional[Tuple[str, str]]:
    """(base name, kind) of a file name with a known suffix, else None:
    "a.conllu.gz" -> ("a", "conllu")."""
    name = Path(path).name
    if name.endswith(".gz"):
        name = name[: -len(".gz")]
    for suffix, kind in INPUT_SUFFIXES.items():
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], kind
    return None


def input_kind(path: Union[str, Path], fmt: str = "auto") -> str:
    """The kind to read `path` as: `fmt`, or with "auto" its suffix's kind
    (a file with another suffix is read as text)."""
    fmt = {"text": TEXT, "conll": "conllu"}.get(fmt, fmt)
    if fmt == "auto":
        split = split_name(path)
        return split[1] if split else TEXT
    if fmt not in KINDS:
        raise ValueError(f"input format must be auto, {', '.join(KINDS)}; got {fmt!r}.")
    return fmt


def input_name(path: Union[str, Path]) -> str:
    """The file name less its input suffixes: names outputs and sentence ids."""
    split = split_name(path)
    return split[0] if split else Path(path).name


def read_file(path: Union[str, Path]) -> str:
    """The text of a UTF-8 file, gunzipped if its name ends in .gz."""
    path = str(path)
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as err:  # gzip.BadGzipFile is an OSError
        raise InputError(path, f"cannot read: {err}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise InputError(path, f"not UTF-8 ({err.reason} at byte {err.start})", line) from None


def _normalize(text: str) -> str:
    return " ".join(text.split())


def read_txt(path: Union[str, Path], text: str, paragraphs: bool = False) -> List[str]:
    """One text per non-empty line, or per paragraph; whitespace normalized."""
    if paragraphs:
        chunks = [" ".join(part.split("\n")) for part in _paragraphs(text)]
    else:
        chunks = text.split("\n")
    texts = [_normalize(chunk) for chunk in chunks if chunk.strip()]
    if not texts:
        raise InputError(path, "the input is empty: no text to tag")
    return texts


def _paragraphs(text: str) -> Iterator[str]:
    current: List[str] = []
    for line in text.split("\n"):
        if line.strip():
            current.append(line)
        elif current:
            yield "\n".join(current)
            current = []
    if current:
        yield "\n".join(current)


def read_jsonl(path: Union[str, Path], text: str) -> List[str]:
    """One JSON object with a "text" string per non-empty line; whitespace normalized."""
    import srsly

    texts = []
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = srsly.json_loads(line)
        except ValueError as err:
            raise InputError(path, f"not JSON ({err})", n) from None
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            raise InputError(path, 'expected an object with a "text" string', n)
        texts.append(_normalize(obj["text"]))
    if not texts:
        raise InputError(path, "the input is empty: no JSON lines to tag")
    return texts


# CoNLL-U ------------------------------------------------------------------------


@dataclass
class Sentence:
    token_lines: List[int] = field(default_factory=list)  # indices into ConlluInput.lines: words, ranges, empty nodes
    word_lines: List[int] = field(default_factory=list)  # the syntactic words' lines alone
    words: List[str] = field(default_factory=list)
    spaces: List[bool] = field(default_factory=list)
    newdoc: bool = False
    first_line: int = 0  # 1-based, for messages


@dataclass
class ConlluInput:
    """A CoNLL-U file read for tagging: its lines (line endings dropped), its
    sentences' words, and the sentences of each doc."""

    lines: List[str]
    sentences: List[Sentence]
    groups: List[List[int]]  # indices into sentences, one list per doc

    def docs(self, vocab) -> Iterator:
        from spacy.tokens import Doc

        for group in self.groups:
            sents = [self.sentences[i] for i in group]
            yield Doc(
                vocab,
                words=[w for s in sents for w in s.words],
                spaces=[sp for s in sents for sp in s.spaces],
                sent_starts=[i == 0 for s in sents for i in range(len(s.words))],
            )


def read_conllu(path: Union[str, Path], text: str, n_sents: int = 10) -> ConlluInput:
    """Parse and check a CoNLL-U text; docs of at most n_sents sentences
    (0: no limit), a `# newdoc` comment starting a new one."""
    if n_sents < 0:
        raise ValueError(f"n_sents must be 0 (no limit) or more, got {n_sents}.")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final newline ends the last line, it does not start one
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    sentences = _check_lines(path, lines)
    if not sentences:
        raise InputError(path, "the input is empty: no CoNLL-U sentences to tag")
    _read_words(path, lines, sentences)
    groups: List[List[int]] = []
    for i, sent in enumerate(sentences):
        if not groups or sent.newdoc or (n_sents and len(groups[-1]) >= n_sents):
            groups.append([])
        groups[-1].append(i)
    return ConlluInput(lines, sentences, groups)


def _check_lines(path, lines: List[str]) -> List[Sentence]:
    """The sentences (blocks with word lines), after checking every token line:
    10 columns, word ids 1, 2, ..., well-formed multiword ranges, a FORM."""
    sentences: List[Sentence] = []
    current: Optional[Sentence] = None
    newdoc = False
    range_end = 0
    n_words = 0
    for i, line in enumerate(lines):
        n = i + 1
        if not line.strip():
            if range_end:
                raise InputError(path, f"the sentence ends inside the multiword token ending at word {range_end}", n)
            current, n_words = None, 0
            continue
        if line.startswith("#"):
            if line.startswith("# newdoc"):
                newdoc = True
            continue
        cols = line.split("\t")
        if len(cols) != 10:
            raise InputError(path, f"expected 10 tab-separated columns, found {len(cols)}", n)
        id_ = cols[0]
        if current is None:
            current = Sentence(newdoc=newdoc, first_line=n)
            sentences.append(current)
            newdoc = False
        current.token_lines.append(i)
        if "." in id_:  # an empty node: not a word
            major, _, minor = id_.partition(".")
            if not (major.isdigit() and minor.isdigit()):
                raise InputError(path, f"bad empty node id {id_!r}", n)
            continue
        if "-" in id_:
            start, _, end = id_.partition("-")
            well_formed = start.isdigit() and end.isdigit() and int(start) == n_words + 1 and int(end) > int(start)
            if range_end or not well_formed:
                raise InputError(path, f"bad multiword token range {id_!r}", n)
            range_end = int(end)
            continue
        if not id_.isdigit() or int(id_) != n_words + 1:
            raise InputError(
                path,
                f"token id {id_!r} where {n_words + 1} was expected (sentence starting at line {current.first_line})",
                n,
            )
        if not cols[1]:
            raise InputError(path, "empty FORM", n)
        n_words += 1
        if range_end and n_words >= range_end:
            range_end = 0
        current.word_lines.append(i)
    if range_end:
        raise InputError(path, "the file ends inside a multiword token", len(lines))
    return [sent for sent in sentences if sent.word_lines]


def _read_words(path, lines: List[str], sentences: List[Sentence]) -> None:
    """Words and spaces of each sentence, read by spaCy's CoNLL-U converter.

    spacy.training.converters.conllu_to_docs reads the words, multiword tokens
    and SpaceAfter; what is left to us is the line-level bookkeeping the output
    needs (which line holds which word, see _check_lines). It is given the ID
    and FORM columns and SpaceAfter=No only, so that gold annotation (heads,
    features, NER in MISC), which the tagger does not read, cannot fail it.
    """
    from spacy.training.converters import conllu_to_docs

    def reduced(sent: Sentence) -> str:
        out = []
        for i in sent.token_lines:
            cols = lines[i].split("\t")
            if "." in cols[0]:
                continue
            misc = "SpaceAfter=No" if "SpaceAfter=No" in cols[9].split("|") else "_"
            out.append("\t".join([cols[0], cols[1]] + ["_"] * 7 + [misc]))
        return "\n".join(out)

    texts = [reduced(sent) for sent in sentences]
    try:
        docs = list(conllu_to_docs("\n\n".join(texts), n_sents=1, no_print=True))
    except Exception:
        # Find the sentence spaCy cannot read, to name its line.
        for sent, part in zip(sentences, texts):
            try:
                list(conllu_to_docs(part, n_sents=1, no_print=True))
            except Exception as err:
                raise InputError(path, f"spaCy cannot read this sentence: {err}", sent.first_line) from None
        raise
    if len(docs) != len(sentences):
        raise InputError(path, f"spaCy read {len(docs)} sentences where there are {len(sentences)}")
    for sent, doc in zip(sentences, docs):
        if len(doc) != len(sent.word_lines):
            raise InputError(
                path, f"spaCy read {len(doc)} words where there are {len(sent.word_lines)}", sent.first_line
            )
        sent.words = [t.text for t in doc]
        sent.spaces = [bool(t.whitespace_) for t in doc]


# One input, read ------------------------------------------------------------------


@dataclass
class Input:
    """An input read for tagging: `texts` (txt, jsonl) or `conllu`."""

    path: str
    kind: str
    name: str
    texts: Optional[List[str]] = None
    conllu: Optional[ConlluInput] = None

    def __len__(self) -> int:
        return len(self.texts) if self.texts is not None else len(self.conllu.groups)

    def pipe_inputs(self, vocab):
        """What nlp.pipe takes: the texts, or the CoNLL-U docs."""
        return iter(self.texts) if self.texts is not None else self.conllu.docs(vocab)


def read_input(
    path: Union[str, Path], kind: str = "auto", *, n_sents: int = 10, paragraphs: bool = False
) -> Input:
    """Read one input file as `kind` ("auto": by suffix). Raises InputError."""
    kind = input_kind(path, kind)
    text = read_file(path)
    source = Input(str(path), kind, input_name(path))
    if kind == "conllu":
        source.conllu = read_conllu(path, text, n_sents)
    elif kind == "jsonl":
        source.texts = read_jsonl(path, text)
    else:
        source.texts = read_txt(path, text, paragraphs)
    return source
