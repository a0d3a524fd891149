"""benchmarks/ud_scores.py with the "dep" spec registered first (dep_attr.py):
    cd benchmarks && python results/aux-syntax-2026-12-06/score.py MODEL DOCS --json OUT"""
import runpy
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path.cwd()))  # ud_scores.py imports its neighbours
import dep_attr  # noqa: E402,F401

runpy.run_path("ud_scores.py", run_name="__main__")
