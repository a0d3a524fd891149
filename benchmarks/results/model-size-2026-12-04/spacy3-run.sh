#!/bin/bash
# spaCy's tagger + morphologizer + trainable_lemmatizer on the UD 2.2 treebanks (issue 32's
# side-by-side), one torch thread, after the Uyghur default run frees a core.
cd "$(dirname "$0")/../.."
. .venv/bin/activate
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
while kill -0 15502 2>/dev/null; do sleep 30; done
for tb in hu:hu ug22:xx; do
  name=${tb%%:*}; lang=${tb##*:}
  start=$(date +%s)
  python -m spacy train configs/spacy_tagger_morphologizer_lemmatizer.cfg --output training/spacy3/$name \
    --paths.train training/$name/train --paths.dev training/$name/dev --nlp.lang $lang > training/spacy3/$name.train.log 2>&1
  echo "$name $(( $(date +%s) - start )) s, finished $(date)" >> training/spacy3/times.txt
done
