"""From the model's log-probabilities to what the component writes: per
predicted attribute and doc, the values Doc.from_array stores, each token's
probability and, where asked, the (n_tokens, n_labels) probabilities with
their labels. spaCy and numpy only.

Three decoders, chosen by the attribute's spec and heads: the argmax label
(tag, pos, morph bundles), the features' argmaxes joined into a bundle
(morph_mode "features", morph.py) and the lemma's lexicon and rules
(lemma.py).

What `confidence` stores: token._.{attr}_prob, the chosen label's
probability; with "all", doc._.{attr}_probs (n_tokens, n_labels) and
doc._.{attr}_prob_labels. In morph_mode "features", morph_prob is the
product of the chosen values' probabilities and doc._.morph_probs is None.
lemma_prob is the probability of the most probable rule that makes the lemma
(0.0 where none does: a lexicon lemma, or the form as backoff);
doc._.lemma_probs are over the rules.
"""
from typing import Dict, FrozenSet, Iterator, List, NamedTuple, Optional, Sequence, Tuple

import numpy
from spacy.tokens import Doc
from spacy.vocab import Vocab

from .attributes import ATTRIBUTES
from .heads import Head
from .lemma import best_lemmas
from .morph import decode_features

# Per doc: the stored values, each token's probability, the probabilities
# and their labels (the last three None where not computed or not defined).
Decoded = Tuple[numpy.ndarray, Optional[numpy.ndarray], Optional[numpy.ndarray], Optional[List[str]]]


class LemmaLexicon(NamedTuple):
    """The lemma lexicon a cfg stores, ready for decoding: the head of the
    POS it is keyed by, {(form, POS): lemma}, the heads of the attributes
    that refine the key, {(form, POS, their labels ...): lemma} where that
    differs, and the lowercased lemmas it holds (the lemmas seen in
    training). Read-only: threads share it."""

    pos_head: Head
    table: Dict[Tuple[str, str], str]
    refine_heads: Tuple[Head, ...]
    refined: Dict[Tuple[str, ...], str]
    # The (form, POS) keys that have a finer one: the refining heads are
    # read only for a doc with such a word.
    refined_pairs: FrozenSet[Tuple[str, str]]
    seen: FrozenSet[str]

    @classmethod
    def from_cfg(cls, stored: dict, heads: Sequence[Head]) -> "LemmaLexicon":
        def head_of(attr: str) -> Head:
            return next(head for head in heads if head.attr == attr)

        table = {(form, pos): lemma for form, pos, lemma in stored["entries"]}
        refined = {tuple(row[:-1]): row[-1] for row in stored.get("refined", ())}
        seen = frozenset(lemma.lower() for lemmas in (table.values(), refined.values()) for lemma in lemmas)
        refine_heads = tuple(head_of(attr) for attr in stored.get("refined_by", ()))
        pairs = frozenset(key[:2] for key in refined)
        return cls(head_of(stored["pos_attr"]), table, refine_heads, refined, pairs, seen)

    def lemmas(self, forms: List[str], log_probs: numpy.ndarray) -> List[Optional[str]]:
        """Each token's lemma from the lexicon (None: not in it), by its
        form and its predicted POS, and first by the finer key where one is
        stored: the most probable label of each refining head."""
        def predicted(head: Head, rows: numpy.ndarray) -> List[str]:
            return [head.labels[i] for i in rows[:, head.columns].argmax(axis=1).tolist()]

        keys = list(zip(forms, predicted(self.pos_head, log_probs)))
        known = [self.table.get(key) for key in keys]
        rows = [row for row, key in enumerate(keys) if key in self.refined_pairs] if self.refined_pairs else []
        if rows:
            # The refining heads' labels of those rows only.
            values = zip(*(predicted(head, log_probs[rows]) for head in self.refine_heads))
            for row, finer in zip(rows, values):
                known[row] = self.refined.get((*keys[row], *finer), known[row])
        return known


