#!/usr/bin/env bash
# 2026-12-06, evening, after run_spacy.sh: the README table's words/s column (benchmarks/speed.py,
# test sets, batches of 256, the pipelines alternated in one process, quiet, two threads), and the
# new default's Uyghur-UDT v2.16 test read once. The Uyghur pipeline is seed 0 of
# ../wider-input-2026-12-06 (`spacy train configs/default.cfg --nlp.lang xx` with the overrides that
# are configs/default.cfg's own since 432349f; library unchanged since), the EWT one the main job of
# ../default-lead-2026-12-06.
#   bash run_speed.sh OUT      (from the repository root)
set -euo pipefail
OUT=$(realpath "$1"); mkdir -p "$OUT"
. .venv/bin/activate
echo "commit $(git rev-parse HEAD) cpu '$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)' speed start $(date -Is)" | tee -a "$OUT/times.txt"
cd benchmarks
python speed.py --docs ../corpus/en_ewt-ud-test.spacy --baseline ../training/spacy3-ewt/model-best \
  --ours default=../training/default/model-best --ours default_torch=../training/default/model-best --torch-only default_torch \
  --ours spacy_tagger_morphologizer=../training/spacy_tagger_morphologizer/model-best \
  --json "$OUT/speed-ewt.json" > "$OUT/speed-ewt.log" 2>&1
python speed.py --docs ../training/ug216/test/ug_udt-ud-test.spacy --baseline ../training/spacy3-ug216/model-best \
  --ours default=../training/wider/ug216-res5k-charheads-s0/model-best \
  --ours default_torch=../training/wider/ug216-res5k-charheads-s0/model-best --torch-only default_torch \
  --json "$OUT/speed-ug216.json" > "$OUT/speed-ug216.log" 2>&1
python ud_scores.py ../training/wider/ug216-res5k-charheads-s0/model-best ../training/ug216/test --json "$OUT/ug216-default-test.json" > /dev/null 2>&1
echo "end $(date -Is)" | tee -a "$OUT/times.txt"
