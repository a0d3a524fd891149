"""Adds the lemma lexicon to a pipeline trained before it existed: the
component's own initialize step (_build_lemma_lexicon) over the same train corpus.
    python add_lexicon.py MODEL TRAIN.spacy OUTPUT"""
import sys, spacy
from spacy.tokens import DocBin, Doc
from spacy.training import Example
nlp = spacy.load(sys.argv[1])
golds = list(DocBin().from_disk(sys.argv[2]).get_docs(nlp.vocab))
examples = [Example(Doc(nlp.vocab, words=[t.text for t in g]), g) for g in golds]
nlp.get_pipe("lstm_tagger")._build_lemma_lexicon(lambda: examples)
nlp.to_disk(sys.argv[3])
print(len(nlp.get_pipe("lstm_tagger").cfg["lemma_lexicon"]["entries"]), "entries")
