"""The report's scores: per-label precision/recall/F1, the confusion matrix
and the most confused pairs from (gold, predicted) labels; the lemma scores;
the accuracy on words unseen in training; spaCy's per-feature morph scores."""
from collections import Counter
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from spacy.scorer import Scorer
from spacy.training import Example


def _ratio(num: float, den: float) -> float:
    return num / den if den else 0.0


def most_confused(errors: Mapping[Tuple[str, str], int], n_errors: int, top_n: int) -> List[Dict[str, Any]]:
    """The top_n most frequent (gold, predicted) errors, ties by label, each
    with its share of all errors."""
    return [
        {"gold": gold, "predicted": pred, "count": count, "share_of_errors": _ratio(count, n_errors)}
        for (gold, pred), count in sorted(errors.items(), key=lambda item: (-item[1], item[0]))[:top_n]
    ]


def compute_report(
    pairs: Sequence[Tuple[str, str]], *, top_n: int = 20, max_labels: Optional[int] = None
) -> Dict[str, Any]:
    """Scores from (gold, predicted) label pairs, one per gold-annotated token."""
    confusion: Counter = Counter(pairs)
    gold_counts: Counter = Counter(gold for gold, _ in pairs)
    pred_counts: Counter = Counter(pred for _, pred in pairs)
    n = len(pairs)
    correct = sum(count for (gold, pred), count in confusion.items() if gold == pred)
    per_label: Dict[str, Dict[str, float]] = {}
    for label in sorted(set(gold_counts) | set(pred_counts)):
        tp = confusion[(label, label)]
        precision = _ratio(tp, pred_counts[label])
        recall = _ratio(tp, gold_counts[label])
        per_label[label] = {
            "precision": precision,
            "recall": recall,
            "f1": _ratio(2 * precision * recall, precision + recall),
            "support": gold_counts[label],
            "predicted": pred_counts[label],
        }
    gold_labels = [label for label in per_label if gold_counts[label]]
    macro = {
        key: _ratio(sum(per_label[label][key] for label in gold_labels), len(gold_labels))
        for key in ("precision", "recall", "f1")
    }
    weighted = {
        key: _ratio(sum(per_label[label][key] * gold_counts[label] for label in gold_labels), n)
        for key in ("precision", "recall", "f1")
    }
    errors = {(gold, pred): count for (gold, pred), count in confusion.items() if gold != pred}
    n_errors = n - correct
    # Labels by the errors they take part in (as gold or as prediction), then
    # by frequency: the most confused pairs end up in the top-left corner.
    label_errors: Counter = Counter()
    for (gold, pred), count in errors.items():
        label_errors[gold] += count
        label_errors[pred] += count
    order = sorted(per_label, key=lambda label: (-label_errors[label], -gold_counts[label], label))
    if max_labels is not None:
        order = order[:max_labels]
    matrix = [[confusion[(gold, pred)] for pred in order] for gold in order]
    return {
        "n_tokens": n,
        "n_correct": correct,
        "n_errors": n_errors,
        "accuracy": _ratio(correct, n),
        "macro_avg": macro,
        "weighted_avg": weighted,
        "per_label": per_label,
        "label_errors": {label: label_errors[label] for label in order},
        "confusion_matrix": {
            "labels": order,
            "rows": "gold",
            "columns": "predicted",
            "matrix": matrix,
            "complete": len(order) == len(per_label),
        },
        "most_confused": most_confused(errors, n_errors, top_n),
    }


def lemma_report(records: Sequence[Tuple[str, str, str]], *, top_n: int = 20) -> Dict[str, Any]:
    """Scores from (form, gold lemma, predicted lemma), one per gold-lemmatized
    token: accuracy and the most frequent wrong lemmas. No per-label table or
    confusion matrix: the labels are the lemmas, thousands of them."""
    n = len(records)
    errors: Counter = Counter((gold, pred) for _, gold, pred in records if gold != pred)
    n_errors = sum(errors.values())
    return {
        "n_tokens": n,
        "n_correct": n - n_errors,
        "n_errors": n_errors,
        "accuracy": _ratio(n - n_errors, n),
        "most_confused": most_confused(errors, n_errors, top_n),
    }


def unseen_accuracy(records: Sequence[Tuple[str, str, str]], train_words: set) -> Dict[str, Any]:
    """Accuracy on the tokens whose form the training corpus does not have."""
    unseen = [(gold, pred) for form, gold, pred in records if form not in train_words]
    correct = sum(gold == pred for gold, pred in unseen)
    return {"n_tokens": len(unseen), "n_correct": correct, "accuracy": _ratio(correct, len(unseen))}


def morph_per_feat(examples: Sequence[Example], getter: Callable) -> Dict[str, Dict[str, float]]:
    """spaCy's per-feature morph scores (Scorer.score_token_attr_per_feat with
    the getter the component's scorer uses), each with its support: the gold
    tokens that have the feature."""
    scores = Scorer.score_token_attr_per_feat(examples, "morph", getter=getter)
    per_feat = scores.get("morph_per_feat") or {}
    support: Counter = Counter()
    for example in examples:
        for token in example.reference:
            if token.morph.key:
                support.update(feat.split("=", 1)[0] for feat in str(token.morph).split("|") if feat)
    return {
        field: {**values, "support": support[field]} for field, values in sorted(per_feat.items())
    }
