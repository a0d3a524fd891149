"""The fused ONNX Runtime path (fused.py) computes what the torch module
computes, and the shim uses it only where it may: calls of up to
FUSED_MAX_TOKENS tokens on the CPU, a module the graph covers (an allow-list),
the weights and the module as they are now. The `ran` fixture counts which
path ran, so each test checks the path it claims.

The tests that run the graph need ONNX Runtime and onnx (the `onnx` extra);
without them they are skipped with that reason, and the rest still run.
"""
import copy
import os
import pickle
import threading
import warnings

import numpy
import pytest
import spacy
import torch
from thinc.api import Adam, ArgsKwargs

from spacy_lstm_tagger import fused
from spacy_lstm_tagger.torch_model import LSTMTagger
from spacy_lstm_tagger.torch_shim import LSTMTaggerShim

from conftest import TINY_MODEL, make_examples, train_pipeline


def _missing_runtime():
    missing = []
    for name in ("onnxruntime", "onnx"):
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    return missing


needs_runtime = pytest.mark.skipif(
    bool(_missing_runtime()),
    reason=f"{' and '.join(_missing_runtime())} not importable: the fused graph is not tested "
    f"(install the extra: {fused.INSTALL_HINT})",
)


@pytest.mark.skipif(
    not os.environ.get("SPACY_LSTM_TAGGER_EXPECT_INSTALLED"),
    reason="only when testing the installed wheel, which scripts/run_tests.sh installs with the onnx extra",
)
def test_the_wheel_test_run_has_the_runtime_so_nothing_here_is_skipped():
    assert _missing_runtime() == []


def path_of(ran, call):
    """call()'s result and the one path it ran on: "fused" or "torch"."""
    before = dict(ran)
    result = call()
    fused_calls, torch_calls = ran["fused"] - before["fused"], ran["torch"] - before["torch"]
    assert (fused_calls, torch_calls) in ((1, 0), (0, 1)), (fused_calls, torch_calls)
    return result, "fused" if fused_calls else "torch"


def module_and_inputs(seed=0, n_words=30, lengths=(5, 1, 0, 12, 7), chars=True, empty_word=False, **settings):
    torch.manual_seed(seed)
    config = dict(
        n_labels=[7, 3, 11], feature_rows=[50, 20, 20], feature_widths=[8, 4, 4], hidden_width=6, depth=2,
        char_rows=40 if chars else 0, char_width=5, char_filters=9,
    )
    config.update(settings)
    module = LSTMTagger(**config).eval()
    # Untrained output layers start at zero elsewhere; random here so every
    # column is exercised.
    for layer in module.output_layers():
        torch.nn.init.normal_(layer.weight)
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
        if empty_word:
            # A word without characters (the featurizer gives one to an empty string).
            inputs["chars"][0] = 0
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
        {"char_bilstm_width": 8},
        {"char_bilstm_width": 4, "lengths": (30, 1, 2, 17, 0, 9, 3, 25, 1, 1), "empty_word": True},
        {"head_tanh_layer": True},
        {"head_tanh_layer": True, "n_labels": 5, "bidirectional": False},
        {"head_tanh_layer": "shared"},
        {"head_tanh_layer": "shared", "n_labels": 5, "char_head_indices": [0]},
        {"char_head_indices": [2]},
        {"char_head_indices": [0, 2], "char_bilstm_width": 4, "head_tanh_layer": True},
        {"char_head_indices": [0], "n_labels": 5},
        {"lstm_residual": True},
        {"lstm_residual": True, "depth": 3, "lengths": (30, 1, 2, 17, 0, 9, 3, 25, 1, 1)},
        {"lstm_residual": True, "bidirectional": False, "head_tanh_layer": True},
        {"lstm_residual": True, "depth": 1},
    ],
)
@needs_runtime
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


@needs_runtime
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


