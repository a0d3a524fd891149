"""Accuracy, side by side: lstm_tagger and spaCy's built-in tagger trained in one run.

Every step is spaCy's own CLI, so the figures are what a user gets:
1. `spacy train` for each config on the same train/dev corpus (wall time measured),
2. `spacy evaluate --gold-preproc` of each model-best on the test corpus (gold
   tokens and sentences, as UD results are reported),
3. benchmarks/speed.py: every trained pipeline tags the test docs, alternated in
   one process, words/s and the ratio to spaCy's tagger.
Prints a markdown table and writes everything to OUTPUT/accuracy.json.

    python benchmarks/accuracy.py --output training/benchmark [--upos] [--quick]
    python benchmarks/accuracy.py --output training/benchmark-joint --joint [--quick]
    python benchmarks/accuracy.py --output training/benchmark-recipe --recipe \
        [--reuse lstm_accurate=training/accurate-ewt/model,5400] [--nlp.lang xx ...]
    python benchmarks/accuracy.py --output training/benchmark-lemma --lemma [--reuse ...]

--upos also trains the default config on the UPOS column (attr = "pos").
--joint runs the joint comparison instead: spaCy's tagger + morphologizer
(configs/spacy_tagger_morphologizer.cfg, one tok2vec, two components) against
one lstm_tagger with three heads (configs/default.cfg with attr
["tag","pos","morph"]), both selected on equal weights of the three scores;
reports XPOS (tag_acc), UPOS (pos_acc) and FEATS (morph_acc) on test, training
time and CPU words/s.
--recipe compares the three shipped configs (default, fast, accurate; each
predicting XPOS, UPOS and FEATS) with spaCy's tagger + morphologizer, in the
joint table. --lemma compares the four-head default (XPOS, UPOS, FEATS, LEMMA) with spaCy's
tagger + morphologizer + trainable_lemmatizer
(configs/spacy_tagger_morphologizer_lemmatizer.cfg). LEMMA is scored the same
way for both pipelines (scorer.lemma_or_missing: a gold "_" on a form that is
not "_", UD's "no lemma given", is not scored, as in the CoNLL 2018
evaluation); spaCy's own lemma_acc, which counts those tokens as errors, is
kept beside it in accuracy.json as spacy_lemma_acc.
--reuse NAME=TRAINING_DIR,SECONDS takes a pipeline this run
would train from a `spacy train` output made earlier with the same config and
corpus (its model-best, and the training seconds measured then), so a
two-hour training can run in the background first; it is still evaluated and
timed here with the others.
Further arguments are `spacy train` overrides for every run (e.g. --nlp.lang xx).
--quick caps every training run at a few steps: checks the workflow, measures nothing.
"""
import argparse
import json
import sys
import time
from pathlib import Path

from _environment import environment, run

HERE = Path(__file__).resolve().parent
UPOS_OVERRIDES = [
    "--components.lstm_tagger.attr", "pos",
    "--training.score_weights.tag_acc", "0.0",
    "--training.score_weights.pos_acc", "1.0",
    "--training.score_weights.morph_acc", "0.0",
]
TAG_ONLY_OVERRIDES = [
    "--components.lstm_tagger.attr", "tag",
    "--training.score_weights.tag_acc", "1.0",
    "--training.score_weights.pos_acc", "0.0",
    "--training.score_weights.morph_acc", "0.0",
]
# Equal weights, as in configs/spacy_tagger_morphologizer.cfg.
JOINT_WEIGHTS = {"tag_acc": 0.33, "pos_acc": 0.33, "morph_acc": 0.34}
JOINT_OVERRIDES = [
    "--components.lstm_tagger.attr", '["tag","pos","morph"]',
    "--training.score_weights.tag_acc", "0.33",
    "--training.score_weights.pos_acc", "0.33",
    "--training.score_weights.morph_acc", "0.34",
]
# name -> (config, extra `spacy train` arguments, score key)
RUNS = {
    "spacy_tagger": ("configs/spacy_cnn_tagger.cfg", [], "tag_acc"),
    "lstm_default": ("configs/default.cfg", [], "tag_acc"),
    "lstm_fast": ("configs/fast.cfg", [], "tag_acc"),
}
JOINT_RUNS = {
    "spacy_tagger_morphologizer": ("configs/spacy_tagger_morphologizer.cfg", [], "tag_acc"),
    "lstm_joint": ("configs/default.cfg", JOINT_OVERRIDES, "tag_acc"),
    # The same config predicting XPOS alone: what the extra heads cost or gain.
    "lstm_tag_only": ("configs/default.cfg", TAG_ONLY_OVERRIDES, "tag_acc"),
}
RECIPE_RUNS = {
    "spacy_tagger_morphologizer": ("configs/spacy_tagger_morphologizer.cfg", [], "tag_acc"),
    "lstm_default": ("configs/default.cfg", [], "tag_acc"),
    "lstm_fast": ("configs/fast.cfg", [], "tag_acc"),
    "lstm_accurate": ("configs/accurate.cfg", [], "tag_acc"),
}
LEMMA_RUNS = {
    "spacy_tagger_morphologizer_lemmatizer": ("configs/spacy_tagger_morphologizer_lemmatizer.cfg", [], "tag_acc"),
    "lstm_default": ("configs/default.cfg", [], "tag_acc"),
}
LEMMA_WEIGHTS = {"tag_acc": 0.25, "pos_acc": 0.25, "morph_acc": 0.25, "lemma_acc": 0.25}
# The scores of the joint table: UD column -> spaCy's score.
JOINT_SCORES = {"XPOS": "tag_acc", "UPOS": "pos_acc", "FEATS": "morph_acc"}
LEMMA_SCORES = {**JOINT_SCORES, "LEMMA": "lemma_acc"}


