"""UD scores of any trained pipeline on a treebank's own words, scored alike
for lstm_tagger and spaCy's own components: XPOS, UPOS, FEATS (spaCy's
whole-string morph_acc), UFeats and LEMMA as the CoNLL 2018 script counts them
(ufeats_acc, conll18_lemma_acc), and spaCy's lemma_acc (a gold "_" not scored).
`spacy evaluate` gives the last three only for lstm_tagger, whose scorer adds
them; this script computes them with the same functions from the predicted
docs of whatever pipeline it is given.

    python benchmarks/ud_scores.py training/spacy3/hu/model-best training/hu/test --json hu-test.json
"""
import argparse
import sys

import spacy
from spacy.scorer import Scorer
from spacy.training import Corpus

from _environment import emit, environment
from paragraphs import git_commit
from spacy_lstm_tagger.attributes import conll18_lemma_acc, lemma_or_missing, morph_key, ufeats

# (key, attribute, getter) as spaCy's Scorer.score_token_attr takes them.
TOKEN_SCORES = (
    ("tag_acc", "tag", None),
    ("pos_acc", "pos", None),
    ("morph_acc", "morph", morph_key),
    ("ufeats_acc", "ufeats", ufeats),
    ("lemma_acc", "lemma", lemma_or_missing),
)


def ud_scores(nlp, docs_path) -> dict:
    # Gold words and sentences, as `spacy evaluate --gold-preproc` reads them.
    examples = list(Corpus(docs_path, gold_preproc=True)(nlp))
    for example, doc in zip(examples, nlp.pipe(example.predicted for example in examples)):
        example.predicted = doc
    scores = {}
    for key, attr, getter in TOKEN_SCORES:
        kwargs = {"getter": getter} if getter else {}
        value = Scorer.score_token_attr(examples, attr, **kwargs)[f"{attr}_acc"]
        if value is not None:
            scores[key] = round(100 * value, 2)
    lemma = conll18_lemma_acc(examples)
    if lemma is not None:
        scores["conll18_lemma_acc"] = round(100 * lemma, 2)
    return scores


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pipeline")
    parser.add_argument("docs", help=".spacy file or a directory of them")
    parser.add_argument("--json")
    args = parser.parse_args()
    nlp = spacy.load(args.pipeline)
    result = {
        **environment(),
        "command": " ".join(sys.argv),
        "commit": git_commit(),
        "pipeline": args.pipeline,
        "components": nlp.pipe_names,
        "docs": args.docs,
        "scores": ud_scores(nlp, args.docs),
    }
    emit(result, args.json)


if __name__ == "__main__":
    main()
