#!/bin/bash
# spaCy's tagger + morphologizer + trainable_lemmatizer on EWT, then Uyghur; one thread.
set -x
cd /work/main
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
P=.venv/bin/python
C=configs/spacy_tagger_morphologizer_lemmatizer.cfg
s=$(date +%s)
$P -m spacy train $C --output training/lemma/spacy-ewt > training/lemma/spacy-ewt.log 2>&1
echo "EWT training seconds $(( $(date +%s) - s ))" >> training/lemma/spacy-ewt.log
$P -m spacy evaluate training/lemma/spacy-ewt/model-best corpus/en_ewt-ud-test.spacy --gold-preproc --output training/lemma/spacy-ewt-test.json > training/lemma/spacy-ewt-eval.log 2>&1
s=$(date +%s)
$P -m spacy train $C --output training/lemma/spacy-ug --paths.train training/data/ug_udt-ud-train.spacy --paths.dev training/data/ug_udt-ud-dev.spacy --nlp.lang xx > training/lemma/spacy-ug.log 2>&1
echo "UG training seconds $(( $(date +%s) - s ))" >> training/lemma/spacy-ug.log
$P -m spacy evaluate training/lemma/spacy-ug/model-best training/data/ug_udt-ud-test.spacy --gold-preproc --output training/lemma/spacy-ug-test.json > training/lemma/spacy-ug-eval.log 2>&1
