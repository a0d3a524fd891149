#!/usr/bin/env bash
# Issue 32, 2026-12-06 afternoon, two trainings at a time with one torch thread each:
#   ewt    residual layers of 2 x 128 for 5,000 updates (issue 31's candidate) with
#          subword_width = 64 (the affix tables twice as wide; 16 lost 0.12-0.18 on every column),
#          EWT seeds 0 and 1, scored on dev;
#   ug     Uyghur v2.16 with configs/default.cfg, seeds 2 and 3 of the default and of the
#          residual 2 x 128, 5,000-update candidate (two seeds each are on record);
#   ugsub  Uyghur v2.16, the subword_width = 64 candidate, seeds 0 and 1 (not run: it lost on EWT).
#   bash run.sh ewt|ug|ugsub      (from the repository root)
# training/ug216/{train,dev}: for S in train dev; do python -m spacy convert
#   ../shared/corpus/UD_Uyghur-UDT/ug_udt-ud-$S.conllu training/ug216/$S --converter conllu --n-sents 1; done
set -euo pipefail
R=benchmarks/results/wider-input-2026-12-06
. .venv/bin/activate
RES5K="--components.lstm_tagger.model.lstm_residual true --training.max_steps 5000"
SUB64="--components.lstm_tagger.model.subword_width 64"
UG="--paths.train training/ug216/train --paths.dev training/ug216/dev --nlp.lang xx"
train() {  # NAME DEV_DOCS spacy-train-args...
  local name=$1 dev=$2; shift 2
  OMP_NUM_THREADS=1 python -m spacy train configs/default.cfg --output training/wider/$name "$@" \
    > $R/$name-train.log 2>&1
  (cd benchmarks && python ud_scores.py ../training/wider/$name/model-best ../$dev --json results/wider-input-2026-12-06/$name-dev.json > /dev/null)
}
case $1 in
  ewt)
    for s in 0 1; do train ewt-res5k-sub64-s$s corpus/en_ewt-ud-dev.spacy $RES5K $SUB64 --system.seed $s & done; wait;;
  ug)
    for s in 2 3; do
      train ug216-s$s training/ug216/dev $UG --system.seed $s &
      train ug216-res5k-s$s training/ug216/dev $UG $RES5K --system.seed $s &
      wait
    done;;
  ewt-charheads)
    train ewt-res5k-charheads-s$2 corpus/en_ewt-ud-dev.spacy $RES5K --system.seed $2 \
      --components.lstm_tagger.model.char_heads '["morph", "lemma"]';;
  ug-charheads)  # seeds: the arguments after it (0 1, then 2 3)
    for s in "${@:2}"; do
      train ug216-res5k-charheads-s$s training/ug216/dev $UG $RES5K --system.seed $s \
        --components.lstm_tagger.model.char_heads '["morph", "lemma"]' &
    done; wait;;
  ugsub)
    for s in 0 1; do train ug216-res5k-sub64-s$s training/ug216/dev $UG $RES5K $SUB64 --system.seed $s & done; wait;;
esac
echo "$1 end $(date -Is)"
# Added after the runs above: the FEATS and lemma heads reading the characters (char_heads, the size
# rule's setting) on the residual 5,000-update candidate, EWT, one seed per call, then Uyghur:
#   bash run.sh ewt-charheads SEED
#   bash run.sh ug-charheads 0 1     (then 2 3)
