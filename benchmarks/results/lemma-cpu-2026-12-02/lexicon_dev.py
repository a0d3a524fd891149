"""Dev lemma accuracy of a trained pipeline without and with the lemma lexicon
(built by the component's own initialize step from the train corpus).
    python lexicon_dev.py MODEL TRAIN.spacy DEV.spacy"""
import sys, spacy, torch
torch.set_num_threads(1)
from spacy.tokens import DocBin, Doc
from spacy.training import Example
from spacy_lstm_tagger.scorer import score_lstm_tagger
nlp = spacy.load(sys.argv[1]); trainp, devp = sys.argv[2], sys.argv[3]
tagger = nlp.get_pipe("lstm_tagger")
def examples(path):
    golds = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    return [Example(Doc(nlp.vocab, words=[t.text for t in g]), g) for g in golds]
train = examples(trainp)
def score():
    dev = examples(devp)
    preds = list(nlp.pipe([eg.predicted for eg in dev]))
    return score_lstm_tagger([Example(p, eg.reference) for p, eg in zip(preds, dev)], attrs=["lemma"])["lemma_acc"]
tagger.cfg.pop("lemma_lexicon", None)
print("without lexicon %.2f" % (100 * score()))
tagger._build_lemma_lexicon(lambda: train)
print("entries", len(tagger.cfg["lemma_lexicon"]["entries"]), tagger.cfg["lemma_lexicon"]["pos_attr"])
print("with lexicon %.2f" % (100 * score()))
