"""Dev means over seeds for issue 32 target 3's candidate of 2026-12-06, late night
(configs/default.cfg with residual layers of 192, and with a tanh layer per head), against the default's runs under the same
conditions (one torch thread each, two at a time), read from the ud_scores.py JSON files named
below (run from benchmarks/results/):

    python accurate-2026-12-06/compare.py > accurate-2026-12-06/compare.txt
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from compare_dev import compare  # noqa: E402 (benchmarks/results/compare_dev.py)

RUNS = {
    "English-EWT v2.16, configs/default.cfg (residual layers, char_heads, 5,000 updates), one thread": {
        "default": [f"wider-input-2026-12-06/ewt-res5k-charheads-s{s}-dev.json" for s in range(2)],
        "hidden_width = 192": [f"accurate-2026-12-06/ewt-h192-s{s}-dev.json" for s in range(2)],
        "hidden_width = 192, head_tanh_layer = true": [f"accurate-2026-12-06/ewt-h192tanh-s{s}-dev.json" for s in range(2)],
    },
}

if __name__ == "__main__":
    compare(RUNS, base="default")
