"""The component's settings: one check for the factory's arguments and for a
saved pipeline's cfg, so a bad value is refused with the same message
wherever it comes from; and the one place that reads the cfg's two layouts
of attributes and labels.

The layouts: a component made with one attribute (`attr = "tag"`, the
factory's default, and release 0.1.0's only form) stores `"attr": "tag",
"labels": [...]`; one made with a list stores `"attr": [...], "labels":
{attr: [...]}`. Both stay as they are on disk (saved pipelines keep their
bytes); everything else reads them through stored_attrs and stored_labels.
"""
from typing import Any, Callable, Dict, List, Tuple, Union

from .attributes import ATTRIBUTES, LEXICON_KEYS, LEXICON_REFINERS
from .heads import by_feature
from .morph import MORPH_MODES
# What `confidence` stores. Off by default, so the fast path pays nothing.
CONFIDENCE = ("none", "predicted", "all")
# Settings that do not change the weights: the pipeline's config decides them
# at load time (spacy.load(path, config=...)), not the stored cfg.
CONFIG_SETTINGS = ("overwrite", "confidence", "seen_lemma_margin")
# ln 55: a rule at least 1/55 as probable as the best one, if its lemma was
# seen in training and the best one's was not. Selected on EWT and Uyghur-UDT
# dev (benchmarks/HISTORY.md, "Lemmas seen in training").
SEEN_LEMMA_MARGIN = 4.0


def check_component_settings(cfg: Dict[str, Any], where: str) -> None:
    """The component's settings as the factory takes them and as a saved
    cfg stores them: one check for both, naming `where` and the field."""
    def fail(field: str, wanted: str) -> None:
        raise ValueError(f"{where}: {field} must be {wanted}, got {cfg.get(field)!r}.")

    unknown = sorted(
        set(cfg)
        - {"labels", "attr", "neg_prefix", "label_smoothing", "morph_mode", "feature_loss_weight", "lemma_lexicon", *CONFIG_SETTINGS}
    )
    if unknown:
        raise ValueError(f"{where}: unknown settings {unknown} (saved by a newer release of spacy-lstm-tagger?).")
    attr = cfg.get("attr")
    attrs = [attr] if isinstance(attr, str) else attr
    if (
        not isinstance(attrs, list)
        or not attrs
        or any(a not in ATTRIBUTES for a in attrs)
        or len(set(attrs)) != len(attrs)
    ):
        fail("attr", f"one of {sorted(ATTRIBUTES)}, or a list of them without repeats")
    # A cfg saved before morph_mode existed (release 0.1.0, 0.2.0) predicts bundles.
    morph_mode = cfg.get("morph_mode", "bundle")
    if morph_mode not in MORPH_MODES:
        fail("morph_mode", f"one of {list(MORPH_MODES)} (one classifier over whole FEATS bundles, one per feature, or the bundle classifier trained beside the per-feature ones)")
    # Saved before it existed: the feature heads' loss weighed 1.
    weight = cfg.get("feature_loss_weight", 1.0)
    if not is_number(weight) or not 0.0 < weight < float("inf"):
        fail("feature_loss_weight", "a number above 0")
    if weight != 1.0 and morph_mode != "bundle_and_features":
        # Refused rather than ignored: in "bundle" there are no feature heads,
        # and in "features" they decode, so a weight there only rescales the loss.
        fail("feature_loss_weight", "1 unless morph_mode is 'bundle_and_features' (the weight of the per-feature heads trained beside the bundle head)")
    if cfg.get("confidence") not in CONFIDENCE:
        fail("confidence", f"one of {list(CONFIDENCE)}")
    if not isinstance(cfg.get("overwrite"), bool):
        fail("overwrite", "true or false")
    if not isinstance(cfg.get("neg_prefix"), str) or not cfg["neg_prefix"]:
        fail("neg_prefix", "a non-empty string")
    margin = cfg.get("seen_lemma_margin")
    if not is_number(margin) or not 0.0 <= margin < float("inf"):
        fail("seen_lemma_margin", "a number >= 0 (0: off)")
    smoothing = cfg.get("label_smoothing")
    if not is_number(smoothing) or not 0.0 <= smoothing < 1.0:
        fail("label_smoothing", "a number from 0 up to (not including) 1")
    if "lemma_lexicon" in cfg:
        check_lexicon(cfg["lemma_lexicon"], attrs, morph_mode, fail)
    labels = cfg.get("labels")
    single = is_single_layout(cfg)
    if single and not isinstance(labels, list):
        fail("labels", "a list of non-empty strings")
    if not single and (not isinstance(labels, dict) or any(a not in attrs for a in labels)):
        fail("labels", f"an object mapping some of {attrs} to lists of labels")
    heads = stored_labels(cfg)
    for head, head_labels in heads.items():
        if not isinstance(head_labels, list) or not all(isinstance(label, str) and label for label in head_labels):
            fail("labels", "a list of non-empty strings" + ("" if single else f" for {head}"))
        if len(set(head_labels)) != len(head_labels):
            fail("labels", "a list without repeats" + ("" if single else f" for {head}"))
        for label in head_labels:
            check_label(label, head, cfg["neg_prefix"], where)
    lexicon = cfg.get("lemma_lexicon")
    keyed_by = [] if lexicon is None else [lexicon["pos_attr"], *lexicon.get("refined_by", ()), "lemma"]
    if keyed_by and not all(heads.get(a) for a in keyed_by):
        fail("lemma_lexicon", f"absent: the labels have no head for one of {keyed_by} to key it by")


