"""The spaCy component: factory, labels, loss, annotations, serialization."""
import os
from itertools import islice
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional

import numpy
import srsly
import torch
from spacy import util
from spacy.attrs import POS, TAG
from spacy.language import Language
from spacy.parts_of_speech import IDS as UPOS_IDS
from spacy.pipeline import TrainablePipe
from spacy.scorer import Scorer
from spacy.tokens import Doc, Token
from spacy.training import Example, validate_examples, validate_get_examples
from spacy.vocab import Vocab
from thinc.api import Config, Model, SequenceCategoricalCrossentropy, torch2xp, xp2torch
from thinc.types import Floats2d

DEFAULT_MODEL_CONFIG = """
[model]
@architectures = "spacy_lstm_tagger.LSTMTagger.v1"
word_rows = 50000
subword_rows = 20000
shape_rows = 2000
word_width = 128
subword_width = 32
prefix_lengths = [1, 2, 3]
suffix_lengths = [1, 2, 3, 4]
char_rows = 1000
char_width = 32
char_filters = 64
char_length = 16
hidden_width = 128
depth = 2
bidirectional = true
dropout = 0.3
word_dropout = 0.1
include_static_vectors = false
max_sequence_length = 512
"""
DEFAULT_MODEL = Config().from_str(DEFAULT_MODEL_CONFIG)["model"]


def _one_torch_thread_in_forked_child() -> None:
    # A process forked after torch has started its OpenMP threads (nlp.pipe
    # with n_process > 1 under the fork start method) deadlocks at its first
    # parallel region: tests/test_multiprocessing.py hung. One thread per
    # worker also keeps n workers from oversubscribing n cores.
    torch.set_num_threads(1)


os.register_at_fork(after_in_child=_one_torch_thread_in_forked_child)

# The token attributes the component can predict, with the spaCy attribute id
# that Doc.to_array / Doc.from_array use for each.
ATTRS = {"tag": TAG, "pos": POS}


@util.registry.scorers("spacy_lstm_tagger.scorer.v1")
def make_lstm_tagger_scorer() -> Callable:
    return score_lstm_tagger


def score_lstm_tagger(examples: Iterable[Example], attr: str = "tag", **kwargs) -> Dict:
    """tag_acc or pos_acc, whichever attribute the component predicts."""
    return Scorer.score_token_attr(examples, attr, **kwargs)