@needs_runtime
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
    assert fused.unsupported(module_and_inputs(chars=False, depth=1, bidirectional=False)[0]) is None
    assert fused.unsupported(module_and_inputs(vectors_width=4)[0]) == "static vectors"
    assert "character encoder" in fused.unsupported(module_and_inputs(char_encoder="bilstm", char_filters=8)[0])
    assert "character encoder" in fused.unsupported(module_and_inputs(char_end_positions=2)[0])
    assert fused.unsupported(module_and_inputs(char_bilstm_width=4)[0]) is None
    assert fused.unsupported(module_and_inputs(head_tanh_layer=True)[0]) is None
    assert fused.unsupported(module_and_inputs(head_tanh_layer="shared")[0]) is None
    assert fused.unsupported(module_and_inputs(lstm_residual=True, depth=3)[0]) is None
    with_heads = module_and_inputs(head_tanh_layer=True)[0]
    with_heads.head_outputs.append(torch.nn.Linear(12, 2))
    assert "head_outputs.3" in fused.unsupported(with_heads)
    assert fused.unsupported(module_and_inputs(char_head_indices=[1])[0]) is None
    with_char_bias = module_and_inputs(char_head_indices=[1])[0]
    with_char_bias.char_to_heads.bias = torch.nn.Parameter(torch.zeros(3))
    assert fused.unsupported(with_char_bias) == "'char_to_heads' holds parameters ['weight', 'bias'], the graph reads ['weight']"


class TaggerWithAnExtraStep(LSTMTagger):
    def log_probs(self, hidden, char_tokens=None):
        return super().log_probs(hidden * 2, char_tokens)


def new_parameter(module):
    module.output.scale = torch.nn.Parameter(torch.ones(1))


def new_buffer(module):
    module.lstm.register_buffer("mask", torch.ones(1))


def new_submodule(module):
    module.norm = torch.nn.LayerNorm(4)


def new_attribute(module):
    output = module.output
    output.forward = lambda hidden: torch.nn.Linear.forward(output, hidden) * 2


def forward_hook(module):
    module.output.register_forward_hook(lambda part, inputs, output: output * 2)


def float64(module):
    module.double()


def output_without_bias(module):
    module.output.bias = None


def padding_renormalized(module):
    module.embeddings[1].max_norm = 1.0


@pytest.mark.parametrize(
    "change,reason",
    [
        (new_parameter, "'output' holds parameters ['weight', 'bias', 'scale'], the graph reads ['weight', 'bias']"),
        (new_buffer, "'lstm' holds buffers ['mask']"),
        (new_submodule, "parts the graph does not know: ['norm']"),
        (new_attribute, "'output' has attributes the graph does not read: ['forward']"),
        (forward_hook, "'output' has forward hooks"),
        (float64, "'embeddings.0.weight' holds torch.float64 weights, the graph float32 ones"),
        (padding_renormalized, "an embedding table with max_norm (rows renormalized at lookup)"),
        (output_without_bias, "'output' holds parameters ['weight'], the graph reads ['weight', 'bias']"),
    ],
)
def test_the_graph_covers_an_allow_list_anything_else_is_refused(change, reason):
    module, _ = module_and_inputs()
    change(module)
    assert fused.unsupported(module) == reason


def test_a_subclass_is_refused_even_with_the_same_parts():
    torch.manual_seed(0)
    module = TaggerWithAnExtraStep(n_labels=5, feature_rows=[50], feature_widths=[8], hidden_width=6, char_rows=0)
    assert fused.unsupported(module) == "a TaggerWithAnExtraStep, not an LSTMTagger"


def shim_and_inputs(**settings):
    module, inputs = module_and_inputs(**settings)
    return LSTMTaggerShim(module), ArgsKwargs(args=(), kwargs=inputs)


def torch_result(shim, inputs):
    """The module's own forward on inputs, the fused path off."""
    saved, shim.fused_max_tokens = shim.fused_max_tokens, 0
    try:
        return shim.predict(inputs)
    finally:
        shim.fused_max_tokens = saved


def assert_follows(shim, inputs, ran, expected_path="fused"):
    """shim.predict runs on expected_path and gives what the module gives now."""
    got, path = path_of(ran, lambda: shim.predict(inputs))
    assert path == expected_path
    expected = torch_result(shim, inputs)
    assert got.dtype == expected.dtype
    torch.testing.assert_close(got.float(), expected.float(), atol=1e-5, rtol=1e-5)
    return got


@pytest.mark.parametrize("change", [new_parameter, new_buffer, new_submodule, new_attribute, forward_hook])
def test_a_module_changed_beyond_the_allow_list_after_its_graph_was_built_runs_on_torch(change, ran):
    shim, inputs = shim_and_inputs()
    assert_follows(shim, inputs, ran, "fused" if fused.runtime_available() else "torch")
    change(shim._model)
    assert_follows(shim, inputs, ran, "torch")
    assert shim._fused_cache[1] is None


