"""The component's scores, under spaCy's names: tag_acc, pos_acc, morph_acc,
morph_per_feat and lemma_acc, each as its attribute's spec computes it
(attributes.py): as spaCy's tagger, morphologizer and lemmatizer compute
them, except that a gold lemma "_" (UD's "no lemma given") is not scored, as
the CoNLL 2018 evaluation does not score it."""
from typing import Callable, Dict, Iterable, Optional, Sequence

from spacy import util
from spacy.training import Example

from .attributes import ATTRIBUTES


@util.registry.scorers("spacy_lstm_tagger.scorer.v1")
def make_lstm_tagger_scorer() -> Callable:
    return score_lstm_tagger


def score_lstm_tagger(
    examples: Iterable[Example], attr: str = "tag", attrs: Optional[Sequence[str]] = None, **kwargs
) -> Dict:
    """The scores of the attributes the component predicts (`attrs`, or the
    one `attr`)."""
    examples = list(examples)
    scores: Dict = {}
    for name in attrs or [attr]:
        scores.update(ATTRIBUTES[name].score(examples, **kwargs))
    return scores
