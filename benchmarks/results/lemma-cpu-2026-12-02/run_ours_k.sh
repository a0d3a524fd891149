#!/bin/bash
# The four-head default on EWT with the 'K' lemma casing (commit c48634d); one thread.
set -x
cd /work/main
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
P=.venv/bin/python
s=$(date +%s)
$P -m spacy train configs/default.cfg --output training/lemma/ours-k-ewt > training/lemma/ours-k-ewt.log 2>&1
echo "EWT training seconds $(( $(date +%s) - s ))" >> training/lemma/ours-k-ewt.log
