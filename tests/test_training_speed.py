"""What the faster training path must keep (issue 31): the training forward
on torch_training.packed_lstm computes nn.LSTM's function; a seed still gives the same
weights; bfloat16 products (training_precision) compute the float32 ones'
function within bfloat16's rounding, and prediction stays float32 and
unchanged whatever the setting."""
import pickle

import pytest
import spacy
import torch
from conftest import TINY_MODEL, make_examples
from torch.nn.utils.rnn import PackedSequence
from thinc.api import ArgsKwargs

from spacy_lstm_tagger import fused_graph
from spacy_lstm_tagger.torch_model import LSTMTagger, packed_order, training_product_dtype
from spacy_lstm_tagger.torch_training import (
    _Plan, _Recurrence, dropout, low_precision_linear, packed_lstm, packed_lstm_supported,
)
from spacy_lstm_tagger.torch_shim import LSTMTaggerShim

# Two layers, both directions, characters and dropout: every path of
# packed_lstm and of the module's products, and the random draws.
MODEL = {**TINY_MODEL, "depth": 2, "char_rows": 50, "char_width": 8, "char_filters": 8, "dropout": 0.3,
         "word_dropout": 0.2}


def lstm_tagger_shim(nlp) -> LSTMTaggerShim:
    return nlp.get_pipe("lstm_tagger").model.layers[0].shims[0]


def train(seed, steps=8, training_precision="float32", model=MODEL):
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"model": {**model, "training_precision": training_precision}})
    examples = make_examples(nlp)
    spacy.util.fix_random_seed(seed)
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(steps):
        nlp.update(examples, sgd=optimizer)
    return nlp


def weights(nlp):
    return {name: value.clone() for name, value in lstm_tagger_shim(nlp)._model.state_dict().items()}


@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_packed_lstm_is_nn_lstms_function_with_its_gradients(dropout):
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(6, 5, num_layers=2, bidirectional=True, dropout=dropout, batch_first=True)
    lstm.eval()  # no dropout: the same function
    lengths = torch.tensor([3, 7, 1, 7, 4])
    rows, batch_sizes = packed_order(lengths)
    data = torch.randn(int(lengths.sum()), 6)
    ours = data.clone().requires_grad_()
    theirs = data.clone().requires_grad_()
    mine = packed_lstm(lstm, ours[rows], batch_sizes)
    reference = lstm(PackedSequence(theirs[rows], batch_sizes))[0].data
    assert mine.shape == reference.shape
    assert torch.allclose(mine, reference, atol=1e-6)
    weight = torch.randn_like(reference)
    mine_grads = torch.autograd.grad((mine * weight).sum(), [ours, *lstm.parameters()])
    reference_grads = torch.autograd.grad((reference * weight).sum(), [theirs, *lstm.parameters()])
    for a, b in zip(mine_grads, reference_grads):
        assert torch.allclose(a, b, atol=1e-5)


def test_packed_lstm_with_bfloat16_products_is_nn_lstms_function_rounded():
    """Both directions' input projections in one bfloat16 product, split back
    per direction with its own biases: the outputs and gradients of nn.LSTM
    within bfloat16's rounding (a direction or a bias mixed up would be far)."""
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(6, 5, num_layers=2, bidirectional=True, batch_first=True)
    lstm.eval()
    lengths = torch.tensor([3, 7, 1, 7, 4])
    rows, batch_sizes = packed_order(lengths)
    data = torch.randn(int(lengths.sum()), 6)
    ours = data.clone().requires_grad_()
    theirs = data.clone().requires_grad_()
    mine = packed_lstm(lstm, ours[rows], batch_sizes, torch.bfloat16)
    reference = lstm(PackedSequence(theirs[rows], batch_sizes))[0].data
    assert mine.dtype == torch.float32
    assert 1e-5 < (mine - reference).abs().max() < 0.02
    weight = torch.randn_like(reference)
    mine_grads = torch.autograd.grad((mine * weight).sum(), [ours, *lstm.parameters()])
    reference_grads = torch.autograd.grad((reference * weight).sum(), [theirs, *lstm.parameters()])
    for a, b in zip(mine_grads, reference_grads):
        assert a.dtype == torch.float32
        assert (a - b).abs().max() < 0.05 * max(1.0, b.abs().max().item())


