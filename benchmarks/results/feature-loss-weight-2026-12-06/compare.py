"""Dev means over seeds of the runs compared in BENCHMARKS.md, "The feature
heads' loss weighed 0.3", and each arm's difference from the bundle head
alone, read from the ud_scores.py JSON files named below (run from
benchmarks/results/):

    python feature-loss-weight-2026-12-06/compare.py > feature-loss-weight-2026-12-06/compare.txt
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from compare_dev import compare  # noqa: E402 (benchmarks/results/compare_dev.py)


RUNS = {
    "Hungarian-Szeged UD 2.2": {
        "bundle": ["lexicon-refined-2026-12-05/hu22-s0-refined-dev.json", "char-heads-2026-12-05/hu-charboth128-charmorphlemma-seed1-dev.json"],
        "weight 1": ["morph-both-2026-12-05/hu22-both-s0-dev.json", "morph-both-2026-12-05/hu22-both-s1-dev.json"],
        "weight 0.3": ["morph-both-2026-12-05/hu22-both-w03-s0-dev.json", "feature-loss-weight-2026-12-06/hu22-both-w03-s1-dev.json"],
        "weight 0.5, seed 0": ["feature-loss-weight-2026-12-06/hu22-both-w05-s0-dev.json"],
    },
    "Uyghur-UDT UD 2.2": {
        "bundle": ["lexicon-refined-2026-12-05/ug22-s0-refined-dev.json", "char-heads-2026-12-05/ug-charboth128-charmorphlemma-seed1-dev.json"],
        "weight 1": ["morph-both-2026-12-05/ug22-both-s0-dev.json", "morph-both-2026-12-05/ug22-both-s1-dev.json"],
        "weight 0.3": ["feature-loss-weight-2026-12-06/ug22-both-w03-s0-dev.json", "feature-loss-weight-2026-12-06/ug22-both-w03-s1-dev.json"],
    },
    "Uyghur-UDT v2.16": {
        "bundle": ["morph-both-2026-12-05/ug216-auto-bundle-s0-dev.json", "morph-both-2026-12-05/ug216-auto-bundle-s1-dev.json"],
        "weight 1": ["morph-both-2026-12-05/ug216-auto-both-s0-dev.json", "morph-both-2026-12-05/ug216-auto-both-s1-dev.json"],
        "weight 0.3": ["morph-both-2026-12-05/ug216-auto-both-w03-s0-dev.json", "feature-loss-weight-2026-12-06/ug216-auto-both-w03-s1-dev.json"],
        "weight 0.5, seed 0": ["feature-loss-weight-2026-12-06/ug216-auto-both-w05-s0-dev.json"],
    },
    # Seed 0 of each arm, beside the one-seed weight 0.5.
    "Hungarian-Szeged UD 2.2, seed 0": {
        "bundle": ["lexicon-refined-2026-12-05/hu22-s0-refined-dev.json"],
        "weight 1": ["morph-both-2026-12-05/hu22-both-s0-dev.json"],
        "weight 0.3": ["morph-both-2026-12-05/hu22-both-w03-s0-dev.json"],
        "weight 0.5": ["feature-loss-weight-2026-12-06/hu22-both-w05-s0-dev.json"],
    },
    "Uyghur-UDT v2.16, seed 0": {
        "bundle": ["morph-both-2026-12-05/ug216-auto-bundle-s0-dev.json"],
        "weight 1": ["morph-both-2026-12-05/ug216-auto-both-s0-dev.json"],
        "weight 0.3": ["morph-both-2026-12-05/ug216-auto-both-w03-s0-dev.json"],
        "weight 0.5": ["feature-loss-weight-2026-12-06/ug216-auto-both-w05-s0-dev.json"],
    },
    "English-EWT v2.16": {
        "bundle": [f"lexicon-refined-2026-12-05/ewt-s{s}-refined-dev.json" for s in range(3)],
        "weight 1": ["morph-both-2026-12-05/ewt-both-s0-dev.json", "morph-both-2026-12-05/ewt-both-s1-dev.json"],
        "weight 0.3": ["feature-loss-weight-2026-12-06/ewt-both-w03-s0-dev.json", "feature-loss-weight-2026-12-06/ewt-both-w03-s1-dev.json"],
    },
}


def main() -> None:
    compare(RUNS, base="bundle")


if __name__ == "__main__":
    main()
