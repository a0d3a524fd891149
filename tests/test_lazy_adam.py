"""The lazy Adam step of the embedding tables (spacy_lstm_tagger/lazy_adam.py):
thinc's dense step on the rows a batch used, nothing on the others, the
weight averages brought up to date in closed form."""
import numpy
import pytest
import spacy
from thinc.api import Adam

from conftest import TINY_MODEL, make_examples, train_pipeline

from spacy_lstm_tagger.lazy_adam import LazyAdam, average_decay_product

KEY = (1, "embeddings.0.weight")


def adam(**settings):
    return Adam(learn_rate=0.01, grad_clip=settings.pop("grad_clip", 0.0), **settings)


def dense_step(optimizer, weights, gradient):
    updated, _ = optimizer(KEY, weights, gradient.copy())
    if updated is not weights:
        weights[...] = updated


def test_rows_used_at_every_update_get_exactly_thincs_dense_step():
    rng = numpy.random.default_rng(0)
    dense_weights = rng.normal(size=(6, 4)).astype("float32")
    lazy_weights = dense_weights.copy()
    dense, lazy_optimizer, lazy = adam(L2=0.01, grad_clip=1.0), adam(L2=0.01, grad_clip=1.0), LazyAdam()
    rows = numpy.arange(6)
    for _ in range(5):
        gradient = rng.normal(size=(6, 4)).astype("float32")
        dense_step(dense, dense_weights, gradient)
        lazy.update(lazy_optimizer, KEY, lazy_weights, rows, gradient.copy())
    assert numpy.array_equal(lazy_weights, dense_weights)
    assert numpy.array_equal(lazy_optimizer.mom1[KEY], dense.mom1[KEY])
    assert numpy.array_equal(lazy_optimizer.mom2[KEY], dense.mom2[KEY])
    assert lazy_optimizer.nr_update[KEY] == dense.nr_update[KEY] == 5
    numpy.testing.assert_allclose(lazy_optimizer.averages[KEY], dense.averages[KEY], rtol=1e-6, atol=1e-6)


def test_unused_rows_do_not_move_and_their_averages_catch_up_when_read():
    """Rows 0-1 are used at the first update only, rows 2-3 at every one.
    Dense Adam keeps moving rows 0-1 by their momentum; the lazy step leaves
    them, and their averages, read through use_params' hook, are the dense
    per-update averages of weights that stayed put."""
    rng = numpy.random.default_rng(1)
    weights = rng.normal(size=(4, 3)).astype("float32")
    optimizer, lazy = adam(), LazyAdam()
    history = []
    for step in range(1, 31):
        rows = numpy.arange(4) if step == 1 else numpy.array([2, 3])
        lazy.update(optimizer, KEY, weights, rows, rng.normal(size=(len(rows), 3)).astype("float32"))
        history.append(weights.copy())
    assert all(numpy.array_equal(h[:2], history[0][:2]) for h in history)
    first_moment = optimizer.mom1[KEY].reshape(4, 3)[:2].copy()
    lazy.bring_averages_up_to_date({}, lambda key: weights)  # another dict: untouched
    assert not numpy.allclose(optimizer.averages[KEY][:2], weights[:2], atol=0.05)
    lazy.bring_averages_up_to_date(optimizer.averages, lambda key: weights)
    expected = numpy.zeros((4, 3), dtype="float64")
    for t, w in enumerate(history, start=1):  # thinc's Ops.update_averages, step by step
        decay = min((1.0 + t) / (10.0 + t), 0.9999)
        expected -= (1 - decay) * (expected - w)
    numpy.testing.assert_allclose(optimizer.averages[KEY], expected, rtol=1e-5, atol=1e-6)
    assert numpy.array_equal(optimizer.mom1[KEY].reshape(4, 3)[:2], first_moment)


def test_weight_decay_applies_to_the_rows_used():
    weights = numpy.ones((3, 2), dtype="float32")
    optimizer = Adam(learn_rate=0.1, L2=0.5, L2_is_weight_decay=True, use_averages=False)
    LazyAdam().update(optimizer, KEY, weights, numpy.array([1]), numpy.zeros((1, 2), dtype="float32"))
    assert weights[1].tolist() == pytest.approx([0.95, 0.95])  # 1 - lr * L2
    assert weights[[0, 2]].tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_average_decay_product_is_the_product_of_thincs_decays():
    for after, until in ((0, 1), (0, 7), (3, 40), (5, 5), (89_980, 90_020), (100_000, 100_010)):
        direct = numpy.prod([min((1.0 + t) / (10.0 + t), 0.9999) for t in range(after + 1, until + 1)])
        assert average_decay_product(numpy.array([after]), until)[0] == pytest.approx(direct, rel=1e-9)


def test_other_optimizers_are_refused_with_the_setting_to_change():
    from thinc.api import RAdam

    with pytest.raises(ValueError, match="sparse_embeddings to false"):
        LazyAdam().update(RAdam(0.01), KEY, numpy.ones((2, 2), dtype="float32"), numpy.array([0]),
                          numpy.ones((1, 2), dtype="float32"))


@pytest.mark.parametrize("sparse", [True, False])
def test_the_tagger_learns_with_either_update(sparse):
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"model": {**TINY_MODEL, "sparse_embeddings": sparse}})
    examples = make_examples(nlp)
    train_pipeline(nlp, examples, steps=60)
    module = nlp.get_pipe("lstm_tagger").model.layers[0].shims[0]._model
    assert module.embeddings[0].sparse is sparse
    assert nlp.evaluate(examples)["tag_acc"] == 1.0
