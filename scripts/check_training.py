"""Check that a `spacy train` run's model-best is a trained model.

    python scripts/check_training.py training/tag [--log training/tag/train-log.jsonl]

Reads the JSONL log of the evaluations (scripts/configure_training.py adds it
to the config) and fails (exit 1) when model-best was saved at update 0 while
training went on (model-last differs from model-best): then no evaluation
after the first update scored higher, usually because training ended before
the next evaluation, and model-best is an untrained model. Otherwise prints
which update model-best is from.
"""
import argparse
import filecmp
import json
import sys
from pathlib import Path
from typing import List, Tuple


def read_evaluations(log_path) -> List[Tuple[int, float]]:
    """(step, score) of every evaluation in a ConsoleLogger JSONL log."""
    evaluations = []
    for line in Path(log_path).read_text(encoding="utf8").splitlines():
        if line.strip():
            record = json.loads(line)
            evaluations.append((int(record["step"]), float(record["score"])))
    return evaluations


def best_step(evaluations: List[Tuple[int, float]]) -> int:
    """The update model-best is from: spacy train saves model-best at every
    evaluation that scores at least as high as all before, so the last of the
    top scores."""
    top = max(score for _, score in evaluations)
    return max(step for step, score in evaluations if score == top)


def same_model(dir1: Path, dir2: Path) -> bool:
    """Whether two saved pipelines hold the same files (meta.json aside)."""
    comparison = filecmp.dircmp(dir1, dir2, ignore=["meta.json"])

    def equal(cmp) -> bool:
        if cmp.left_only or cmp.right_only or cmp.funny_files:
            return False
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        if mismatch or errors:
            return False
        return all(equal(sub) for sub in cmp.subdirs.values())

    return equal(comparison)


def check(output_dir, log_path=None) -> str:
    """A summary line, or ValueError with the reason model-best is not usable."""
    output_dir = Path(output_dir)
    log_path = Path(log_path) if log_path else output_dir / "train-log.jsonl"
    if not log_path.exists():
        raise ValueError(f"{log_path} not found: no log of the evaluations to check model-best against.")
    evaluations = read_evaluations(log_path)
    if not evaluations:
        raise ValueError(f"{log_path} has no evaluations: training never evaluated, model-best is not trained.")
    step = best_step(evaluations)
    best, last = output_dir / "model-best", output_dir / "model-last"
    steps = [s for s, _ in evaluations]
    if step == 0 and not same_model(best, last):
        if len(evaluations) == 1:
            reason = (
                "training ended before its second evaluation (evaluated at update 0 only: "
                "training.eval_frequency is larger than the number of updates)"
            )
        else:
            reason = f"no later evaluation (updates {steps[1:]}) scored higher than update 0"
        raise ValueError(
            f"{best} is the model after the first update: {reason}. model-last went on training, but "
            "evaluate/report/package use model-best. Lower eval_frequency (project var eval_frequency, "
            "the most updates between evaluations) or train longer."
        )
    return (
        f"{best} is from update {step} (score {dict(evaluations)[step]:.4f}); "
        f"{len(evaluations)} evaluations at updates {steps[0]}..{steps[-1]}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output_dir", help="spacy train's --output directory")
    parser.add_argument("--log", help="the JSONL evaluation log (default OUTPUT_DIR/train-log.jsonl)")
    args = parser.parse_args(argv)
    try:
        print(check(args.output_dir, args.log))
    except ValueError as err:
        sys.exit(f"check_training: FAILED: {err}")


if __name__ == "__main__":
    main()
