"""Dev means over seeds for the evening of 2026-12-06 (BENCHMARKS.md, "Residual layers and
character heads as the default"): EWT through project.yml's schedule (5,000 updates at 0.002, a
treebank above the size rule's 50,000 words keeps the config's model), the new
configs/default.cfg against the plain LSTM it replaced, read from the ud_scores.py JSON files
named below (run from benchmarks/results/):

    python project-ewt-2026-12-06/compare.py > project-ewt-2026-12-06/compare.txt
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from compare_dev import compare  # noqa: E402 (benchmarks/results/compare_dev.py)

P = "project-ewt-2026-12-06"
RUNS = {
    # One torch thread each, two trainings at a time (run.sh).
    "English-EWT v2.16, configs/default.cfg at 0.002 (project.yml's schedule), one thread": {
        "plain LSTM (lstm_residual false, char_heads [])": [f"{P}/plain-s{s}-dev.json" for s in range(2)],
        "configs/default.cfg (residual layers, char_heads [morph, lemma])": [f"{P}/new-s{s}-dev.json" for s in range(2)],
    },
}

if __name__ == "__main__":
    compare(RUNS, base="plain LSTM (lstm_residual false, char_heads [])")
