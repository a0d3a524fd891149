#!/bin/bash
# Three heads against four, same commit, same conditions: two trainings at once,
# one torch thread each. Waits for the EWT ablation lane to finish first; EWT=1 also runs the EWT pair.
cd /work/runs/pair
while ! grep -q "training seconds" /work/main/training/ablation2/ewt-char-bilstm.log; do sleep 20; done
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
P=/work/main/.venv/bin/python
D=/work/main/training/data
UG="--paths.train $D/ug_udt-ud-train.spacy --paths.dev $D/ug_udt-ud-dev.spacy --nlp.lang xx"
OUT=/work/runs/out
mkdir -p $OUT
git rev-parse --short HEAD > $OUT/COMMIT
run() {
  name=$1; shift
  s=$(date +%s)
  echo "start $name $(date -u +%FT%TZ)" >> $OUT/times.txt
  $P -m spacy train configs/default.cfg --output $OUT/$name "$@" > $OUT/$name.log 2>&1
  echo "training seconds $(( $(date +%s) - s ))" >> $OUT/$name.log
  echo "end $name $(date -u +%FT%TZ) $(( $(date +%s) - s )) s" >> $OUT/times.txt
}
THREE='["tag","pos","morph"]'
run ug-three $UG --components.lstm_tagger.attr "$THREE" &
run ug-four $UG &
wait
if [ "${EWT:-0}" = 1 ]; then
run ewt-three --components.lstm_tagger.attr "$THREE" &
run ewt-four &
wait
fi
echo done >> $OUT/times.txt
