"""Dev means over seeds for issue 32's afternoon runs of 2026-12-06 (BENCHMARKS.md, "The ratios
on another host, and residual layers of 2 x 128 as the default"), each arm against the default's
runs, read from the ud_scores.py JSON files named below (run from benchmarks/results/):

    python wider-input-2026-12-06/compare.py > wider-input-2026-12-06/compare.txt
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from compare_dev import compare  # noqa: E402 (benchmarks/results/compare_dev.py)

W = "wider-input-2026-12-06"
RES5K = "residual 2 x 128, 5,000 updates"

RUNS = {
    # One torch thread each, two trainings at a time.
    "English-EWT v2.16, configs/default.cfg, one thread": {
        "default": [f"lexicon-refined-2026-12-05/ewt-s{s}-refined-dev.json" for s in range(3)],
        RES5K: [f"batch-residual-2026-12-06/ewt-res5k-s{s}-dev.json" for s in range(2)],
        f"{RES5K}, subword_width = 64": [f"{W}/ewt-res5k-sub64-s{s}-dev.json" for s in range(2)],
        f"{RES5K}, char_heads = [morph, lemma]": [f"{W}/ewt-res5k-charheads-s{s}-dev.json" for s in range(2)],
    },
    # Quiet, two threads, seed 0, back to back with spaCy's (the morning's host, then the afternoon's).
    "English-EWT v2.16, quiet whole trainings, the morning's machine (Intel Xeon)": {
        "default": ["default-residual-2026-12-06/ewt-mainjob-previous-default-dev.json"],
        RES5K: ["default-residual-2026-12-06/ewt-res128-5000-2threads-dev.json"],
    },
    "English-EWT v2.16, quiet whole trainings, the afternoon's machine (AMD EPYC)": {
        "default": ["host-check-2026-12-06/ewt-default-dev.json"],
        RES5K: ["host-check-2026-12-06/ewt-res128-5000-dev.json"],
    },
    # Target 2's check: configs/default.cfg itself on Uyghur (--nlp.lang xx); seeds 0 and 1 of the
    # morning, 2 and 3 of the afternoon.
    "Uyghur-UDT v2.16, configs/default.cfg": {
        "default": ["lexicon-refined-2026-12-05/ug216-s0-refined-dev.json", "default-residual-2026-12-06/ug216-s1-dev.json"]
        + [f"{W}/ug216-s{s}-dev.json" for s in (2, 3)],
        RES5K: [f"default-residual-2026-12-06/ug216-res128-5000-s{s}-dev.json" for s in (0, 1)]
        + [f"{W}/ug216-res5k-s{s}-dev.json" for s in (2, 3)],
        f"{RES5K}, char_heads = [morph, lemma]": [f"{W}/ug216-res5k-charheads-s{s}-dev.json" for s in range(4)],
    },
}


def main() -> None:
    compare(RUNS, base="default")


if __name__ == "__main__":
    main()
