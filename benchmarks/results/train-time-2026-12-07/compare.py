"""Dev means over seeds for train-time-2026-12-07 (the 192-wide model, in float32 and with bfloat16
products, timed back to back with spaCy's tagger + morphologizer): on EWT the two-thread runs of
this folder against the default's two-thread quiet run of 2026-12-06; on Uyghur-UDT v2.16 the
bfloat16 arm's four seeds against the default's four (one torch thread each, two at a time), read
from the ud_scores.py JSON files named below (run from benchmarks/results/):

    python train-time-2026-12-07/compare.py > train-time-2026-12-07/compare.txt
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from compare_dev import compare  # noqa: E402 (benchmarks/results/compare_dev.py)

RUNS = {
    "English-EWT v2.16, configs/default.cfg, two threads, quiet": {
        "default": ["wider-input-2026-12-06/ewt-res5k-charheads-quiet-dev.json"],
        "hidden_width = 192": ["train-time-2026-12-07/ewt-h192-dev.json"],
        'hidden_width = 192, training_precision = "bfloat16"': [
            "train-time-2026-12-07/ewt-h192-bf16-dev.json", "train-time-2026-12-07/h192-bf16-s1-dev.json",
        ],
    },
    "Uyghur-UDT v2.16, configs/default.cfg, one thread": {
        "default": [f"wider-input-2026-12-06/ug216-res5k-charheads-s{s}-dev.json" for s in range(4)],
        'hidden_width = 192, training_precision = "bfloat16"': [
            f"train-time-2026-12-07/ug216-h192-bf16-s{s}-dev.json" for s in range(4)
        ],
    },
}

if __name__ == "__main__":
    compare(RUNS, base="default")