def test_packed_lstm_applies_the_modules_dropout_between_layers_in_training():
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(4, 3, num_layers=2, dropout=0.5)
    lengths = torch.tensor([5, 2])
    rows, batch_sizes = packed_order(lengths)
    data = torch.randn(7, 4)[rows]
    lstm.eval()
    plain = packed_lstm(lstm, data, batch_sizes)
    lstm.train()
    dropped = [packed_lstm(lstm, data, batch_sizes) for _ in range(2)]
    assert not torch.allclose(dropped[0], plain)
    assert not torch.allclose(dropped[0], dropped[1])


def test_modules_it_does_not_compute_keep_nn_lstm():
    assert packed_lstm_supported(torch.nn.LSTM(4, 3))
    assert not packed_lstm_supported(torch.nn.LSTM(4, 3, bias=False))
    assert not packed_lstm_supported(torch.nn.LSTM(4, 3, proj_size=2))
    assert not packed_lstm_supported(torch.nn.GRU(4, 3))


@pytest.mark.parametrize("lstm_residual", [False, True])
def test_the_training_forward_is_the_prediction_forward_without_dropout(lstm_residual):
    """The module in training mode (packed_lstm) and in eval mode (nn.LSTM)
    give the same log-probabilities when no dropout is drawn."""
    torch.manual_seed(0)
    module = LSTMTagger([4, 3], feature_rows=[50, 20], feature_widths=[8, 4], hidden_width=6, dropout=0.0,
                        word_dropout=0.0, char_rows=30, char_width=4, char_filters=4, depth=3,
                        lstm_residual=lstm_residual)
    features = torch.randint(1, 20, (9, 2))
    chars = torch.randint(0, 30, (9, 5))
    lengths = torch.tensor([4, 1, 9, 2])
    token_index = torch.randint(0, 9, (16,))
    module.eval()
    predicted = module(features, lengths, token_index=token_index, chars=chars)
    module.train()
    trained = module(features, lengths, token_index=token_index, chars=chars)
    assert torch.allclose(trained, predicted, atol=1e-6)


@pytest.mark.parametrize("training_precision", ["float32", "bfloat16"])
def test_the_same_seed_gives_the_same_weights(training_precision):
    first = weights(train(0, training_precision=training_precision))
    second = weights(train(0, training_precision=training_precision))
    assert first.keys() == second.keys()
    for name in first:
        assert torch.equal(first[name], second[name]), name
    other = weights(train(1, training_precision=training_precision))
    assert any(not torch.equal(first[name], other[name]) for name in first)


@pytest.mark.parametrize("head_tanh_layer", [False, True, "shared"])
def test_training_precision_sets_the_update_products_only(head_tanh_layer):
    """float32: an update's forward without dropout gives the prediction's
    log-probabilities; bfloat16: its products are rounded (not the same
    numbers, yet within bfloat16's rounding of them), still float32 out."""
    no_dropout = {**MODEL, "dropout": 0.0, "word_dropout": 0.0, "head_tanh_layer": head_tanh_layer}
    nlp = train(0, steps=8, model=no_dropout)
    module = lstm_tagger_shim(nlp)._model
    assert module.training_product_dtype is None
    model = nlp.get_pipe("lstm_tagger").model
    docs = [eg.predicted for eg in make_examples(nlp)]
    predicted = model.predict(docs)
    trained, _ = model.begin_update(docs)
    for a, b in zip(trained, predicted):
        assert abs(a - b).max() < 1e-6
    module.training_product_dtype = torch.bfloat16
    lower, _ = model.begin_update(docs)
    differences = [abs(a - b).max() for a, b in zip(lower, predicted)]
    assert 1e-5 < max(differences) < 0.05
    assert all(a.dtype == "float32" for a in lower)


def test_prediction_stays_float32_and_unchanged_with_bfloat16_training():
    nlp = train(0, steps=4, training_precision="bfloat16")
    shim = lstm_tagger_shim(nlp)
    assert shim._model.training_product_dtype == torch.bfloat16
    # The fused graph stands in for the module whatever its training precision.
    assert fused_graph.unsupported(shim._model) is None
    assert all(p.dtype == torch.float32 for p in shim._model.parameters())
    model = nlp.get_pipe("lstm_tagger").model
    docs = [eg.predicted for eg in make_examples(nlp)]
    # Both prediction paths: torch, and the fused graph where installed.
    for limit in (0, None):
        shim.fused_max_tokens = limit
        with_setting = model.predict(docs)
        shim._model.training_product_dtype = None
        without = model.predict(docs)
        shim._model.training_product_dtype = torch.bfloat16
        for a, b in zip(with_setting, without):
            assert a.dtype == "float32"
            assert (a == b).all()
    # The module's own forward in eval mode.
    shim.fused_max_tokens = 0
    inputs = model.layers[0].attrs["convert_inputs"](model.layers[0], docs, False)[0]
    with torch.inference_mode():
        direct = shim._model(*inputs.args, **inputs.kwargs)
    assert direct.dtype == torch.float32
    assert torch.equal(shim.predict(ArgsKwargs(args=(), kwargs=inputs.kwargs)), direct)


