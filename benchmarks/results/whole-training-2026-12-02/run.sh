#!/usr/bin/env bash
# Issue 20, target 2: whole trainings back to back on a quiet machine (nothing
# else running), each with its own defaults (torch: 2 threads), then test once.
#   1. the README main job (scripts/train_ewt.sh, configs/default.cfg, four heads)
#   2. spaCy's tagger + morphologizer (configs/spacy_tagger_morphologizer.cfg)
#   3. spaCy's tagger + morphologizer + trainable_lemmatizer
# Run from a fresh clone at the commit measured, with the dev venv's python.
set -euo pipefail
CLONE=$1; OUT=$2; PY=${PY:-/work/main/.venv/bin/python}
export PATH=$(dirname "$PY"):$PATH
cd "$CLONE"
echo "commit $(git rev-parse HEAD) start $(date -Is)" | tee -a "$OUT/times.txt"
bash scripts/convert_ewt.sh > "$OUT/convert.log" 2>&1
s=$(date +%s); bash scripts/train_ewt.sh configs/default.cfg "$OUT/ours" > "$OUT/ours.log" 2>&1
echo "ours_main_job_total $(( $(date +%s) - s )) s; $(grep 'training took' "$OUT/ours.log")" | tee -a "$OUT/times.txt"
for cfg in spacy_tagger_morphologizer spacy_tagger_morphologizer_lemmatizer; do
  s=$(date +%s)
  python -m spacy train configs/$cfg.cfg --output "$OUT/$cfg" \
    --paths.train corpus/en_ewt-ud-train.spacy --paths.dev corpus/en_ewt-ud-dev.spacy > "$OUT/$cfg.log" 2>&1
  echo "$cfg training took $(( $(date +%s) - s )) s" | tee -a "$OUT/times.txt"
  python -m spacy evaluate "$OUT/$cfg/model-best" corpus/en_ewt-ud-test.spacy --gold-preproc \
    --output "$OUT/$cfg/test-metrics.json" > /dev/null 2>&1
done
echo "end $(date -Is)" | tee -a "$OUT/times.txt"
