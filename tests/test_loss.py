"""The gradient handed back through log_softmax equals torch's own NLL gradient."""
import numpy
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
