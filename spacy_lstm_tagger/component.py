"""The spaCy component: factory, labels, loss, annotations, serialization.

spaCy only: the model is a thinc Model (thinc_model.py), and everything torch
does lives behind it (torch_shim.py, torch_model.py). Methods follow the order
of spaCy's Tagger (spacy/pipeline/tagger.pyx), so code written for `tagger`
works with `lstm_tagger`.
"""
import warnings
from itertools import islice
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Tuple, Union

import numpy
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc, Token
from spacy.training import Example, validate_examples, validate_get_examples
from spacy.vocab import Vocab
from thinc.api import Model
from thinc.types import Floats2d

from .lemma import best_lemmas, lemma_rule, lexicon_entries
from .loss import head_loss, logit_to_log_prob_gradient
from .morph import Head, decode_features, feature_gold, feature_inventory, is_known, output_heads
from .scorer import lemma_or_missing, score_lstm_tagger
from .serialization import SavedComponent, head_layout
from .settings import (
    ATTRS,
    CONFIG_SETTINGS,
    SEEN_LEMMA_MARGIN,
    UD_COLUMNS,
    check_gold,
    check_label,
    check_settings,
    label_values,
    labels_from_data,
)
from .thinc_model import ARCHITECTURE

# The architecture alone: spaCy fills in its defaults from the builder's
# signature (thinc_model.build_lstm_tagger_model), the one place they live.
DEFAULT_MODEL = {"@architectures": ARCHITECTURE}


@Language.factory(
    "lstm_tagger",
    assigns=["token.tag", "token.pos", "token.morph", "token.lemma"],
    default_config={
        "model": DEFAULT_MODEL,
        "attr": "tag",
        "overwrite": False,
        "neg_prefix": "!",
        "label_smoothing": 0.0,
        "confidence": "none",
        "morph_mode": "bundle",
        "seen_lemma_margin": SEEN_LEMMA_MARGIN,
        "scorer": {"@scorers": "spacy_lstm_tagger.scorer.v1"},
    },
    default_score_weights={"tag_acc": 1.0, "pos_acc": 0.0, "morph_acc": 0.0, "lemma_acc": 0.0},
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
        seen_lemma_margin=seen_lemma_margin,
        scorer=scorer,
    )


