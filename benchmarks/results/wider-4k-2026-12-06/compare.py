"""Dev means over seeds for wider-4k-2026-12-06 (issue 32 target 2: the 192-wide model in 4,000
updates, or with bfloat16 products for the update), against the default's runs and the 192-wide
model's 5,000 under the same conditions (one torch thread each, two at a time), read from the
ud_scores.py JSON files named below (run from benchmarks/results/):

    python wider-4k-2026-12-06/compare.py > wider-4k-2026-12-06/compare.txt
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from compare_dev import compare  # noqa: E402 (benchmarks/results/compare_dev.py)

RUNS = {
    "English-EWT v2.16, configs/default.cfg (residual layers, char_heads, 5,000 updates), one thread": {
        "default": [f"wider-input-2026-12-06/ewt-res5k-charheads-s{s}-dev.json" for s in range(2)],
        "hidden_width = 192, 5,000 updates": [f"accurate-2026-12-06/ewt-h192-s{s}-dev.json" for s in range(2)],
        "hidden_width = 192, 4,000 updates": [f"wider-4k-2026-12-06/ewt-h192-4k-s{s}-dev.json" for s in range(2)],
        'hidden_width = 192, training_precision = "bfloat16"': [
            f"wider-4k-2026-12-06/ewt-h192-bf16-s{s}-dev.json" for s in range(2)
        ],
    },
}

if __name__ == "__main__":
    compare(RUNS, base="default")
