#!/usr/bin/env bash
# What a 4,000-update schedule gives (not the default): dev only, quiet.
set -euo pipefail
export PATH=/work/main/.venv/bin:$PATH
cd /tmp/whole/clone
s=$(date +%s)
python -m spacy train configs/default.cfg --output /tmp/whole/out/ours-4000 --training.max_steps 4000 \
  --paths.train /work/main/corpus/en_ewt-ud-train.spacy --paths.dev /work/main/corpus/en_ewt-ud-dev.spacy > /tmp/whole/out/ours-4000.log 2>&1
echo "ours_4000_updates commit $(git rev-parse --short HEAD) training took $(( $(date +%s) - s )) s" | tee -a /tmp/whole/out/times.txt
