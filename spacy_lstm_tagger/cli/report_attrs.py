"""What differs between the attributes the report scores (tag, pos, morph,
lemma): a token's value (token_value) and the scores of its section
(attr_section). The rest of the report treats every attribute alike."""
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Tuple, Union

from spacy.training import Example

from ..scorer import lemma_or_missing, morph_key
from .report_metrics import compute_report, lemma_report, morph_per_feat

ATTRS = ("tag", "pos", "morph", "lemma")
UNTAGGED = "(none)"  # what the pipeline left without a value
EMPTY_MORPH = "_"  # a token annotated with no features (UD FEATS "_")


def token_value(token, attr: str) -> Optional[str]:
    """The token's label for attr, None when it has none. morph: the UD FEATS
    string, "_" for an analysis without features (scored, as spaCy's
    morph_acc does), None when unset. lemma: None also for UD's "no lemma
    given" (scorer.lemma_or_missing)."""
    if attr == "lemma":
        return lemma_or_missing(token) or None
    if attr == "morph":
        if not token.morph.key:
            return None
        return str(token.morph) or EMPTY_MORPH
    return getattr(token, f"{attr}_") or None


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
    if not records:
        field = "morph" if attr == "morph" else f"{attr}_"
        raise ValueError(f"{corpus_path} has no token.{field} annotation to score against.")
    if attr == "lemma":
        scores = lemma_report(records, top_n=top_n)
    else:
        pairs = [(gold, pred) for _, gold, pred in records]
        scores = compute_report(pairs, top_n=top_n, max_labels=max_labels)
    section: Dict[str, Any] = {
        "attr": attr,
        "n_unannotated_tokens": n_unannotated,
        f"{attr}_acc": scores["accuracy"],
    }
    section.update(scores)
    if attr == "morph":
        section["per_feat"] = morph_per_feat(examples, getter=morph_key)
    return section
