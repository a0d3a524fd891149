#!/usr/bin/env bash
# Issue 31 on 2026-12-06's machine: residual layers of 2 x 128 for 5,000 updates (level with the
# default on EWT dev, two seeds, "Residual LSTM layers and smaller batches") timed as a whole
# training, quiet, then spaCy's tagger + morphologizer again. No test set is read.
#   bash run-residual128.sh CLONE OUT DEFAULT_CFG
set -euo pipefail
CLONE=$1; OUT=$2; CFG=$3
cd "$CLONE" && . .venv/bin/activate
echo "residual 2 x 128, 5,000 updates start $(date -Is)" | tee -a "$OUT/times.txt"
s=$(date +%s)
python -m spacy train "$CFG" --output "$OUT/res128-5000" --components.lstm_tagger.model.lstm_residual true \
  --training.max_steps 5000 > "$OUT/res128-5000.log" 2>&1
echo "residual_128_5000 training took $(( $(date +%s) - s )) s" | tee -a "$OUT/times.txt"
cfg=spacy_tagger_morphologizer
s=$(date +%s)
python -m spacy train configs/$cfg.cfg --output "$OUT/${cfg}-3" --paths.train corpus/en_ewt-ud-train.spacy \
  --paths.dev corpus/en_ewt-ud-dev.spacy > "$OUT/${cfg}-3.log" 2>&1
echo "${cfg} (third) training took $(( $(date +%s) - s )) s" | tee -a "$OUT/times.txt"
echo "end $(date -Is)" | tee -a "$OUT/times.txt"
