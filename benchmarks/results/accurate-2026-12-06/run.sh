#!/usr/bin/env bash
# 2026-12-06, late night: issue 32 target 3, a candidate for configs/accurate.cfg on the new
# default's model: configs/default.cfg (residual layers, char_heads = ["morph", "lemma"], 5,000
# updates at 0.004) with residual layers of 192 (ARM h192) or 192 and a tanh layer per head
# (ARM h192tanh). EWT dev only; one torch thread each, two trainings at a time.
#   bash run.sh ARM SEED      (from the repository root, its .venv made as the README says)
set -euo pipefail
ARM=$1; SEED=$2
R=benchmarks/results/accurate-2026-12-06
. .venv/bin/activate
case $ARM in
  h192) args=(--components.lstm_tagger.model.hidden_width 192) ;;
  h192tanh) args=(--components.lstm_tagger.model.hidden_width 192 --components.lstm_tagger.model.head_tanh_layer true) ;;
  *) echo "unknown arm $ARM" >&2; exit 2 ;;
esac
echo "$ARM s$SEED commit $(git rev-parse HEAD) cpu '$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)' start $(date -Is)" >> $R/times.txt
s=$(date +%s)
OMP_NUM_THREADS=1 python -m spacy train configs/default.cfg --output training/acc-$ARM-s$SEED \
  --system.seed "$SEED" "${args[@]}" > $R/ewt-$ARM-s$SEED.log 2>&1
echo "$ARM s$SEED training took $(( $(date +%s) - s )) s" >> $R/times.txt
cd benchmarks
OMP_NUM_THREADS=1 python ud_scores.py ../training/acc-$ARM-s$SEED/model-best ../corpus/en_ewt-ud-dev.spacy \
  --json "../$R/ewt-$ARM-s$SEED-dev.json" > /dev/null 2>&1
