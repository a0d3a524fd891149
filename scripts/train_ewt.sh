#!/usr/bin/env bash
# The main job: convert UD English-EWT to DocBin, train lstm_tagger with a
# config, evaluate on the test set and print the tag accuracy.
#   bash scripts/train_ewt.sh [CONFIG] [OUTPUT_DIR] [extra spacy train args...]
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${1:-configs/default.cfg}
OUTPUT=${2:-training/default}
shift $(( $# > 2 ? 2 : $# ))
bash scripts/convert_ewt.sh
start=$(date +%s)
python -m spacy train "$CONFIG" --output "$OUTPUT" "$@"
echo "training took $(( $(date +%s) - start )) s"
python -m spacy evaluate "$OUTPUT/model-best" corpus/en_ewt-ud-test.spacy --gold-preproc --output "$OUTPUT/test-metrics.json"
python - "$OUTPUT/test-metrics.json" <<'PY'
import json, sys
metrics = json.load(open(sys.argv[1]))
for key in ("tag_acc", "pos_acc", "morph_acc"):
    if metrics.get(key) is not None:
        print(f"EWT test {key}: {100 * metrics[key]:.2f}%")
PY
