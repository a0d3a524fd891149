"""Dev means over seeds for the morning's arms of 2026-12-07 (issue 32 target 2: changes that cost
nothing at tagging or training time, on configs/default.cfg), each against the default's runs under
the same conditions (one torch thread each, two at a time), read from the ud_scores.py JSON files
named below (run from benchmarks/results/):

    python free-gains-2026-12-07/compare.py > free-gains-2026-12-07/compare.txt
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from compare_dev import compare  # noqa: E402 (benchmarks/results/compare_dev.py)

C = "free-gains-2026-12-07"
ARMS = {
    "label_smoothing = 0.1": "ls010",
    "loss weights tag 2, pos 2": "lw-tp2",
    "loss weight tag 2": "lw-t2",
    "L2 = 0.01 (weight decay)": "l2",
    "word_dropout = 0.1": "wd01",
    "word_dropout = 0.3": "wd03",
    "max_sentences = 1 (no paragraph examples)": "sent1",
    "step decay: 0.004 held, a tenth for the last third": "step004",
    "step decay: 0.002 held, a tenth for the last third": "step002",
    "the word layers as GRUs of 160 (probe branch)": "gru160",
}
RUNS = {
    "English-EWT v2.16, configs/default.cfg (residual layers, char_heads, 5,000 updates), one thread": {
        "default": [f"wider-input-2026-12-06/ewt-res5k-charheads-s{s}-dev.json" for s in range(2)],
        **{arm: [f"{C}/ewt-{name}-s{s}-dev.json" for s in range(3)] for arm, name in ARMS.items()},
    },
}

if __name__ == "__main__":
    compare(RUNS, base="default")
