"""The component's settings and label rules: one check for the factory's
arguments and for a saved pipeline's cfg, so a bad value is refused with the
same message wherever it comes from."""
from collections import Counter
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence

import numpy

from spacy.attrs import LEMMA, MORPH, POS, TAG
from spacy.parts_of_speech import IDS as UPOS_IDS

from .lemma import frequent_rules, parse_rule
from .morph import MORPH_MODES

# The token attributes the component can predict, with the spaCy attribute id
# that Doc.to_array / Doc.from_array use for each.
ATTRS = {"tag": TAG, "pos": POS, "morph": MORPH, "lemma": LEMMA}
# The CoNLL-U column of each, for messages.
UD_COLUMNS = {"tag": "XPOS", "pos": "UPOS", "morph": "FEATS", "lemma": "LEMMA"}
# What `confidence` stores. Off by default, so the fast path pays nothing.
CONFIDENCE = ("none", "predicted", "all")
# Settings that do not change the weights: the pipeline's config decides them
# at load time (spacy.load(path, config=...)), not the stored cfg.
CONFIG_SETTINGS = ("overwrite", "confidence", "seen_lemma_margin")
# ln 55: a rule at least 1/55 as probable as the best one, if its lemma was
# seen in training and the best one's was not. Selected on EWT and Uyghur-UDT
# dev (BENCHMARKS.md, "Lemmas seen in training").
SEEN_LEMMA_MARGIN = 4.0


def check_settings(cfg: Dict[str, Any], where: str) -> None:
    """The component's settings as the factory takes them and as a saved
    cfg stores them: one check for both, naming `where` and the field."""
    def fail(field: str, wanted: str) -> None:
        raise ValueError(f"{where}: {field} must be {wanted}, got {cfg.get(field)!r}.")

    unknown = sorted(
        set(cfg) - {"labels", "attr", "neg_prefix", "label_smoothing", "morph_mode", "lemma_lexicon", *CONFIG_SETTINGS}
    )
    if unknown:
        raise ValueError(f"{where}: unknown settings {unknown} (saved by a newer release of spacy-lstm-tagger?).")
    attr = cfg.get("attr")
    attrs = [attr] if isinstance(attr, str) else attr
    if (
        not isinstance(attrs, list)
        or not attrs
        or any(a not in ATTRS for a in attrs)
        or len(set(attrs)) != len(attrs)
    ):
        fail("attr", f"one of {sorted(ATTRS)}, or a list of them without repeats")
    # A cfg saved before morph_mode existed (release 0.1.0, 0.2.0) predicts bundles.
    if cfg.get("morph_mode", "bundle") not in MORPH_MODES:
        fail("morph_mode", f"one of {list(MORPH_MODES)} (one classifier over whole FEATS bundles, or one per feature)")
    if cfg.get("confidence") not in CONFIDENCE:
        fail("confidence", f"one of {list(CONFIDENCE)}")
    if not isinstance(cfg.get("overwrite"), bool):
        fail("overwrite", "true or false")
    if not isinstance(cfg.get("neg_prefix"), str) or not cfg["neg_prefix"]:
        fail("neg_prefix", "a non-empty string")
    margin = cfg.get("seen_lemma_margin")
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0.0 <= margin < float("inf"):
        fail("seen_lemma_margin", "a number >= 0 (0: off)")
    smoothing = cfg.get("label_smoothing")
    if isinstance(smoothing, bool) or not isinstance(smoothing, (int, float)) or not 0.0 <= smoothing < 1.0:
        fail("label_smoothing", "a number from 0 up to (not including) 1")
    if "lemma_lexicon" in cfg:
        check_lexicon(cfg["lemma_lexicon"], attrs, fail)
    labels = cfg.get("labels")
    if isinstance(attr, str):  # one attribute: a list of labels, as release 0.1.0 stored it
        heads = {attr: labels}
        if not isinstance(labels, list):
            fail("labels", "a list of non-empty strings")
    else:  # several: {attribute: [labels]}
        heads = labels
        if not isinstance(labels, dict) or any(a not in attrs for a in labels):
            fail("labels", f"an object mapping some of {attrs} to lists of labels")
    for head, head_labels in heads.items():
        if not isinstance(head_labels, list) or not all(isinstance(label, str) and label for label in head_labels):
            fail("labels", "a list of non-empty strings" + ("" if isinstance(attr, str) else f" for {head}"))
        if len(set(head_labels)) != len(head_labels):
            fail("labels", "a list without repeats" + ("" if isinstance(attr, str) else f" for {head}"))
        for label in head_labels:
            check_label(label, head, cfg["neg_prefix"], where)
    lexicon = cfg.get("lemma_lexicon")
    if lexicon is not None and not all(heads.get(a) for a in (lexicon["pos_attr"], "lemma")):
        fail("lemma_lexicon", f"absent: the labels have no {lexicon['pos_attr']} or no lemma head to key it by")


