#!/usr/bin/env bash
# 2026-12-06, evening: the README's headline table again, with the new configs/default.cfg.
# spaCy's tagger + morphologizer + trainable_lemmatizer on EWT, then on Uyghur-UDT v2.16, one torch
# thread, in the background (beside other trainings: their wall times are not compared), each
# scored once on test with spacy evaluate and with benchmarks/ud_scores.py (LEMMA as ours).
#   bash run_spacy.sh OUT      (from the repository root; training/ug216/{train,dev,test} made with
#   python -m spacy convert ../shared/corpus/UD_Uyghur-UDT/ug_udt-ud-$S.conllu training/ug216/$S --converter conllu --n-sents 1)
set -euo pipefail
OUT=$(realpath "$1"); mkdir -p "$OUT"
. .venv/bin/activate
export OMP_NUM_THREADS=1
C=configs/spacy_tagger_morphologizer_lemmatizer.cfg
echo "commit $(git rev-parse HEAD) cpu '$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)' start $(date -Is)" | tee -a "$OUT/times.txt"
python -m spacy train $C --output training/spacy3-ewt > "$OUT/spacy3-ewt.log" 2>&1
echo "spacy3-ewt trained $(date -Is)" | tee -a "$OUT/times.txt"
python -m spacy train $C --output training/spacy3-ug216 --paths.train training/ug216/train --paths.dev training/ug216/dev \
  --nlp.lang xx > "$OUT/spacy3-ug216.log" 2>&1
echo "spacy3-ug216 trained $(date -Is)" | tee -a "$OUT/times.txt"
python -m spacy evaluate training/spacy3-ewt/model-best corpus/en_ewt-ud-test.spacy --gold-preproc --output "$OUT/spacy3-ewt-test-metrics.json" > /dev/null 2>&1
python -m spacy evaluate training/spacy3-ug216/model-best training/ug216/test --gold-preproc --output "$OUT/spacy3-ug216-test-metrics.json" > /dev/null 2>&1
cd benchmarks
python ud_scores.py ../training/spacy3-ewt/model-best ../corpus/en_ewt-ud-test.spacy --json "$OUT/spacy3-ewt-test.json" > /dev/null 2>&1
python ud_scores.py ../training/spacy3-ug216/model-best ../training/ug216/test --json "$OUT/spacy3-ug216-test.json" > /dev/null 2>&1
echo "end $(date -Is)" | tee -a "$OUT/times.txt"
