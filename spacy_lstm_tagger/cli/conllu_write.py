"""Writing tagged CoNLL-U: the one writer of tag-conllu and tag-shards.

CoNLL-U input: the output is the input, line for line; only the columns the
pipeline predicts are replaced in the word lines. Comments, blank lines,
multiword-token and empty-node lines, and every other column pass through, so
the output lines up with the input for UD tooling. The columns:

- UPOS (token.pos) and XPOS (token.tag) are always replaced; a value the
  pipeline leaves empty (UPOS for an lstm_tagger with attr = "tag" and nothing
  mapping tags to pos) becomes "_".
- FEATS (token.morph) and LEMMA (token.lemma_) are replaced only if a
  pipeline component assigns them (an lstm_tagger with a morph or lemma head,
  or a component that declares "token.morph" or "token.lemma" in
  nlp.get_pipe_meta(name).assigns); otherwise the input's features and lemmas
  pass through unchanged.

Text input: the CoNLL-U is written from the docs: one block per sentence (the
whole doc if the pipeline sets no sentence boundaries), `# newdoc id = NAME-N`
before each doc's first sentence, `# sent_id = NAME-N-M`, `# text = ...`,
and the columns the doc has annotation for, "_" for the others.

spaCy reads CoNLL-U (`spacy convert`) but has no writer; the spacy-conll
package has one, but it is a pipeline component with its own dependencies
(pandas, and spaCy-version pins) for a job of a few lines, so we keep our own.
"""
from typing import Callable, Iterable, Iterator, List, Tuple, Union

from spacy.tokens import Doc, Span, Token

from ..attributes import ATTRIBUTES
from .inputs import ConlluInput

COLUMNS = ("ID", "FORM", "LEMMA", "UPOS", "XPOS", "FEATS", "HEAD", "DEPREL", "DEPS", "MISC")
HEAD, DEPREL, MISC = COLUMNS.index("HEAD"), COLUMNS.index("DEPREL"), COLUMNS.index("MISC")


def _field(value: str) -> str:
    # CoNLL-U has no empty fields and no tabs or newlines inside one.
    value = value.replace("\t", " ").replace("\n", " ").replace("\r", " ")
    return value if value.strip() else "_"


# Per predictable attribute, in column order (attributes.py): (column, what a
# component declares in `assigns`, the token's value, replaced even when no
# component declares it).
PREDICTED_COLUMNS: List[Tuple[int, str, Callable[[Token], str], bool]] = sorted(
    (COLUMNS.index(spec.ud_column), f"token.{spec.name}", spec.conllu_value, spec.conllu_always_written)
    for spec in ATTRIBUTES.values()
)


def pipeline_assigns(nlp) -> set:
    """Every attribute the pipeline's components assign: what an lstm_tagger
    predicts (its heads, `predicted_attrs`), what any other component declares."""
    assigned = set()
    for name, pipe in nlp.pipeline:
        predicted = getattr(pipe, "predicted_attrs", None)
        if predicted is not None:
            assigned.update(f"token.{attr}" for attr in predicted)
        else:
            assigned.update(nlp.get_pipe_meta(name).assigns)
    return assigned


class ColumnWriter:
    """Puts a tagged token's predictions into the columns of its CoNLL-U line."""

    def __init__(self, nlp):
        assigned = pipeline_assigns(nlp)
        self.columns = [(col, value) for col, attr, value, always in PREDICTED_COLUMNS if always or attr in assigned]

    def line(self, line: str, token: Token) -> str:
        cols = line.split("\t")
        for col, value in self.columns:
            cols[col] = _field(value(token))
        return "\t".join(cols)