def check_lexicon(lexicon: Any, attrs: List[str], fail: Callable[[str, str], None]) -> None:
    """The lemma lexicon a cfg stores (component.py builds it): the POS
    attribute it is keyed by, one the component predicts, and its rows."""
    if (
        not isinstance(lexicon, dict)
        or set(lexicon) != {"pos_attr", "entries"}
        or lexicon["pos_attr"] not in ("pos", "tag")
        or lexicon["pos_attr"] not in attrs
        or "lemma" not in attrs
        or not isinstance(lexicon["entries"], list)
        or not all(
            isinstance(row, list) and len(row) == 3 and all(isinstance(v, str) and v for v in row)
            for row in lexicon["entries"]
        )
    ):
        fail(
            "lemma_lexicon",
            'an object {"pos_attr": "pos" or "tag" (predicted beside lemma), "entries": [[form, POS, lemma], ...]}',
        )


def check_label(label: str, attr: str, neg_prefix: str, where: str) -> None:
    if not isinstance(label, str) or not label:
        raise ValueError(f"{where}: labels must be non-empty strings, got {label!r}.")
    if label.startswith(neg_prefix):
        raise ValueError(
            f"{where}: the label {label!r} starts with neg_prefix {neg_prefix!r}, which marks 'not this "
            f"label' annotations; fix the annotation or set the component's neg_prefix to another string."
        )
    if attr == "pos" and label not in UPOS_IDS:
        raise ValueError(f"{where}: predicts pos, but the label {label!r} is not a universal POS tag.")
    if attr == "morph" and label != "_" and not is_feats_bundle(label):
        raise ValueError(
            f"{where}: the morph label {label!r} is not a UD FEATS bundle (Feature=Value pairs "
            "joined by '|', each feature once, a value list joined by ',' without empty values, no "
            "spaces; or '_' for none). spaCy reads FEATS 'Case=Nom,' as 'Case=,Nom': fix the corpus."
        )
    if attr == "lemma":
        try:
            parse_rule(label)
        except ValueError as err:
            raise ValueError(f"{where}: the lemma label {err}") from None


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


def positive_label(label: str, neg_prefix: str) -> str:
    """The label a gold value names: "X" for "X" and for "not X" ("!X")."""
    return label[len(neg_prefix):] if label.startswith(neg_prefix) else label


def label_values(vocab, attr: str, labels: Sequence[str], guesses: List[numpy.ndarray]) -> numpy.ndarray:
    """What Doc.from_array stores for each label that a batch predicts (the
    argmax indices `guesses`): the string hash for tags, the universal POS
    symbol for pos, the analysis key for morph (added to vocab.morphology)."""
    values = numpy.zeros((len(labels),), dtype="uint64")
    used = numpy.unique(numpy.concatenate(guesses)) if guesses else []
    for i in used.tolist():
        label = labels[i]
        if attr == "pos":
            values[i] = UPOS_IDS[label]
        elif attr == "morph":
            values[i] = vocab.morphology.add(label)
        else:
            values[i] = vocab.strings.add(label)
    return values


def labels_from_data(
    examples: Iterable[Any],
    attrs: Sequence[str],
    gold: Callable[[Any, str], List[Optional[str]]],
    neg_prefix: str,
    added: Dict[str, Sequence[str]],
    where: str,
) -> Dict[str, List[str]]:
    """The labels of each attribute in the examples (gold(example, attr): the
    values, None where missing), sorted; for lemma the rules seen at least
    MIN_RULE_FREQ times (lemma.py). "Not X" values are no labels; one naming
    no label of the data nor one `added` before is refused."""
    found: Dict[str, Counter] = {attr: Counter() for attr in attrs}
    negatives: Dict[str, set] = {attr: set() for attr in attrs}
    for example in examples:
        for attr in attrs:
            for value in gold(example, attr):
                if value:
                    if value.startswith(neg_prefix):
                        negatives[attr].add(value)
                    else:
                        found[attr][value] += 1
    for attr in attrs:
        known = set(found[attr]) | set(added.get(attr, ()))
        orphans = sorted(n for n in negatives[attr] if positive_label(n, neg_prefix) not in known)
        if orphans:
            raise ValueError(
                f"{where}: the training data has the gold {attr} values {orphans[:10]}, which start with "
                f"neg_prefix {neg_prefix!r} ('not this label') but name no label the data has; fix the "
                "annotation or set the component's neg_prefix to another string."
            )
    return {
        attr: frequent_rules(found[attr]) if attr == "lemma" else sorted(found[attr]) for attr in attrs
    }


def check_gold(
    examples: Sequence[Any],
    truths: List[List[Optional[str]]],
    attr: str,
    known: Callable[[str], bool],
    neg_prefix: str,
    name: str,
) -> None:
    """Refuse gold values (or the labels "not X" values name) that the heads
    cannot learn (known(label) is false), naming the doc."""
    for eg, eg_truths in zip(examples, truths):
        unknown = {t for t in eg_truths if t and not known(positive_label(t, neg_prefix))}
        if unknown:
            raise ValueError(
                f"lstm_tagger '{name}': gold {attr} labels {sorted(unknown)[:10]} in the doc "
                f"starting {eg.reference.text[:40].strip()!r} are not among the labels collected at "
                "initialize; re-initialize on data that has them, or list them in "
                f"[initialize.components.{name}.labels]."
            )
