#!/usr/bin/env bash
# 2026-12-06, late night: configs/accurate.cfg as shipped (plain 2 x 128, a tanh layer per head,
# 10,000 updates at 0.002), seed 0, on this library, quiet, two torch threads: do the library's
# changes since 2026-12-05 move its dev figures (head-tanh-2026-12-05/ewt-accurate-tanh*-dev.json)?
#   bash rerun.sh      (from the repository root, its .venv made as the README says)
set -euo pipefail
R=benchmarks/results/accurate-2026-12-06
. .venv/bin/activate
echo "accurate rerun s0 commit $(git rev-parse HEAD) cpu '$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)' start $(date -Is)" >> $R/times.txt
s=$(date +%s)
python -m spacy train configs/accurate.cfg --output training/accurate-rerun-s0 --system.seed 0 > $R/ewt-accurate-rerun-s0.log 2>&1
echo "accurate rerun s0 training took $(( $(date +%s) - s )) s" >> $R/times.txt
cd benchmarks
python ud_scores.py ../training/accurate-rerun-s0/model-best ../corpus/en_ewt-ud-dev.spacy \
  --json "../$R/ewt-accurate-rerun-s0-dev.json" > /dev/null 2>&1