def test_a_shim_pickled_with_the_old_autocast_setting_loads_without_it():
    shim = lstm_tagger_shim(train(0, steps=1))
    state = shim.__getstate__()
    state["training_autocast"] = torch.bfloat16
    restored = LSTMTaggerShim.__new__(LSTMTaggerShim)
    restored.__setstate__(state)
    assert not hasattr(restored, "training_autocast")
    assert pickle.loads(pickle.dumps(shim))._model.training_product_dtype is None


def test_auto_precision_is_bfloat16_where_the_cpu_multiplies_it_natively():
    native = torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
    assert training_product_dtype("auto") == (torch.bfloat16 if native else None)
    assert training_product_dtype("bfloat16") == torch.bfloat16
    assert training_product_dtype("float32") is None
    with pytest.raises(ValueError, match="training_precision must be 'float32' or 'bfloat16' or 'auto', got 'half'"):
        training_product_dtype("half")


@pytest.mark.parametrize("n_rows", [1, 70, 128])
def test_low_precision_linear_is_the_linear_layers_in_bfloat16(n_rows):
    """Outputs and every gradient as float32 products of the bfloat16-rounded
    operands give them (within one bfloat16 rounding), for row counts below,
    past and at the padding's multiple: the padding rows add nothing."""
    torch.manual_seed(0)
    x = torch.randn(n_rows, 24, requires_grad=True)
    weights = [torch.randn(12, 24, requires_grad=True), torch.randn(8, 24, requires_grad=True)]
    biases = [torch.randn(12, requires_grad=True), torch.randn(8, requires_grad=True)]
    outputs = low_precision_linear(x, weights, biases, torch.bfloat16)
    assert [tuple(o.shape) for o in outputs] == [(n_rows, 12), (n_rows, 8)]
    assert all(o.dtype == torch.float32 for o in outputs)

    def rounded(t):
        return t.detach().to(torch.bfloat16).double()

    for out, w, b in zip(outputs, weights, biases):
        reference = rounded(x) @ rounded(w).T + rounded(b)
        assert torch.allclose(out.double(), reference, rtol=1e-2, atol=1e-2)
        assert not torch.equal(out.double(), x.detach().double() @ w.detach().double().T + b.detach().double())
    grads_out = [torch.randn_like(o) for o in outputs]
    torch.autograd.backward(outputs, grads_out)
    d_x = sum(rounded(g) @ rounded(w) for g, w in zip(grads_out, weights))
    assert torch.allclose(x.grad.double(), d_x, rtol=1e-2, atol=5e-2)
    for g, w, b in zip(grads_out, weights, biases):
        assert torch.allclose(w.grad.double(), rounded(g).T @ rounded(x), rtol=1e-2, atol=5e-2)
        assert torch.allclose(b.grad, g.sum(0), atol=1e-5)


@pytest.mark.parametrize("reverse", [False, True])
def test_the_recurrences_written_out_backward_is_its_gradient(reverse):
    """gradcheck in float64: the hand-written backward of one direction."""
    torch.manual_seed(0)
    steps = [4, 3, 3, 1]
    plan = _Plan(steps, reverse=reverse, device=torch.device("cpu"))
    gates = torch.randn(sum(steps), 4 * 3, dtype=torch.float64, requires_grad=True)
    weight_hh = torch.randn(4 * 3, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda g, w: _Recurrence.apply(g, w, plan), (gates, weight_hh))


def test_dropout_is_nn_dropouts_function():
    """Kept with probability 1 - p, scaled by 1 / (1 - p), the gradient
    through the same mask; nothing in eval mode."""
    torch.manual_seed(0)
    module = torch.nn.Dropout(0.3)
    x = torch.rand(400, 500) + 0.5
    x.requires_grad_()
    y = dropout(x, module)
    kept = y != 0
    assert abs(kept.float().mean().item() - 0.7) < 0.01
    assert torch.allclose(y[kept], x[kept] / 0.7)
    (grad,) = torch.autograd.grad(y.sum(), [x])
    assert torch.equal(grad, kept.float() / 0.7)
    module.eval()
    assert dropout(x, module) is x
    assert dropout(x, torch.nn.Dropout(0.0)) is x
    assert not dropout(x, torch.nn.Dropout(1.0)).any()
