"""Dev means over seeds of EWT's default at dropout 0.4 (BENCHMARKS.md,
"Ablation on dev") and the difference from the default's three seeds, read
from the ud_scores.py JSON files named below (run from benchmarks/results/):

    python dropout-ewt-2026-12-06/compare.py > dropout-ewt-2026-12-06/compare.txt
"""
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parent
COLUMNS = ("tag_acc", "pos_acc", "morph_acc", "ufeats_acc", "conll18_lemma_acc")
# spaCy selects model-best on these four.
SELECTED = ("tag_acc", "pos_acc", "morph_acc", "lemma_acc")

RUNS = {
    "English-EWT v2.16, configs/default.cfg": {
        "without": [f"lexicon-refined-2026-12-05/ewt-s{s}-refined-dev.json" for s in range(3)],
        "dropout = 0.4": [f"dropout-ewt-2026-12-06/ewt-d04-s{s}-dev.json" for s in range(2)],
    },
}


def scores(path: str) -> dict:
    return json.loads((RESULTS / path).read_text())["scores"]


def main() -> None:
    for treebank, arms in RUNS.items():
        runs = {arm: [scores(p) for p in paths if (RESULTS / p).exists()] for arm, paths in arms.items()}
        print(f"{treebank}: " + " | ".join(COLUMNS) + " | mean of " + ", ".join(SELECTED))
        base = {c: sum(r[c] for r in runs["without"]) / len(runs["without"]) for c in (*COLUMNS, *SELECTED)}
        for arm, seeds in runs.items():
            if not seeds:
                print(f"  {arm}: not run")
                continue
            mean = {c: sum(r[c] for r in seeds) / len(seeds) for c in (*COLUMNS, *SELECTED)}
            per_seed = " / ".join(f"{sum(r[c] for c in SELECTED) / len(SELECTED):.3f}" for r in seeds)
            cells = [f"{mean[c]:.2f} ({mean[c] - base[c]:+.2f})" for c in COLUMNS]
            selected = sum(mean[c] for c in SELECTED) / len(SELECTED) - sum(base[c] for c in SELECTED) / len(SELECTED)
            print(f"  {arm} ({len(seeds)} seeds): " + " | ".join(cells) + f" | {selected:+.3f} (per seed {per_seed})")


if __name__ == "__main__":
    main()
