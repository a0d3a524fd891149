#!/usr/bin/env bash
# Issue 31, target 2: whole trainings back to back on a quiet machine (nothing
# else running), each with its own defaults (torch: 2 threads), then test once.
#   1. the README main job (scripts/train_ewt.sh, configs/default.cfg) with
#      the extra spacy train arguments given after OUT (e.g. --training.max_steps 7500)
#   2. spaCy's tagger + morphologizer (configs/spacy_tagger_morphologizer.cfg)
# Run from a fresh clone at the commit measured, with the dev venv's python.
#   bash run.sh CLONE OUT [spacy train args for ours...]
set -euo pipefail
CLONE=$1; OUT=$2; shift 2; PY=${PY:-/work/main/.venv/bin/python}
export PATH=$(dirname "$PY"):$PATH
cd "$CLONE"
echo "commit $(git rev-parse HEAD) start $(date -Is) ours_args: $*" | tee -a "$OUT/times.txt"
bash scripts/convert_ewt.sh > "$OUT/convert.log" 2>&1
s=$(date +%s); bash scripts/train_ewt.sh configs/default.cfg "$OUT/ours" "$@" > "$OUT/ours.log" 2>&1
echo "ours_main_job_total $(( $(date +%s) - s )) s; $(grep 'training took' "$OUT/ours.log")" | tee -a "$OUT/times.txt"
cfg=spacy_tagger_morphologizer
s=$(date +%s)
python -m spacy train configs/$cfg.cfg --output "$OUT/$cfg" \
  --paths.train corpus/en_ewt-ud-train.spacy --paths.dev corpus/en_ewt-ud-dev.spacy > "$OUT/$cfg.log" 2>&1
echo "$cfg training took $(( $(date +%s) - s )) s" | tee -a "$OUT/times.txt"
python -m spacy evaluate "$OUT/$cfg/model-best" corpus/en_ewt-ud-test.spacy --gold-preproc \
  --output "$OUT/$cfg/test-metrics.json" > /dev/null 2>&1
echo "end $(date -Is)" | tee -a "$OUT/times.txt"
