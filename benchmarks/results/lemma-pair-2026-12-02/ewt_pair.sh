#!/bin/bash
# EWT: three heads against four, same commit (8d617c1), both at once, one torch thread each.
cd /work/runs/pair
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
P=/work/main/.venv/bin/python
OUT=/work/runs/out
run() {
  name=$1; shift
  s=$(date +%s)
  echo "start $name $(date -u +%FT%TZ)" >> $OUT/times.txt
  $P -m spacy train configs/default.cfg --output $OUT/$name "$@" > $OUT/$name.log 2>&1
  echo "training seconds $(( $(date +%s) - s ))" >> $OUT/$name.log
  echo "end $name $(date -u +%FT%TZ) $(( $(date +%s) - s )) s" >> $OUT/times.txt
}
run ewt-three --paths.train /work/main/corpus/en_ewt-ud-train.spacy --paths.dev /work/main/corpus/en_ewt-ud-dev.spacy --components.lstm_tagger.attr '["tag","pos","morph"]' &
run ewt-four --paths.train /work/main/corpus/en_ewt-ud-train.spacy --paths.dev /work/main/corpus/en_ewt-ud-dev.spacy &
wait
echo "done ewt" >> $OUT/times.txt
