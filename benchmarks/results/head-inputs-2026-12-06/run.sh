#!/usr/bin/env bash
# 2026-12-06, late night: issue 32 target 2, what the heads read, one change per arm on
# configs/default.cfg (residual layers, char_heads = ["morph", "lemma"], 5,000 updates at 0.004),
# EWT dev only. One torch thread each, two trainings at a time, as the default's runs it is
# compared with (wider-input-2026-12-06/ewt-res5k-charheads-s{0,1}).
#   bash run.sh ARM SEED      (from the repository root, its .venv made as the README says)
# ARM: charall (every head reads the character encoding, XPOS and UPOS too: unseen words are a
# quarter of the XPOS errors, and the head's product is 64 x 67 more per word), tanhshared (one
# residual tanh layer shared by the heads), tanh (one per head, accurate.cfg's).
set -euo pipefail
ARM=$1; SEED=$2
R=benchmarks/results/head-inputs-2026-12-06
. .venv/bin/activate
case $ARM in
  charall) args=(--components.lstm_tagger.model.char_heads '["tag", "pos", "morph", "lemma"]') ;;
  tanhshared) args=(--components.lstm_tagger.model.head_tanh_layer '"shared"') ;;
  tanh) args=(--components.lstm_tagger.model.head_tanh_layer true) ;;
  *) echo "unknown arm $ARM" >&2; exit 2 ;;
esac
echo "$ARM s$SEED commit $(git rev-parse HEAD) cpu '$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)' start $(date -Is)" >> $R/times.txt
s=$(date +%s)
OMP_NUM_THREADS=1 python -m spacy train configs/default.cfg --output training/hi-$ARM-s$SEED \
  --system.seed "$SEED" "${args[@]}" > $R/ewt-$ARM-s$SEED.log 2>&1
echo "$ARM s$SEED training took $(( $(date +%s) - s )) s" >> $R/times.txt
cd benchmarks
OMP_NUM_THREADS=1 python ud_scores.py ../training/hi-$ARM-s$SEED/model-best ../corpus/en_ewt-ud-dev.spacy \
  --json "../$R/ewt-$ARM-s$SEED-dev.json" > /dev/null 2>&1
