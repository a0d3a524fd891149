"""The loss of each output head, as spaCy's tagger computes it (thinc's
SequenceCategoricalCrossentropy on probabilities), and its gradient handed
back through the module's log_softmax."""
from typing import Dict, List, Optional, Sequence, Tuple

from thinc.api import SequenceCategoricalCrossentropy
from thinc.types import Floats2d

from .morph import feature_gold


def heads_loss(
    heads: Sequence,
    gold: Dict[str, List[List[Optional[str]]]],
    log_probs: List[Floats2d],
    xp,
    neg_prefix: str,
    label_smoothing: float,
    name: str,
) -> Tuple[float, List[Floats2d]]:
    """The component's loss, the sum over its heads (heads.Head), and the
    gradient with respect to the log-probabilities. gold: per attribute, the
    training labels per doc (gold.head_gold); a per-feature head reads its
    feature's value of the gold bundles (morph.feature_gold)."""
    d_scores = [xp.zeros(scores.shape, dtype="float32") for scores in log_probs]
    total = 0.0
    for attr, columns, labels, feature in heads:
        truths = gold[attr] if feature is None else [feature_gold(doc, feature, neg_prefix) for doc in gold[attr]]
        probs = [xp.exp(scores[:, columns]) for scores in log_probs]
        try:
            d_head, loss = head_loss(labels, probs, truths, neg_prefix, label_smoothing)
        except ValueError as err:
            raise ValueError(f"lstm_tagger '{name}' ({attr} {feature or ''}".rstrip() + f"): {err}") from None
        if xp.isnan(loss):
            raise ValueError(f"lstm_tagger '{name}': the {attr} loss is NaN; lower the learning rate.")
        total += float(loss)
        for d_doc, d in zip(d_scores, d_head):
            d_doc[:, columns] = logit_to_log_prob_gradient(d, xp)
    return total, d_scores


def head_loss(
    labels: Sequence[str],
    probs: List[Floats2d],
    truths: List[List[Optional[str]]],
    neg_prefix: str,
    label_smoothing: float,
):
    """thinc's loss for one head: (gradient with respect to the logits per
    doc, loss). thinc smooths a "not X" row into values outside [0, 1] and
    then refuses them, so with label smoothing the positive and the "not X"
    rows are scored in two calls (disjoint rows: the gradients add). A head
    of one label (a small corpus where one lemma rule is frequent enough) has
    probability 1 everywhere and nothing to smooth: thinc refuses smoothing
    there, so it gets none."""
    if len(labels) < 2:
        label_smoothing = 0.0

    def loss(truths, smoothing):
        return SequenceCategoricalCrossentropy(
            names=labels, normalize=False, neg_prefix=neg_prefix, label_smoothing=smoothing
        )(probs, truths)

    is_negative = [[bool(t) and t.startswith(neg_prefix) for t in doc] for doc in truths]
    if not label_smoothing or not any(any(doc) for doc in is_negative):
        return loss(truths, label_smoothing)
    positives = [[None if neg else t for t, neg in zip(doc, negs)] for doc, negs in zip(truths, is_negative)]
    negatives = [[t if neg else None for t, neg in zip(doc, negs)] for doc, negs in zip(truths, is_negative)]
    d_pos, loss_pos = loss(positives, label_smoothing)
    d_neg, loss_neg = loss(negatives, 0.0)
    return [a + b for a, b in zip(d_pos, d_neg)], loss_pos + loss_neg


def logit_to_log_prob_gradient(d_logits: Floats2d, xp) -> Floats2d:
    """thinc's crossentropy takes probabilities and returns probs - truths,
    the gradient with respect to the logits, which the module turns into
    log-probabilities with log_softmax, whose backward is g - p * sum(g).
    A row of probs - truths sums to 0 and passes through unchanged (checked
    against torch's nll_loss in tests/test_loss.py). A "not X" row is p_X at
    X and 0 elsewhere (sum p_X): no gradient through log_softmax sums to
    anything but 0, so hand back g = d / (1 - p_X), whose logit gradient is
    that of -log(1 - p_X), the loss of "not X": it pushes X down hardest
    when X is confidently wrong (the row unchanged would vanish there)."""
    row_sums = d_logits.sum(axis=1, keepdims=True)
    return d_logits / xp.maximum(1.0 - row_sums, 1e-6)
