"""Rebuilds a trained pipeline's lemma lexicon with the library on the path
(gold.lemma_lexicon, what the component's initialize runs) over its train
corpus (a .spacy file or a directory of them, gold words), and saves the
pipeline; the weights and everything else stay as they are. With --coarse,
the lexicon without its refinements (as before they existed).
    python relexicon.py MODEL TRAIN OUTPUT [--coarse]"""
import argparse
from pathlib import Path

import spacy
from spacy.tokens import Doc, DocBin
from spacy.training import Example

from spacy_lstm_tagger.gold import lemma_lexicon

parser = argparse.ArgumentParser()
parser.add_argument("model")
parser.add_argument("train", type=Path)
parser.add_argument("output")
parser.add_argument("--coarse", action="store_true")
args = parser.parse_args()
nlp = spacy.load(args.model)
paths = sorted(args.train.glob("**/*.spacy")) if args.train.is_dir() else [args.train]
golds = [doc for path in paths for doc in DocBin().from_disk(path).get_docs(nlp.vocab)]
examples = [Example(Doc(nlp.vocab, words=[t.text for t in g], spaces=[bool(t.whitespace_) for t in g]), g) for g in golds]
tagger = nlp.get_pipe("lstm_tagger")
lexicon = lemma_lexicon(examples, tagger.predicted_attrs, tagger.cfg["morph_mode"])
if args.coarse:
    lexicon.pop("refined_by", None)
    lexicon.pop("refined", None)
tagger.cfg["lemma_lexicon"] = lexicon
nlp.to_disk(args.output)
print(f"{len(lexicon['entries'])} entries, refined by {lexicon.get('refined_by')}: {len(lexicon.get('refined', ()))} rows")
