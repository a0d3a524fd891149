"""UD's DEPREL column as a fifth attribute, for training only: an auxiliary head that
the LSTM learns beside the four (UDPipe 2.0 trained its tagger jointly with a parser).
The spec is the one docs/how-it-works.md, "Adding an attribute", shows. Loaded with
`spacy train --code` and before scoring (score.py), since a pipeline with a "dep" head
only loads where the spec is registered."""
from spacy.attrs import DEP
from spacy.scorer import Scorer

from spacy_lstm_tagger.attributes import ATTRIBUTES, AttributeSpec

ATTRIBUTES["dep"] = AttributeSpec(
    name="dep", spacy_id=DEP, spacy_name="DEP", token_field="dep_", ud_column="DEPREL",
    score_key="dep_acc", label_problem=lambda label: None, labels_from_counts=sorted,
    rare_gold_trains_nothing=False, stored_value=lambda vocab, label: vocab.strings.add(label),
    token_value=lambda token: token.dep_ or None,
    score=lambda examples, **kwargs: Scorer.score_token_attr(examples, "dep", **kwargs),
    conllu_value=lambda token: token.dep_, conllu_always_written=False,
)


# AUX_DEP_WEIGHT=w scales the dep head's gradient by w (the other heads keep 1; the logged loss is unweighted):
# how much the auxiliary signal weighs, as feature_loss_weight does for the feature heads.
import os  # noqa: E402

if os.environ.get("AUX_DEP_WEIGHT"):
    import numpy

    from spacy_lstm_tagger import component

    _WEIGHT = numpy.float32(os.environ["AUX_DEP_WEIGHT"])
    _heads_loss = component.heads_loss

    def weighted_heads_loss(heads, gold, log_probs, xp, *args, **kwargs):
        loss, d_log_probs = _heads_loss(heads, gold, log_probs, xp, *args, **kwargs)
        for attr, columns, labels, feature in heads:
            if attr == "dep":
                for d in d_log_probs:
                    d[:, columns] *= _WEIGHT
        return loss, d_log_probs

    component.heads_loss = weighted_heads_loss
