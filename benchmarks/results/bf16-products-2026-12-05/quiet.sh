#!/bin/bash
# The quiet-machine measurements of this folder, in one go, from the project root:
#   bash benchmarks/results/bf16-products-2026-12-05/quiet.sh /tmp/v060   (the venv's python first on PATH)
# (/tmp/v060: `git archive f822aa2 | tar -x -C /tmp/v060`, release 0.6.0).
set -euo pipefail
V060=$1
D=benchmarks/results/bf16-products-2026-12-05
python benchmarks/update_cost.py configs/default.cfg --against "$V060" --variants float32,bf16 --rounds 4 --updates 4 \
    --warmup 4 --threads 1 --clock process --json $D/update-cost-against-v060-1thread-cpu.json > $D/update-cost-against-v060-1thread-cpu.txt 2>&1
python benchmarks/update_cost.py configs/default.cfg --variants float32,bf16 --profile --rounds 3 --updates 8 --warmup 4 \
    --json $D/update-profile-2threads.json > $D/update-profile-2threads.txt 2>&1
python benchmarks/train_speed.py $D/default-float32.cfg $D/default-bfloat16.cfg --baseline configs/spacy_tagger_morphologizer.cfg \
    --train corpus/en_ewt-ud-train.spacy \
    --json $D/train-speed-epoch.json > $D/train-speed-epoch.txt 2>&1
# The dropout masks alone: float32 here against the tree before this change
# (/tmp/vhead: `git archive 37387fb | tar -x -C /tmp/vhead`), two threads, wall clock.
python benchmarks/update_cost.py configs/default.cfg --against /tmp/vhead --variants float32 --rounds 4 --updates 8 \
    --warmup 4 --json $D/update-cost-against-37387fb.json > $D/update-cost-against-37387fb.txt 2>&1
