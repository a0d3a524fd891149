#!/usr/bin/env bash
# 2026-12-06/07, after midnight: issue 32 target 2, syntax as an auxiliary task. UDPipe 2.0
# trained its tagger jointly with a dependency parser (../shared/corpus/ud-2.2/README.md); this
# project's LSTM never sees the trees. One change per arm on configs/default.cfg, EWT dev only,
# one torch thread each, two trainings at a time, as the default's runs it is compared with
# (wider-input-2026-12-06/ewt-res5k-charheads-s{0,1}).
#   bash run.sh ARM SEED      (from the repository root, its .venv made as the README says)
# ARM: dep (a fifth head predicting DEPREL, dep_attr.py), tree (the same head predicting the whole
# tree as one label per word, relabel.py: relation and the head's place by UPOS).
set -euo pipefail
ARM=$1; SEED=$2; shift 2
# AUX_DEP_WEIGHT=w in the environment weighs the dep head's gradient by w (dep_attr.py); its runs
# are named ARM-wW.
NAME=$ARM${AUX_DEP_WEIGHT:+-w$AUX_DEP_WEIGHT}
R=benchmarks/results/aux-syntax-2026-12-06
. .venv/bin/activate
case $ARM in
  dep) args=() ;;
  tree)
    [ -f training/ewt-train-tree.spacy ] || python $R/relabel.py corpus/en_ewt-ud-train.spacy training/ewt-train-tree.spacy
    [ -f training/ewt-dev-tree.spacy ] || python $R/relabel.py corpus/en_ewt-ud-dev.spacy training/ewt-dev-tree.spacy
    args=(--paths.train training/ewt-train-tree.spacy --paths.dev training/ewt-dev-tree.spacy) ;;
  *) echo "unknown arm $ARM" >&2; exit 2 ;;
esac
echo "$NAME s$SEED $* commit $(git rev-parse HEAD) cpu '$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)' start $(date -Is)" >> $R/times.txt
s=$(date +%s)
OMP_NUM_THREADS=1 python -m spacy train configs/default.cfg --output training/aux-$NAME-s$SEED \
  --code $R/dep_attr.py --system.seed "$SEED" \
  --components.lstm_tagger.attr '["tag", "pos", "morph", "lemma", "dep"]' "${args[@]}" "$@" \
  > $R/ewt-$NAME-s$SEED.log 2>&1
echo "$NAME s$SEED training took $(( $(date +%s) - s )) s" >> $R/times.txt
cd benchmarks
OMP_NUM_THREADS=1 python results/aux-syntax-2026-12-06/score.py ../training/aux-$NAME-s$SEED/model-best \
  ../corpus/en_ewt-ud-dev.spacy --json "../$R/ewt-$NAME-s$SEED-dev.json" > /dev/null 2>&1