def ud_lemma_acc(model_dir, test_path):
    """lemma_acc of a pipeline on the test set's own words, scored by
    spacy_lstm_tagger's scorer (a gold "_" is not scored) whatever the
    pipeline's lemmatizer: the same rule for both sides of the table."""
    import spacy
    from spacy.tokens import DocBin
    from spacy.training import Example

    from spacy_lstm_tagger.cli._util import unannotated_copy
    from spacy_lstm_tagger.scorer import score_lstm_tagger

    nlp = spacy.load(model_dir)
    golds = list(DocBin().from_disk(test_path).get_docs(nlp.vocab))
    examples = [Example(pred, gold) for pred, gold in zip(nlp.pipe(map(unannotated_copy, golds)), golds)]
    return score_lstm_tagger(examples, attrs=["lemma"])["lemma_acc"]


def best_dev_score(model_dir, key):
    meta = json.loads((Path(model_dir) / "meta.json").read_text())
    return meta.get("performance", {}).get(key)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", default="training/benchmark")
    parser.add_argument("--train", default="corpus/en_ewt-ud-train.spacy")
    parser.add_argument("--dev", default="corpus/en_ewt-ud-dev.spacy")
    parser.add_argument("--test", default="corpus/en_ewt-ud-test.spacy")
    parser.add_argument("--upos", action="store_true", help="also train the default config on UPOS")
    parser.add_argument("--joint", action="store_true", help="spaCy's tagger+morphologizer vs the joint lstm_tagger")
    parser.add_argument("--quick", action="store_true", help="a few steps per run: checks the workflow only")
    parser.add_argument("--recipe", action="store_true", help="spaCy's tagger+morphologizer vs default, fast, accurate")
    parser.add_argument("--lemma", action="store_true", help="spaCy's tagger+morphologizer+lemmatizer vs the default")
    parser.add_argument("--reuse", action="append", default=[], metavar="NAME=TRAINING_DIR,SECONDS")
    parser.add_argument("--only", nargs="*", help="run only these names (default: all)")
    args, overrides = parser.parse_known_args()
    reuse = {}
    for spec in args.reuse:
        name, _, rest = spec.partition("=")
        directory, _, seconds = rest.rpartition(",")
        reuse[name] = (Path(directory), float(seconds))
    joint = args.joint or args.recipe or args.lemma
    scores_shown = LEMMA_SCORES if args.lemma else JOINT_SCORES
    weights = LEMMA_WEIGHTS if args.lemma else JOINT_WEIGHTS

    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    if args.train == parser.get_default("train"):
        # The bundled corpus, converted as the main job converts it.
        run(["bash", str(HERE.parent / "scripts" / "convert_ewt.sh")], output / "convert.log")
    runs = dict(LEMMA_RUNS if args.lemma else RECIPE_RUNS if args.recipe else JOINT_RUNS if args.joint else RUNS)
    baseline = (
        "spacy_tagger_morphologizer_lemmatizer" if args.lemma else "spacy_tagger_morphologizer" if joint
        else "spacy_tagger"
    )
    if args.upos and not args.joint:
        runs["lstm_default_upos"] = ("configs/default.cfg", UPOS_OVERRIDES, "pos_acc")
    if args.only:
        runs = {name: runs[name] for name in args.only}
    results = {}
    for name, (config, extra, key) in runs.items():
        extra = [*extra, *overrides]
        if name in reuse:
            model_dir, train_seconds = reuse[name]
            print(f"reusing {name}: {model_dir}, trained in {train_seconds:,.0f} s", flush=True)
        else:
            model_dir = output / name
            command = [
                sys.executable, "-m", "spacy", "train", config, "--output", str(model_dir),
                "--paths.train", args.train, "--paths.dev", args.dev, *extra,
            ]
            if args.quick:
                command += ["--training.max_steps", "4", "--training.eval_frequency", "2"]
            print(f"training {name}: {' '.join(command[1:])}", flush=True)
            start = time.perf_counter()
            run(command, output / f"{name}.train.log")
            train_seconds = time.perf_counter() - start
        metrics_path = output / f"{name}.test-metrics.json"
        run(
            [sys.executable, "-m", "spacy", "evaluate", str(model_dir / "model-best"), args.test,
             "--gold-preproc", "--output", str(metrics_path)],
            output / f"{name}.evaluate.log",
        )
        metrics = json.loads(metrics_path.read_text())
        results[name] = {
            "config": config,
            "overrides": extra,
            "score": key,
            "test_acc": metrics[key],
            "dev_acc": best_dev_score(model_dir / "model-best", key),
            "train_seconds": train_seconds,
            "model": str(model_dir / "model-best"),
            "reused": name in reuse,
        }
        if args.lemma:
            results[name]["spacy_lemma_acc"] = metrics.get("lemma_acc")
            metrics["lemma_acc"] = ud_lemma_acc(model_dir / "model-best", args.test)
        if joint:
            results[name]["test_scores"] = {score: metrics.get(score) for score in scores_shown.values()}
            dev_scores = {score: best_dev_score(model_dir / "model-best", score) for score in weights}
            results[name]["dev_scores"] = dev_scores
            results[name]["dev_score"] = sum(weight * (dev_scores[score] or 0.0) for score, weight in weights.items())
            shown = ", ".join(
                f"{column} {100 * metrics[score]:.2f}%" if metrics.get(score) is not None else f"{column} -"
                for column, score in scores_shown.items()
            )
        else:
            shown = f"{key} {100 * metrics[key]:.2f}%"
        print(f"  test {shown}, trained in {train_seconds:,.0f} s", flush=True)

    speed = {}
    if baseline in results and len(results) > 1:
        speed_json = output / "speed.json"
        ours = [f"{name}={results[name]['model']}" for name in results if name != baseline]
        run(
            [sys.executable, str(HERE / "speed.py"), "--baseline", results[baseline]["model"],
             "--docs", args.test, "--json", str(speed_json)]
            + [arg for spec in ours for arg in ("--ours", spec)],
            output / "speed.log",
        )
        speed = json.loads(speed_json.read_text())
        for name, value in speed["words_per_second"].items():
            # speed.py calls its baseline "spacy_tagger".
            results[baseline if name == "spacy_tagger" else name]["words_per_second"] = value

    table = joint_table(results, baseline, scores_shown) if joint else accuracy_table(results)
    out = {**environment(), "quick": args.quick, "joint": args.joint, "recipe": args.recipe, "lemma": args.lemma, "overrides": overrides, "corpus": vars(args), "results": results,
           "speed": speed, "table": table}
    with open(output / "accuracy.json", "w") as f:
        json.dump(out, f, indent=2)
    print(table)


