#!/bin/bash
# The quiet-machine measurements of this folder, in one go, from the project root, the venv's
# python first on PATH: bash benchmarks/results/loss-2026-12-05/quiet.sh /tmp/v060 /tmp/vpre
# (/tmp/v060: `git archive f822aa2 | tar -x -C /tmp/v060`, release 0.6.0; /tmp/vpre: `git archive
# e2571a4`, the tree before the loss was written out; each with corpus/*.spacy linked in).
set -euo pipefail
V060=$1
VPRE=$2
D=benchmarks/results/loss-2026-12-05
python benchmarks/update_cost.py configs/default.cfg --against "$VPRE" --variants base --against-variants base \
    --rounds 6 --updates 8 --warmup 4 --json $D/update-cost-against-e2571a4.json > $D/update-cost-against-e2571a4.txt 2>&1
python benchmarks/update_cost.py configs/default.cfg --against "$V060" --variants float32 --rounds 4 --updates 8 \
    --warmup 4 --json $D/update-cost-against-v060-2threads.json > $D/update-cost-against-v060-2threads.txt 2>&1
python benchmarks/update_cost.py configs/default.cfg --against "$V060" --variants float32 --rounds 4 --updates 4 \
    --warmup 4 --threads 1 --clock process --json $D/update-cost-against-v060-1thread-cpu.json > $D/update-cost-against-v060-1thread-cpu.txt 2>&1
python benchmarks/update_cost.py configs/default.cfg --variants 'float32,shared=components.lstm_tagger.model.head_tanh_layer:"shared"' \
    --rounds 4 --updates 8 --warmup 4 --json $D/update-cost-shared-tanh.json > $D/update-cost-shared-tanh.txt 2>&1
# One EWT epoch against spaCy's tagger + morphologizer, two threads.
python benchmarks/train_speed.py configs/default.cfg --baseline configs/spacy_tagger_morphologizer.cfg \
    --train corpus/en_ewt-ud-train.spacy --json $D/train-speed-epoch.json > $D/train-speed-epoch.txt 2>&1
