#!/usr/bin/env bash
# 2026-12-06, evening: configs/default.cfg is now residual layers of 2 x 128 with the FEATS and
# lemma heads reading the characters, 5,000 updates (the last note's lead). Quiet, back to back:
#   1. the README main job with the new configs/default.cfg (scripts/train_ewt.sh), timed, test
#      printed (EWT test read once for this configuration);
#   2. spaCy's tagger + morphologizer, timed, scored on test; spaCy's tagger alone from it;
#   3. benchmarks/speed.py (batches of 256) and benchmarks/latency.py (one sentence per call),
#      with the previous default (plain LSTM, 7,500 updates, trained on this host at 12:16 by
#      ../host-check-2026-12-06/run.sh, moved to training/default-plain7500) beside them.
#   bash run.sh OUT      (from the repository root, its .venv made as the README says)
set -euo pipefail
OUT=$(realpath "$1"); mkdir -p "$OUT"
. .venv/bin/activate
echo "commit $(git rev-parse HEAD) cpu '$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)' start $(date -Is)" | tee -a "$OUT/times.txt"
s=$(date +%s); bash scripts/train_ewt.sh configs/default.cfg training/default > "$OUT/ours.log" 2>&1
echo "default main job $(( $(date +%s) - s )) s; $(grep 'training took' "$OUT/ours.log")" | tee -a "$OUT/times.txt"
cp training/default/test-metrics.json "$OUT/default-test-metrics.json"
cfg=spacy_tagger_morphologizer
s=$(date +%s)
python -m spacy train configs/$cfg.cfg --output training/$cfg \
  --paths.train corpus/en_ewt-ud-train.spacy --paths.dev corpus/en_ewt-ud-dev.spacy > "$OUT/$cfg.log" 2>&1
echo "$cfg training took $(( $(date +%s) - s )) s" | tee -a "$OUT/times.txt"
python -m spacy evaluate training/$cfg/model-best corpus/en_ewt-ud-test.spacy --gold-preproc \
  --output "$OUT/$cfg-test-metrics.json" > /dev/null 2>&1
python -c "import spacy, sys; nlp = spacy.load(sys.argv[1]); nlp.remove_pipe('morphologizer'); nlp.to_disk(sys.argv[2])" \
  training/$cfg/model-best training/spacy-tagger
echo "trainings end $(date -Is)" | tee -a "$OUT/times.txt"
cd benchmarks
python speed.py --docs ../corpus/en_ewt-ud-test.spacy --baseline ../training/$cfg/model-best \
  --ours default=../training/default/model-best --ours default_torch=../training/default/model-best --torch-only default_torch \
  --ours plain_7500=../training/default-plain7500/model-best \
  --json "$OUT/speed-ewt.json" > "$OUT/speed-ewt.log" 2>&1
python latency.py --docs ../corpus/en_ewt-ud-test.spacy --ours default=../training/default/model-best \
  --ours default_torch=../training/default/model-best --torch-only default_torch \
  --ours plain_7500=../training/default-plain7500/model-best \
  --ours spacy_tagger_morphologizer=../training/$cfg/model-best --baseline ../training/spacy-tagger \
  --sentences 400 --json "$OUT/latency.json" > "$OUT/latency.log" 2>&1
python ud_scores.py ../training/default/model-best ../corpus/en_ewt-ud-dev.spacy --json "$OUT/ewt-default-dev.json" > /dev/null 2>&1
python ud_scores.py ../training/default/model-best ../corpus/en_ewt-ud-test.spacy --json "$OUT/ewt-default-test.json" > /dev/null 2>&1
echo "end $(date -Is)" | tee -a "$OUT/times.txt"
