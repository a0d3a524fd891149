"""The model's output layout: which columns of its output each head owns.

One head per predicted attribute, in the order of the component's `attr`;
an attribute with a per-feature mode (morph in morph_mode "features") has
one head per feature instead, and in morph_mode "bundle_and_features" its
bundle head followed by one head per feature. spaCy and numpy only.
"""
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

from .attributes import ATTRIBUTES


class Head(NamedTuple):
    """One output head of the model: its attribute, its columns in the
    model's output and its labels. feature: the UD feature of a morph sub-head
    in morph_mode "features" or "bundle_and_features" (labels: ABSENT, then
    the feature's values), else None."""

    attr: str
    columns: slice
    labels: Tuple[str, ...]
    feature: Optional[str] = None


def by_feature(attr: str, morph_mode: str) -> bool:
    """Whether attr's head is split into one head per feature, which decode
    together (not in "bundle_and_features": there the bundle head decodes)."""
    return morph_mode == "features" and ATTRIBUTES[attr].feature_inventory is not None


def output_heads(head_labels: Dict[str, Tuple[str, ...]], attrs: Sequence[str], morph_mode: str) -> List[Head]:
    """The model's output heads, in column order: one per attribute, or for
    morph in morph_mode "features" one per feature of its bundle labels, in
    "bundle_and_features" the bundle head and then those."""
    heads, start = [], 0
    for attr in attrs:
        labels = head_labels[attr]
        inventory = ATTRIBUTES[attr].feature_inventory
        if by_feature(attr, morph_mode):
            parts = list(inventory(labels))
        elif inventory is not None and morph_mode == "bundle_and_features":
            # The bundle head decodes (decoding.decode takes an attribute's
            # first head); the per-feature heads after it only add their
            # loss: each feature's own gradient, shared across the bundles
            # that have it, where the bundle head sees each bundle alone.
            parts = [(None, labels), *inventory(labels)]
        else:
            parts = [(None, labels)]
        for feature, part_labels in parts:
            heads.append(Head(attr, slice(start, start + len(part_labels)), part_labels, feature))
            start += len(part_labels)
    return heads
