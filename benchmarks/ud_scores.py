"""UD scores of any trained pipeline on a treebank's own words, scored alike
for lstm_tagger and spaCy's own components: XPOS, UPOS, FEATS (spaCy's
whole-string morph_acc), UFeats and LEMMA as the CoNLL 2018 script counts them
(ufeats_acc, conll18_lemma_acc), and spaCy's lemma_acc (a gold "_" not scored).
`spacy evaluate` gives the last three only for lstm_tagger, whose scorer adds
them; this script runs that scorer on the predicted docs of whatever pipeline
it is given.

    python benchmarks/ud_scores.py training/spacy3/hu/model-best training/hu/test --json hu-test.json
"""
import argparse
import sys

import spacy
from spacy.training import Corpus

from _environment import emit, environment, git_commit
from spacy_lstm_tagger.scorer import score_lstm_tagger

ATTRS = ("tag", "pos", "morph", "lemma")
SCORES = ("tag_acc", "pos_acc", "morph_acc", "ufeats_acc", "lemma_acc", "conll18_lemma_acc")


def ud_scores(nlp, docs_path) -> dict:
    # Gold words and sentences, as `spacy evaluate --gold-preproc` reads them.
    examples = list(Corpus(docs_path, gold_preproc=True)(nlp))
    for example, doc in zip(examples, nlp.pipe(example.predicted for example in examples)):
        example.predicted = doc
    # lstm_tagger's own scorer: it reads the docs, not the component, so it
    # scores spaCy's tagger, morphologizer and lemmatizer the same way.
    scores = score_lstm_tagger(examples, attrs=ATTRS)
    return {key: round(100 * scores[key], 2) for key in SCORES if scores.get(key) is not None}


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
