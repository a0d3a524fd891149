"""The gradient handed back through log_softmax equals torch's own NLL gradient."""
import numpy
import pytest
import spacy
import torch
from spacy.tokens import Doc
from spacy.training import Example

from conftest import TINY_MODEL


def test_loss_gradient_matches_nll_loss():
    nlp = spacy.blank("en")
    tagger = nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL)})
    words = "a b c d".split()
    # The third token has no gold tag: it must get no gradient.
    example = Example.from_dict(Doc(nlp.vocab, words=words), {"tags": ["X", "Y", "", "X"]})
    tagger.initialize(lambda: [example], nlp=nlp)
    assert tagger.labels == ("X", "Y")

    logits = torch.randn(4, 2, requires_grad=True)
    log_probs = torch.log_softmax(logits, dim=-1)
    _, d_log_probs = tagger.get_loss([example], [log_probs.detach().numpy()])
    log_probs.backward(torch.from_numpy(numpy.ascontiguousarray(d_log_probs[0])))
    ours = logits.grad.clone()

    reference_logits = logits.detach().clone().requires_grad_(True)
    target = torch.tensor([0, 1, -100, 0])
    torch.nn.functional.nll_loss(
        torch.log_softmax(reference_logits, dim=-1), target, ignore_index=-100, reduction="sum"
    ).backward()
    assert torch.allclose(ours, reference_logits.grad, atol=1e-6)
    assert torch.all(ours[2] == 0)


def test_batch_loss_is_thincs_doc_by_doc_loss():
    """heads_loss scores the batch as one matrix per head; the gradient must be
    bit for bit what thinc's SequenceCategoricalCrossentropy gives doc by doc
    (spaCy's tagger's loss), with missing values, "not X" values and label
    smoothing, and an empty doc in the batch."""
    from thinc.api import SequenceCategoricalCrossentropy

    from spacy_lstm_tagger.heads import Head
    from spacy_lstm_tagger.loss import heads_loss, logit_to_log_prob_gradient

    rng = numpy.random.default_rng(0)
    tags, pos, rules = ("A", "B", "C"), ("N", "V"), ("R",)
    heads = [Head("tag", slice(0, 3), tags), Head("pos", slice(3, 5), pos), Head("lemma", slice(5, 6), rules)]
    lengths = [4, 0, 7, 1]
    log_probs = []
    for n in lengths:
        logits = rng.normal(size=(n, 6)).astype("float32")
        log_probs.append(numpy.concatenate(
            [torch.log_softmax(torch.from_numpy(logits[:, columns]), -1).numpy() for _, columns, _, _ in heads], axis=1))
    choices = {"tag": [*tags, "!A", "!C", None], "pos": [*pos, "!V", None], "lemma": [*rules, None]}
    gold = {attr: [[values[rng.integers(len(values))] for _ in range(n)] for n in lengths] for attr, values in choices.items()}

    for smoothing in (0.0, 0.1):
        loss, d_scores = heads_loss(heads, gold, log_probs, numpy, "!", smoothing, "t")
        expected_loss = 0.0
        for attr, columns, labels, _ in heads:
            truths = gold[attr]
            probs = [numpy.exp(scores[:, columns]) for scores in log_probs]

            def thinc_loss(truths, s):
                return SequenceCategoricalCrossentropy(names=labels, normalize=False, neg_prefix="!", label_smoothing=s)(probs, truths)

            negs = [[bool(t) and t.startswith("!") for t in doc] for doc in truths]
            # A head of one label: nothing to smooth (thinc refuses it).
            if smoothing and len(labels) > 1:
                d_pos, l_pos = thinc_loss([[None if n else t for t, n in zip(d, ns)] for d, ns in zip(truths, negs)], smoothing)
                d_neg, l_neg = thinc_loss([[t if n else None for t, n in zip(d, ns)] for d, ns in zip(truths, negs)], 0.0)
                expected, head_loss = [a + b for a, b in zip(d_pos, d_neg)], l_pos + l_neg
            else:
                expected, head_loss = thinc_loss(truths, 0.0)
            expected_loss += float(head_loss)
            for ours, theirs in zip(d_scores, expected):
                assert numpy.array_equal(ours[:, columns], logit_to_log_prob_gradient(theirs, numpy))
        assert [d.shape for d in d_scores] == [(n, 6) for n in lengths]
        # The same squares summed in another order: equal to float32 rounding.
        assert abs(loss - expected_loss) < 1e-5 * max(1.0, expected_loss)


@pytest.mark.parametrize("n_labels,smoothing", [(2, 0.5), (3, 0.7)])
def test_smoothing_thinc_refuses_is_refused_with_its_message(n_labels, smoothing):
    from thinc.api import CategoricalCrossentropy

    from spacy_lstm_tagger.loss import head_loss

    labels = [f"L{i}" for i in range(n_labels)]
    probs = numpy.full((2, n_labels), 1.0 / n_labels, dtype="float32")
    with pytest.raises(ValueError) as thincs:
        CategoricalCrossentropy(names=labels, normalize=False, label_smoothing=smoothing)(probs, ["L0", "L1"])
    with pytest.raises(ValueError) as ours:
        head_loss(labels, probs.copy(), ["L0", "L1"], "!", smoothing)
    assert str(ours.value) == str(thincs.value)


def test_a_label_the_head_lacks_is_a_key_error_as_in_thinc():
    from spacy_lstm_tagger.loss import head_loss

    probs = numpy.full((3, 2), 0.5, dtype="float32")
    for truths in (["A", "C", None], ["A", "!C", None], ["A", "", None]):
        with pytest.raises(KeyError):
            head_loss(["A", "B"], probs.copy(), truths, "!", 0.0)
