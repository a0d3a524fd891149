#!/usr/bin/env bash
# The residual 2 x 192 default on a quiet machine (nothing else running),
# back to back with spaCy's tagger + morphologizer, then tagging speed.
#   1. the README main job (scripts/train_ewt.sh) in CLONE's fresh venv
#      (.venv, made by the README's install step), timed;
#   2. spaCy's tagger + morphologizer (configs/spacy_tagger_morphologizer.cfg),
#      same venv, timed, then scored on test;
#   3. spaCy's tagger alone: that pipeline with its morphologizer removed;
#   4. benchmarks/speed.py (batches of 256, EWT test) and benchmarks/latency.py
#      (one sentence per call; 1 to 256 docs per batch): the new default, the
#      previous default (PREVIOUS, a 2 x 128 pipeline), spaCy's.
#   bash run.sh CLONE OUT PREVIOUS
set -euo pipefail
CLONE=$1; OUT=$2; PREVIOUS=$3
mkdir -p "$OUT"
cd "$CLONE"
. .venv/bin/activate
echo "commit $(git rev-parse HEAD) start $(date -Is)" | tee -a "$OUT/times.txt"
s=$(date +%s); bash scripts/train_ewt.sh > "$OUT/ours.log" 2>&1
echo "ours_main_job_total $(( $(date +%s) - s )) s; $(grep 'training took' "$OUT/ours.log" || true)" | tee -a "$OUT/times.txt"
cfg=spacy_tagger_morphologizer
s=$(date +%s)
python -m spacy train configs/$cfg.cfg --output "$OUT/$cfg" \
  --paths.train corpus/en_ewt-ud-train.spacy --paths.dev corpus/en_ewt-ud-dev.spacy > "$OUT/$cfg.log" 2>&1
echo "$cfg training took $(( $(date +%s) - s )) s" | tee -a "$OUT/times.txt"
python -m spacy evaluate "$OUT/$cfg/model-best" corpus/en_ewt-ud-test.spacy --gold-preproc \
  --output "$OUT/$cfg/test-metrics.json" > /dev/null 2>&1
python -c "import spacy, sys; nlp = spacy.load(sys.argv[1]); nlp.remove_pipe('morphologizer'); nlp.to_disk(sys.argv[2])" \
  "$OUT/$cfg/model-best" "$OUT/spacy-tagger"
echo "trainings end $(date -Is)" | tee -a "$OUT/times.txt"
NEW=$CLONE/training/default/model-best
cd benchmarks
python speed.py --docs ../corpus/en_ewt-ud-test.spacy --baseline "$OUT/$cfg/model-best" \
  --ours default=$NEW --ours default_torch=$NEW --torch-only default_torch \
  --ours previous_default=$PREVIOUS --ours previous_default_torch=$PREVIOUS --torch-only previous_default_torch \
  --json "$OUT/speed-ewt.json" > "$OUT/speed-ewt.log" 2>&1
python latency.py --docs ../corpus/en_ewt-ud-test.spacy --ours default=$NEW --ours default_torch=$NEW --torch-only default_torch \
  --ours previous_default=$PREVIOUS --ours spacy_tagger_morphologizer="$OUT/$cfg/model-best" --baseline "$OUT/spacy-tagger" \
  --sentences 400 --json "$OUT/latency.json" > "$OUT/latency.log" 2>&1
echo "end $(date -Is)" | tee -a "$OUT/times.txt"
