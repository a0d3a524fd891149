#!/bin/bash
# The four-head default on EWT, then Uyghur; one thread.
set -x
cd /work/main
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
P=.venv/bin/python
C=configs/default.cfg
s=$(date +%s)
$P -m spacy train $C --output training/lemma/ours-ewt > training/lemma/ours-ewt.log 2>&1
echo "EWT training seconds $(( $(date +%s) - s ))" >> training/lemma/ours-ewt.log
$P -m spacy evaluate training/lemma/ours-ewt/model-best corpus/en_ewt-ud-test.spacy --gold-preproc --output training/lemma/ours-ewt-test.json > training/lemma/ours-ewt-eval.log 2>&1
s=$(date +%s)
$P -m spacy train $C --output training/lemma/ours-ug --paths.train training/data/ug_udt-ud-train.spacy --paths.dev training/data/ug_udt-ud-dev.spacy --nlp.lang xx > training/lemma/ours-ug.log 2>&1
echo "UG training seconds $(( $(date +%s) - s ))" >> training/lemma/ours-ug.log
$P -m spacy evaluate training/lemma/ours-ug/model-best training/data/ug_udt-ud-test.spacy --gold-preproc --output training/lemma/ours-ug-test.json > training/lemma/ours-ug-eval.log 2>&1
