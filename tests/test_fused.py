"""The fused ONNX Runtime path (fused.py) computes what the torch module
computes, and the shim uses it only where it may: small CPU inputs, current
weights, a module it covers."""
import copy
import pickle
import threading
import warnings

import numpy
import pytest
import spacy
import torch
from thinc.api import Adam

from spacy_lstm_tagger import fused
from spacy_lstm_tagger.torch_model import LSTMTagger

from conftest import TINY_MODEL, make_examples, train_pipeline

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


def module_and_inputs(seed=0, n_words=30, lengths=(5, 1, 0, 12, 7), chars=True, **settings):
    torch.manual_seed(seed)
    config = dict(
        n_labels=[7, 3, 11], feature_rows=[50, 20, 20], feature_widths=[8, 4, 4], hidden_width=6, depth=2,
        char_rows=40 if chars else 0, char_width=5, char_filters=9,
    )
    config.update(settings)
    module = LSTMTagger(**config).eval()
    # Untrained output layers start at zero elsewhere; random here so every
    # column is exercised.
    torch.nn.init.normal_(module.output.weight)
    generator = torch.Generator().manual_seed(seed + 1)
    n_tokens = sum(lengths)
    features = torch.stack([torch.randint(1, rows, (n_words,), generator=generator) for rows in config["feature_rows"]], 1)
    inputs = {
        "features": features,
        "token_index": torch.randint(0, n_words, (n_tokens,), generator=generator),
        "lengths": torch.tensor(lengths),
    }
    if chars:
        ids = torch.randint(1, 40, (n_words, 8), generator=generator)
        word_lengths = torch.randint(1, 9, (n_words, 1), generator=generator)
        inputs["chars"] = ids * (torch.arange(8).unsqueeze(0) < word_lengths)
    return module, inputs


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"chars": False},
        {"depth": 1},
        {"bidirectional": False},
        {"n_labels": 5},
        {"lengths": (4,)},
        {"lengths": (3, 3, 3)},
        {"lengths": (1,)},
        {"lengths": (30, 1, 2, 17, 0, 9, 3, 25, 1, 1)},
        {"threads": 2},
    ],
)
def test_the_graph_computes_what_the_module_computes(settings):
    settings = dict(settings)
    threads = settings.pop("threads", 1)
    module, inputs = module_and_inputs(**settings)
    with torch.inference_mode():
        expected = module(**inputs)
        got = fused.FusedTagger(module, threads=threads)(**inputs)
    assert got.shape == expected.shape and got.dtype == torch.float32
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)
    assert torch.equal(got.argmax(1), expected.argmax(1))


@pytest.mark.parametrize("slack", [1.0, 1.5, 3.0])
def test_length_buckets_cover_each_sequence_once_within_the_padding_slack(slack):
    lengths = numpy.asarray([30, 1, 2, 17, 9, 3, 25, 1, 1, 12, 12, 40])
    runs = fused.length_buckets(lengths, slack)
    assert sorted(numpy.concatenate(runs).tolist()) == list(range(len(lengths)))
    for run in runs:
        padded, tokens = len(run) * lengths[run].max(), lengths[run].sum()
        assert padded <= slack * tokens or len(run) == 1
    # The whole batch is one run where it is within the slack.
    assert len(fused.length_buckets(numpy.asarray([5, 4, 5]), 1.5)) == 1
    assert len(runs) > 1


@pytest.mark.parametrize("threads", [1, 2])
def test_a_big_call_spreads_its_runs_over_torchs_threads_and_computes_the_same(threads):
    lengths = tuple(range(1, 40, 3)) * 2  # 260 tokens in 26 sequences: several runs
    assert sum(lengths) > fused.PARALLEL_MIN_TOKENS
    module, inputs = module_and_inputs(lengths=lengths, n_words=200)
    engine = fused.FusedTagger(module)
    saved = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with torch.inference_mode():
            expected = module(**inputs)
            got = engine(**inputs)
    finally:
        torch.set_num_threads(saved)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)
    # One thread: the runs on the calling thread, no pool made.
    assert (engine._pool is not None) == (threads > 1)


def test_threads_sharing_one_engine_with_big_calls_get_the_sequential_results():
    module, inputs = module_and_inputs(lengths=tuple(range(1, 40, 3)) * 2, n_words=200)
    engine = fused.FusedTagger(module)
    saved = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with torch.inference_mode():
            expected = engine(**inputs)
            results = [None] * 4

            def tag(i):
                with torch.inference_mode():
                    results[i] = engine(**inputs)

            threads = [threading.Thread(target=tag, args=(i,)) for i in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        torch.set_num_threads(saved)
    assert all(torch.equal(result, expected) for result in results)


def test_modules_the_graph_does_not_cover_say_why():
    assert fused.unsupported(module_and_inputs()[0]) is None
    assert fused.unsupported(module_and_inputs(vectors_width=4)[0]) == "static vectors"
    assert "character encoder" in fused.unsupported(module_and_inputs(char_encoder="bilstm", char_filters=8)[0])
    assert "character encoder" in fused.unsupported(module_and_inputs(char_end_positions=2)[0])


def fused_nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"model": {**TINY_MODEL, "char_rows": 100, "char_width": 8, "char_filters": 8}})
    return nlp


