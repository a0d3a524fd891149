"""Dev means over seeds, and each arm's difference from a base arm, read
from ud_scores.py JSON files: what the results folders' compare.py scripts
print (each names its own runs)."""
import json
from pathlib import Path
from typing import Dict, List

RESULTS = Path(__file__).resolve().parent
COLUMNS = ("tag_acc", "pos_acc", "morph_acc", "ufeats_acc", "conll18_lemma_acc")
# spaCy selects model-best on these four.
SELECTED = ("tag_acc", "pos_acc", "morph_acc", "lemma_acc")


def scores(path: str) -> dict:
    return json.loads((RESULTS / path).read_text())["scores"]


def compare(runs: Dict[str, Dict[str, List[str]]], base: str) -> None:
    """runs: {set-up: {arm: JSON paths under results/, one per seed}};
    base: the arm the others are compared with, in every set-up."""
    for treebank, arms in runs.items():
        found = {arm: [scores(p) for p in paths if (RESULTS / p).exists()] for arm, paths in arms.items()}
        print(f"{treebank}: " + " | ".join(COLUMNS) + " | mean of " + ", ".join(SELECTED))
        base_mean = {c: sum(r[c] for r in found[base]) / len(found[base]) for c in (*COLUMNS, *SELECTED)}
        for arm, seeds in found.items():
            if not seeds:
                print(f"  {arm}: not run")
                continue
            mean = {c: sum(r[c] for r in seeds) / len(seeds) for c in (*COLUMNS, *SELECTED)}
            per_seed = " / ".join(f"{sum(r[c] for c in SELECTED) / len(SELECTED):.3f}" for r in seeds)
            cells = [f"{mean[c]:.2f} ({mean[c] - base_mean[c]:+.2f})" for c in COLUMNS]
            selected = sum(mean[c] for c in SELECTED) / len(SELECTED) - sum(base_mean[c] for c in SELECTED) / len(SELECTED)
            print(f"  {arm} ({len(seeds)} seeds): " + " | ".join(cells) + f" | {selected:+.3f} (per seed {per_seed})")
