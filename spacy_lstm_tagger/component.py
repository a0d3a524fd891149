"""The spaCy component: factory, labels, loss, annotations, serialization.

spaCy only: the model is a thinc Model (thinc_model.py), and everything torch
does lives behind it (torch_shim.py, torch_model.py). Methods follow the order
of spaCy's Tagger (spacy/pipeline/tagger.pyx), so code written for `tagger`
works with `lstm_tagger`.
"""
from itertools import islice
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy
from spacy import util
from spacy.language import Language
from spacy.parts_of_speech import IDS as UPOS_IDS
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc, Token
from spacy.training import Example, validate_examples, validate_get_examples
from spacy.vocab import Vocab
from thinc.api import Model
from thinc.types import Floats2d

from .loss import head_loss, logit_to_log_prob_gradient
from .scorer import score_lstm_tagger
from .serialization import SavedComponent
from .settings import ATTRS, CONFIG_SETTINGS, check_label, check_settings, positive_label
from .thinc_model import ARCHITECTURE

# The architecture alone: spaCy fills in its defaults from the builder's
# signature (thinc_model.build_lstm_tagger_model), the one place they live.
DEFAULT_MODEL = {"@architectures": ARCHITECTURE}


@Language.factory(
    "lstm_tagger",
    assigns=["token.tag", "token.pos", "token.morph"],
    default_config={
        "model": DEFAULT_MODEL,
        "attr": "tag",
        "overwrite": False,
        "neg_prefix": "!",
        "label_smoothing": 0.0,
        "confidence": "none",
        "scorer": {"@scorers": "spacy_lstm_tagger.scorer.v1"},
    },
    default_score_weights={"tag_acc": 1.0, "pos_acc": 0.0, "morph_acc": 0.0},
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
        scorer=scorer,
    )


def _register_extensions() -> None:
    for attr in ATTRS:
        if not Token.has_extension(f"{attr}_prob"):
            # Probability of the label this component predicted for the token.
            Token.set_extension(f"{attr}_prob", default=None)
        if not Doc.has_extension(f"{attr}_probs"):
            # (n_tokens, n_labels) probabilities, columns in doc._.{attr}_prob_labels order.
            Doc.set_extension(f"{attr}_probs", default=None)
            Doc.set_extension(f"{attr}_prob_labels", default=None)


