"""Copies of EWT train and dev whose DEPREL is the whole tree as one label per word,
dependency parsing as sequence labelling (Strzyz, Vilares and Gomez-Rodriguez 2019, the
relative-PoS encoding): the relation, and where the head is as the how-many-th word of the
head's UPOS to the left (-) or right (+), clipped at 4 ("ROOT" for the root):
    python benchmarks/results/aux-syntax-2026-12-06/relabel.py corpus/en_ewt-ud-train.spacy OUT"""
import sys

import spacy
from spacy.tokens import DocBin

CLIP = 4


def tree_label(token):
    if token.head.i == token.i:
        return "ROOT"
    head, upos = token.head, token.head.pos_
    step = 1 if head.i > token.i else -1
    between = token.doc[min(token.i, head.i) + 1:max(token.i, head.i) + 1] if step > 0 else token.doc[head.i:token.i]
    k = sum(1 for t in between if t.pos_ == upos)
    return f"{token.dep_}|{step * min(k, CLIP):+d}{upos}"


def main(src, dst):
    nlp = spacy.blank("en")
    docs = list(DocBin().from_disk(src).get_docs(nlp.vocab))
    out = DocBin(store_user_data=False)
    for doc in docs:
        labels = [tree_label(t) for t in doc]
        for token, label in zip(doc, labels):
            token.dep_ = label
        out.add(doc)
    out.to_disk(dst)
    print(dst, len(docs), "docs", len({l for d in docs for l in (t.dep_ for t in d)}), "labels")


if __name__ == "__main__":
    main(*sys.argv[1:])
