"""The token attributes the component predicts, one spec each: everything that
differs between XPOS, UPOS, FEATS and LEMMA lives here, and the component, its
loss, the scorer, the report and the CoNLL-U writer read a spec instead of
comparing attribute names.

To predict another token attribute, add a spec to ATTRIBUTES (and its tests):
docs/how-it-works.md, "Adding an attribute", shows one. spaCy and numpy only.
"""
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from spacy.attrs import LEMMA, MORPH, POS, TAG
from spacy.parts_of_speech import IDS as UPOS_IDS
from spacy.scorer import Scorer
from spacy.tokens import Token
from spacy.training import Example
from spacy.vocab import Vocab

from .lemma import MISSING, frequent_rules, lemma_rule, parse_rule
from .morph import ABSENT, Inventory, feature_inventory, is_feats_bundle, universal_features


@dataclass(frozen=True)
class AttributeSpec:
    """What one predicted attribute needs, wherever it is handled."""

    # The name in the component's `attr` setting and cfg, and in token._.{name}_prob.
    name: str
    # The spaCy attribute id Doc.to_array / Doc.from_array use, and its name
    # (what Example.get_aligned takes).
    spacy_id: int
    spacy_name: str
    # The Token property that holds it as a string (messages).
    token_field: str
    # The CoNLL-U column (messages, the CoNLL-U writer, the UD workflow).
    ud_column: str
    # The score that spacy train, spacy evaluate and the report give for it.
    score_key: str
    # What is wrong with a label, or None (a message for "{where}: {problem}.").
    label_problem: Callable[[str], Optional[str]]
    # The labels a head gets from the gold values' counts in the training data.
    labels_from_counts: Callable[[Counter], List[str]]
    # Whether a gold label outside the head's labels trains nothing (True) or
    # is refused as an annotation initialize did not see (False).
    rare_gold_trains_nothing: bool
    # What Doc.from_array stores for a label (a key in the vocab, a symbol).
    stored_value: Callable[[Vocab, str], int]
    # The token's value for scoring and reports, None where it has none.
    token_value: Callable[[Token], Optional[str]]
    # spaCy's scores for it on a batch of examples.
    score: Callable[..., Dict]
    # The token's value as the CoNLL-U column writes it, and whether the
    # writer replaces the column even when no component declares it.
    conllu_value: Callable[[Token], str]
    conllu_always_written: bool
    # The per-feature sub-heads of its labels (morph_mode "features"), or
    # None where the attribute has no such mode.
    feature_inventory: Optional[Callable[[Tuple[str, ...]], Inventory]] = None
    # The training label of a gold value, from the token's form and the value
    # (lemma: the rule that makes it; a None label trains nothing), or None
    # where the gold value is the label.
    gold_label: Optional[Callable[[str, str], Optional[str]]] = None
    # The component's decoding of the head ("labels": the argmax label;
    # "lemma": lexicon and rules, see decoding.py).
    decoder: str = "labels"
    # Whether the report gives per-label scores and a confusion matrix (a
    # closed set of labels), or the most frequent errors only (lemmas).
    per_label_report: bool = True
    # Further scores of `score` that the training table shows (weight 0).
    table_score_keys: Tuple[str, ...] = ()
    # What a whitespace token gets (the LSTM does not read it): spaCy's
    # trained pipelines' annotation of one, from the token's text (what
    # Doc.from_array stores; 0: nothing).
    whitespace_value: Callable[[Vocab, str], int] = lambda vocab, text: 0


def lemma_or_missing(token: Token, attr: str = "lemma") -> str:
    """token.lemma_, "" (missing: not scored) for UD's "no lemma given", a
    lemma "_" of a form that is not "_". spaCy's own lemmatizer scorer counts
    those as errors; the CoNLL 2018 evaluation does not score them."""
    lemma = token.lemma_
    return "" if lemma == MISSING and token.text != MISSING else lemma


def morph_key(token: Token, attr: str = "morph") -> int:
    """The analysis key spaCy's morphologizer scores by (0: unset)."""
    return getattr(token, attr).key


def _no_problem(label: str) -> Optional[str]:
    return None


def _upos_problem(label: str) -> Optional[str]:
    return None if label in UPOS_IDS else f"predicts pos, but the label {label!r} is not a universal POS tag"


def _feats_problem(label: str) -> Optional[str]:
    if label == ABSENT or is_feats_bundle(label):
        return None
    return (
        f"the morph label {label!r} is not a UD FEATS bundle (Feature=Value pairs joined by '|', each feature once, a value "
        "list joined by ',' without empty values, no spaces; or '_' for none). spaCy reads FEATS 'Case=Nom,' "
        "as 'Case=,Nom': fix the corpus"
    )


def _rule_problem(label: str) -> Optional[str]:
    try:
        parse_rule(label)
    except ValueError as err:
        return f"the lemma label {err}"
    return None


def _sorted_labels(counts: Counter) -> List[str]:
    return sorted(counts)


def _string_key(vocab: Vocab, label: str) -> int:
    return vocab.strings.add(label)


def _token_field(field: str) -> Callable[[Token], Optional[str]]:
    return lambda token: getattr(token, field) or None


def _morph_value(token: Token) -> Optional[str]:
    """The FEATS string, "_" for an analysis without features (scored, as
    spaCy's morph_acc does), None when unset."""
    return (str(token.morph) or ABSENT) if token.morph.key else None


def _score_attr(name: str) -> Callable[..., Dict]:
    def score(examples: List[Example], **kwargs) -> Dict:
        return Scorer.score_token_attr(examples, name, **kwargs)

    return score


def ufeats(token: Token, attr: str = "ufeats") -> Optional[str]:
    """The token's FEATS as the CoNLL 2018 script's UFeats compares them
    (morph.universal_features), None (not scored) where the token has no
    morph annotation."""
    return universal_features(str(token.morph)) if token.morph.key else None