class LSTMTaggerComponent(SavedComponent, TrainablePipe):
    """Pipeline component for part-of-speech tagging with an LSTM: predicts
    token.tag_, token.pos_ and token.morph (any of them, one output head each,
    from one LSTM pass)."""

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
        scorer: Optional[Callable] = score_lstm_tagger,
    ):
        """Initialize an LSTM tagger.

        vocab (Vocab): The shared vocabulary.
        model (thinc.api.Model): The Thinc Model powering the pipeline component.
        name (str): The component instance name, used to add entries to the losses during training.
        attr (Union[str, List[str]]): What to predict: "tag" (token.tag_), "pos"
            (token.pos_, universal POS tags), "morph" (token.morph, the UD FEATS
            bundle), or a list of them. With a list, heads whose attribute has
            no annotation in the training data are not built.
        overwrite (bool): Whether to overwrite values that an earlier component set.
        neg_prefix (str): The prefix of gold labels that mean "not this label".
        label_smoothing (float): Label smoothing of the loss.
        confidence (str): "none", "predicted" (token._.tag_prob, pos_prob,
            morph_prob) or "all" (also doc._.tag_probs, ...).
        scorer (Optional[Callable]): The scoring method.
        """
        self.vocab = vocab
        self.model = model
        self.name = name
        self.scorer = scorer
        self.cfg = {
            "labels": [] if isinstance(attr, str) else {},
            "attr": attr if isinstance(attr, str) else list(attr),
            "overwrite": overwrite,
            "neg_prefix": neg_prefix,
            "label_smoothing": label_smoothing,
            "confidence": confidence,
        }
        check_settings(self.cfg, f"lstm_tagger '{name}'")
        # What the pipeline's config said: wins over a stored cfg at load.
        self._config_settings = {key: self.cfg[key] for key in CONFIG_SETTINGS}
        if confidence != "none":
            _register_extensions()

    @property
    def attrs(self) -> Tuple[str, ...]:
        """The attributes the component was asked to predict."""
        attr = self.cfg["attr"]
        return (attr,) if isinstance(attr, str) else tuple(attr)

    @property
    def attr(self) -> str:
        """The first attribute the component predicts ("tag", "pos" or "morph")."""
        return self.attrs[0]

    @property
    def head_labels(self) -> Dict[str, Tuple[str, ...]]:
        """The labels of each attribute, in the order of its head's columns."""
        labels = self.cfg["labels"]
        if isinstance(self.cfg["attr"], str):
            return {self.attr: tuple(labels)}
        return {attr: tuple(labels[attr]) for attr in self.attrs if attr in labels}

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
        if isinstance(self.cfg["attr"], str):
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
            n_labels = sum(len(labels) for labels in self.head_labels.values())
            return [numpy.zeros((len(doc), n_labels), dtype="float32") for doc in docs]
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
            _register_extensions()
        # The legacy alias: a release-0.1.0 pipeline predicting pos stored its confidence as tag_prob.
        legacy_alias = isinstance(self.cfg["attr"], str) and self.attr != "tag"
        for attr, columns, labels in self._heads():
            attr_id = ATTRS[attr]
            guesses = [lp[:, columns].argmax(axis=1) for lp in log_probs]
            values = self._label_values(attr, labels, guesses)
            for doc, guess, doc_log_probs in zip(docs, guesses, log_probs):
                if not len(doc):
                    continue
                predicted = values[guess]
                if not overwrite:
                    existing = doc.to_array(attr_id)
                    predicted = numpy.where(existing == 0, predicted, existing)
                doc.from_array([attr_id], predicted.reshape(-1, 1))
                if confidence != "none":
                    probs = numpy.exp(doc_log_probs[:, columns])
                    for name in (attr, "tag") if legacy_alias else (attr,):
                        for token, prob in zip(doc, probs.max(axis=1).tolist()):
                            token._.set(f"{name}_prob", prob)
                        if confidence == "all":
                            doc._.set(f"{name}_probs", probs)
                            doc._.set(f"{name}_prob_labels", list(labels))

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
        neg_prefix = self.cfg["neg_prefix"]
        xp = self.model.ops.xp
        d_scores = [xp.zeros(scores.shape, dtype="float32") for scores in log_probs]
        total = 0.0
        for attr, columns, labels in self._heads():
            truths = [self._gold(eg, attr) for eg in examples]
            known = set(labels)
            for eg, eg_truths in zip(examples, truths):
                unknown = {t for t in eg_truths if t and positive_label(t, neg_prefix) not in known}
                if unknown:
                    raise ValueError(
                        f"lstm_tagger '{self.name}': gold {attr} labels {sorted(unknown)[:10]} in the doc "
                        f"starting {eg.reference.text[:40].strip()!r} are not among the labels collected at "
                        "initialize; re-initialize on data that has them, or list them in "
                        f"[initialize.components.{self.name}.labels]."
                    )
            probs = [xp.exp(scores[:, columns]) for scores in log_probs]
            try:
                d_head, loss = head_loss(labels, probs, truths, neg_prefix, self.cfg["label_smoothing"])
            except ValueError as err:
                raise ValueError(f"lstm_tagger '{self.name}' ({attr}): {err}") from None
            if xp.isnan(loss):
                raise ValueError(f"lstm_tagger '{self.name}': the {attr} loss is NaN; lower the learning rate.")
            total += float(loss)
            for d_doc, d in zip(d_scores, d_head):
                d_doc[:, columns] = logit_to_log_prob_gradient(d, xp)
        return total, d_scores

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
        neg_prefix = self.cfg["neg_prefix"]
        if labels is not None:
            given = labels if isinstance(labels, dict) else {self.attr: labels}
            for attr, attr_labels in given.items():
                for label in attr_labels:
                    self.add_label(label, attr=attr)
        else:
            found = {attr: set() for attr in self.attrs}
            negatives = {attr: set() for attr in self.attrs}
            for example in get_examples():
                for attr in self.attrs:
                    for value in self._gold(example, attr):
                        if value:
                            (negatives if value.startswith(neg_prefix) else found)[attr].add(value)
            for attr in self.attrs:
                for label in sorted(found[attr]):
                    self.add_label(label, attr=attr)
                known = set(self.head_labels.get(attr, ()))
                orphans = sorted(n for n in negatives[attr] if positive_label(n, neg_prefix) not in known)
                if orphans:
                    raise ValueError(
                        f"lstm_tagger '{self.name}': the training data has the gold {attr} values "
                        f"{orphans[:10]}, which start with neg_prefix {neg_prefix!r} ('not this "
                        "label') but name no label the data has; fix the annotation or set the component's "
                        "neg_prefix to another string."
                    )
        if not self.predicted_attrs:
            columns = {"tag": "XPOS", "pos": "UPOS", "morph": "FEATS"}
            raise ValueError(
                f"lstm_tagger '{self.name}': the training examples have no "
                f"{' / '.join(f'token.{a}_' for a in self.attrs)} annotation and no labels were given, so "
                f"there is nothing to learn; check the corpus (for UD, the "
                f"{' / '.join(columns[a] for a in self.attrs)} column) "
                f"or pass [initialize.components.{self.name}.labels]."
            )
        if len(self.attrs) > 1:
            missing = [a for a in self.attrs if a not in self.predicted_attrs]
            util.logger.info(
                f"lstm_tagger '{self.name}': built heads for {', '.join(self.predicted_attrs)}"
                + (f"; no {', '.join(missing)} annotation in the training data" if missing else "")
            )
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
        if isinstance(self.cfg["attr"], str):
            labels = self.cfg["labels"]
        else:
            labels = self.cfg["labels"].setdefault(attr, [])
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
        """Score a batch of examples: tag_acc, pos_acc, morph_acc and
        morph_per_feat, for the attributes the component predicts.

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

    def _heads(self) -> List[Tuple[str, slice, Tuple[str, ...]]]:
        """(attribute, its columns in the model's output, its labels) per head."""
        heads, start = [], 0
        for attr in self.predicted_attrs:
            labels = self.head_labels[attr]
            heads.append((attr, slice(start, start + len(labels)), labels))
            start += len(labels)
        return heads

    def _label_values(self, attr: str, labels: Sequence[str], guesses: List[numpy.ndarray]) -> numpy.ndarray:
        """What Doc.from_array stores for each label that the batch predicts:
        the string hash for tags, the universal POS symbol for pos, the
        analysis key for morph (added to the vocab's morphology)."""
        values = numpy.zeros((len(labels),), dtype="uint64")
        used = numpy.unique(numpy.concatenate(guesses)) if guesses else []
        for i in used.tolist():
            label = labels[i]
            if attr == "pos":
                values[i] = UPOS_IDS[label]
            elif attr == "morph":
                values[i] = self.vocab.morphology.add(label)
            else:
                values[i] = self.vocab.strings.add(label)
        return values

    def _gold(self, example: Example, attr: str) -> List[Optional[str]]:
        # "" (missing annotation) and None (misaligned token) both mean "no
        # gradient" to the loss. A token whose features were annotated as
        # none has "_" (a label) for morph.
        return [value or None for value in example.get_aligned(attr.upper(), as_string=True)]

    def _build_model(self, doc_sample: Optional[List[Doc]] = None) -> None:
        """Build the torch module for the current labels (and vectors)."""
        sizes = [len(labels) for _, _, labels in self._heads()]
        self.model._layers = []
        self.model.attrs["head_sizes"] = sizes
        self.model.set_dim("nO", sum(sizes), force=True)
        if self.vocab.vectors.shape[1]:
            self.model.set_dim("nV", self.vocab.vectors.shape[1], force=True)
        self.model.initialize(X=doc_sample or None)
