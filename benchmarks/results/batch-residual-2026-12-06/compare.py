"""Dev means over seeds of the EWT runs in BENCHMARKS.md, "Smaller batches,
residual LSTM layers", and each arm's difference from the default's three
seeds, read from the ud_scores.py JSON files named below (run from
benchmarks/results/):

    python batch-residual-2026-12-06/compare.py > batch-residual-2026-12-06/compare.txt
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from compare_dev import compare  # noqa: E402 (benchmarks/results/compare_dev.py)

B = "batch-residual-2026-12-06"

RUNS = {
    "English-EWT v2.16, configs/default.cfg": {
        "default": [f"lexicon-refined-2026-12-05/ewt-s{s}-refined-dev.json" for s in range(3)],
        "batches of 500 words, 12,500 updates, rate 0.004": [f"{B}/ewt-w500-lr0.004-s0-dev.json"],
        "batches of 500 words, 12,500 updates, rate 0.003": [f"{B}/ewt-w500-lr0.003-s0-dev.json"],
        "lstm_residual = true": [f"{B}/ewt-res-s{s}-dev.json" for s in range(2)],
        "lstm_residual = true, 5,000 updates": [f"{B}/ewt-res5k-s{s}-dev.json" for s in range(2)],
        # The default's training time: 1.32x and 1.41x its update (update-cost-residual.json).
        "lstm_residual = true, depth = 3, 5,700 updates": [f"{B}/ewt-res-d3-5700-s{s}-dev.json" for s in range(2)],
        "lstm_residual = true, hidden_width = 192, 5,300 updates": [f"{B}/ewt-res-h192-5300-s{s}-dev.json" for s in range(2)],
    },
    # Seed 0 of each arm.
    "English-EWT v2.16, seed 0": {
        "default": ["lexicon-refined-2026-12-05/ewt-s0-refined-dev.json"],
        "batches of 500 words, 12,500 updates, rate 0.004": [f"{B}/ewt-w500-lr0.004-s0-dev.json"],
        "batches of 500 words, 12,500 updates, rate 0.003": [f"{B}/ewt-w500-lr0.003-s0-dev.json"],
        "lstm_residual = true": [f"{B}/ewt-res-s0-dev.json"],
        "lstm_residual = true, 5,000 updates": [f"{B}/ewt-res5k-s0-dev.json"],
        "lstm_residual = true, depth = 3, 5,700 updates": [f"{B}/ewt-res-d3-5700-s0-dev.json"],
        "lstm_residual = true, hidden_width = 192, 5,300 updates": [f"{B}/ewt-res-h192-5300-s0-dev.json"],
    },
    "Hungarian-Szeged UD 2.2, the size rule": {
        "default": ["morph-both-2026-12-05/hu22-both-w03-s0-dev.json", "feature-loss-weight-2026-12-06/hu22-both-w03-s1-dev.json"],
        "lstm_residual = true": [f"{B}/hu22-res-s{s}-dev.json" for s in range(2)],
    },
    "Uyghur-UDT v2.16, the size rule": {
        "default": ["morph-both-2026-12-05/ug216-auto-both-w03-s0-dev.json", "feature-loss-weight-2026-12-06/ug216-auto-both-w03-s1-dev.json"],
        "lstm_residual = true": [f"{B}/ug216-res-s{s}-dev.json" for s in range(2)],
    },
    # Target 2's check: configs/default.cfg itself on Uyghur (--nlp.lang xx), one seed each.
    "Uyghur-UDT v2.16, configs/default.cfg": {
        "default": ["lexicon-refined-2026-12-05/ug216-s0-refined-dev.json"],
        "lstm_residual = true, hidden_width = 192, 5,300 updates": [f"{B}/ug216-h192-5300-s0-dev.json"],
    },
}


def main() -> None:
    compare(RUNS, base="default")


if __name__ == "__main__":
    main()
