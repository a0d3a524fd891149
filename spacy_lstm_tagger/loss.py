"""The loss of each output head, as spaCy's tagger computes it (thinc's
categorical crossentropy on probabilities, unnormalized), and its gradient
handed back through the module's log_softmax."""
from itertools import accumulate, chain
from typing import Dict, List, Optional, Sequence, Tuple

from thinc.api import CategoricalCrossentropy
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
    # The batch's docs are scored as one matrix, one thinc call per head:
    # with normalize=False the loss is a sum over rows, so this is what
    # SequenceCategoricalCrossentropy gives doc by doc (the same gradient
    # bits), at one call per head instead of one per head and doc, which cost
    # a tenth of an update (benchmarks/update_cost.py).
    lengths = [len(scores) for scores in log_probs]
    if not sum(lengths):
        return 0.0, [xp.zeros(scores.shape, dtype="float32") for scores in log_probs]
    batch_scores = xp.concatenate(log_probs) if len(log_probs) > 1 else log_probs[0]
    d_batch = xp.zeros(batch_scores.shape, dtype="float32")
    total = 0.0
    for attr, columns, labels, feature in heads:
        docs = gold[attr] if feature is None else [feature_gold(doc, feature, neg_prefix) for doc in gold[attr]]
        truths = list(chain.from_iterable(docs))
        try:
            d_head, loss = head_loss(labels, xp.exp(batch_scores[:, columns]), truths, neg_prefix, label_smoothing)
        except ValueError as err:
            raise ValueError(f"lstm_tagger '{name}' ({attr} {feature or ''}".rstrip() + f"): {err}") from None
        if xp.isnan(loss):
            raise ValueError(f"lstm_tagger '{name}': the {attr} loss is NaN; lower the learning rate.")
        total += float(loss)
        d_batch[:, columns] = logit_to_log_prob_gradient(d_head, xp)
    return total, xp.split(d_batch, list(accumulate(lengths))[:-1])


def head_loss(
    labels: Sequence[str],
    probs: Floats2d,
    truths: List[Optional[str]],
    neg_prefix: str,
    label_smoothing: float,
):
    """thinc's loss for one head over the batch's rows: (gradient with
    respect to the logits, loss). thinc smooths a "not X" row into values
    outside [0, 1] and then refuses them, so with label smoothing the
    positive and the "not X" rows are scored in two calls (disjoint rows: the
    gradients add). A head of one label (a small corpus where one lemma rule
    is frequent enough) has probability 1 everywhere and nothing to smooth:
    thinc refuses smoothing there, so it gets none."""
    if len(labels) < 2:
        label_smoothing = 0.0

    def loss(truths, smoothing):
        return CategoricalCrossentropy(
            names=labels, normalize=False, neg_prefix=neg_prefix, label_smoothing=smoothing
        )(probs, truths)

    is_negative = [bool(t) and t.startswith(neg_prefix) for t in truths]
    if not label_smoothing or not any(is_negative):
        return loss(truths, label_smoothing)
    positives = [None if neg else t for t, neg in zip(truths, is_negative)]
    negatives = [t if neg else None for t, neg in zip(truths, is_negative)]
    d_pos, loss_pos = loss(positives, label_smoothing)
    d_neg, loss_neg = loss(negatives, 0.0)
    return d_pos + d_neg, loss_pos + loss_neg


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
