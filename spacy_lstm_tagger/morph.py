"""morph_mode "features": one classifier per UD feature instead of one over
whole FEATS bundles (as Stanza and UDPipe predict FEATS).

The component stores the bundles seen in training as its morph labels in
every mode; the per-feature inventory is derived from them, deterministically,
so a saved pipeline holds nothing new but its morph_mode. Each feature's head
has the values seen for it, sorted, after ABSENT ("_", the token lacks the
feature). Decoding joins the features whose prediction is not ABSENT, so it
can produce bundles that training never saw. "bundle_and_features" trains
the same per-feature heads beside the bundle head, which alone decodes: they
add training signal only, and what is written stays a training bundle.
spaCy and numpy only.
"""
from functools import lru_cache
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy

# A feature's "absent" value, and the bundle of a token without features.
ABSENT = "_"
MORPH_MODES = ("bundle", "features", "bundle_and_features")
# (feature, (ABSENT, value, ...)) per feature, sorted by feature name.
Inventory = Tuple[Tuple[str, Tuple[str, ...]], ...]


# The features the CoNLL 2018 shared task's evaluation script (conll18_ud_eval.py)
# keeps for its UFeats score; a layered feature (Number[psor]) or a
# language-specific one is dropped before comparing.
UNIVERSAL_FEATURES = frozenset(
    {
        "PronType", "NumType", "Poss", "Reflex", "Foreign", "Abbr", "Gender", "Animacy", "Number", "Case",
        "Definite", "Degree", "VerbForm", "Mood", "Tense", "Aspect", "Voice", "Evident", "Polarity", "Person",
        "Polite",
    }
)


def universal_features(bundle: str) -> str:
    """The bundle as UFeats compares it: its universal features only, sorted,
    "_" where none is left (as the script, which compares "" with "")."""
    kept = sorted(f for f in bundle.split("|") if f.split("=", 1)[0] in UNIVERSAL_FEATURES)
    return "|".join(kept) or ABSENT


def is_feats_bundle(label: str) -> bool:
    """Whether label is Feature=Value[,Value...] pairs joined by "|", each
    feature once, every name and value non-empty and free of spaces and of
    the separators "=", "|" and ","."""
    def is_part(text: str) -> bool:
        return bool(text) and not any(c.isspace() or c in "=|," for c in text)

    names = []
    for feature in label.split("|"):
        name, sep, values = feature.partition("=")
        if not sep or not is_part(name) or not all(is_part(v) for v in values.split(",")):
            return False
        names.append(name)
    return len(set(names)) == len(names)


def parse_bundle(bundle: str) -> Dict[str, str]:
    """{feature: value} of a FEATS bundle ("_" or "" is {}). A multi-valued
    feature as spaCy writes it ("PronType=Int,Rel") is one value string."""
    if not bundle or bundle == ABSENT:
        return {}
    return dict(feature.split("=", 1) for feature in bundle.split("|"))


@lru_cache(maxsize=16)
def feature_inventory(bundles: Tuple[str, ...]) -> Inventory:
    """The features of the bundles, sorted, each with ABSENT then its sorted
    values: the sub-heads of morph in features mode, in column order."""
    values: Dict[str, set] = {}
    for bundle in bundles:
        for feature, value in parse_bundle(bundle).items():
            values.setdefault(feature, set()).add(value)
    return tuple((feature, (ABSENT, *sorted(values[feature]))) for feature in sorted(values))


def feature_gold(bundles: Iterable[Optional[str]], feature: str, neg_prefix: str = "!") -> List[Optional[str]]:
    """The gold value of one feature per token: its value in the gold bundle,
    ABSENT where the bundle is known but lacks it (including "_"), None (no
    gradient) where the token has no morph annotation.

    A "not this bundle" gold value ("!Number=Sing") naming one feature is
    "not this value" for that feature's head ("!Sing") and says nothing of
    the other features (None). One naming several features ("not both") or
    none ("!_") pins no single feature's value down: None for every head."""
    return features_gold(list(bundles), (feature,), neg_prefix)[0]


def features_gold(
    bundles: Sequence[Optional[str]], features: Tuple[str, ...], neg_prefix: str = "!"
) -> List[List[Optional[str]]]:
    """feature_gold of each of the features, one list per feature, each
    distinct bundle parsed once: per feature and token, parsing cost a
    tenth of a Hungarian update with its 17 feature heads."""
    def gold(bundle: Optional[str]) -> Tuple[Optional[str], ...]:
        if bundle is None:
            return (None,) * len(features)
        if bundle.startswith(neg_prefix):
            named = parse_bundle(bundle[len(neg_prefix):])
            return tuple(neg_prefix + named[f] if len(named) == 1 and f in named else None for f in features)
        parsed = parse_bundle(bundle)
        return tuple(parsed.get(f, ABSENT) for f in features)

    rows: Dict[Optional[str], Tuple[Optional[str], ...]] = {}
    for bundle in bundles:
        if bundle not in rows:
            rows[bundle] = gold(bundle)
    return [list(column) for column in zip(*(rows[bundle] for bundle in bundles))] if bundles else [[] for _ in features]


def is_known(label: str, labels: Tuple[str, ...], by_feature: bool) -> bool:
    """Whether the heads can learn a gold label: one of the labels, or (morph
    in features mode) a bundle whose every feature and value the labels have."""
    return _known(labels, by_feature)(label)


@lru_cache(maxsize=16)
def _known(labels: Tuple[str, ...], by_feature: bool):
    if not by_feature:
        return frozenset(labels).__contains__
    values = {feature: frozenset(feature_values) for feature, feature_values in feature_inventory(labels)}
    return lambda bundle: all(value in values.get(feature, ()) for feature, value in parse_bundle(bundle).items())


def join_bundle(pairs: Iterable[Tuple[str, str]]) -> str:
    """The bundle of (feature, value) pairs, ABSENT values left out, sorted
    as spaCy normalizes them; "_" when nothing is left."""
    return "|".join(sorted(f"{feature}={value}" for feature, value in pairs if value != ABSENT)) or ABSENT


def assemble_bundles(inventory: Inventory, guesses: numpy.ndarray) -> List[str]:
    """One bundle per token from the sub-heads' predictions: guesses is
    (n_tokens, n_features), the index of each feature's chosen value."""
    return [
        join_bundle((feature, values[i]) for (feature, values), i in zip(inventory, row))
        for row in guesses.tolist()
    ]


def decode_features(
    morphology, inventory: Inventory, head_log_probs: Sequence[numpy.ndarray], n_tokens: int
) -> Tuple[numpy.ndarray, numpy.ndarray]:
    """Each token's bundle (every feature's argmax, ABSENT ones left out), as
    the key of vocab.morphology that Doc.from_array stores, and its
    probability: the product of the chosen values' probabilities.
    head_log_probs: one (n_tokens, 1 + n_values) log-probability array per feature."""
    if not head_log_probs:
        bundles, chosen = [ABSENT] * n_tokens, numpy.zeros((n_tokens,), dtype="float32")
    else:
        bundles = assemble_bundles(inventory, numpy.stack([lp.argmax(axis=1) for lp in head_log_probs], axis=1))
        chosen = sum(lp.max(axis=1) for lp in head_log_probs)
    keys = {bundle: morphology.add(bundle) for bundle in set(bundles)}
    return numpy.asarray([keys[bundle] for bundle in bundles], dtype="uint64"), numpy.exp(chosen)
