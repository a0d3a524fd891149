#!/usr/bin/env bash
# 2026-12-06, night: issue 32 target 2, changes that cost little or nothing at tagging time, one per arm, on
# the new configs/default.cfg (residual layers, character heads, 5,000 updates at 0.004), EWT dev
# only. One torch thread each, two trainings at a time, as the base arm's runs
# (wider-input-2026-12-06/ewt-res5k-charheads-s{0,1}).
#   bash run.sh ARM SEED      (from the repository root, its .venv made as the README says)
# ARM: drop02 (dropout 0.2), lr006 (initial_rate 0.006), steps6k (max_steps 6000), rows200k (word_rows 200000: fewer training
# words sharing a hashed row), word192 (word_width 192), h160 (hidden_width 160: a small cost at
# tagging time, between the default's 128 and the 192 measured before), char128 (char_filters 128:
# unseen words are a quarter of the XPOS errors). The rows200k pair stopped after its trainings
# (this file was edited while bash read it): its scores were run by hand, as the lines below do.
set -euo pipefail
ARM=$1; SEED=$2
R=benchmarks/results/cheap-gains-2026-12-06
. .venv/bin/activate
case $ARM in
  drop02) args=(--components.lstm_tagger.model.dropout 0.2) ;;
  lr006) args=(--training.optimizer.learn_rate.initial_rate 0.006) ;;
  steps6k) args=(--training.max_steps 6000) ;;
  rows200k) args=(--components.lstm_tagger.model.word_rows 200000) ;;
  word192) args=(--components.lstm_tagger.model.word_width 192) ;;
  h160) args=(--components.lstm_tagger.model.hidden_width 160) ;;
  char128) args=(--components.lstm_tagger.model.char_filters 128) ;;
  *) echo "unknown arm $ARM" >&2; exit 2 ;;
esac
echo "$ARM s$SEED commit $(git rev-parse HEAD) cpu '$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)' start $(date -Is)" >> $R/times.txt
s=$(date +%s)
OMP_NUM_THREADS=1 python -m spacy train configs/default.cfg --output training/cg-$ARM-s$SEED \
  --system.seed "$SEED" "${args[@]}" > $R/ewt-$ARM-s$SEED.log 2>&1
echo "$ARM s$SEED training took $(( $(date +%s) - s )) s" >> $R/times.txt
cd benchmarks
OMP_NUM_THREADS=1 python ud_scores.py ../training/cg-$ARM-s$SEED/model-best ../corpus/en_ewt-ud-dev.spacy \
  --json "../$R/ewt-$ARM-s$SEED-dev.json" > /dev/null 2>&1
