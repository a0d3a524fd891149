"""Dev means over seeds for the night's arms of 2026-12-06 (issue 32 target 2: changes that cost
little or nothing at tagging time, on the new default), each against the new default's runs under
the same conditions (one torch thread each, two at a time), read from the ud_scores.py JSON files
named below (run from benchmarks/results/):

    python cheap-gains-2026-12-06/compare.py > cheap-gains-2026-12-06/compare.txt
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from compare_dev import compare  # noqa: E402 (benchmarks/results/compare_dev.py)

C = "cheap-gains-2026-12-06"
ARMS = {
    "dropout = 0.2": "drop02",
    "initial_rate = 0.006": "lr006",
    "word_rows = 200000": "rows200k",
    "max_steps = 6000": "steps6k",
    "word_width = 192": "word192",
    "hidden_width = 160": "h160",
    "char_filters = 128": "char128",
}
RUNS = {
    "English-EWT v2.16, configs/default.cfg (residual layers, char_heads, 5,000 updates), one thread": {
        "default": [f"wider-input-2026-12-06/ewt-res5k-charheads-s{s}-dev.json" for s in range(2)],
        **{arm: [f"{C}/ewt-{name}-s{s}-dev.json" for s in range(3)] for arm, name in ARMS.items()},
    },
}

if __name__ == "__main__":
    compare(RUNS, base="default")
