"""Issue 32 probe: a trained pipeline with its hashed feature rows that no training word uses set
to zero, the vector word dropout trains as "unknown" (an unseen word otherwise reads a row still at
its random initialization). The weights are otherwise the same; saved to OUT for ud_scores.py.
    python zero_unseen.py MODEL TRAIN_DOCS OUT [--columns word|all]
"""
import argparse
from collections import Counter

import spacy
import torch
from spacy.tokens import DocBin


def torch_module(pipe):
    for node in pipe.model.walk():
        if getattr(node, "shims", None):
            return node.shims[0]._model
    raise SystemExit("no torch module")


def featurizer(pipe):
    for node in pipe.model.walk():
        init = getattr(node, "init", None)
        found = getattr(init, "keywords", {}).get("featurizer") if init is not None else None
        if found is not None:
            return found
    raise SystemExit("no featurizer")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("train")
    parser.add_argument("out")
    parser.add_argument("--columns", default="word", choices=("word", "all"))
    args = parser.parse_args()
    nlp = spacy.load(args.model)
    pipe = nlp.get_pipe("lstm_tagger")
    module = torch_module(pipe)
    feats = featurizer(pipe)
    used = [set() for _ in feats.rows]
    texts = Counter()
    for doc in DocBin().from_disk(args.train).get_docs(nlp.vocab):
        texts.update(t.text for t in doc)
    for text in texts:
        for column, row in enumerate(feats.word_features(text)):
            used[column].add(row)
    columns = range(1) if args.columns == "word" else range(len(feats.rows))
    with torch.no_grad():
        for column in columns:
            table = module.embeddings[column].weight
            keep = torch.zeros(table.shape[0], dtype=torch.bool)
            keep[sorted(used[column])] = True
            print(f"column {column}: {int(keep.sum())} of {table.shape[0]} rows used in training; "
                  f"mean norm used {table[keep].norm(dim=1).mean():.2f}, unused {table[~keep].norm(dim=1).mean():.2f}")
            table[~keep] = 0.0
    nlp.to_disk(args.out)


if __name__ == "__main__":
    main()
