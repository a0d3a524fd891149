#!/bin/bash
# Uyghur-UDT (UD 2.2) dev runs, issue 32: one change per run against the default.
set -e
cd "$(dirname "$0")/../.."
. .venv/bin/activate
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
name=$1; shift
mkdir -p training/ug22/$name
python -m spacy train training/ug22/${CONFIG:-config.cfg} --output training/ug22/$name \
  --training.logger.logger2.output_file training/ug22/$name/train-log.jsonl "$@" > training/ug22/$name/train.log 2>&1