def is_number(value: Any) -> bool:
    """An int or float as JSON and the config give them: true and false are
    bools, which Python counts as ints, and are not numbers here."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_lexicon(lexicon: Any, attrs: List[str], morph_mode: str, fail: Callable[[str, str], None]) -> None:
    """The lemma lexicon a cfg stores (gold.lemma_lexicon builds it): the
    POS attribute it is keyed by, one the component predicts, and its rows;
    and where there are refinements, the attributes that refine the key (of
    LEXICON_REFINERS, predicted as one label per token) and their rows."""
    def rows(value: Any, width: int) -> bool:
        return isinstance(value, list) and all(
            isinstance(row, list) and len(row) == width and all(isinstance(v, str) and v for v in row) for row in value
        )

    # A "refined_by" key holding null is refused too, not read as no refinement.
    refined = isinstance(lexicon, dict) and "refined_by" in lexicon
    refined_by = lexicon["refined_by"] if refined else None
    if (
        not isinstance(lexicon, dict)
        or set(lexicon) not in ({"pos_attr", "entries"}, {"pos_attr", "entries", "refined_by", "refined"})
        or lexicon["pos_attr"] not in LEXICON_KEYS
        or lexicon["pos_attr"] not in attrs
        or "lemma" not in attrs
        or not rows(lexicon["entries"], 3)
        or (
            refined
            and (
                not isinstance(refined_by, list)
                or not refined_by
                or not all(isinstance(a, str) for a in refined_by)
                or len(set(refined_by)) != len(refined_by)
                or any(
                    a not in LEXICON_REFINERS or a not in attrs or a == lexicon["pos_attr"] or by_feature(a, morph_mode)
                    for a in refined_by
                )
                or not rows(lexicon["refined"], 3 + len(refined_by))
            )
        )
    ):
        fail(
            "lemma_lexicon",
            'an object {"pos_attr": "pos" or "tag" (predicted beside lemma), "entries": [[form, POS, lemma], ...]}, '
            'with optionally "refined_by": some of "tag", "morph" (predicted, one label per token, not pos_attr) and '
            '"refined": [[form, POS, their labels ..., lemma], ...]',
        )


def check_label(label: str, attr: str, neg_prefix: str, where: str) -> None:
    """Refuse a label the attribute's head cannot have, naming `where`."""
    if not isinstance(label, str) or not label:
        raise ValueError(f"{where}: labels must be non-empty strings, got {label!r}.")
    if label.startswith(neg_prefix):
        raise ValueError(
            f"{where}: the label {label!r} starts with neg_prefix {neg_prefix!r}, which marks 'not this "
            f"label' annotations; fix the annotation or set the component's neg_prefix to another string."
        )
    problem = ATTRIBUTES[attr].label_problem(label)
    if problem:
        raise ValueError(f"{where}: {problem.rstrip('.')}.")


def is_single_layout(cfg: Dict[str, Any]) -> bool:
    """Whether the cfg stores one attribute as a string and its labels as a list."""
    return isinstance(cfg.get("attr"), str)


def empty_labels(attr: Union[str, List[str]]) -> Union[list, dict]:
    """The `labels` a new cfg with this `attr` starts with, in its layout."""
    return [] if isinstance(attr, str) else {}


def stored_attrs(cfg: Dict[str, Any]) -> Tuple[str, ...]:
    """The attributes the cfg asks for, in order, in either layout."""
    return (cfg["attr"],) if is_single_layout(cfg) else tuple(cfg["attr"])


def stored_labels(cfg: Dict[str, Any]) -> Dict[str, List[str]]:
    """{attr: labels} for the attributes that have a label list, in either
    layout: the cfg's own lists, so a label added to one is in the cfg."""
    if is_single_layout(cfg):
        return {cfg["attr"]: cfg["labels"]}
    return {attr: cfg["labels"][attr] for attr in stored_attrs(cfg) if attr in cfg["labels"]}


def label_list(cfg: Dict[str, Any], attr: str) -> List[str]:
    """The cfg's own label list of attr, made empty in the cfg if it has none."""
    return cfg["labels"] if is_single_layout(cfg) else cfg["labels"].setdefault(attr, [])


def positive_label(label: str, neg_prefix: str) -> str:
    """The label a gold value names: "X" for "X" and for "not X" ("!X")."""
    return label[len(neg_prefix):] if label.startswith(neg_prefix) else label
