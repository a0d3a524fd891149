#!/usr/bin/env bash
# 2026-12-07: the 192-wide model's whole EWT training against spaCy's tagger + morphologizer's,
# back to back, quiet, two torch threads (as the main job trains): configs/default.cfg with
# hidden_width = 192 in float32, the same with training_precision = "bfloat16", then spaCy's
# (issue 31's bound, issue 32 target 2). EWT dev scored after the three (no test read).
#   bash run.sh OUT      (from the repository root, its .venv made as the README says)
set -euo pipefail
OUT=$(realpath "$1"); mkdir -p "$OUT"
. .venv/bin/activate
echo "commit $(git rev-parse HEAD) cpu '$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)' start $(date -Is)" | tee -a "$OUT/times.txt"
train() {  # NAME CONFIG [overrides]
  local name=$1 config=$2; shift 2
  local s=$(date +%s)
  python -m spacy train "$config" --output "training/tt-$name" "$@" > "$OUT/$name.log" 2>&1
  echo "$name training took $(( $(date +%s) - s )) s ($(date -Is))" | tee -a "$OUT/times.txt"
}
train h192 configs/default.cfg --components.lstm_tagger.model.hidden_width 192
train h192-bf16 configs/default.cfg --components.lstm_tagger.model.hidden_width 192 \
  --components.lstm_tagger.model.training_precision '"bfloat16"'
train spacy-tm configs/spacy_tagger_morphologizer.cfg \
  --paths.train corpus/en_ewt-ud-train.spacy --paths.dev corpus/en_ewt-ud-dev.spacy
cd benchmarks
for name in h192 h192-bf16; do
  python ud_scores.py ../training/tt-$name/model-best ../corpus/en_ewt-ud-dev.spacy --json "$OUT/ewt-$name-dev.json" > /dev/null 2>&1
done
echo "end $(date -Is)" | tee -a "$OUT/times.txt"
