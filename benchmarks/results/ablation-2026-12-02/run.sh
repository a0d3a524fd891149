#!/bin/bash
# Dev ablations against the four-head default; one thread each, two lanes at once.
cd /work/main
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
P=.venv/bin/python
UG="--paths.train training/data/ug_udt-ud-train.spacy --paths.dev training/data/ug_udt-ud-dev.spacy --nlp.lang xx"
run() {
  name=$1; shift
  s=$(date +%s)
  $P -m spacy train configs/default.cfg --output training/ablation2/$name "$@" > training/ablation2/$name.log 2>&1
  echo "training seconds $(( $(date +%s) - s ))" >> training/ablation2/$name.log
}
( run ewt-char-bilstm --components.lstm_tagger.model.char_encoder bilstm ) &
( run ug-char-bilstm $UG --components.lstm_tagger.model.char_encoder bilstm
  run ug-no-label-smoothing $UG --components.lstm_tagger.label_smoothing 0.0
  run ug-no-word-dropout $UG --components.lstm_tagger.model.word_dropout 0.0 ) &
wait
