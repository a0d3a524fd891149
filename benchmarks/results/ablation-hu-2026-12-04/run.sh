#!/bin/bash
# Hungarian-Szeged (UD 2.2) dev ablation, issue 32: one change per run against the default.
#   bash run.sh default
#   bash run.sh hidden384 --components.lstm_tagger.model.hidden_width 384
#   bash run.sh charbilstm128 --components.lstm_tagger.model.char_encoder bilstm --components.lstm_tagger.model.char_filters 128
# First, from the repository root (config.cfg beside this file was written so, at e122629,
# when configs/default.cfg still read sentences only):
#   H=../shared/corpus/ud-2.2/UD_Hungarian-Szeged
#   for s in train dev test; do mkdir -p training/hu/$s; python -m spacy convert $H/hu_szeged-ud-$s.conllu training/hu/$s --converter conllu --n-sents 1; done
#   python scripts/configure_training.py configs/default.cfg training/hu/config.cfg --attr tag_pos_morph_lemma \
#     --max-eval-frequency 200 --log training/hu/train-log.jsonl --paths.train training/hu/train \
#     --paths.dev training/hu/dev --nlp.lang hu --training.max_steps 5000
# The three ran at once, one torch thread each, beside other trainings. The paragraph rows:
# CONFIG=config-paragraphs.cfg (the same configure_training.py command at 250bea9, into
# training/hu/config-paragraphs.cfg; a copy is beside this file).
set -e
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
name=$1; shift
mkdir -p training/hu/$name
python -m spacy train training/hu/${CONFIG:-config.cfg} --output training/hu/$name \
  --training.logger.logger2.output_file training/hu/$name/train-log.jsonl "$@" > training/hu/$name/train.log 2>&1
