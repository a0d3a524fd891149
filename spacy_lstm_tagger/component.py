"""The spaCy component: factory, labels, loss, annotations, serialization.

spaCy only: the model is a thinc Model (thinc_model.py), and everything torch
does lives behind it (torch_shim.py, torch_model.py). Methods follow the order
of spaCy's Tagger (spacy/pipeline/tagger.pyx), so code written for `tagger`
works with `lstm_tagger`.
"""
import warnings
from itertools import islice
from typing import Callable, Dict, Iterable, List, Optional, Tuple, Union

import numpy
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc
from spacy.training import Example, validate_examples, validate_get_examples
from spacy.vocab import Vocab
from thinc.api import Model
from thinc.types import Floats2d

from .annotations import register_extensions, write_attribute
from .attributes import ATTRIBUTES, score_weights, token_assigns
from .decoding import LemmaLexicon, decode
from .featurizer import whitespace_tokens
from .gold import head_gold, labels_from_data, lemma_lexicon
from .heads import Head, output_heads
from .loss import heads_loss
from .scorer import score_lstm_tagger
from .serialization import SavedComponent, head_layout
from .settings import (
    CONFIG_SETTINGS,
    SEEN_LEMMA_MARGIN,
    check_component_settings,
    check_label,
    empty_labels,
    is_single_layout,
    label_list,
    stored_attrs,
    stored_labels,
)
from .thinc_model import ARCHITECTURE

# The architecture alone: spaCy fills in its defaults from the builder's
# signature (thinc_model.build_lstm_tagger_model), which takes the torch
# module's from LSTMTagger's constructor.
DEFAULT_MODEL = {"@architectures": ARCHITECTURE}


@Language.factory(
    "lstm_tagger",
    assigns=token_assigns(ATTRIBUTES),
    default_config={
        "model": DEFAULT_MODEL,
        "attr": "tag",
        "overwrite": False,
        "neg_prefix": "!",
        "label_smoothing": 0.0,
        "confidence": "none",
        "morph_mode": "bundle",
        "feature_loss_weight": 1.0,
        "seen_lemma_margin": SEEN_LEMMA_MARGIN,
        "scorer": {"@scorers": "spacy_lstm_tagger.scorer.v1"},
    },
    default_score_weights=score_weights("tag"),
)
def make_lstm_tagger(
    nlp: Language,
    name: str,
    model: Model[List[Doc], List[Floats2d]],
    attr: Union[str, List[str]],
    overwrite: bool,
    neg_prefix: str,
    label_smoothing: float,
    confidence: str,
    morph_mode: str,
    feature_loss_weight: float,
    seen_lemma_margin: float,
    scorer: Optional[Callable],
) -> "LSTMTaggerComponent":
    return LSTMTaggerComponent(
        nlp.vocab,
        model,
        name,
        attr=attr,
        overwrite=overwrite,
        neg_prefix=neg_prefix,
        label_smoothing=label_smoothing,
        confidence=confidence,
        morph_mode=morph_mode,
        feature_loss_weight=feature_loss_weight,
        seen_lemma_margin=seen_lemma_margin,
        scorer=scorer,
    )