@Language.factory(
    "lstm_tagger",
    assigns=["token.tag", "token.pos"],
    default_config={
        "model": DEFAULT_MODEL,
        "attr": "tag",
        "overwrite": False,
        "neg_prefix": "!",
        "label_smoothing": 0.0,
        "confidence": "none",
        "scorer": {"@scorers": "spacy_lstm_tagger.scorer.v1"},
    },
    default_score_weights={"tag_acc": 1.0, "pos_acc": 0.0},
)
def make_lstm_tagger(
    nlp: Language,
    name: str,
    model: Model[List[Doc], List[Floats2d]],
    attr: str,
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


# What `confidence` stores. Off by default, so the fast path pays nothing.
CONFIDENCE = ("none", "predicted", "all")


def _register_extensions() -> None:
    if not Token.has_extension("tag_prob"):
        # Probability of the label this component predicted for the token.
        Token.set_extension("tag_prob", default=None)
    if not Doc.has_extension("tag_probs"):
        # (n_tokens, n_labels) probabilities, columns in doc._.tag_prob_labels order.
        Doc.set_extension("tag_probs", default=None)
        Doc.set_extension("tag_prob_labels", default=None)


class LSTMTaggerComponent(TrainablePipe):
    """Predicts token.tag_ (or token.pos_ with attr = "pos") with an LSTM."""

    def __init__(
        self,
        vocab: Vocab,
        model: Model,
        name: str = "lstm_tagger",
        *,
        attr: str = "tag",
        overwrite: bool = False,
        neg_prefix: str = "!",
        label_smoothing: float = 0.0,
        confidence: str = "none",
        scorer: Optional[Callable] = score_lstm_tagger,
    ):
        if confidence not in CONFIDENCE:
            raise ValueError(
                f"lstm_tagger '{name}': confidence must be one of {list(CONFIDENCE)}, got {confidence!r}."
            )
        if confidence != "none":
            _register_extensions()
        if attr not in ATTRS:
            raise ValueError(
                f"lstm_tagger '{name}': attr must be one of {sorted(ATTRS)}, got {attr!r}."
            )
        self.vocab = vocab
        self.model = model
        self.name = name
        self.scorer = scorer
        self.cfg = {
            "labels": [],
            "attr": attr,
            "overwrite": overwrite,
            "neg_prefix": neg_prefix,
            "label_smoothing": label_smoothing,
            "confidence": confidence,
        }

    # Labels -----------------------------------------------------------------

    @property
    def attr(self) -> str:
        return self.cfg["attr"]

    @property
    def labels(self) -> tuple:
        return tuple(self.cfg["labels"])

    @property
    def label_data(self) -> List[str]:
        return list(self.labels)

    def add_label(self, label: str) -> int:
        if not isinstance(label, str) or not label:
            raise ValueError(f"lstm_tagger '{self.name}': labels must be non-empty strings, got {label!r}.")
        if self.attr == "pos" and label not in UPOS_IDS:
            raise ValueError(
                f"lstm_tagger '{self.name}' predicts pos, but {label!r} is not a universal POS tag."
            )
        if label in self.cfg["labels"]:
            return 0
        if self.model.layers:
            raise ValueError(
                f"lstm_tagger '{self.name}': cannot add label {label!r} after the model is built; "
                "list every label before initialize."
            )
        self.cfg["labels"].append(label)
        self.vocab.strings.add(label)
        return 1

    def _label_values(self) -> numpy.ndarray:
        """What Doc.from_array stores for each label: the string hash for tags,
        the universal POS symbol for pos."""
        if self.attr == "pos":
            return numpy.asarray([UPOS_IDS[label] for label in self.labels], dtype="uint64")
        return numpy.asarray([self.vocab.strings.add(label) for label in self.labels], dtype="uint64")

    def _gold(self, example: Example) -> List[Optional[str]]:
        # "" (missing annotation) and None (misaligned token) both mean "no
        # gradient" to the loss.
        return [value or None for value in example.get_aligned(self.attr.upper(), as_string=True)]

    # Prediction -------------------------------------------------------------

    def predict(self, docs: Iterable[Doc]) -> List[numpy.ndarray]:
        """Log-probabilities, one (n_tokens, n_labels) numpy array per doc,
        moved to the host in one copy per batch."""
        docs = list(docs)
        if not any(len(doc) for doc in docs):
            n_labels = len(self.labels)
            return [numpy.zeros((len(doc), n_labels), dtype="float32") for doc in docs]
        per_doc = self.model.predict(docs)
        if self.model.ops.xp is numpy:
            return list(per_doc)  # already views of one host array
        # On a GPU: one device-to-host copy for the batch, not one per doc.
        flat = self.model.ops.to_numpy(self.model.ops.xp.concatenate(per_doc))
        return numpy.split(flat, numpy.cumsum([len(doc) for doc in docs])[:-1])

    def set_annotations(self, docs: Iterable[Doc], log_probs: List[numpy.ndarray]) -> None:
        attr_id = ATTRS[self.attr]
        values = self._label_values()
        for doc, doc_log_probs in zip(docs, log_probs):
            if not len(doc):
                continue
            predicted = values[doc_log_probs.argmax(axis=1)]
            if not self.cfg["overwrite"]:
                existing = doc.to_array(attr_id)
                predicted = numpy.where(existing == 0, predicted, existing)
            doc.from_array([attr_id], predicted.reshape(-1, 1))
            confidence = self.cfg.get("confidence", "none")
            if confidence != "none":
                _register_extensions()
                probs = numpy.exp(doc_log_probs)
                for token, prob in zip(doc, probs.max(axis=1).tolist()):
                    token._.tag_prob = prob
                if confidence == "all":
                    doc._.tag_probs = probs
                    doc._.tag_prob_labels = list(self.labels)

    # Training ---------------------------------------------------------------

    def get_loss(self, examples: Iterable[Example], log_probs: List[Floats2d]):
        validate_examples(examples, "LSTMTaggerComponent.get_loss")
        loss_func = SequenceCategoricalCrossentropy(
            names=self.labels,
            normalize=False,
            neg_prefix=self.cfg["neg_prefix"],
            label_smoothing=self.cfg["label_smoothing"],
        )
        # thinc's crossentropy takes probabilities and returns probs - truths,
        # the gradient with respect to the logits. Handed back as the gradient
        # of log_softmax's output it comes out unchanged at the logits, because
        # each row of probs - truths sums to zero (log_softmax's backward is
        # g - softmax * sum(g)). tests/test_loss.py checks this against
        # torch's nll_loss.
        xp = self.model.ops.xp
        probs = [xp.exp(scores) for scores in log_probs]
        truths = [self._gold(eg) for eg in examples]
        known = set(self.labels)
        for eg, eg_truths in zip(examples, truths):
            unknown = {t for t in eg_truths if t and t not in known and not t.startswith(self.cfg["neg_prefix"])}
            if unknown:
                raise ValueError(
                    f"lstm_tagger '{self.name}': gold {self.attr} labels {sorted(unknown)} in the doc "
                    f"starting {eg.reference.text[:40].strip()!r} are not among the labels collected at "
                    "initialize; re-initialize on data that has them, or list them in "
                    f"[initialize.components.{self.name}.labels]."
                )
        try:
            d_scores, loss = loss_func(probs, truths)
        except ValueError as err:
            raise ValueError(f"lstm_tagger '{self.name}': {err}") from None
        if xp.isnan(loss):
            raise ValueError(f"lstm_tagger '{self.name}': the loss is NaN; lower the learning rate.")
        return float(loss), d_scores

    def finish_update(self, sgd) -> None:
        """Apply the optimizer to the torch parameters in place.

        thinc's PyTorchShim.finish_update rebinds each parameter's .data to a
        new tensor every step, and the old storage is never freed: RSS grew by
        about the model's size per step (24 GB after 800 steps of the default
        config). Updating through views that share the tensors' memory keeps
        memory flat; the optimizer and its state keys are thinc's own."""
        for node in self.model.walk():
            for shim in node.shims:
                for name, param in shim._model.named_parameters():
                    if param.grad is None:
                        continue
                    weights = torch2xp(param.data)
                    updated, _ = sgd((shim.id, name), weights, torch2xp(param.grad))
                    if updated is not weights:
                        weights[...] = updated
                    param.grad.zero_()

    def use_params(self, params: dict):
        """Swap in parameters keyed as finish_update keys them, (shim id, name):
        the optimizer's averages when use_averages = true, which spacy train
        evaluates and saves. thinc's PyTorchShim.use_params looks for other
        keys ("pytorch_<id>_<name>") and would silently keep the raw weights.
        A generator, not a context manager: Language.use_params drives it."""
        saved = []
        with torch.no_grad():
            for node in self.model.walk():
                for shim in node.shims:
                    for name, param in shim._model.named_parameters():
                        value = params.get((shim.id, name)) if params else None
                        if value is not None:
                            saved.append((param, param.detach().clone()))
                            param.copy_(xp2torch(value, device=param.device))
        try:
            yield
        finally:
            with torch.no_grad():
                for param, value in saved:
                    param.copy_(value)

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Example]],
        *,
        nlp: Optional[Language] = None,
        labels: Optional[List[str]] = None,
    ) -> None:
        validate_get_examples(get_examples, "LSTMTaggerComponent.initialize")
        self.model._layers = []  # re-initializing builds a fresh module
        self.cfg["labels"] = []
        if labels is not None:
            for label in labels:
                self.add_label(label)
        else:
            found = set()
            for example in get_examples():
                found.update(value for value in self._gold(example) if value)
            for label in sorted(found):
                self.add_label(label)
        if not self.labels:
            raise ValueError(
                f"lstm_tagger '{self.name}': the training examples have no token.{self.attr}_ "
                "annotation and no labels were given, so there is nothing to learn; "
                f"check the corpus (for UD, the {'XPOS' if self.attr == 'tag' else 'UPOS'} column) "
                f"or pass [initialize.components.{self.name}.labels]."
            )
        doc_sample = [eg.x for eg in islice(get_examples(), 10)]
        self._build_model(doc_sample)

    def _build_model(self, doc_sample: Optional[List[Doc]] = None) -> None:
        """Build the torch module for the current labels (and vectors)."""
        self.model._layers = []
        self.model.set_dim("nO", len(self.labels), force=True)
        if self.vocab.vectors.shape[1]:
            self.model.set_dim("nV", self.vocab.vectors.shape[1], force=True)
        self.model.initialize(X=doc_sample or None)

    # Scoring ----------------------------------------------------------------

    def score(self, examples: Iterable[Example], **kwargs) -> Dict:
        if self.scorer is None:
            return {}
        return self.scorer(examples, attr=self.attr, **kwargs)

    # Serialization ----------------------------------------------------------
    # spaCy loads cfg, then vocab, then model. The torch module's size depends
    # on the labels, so it is built from the loaded cfg before its weights are
    # read (thinc refuses weights for a layer that does not exist yet).

    def _load_model_bytes(self, data: bytes, source: str) -> None:
        if not self.labels:
            raise ValueError(f"lstm_tagger '{self.name}': {source}: the stored cfg lists no labels.")
        self._build_model()
        try:
            self.model.from_bytes(data)
        except Exception as err:
            if "dimension 'nO'" in str(err):
                raise ValueError(
                    f"lstm_tagger '{self.name}': {source}: the cfg lists {len(self.labels)} labels, "
                    f"which does not match the weights ({err})."
                ) from None
            raise ValueError(f"lstm_tagger '{self.name}': cannot load the weights in {source}: {err}") from None

    def to_bytes(self, *, exclude=tuple()) -> bytes:
        serialize = {
            "cfg": lambda: srsly.json_dumps(self.cfg),
            "vocab": lambda: self.vocab.to_bytes(exclude=exclude),
            "model": self.model.to_bytes,
        }
        return util.to_bytes(serialize, exclude)

    def from_bytes(self, bytes_data: bytes, *, exclude=tuple()) -> "LSTMTaggerComponent":
        deserialize = {
            "cfg": lambda b: self.cfg.update(srsly.json_loads(b)),
            "vocab": lambda b: self.vocab.from_bytes(b, exclude=exclude),
            "model": lambda b: self._load_model_bytes(b, "the model bytes"),
        }
        util.from_bytes(bytes_data, deserialize, exclude)
        return self

    def to_disk(self, path, *, exclude=tuple()) -> None:
        serialize = {
            "cfg": lambda p: srsly.write_json(p, self.cfg),
            "vocab": lambda p: self.vocab.to_disk(p, exclude=exclude),
            "model": lambda p: Path(p).write_bytes(self.model.to_bytes()),
        }
        util.to_disk(path, serialize, exclude)

    def from_disk(self, path, *, exclude=tuple()) -> "LSTMTaggerComponent":
        def read(p: Path, what: str) -> bytes:
            if not p.is_file():
                raise ValueError(f"lstm_tagger '{self.name}': {what} file {p} is missing.")
            return p.read_bytes()

        def load_cfg(p: Path) -> None:
            try:
                self.cfg.update(srsly.json_loads(read(p, "the cfg")))
            except ValueError as err:
                if "missing" in str(err):
                    raise
                raise ValueError(f"lstm_tagger '{self.name}': {p} is not valid JSON ({err}).") from None

        deserialize = {
            "cfg": load_cfg,
            "vocab": lambda p: self.vocab.from_disk(p, exclude=exclude),
            "model": lambda p: self._load_model_bytes(read(p, "the weights"), str(p)),
        }
        util.from_disk(path, deserialize, exclude)
        return self
