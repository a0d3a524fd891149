#!/usr/bin/env bash
# 2026-12-07, morning: issue 32 target 2, changes that cost nothing at tagging time and nothing at
# training time, one per arm, on configs/default.cfg, EWT dev only. One torch thread each, two
# trainings at a time, as the base arm's runs (wider-input-2026-12-06/ewt-res5k-charheads-s{0,1}).
#   bash run.sh ARM SEED      (from the repository root, its .venv made as the README says)
# ARM:
#   ls010   label_smoothing 0.1 (the default's 0.03 gained +0.08 XPOS / +0.14 UPOS over none on
#           2026-12-02's model)
#   wd01, wd03   word_dropout 0.1 / 0.3
#   l2      the optimizer's L2 = 0.01 as weight decay (spaCy's own default; the config has 0,
#           never measured)
#   sent1   corpora.train.max_sentences 1: sentences only, no paragraph examples (last measured
#           on 2026-12-04's model, one seed)
#   step004, step002   a step decay of the learning rate (step-decay.cfg: configs/default.cfg with
#           step_decay.py's schedule, given with --code): the default's warm-up to 0.004 (or 0.002),
#           held to update 3,333, then a tenth of it for the last third
#   lw-tp2, lw-t2, lw-m05   per-attribute loss weights tag=2,pos=2 / tag=2 / morph=0.5 (lw-m05
#           not run), from the local branch probe/attr-loss-weights (attr-loss-weights-probe.patch
#           on 2645b46; recreate with `git worktree add /tmp/wt-lossw probe/attr-loss-weights` and
#           probe_spacy.py copied into it), run through probe_spacy.py, which imports that tree's
#           package instead of the editable install.
#   gru160  the word layers as GRUs of 160 (3 gates: about the 2 x 128 LSTM's multiply-adds), from
#           the local branch probe/gru (gru-probe.patch on 32b0a87, LSTM_TAGGER_CELL=gru), checked
#           out at /tmp/wt-gru with probe_spacy.py copied in and its path set to it; torch only
#           (the fused graph refuses a GRU), nn.GRU's own packed backward, so its time is no figure
# Each run started from a copy of this file, made by worker.sh: bash reads a script as it runs,
# and this one was edited while the ls010 pair ran (their scoring lines were then run by hand,
# their training time taken from when the process ended).
set -euo pipefail
ARM=$1; SEED=$2
R=benchmarks/results/free-gains-2026-12-07
CONFIG=configs/default.cfg
. .venv/bin/activate
case $ARM in
  ls010) args=(--components.lstm_tagger.label_smoothing 0.1) ;;
  wd01) args=(--components.lstm_tagger.model.word_dropout 0.1) ;;
  wd03) args=(--components.lstm_tagger.model.word_dropout 0.3) ;;
  l2) args=(--training.optimizer.L2 0.01) ;;
  sent1) args=(--corpora.train.max_sentences 1) ;;
  gru160) args=(--components.lstm_tagger.model.hidden_width 160); export LSTM_TAGGER_CELL=gru ;;
  step004) CONFIG=$R/step-decay.cfg; args=(--code $R/step_decay.py) ;;
  step002) CONFIG=$R/step-decay.cfg; args=(--code $R/step_decay.py --training.optimizer.learn_rate.initial_rate 0.002) ;;
  lw-tp2) args=(); export LSTM_TAGGER_ATTR_LOSS_WEIGHTS="tag=2,pos=2" ;;
  lw-t2) args=(); export LSTM_TAGGER_ATTR_LOSS_WEIGHTS="tag=2" ;;
  lw-m05) args=(); export LSTM_TAGGER_ATTR_LOSS_WEIGHTS="morph=0.5" ;;
  *) echo "unknown arm $ARM" >&2; exit 2 ;;
esac
echo "$ARM s$SEED commit $(git rev-parse HEAD) cpu '$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)' start $(date -Is)" >> $R/times.txt
s=$(date +%s)
SPACY=(-m spacy); [[ $ARM == lw-* ]] && SPACY=(/tmp/wt-lossw/probe_spacy.py)
[[ $ARM == gru* ]] && SPACY=(/tmp/wt-gru/probe_spacy.py)
OMP_NUM_THREADS=1 python "${SPACY[@]}" train $CONFIG --output training/fg-$ARM-s$SEED \
  --system.seed "$SEED" "${args[@]}" > $R/ewt-$ARM-s$SEED.log 2>&1
echo "$ARM s$SEED training took $(( $(date +%s) - s )) s" >> $R/times.txt
cd benchmarks
SCORE=(); [[ $ARM == gru* ]] && SCORE=(../$R/probe_run.py)   # the GRU arms' first runs did not have this: scored by hand, the same way
OMP_NUM_THREADS=1 python "${SCORE[@]}" ud_scores.py ../training/fg-$ARM-s$SEED/model-best ../corpus/en_ewt-ud-dev.spacy \
  --json "../$R/ewt-$ARM-s$SEED-dev.json" > /dev/null 2>&1
