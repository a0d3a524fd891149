#!/usr/bin/env bash
# 2026-12-07, small hours: configs/default.cfg with hidden_width = 192 and training_precision =
# "bfloat16" (the lead for issue 32 target 2), its whole training timed quiet, back to back with
# spaCy's tagger + morphologizer (issue 31's bound); EWT dev only (no test read).
#   bash run.sh OUT      (from the repository root, its .venv made as the README says)
set -euo pipefail
OUT=$(realpath "$1"); mkdir -p "$OUT"
. .venv/bin/activate
echo "commit $(git rev-parse HEAD) cpu '$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)' start $(date -Is)" | tee -a "$OUT/times.txt"
s=$(date +%s)
python -m spacy train configs/default.cfg --output training/default-h192-bf16 \
  --components.lstm_tagger.model.hidden_width 192 \
  --components.lstm_tagger.model.training_precision '"bfloat16"' > "$OUT/h192-bf16.log" 2>&1
echo "h192-bf16 training took $(( $(date +%s) - s )) s" | tee -a "$OUT/times.txt"
cfg=spacy_tagger_morphologizer
s=$(date +%s)
python -m spacy train configs/$cfg.cfg --output training/$cfg-3 \
  --paths.train corpus/en_ewt-ud-train.spacy --paths.dev corpus/en_ewt-ud-dev.spacy > "$OUT/$cfg.log" 2>&1
echo "$cfg training took $(( $(date +%s) - s )) s" | tee -a "$OUT/times.txt"
cd benchmarks
python ud_scores.py ../training/default-h192-bf16/model-best ../corpus/en_ewt-ud-dev.spacy --json "$OUT/ewt-h192-bf16-dev.json" > /dev/null 2>&1
echo "end $(date -Is)" | tee -a "$OUT/times.txt"
