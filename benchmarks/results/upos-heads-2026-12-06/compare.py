"""Dev means over seeds of the runs compared in BENCHMARKS.md, "Heads
conditioned on the predicted UPOS" (and EWT at dropout 0.4, "Ablation on
dev"), and each arm's difference from the set-up without the change, read from the ud_scores.py JSON files
named below (run from benchmarks/results/):

    python upos-heads-2026-12-06/compare.py > upos-heads-2026-12-06/compare.txt
"""
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parent
COLUMNS = ("tag_acc", "pos_acc", "morph_acc", "ufeats_acc", "conll18_lemma_acc")
# spaCy selects model-best on these four.
SELECTED = ("tag_acc", "pos_acc", "morph_acc", "lemma_acc")
U = "upos-heads-2026-12-06"
W = "feature-loss-weight-2026-12-06"
M = "morph-both-2026-12-05"

RUNS = {
    "English-EWT v2.16, configs/default.cfg": {
        "without": [f"lexicon-refined-2026-12-05/ewt-s{s}-refined-dev.json" for s in range(3)],
        'upos_heads = ["tag", "morph", "lemma"]': [f"{U}/ewt-all-s{s}-dev.json" for s in range(2)],
        'upos_heads = ["lemma"]': [f"{U}/ewt-lemma-s{s}-dev.json" for s in range(2)],
        # The same session's other EWT arm, filed in its own folder.
        "dropout = 0.4": [f"dropout-ewt-2026-12-06/ewt-d04-s{s}-dev.json" for s in range(2)],
    },
    "Hungarian-Szeged UD 2.2, the size rule": {
        "without": [f"{M}/hu22-both-w03-s0-dev.json", f"{W}/hu22-both-w03-s1-dev.json"],
        'upos_heads = ["tag", "morph", "lemma"]': [f"{U}/hu22-all-s0-dev.json"],
        'upos_heads = ["lemma"]': [f"{U}/hu22-lemma-s{s}-dev.json" for s in range(2)],
    },
    "Uyghur-UDT v2.16, the size rule": {
        "without": [f"{M}/ug216-auto-both-w03-s0-dev.json", f"{W}/ug216-auto-both-w03-s1-dev.json"],
        'upos_heads = ["tag", "morph", "lemma"]': [f"{U}/ug216-all-s0-dev.json"],
        'upos_heads = ["lemma"]': [f"{U}/ug216-lemma-s{s}-dev.json" for s in range(2)],
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
