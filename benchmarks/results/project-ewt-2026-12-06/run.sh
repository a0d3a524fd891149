#!/usr/bin/env bash
# 2026-12-06, evening: project.yml trains a treebank of 50,000 words or more with the config's own
# model at its own schedule (5,000 updates at 0.002). With configs/default.cfg now residual layers
# with character heads (chosen at 0.004), a large held-out treebank run through project.yml gets
# that model at 0.002. EWT dev, seeds 0 and 1 each, one torch thread, two trainings at once:
#   new: configs/default.cfg --training.optimizer.learn_rate.initial_rate 0.002
#   plain: the same with lstm_residual false and char_heads [] (project.yml's EWT model until now)
#   bash run.sh OUT      (from the repository root, its .venv made as the README says)
set -euo pipefail
OUT=$(realpath "$1"); mkdir -p "$OUT"
. .venv/bin/activate
echo "commit $(git rev-parse HEAD) cpu '$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)' start $(date -Is)" | tee -a "$OUT/times.txt"
train() {  # NAME SEED [overrides...]
  local name=$1 seed=$2; shift 2
  OMP_NUM_THREADS=1 python -m spacy train configs/default.cfg --output training/pyml-$name-s$seed --system.seed "$seed" \
    --training.optimizer.learn_rate.initial_rate 0.002 "$@" > "$OUT/$name-s$seed.log" 2>&1
  (cd benchmarks && python ud_scores.py ../training/pyml-$name-s$seed/model-best ../corpus/en_ewt-ud-dev.spacy \
    --json "$OUT/$name-s$seed-dev.json" > /dev/null 2>&1)
  echo "$name seed $seed done $(date -Is)" | tee -a "$OUT/times.txt"
}
for seed in 0 1; do
  train new $seed &
  train plain $seed --components.lstm_tagger.model.lstm_residual false --components.lstm_tagger.model.char_heads "[]" &
  wait
done
echo "end $(date -Is)" | tee -a "$OUT/times.txt"