def decode(
    attr: str,
    heads: List[Head],
    docs: List[Doc],
    log_probs: List[numpy.ndarray],
    with_probs: bool,
    *,
    vocab: Vocab,
    lexicon: Optional[LemmaLexicon] = None,
    seen_lemma_margin: float = 0.0,
) -> Iterator[Decoded]:
    """One Decoded per doc for attr, whose heads are `heads` (one, or one
    per feature; in morph_mode "bundle_and_features" the bundle head first,
    which alone decodes). Without with_probs (confidence "none") no
    probabilities are computed. vocab: where label strings go when the
    batch has no doc."""
    spec = ATTRIBUTES[attr]
    if spec.decoder == "lemma":
        return decode_lemmas(heads[0], docs, log_probs, with_probs, lexicon, seen_lemma_margin)
    if heads[0].feature is not None:
        return decode_feature_heads(heads, docs, log_probs)
    # The docs' vocab (one per batch): see decode_lemmas.
    return decode_labels(attr, heads[0], docs, log_probs, with_probs, docs[0].vocab if docs else vocab)


def stored_values(vocab: Vocab, attr: str, labels: Sequence[str], guesses: List[numpy.ndarray]) -> numpy.ndarray:
    """What Doc.from_array stores for each label that a batch predicts (the
    argmax indices `guesses`), as the attribute's spec makes it (the string
    hash, the universal POS symbol, the analysis key)."""
    stored_value = ATTRIBUTES[attr].stored_value
    values = numpy.zeros((len(labels),), dtype="uint64")
    used = numpy.unique(numpy.concatenate(guesses)) if guesses else []
    for i in used.tolist():
        values[i] = stored_value(vocab, labels[i])
    return values


def decode_labels(
    attr: str, head: Head, docs: List[Doc], log_probs: List[numpy.ndarray], with_probs: bool, vocab: Vocab
) -> Iterator[Decoded]:
    guesses = [lp[:, head.columns].argmax(axis=1) for lp in log_probs]
    values = stored_values(vocab, attr, head.labels, guesses)
    for guess, doc_log_probs in zip(guesses, log_probs):
        if not with_probs:
            yield values[guess], None, None, None
            continue
        probs = numpy.exp(doc_log_probs[:, head.columns])
        yield values[guess], probs.max(axis=1), probs, list(head.labels)


def decode_feature_heads(heads: List[Head], docs: List[Doc], log_probs: List[numpy.ndarray]) -> Iterator[Decoded]:
    """Each token's bundle from its features' heads (morph.decode_features);
    no (n_tokens, n_labels) probabilities: there are no bundle columns."""
    inventory = tuple((head.feature, head.labels) for head in heads)
    for doc, lp in zip(docs, log_probs):
        keys, token_probs = decode_features(doc.vocab.morphology, inventory, [lp[:, h.columns] for h in heads], len(doc))
        yield keys, token_probs, None, None


def decode_lemmas(
    head: Head,
    docs: List[Doc],
    log_probs: List[numpy.ndarray],
    with_probs: bool,
    lexicon: Optional[LemmaLexicon],
    seen_lemma_margin: float,
) -> Iterator[Decoded]:
    """A seen (form, predicted POS)'s lemma from the lexicon, else the most
    probable rule that applies to the form, preferring one that makes a
    lemma seen in training within seen_lemma_margin (lemma.best_lemmas); the
    lemma's string hash. lemma_prob: the probability of the most probable
    rule that makes the lemma, 0.0 where none does."""
    for doc, doc_log_probs in zip(docs, log_probs):
        # The doc's own StringStore: a lemma is a new string for an unseen
        # word, and a component sourced from another pipeline keeps that
        # pipeline's vocab, which the doc does not read.
        strings = doc.vocab.strings
        scores = doc_log_probs[:, head.columns]
        forms = [token.text for token in doc]
        known = lexicon.lemmas(forms, doc_log_probs) if lexicon is not None and lexicon.table else None
        lemmas, chosen = best_lemmas(
            forms, scores, head.labels, known, seen_lemmas=lexicon.seen if lexicon else frozenset(),
            seen_margin=seen_lemma_margin, with_index=with_probs,
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