class ConlluRewriter:
    """The input's lines with the tagged docs' columns, one doc at a time, in order."""

    def __init__(self, source: ConlluInput, columns: ColumnWriter):
        self.source = source
        self.columns = columns
        self.next_line = 0  # the first input line not yet written
        self.next_doc = 0

    def chunk(self, doc: Doc) -> str:
        """The lines from the last chunk's end to the end of this doc's last sentence."""
        source = self.source
        group = source.groups[self.next_doc]
        self.next_doc += 1
        word_lines = [n for index in group for n in source.sentences[index].word_lines]
        if len(word_lines) != len(doc):
            raise ValueError(
                f"the pipeline changed the tokenization: {len(doc)} tokens for {len(word_lines)} words "
                f"(the doc starting at line {source.sentences[group[0]].first_line})."
            )
        replaced = dict(zip(word_lines, doc))
        last = source.sentences[group[-1]].token_lines[-1]
        lines = source.lines[self.next_line : last + 1]
        out = [
            self.columns.line(line, replaced[n]) if n in replaced else line
            for n, line in enumerate(lines, start=self.next_line)
        ]
        self.next_line = last + 1
        return "".join(line + "\n" for line in out)

    def tail(self) -> str:
        """The lines after the last sentence (its closing blank line, comments)."""
        lines = self.source.lines[self.next_line :]
        self.next_line = len(self.source.lines)
        return "".join(line + "\n" for line in lines)


class ConlluGenerator:
    """CoNLL-U written from each doc (text input)."""

    def __init__(self, name: str):
        self.name = name
        self.n = 0

    def chunk(self, doc: Doc) -> str:
        self.n += 1
        text = doc_to_conllu(doc, doc_id=f"{self.name}-{self.n}" if self.name else "", newdoc=True)
        return text + "\n" if text else ""

    def tail(self) -> str:
        return ""


def conllu_writer(nlp, source) -> Union[ConlluRewriter, ConlluGenerator]:
    """The writer for an inputs.Input: rewrites CoNLL-U input, generates for text."""
    if source.conllu is not None:
        return ConlluRewriter(source.conllu, ColumnWriter(nlp))
    return ConlluGenerator(source.name)


# From docs ---------------------------------------------------------------------


def _sentences(doc: Doc) -> List[Span]:
    if doc.has_annotation("SENT_START") or doc.has_annotation("DEP"):
        return list(doc.sents)
    return [doc[:]]


def doc_to_conllu(doc: Doc, doc_id: str = "", newdoc: bool = False) -> str:
    """One CoNLL-U block per sentence (the whole doc if it has no sentence
    boundaries). Columns spaCy has no annotation for are "_"."""
    blocks = []
    has_deps = doc.has_annotation("DEP")
    for i, sent in enumerate(_sentences(doc), start=1):
        if not len(sent):
            continue
        lines = []
        if newdoc and doc_id and not blocks:
            lines.append(f"# newdoc id = {doc_id}")
        if doc_id:
            lines.append(f"# sent_id = {doc_id}-{i}")
        lines.append(f"# text = {_field(sent.text)}")
        for token in sent:
            head = "_"
            deprel = "_"
            if has_deps and token.dep_:
                head = "0" if token.head.i == token.i else str(token.head.i - sent.start + 1)
                # spaCy's conllu converter reads UD's "root" as "ROOT".
                deprel = "root" if token.dep_ == "ROOT" else token.dep_
            cols = [str(token.i - sent.start + 1), _field(token.text)] + ["_"] * (len(COLUMNS) - 2)
            for col, _, value, _ in PREDICTED_COLUMNS:
                cols[col] = _field(value(token))
            if has_deps:
                cols[HEAD], cols[DEPREL] = head, deprel
            cols[MISC] = "_" if token.whitespace_ or token.i == sent.end - 1 else "SpaceAfter=No"
            lines.append("\t".join(cols))
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def docs_to_conllu(docs: Iterable[Doc], prefix: str = "doc") -> Iterator[str]:
    """CoNLL-U text per doc, each ending in the blank line that closes a sentence."""
    for n, doc in enumerate(docs, start=1):
        text = doc_to_conllu(doc, doc_id=f"{prefix}{n}" if prefix else "")
        if text:
            yield text + "\n"
