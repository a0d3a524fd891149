"""The report's use of the attribute specs (attributes.py): a token's value
(token_value) and the scores of its section (attr_section). The rest of the
report treats every attribute alike."""
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Tuple, Union

from spacy.training import Example

from ..attributes import ATTRIBUTES, morph_key
from .report_metrics import compute_report, lemma_report, morph_per_feat

ATTRS = tuple(ATTRIBUTES)
UNTAGGED = "(none)"  # what the pipeline left without a value


def token_value(token, attr: str) -> Optional[str]:
    """The token's label for attr, None when it has none, as the
    attribute's spec reads it (attributes.py): for morph "_" is an analysis
    without features (scored, as spaCy's morph_acc does); for lemma UD's "no
    lemma given" is None (attributes.lemma_or_missing)."""
    return ATTRIBUTES[attr].token_value(token)


def attr_section(
    attr: str,
    records: Sequence[Tuple[str, str, str]],
    *,
    n_unannotated: int,
    examples: Sequence[Example],
    corpus_path: Union[str, Path],
    top_n: int,
    max_labels: Optional[int],
) -> Dict[str, Any]:
    """The report's section for attr, from its (form, gold, predicted)
    records (gold-annotated tokens; n_unannotated: the others) and the
    (predicted, gold) examples of the corpus: lemma, the accuracy and the
    most frequent wrong lemmas; the others, per-label scores and a confusion
    matrix (the report plots the sections that have one); morph, also
    spaCy's per-feature scores. A ValueError when no token has a gold
    value."""
    spec = ATTRIBUTES[attr]
    if not records:
        raise ValueError(f"{corpus_path} has no token.{spec.token_field} annotation to score against.")
    if spec.per_label_report:
        pairs = [(gold, pred) for _, gold, pred in records]
        scores = compute_report(pairs, top_n=top_n, max_labels=max_labels)
    else:
        scores = lemma_report(records, top_n=top_n)
    section: Dict[str, Any] = {
        "attr": attr,
        "n_unannotated_tokens": n_unannotated,
        f"{attr}_acc": scores["accuracy"],
    }
    section.update(scores)
    # The attribute's further scalar scores (spacy evaluate's), e.g. UFeats
    # and LEMMA as the CoNLL 2018 script counts them: under "ud_scores".
    extra = {k: v for k, v in spec.score(list(examples)).items() if k != spec.score_key and not isinstance(v, dict)}
    if extra:
        section["ud_scores"] = extra
    if spec.feature_inventory is not None:  # FEATS: spaCy's per-feature scores too
        section["per_feat"] = morph_per_feat(examples, getter=morph_key)
    return section
