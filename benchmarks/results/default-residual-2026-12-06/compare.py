"""Dev means over seeds for residual LSTM layers tried as configs/default.cfg
(2 x 192 for 5,300 or 7,500 updates, on the branch probe/default-residual-192,
not merged; 2 x 128 for 5,000) against the 2 x 128 default without them, on
EWT and on Uyghur-UDT v2.16 with configs/default.cfg itself (--nlp.lang xx:
issue 32's "no column lower on Uyghur"), read from the ud_scores.py JSON files
named below (run from benchmarks/results/):

    python default-residual-2026-12-06/compare.py > default-residual-2026-12-06/compare.txt
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from compare_dev import compare  # noqa: E402 (benchmarks/results/compare_dev.py)

B = "batch-residual-2026-12-06"
D = "default-residual-2026-12-06"

RUNS = {
    "English-EWT v2.16, configs/default.cfg": {
        "2 x 128, 7,500 updates": [f"lexicon-refined-2026-12-05/ewt-s{s}-refined-dev.json" for s in range(3)],
        # Seeds 0 and 1 with one torch thread, two trainings at once.
        "residual 2 x 192, 5,300 updates": [f"{B}/ewt-res-h192-5300-s{s}-dev.json" for s in range(2)],
        # Longer, for accurate.cfg (target 3): the default's 7,500 updates at 0.004.
        "residual 2 x 192, 7,500 updates": [f"{D}/ewt-res-h192-7500-s{s}-dev.json" for s in range(2)],
    },
    # The two main jobs of run.sh and run-previous.sh: seed 0, two threads, quiet, one after the other.
    "English-EWT v2.16, the main jobs of 2026-12-06": {
        "2 x 128, 7,500 updates": [f"{D}/ewt-mainjob-previous-default-dev.json"],
        "residual 2 x 192, 5,300 updates": [f"{D}/ewt-mainjob-dev.json"],
        # run-residual128.sh, after them: configs/default.cfg with lstm_residual for 5,000 updates.
        "residual 2 x 128, 5,000 updates": [f"{D}/ewt-res128-5000-2threads-dev.json"],
    },
    "Uyghur-UDT v2.16, configs/default.cfg": {
        "2 x 128, 7,500 updates": ["lexicon-refined-2026-12-05/ug216-s0-refined-dev.json", f"{D}/ug216-s1-dev.json"],
        "residual 2 x 192, 5,300 updates": [f"{B}/ug216-h192-5300-s0-dev.json", f"{D}/ug216-h192-5300-s1-dev.json"],
        "residual 2 x 128, 5,000 updates": [f"{D}/ug216-res128-5000-s{s}-dev.json" for s in range(2)],
    },
}


def main() -> None:
    compare(RUNS, base="2 x 128, 7,500 updates")


if __name__ == "__main__":
    main()
