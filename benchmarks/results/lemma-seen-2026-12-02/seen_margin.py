"""Lemma accuracy of a trained pipeline at several seen_lemma_margin values,
scored as `spacy evaluate --gold-preproc` scores (nlp.evaluate on the
corpus's gold words), with the lemma_acc of spacy_lstm_tagger's scorer.

    python seen_margin.py PIPELINE CORPUS.spacy OUT.json --margins 0 2 3 4 5
"""
import argparse
import json

import spacy
from spacy.training import Corpus


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("pipeline")
    parser.add_argument("corpus")
    parser.add_argument("output")
    parser.add_argument("--margins", type=float, nargs="+", required=True)
    args = parser.parse_args()
    results = {}
    for margin in args.margins:
        nlp = spacy.load(args.pipeline, config={"components": {"lstm_tagger": {"seen_lemma_margin": margin}}})
        examples = list(Corpus(args.corpus, gold_preproc=True)(nlp))
        scores = nlp.evaluate(examples)
        results[str(margin)] = {k: scores[k] for k in ("tag_acc", "pos_acc", "morph_acc", "lemma_acc")}
        print(margin, {k: round(100 * v, 2) for k, v in results[str(margin)].items()}, flush=True)
    with open(args.output, "w", encoding="utf8") as file:
        json.dump({"pipeline": args.pipeline, "corpus": args.corpus, "scores": results}, file, indent=2)


if __name__ == "__main__":
    main()
