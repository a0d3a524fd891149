#!/usr/bin/env bash
# 2026-12-06, late evening: the new configs/default.cfg (residual layers, character heads, 5,000
# updates) with hidden_width = 192, one change, timed whole and quiet, back to back with spaCy's
# tagger + morphologizer, then benchmarks/speed.py beside the default; EWT dev only (no test read).
#   bash run.sh OUT      (from the repository root, its .venv made as the README says)
set -euo pipefail
OUT=$(realpath "$1"); mkdir -p "$OUT"
. .venv/bin/activate
echo "commit $(git rev-parse HEAD) cpu '$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)' start $(date -Is)" | tee -a "$OUT/times.txt"
s=$(date +%s)
python -m spacy train configs/default.cfg --output training/default-h192 \
  --components.lstm_tagger.model.hidden_width 192 > "$OUT/h192.log" 2>&1
echo "h192 training took $(( $(date +%s) - s )) s" | tee -a "$OUT/times.txt"
cfg=spacy_tagger_morphologizer
s=$(date +%s)
python -m spacy train configs/$cfg.cfg --output training/$cfg-2 \
  --paths.train corpus/en_ewt-ud-train.spacy --paths.dev corpus/en_ewt-ud-dev.spacy > "$OUT/$cfg.log" 2>&1
echo "$cfg training took $(( $(date +%s) - s )) s" | tee -a "$OUT/times.txt"
cd benchmarks
python speed.py --docs ../corpus/en_ewt-ud-test.spacy --baseline ../training/$cfg-2/model-best \
  --ours default=../training/default/model-best --ours h192=../training/default-h192/model-best \
  --json "$OUT/speed-ewt.json" > "$OUT/speed-ewt.log" 2>&1
python ud_scores.py ../training/default-h192/model-best ../corpus/en_ewt-ud-dev.spacy --json "$OUT/ewt-h192-dev.json" > /dev/null 2>&1
echo "end $(date -Is)" | tee -a "$OUT/times.txt"
