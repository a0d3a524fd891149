#!/bin/bash
# Uyghur dev ablations against the four-head default; one thread each, two at once.
cd /work/main
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
P=.venv/bin/python
UG="--paths.train training/data/ug_udt-ud-train.spacy --paths.dev training/data/ug_udt-ud-dev.spacy --nlp.lang xx"
run() {
  name=$1; shift
  s=$(date +%s)
  $P -m spacy train configs/default.cfg --output training/ablation/$name $UG "$@" > training/ablation/$name.log 2>&1
  echo "training seconds $(( $(date +%s) - s ))" >> training/ablation/$name.log
}
run ug-char-end3 --components.lstm_tagger.model.char_end_positions 3 &
run ug-suffix6 --components.lstm_tagger.model.suffix_lengths "[1,2,3,4,5,6]" &
wait