def joint_table(results, baseline, shown=JOINT_SCORES):
    """XPOS, UPOS and FEATS (and LEMMA) on test (gold tokens), training time and speed."""
    lines = [
        "| pipeline | config | " + " | ".join(f"{column} ({score})" for column, score in shown.items())
        + " | dev score (model-best, equal weights) | training wall time | CPU words/s | words/s vs " + baseline + " |",
        "|" + "---|" * (len(shown) + 6),
    ]
    base_wps = results.get(baseline, {}).get("words_per_second")
    for name, r in results.items():
        wps = r.get("words_per_second")
        ratio = f"{wps / base_wps:.2f}x" if wps and base_wps else "-"
        scores = " | ".join(
            f"{100 * r['test_scores'][score]:.2f}%" if r["test_scores"].get(score) is not None else "-"
            for score in shown.values()
        )
        dev = f"{100 * r['dev_score']:.2f}"
        lines.append(
            f"| {name} | `{r['config']}`{' ' + ' '.join(r['overrides']) if r['overrides'] else ''} | {scores} "
            f"| {dev} | {r['train_seconds']:,.0f} s | {f'{wps:,.0f}' if wps else '-'} | {ratio} |"
        )
    return "\n".join(lines)


def accuracy_table(results):
    lines = [
        "| pipeline | config | test accuracy (gold tokens) | dev accuracy (model-best) "
        "| training wall time | CPU words/s | words/s vs spacy_tagger |",
        "|---|---|---|---|---|---|---|",
    ]
    base_wps = results.get("spacy_tagger", {}).get("words_per_second")
    for name, r in results.items():
        wps = r.get("words_per_second")
        ratio = f"{wps / base_wps:.2f}x" if wps and base_wps else "-"
        dev = f"{100 * r['dev_acc']:.2f}%" if r["dev_acc"] is not None else "-"
        lines.append(
            f"| {name} | `{r['config']}`{' ' + ' '.join(r['overrides']) if r['overrides'] else ''} "
            f"| {r['score']} **{100 * r['test_acc']:.2f}%** | {dev} | {r['train_seconds']:,.0f} s "
            f"| {f'{wps:,.0f}' if wps else '-'} | {ratio} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
