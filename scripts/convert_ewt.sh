#!/usr/bin/env bash
# Convert the bundled UD English-EWT CoNLL-U files to DocBin with spaCy's
# CoNLL-U converter, one sentence per doc: the LSTM then trains on the same
# units it reads at tagging time (a doc with sentence boundaries is read
# sentence by sentence), and a batch holds many short sequences, which the LSTM
# steps through in parallel (about twice as fast to train as 10-sentence docs).
# Always reconverts (a few seconds), so files from another setting never linger.
set -euo pipefail
cd "$(dirname "$0")/.."
for split in train dev test; do
  python -m spacy convert corpus/en_ewt-ud-$split.conllu corpus/ --converter conllu --n-sents 1 > /dev/null
done
