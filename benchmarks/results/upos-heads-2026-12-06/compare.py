"""Dev means over seeds of the runs compared in BENCHMARKS.md, "Heads
conditioned on the predicted UPOS" (and EWT at dropout 0.4, "Ablation on
dev"), and each arm's difference from the set-up without the change, read from the ud_scores.py JSON files
named below (run from benchmarks/results/):

    python upos-heads-2026-12-06/compare.py > upos-heads-2026-12-06/compare.txt
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from compare_dev import compare  # noqa: E402 (benchmarks/results/compare_dev.py)

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


def main() -> None:
    compare(RUNS, base="without")


if __name__ == "__main__":
    main()