def _score_morph(examples: List[Example], **kwargs) -> Dict:
    """morph_acc and morph_per_feat, as spaCy's morphologizer scores them, and
    ufeats_acc, as the CoNLL 2018 shared task does (the UD literature's FEATS)."""
    kwargs = {key: value for key, value in kwargs.items() if key != "getter"}
    return {
        **Scorer.score_token_attr(examples, "morph", getter=morph_key, **kwargs),
        **Scorer.score_token_attr_per_feat(examples, "morph", getter=morph_key, **kwargs),
        **Scorer.score_token_attr(examples, "ufeats", getter=ufeats, **kwargs),
    }


def conll18_lemma_acc(examples: Iterable[Example]) -> Optional[float]:
    """LEMMA as the CoNLL 2018 script counts it: over the gold words with a
    lemma, where a gold lemma "_" (no lemma given) is right whatever was
    predicted. Tokens aligned one to one, as spaCy's scorer reads them."""
    correct = total = 0
    for example in examples:
        lengths = example.alignment.x2y.lengths
        for token in example.predicted:
            if lengths[token.i] != 1 or token.orth_.isspace():
                continue
            gold = example.reference[example.alignment.x2y[token.i][0]].lemma_
            if gold:
                total += 1
                correct += gold == MISSING or token.lemma_ == gold
    return correct / total if total else None


def _score_lemma(examples: List[Example], **kwargs) -> Dict:
    """lemma_acc, a gold "_" not scored (lemma_or_missing), and
    conll18_lemma_acc, a gold "_" counted right (the CoNLL 2018 script)."""
    kwargs = {key: value for key, value in kwargs.items() if key != "getter"}
    return {
        **Scorer.score_token_attr(examples, "lemma", getter=lemma_or_missing, **kwargs),
        "conll18_lemma_acc": conll18_lemma_acc(examples),
    }


# The tag spaCy's trained pipelines give a whitespace token (POS "SPACE").
WHITESPACE_TAG = "_SP"

ATTRIBUTES: Dict[str, AttributeSpec] = {
    spec.name: spec
    for spec in (
        AttributeSpec(
            name="tag", spacy_id=TAG, spacy_name="TAG", token_field="tag_", ud_column="XPOS", score_key="tag_acc",
            label_problem=_no_problem, labels_from_counts=_sorted_labels,
            rare_gold_trains_nothing=False, stored_value=_string_key, token_value=_token_field("tag_"),
            score=_score_attr("tag"), conllu_value=lambda token: token.tag_, conllu_always_written=True,
            whitespace_value=lambda vocab, text: vocab.strings.add(WHITESPACE_TAG),
        ),
        AttributeSpec(
            name="pos", spacy_id=POS, spacy_name="POS", token_field="pos_", ud_column="UPOS", score_key="pos_acc",
            label_problem=_upos_problem, labels_from_counts=_sorted_labels,
            rare_gold_trains_nothing=False, stored_value=lambda vocab, label: UPOS_IDS[label],
            token_value=_token_field("pos_"), score=_score_attr("pos"),
            conllu_value=lambda token: token.pos_, conllu_always_written=True,
            whitespace_value=lambda vocab, text: UPOS_IDS["SPACE"],
        ),
        AttributeSpec(
            name="morph", spacy_id=MORPH, spacy_name="MORPH", token_field="morph", ud_column="FEATS", score_key="morph_acc",
            label_problem=_feats_problem, labels_from_counts=_sorted_labels,
            rare_gold_trains_nothing=False, stored_value=lambda vocab, label: vocab.morphology.add(label),
            token_value=_morph_value, score=_score_morph,
            conllu_value=lambda token: str(token.morph), conllu_always_written=False,
            feature_inventory=feature_inventory, table_score_keys=("ufeats_acc",),
        ),
        AttributeSpec(
            name="lemma", spacy_id=LEMMA, spacy_name="LEMMA", token_field="lemma_", ud_column="LEMMA", score_key="lemma_acc",
            # The head's classes are rules (lemma.py); rules seen too rarely to be
            # classes (lemma.MIN_RULE_FREQ) train nothing, as spaCy's
            # trainable_lemmatizer's rare trees.
            label_problem=_rule_problem, labels_from_counts=frequent_rules, gold_label=lemma_rule,
            rare_gold_trains_nothing=True, stored_value=_string_key,
            token_value=lambda token: lemma_or_missing(token) or None,
            score=_score_lemma,
            conllu_value=lambda token: token.lemma_, conllu_always_written=False, decoder="lemma",
            per_label_report=False, whitespace_value=lambda vocab, text: vocab.strings.add(text),
        ),
    )
}
# The attributes a lemma lexicon can be keyed by, in order of preference.
LEXICON_KEYS = ("pos", "tag")
# The attributes that refine the lexicon's key where the component predicts
# them as one label per token (morph as bundles): a (form, POS) whose lemma
# depends on them ("her" PRON: "her" as PRP$ / Poss=Yes, "she" as PRP).
LEXICON_REFINERS = ("tag", "morph")


def spec(name: str) -> AttributeSpec:
    return ATTRIBUTES[name]


def score_weights(selected: str) -> Dict[str, float]:
    """spaCy's score weights: the selected attribute's score decides
    model-best; every other score the training table shows has weight 0."""
    return {
        key: float(key == ATTRIBUTES[selected].score_key)
        for spec in ATTRIBUTES.values()
        for key in (spec.score_key, *spec.table_score_keys)
    }


def token_assigns(names: Iterable[str]) -> List[str]:
    """The `assigns` entries ("token.tag", ...) of the attributes."""
    return [f"token.{name}" for name in names]
