#!/usr/bin/env bash
# 2026-12-06, afternoon: the session's machine names an "AMD EPYC" in /proc/cpuinfo (the morning's
# named an Intel Xeon). The same quiet, back-to-back runs as the morning's, to tell whether the
# ratios to spaCy moved with the host:
#   1. the README main job with configs/default.cfg (scripts/train_ewt.sh), timed, test printed;
#   2. spaCy's tagger + morphologizer, timed, scored on test; spaCy's tagger alone from it;
#   3. residual layers of 2 x 128 for 5,000 updates (issue 31's candidate), timed, no test read;
#   4. benchmarks/speed.py (batches of 256) and benchmarks/latency.py (one sentence per call).
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
s=$(date +%s)
python -m spacy train configs/default.cfg --output training/res128-5000 --components.lstm_tagger.model.lstm_residual true \
  --training.max_steps 5000 > "$OUT/res128-5000.log" 2>&1
echo "residual_128_5000 training took $(( $(date +%s) - s )) s" | tee -a "$OUT/times.txt"
echo "trainings end $(date -Is)" | tee -a "$OUT/times.txt"
cd benchmarks
python speed.py --docs ../corpus/en_ewt-ud-test.spacy --baseline ../training/$cfg/model-best \
  --ours default=../training/default/model-best --ours default_torch=../training/default/model-best --torch-only default_torch \
  --ours res128_5000=../training/res128-5000/model-best \
  --json "$OUT/speed-ewt.json" > "$OUT/speed-ewt.log" 2>&1
python latency.py --docs ../corpus/en_ewt-ud-test.spacy --ours default=../training/default/model-best \
  --ours default_torch=../training/default/model-best --torch-only default_torch \
  --ours spacy_tagger_morphologizer=../training/$cfg/model-best --baseline ../training/spacy-tagger \
  --sentences 400 --json "$OUT/latency.json" > "$OUT/latency.log" 2>&1
echo "end $(date -Is)" | tee -a "$OUT/times.txt"
