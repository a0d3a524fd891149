"""Docs to CoNLL-U text, so tagged output fits existing UD tooling.

spaCy reads CoNLL-U (`spacy convert`) but has no writer; the spacy-conll
package has one, but it is a pipeline component with its own dependencies
(pandas, and spaCy-version pins) for a job of a few lines, so we keep our own.
"""
from typing import Iterable, Iterator, List

from spacy.tokens import Doc, Span


def _field(value: str) -> str:
    # CoNLL-U has no empty fields and no tabs or newlines inside one.
    value = value.replace("\t", " ").replace("\n", " ").replace("\r", " ")
    return value if value.strip() else "_"


def _sentences(doc: Doc) -> List[Span]:
    if doc.has_annotation("SENT_START") or doc.has_annotation("DEP"):
        return list(doc.sents)
    return [doc[:]]


def doc_to_conllu(doc: Doc, doc_id: str = "") -> str:
    """One CoNLL-U block per sentence (the whole doc if it has no sentence
    boundaries). Columns spaCy has no annotation for are "_"."""
    blocks = []
    has_deps = doc.has_annotation("DEP")
    for i, sent in enumerate(_sentences(doc), start=1):
        if not len(sent):
            continue
        lines = []
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
            misc = "_" if token.whitespace_ or token.i == sent.end - 1 else "SpaceAfter=No"
            lines.append(
                "\t".join(
                    [
                        str(token.i - sent.start + 1),
                        _field(token.text),
                        _field(token.lemma_),
                        _field(token.pos_),
                        _field(token.tag_),
                        _field(str(token.morph)),
                        head,
                        deprel,
                        "_",
                        misc,
                    ]
                )
            )
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def docs_to_conllu(docs: Iterable[Doc], prefix: str = "doc") -> Iterator[str]:
    """CoNLL-U text per doc, each ending in the blank line that closes a sentence."""
    for n, doc in enumerate(docs, start=1):
        text = doc_to_conllu(doc, doc_id=f"{prefix}{n}" if prefix else "")
        if text:
            yield text + "\n"