class LSTMTaggerComponent(SavedComponent, TrainablePipe):
    """Pipeline component for part-of-speech tagging with an LSTM: predicts
    token.tag_, token.pos_, token.morph and token.lemma_ (any of them, one
    output head each, from one LSTM pass)."""

    def __init__(
        self,
        vocab: Vocab,
        model: Model,
        name: str = "lstm_tagger",
        *,
        attr: Union[str, List[str]] = "tag",
        overwrite: bool = False,
        neg_prefix: str = "!",
        label_smoothing: float = 0.0,
        confidence: str = "none",
        morph_mode: str = "bundle",
        feature_loss_weight: float = 1.0,
        seen_lemma_margin: float = SEEN_LEMMA_MARGIN,
        scorer: Optional[Callable] = score_lstm_tagger,
    ):
        """Initialize an LSTM tagger.

        vocab (Vocab): The shared vocabulary.
        model (thinc.api.Model): The Thinc Model powering the pipeline component.
        name (str): The component instance name, used to add entries to the losses during training.
        attr (Union[str, List[str]]): What to predict: "tag" (token.tag_), "pos"
            (token.pos_, universal POS tags), "morph" (token.morph, the UD FEATS
            bundle), "lemma" (token.lemma_, as a class over lemma rules, see
            lemma.py), or a list of them. With a list, heads whose attribute has
            no annotation in the training data are not built.
        overwrite (bool): Whether to overwrite values that an earlier component set.
        neg_prefix (str): The prefix of gold labels that mean "not this label".
        label_smoothing (float): Label smoothing of the loss.
        confidence (str): "none", "predicted" (token._.tag_prob, pos_prob,
            morph_prob, lemma_prob) or "all" (also doc._.tag_probs, ...); what
            each holds per attribute: decoding.py.
        morph_mode (str): "bundle": one classifier over the FEATS bundles seen
            in training (as spaCy's morphologizer); "features": one per UD
            feature with an "absent" value, joined into a bundle (as Stanza and
            UDPipe; can make bundles unseen in training); "bundle_and_features":
            the bundle classifier decodes, the per-feature ones train beside it
            (extra training signal). See morph.py.
        feature_loss_weight (float): In morph_mode "bundle_and_features", the
            factor on the per-feature heads' loss and gradient (the bundle
            head's stays 1): how much the extra signal weighs. Training only.
        seen_lemma_margin (float): Lemmas of words the lexicon does not have:
            where the most probable rule makes a lemma never seen in training,
            take the most probable rule within this margin (natural log of the
            probability ratio) that makes a seen one. 0 turns it off.
        scorer (Optional[Callable]): The scoring method.
        """
        self.vocab = vocab
        self.model = model
        self.name = name
        self.scorer = scorer
        self.cfg = {
            "labels": empty_labels(attr),
            "attr": attr if isinstance(attr, str) else list(attr),
            "overwrite": overwrite,
            "neg_prefix": neg_prefix,
            "label_smoothing": label_smoothing,
            "confidence": confidence,
            "morph_mode": morph_mode,
            "feature_loss_weight": feature_loss_weight,
            "seen_lemma_margin": seen_lemma_margin,
        }
        check_component_settings(self.cfg, f"lstm_tagger '{name}'")
        # What the pipeline's config said: wins over a stored cfg at load.
        self._config_settings = {key: self.cfg[key] for key in CONFIG_SETTINGS}
        if confidence != "none":
            register_extensions()

    @property
    def attrs(self) -> Tuple[str, ...]:
        """The attributes the component was asked to predict."""
        return stored_attrs(self.cfg)

    @property
    def attr(self) -> str:
        """The first attribute the component predicts ("tag", "pos", "morph" or "lemma")."""
        return self.attrs[0]

    @property
    def head_labels(self) -> Dict[str, Tuple[str, ...]]:
        """The labels of each attribute, in the order of its head's columns."""
        return {attr: tuple(labels) for attr, labels in stored_labels(self.cfg).items()}

    @property
    def predicted_attrs(self) -> Tuple[str, ...]:
        """The attributes that have labels: one output head each."""
        return tuple(attr for attr, labels in self.head_labels.items() if labels)

    @property
    def labels(self) -> tuple:
        """The labels currently added to the component: those of its one head,
        or "attr:label" for each head's labels when it has several.

        RETURNS (Tuple[str]): The labels.
        """
        heads = self.head_labels
        predicted = self.predicted_attrs
        if len(predicted) <= 1:
            return heads.get(predicted[0] if predicted else self.attr, ())
        return tuple(f"{attr}:{label}" for attr in predicted for label in heads[attr])

    @property
    def label_data(self) -> Union[List[str], Dict[str, List[str]]]:
        """Data about the labels currently added to the component: a list for
        one attribute, {attribute: labels} for several (for `spacy init labels`)."""
        if is_single_layout(self.cfg):
            return list(self.cfg["labels"])
        return {attr: list(labels) for attr, labels in self.head_labels.items()}

    def predict(self, docs: Iterable[Doc]) -> List[numpy.ndarray]:
        """Apply the pipeline's model to a batch of docs, without modifying them.

        docs (Iterable[Doc]): The documents to predict.
        RETURNS (List[numpy.ndarray]): Log-probabilities, one (n_tokens,
            n_labels) array per doc (each head's columns side by side), moved
            to the host in one copy per batch.
        """
        docs = list(docs)
        self._require_model()
        if not any(len(doc) for doc in docs):
            n_columns = sum(len(head.labels) for head in self._heads())
            return [numpy.zeros((len(doc), n_columns), dtype="float32") for doc in docs]
        per_doc = self.model.predict(docs)
        if self.model.ops.xp is numpy:
            return list(per_doc)  # already views of one host array
        # On a GPU: one device-to-host copy for the batch, not one per doc.
        flat = self.model.ops.to_numpy(self.model.ops.xp.concatenate(per_doc))
        return numpy.split(flat, numpy.cumsum([len(doc) for doc in docs])[:-1])

    def set_annotations(self, docs: Iterable[Doc], log_probs: List[numpy.ndarray]) -> None:
        """Modify a batch of documents, using pre-computed scores.

        docs (Iterable[Doc]): The documents to modify.
        log_probs (List[numpy.ndarray]): The scores to set, produced by predict.
        """
        docs = [doc for doc in docs]
        overwrite = self.cfg["overwrite"]
        confidence = self.cfg["confidence"]
        if confidence != "none":
            register_extensions()
        # The legacy alias: a release-0.1.0 pipeline predicting pos stored its confidence as tag_prob.
        legacy_alias = is_single_layout(self.cfg) and self.attr != "tag"
        heads = self._heads()
        spaces = [whitespace_tokens(doc) for doc in docs]
        for attr in self.predicted_attrs:
            decoded = decode(
                attr,
                [head for head in heads if head.attr == attr],
                docs,
                log_probs,
                with_probs=confidence != "none",
                vocab=self.vocab,
                lexicon=self._lemma_lexicon(),
                seen_lemma_margin=self.cfg["seen_lemma_margin"],
            )
            names = (attr, "tag") if legacy_alias else (attr,)
            for doc, decoded_doc, doc_spaces in zip(docs, decoded, spaces):
                if len(doc):
                    write_attribute(doc, attr, decoded_doc[0], overwrite, confidence, names, *decoded_doc[1:], doc_spaces)

    def get_loss(self, examples: Iterable[Example], log_probs: List[Floats2d]):
        """Find the loss and gradient of loss for the batch of documents and
        their predicted scores: the sum over the heads, each with its own
        missing values, negative labels and label smoothing.

        examples (Iterable[Examples]): The batch of examples.
        log_probs: Log-probabilities representing the model's predictions.
        RETURNS (Tuple[float, float]): The loss and the gradient, with respect
            to the log-probabilities.
        """
        validate_examples(examples, "LSTMTaggerComponent.get_loss")
        examples = list(examples)
        gold = head_gold(
            examples, self.head_labels, self.predicted_attrs, self.cfg["morph_mode"], self.cfg["neg_prefix"], self.name
        )
        return heads_loss(
            self._heads(), gold, log_probs, self.model.ops.xp, self.cfg["neg_prefix"], self.cfg["label_smoothing"], self.name,
            feature_loss_weight=self.cfg["feature_loss_weight"],
        )

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Example]],
        *,
        nlp: Optional[Language] = None,
        labels: Optional[Union[List[str], Dict[str, List[str]]]] = None,
    ) -> None:
        """Initialize the pipe for training, using a representative set of
        data examples. Labels added before (add_label) are kept; the model is
        (re)built for the labels, one head per attribute that has labels.

        get_examples (Callable[[], Iterable[Example]]): Function that returns
            a representative sample of gold-standard Example objects.
        nlp (Language): The current nlp object the component is part of.
        labels (Optional[Union[List[str], Dict[str, List[str]]]]): The labels
            to add to the component, typically generated by the `init labels`
            command: a list (for the first attribute) or {attribute: labels}.
            If no labels are provided, the get_examples callback is used to
            extract the labels from the data.
        """
        validate_get_examples(get_examples, "LSTMTaggerComponent.initialize")
        self.model._layers = []  # (re)initializing builds a fresh module
        if labels is not None:
            found = labels if isinstance(labels, dict) else {self.attr: labels}
        else:
            where = f"lstm_tagger '{self.name}'"
            found = labels_from_data(get_examples(), self.attrs, self.cfg["neg_prefix"], self.head_labels, where)
        for attr, attr_labels in found.items():
            for label in attr_labels:
                self.add_label(label, attr=attr)
        if not self.predicted_attrs:
            raise ValueError(
                f"lstm_tagger '{self.name}': the training examples have no "
                f"{' / '.join('token.' + ATTRIBUTES[a].token_field for a in self.attrs)} annotation and no labels were given, so "
                f"there is nothing to learn; check the corpus (for UD, the "
                f"{' / '.join(ATTRIBUTES[a].ud_column for a in self.attrs)} column) "
                f"or pass [initialize.components.{self.name}.labels]."
            )
        missing = [a for a in self.attrs if a not in self.predicted_attrs]
        if missing:
            # A warning, as spaCy warns of data problems: spacy train shows it.
            warnings.warn(
                f"lstm_tagger '{self.name}': built heads for {', '.join(self.predicted_attrs)}; "
                f"no {', '.join(missing)} annotation in the training data, so no head for it."
            )
        # The lemma lexicon (decoding.py) from the training data, or none.
        self.cfg.pop("lemma_lexicon", None)
        lexicon = lemma_lexicon(get_examples(), self.predicted_attrs, self.cfg["morph_mode"])
        if lexicon is not None:
            self.cfg["lemma_lexicon"] = lexicon
        doc_sample = [eg.x for eg in islice(get_examples(), 10)]
        self._build_model(doc_sample)

    def add_label(self, label: str, attr: Optional[str] = None) -> int:
        """Add a new label to the pipe.

        label (str): The label to add.
        attr (Optional[str]): The attribute it is a label of; the first one by default.
        RETURNS (int): 0 if label is already present, otherwise 1.
        """
        attr = attr or self.attr
        if attr not in self.attrs:
            raise ValueError(f"lstm_tagger '{self.name}': predicts {list(self.attrs)}, not {attr!r}.")
        check_label(label, attr, self.cfg["neg_prefix"], f"lstm_tagger '{self.name}'")
        labels = label_list(self.cfg, attr)
        if label in labels:
            return 0
        if self.model.layers:
            raise ValueError(
                f"lstm_tagger '{self.name}': cannot add label {label!r} after the model is built; "
                "list every label before initialize."
            )
        labels.append(label)
        self.vocab.strings.add(label)
        return 1

    def score(self, examples: Iterable[Example], **kwargs) -> Dict:
        """Score a batch of examples: tag_acc, pos_acc, morph_acc,
        morph_per_feat and lemma_acc, for the attributes the component predicts.

        examples (Iterable[Example]): The examples to score.
        RETURNS (Dict[str, Any]): The scores.
        """
        if self.scorer is None:
            return {}
        return self.scorer(examples, attrs=self.predicted_attrs or self.attrs, **kwargs)

    # Helpers ------------------------------------------------------------------

    def _require_model(self) -> None:
        if not self.model.layers:
            raise ValueError(
                f"lstm_tagger '{self.name}' is not initialized: call nlp.initialize() (or train it "
                "with spacy train) before using it, or add a trained one with "
                f"nlp.add_pipe('lstm_tagger', source=trained_nlp)."
            )

    def _heads(self) -> List[Head]:
        """The model's output heads, in column order (attr, columns, labels,
        feature): one per predicted attribute, or for morph in morph_mode
        "features" one per UD feature of its bundle labels."""
        return output_heads(self.head_labels, self.predicted_attrs, self.cfg["morph_mode"])

    def _lemma_lexicon(self) -> Optional[LemmaLexicon]:
        """The stored lexicon ready for decoding, built once per stored
        lexicon (a new one after initialize or a load). Read-only once
        built: threads share it; a race builds it twice, the same."""
        stored = self.cfg.get("lemma_lexicon")
        if stored is None:
            return None
        cached = getattr(self, "_lexicon_cache", None)
        if cached is None or cached[0] is not stored:
            cached = (stored, LemmaLexicon.from_cfg(stored, self._heads()))
            self._lexicon_cache = cached
        return cached[1]

    def _build_model(self, doc_sample: Optional[List[Doc]] = None) -> None:
        """Build the torch module for the current labels (and vectors)."""
        sizes = [len(head.labels) for head in self._heads()]
        if not sizes:
            raise ValueError(
                f"lstm_tagger '{self.name}': morph_mode 'features', but the morph labels "
                f"{list(self.head_labels.get('morph', ()))} have no features: nothing to predict."
            )
        self.model._layers = []
        self.model.attrs["head_sizes"] = sizes
        self.model.attrs["head_layout"] = head_layout(self._heads())
        self.model.set_dim("nO", sum(sizes), force=True)
        if self.vocab.vectors.shape[1]:
            self.model.set_dim("nV", self.vocab.vectors.shape[1], force=True)
        self.model.initialize(X=doc_sample or None)
