"""Dev means over seeds for the arms of aux-syntax-2026-12-06 (issue 32 target 2: syntax as an
auxiliary task), each against the default's runs under the same conditions (one torch thread
each, two at a time), read from the ud_scores.py JSON files named below (run from
benchmarks/results/):

    python aux-syntax-2026-12-06/compare.py > aux-syntax-2026-12-06/compare.txt
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from compare_dev import compare  # noqa: E402 (benchmarks/results/compare_dev.py)

C = "aux-syntax-2026-12-06"
ARMS = {
    "a DEPREL head (weight 1)": "dep",
    "a DEPREL head, weight 0.3": "dep-w0.3",
    "a whole-tree head (weight 1)": "tree",
    "a whole-tree head, weight 0.3": "tree-w0.3",
}
RUNS = {
    "English-EWT v2.16, configs/default.cfg (residual layers, char_heads, 5,000 updates), one thread": {
        "default": [f"wider-input-2026-12-06/ewt-res5k-charheads-s{s}-dev.json" for s in range(2)],
        **{arm: [f"{C}/ewt-{name}-s{s}-dev.json" for s in range(2)] for arm, name in ARMS.items()},
    },
}

if __name__ == "__main__":
    compare(RUNS, base="default")
