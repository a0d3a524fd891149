#!/usr/bin/env bash
# GPU check, run once on a machine with an NVIDIA GPU (CuPy and torch installed):
#   bash benchmarks/gpu_check.sh OUT_DIR [SWEEP_SECONDS]
# Install the package with its onnx extra first (pip install '.[onnx]'): step 5
# compares the fused CPU path with torch on the GPU.
# 1. trains lstm_tagger (default: XPOS, UPOS, FEATS and LEMMA; fast: XPOS), spaCy's
#    CNN tagger and spaCy's tagger + morphologizer briefly on the GPU (weights
#    do not change speed), 2. times one training epoch of each (train_speed.py),
# 3. times inference side by side (speed.py; the joint default also against
#    spaCy's tagger + morphologizer), 4. optionally runs a short
#    hyperparameter sweep of lstm_tagger configs in parallel on the same GPU,
# 5. checks the paths added since the last GPU run: a char BiLSTM trains on the
#    GPU, and a GPU pipeline (torch, never the fused path) tags EWT test as the
#    fused CPU path does (fused_equivalence.py --gpu-id).
set -uo pipefail
OUT=${1:?output dir}
SWEEP_SECONDS=${2:-0}
GPU=0
mkdir -p "$OUT" /tmp/gpu
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
python3 -c "import spacy, thinc, torch, cupy; print('spacy', spacy.__version__, 'thinc', thinc.__version__, 'torch', torch.__version__, 'cupy', cupy.__version__)" | tee -a "$OUT/gpu.txt"

train_brief() {  # config output
  python3 -m spacy train "$1" --output "$2" --gpu-id $GPU --training.max_steps 60 --training.max_epochs 0 \
    --training.eval_frequency 60 > "$2.log" 2>&1 || { tail -30 "$2.log"; return 1; }
}
train_brief configs/default.cfg /tmp/gpu/ours && train_brief configs/fast.cfg /tmp/gpu/fast \
  && train_brief configs/spacy_cnn_tagger.cfg /tmp/gpu/cnn \
  && train_brief configs/spacy_tagger_morphologizer.cfg /tmp/gpu/cnn_morph || exit 1

if [ "${TRAIN_SPEED:-1}" = 1 ]; then
  python3 benchmarks/train_speed.py configs/default.cfg configs/fast.cfg --baseline configs/spacy_cnn_tagger.cfg --gpu-id $GPU \
    --json "$OUT/train_speed_gpu.json" > "$OUT/train_speed_gpu.txt" 2>&1; grep -E "epoch|words/s" "$OUT/train_speed_gpu.txt" | tail -6
  python3 benchmarks/train_speed.py configs/default.cfg --baseline configs/spacy_tagger_morphologizer.cfg --gpu-id $GPU \
    --json "$OUT/train_speed_gpu_joint.json" > "$OUT/train_speed_gpu_joint.txt" 2>&1; grep -E "epoch|words/s" "$OUT/train_speed_gpu_joint.txt" | tail -4
fi
for batch in 1024 256; do
  python3 benchmarks/speed.py --ours default=/tmp/gpu/ours/model-last --baseline /tmp/gpu/cnn_morph/model-last \
    --gpu-id $GPU --batch-size $batch --repeat 4 --rounds 3 --json "$OUT/speed_gpu_joint_b$batch.json" > "$OUT/speed_gpu_joint_b$batch.txt"
  head -5 "$OUT/speed_gpu_joint_b$batch.txt"
done
python3 benchmarks/speed.py --ours default=/tmp/gpu/ours/model-last --ours fast=/tmp/gpu/fast/model-last --baseline /tmp/gpu/cnn/model-last \
  --gpu-id $GPU --batch-size 1024 --repeat 8 --rounds 3 --json "$OUT/speed_gpu_b1024.json" > "$OUT/speed_gpu_b1024.txt"; head -5 "$OUT/speed_gpu_b1024.txt"
python3 benchmarks/speed.py --ours default=/tmp/gpu/ours/model-last --ours fast=/tmp/gpu/fast/model-last --baseline /tmp/gpu/cnn/model-last \
  --gpu-id $GPU --batch-size 256 --repeat 4 --rounds 3 --json "$OUT/speed_gpu_b256.json" > "$OUT/speed_gpu_b256.txt"; head -5 "$OUT/speed_gpu_b256.txt"

if [ "$SWEEP_SECONDS" -gt 0 ]; then
  declare -A SWEEP=(
    [nochar_h128]="--components.lstm_tagger.model.char_rows 0"
    [char_h128]=""
    [char_h256]="--components.lstm_tagger.model.hidden_width 256"
    [char_h128_wd25]="--components.lstm_tagger.model.word_dropout 0.25"
    [char_h192_do4]="--components.lstm_tagger.model.hidden_width 192 --components.lstm_tagger.model.dropout 0.4"
    [char_h128_d3]="--components.lstm_tagger.model.depth 3"
    [char_h128_b2k]="--training.batcher.size 2000"
  )
  for name in "${!SWEEP[@]}"; do
    OMP_NUM_THREADS=2 timeout "$SWEEP_SECONDS" python3 -m spacy train configs/default.cfg --gpu-id $GPU \
      --output /tmp/gpu/sweep_$name --training.max_epochs 40 ${SWEEP[$name]} > "$OUT/sweep_$name.log" 2>&1 &
  done
  wait
fi
# 5. Paths new since the last GPU run.
train_brief_bilstm() {
  python3 -m spacy train configs/default.cfg --output /tmp/gpu/bilstm --gpu-id $GPU --training.max_steps 60 \
    --training.eval_frequency 60 --components.lstm_tagger.model.char_encoder bilstm > /tmp/gpu/bilstm.log 2>&1 \
    || { tail -30 /tmp/gpu/bilstm.log; return 1; }
}
train_brief_bilstm && echo "char BiLSTM trained on the GPU: $(grep -c '^ *[0-9]' /tmp/gpu/bilstm.log) log rows"
python3 benchmarks/fused_equivalence.py /tmp/gpu/ours/model-last --gpu-id $GPU --json "$OUT/fused_equivalence_gpu.json" \
  > "$OUT/fused_equivalence_gpu.txt" 2>&1; tail -12 "$OUT/fused_equivalence_gpu.txt"
echo done