def test_a_subclass_runs_on_torch(ran):
    torch.manual_seed(0)
    module = TaggerWithAnExtraStep(n_labels=5, feature_rows=[50], feature_widths=[8], hidden_width=6, char_rows=0)
    shim = LSTMTaggerShim(module)
    inputs = ArgsKwargs(args=(), kwargs={"features": torch.tensor([[3], [7]]), "token_index": torch.tensor([0, 1, 0]),
                                         "lengths": torch.tensor([3])})
    assert_follows(shim, inputs, ran, "torch")


# The ways a cached graph could go stale, one test each: the shim must
# rebuild (or run torch) and give what the module gives now.


def scale_in_place(param):
    with torch.no_grad():
        param.mul_(3.0)


@needs_runtime
def test_an_in_place_write_torch_sees_is_followed(ran):
    shim, inputs = shim_and_inputs()
    before = assert_follows(shim, inputs, ran)
    scale_in_place(shim._model.output.weight)
    after = assert_follows(shim, inputs, ran)
    assert not torch.allclose(before, after, atol=1e-3)


def write_through_data(param):
    param.data.mul_(3.0)


def write_through_numpy(param):
    view = param.data.numpy()
    view *= 3.0


@needs_runtime
@pytest.mark.parametrize("write", [write_through_data, write_through_numpy])
def test_a_write_torch_cannot_see_is_followed_inside_changing_weights(write, ran):
    # The one rule (torch_shim.py): torch's version counters do not see these
    # writes, so they go inside changing_weights(), as finish_update's do.
    shim, inputs = shim_and_inputs()
    before = assert_follows(shim, inputs, ran)
    with shim.changing_weights():
        write(shim._model.output.weight)
    after = assert_follows(shim, inputs, ran)
    assert not torch.allclose(before, after, atol=1e-3)


def new_data(module):
    module.output.weight.data = torch.randn_like(module.output.weight)


def new_parameter_in_place(module):
    module.output.weight = torch.nn.Parameter(torch.randn_like(module.output.weight))


def new_lstm(module):
    lstm = module.lstm
    module.lstm = torch.nn.LSTM(
        lstm.input_size, lstm.hidden_size, num_layers=lstm.num_layers, bidirectional=True, batch_first=True
    )


def weights_loaded(module):
    state = {name: torch.randn_like(value) for name, value in module.state_dict().items()}
    module.load_state_dict(state)


@needs_runtime
@pytest.mark.parametrize("change", [new_data, new_parameter_in_place, new_lstm, weights_loaded])
def test_a_replaced_parameter_or_part_is_followed(change, ran):
    shim, inputs = shim_and_inputs()
    before = assert_follows(shim, inputs, ran)
    engine = shim._fused_cache[1]
    change(shim._model)
    after = assert_follows(shim, inputs, ran)
    assert shim._fused_cache[1] is not engine
    assert not torch.allclose(before, after, atol=1e-3)


@needs_runtime
def test_a_replaced_module_is_followed(ran):
    shim, inputs = shim_and_inputs()
    before = assert_follows(shim, inputs, ran)
    shim._model = module_and_inputs(seed=5)[0]
    after = assert_follows(shim, inputs, ran)
    assert not torch.allclose(before, after, atol=1e-3)


@needs_runtime
@pytest.mark.parametrize("convert", ["half", "double"])
def test_a_retyped_module_runs_on_torch_and_back_in_float32_fused_again(convert, ran):
    shim, inputs = shim_and_inputs()
    assert_follows(shim, inputs, ran)
    getattr(shim._model, convert)()
    got = assert_follows(shim, inputs, ran, "torch")
    assert got.dtype == {"half": torch.float16, "double": torch.float64}[convert]
    shim._model.float()
    assert_follows(shim, inputs, ran)


