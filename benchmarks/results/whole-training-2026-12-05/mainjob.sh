#!/usr/bin/env bash
# The README main job from a fresh clone in a fresh venv, then spaCy's tagger +
# morphologizer on the same machine right after (back to back), quiet.
set -uo pipefail
COMMIT=$1; OUT=/tmp/mj15/out; rm -rf /tmp/mj15; mkdir -p $OUT
git clone -q /work/main /tmp/mj15/clone && ln -s /work/shared /tmp/mj15/shared && cd /tmp/mj15/clone && git checkout -q $COMMIT
echo "commit $(git rev-parse HEAD) start $(date -Is)" | tee -a $OUT/times.txt
s=$(date +%s)
( python3 -m venv .venv && . .venv/bin/activate && pip install torch==2.13.0 '.[onnx]' && bash scripts/train_ewt.sh ) > $OUT/main-job.log 2>&1
echo "rc=$? seconds=$(( $(date +%s) - s ))" >> $OUT/main-job.log
echo "main_job_total $(( $(date +%s) - s )) s; $(grep 'training took' $OUT/main-job.log)" | tee -a $OUT/times.txt
. .venv/bin/activate
cfg=spacy_tagger_morphologizer; s=$(date +%s)
python -m spacy train configs/$cfg.cfg --output $OUT/$cfg --paths.train corpus/en_ewt-ud-train.spacy --paths.dev corpus/en_ewt-ud-dev.spacy > $OUT/$cfg.log 2>&1
echo "$cfg training took $(( $(date +%s) - s )) s" | tee -a $OUT/times.txt
python -m spacy evaluate $OUT/$cfg/model-best corpus/en_ewt-ud-test.spacy --gold-preproc --output $OUT/$cfg/test-metrics.json > /dev/null 2>&1
echo "end $(date -Is)" | tee -a $OUT/times.txt