def shim_of(nlp):
    return nlp.get_pipe("lstm_tagger").model.layers[0].shims[0]


def torch_log_probs(nlp, docs):
    """The component's predict with the fused path off."""
    shim = shim_of(nlp)
    shim.fused_max_tokens = 0
    try:
        return nlp.get_pipe("lstm_tagger").predict(docs)
    finally:
        shim.fused_max_tokens = None


def assert_same(nlp, texts):
    docs = [nlp.make_doc(text) for text in texts]
    got = nlp.get_pipe("lstm_tagger").predict(docs)
    for a, b in zip(got, torch_log_probs(nlp, docs)):
        numpy.testing.assert_allclose(a, b, atol=1e-5)


def test_small_calls_run_fused_and_follow_every_weight_change():
    nlp = fused_nlp()
    examples = make_examples(nlp)
    spacy.util.fix_random_seed(0)
    optimizer = nlp.initialize(lambda: examples, sgd=Adam(0.01, use_averages=True))
    for _ in range(5):
        nlp.update(examples, sgd=optimizer)
    shim = shim_of(nlp)
    nlp("The dog ate the apple")
    engine = shim._fused_cache[1]
    assert isinstance(engine, fused.FusedTagger)
    assert_same(nlp, ["The dog ate the apple", "Zork blargs"])
    # The optimizer writes through numpy views: the next call rebuilds.
    nlp.update(examples, sgd=optimizer)
    nlp("The dog ate the apple")
    assert shim._fused_cache[1] is not engine
    assert_same(nlp, ["The dog ate the apple", "Zork blargs"])
    # Weight averages swapped in and out.
    assert optimizer.averages
    with nlp.use_params(optimizer.averages):
        assert_same(nlp, ["The dog ate the apple"])
    assert_same(nlp, ["The dog ate the apple"])
    # Weights loaded into the module by hand (torch's version counters).
    module = shim._model
    before = nlp.get_pipe("lstm_tagger").predict([nlp.make_doc("The dog ate the apple")])[0]
    with torch.no_grad():
        module.output.weight.mul_(3.0)
    after = nlp.get_pipe("lstm_tagger").predict([nlp.make_doc("The dog ate the apple")])[0]
    assert not numpy.allclose(before, after, atol=1e-3)
    assert_same(nlp, ["The dog ate the apple"])


def test_big_calls_run_on_torch():
    nlp = fused_nlp()
    train_pipeline(nlp, make_examples(nlp), steps=2)
    shim = shim_of(nlp)
    nlp.get_pipe("lstm_tagger").predict([nlp.make_doc("word " * (fused.FUSED_MAX_TOKENS + 1))])
    assert shim._fused_cache is None


def test_copies_and_pickles_build_their_own_session():
    nlp = fused_nlp()
    train_pipeline(nlp, make_examples(nlp), steps=5)
    expected = [t.tag_ for t in nlp("The dog ate the apple")]
    for other in (pickle.loads(pickle.dumps(nlp)), copy.deepcopy(nlp)):
        assert shim_of(other)._fused_cache is None
        assert [t.tag_ for t in other("The dog ate the apple")] == expected
        assert isinstance(shim_of(other)._fused_cache[1], fused.FusedTagger)


def test_threads_share_one_session_and_get_the_same_results():
    nlp = fused_nlp()
    train_pipeline(nlp, make_examples(nlp), steps=5)
    texts = ["The dog ate the apple", "Everybody read that book", "Zork blargs the qux"] * 20
    expected = [[t.tag_ for t in nlp(text)] for text in texts]
    results = {}

    def tag(i):
        results[i] = [[t.tag_ for t in nlp(text)] for text in texts]

    threads = [threading.Thread(target=tag, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result == expected for result in results.values())


def test_without_the_runtime_torch_tags_and_load_says_once_how_to_get_it(monkeypatch, tmp_path):
    nlp = fused_nlp()
    train_pipeline(nlp, make_examples(nlp), steps=5)
    nlp.to_disk(tmp_path / "nlp")
    expected = nlp.get_pipe("lstm_tagger").predict([nlp.make_doc("The dog ate")])
    monkeypatch.setattr(fused, "runtime_available", lambda: False)
    monkeypatch.setattr(fused, "_hinted", False)
    with pytest.warns(UserWarning, match=r"pip install 'spacy-lstm-tagger\[onnx\]'"):
        loaded = spacy.load(tmp_path / "nlp")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        spacy.load(tmp_path / "nlp")  # once per process
    got = loaded.get_pipe("lstm_tagger").predict([loaded.make_doc("The dog ate")])
    assert shim_of(loaded)._fused_cache[1] is None  # torch
    numpy.testing.assert_allclose(got[0], expected[0], atol=1e-5)
