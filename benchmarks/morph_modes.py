"""FEATS three ways: morph_mode "bundle" (one classifier over whole bundles, as
spaCy's morphologizer), "features" (one classifier per UD feature, as Stanza
and UDPipe) and "bundle_and_features" (the bundle classifier decodes, the
per-feature ones train beside it, their loss weighed by the config's
feature_loss_weight), the same config and corpus otherwise.

For each mode: `spacy train` of the config (wall time measured), then
`spacy evaluate --gold-preproc` of its model-best on the test corpus. Prints
and writes (--json, default OUTPUT/morph_modes.json) morph_acc, tag_acc,
pos_acc on test, the dev score of model-best and the training seconds.

    python benchmarks/morph_modes.py --train corpus/xx-train.spacy \
        --dev corpus/xx-dev.spacy --test corpus/xx-test.spacy \
        --output training/morph-modes [--config configs/default.cfg] [--gpu-id 0] \
        [any further `spacy train` overrides, e.g. --training.max_steps 5]
"""
import argparse
import json
import sys
import time
from pathlib import Path

from _environment import emit, environment, run
from spacy.util import load_config

from spacy_lstm_tagger.morph import MORPH_MODES as MODES

SCORES = ("morph_acc", "tag_acc", "pos_acc")


def dev_score(model_dir):
    """model-best's dev score as spacy train selected it: the score_weights
    of its config applied to the dev scores in its meta.json."""
    performance = json.loads((model_dir / "meta.json").read_text()).get("performance", {})
    weights = load_config(model_dir / "config.cfg", interpolate=False)["training"]["score_weights"]
    scores = {name: performance.get(name) for name in weights}
    # A null weight (morph_per_feat: a dict of scores) counts for nothing.
    total = sum(weight * (scores[name] or 0.0) for name, weight in weights.items() if weight)
    return total, scores


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", required=True, help="training .spacy (converted UD treebank)")
    parser.add_argument("--dev", required=True)
    parser.add_argument("--test", required=True)
    parser.add_argument("--output", default="training/morph-modes")
    parser.add_argument("--config", default="configs/default.cfg")
    parser.add_argument("--gpu-id", type=int, default=-1)
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--json", help="result file (default OUTPUT/morph_modes.json)")
    args, overrides = parser.parse_known_args()

    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    results = {}
    for mode in args.modes:
        model_dir = output / mode
        command = [
            sys.executable, "-m", "spacy", "train", args.config, "--output", str(model_dir),
            "--paths.train", args.train, "--paths.dev", args.dev, "--gpu-id", str(args.gpu_id),
            "--components.lstm_tagger.morph_mode", mode, *overrides,
        ]
        if mode != "bundle_and_features":
            # feature_loss_weight weighs the feature heads beside a bundle
            # head; the other modes refuse any weight but 1, and a config
            # from project.yml's size rule, or an override, may set one.
            command += ["--components.lstm_tagger.feature_loss_weight", "1"]
        print(f"training {mode}: {' '.join(command[1:])}", file=sys.stderr, flush=True)
        start = time.perf_counter()
        run(command, output / f"{mode}.train.log")
        train_seconds = time.perf_counter() - start
        metrics_path = output / f"{mode}.test-metrics.json"
        run(
            [sys.executable, "-m", "spacy", "evaluate", str(model_dir / "model-best"), args.test,
             "--gold-preproc", "--gpu-id", str(args.gpu_id), "--output", str(metrics_path)],
            output / f"{mode}.evaluate.log",
        )
        metrics = json.loads(metrics_path.read_text())
        score, dev_scores = dev_score(model_dir / "model-best")
        results[mode] = {
            "test": {name: metrics.get(name) for name in SCORES},
            "dev_score": score,
            "dev_scores": dev_scores,
            "train_seconds": train_seconds,
        }
    emit(
        {
            **environment(args.gpu_id),
            "config": args.config,
            "overrides": overrides,
            "corpus": {"train": args.train, "dev": args.dev, "test": args.test},
            "results": results,
        },
        args.json or output / "morph_modes.json",
    )


if __name__ == "__main__":
    main()
