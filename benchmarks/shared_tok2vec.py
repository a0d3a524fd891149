"""A shared tok2vec against two trained apart (issue 33): accuracy and words/s.

Trains nothing. Loads three trained pipelines: SHARED (tok2vec + lstm_tagger +
parser, both listening to one tok2vec, trained together), TAGGER (tok2vec +
lstm_tagger) and PARSER (tok2vec + parser), each trained apart with the same
config and schedule. Scores each on the docs (spaCy's Scorer through
nlp.evaluate, gold words as `spacy evaluate --gold-preproc`), then tags the
same unannotated docs with nlp.pipe, the pipelines taking turns round by
round, and prints words/s: SHARED, each apart pipeline, and the two apart
pipelines run one after the other on the same docs ("apart, both": what a
user pays for the tagger's and the parser's annotations without sharing).

    python benchmarks/shared_tok2vec.py training/shared_tok2vec/model-best \\
        training/apart_lstm_tagger/model-best training/apart_parser/model-best \\
        --docs corpus/en_ewt-ud-dev.spacy --json shared-dev.json
"""
import argparse

import spacy
from _environment import emit, environment
from spacy.tokens import DocBin
from spacy.training import Corpus
from speed import tag_all

SCORES = ("tag_acc", "pos_acc", "morph_acc", "ufeats_acc", "lemma_acc", "dep_uas", "dep_las")


def accuracy(nlp, docs_path):
    examples = list(Corpus(docs_path, gold_preproc=True)(nlp))
    scores = nlp.evaluate(examples)
    return {key: round(100 * scores[key], 2) for key in SCORES if scores.get(key) is not None}


def seconds_to_tag(pipelines, gold, batch_size):
    """Seconds for the pipelines, one after the other, to tag fresh copies of gold."""
    return sum(tag_all(nlp, gold, batch_size)[1] for nlp in pipelines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("shared", help="tok2vec + lstm_tagger + parser, trained together")
    parser.add_argument("tagger", help="tok2vec + lstm_tagger, trained apart")
    parser.add_argument("parser", help="tok2vec + parser, trained apart")
    parser.add_argument("--docs", default="corpus/en_ewt-ud-dev.spacy")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (0: accuracy only)")
    parser.add_argument("--no-accuracy", action="store_true")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()

    paths = {"shared": args.shared, "tagger": args.tagger, "parser": args.parser}
    pipelines = {name: spacy.load(path) for name, path in paths.items()}
    scores = {} if args.no_accuracy else {name: accuracy(nlp, args.docs) for name, nlp in pipelines.items()}
    gold = list(DocBin().from_disk(args.docs).get_docs(pipelines["shared"].vocab))
    n_words = sum(len(doc) for doc in gold)
    runs = {
        "shared": [pipelines["shared"]],
        "apart, tagger": [pipelines["tagger"]],
        "apart, parser": [pipelines["parser"]],
        "apart, both": [pipelines["tagger"], pipelines["parser"]],
    }
    seconds = {name: 0.0 for name in runs}
    if args.rounds:
        for group in runs.values():  # warm-up: caches, allocators, lazy inits
            seconds_to_tag(group, gold[: 2 * args.batch_size], args.batch_size)
        for _ in range(args.rounds):
            for name, group in runs.items():
                seconds[name] += seconds_to_tag(group, gold, args.batch_size)
    wps = {name: args.rounds * n_words / total for name, total in seconds.items() if total}
    result = {
        **environment(),
        "docs": args.docs,
        "batch_size": args.batch_size,
        "rounds": args.rounds,
        "pipelines": paths,
        "words": n_words,
        "scores": scores,
        "words_per_second": wps,
        "shared_to_apart_both": wps["shared"] / wps["apart, both"] if wps else None,
    }
    for name, value in scores.items():
        print(f"{name:<8} " + "  ".join(f"{key} {score:.2f}" for key, score in value.items()))
    for name, value in wps.items():
        print(f"{name:<14} {value:>10,.0f} words/s")
    emit(result, args.json)


if __name__ == "__main__":
    main()
