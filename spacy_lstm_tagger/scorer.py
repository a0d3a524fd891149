"""The component's scores, under spaCy's names: tag_acc, pos_acc, morph_acc,
morph_per_feat and lemma_acc, computed as spaCy's tagger, morphologizer and
lemmatizer compute them, except that a gold lemma "_" (UD's "no lemma given")
is not scored, as the CoNLL 2018 evaluation does not score it."""
from typing import Callable, Dict, Iterable, Optional, Sequence

from spacy import util
from spacy.scorer import Scorer
from spacy.tokens import Token
from spacy.training import Example

from .lemma import MISSING


@util.registry.scorers("spacy_lstm_tagger.scorer.v1")
def make_lstm_tagger_scorer() -> Callable:
    return score_lstm_tagger


def score_lstm_tagger(
    examples: Iterable[Example], attr: str = "tag", attrs: Optional[Sequence[str]] = None, **kwargs
) -> Dict:
    """tag_acc, pos_acc, morph_acc, morph_per_feat and lemma_acc, for the
    attributes the component predicts (`attrs`, or the one `attr`), scored as
    spaCy's tagger, morphologizer and lemmatizer score them (lemma: see
    lemma_or_missing)."""
    examples = list(examples)
    scores: Dict = {}
    for name in attrs or [attr]:
        if name == "morph":
            scores.update(Scorer.score_token_attr(examples, "morph", getter=_morph_key, **kwargs))
            scores.update(Scorer.score_token_attr_per_feat(examples, "morph", getter=_morph_key, **kwargs))
        elif name == "lemma":
            scores.update(Scorer.score_token_attr(examples, "lemma", getter=lemma_or_missing, **kwargs))
        else:
            scores.update(Scorer.score_token_attr(examples, name, **kwargs))
    return scores


def lemma_or_missing(token: Token, attr: str = "lemma") -> str:
    """token.lemma_, "" (missing: not scored) for UD's "no lemma given", a
    lemma "_" of a form that is not "_". On Uyghur-UDT a quarter of the
    tokens have it; spaCy's own lemmatizer scorer counts them as errors."""
    lemma = token.lemma_
    return "" if lemma == MISSING and token.text != MISSING else lemma


def _morph_key(token: Token, attr: str) -> int:
    return getattr(token, attr).key