def _register_extensions() -> None:
    for attr in ATTRS:
        if not Token.has_extension(f"{attr}_prob"):
            # Probability of the label this component predicted for the token.
            Token.set_extension(f"{attr}_prob", default=None)
        if not Doc.has_extension(f"{attr}_probs"):
            # (n_tokens, n_labels) probabilities, columns in doc._.{attr}_prob_labels
            # order (None for morph in morph_mode "features": it has no bundle columns).
            Doc.set_extension(f"{attr}_probs", default=None)
            Doc.set_extension(f"{attr}_prob_labels", default=None)


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
            morph_prob, lemma_prob) or "all" (also doc._.tag_probs, ...). In
            morph_mode "features", morph_prob is the product of the chosen
            values' probabilities and doc._.morph_probs is None. lemma_prob is
            the probability of the most probable rule that makes the lemma
            (0.0 where none does: a lexicon lemma, or the form as backoff);
            doc._.lemma_probs are over the rules.
        morph_mode (str): "bundle": one classifier over the FEATS bundles seen
            in training (as spaCy's morphologizer); "features": one per UD
            feature with an "absent" value, joined into a bundle (as Stanza and
            UDPipe; can make bundles unseen in training). See morph.py.
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
            "labels": [] if isinstance(attr, str) else {},
            "attr": attr if isinstance(attr, str) else list(attr),
            "overwrite": overwrite,
            "neg_prefix": neg_prefix,
            "label_smoothing": label_smoothing,
            "confidence": confidence,
            "morph_mode": morph_mode,
            "seen_lemma_margin": seen_lemma_margin,
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
        """The first attribute the component predicts ("tag", "pos", "morph" or "lemma")."""
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
            _register_extensions()
        # The legacy alias: a release-0.1.0 pipeline predicting pos stored its confidence as tag_prob.
        legacy_alias = isinstance(self.cfg["attr"], str) and self.attr != "tag"
        heads = self._heads()
        for attr in self.predicted_attrs:
            attr_id = ATTRS[attr]
            attr_heads = [head for head in heads if head.attr == attr]
            decoded = self._decode(attr, attr_heads, docs, log_probs, with_probs=confidence != "none")
            for doc, (predicted, token_probs, probs, labels) in zip(docs, decoded):
                if not len(doc):
                    continue
                if not overwrite:
                    existing = doc.to_array(attr_id)
                    predicted = numpy.where(existing == 0, predicted, existing)
                doc.from_array([attr_id], predicted.reshape(-1, 1))
                if confidence != "none":
                    for name in (attr, "tag") if legacy_alias else (attr,):
                        for token, prob in zip(doc, token_probs.tolist()):
                            token._.set(f"{name}_prob", prob)
                        if confidence == "all":
                            doc._.set(f"{name}_probs", probs)
                            doc._.set(f"{name}_prob_labels", labels)

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
        per_example = [self._gold_all(eg, self.predicted_attrs) for eg in examples]
        gold = {attr: [eg_gold[i] for eg_gold in per_example] for i, attr in enumerate(self.predicted_attrs)}
        if "lemma" in gold:
            # Rules seen too rarely in training to be classes (lemma.MIN_RULE_FREQ)
            # train nothing, as spaCy's trainable_lemmatizer's rare trees.
            rules = frozenset(self.head_labels["lemma"])
            gold["lemma"] = [[t if t in rules else None for t in doc] for doc in gold["lemma"]]
        for attr, truths in gold.items():
            labels, by_feature = self.head_labels[attr], self._by_feature(attr)
            check_gold(examples, truths, attr, lambda t: is_known(t, labels, by_feature), neg_prefix, self.name)
        for attr, columns, labels, feature in self._heads():
            truths = gold[attr] if feature is None else [feature_gold(doc, feature, neg_prefix) for doc in gold[attr]]
            probs = [xp.exp(scores[:, columns]) for scores in log_probs]
            try:
                d_head, loss = head_loss(labels, probs, truths, neg_prefix, self.cfg["label_smoothing"])
            except ValueError as err:
                raise ValueError(f"lstm_tagger '{self.name}' ({attr} {feature or ''}".rstrip() + f"): {err}") from None
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
            found = labels_from_data(
                get_examples(), self.attrs, self._gold, neg_prefix, self.head_labels, f"lstm_tagger '{self.name}'"
            )
            for attr, attr_labels in found.items():
                for label in attr_labels:
                    self.add_label(label, attr=attr)
        if not self.predicted_attrs:
            raise ValueError(
                f"lstm_tagger '{self.name}': the training examples have no "
                f"{' / '.join(f'token.{a}_' for a in self.attrs)} annotation and no labels were given, so "
                f"there is nothing to learn; check the corpus (for UD, the "
                f"{' / '.join(UD_COLUMNS[a] for a in self.attrs)} column) "
                f"or pass [initialize.components.{self.name}.labels]."
            )
        missing = [a for a in self.attrs if a not in self.predicted_attrs]
        if missing:
            # A warning, as spaCy warns of data problems: spacy train shows it.
            warnings.warn(
                f"lstm_tagger '{self.name}': built heads for {', '.join(self.predicted_attrs)}; "
                f"no {', '.join(missing)} annotation in the training data, so no head for it."
            )
        self._build_lemma_lexicon(get_examples)
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

    def _by_feature(self, attr: str) -> bool:
        return attr == "morph" and self.cfg["morph_mode"] == "features"

    def _heads(self) -> List[Head]:
        """The model's output heads, in column order (attr, columns, labels,
        feature): one per predicted attribute, or for morph in morph_mode
        "features" one per UD feature of its bundle labels."""
        return output_heads(self.head_labels, self.predicted_attrs, self.cfg["morph_mode"])

    def _decode(
        self, attr: str, heads: List[Head], docs: List[Doc], log_probs: List[numpy.ndarray], with_probs: bool
    ):
        """Per doc, for one attribute: what Doc.from_array stores, each token's
        probability, and the (n_tokens, n_labels) probabilities with their
        labels (None for morph in morph_mode "features"). Without with_probs
        (confidence "none") the probabilities are not computed: None."""
        if attr == "lemma":
            yield from self._decode_lemmas(heads[0], docs, log_probs, with_probs)
            return
        if not self._by_feature(attr):
            columns, labels = heads[0].columns, heads[0].labels
            guesses = [lp[:, columns].argmax(axis=1) for lp in log_probs]
            # The docs' vocab (one per batch): see _decode_lemmas.
            values = label_values(docs[0].vocab if docs else self.vocab, attr, labels, guesses)
            for guess, doc_log_probs in zip(guesses, log_probs):
                if not with_probs:
                    yield values[guess], None, None, None
                    continue
                probs = numpy.exp(doc_log_probs[:, columns])
                yield values[guess], probs.max(axis=1), probs, list(labels)
            return
        inventory = feature_inventory(self.head_labels[attr])
        for doc, lp in zip(docs, log_probs):
            head_log_probs = [lp[:, head.columns] for head in heads]
            keys, token_probs = decode_features(doc.vocab.morphology, inventory, head_log_probs, len(doc))
            yield keys, token_probs, None, None

    def _build_lemma_lexicon(self, get_examples: Callable[[], Iterable[Example]]) -> None:
        """cfg["lemma_lexicon"]: the training data's (form, POS) -> lemma
        (lemma.lexicon_entries), keyed by the pos head's UPOS or else the tag
        head's XPOS; none without a lemma head or a POS head."""
        self.cfg.pop("lemma_lexicon", None)
        pos_attr = next((a for a in ("pos", "tag") if a in self.predicted_attrs), None)
        if "lemma" not in self.predicted_attrs or pos_attr is None:
            return
        field = f"{pos_attr}_"
        triples = (
            (token.text, getattr(token, field), lemma_or_missing(token))
            for example in get_examples()
            for token in example.reference
        )
        entries = lexicon_entries((form, pos, lemma) for form, pos, lemma in triples if pos and lemma)
        self.cfg["lemma_lexicon"] = {"pos_attr": pos_attr, "entries": entries}

    def _lexicon(self) -> Tuple[Optional[Head], Dict[Tuple[str, str], str], FrozenSet[str]]:
        """The POS head the lexicon is keyed by, {(form, POS): lemma} and the
        lowercased lemmas it holds, built once per stored lexicon (a new one
        after initialize or a load). Read-only once built: threads share it."""
        stored = self.cfg.get("lemma_lexicon")
        if stored is None:
            return None, {}, frozenset()
        cached = getattr(self, "_lexicon_cache", None)
        if cached is None or cached[0] is not stored:
            head = next(head for head in self._heads() if head.attr == stored["pos_attr"])
            table = {(form, pos): lemma for form, pos, lemma in stored["entries"]}
            cached = (stored, head, table, frozenset(lemma.lower() for lemma in table.values()))
            self._lexicon_cache = cached
        return cached[1], cached[2], cached[3]

    def _decode_lemmas(self, head: Head, docs: List[Doc], log_probs: List[numpy.ndarray], with_probs: bool):
        """_decode for the lemma head: a seen (form, predicted POS)'s lemma
        from the lexicon, else the most probable rule that applies to the
        form, preferring one that makes a lemma seen in training within
        seen_lemma_margin (lemma.best_lemmas); the lemma's string hash."""
        pos_head, lexicon, seen = self._lexicon()
        for doc, doc_log_probs in zip(docs, log_probs):
            # The doc's own StringStore: a lemma is a new string for an unseen
            # word, and a component sourced from another pipeline keeps that
            # pipeline's vocab, which the doc does not read.
            strings = doc.vocab.strings
            scores = doc_log_probs[:, head.columns]
            forms = [token.text for token in doc]
            known = None
            if lexicon:
                pos = [pos_head.labels[i] for i in doc_log_probs[:, pos_head.columns].argmax(axis=1).tolist()]
                known = [lexicon.get(key) for key in zip(forms, pos)]
            lemmas, chosen = best_lemmas(
                forms, scores, head.labels, known, seen_lemmas=seen, seen_margin=self.cfg["seen_lemma_margin"],
                with_index=with_probs,
            )
            values = numpy.asarray([strings.add(lemma) for lemma in lemmas], dtype="uint64")
            if not with_probs:
                yield values, None, None, None
                continue
            probs = numpy.exp(scores)
            token_probs = numpy.asarray(
                [0.0 if i is None else probs[row, i] for row, i in enumerate(chosen)], dtype="float32"
            )
            yield values, token_probs, probs, list(head.labels)

    def _gold(self, example: Example, attr: str) -> List[Optional[str]]:
        return self._gold_all(example, (attr,))[0]

    def _gold_all(self, example: Example, attrs) -> List[List[Optional[str]]]:
        """The gold values of each attr, one per predicted token: "" (missing
        annotation) and None (misaligned token) both become None, "no
        gradient" to the loss; a token whose features were annotated as none
        has "_" (a label) for morph. When both docs have the same words
        (training on gold tokens, the usual case) the alignment is one to one
        and the values are read from the reference's arrays:
        Example.get_aligned builds a Token per word per attribute, which took
        about 15% of a joint training epoch. For lemma, the value is the
        rule (lemma.py) that makes the gold lemma from the token's form."""
        predicted, reference = example.predicted, example.reference
        if len(predicted) != len(reference) or not numpy.array_equal(
            predicted.to_array("ORTH"), reference.to_array("ORTH")
        ):
            values = [
                [value or None for value in example.get_aligned(attr.upper(), as_string=True)] for attr in attrs
            ]
            return [self._lemma_rules(predicted, v) if a == "lemma" else v for a, v in zip(attrs, values)]
        strings = reference.vocab.strings
        values = []
        # One column per attr (Doc.to_array returns a 1D array for one attr).
        array = reference.to_array([attr.upper() for attr in attrs]).reshape(len(reference), len(attrs))
        for column in array.T:
            ids, index = numpy.unique(column, return_inverse=True)
            names = [strings[int(i)] or None for i in ids]
            values.append([names[i] for i in index.tolist()])
        return [self._lemma_rules(reference, v) if a == "lemma" else v for a, v in zip(attrs, values)]

    @staticmethod
    def _lemma_rules(doc: Doc, lemmas: List[Optional[str]]) -> List[Optional[str]]:
        """The rule from each token's form to its gold lemma: None where the
        lemma is missing (unset, or UD's "_" for a form that is not "_")."""
        return [lemma_rule(token.text, lemma) if lemma else None for token, lemma in zip(doc, lemmas)]

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
