#!/usr/bin/env bash
# Install the package the way users get it (a wheel, in a fresh virtual
# environment) and run the test suite against the installed copy.
#   bash scripts/run_tests.sh                 # everything
#   bash scripts/run_tests.sh -m "not slow"   # quick subset
# Extra arguments go to pytest. VENV picks the environment (default .venv-test).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv-test}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
# shellcheck disable=SC1091
. "$VENV/bin/activate"
# torch 2.13.0 first: a bare "torch" requirement would pull a CUDA build.
pip install -q torch==2.13.0
rm -rf dist && pip wheel -q --no-deps -w dist .
pip install -q --force-reinstall --no-deps dist/spacy_lstm_tagger-*.whl
pip install -q "$(ls dist/spacy_lstm_tagger-*.whl)[test,distributed,report,onnx]"
# The pytest script (not `python -m pytest`) keeps the source tree off
# sys.path, so the tests import the installed package.
SPACY_LSTM_TAGGER_EXPECT_INSTALLED=1 "$VENV/bin/pytest" "$@"
