"""Writing one attribute's decoded predictions onto a doc: the values
(kept where an earlier component set one, unless overwrite) and, with
`confidence`, the probabilities as token and doc extensions. spaCy and numpy
only."""
from typing import List, Optional, Sequence

import numpy
from spacy.tokens import Doc, Token

from .attributes import ATTRIBUTES

def register_extensions() -> None:
    """token._.{attr}_prob and doc._.{attr}_probs / {attr}_prob_labels for
    every attribute (once per process; spaCy's extensions are global)."""
    for attr in ATTRIBUTES:
        if not Token.has_extension(f"{attr}_prob"):
            # Probability of the label this component predicted for the token.
            Token.set_extension(f"{attr}_prob", default=None)
        if not Doc.has_extension(f"{attr}_probs"):
            # (n_tokens, n_labels) probabilities, columns in doc._.{attr}_prob_labels
            # order (None for morph in morph_mode "features": it has no bundle columns).
            Doc.set_extension(f"{attr}_probs", default=None)
            Doc.set_extension(f"{attr}_prob_labels", default=None)


def write_attribute(
    doc: Doc,
    attr: str,
    predicted: numpy.ndarray,
    overwrite: bool,
    confidence: str,
    extension_names: Sequence[str],
    token_probs: Optional[numpy.ndarray],
    probs: Optional[numpy.ndarray],
    labels: Optional[List[str]],
    spaces: Sequence[int] = (),
) -> None:
    """Store attr's predicted values (what Doc.from_array takes) on a
    non-empty doc, and the probabilities under each of extension_names.
    spaces: the doc's whitespace tokens (featurizer.whitespace_tokens)."""
    attr_id = ATTRIBUTES[attr].spacy_id
    if len(spaces):
        # The LSTM did not read whitespace tokens (their rows are zeros):
        # spaCy's annotation of one instead, and no probability.
        predicted = predicted.copy()
        predicted[spaces] = [ATTRIBUTES[attr].whitespace_value(doc.vocab, doc[int(i)].text) for i in spaces]
        if token_probs is not None:
            token_probs = token_probs.astype(object)
            token_probs[spaces] = None
        if probs is not None:
            probs = probs.copy()
            probs[spaces] = 0.0
    if not overwrite:
        existing = doc.to_array(attr_id)
        predicted = numpy.where(existing == 0, predicted, existing)
    doc.from_array([attr_id], predicted.reshape(-1, 1))
    if confidence == "none":
        return
    for name in extension_names:
        for token, prob in zip(doc, token_probs.tolist()):
            token._.set(f"{name}_prob", prob)
        if confidence == "all":
            doc._.set(f"{name}_probs", probs)
            doc._.set(f"{name}_prob_labels", labels)
