#!/usr/bin/env bash
# After run.sh, on the same quiet machine: configs/default.cfg as on main at e3ffbea (2 x 128,
# 7,500 updates; PREVIOUS_CFG, written by `git show e3ffbea:configs/default.cfg`) as the README
# main job in CLONE's venv, then spaCy's tagger + morphologizer again, each timed.
#   bash run-previous.sh CLONE OUT PREVIOUS_CFG
set -euo pipefail
CLONE=$1; OUT=$2; PREVIOUS_CFG=$3
cd "$CLONE" && . .venv/bin/activate
echo "previous default start $(date -Is)" | tee -a "$OUT/times.txt"
s=$(date +%s); bash scripts/train_ewt.sh "$PREVIOUS_CFG" "$OUT/previous" > "$OUT/previous.log" 2>&1
echo "previous_default_main_job_total $(( $(date +%s) - s )) s; $(grep 'training took' "$OUT/previous.log")" | tee -a "$OUT/times.txt"
cfg=spacy_tagger_morphologizer
s=$(date +%s)
python -m spacy train configs/$cfg.cfg --output "$OUT/${cfg}-2" --paths.train corpus/en_ewt-ud-train.spacy \
  --paths.dev corpus/en_ewt-ud-dev.spacy > "$OUT/${cfg}-2.log" 2>&1
echo "${cfg} (again) training took $(( $(date +%s) - s )) s" | tee -a "$OUT/times.txt"
echo "end $(date -Is)" | tee -a "$OUT/times.txt"