@needs_runtime
@pytest.mark.parametrize(
    "device",
    [
        # A device that runs without a GPU: torch computes shapes there, no values.
        "meta",
        pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")),
    ],
)
def test_a_module_moved_off_the_cpu_runs_on_torch_there_and_back_on_the_cpu_fused_again(device, ran):
    shim, inputs = shim_and_inputs()
    on_cpu = assert_follows(shim, inputs, ran)
    weights = copy.deepcopy(shim._model.state_dict())
    shim._model.to(device)
    assert fused.unsupported(shim._model) == f"a module on {device}"
    moved = ArgsKwargs(args=(), kwargs={k: v if k == "lengths" else v.to(device) for k, v in inputs.kwargs.items()})
    got, path = path_of(ran, lambda: shim.predict(moved))
    assert path == "torch" and got.device.type == device and got.shape == on_cpu.shape
    if device == "cuda":
        # cuDNN may run the LSTM in TF32: held to 1e-3, not 1e-5.
        torch.testing.assert_close(got.cpu(), on_cpu, atol=1e-3, rtol=1e-3)
    shim._model.to_empty(device="cpu")
    shim._model.load_state_dict(weights)
    after = assert_follows(shim, inputs, ran)
    torch.testing.assert_close(after, on_cpu)


@needs_runtime
def test_a_call_while_the_weights_are_written_runs_on_torch_and_caches_nothing(ran):
    shim, inputs = shim_and_inputs()
    assert_follows(shim, inputs, ran)
    with shim.changing_weights():
        write_through_numpy(shim._model.output.weight)
        cached = shim._fused_cache
        assert_follows(shim, inputs, ran, "torch")
        assert shim._fused_cache is cached
    assert_follows(shim, inputs, ran)


@needs_runtime
def test_an_engine_built_while_the_weights_changed_is_not_cached(monkeypatch, ran):
    # Another thread's finish_update, simulated inside the build: the graph
    # read the old weights, so it must be neither served nor cached.
    shim, inputs = shim_and_inputs()
    build_graph = fused.build_graph

    def build_graph_during_an_update(module, lstm_weights):
        graph = build_graph(module, lstm_weights)
        with shim.changing_weights():
            write_through_numpy(module.output.weight)
        return graph

    monkeypatch.setattr(fused, "build_graph", build_graph_during_an_update)
    expected = torch_result(shim, inputs)
    got, path = path_of(ran, lambda: shim.predict(inputs))
    assert path == "torch" and shim._fused_cache is None
    assert not torch.allclose(got, expected, atol=1e-3)  # torch ran after the write
    monkeypatch.setattr(fused, "build_graph", build_graph)
    assert_follows(shim, inputs, ran)


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


@needs_runtime
def test_small_calls_run_fused_and_follow_every_weight_change(ran):
    nlp = fused_nlp()
    examples = make_examples(nlp)
    spacy.util.fix_random_seed(0)
    optimizer = nlp.initialize(lambda: examples, sgd=Adam(0.01, use_averages=True))
    for _ in range(5):
        nlp.update(examples, sgd=optimizer)
    shim = shim_of(nlp)
    # The module the architecture builds is the one the graph covers.
    assert fused.unsupported(shim._model) is None
    _, path = path_of(ran, lambda: nlp("The dog ate the apple"))
    assert path == "fused"
    engine = shim._fused_cache[1]
    assert isinstance(engine, fused.FusedTagger)
    assert_same(nlp, ["The dog ate the apple", "Zork blargs"])
    # The optimizer writes through numpy views (finish_update): the next call rebuilds.
    nlp.update(examples, sgd=optimizer)
    _, path = path_of(ran, lambda: nlp("The dog ate the apple"))
    assert path == "fused" and shim._fused_cache[1] is not engine
    assert_same(nlp, ["The dog ate the apple", "Zork blargs"])
    # Weight averages swapped in and out.
    assert optimizer.averages
    with nlp.use_params(optimizer.averages):
        assert_same(nlp, ["The dog ate the apple"])
    assert_same(nlp, ["The dog ate the apple"])


@needs_runtime
def test_big_calls_run_on_torch(ran):
    nlp = fused_nlp()
    train_pipeline(nlp, make_examples(nlp), steps=2)
    shim = shim_of(nlp)
    docs = [nlp.make_doc("word " * fused.FUSED_MAX_TOKENS)]
    assert len(docs[0]) == fused.FUSED_MAX_TOKENS
    _, path = path_of(ran, lambda: nlp.get_pipe("lstm_tagger").predict(docs))
    assert path == "fused"
    docs = [nlp.make_doc("word " * (fused.FUSED_MAX_TOKENS + 1))]
    _, path = path_of(ran, lambda: nlp.get_pipe("lstm_tagger").predict(docs))
    assert path == "torch"


