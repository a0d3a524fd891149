"""The loss of each output head, as spaCy's tagger computes it (thinc's
categorical crossentropy on probabilities, unnormalized, written out for
speed and pinned to thinc's bits by tests/test_loss.py), and its gradient
handed back through the module's log_softmax."""
import functools
from itertools import accumulate, chain
from typing import Dict, List, Optional, Sequence, Tuple

import numpy
from thinc.api import get_array_module
from thinc.types import Floats2d

from .morph import features_gold


def heads_loss(
    heads: Sequence,
    gold: Dict[str, List[List[Optional[str]]]],
    log_probs: List[Floats2d],
    xp,
    neg_prefix: str,
    label_smoothing: float,
    name: str,
    feature_loss_weight: float = 1.0,
) -> Tuple[float, List[Floats2d]]:
    """The component's loss, the sum over its heads (heads.Head), and the
    gradient with respect to the log-probabilities. gold: per attribute, the
    training labels per doc (gold.head_gold); a per-feature head reads its
    feature's value of the gold bundles (morph.features_gold), and its loss
    and gradient are scaled by feature_loss_weight (the settings check keeps
    it at 1 unless a bundle head decodes beside the feature heads)."""
    # The batch's docs are scored as one matrix, one head_loss per head: the
    # loss is a sum over rows, so this is what thinc's
    # SequenceCategoricalCrossentropy (spaCy's tagger's loss) gives doc by
    # doc (the same gradient bits), at one call per head instead of one per
    # head and doc, which cost a tenth of an update (benchmarks/update_cost.py).
    lengths = [len(scores) for scores in log_probs]
    if not sum(lengths):
        return 0.0, [xp.zeros(scores.shape, dtype="float32") for scores in log_probs]
    batch_scores = xp.concatenate(log_probs) if len(log_probs) > 1 else log_probs[0]
    d_batch = xp.zeros(batch_scores.shape, dtype="float32")
    total = 0.0
    # Each attribute's gold flattened once (its bundle head and its feature
    # heads read the same tokens), and every feature's gold in one pass.
    flat = {attr: list(chain.from_iterable(gold[attr])) for attr in {head.attr for head in heads}}
    by_feature = {}
    for attr in {head.attr for head in heads if head.feature is not None}:
        features = tuple(head.feature for head in heads if head.attr == attr and head.feature is not None)
        by_feature.update(zip(((attr, feature) for feature in features), features_gold(flat[attr], features, neg_prefix)))
    for attr, columns, labels, feature in heads:
        truths = flat[attr] if feature is None else by_feature[attr, feature]
        try:
            d_head, loss = head_loss(labels, xp.exp(batch_scores[:, columns]), truths, neg_prefix, label_smoothing)
        except ValueError as err:
            raise ValueError(f"lstm_tagger '{name}' ({attr} {feature or ''}".rstrip() + f"): {err}") from None
        if xp.isnan(loss):
            raise ValueError(f"lstm_tagger '{name}': the {attr} loss is NaN; lower the learning rate.")
        d_log_probs = logit_to_log_prob_gradient(d_head, xp)
        if feature is not None and feature_loss_weight != 1.0:
            # After the conversion, which reads the rows' sums: scaling
            # before it would change a "not X" row's gradient, not scale it.
            loss, d_log_probs = loss * feature_loss_weight, d_log_probs * numpy.float32(feature_loss_weight)
        total += float(loss)
        d_batch[:, columns] = d_log_probs
    return total, xp.split(d_batch, list(accumulate(lengths))[:-1])


def head_loss(
    labels: Sequence[str],
    probs: Floats2d,
    truths: List[Optional[str]],
    neg_prefix: str,
    label_smoothing: float,
):
    """One head's loss over the batch's rows: (gradient with respect to the
    logits, loss), bit for bit what thinc's CategoricalCrossentropy (names,
    normalize=False, neg_prefix, label_smoothing) gives (tests/test_loss.py),
    with a "not X" row scored without smoothing: thinc smooths one into
    values outside [0, 1] and then refuses them. None is a missing value: no
    gradient. A head of one label (a small corpus where one lemma rule is
    frequent enough) has probability 1 everywhere and nothing to smooth:
    thinc refuses smoothing there, so it gets none.

    Written out rather than calling thinc's, which builds the whole target,
    two masks and four range checks as full matrices and looks each row's
    name up in Python on every call: the four EWT heads' loss over 1,000
    words took 4.4 ms that way, 2.2 ms this way. probs is overwritten (the
    caller's own exp)."""
    n_labels = len(labels)
    if n_labels < 2:
        label_smoothing = 0.0
    elif label_smoothing >= (n_labels - 1) / n_labels:
        # thinc's message (to_categorical).
        raise ValueError(
            f"For {n_labels} classes label_smoothing parameter has to be less than "
            f"{(n_labels - 1) / n_labels}, but found {label_smoothing}."
        )
    labels = tuple(labels)
    index = label_index(labels, neg_prefix)
    # Each row's label column, -1 where the row has none of the labels: None
    # (missing) or a "not X" value, sorted out after.
    codes = numpy.fromiter((index.get(truth, -1) for truth in truths), dtype=numpy.int64, count=len(truths))
    rows = numpy.flatnonzero(codes >= 0)
    columns = codes[rows]
    negative_rows, negative_columns, missing = [], [], []
    for row in numpy.flatnonzero(codes < 0).tolist():
        truth = truths[row]
        if truth is None:
            missing.append(row)
        elif neg_prefix and truth.startswith(neg_prefix):
            negative_rows.append(row)
            # Every label, as thinc looks the X of "not X" up.
            negative_columns.append(label_index(labels, "")[truth[len(neg_prefix):]])
        else:
            raise KeyError(truth)
    xp = get_array_module(probs)
    rows, columns = xp.asarray(rows), xp.asarray(columns)  # on the GPU with cupy's probs
    # thinc's target holds float32 constants (to_categorical): the smoothed
    # gold probability, and the non-gold one everywhere else in a row; the
    # gradient is probs - target where a row has a label.
    gold_probs = probs[rows, columns] if len(rows) else None
    negative_probs = probs[negative_rows, negative_columns] if negative_rows else None
    if label_smoothing:
        probs -= numpy.float32(label_smoothing / (n_labels - 1))
    d_logits = probs
    if len(rows):
        d_logits[rows, columns] = gold_probs - numpy.float32(1.0 - label_smoothing)
    if negative_rows:
        # "Not X": p_X at X, nothing elsewhere (thinc's mask).
        d_logits[negative_rows] = 0.0
        d_logits[negative_rows, negative_columns] = negative_probs
    if missing:
        d_logits[missing] = 0.0
    return d_logits, (d_logits**2).sum()


@functools.lru_cache(maxsize=64)
def label_index(labels: Tuple[str, ...], neg_prefix: str) -> Dict[str, int]:
    """{label: column} of a head's labels (the same few tuples every update),
    leaving out any that starts with neg_prefix: thinc reads such a value as
    "not X" before it looks for it among the labels."""
    return {label: i for i, label in enumerate(labels) if not (neg_prefix and label.startswith(neg_prefix))}


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
