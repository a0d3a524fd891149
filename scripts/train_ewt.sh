#!/usr/bin/env bash
# The main job: convert UD English-EWT to DocBin, train lstm_tagger with a
# config, evaluate on the test set's own words and print the accuracies.
#   bash scripts/train_ewt.sh [CONFIG] [OUTPUT_DIR] [extra spacy train args...]
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${1:-configs/default.cfg}
OUTPUT=${2:-training/default}
shift $(( $# > 2 ? 2 : $# ))
echo "[1/3] Converting corpus/en_ewt-ud-{train,dev,test}.conllu to DocBin (spacy convert)"
bash scripts/convert_ewt.sh
echo "[2/3] Training $CONFIG into $OUTPUT (the default config: about 11 minutes on 2 quiet CPU cores;"
echo "      spacy train prints a row of dev scores every 200 updates, of 5,000)"
start=$(date +%s)
python -m spacy train "$CONFIG" --output "$OUTPUT" "$@"
echo "training took $(( $(date +%s) - start )) s"
echo "[3/3] Evaluating $OUTPUT/model-best on the test set (gold words)"
python -m spacy evaluate "$OUTPUT/model-best" corpus/en_ewt-ud-test.spacy --gold-preproc --output "$OUTPUT/test-metrics.json" > /dev/null
python - "$OUTPUT/test-metrics.json" <<'PY'
import json, sys
metrics = json.load(open(sys.argv[1]))
for key, column in (("tag_acc", "XPOS"), ("pos_acc", "UPOS"), ("morph_acc", "FEATS"), ("lemma_acc", "LEMMA")):
    if metrics.get(key) is not None:
        print(f"EWT test {key}: {100 * metrics[key]:.2f}% ({column})")
PY
cat <<EOF2

The trained pipeline is $OUTPUT/model-best (all scores: $OUTPUT/test-metrics.json). Use it:
  python -c 'import spacy; nlp = spacy.load("$OUTPUT/model-best"); print([(t.text, t.tag_, t.pos_, str(t.morph), t.lemma_) for t in nlp("The dogs ate the apples.")])'
or add it to another pipeline: nlp.add_pipe("lstm_tagger", source=spacy.load("$OUTPUT/model-best"))
EOF2
