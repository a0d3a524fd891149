#!/usr/bin/env bash
# Issue 22: the default with a 7,500-update schedule (dev only), beside the CI run.
set -euo pipefail
export PATH=/work/main/.venv/bin:$PATH
cd /tmp/whole/clone
s=$(date +%s)
python -m spacy train configs/default.cfg --output /tmp/whole/out/ours-7500 --training.max_steps 7500 \
  --paths.train /work/main/corpus/en_ewt-ud-train.spacy --paths.dev /work/main/corpus/en_ewt-ud-dev.spacy > /tmp/whole/out/ours-7500.log 2>&1
echo "ours_7500_updates commit $(git rev-parse --short HEAD) training took $(( $(date +%s) - s )) s (beside a CI run)" | tee -a /tmp/whole/out/times.txt
