#!/usr/bin/env bash
# 2026-12-07: inference_precision = "int8" against "float32", side by side with spaCy's tagger +
# morphologizer + trainable_lemmatizer (training/spacy3-ewt), in one process per script:
# benchmarks/speed.py (EWT test, batches of 256, two torch threads, 10 rounds, quiet, the pipelines
# alternated round by round) and benchmarks/latency.py (one nlp(text) for each of 1,000 EWT test
# sentences, the pipelines alternated call by call, one and two threads, quiet and beside
# latency.py's one-core spinner, against spaCy's tagger alone, training/spacy-tagger, as the
# README's per-call ratio; no batch curve). The pipelines: the main job of
# ../default-lead-2026-12-06 (training/default, 2 x 128) and the 192-wide model of
# ../wider-bf16-2026-12-07 (training/default-h192-bf16), each loaded twice, once with --int8.
#   bash run_speed.sh OUT      (from the repository root)
set -euo pipefail
OUT=$(realpath "$1"); mkdir -p "$OUT"
. .venv/bin/activate
echo "commit $(git rev-parse HEAD)$(git diff --quiet HEAD -- spacy_lstm_tagger benchmarks || echo +) cpu '$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)' start $(date -Is)" | tee -a "$OUT/times.txt"
cd benchmarks
OURS=(--ours default=../training/default/model-best --ours default_int8=../training/default/model-best --int8 default_int8
      --ours h192=../training/default-h192-bf16/model-best --ours h192_int8=../training/default-h192-bf16/model-best --int8 h192_int8)
python speed.py --docs ../corpus/en_ewt-ud-test.spacy --baseline ../training/spacy3-ewt/model-best "${OURS[@]}" --rounds 10 \
  --json "$OUT/speed-ewt.json" > "$OUT/speed-ewt.log" 2>&1
echo "speed done $(date -Is)" | tee -a "$OUT/times.txt"
python latency.py --docs ../corpus/en_ewt-ud-test.spacy --baseline ../training/spacy-tagger "${OURS[@]}" \
  --ours spacy_three=../training/spacy3-ewt/model-best --sentences 1000 --batch-sizes \
  --json "$OUT/latency.json" > "$OUT/latency.log" 2>&1
echo "end $(date -Is)" | tee -a "$OUT/times.txt"
