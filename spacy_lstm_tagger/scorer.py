"""The component's scores, under spaCy's names: tag_acc, pos_acc, morph_acc
and morph_per_feat, computed as spaCy's tagger and morphologizer compute them."""
from typing import Callable, Dict, Iterable, Optional, Sequence

from spacy import util
from spacy.scorer import Scorer
from spacy.tokens import Token
from spacy.training import Example


@util.registry.scorers("spacy_lstm_tagger.scorer.v1")
def make_lstm_tagger_scorer() -> Callable:
    return score_lstm_tagger


def score_lstm_tagger(
    examples: Iterable[Example], attr: str = "tag", attrs: Optional[Sequence[str]] = None, **kwargs
) -> Dict:
    """tag_acc, pos_acc, morph_acc and morph_per_feat, for the attributes the
    component predicts (`attrs`, or the one `attr`), scored as spaCy's tagger
    and morphologizer score them."""
    examples = list(examples)
    scores: Dict = {}
    for name in attrs or [attr]:
        if name == "morph":
            scores.update(Scorer.score_token_attr(examples, "morph", getter=_morph_key, **kwargs))
            scores.update(Scorer.score_token_attr_per_feat(examples, "morph", getter=_morph_key, **kwargs))
        else:
            scores.update(Scorer.score_token_attr(examples, name, **kwargs))
    return scores


def _morph_key(token: Token, attr: str) -> int:
    return getattr(token, attr).key
