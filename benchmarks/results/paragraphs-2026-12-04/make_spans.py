"""The "train on spans" route of issue 30, as a corpus step: a CoNLL-U file's
sentences grouped into docs of 2 to MAX consecutive sentences (sizes cycling
2, 3, ..., MAX), with their words, spaces, tags, POS, features and lemmas but
no sentence boundaries (no heads, no sentence starts). spaCy's corpus reader
with gold_preproc = true reads a doc without boundaries as one example, so the
LSTM trains on several sentences read as one sequence, as it reads a paragraph
that nothing has split. Put the output beside the usual one-sentence-per-doc
conversion in the training directory to train on both.

    python make_spans.py ug_udt-ud-train.conllu spans.spacy [--max 5]
"""
import argparse
from pathlib import Path

from spacy.tokens import Doc, DocBin
from spacy.training.converters import conllu_to_docs
from spacy.vocab import Vocab


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("conllu", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--max", type=int, default=5, help="the most sentences in one doc")
    args = parser.parse_args()
    sentences = [doc for doc in conllu_to_docs(args.conllu.read_text(encoding="utf8"), n_sents=1, no_print=True)]
    vocab = Vocab()
    out = DocBin(store_user_data=False)
    i, size, n_docs, n_words = 0, 2, 0, 0
    while i < len(sentences):
        group = sentences[i : i + size]
        tokens = [t for doc in group for t in doc]
        spaces = [bool(t.whitespace_) for t in tokens]
        # A space between sentences, as in running text.
        position = 0
        for doc in group:
            position += len(doc)
            spaces[position - 1] = spaces[position - 1] or position < len(tokens)
        out.add(
            Doc(
                vocab,
                words=[t.text for t in tokens],
                spaces=spaces,
                tags=[t.tag_ for t in tokens],
                pos=[t.pos_ for t in tokens],
                morphs=[str(t.morph) for t in tokens],
                lemmas=[t.lemma_ for t in tokens],
            )
        )
        n_docs += 1
        n_words += len(tokens)
        i += size
        size = size + 1 if size < args.max else 2
    out.to_disk(args.output)
    print(f"{args.output}: {n_docs} docs, {n_words} words, from {len(sentences)} sentences")


if __name__ == "__main__":
    main()