@needs_runtime
def test_copies_and_pickles_build_their_own_session(ran):
    nlp = fused_nlp()
    train_pipeline(nlp, make_examples(nlp), steps=5)
    expected = [t.tag_ for t in nlp("The dog ate the apple")]
    for other in (pickle.loads(pickle.dumps(nlp)), copy.deepcopy(nlp)):
        assert shim_of(other)._fused_cache is None
        doc, path = path_of(ran, lambda: other("The dog ate the apple"))
        assert path == "fused" and [t.tag_ for t in doc] == expected
        assert isinstance(shim_of(other)._fused_cache[1], fused.FusedTagger)
        assert shim_of(other)._fused_cache[1] is not shim_of(nlp)._fused_cache[1]


@needs_runtime
def test_threads_share_one_session_and_get_the_same_results(ran):
    nlp = fused_nlp()
    train_pipeline(nlp, make_examples(nlp), steps=5)
    texts = ["The dog ate the apple", "Everybody read that book", "Zork blargs the qux"] * 20
    expected = [[t.tag_ for t in nlp(text)] for text in texts]
    engine = shim_of(nlp)._fused_cache[1]
    torch_before = ran["torch"]
    results = {}

    def tag(i):
        results[i] = [[t.tag_ for t in nlp(text)] for text in texts]

    threads = [threading.Thread(target=tag, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result == expected for result in results.values())
    assert ran["torch"] == torch_before and shim_of(nlp)._fused_cache[1] is engine


@needs_runtime
def test_predictions_during_training_on_another_thread_end_with_the_final_weights(ran):
    # finish_update writes through numpy views while another thread tags:
    # whatever the interleaving, no engine built from half-written weights
    # stays cached, so after training the fused path gives torch's answer.
    nlp = fused_nlp()
    examples = make_examples(nlp)
    optimizer = nlp.initialize(lambda: examples)
    done = threading.Event()

    def tag():
        while not done.is_set():
            nlp.get_pipe("lstm_tagger").predict([nlp.make_doc("The dog ate the apple")])

    tagger = threading.Thread(target=tag)
    tagger.start()
    try:
        for _ in range(30):
            nlp.update(examples, sgd=optimizer)
    finally:
        done.set()
        tagger.join()
    _, path = path_of(ran, lambda: nlp("The dog ate the apple"))
    assert path == "fused"
    assert_same(nlp, ["The dog ate the apple", "Zork blargs"])


def test_without_the_runtime_torch_tags_and_load_says_once_how_to_get_it(monkeypatch, tmp_path, ran):
    nlp = fused_nlp()
    train_pipeline(nlp, make_examples(nlp), steps=5)
    nlp.to_disk(tmp_path / "nlp")
    saved = shim_of(nlp).fused_max_tokens = 0
    expected = nlp.get_pipe("lstm_tagger").predict([nlp.make_doc("The dog ate")])
    monkeypatch.setattr(fused, "runtime_available", lambda: False)
    monkeypatch.setattr(fused, "_hinted", False)
    with pytest.warns(UserWarning, match=r"pip install 'spacy-lstm-tagger\[onnx\]'"):
        loaded = spacy.load(tmp_path / "nlp")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        spacy.load(tmp_path / "nlp")  # once per process
    got, path = path_of(ran, lambda: loaded.get_pipe("lstm_tagger").predict([loaded.make_doc("The dog ate")]))
    assert path == "torch" and shim_of(loaded)._fused_cache[1] is None
    numpy.testing.assert_allclose(got[0], expected[0], atol=1e-5)


# inference_precision = "int8": the graph's LSTM operators with int8 weights ---


def op_types(graph: bytes) -> list:
    import onnx

    return [node.op_type for node in onnx.load_from_string(graph).graph.node]


@pytest.mark.parametrize(
    "settings",
    [{}, {"char_bilstm_width": 4}, {"lstm_residual": True, "depth": 3}, {"bidirectional": False, "chars": False}],
)
@needs_runtime
def test_the_int8_graph_is_onnx_runtimes_own_dynamic_quantization(settings, tmp_path):
    """fused_graph.int8_rows writes the int8 weights itself (no model files);
    ONNX Runtime's quantize_dynamic (per_channel, LSTM operators only) on
    the float32 graph gives a graph that computes exactly the same."""
    import onnx
    import onnxruntime
    from onnxruntime.quantization import QuantType, quantize_dynamic

    module, inputs = module_and_inputs(**settings)
    graph = fused.build_graph(module, "int8")
    n_lstms = module.lstm.num_layers + len(module.upper_lstms or ()) + (module.char_bilstm is not None)
    assert op_types(graph).count("DynamicQuantizeLSTM") == n_lstms and "LSTM" not in op_types(graph)
    quantize_dynamic(
        onnx.load_from_string(fused.build_graph(module)), tmp_path / "int8.onnx",
        op_types_to_quantize=["LSTM"], per_channel=True, weight_type=QuantType.QInt8,
    )
    int8 = fused.FusedTagger(module, lstm_weights="int8")
    theirs = fused.FusedTagger(module, lstm_weights="int8")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1  # as FusedTagger's: the input's quantization follows the threads' chunks
    theirs.session = onnxruntime.InferenceSession(str(tmp_path / "int8.onnx"), options, providers=["CPUExecutionProvider"])
    with torch.inference_mode():
        got, expected, exact = int8(**inputs), theirs(**inputs), module(**inputs)
    assert torch.equal(got, expected)
    # Close to float32, not equal to it: the weights really are int8.
    torch.testing.assert_close(got, exact, atol=0.1, rtol=0)
    assert not torch.allclose(got, exact, atol=1e-5)


def test_lstm_weights_other_than_float32_and_int8_are_refused():
    with pytest.raises(ValueError, match=r"lstm_weights must be one of \['float32', 'int8'\], got 'int4'"):
        fused.build_graph(module_and_inputs()[0], "int4")


@needs_runtime
def test_inference_precision_int8_at_load_runs_the_int8_graph_and_tags_as_float32_does(tmp_path, ran):
    nlp = fused_nlp()
    train_pipeline(nlp, make_examples(nlp), steps=30)
    nlp.to_disk(tmp_path / "nlp")
    texts = ["The dog ate the apple", "Everybody read that book", "that book ate the dog"]
    float32 = spacy.load(tmp_path / "nlp")
    assert float32.config["components"]["lstm_tagger"]["model"]["inference_precision"] == "float32"
    int8 = spacy.load(tmp_path / "nlp", config={"components": {"lstm_tagger": {"model": {"inference_precision": "int8"}}}})
    shim = shim_of(int8)
    assert shim.inference_precision == "int8"
    docs, path = path_of(ran, lambda: list(int8.pipe(texts)))
    assert path == "fused" and shim._fused_cache[1].lstm_weights == "int8"
    assert [[t.tag_ for t in doc] for doc in docs] == [[t.tag_ for t in doc] for doc in float32.pipe(texts)]
    batch = [int8.make_doc(text) for text in texts]
    got = int8.get_pipe("lstm_tagger").predict(batch)
    exact = float32.get_pipe("lstm_tagger").predict(batch)
    for a, b in zip(got, exact):
        numpy.testing.assert_allclose(a, b, atol=0.05)
    assert any(not numpy.allclose(a, b, atol=1e-5) for a, b in zip(got, exact))
    # The torch path (here: the fused path off) stays float32.
    numpy.testing.assert_allclose(torch_log_probs(int8, batch)[0], exact[0], atol=1e-5)
    # Saved, the pipeline's config keeps the precision it was loaded with.
    int8.to_disk(tmp_path / "int8")
    again = spacy.load(tmp_path / "int8")
    assert shim_of(again).inference_precision == "int8"
    assert again.config["components"]["lstm_tagger"]["model"]["inference_precision"] == "int8"
    assert shim_of(pickle.loads(pickle.dumps(int8))).inference_precision == "int8"
    # Changed on the shim, the next call builds a float32 engine.
    shim.inference_precision = "float32"
    _, path = path_of(ran, lambda: int8("The dog ate the apple"))
    assert path == "fused" and shim._fused_cache[1].lstm_weights == "float32"
    assert_same(int8, texts)
