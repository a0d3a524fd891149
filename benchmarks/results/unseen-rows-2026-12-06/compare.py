"""EWT dev of the default's quiet run (default-lead-2026-12-06) as trained, and with its word rows
that no training word uses set to zero (zero_unseen.py; run from benchmarks/results/):

    python unseen-rows-2026-12-06/compare.py > unseen-rows-2026-12-06/compare.txt
"""
import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent.parent
COLUMNS = ("tag_acc", "pos_acc", "morph_acc", "ufeats_acc", "lemma_acc", "conll18_lemma_acc")
before = json.loads((RESULTS / "default-lead-2026-12-06/ewt-default-dev.json").read_text())["scores"]
after = json.loads((RESULTS / "unseen-rows-2026-12-06/ewt-default-unseen-zeroed-dev.json").read_text())["scores"]
print("column | as trained | unused word rows zeroed | difference")
for column in COLUMNS:
    print(f"{column} | {before[column]:.2f} | {after[column]:.2f} | {after[column] - before[column]:+.2f}")
