"""lstm_tagger on a shared tok2vec or transformer (spacy_lstm_tagger.LSTMTagger.v2
with a `tok2vec`): spaCy's listener conventions hold (training beside a second
listener, save and load, replace_listeners, sourcing, frozen and annotating
upstream components, n_process > 1, threads), the gradient reaching the upstream
rows is the torch module's, a tok2vec inside the component, the fused path
refused for upstream rows, and a tiny curated transformer built from a local
config (skipped, with the reason, where spacy-curated-transformers is absent)."""
import json
import pickle
import subprocess
import sys
import threading
from importlib.metadata import entry_points
from pathlib import Path

import numpy
import pytest
import spacy
import torch
from spacy.tokens import Doc
from spacy.training import Example
from thinc.api import Config, Model

from spacy_lstm_tagger import fused
from spacy_lstm_tagger.thinc_model import ARCHITECTURE, ARCHITECTURE_V2, build_lstm_tagger_model_v2

from conftest import ROOT, TINY_MODEL, TUTORIAL

WIDTH = 16
UPOS = {"DET": "DET", "NN": "NOUN", "V": "VERB"}
TEXTS = [" ".join(words) for words, _ in TUTORIAL]
# The LSTM of TINY_MODEL, reading the shared tok2vec alone.
LISTENING_MODEL = {
    "@architectures": ARCHITECTURE_V2,
    "include_hashed_features": False,
    "char_rows": 0,
    "hidden_width": 32,
    "depth": 1,
    "dropout": 0.0,
    "word_dropout": 0.0,
}
SMALL_TOK2VEC = {
    "@architectures": "spacy.Tok2Vec.v2",
    "embed": {
        "@architectures": "spacy.MultiHashEmbed.v2",
        "width": WIDTH,
        "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"],
        "rows": [500, 100, 100, 100],
        "include_static_vectors": False,
    },
    "encode": {
        "@architectures": "spacy.MaxoutWindowEncoder.v2",
        "width": WIDTH,
        "depth": 1,
        "window_size": 1,
        "maxout_pieces": 2,
    },
}
LISTENER = {"@architectures": "spacy.Tok2VecListener.v1", "width": WIDTH, "upstream": "*"}


def shared_config(second_listener=True, lstm_model=None):
    """tok2vec + lstm_tagger (UPOS, listening) [+ spaCy's tagger (XPOS, listening)]."""
    pipeline = ["tok2vec", "lstm_tagger"] + (["tagger"] if second_listener else [])
    components = {
        "tok2vec": {"factory": "tok2vec", "model": SMALL_TOK2VEC},
        "lstm_tagger": {
            "factory": "lstm_tagger",
            "attr": "pos",
            "confidence": "predicted",
            "model": {**LISTENING_MODEL, "tok2vec": LISTENER, **(lstm_model or {})},
        },
    }
    if second_listener:
        components["tagger"] = {"factory": "tagger", "model": {"@architectures": "spacy.Tagger.v2", "tok2vec": LISTENER}}
    return Config({"nlp": {"lang": "en", "pipeline": pipeline}, "components": components})


def examples(nlp):
    return [
        Example.from_dict(Doc(nlp.vocab, words=words), {"tags": tags, "pos": [UPOS[t] for t in tags]})
        for words, tags in TUTORIAL
    ]


def train(nlp, steps=40, learn_rate=0.01, **update_settings):
    egs = examples(nlp)
    spacy.util.fix_random_seed(0)
    optimizer = nlp.initialize(lambda: egs)
    optimizer.learn_rate = learn_rate
    for _ in range(steps):
        nlp.update(egs, sgd=optimizer, **update_settings)
    return nlp, optimizer


def tagged(nlp, texts=TEXTS):
    """(tag, pos, pos_prob) of every token: spaCy's tagger's XPOS and lstm_tagger's UPOS."""
    return [[(t.tag_, t.pos_, round(t._.pos_prob, 5)) for t in doc] for doc in nlp.pipe(texts)]


def weights(model: Model):
    """Copies of every thinc parameter and torch tensor under a model."""
    found = [node.get_param(name).copy() for node in model.walk() for name in node.param_names if node.has_param(name)]
    for node in model.walk():
        for shim in node.shims:
            found += [p.detach().clone().numpy() for p in shim._model.parameters()]
    return found


def same_weights(a, b):
    return len(a) == len(b) and all(numpy.array_equal(x, y) for x, y in zip(a, b))


def module_of(nlp, name="lstm_tagger"):
    return nlp.get_pipe(name).model.layers[0].shims[0]._model


@pytest.fixture(scope="module")
def shared_nlp():
    """tok2vec + lstm_tagger + tagger, trained together on the tutorial's sentences."""
    nlp = spacy.util.load_model_from_config(shared_config(), auto_fill=True)
    return train(nlp)[0]


@pytest.fixture(scope="module")
def shared_dir(shared_nlp, tmp_path_factory):
    path = tmp_path_factory.mktemp("shared") / "nlp"
    shared_nlp.to_disk(path)
    return path


EXPECTED = [
    [("DET", "DET"), ("NN", "NOUN"), ("V", "VERB"), ("DET", "DET"), ("NN", "NOUN")],
    [("NN", "NOUN"), ("V", "VERB"), ("DET", "DET"), ("NN", "NOUN")],
]


def test_both_listeners_learn_from_the_shared_tok2vec_and_are_registered(shared_nlp):
    tok2vec = shared_nlp.get_pipe("tok2vec")
    assert sorted(tok2vec.listening_components) == ["lstm_tagger", "tagger"]
    # The listener is a child layer of the lstm_tagger's model, after the torch module's wrapper.
    model = shared_nlp.get_pipe("lstm_tagger").model
    assert model.layers[1] is model.get_ref("tok2vec") is tok2vec.listener_map["lstm_tagger"][0]
    assert [[(tag, pos) for tag, pos, _ in doc] for doc in tagged(shared_nlp)] == EXPECTED
    # The LSTM reads the tok2vec's rows only: its input is the tok2vec's width.
    module = module_of(shared_nlp)
    assert len(module.embeddings) == 0 and module.chars is None and module.lstm.input_size == WIDTH


def test_saved_and_loaded_in_a_fresh_process_it_tags_the_same(shared_nlp, shared_dir):
    code = (
        "import json, sys, spacy\n"
        "nlp = spacy.load(sys.argv[1])\n"
        "print(json.dumps([[(t.tag_, t.pos_, round(t._.pos_prob, 5)) for t in d] for d in nlp.pipe(json.loads(sys.argv[2]))]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(shared_dir), json.dumps(TEXTS)],
        capture_output=True, text=True, timeout=240, check=True,
    )
    loaded = [[tuple(token) for token in doc] for doc in json.loads(result.stdout.strip().splitlines()[-1])]
    assert loaded == tagged(shared_nlp)


def test_replace_listeners_gives_a_standalone_component_that_tags_the_same(shared_dir, tmp_path):
    nlp = spacy.load(shared_dir)
    expected = tagged(nlp)
    old_listener = nlp.get_pipe("lstm_tagger").model.get_ref("tok2vec")
    nlp.replace_listeners("tok2vec", "lstm_tagger", ["model.tok2vec"])
    assert nlp.get_pipe("tok2vec").listening_components == ["tagger"]
    assert nlp.config["components"]["lstm_tagger"]["model"]["tok2vec"]["@architectures"] == "spacy.Tok2Vec.v2"
    model = nlp.get_pipe("lstm_tagger").model
    own = model.get_ref("tok2vec")
    assert own is not old_listener and model.layers[1] is own and own.name != "tok2vec-listener"
    assert tagged(nlp) == expected
    # Standalone: it tags the same without the tok2vec component, and saved
    # with its own tok2vec, it loads so.
    nlp.remove_pipe("tagger")
    nlp.remove_pipe("tok2vec")
    assert [[(pos, prob) for _, pos, prob in doc] for doc in tagged(nlp)] == [
        [(pos, prob) for _, pos, prob in doc] for doc in expected
    ]
    nlp.to_disk(tmp_path / "standalone")
    assert tagged(spacy.load(tmp_path / "standalone")) == tagged(nlp)


def test_sourced_with_replace_listeners_in_a_config_it_tags_the_same(shared_nlp, shared_dir):
    config = Config(
        {
            "nlp": {"lang": "en", "pipeline": ["lstm_tagger"]},
            "components": {"lstm_tagger": {"source": str(shared_dir), "replace_listeners": ["model.tok2vec"]}},
        }
    )
    nlp = spacy.util.load_model_from_config(config, auto_fill=True)
    assert nlp.get_pipe("lstm_tagger").model.get_ref("tok2vec").name != "tok2vec-listener"
    expected = [[pos for _, pos, _ in doc] for doc in tagged(shared_nlp)]
    assert [[pos for _, pos, _ in doc] for doc in tagged(nlp)] == expected


def test_the_tok2vec_learns_from_lstm_tagger_alone_and_not_when_frozen(tmp_path):
    # lstm_tagger is the only listener: every change of the tok2vec's weights
    # comes from the gradient it hands back.
    nlp = spacy.util.load_model_from_config(shared_config(second_listener=False), auto_fill=True)
    egs = examples(nlp)
    spacy.util.fix_random_seed(0)
    optimizer = nlp.initialize(lambda: egs)
    initial = weights(nlp.get_pipe("tok2vec").model)
    for _ in range(3):
        nlp.update(egs, sgd=optimizer)
    assert not same_weights(weights(nlp.get_pipe("tok2vec").model), initial)
    nlp.to_disk(tmp_path / "nlp")

    # Frozen and annotating (spacy train's frozen_components and
    # annotating_components): the listener reads the doc.tensor the tok2vec
    # sets, lstm_tagger learns, the tok2vec does not move.
    nlp = spacy.load(tmp_path / "nlp")
    tok2vec_before, tagger_before = weights(nlp.get_pipe("tok2vec").model), weights(nlp.get_pipe("lstm_tagger").model)
    optimizer = nlp.create_optimizer()
    losses = [nlp.update(examples(nlp), sgd=optimizer, exclude=["tok2vec"], annotates=["tok2vec"])["lstm_tagger"]
              for _ in range(5)]
    assert same_weights(weights(nlp.get_pipe("tok2vec").model), tok2vec_before)
    assert not same_weights(weights(nlp.get_pipe("lstm_tagger").model), tagger_before)
    assert losses[-1] < losses[0]


class RecordedRows:
    """A stand-in upstream: hands out fixed rows and records the gradient it gets back."""

    def __init__(self, rows):
        self.rows, self.gradients = rows, []

    def model(self):
        def forward(model, docs, is_train):
            def backprop(d_rows):
                self.gradients.append(d_rows)
                return []

            return [r.copy() for r in self.rows], backprop

        return Model("recorded_rows", forward, dims={"nO": self.rows[0].shape[1]})


@pytest.mark.parametrize("static_vectors,whitespace", [(False, False), (True, False), (True, True)])
def test_the_gradient_reaching_the_upstream_rows_is_the_torch_modules(static_vectors, whitespace):
    """What the upstream gets back is d(loss)/d(rows) as torch computes it for
    the module's per-token input, split per doc, without the static vectors' columns;
    zeros for whitespace tokens, which the module does not read."""
    nlp = spacy.blank("en")
    if static_vectors:
        nlp.vocab.set_vector("dog", numpy.arange(3, dtype="float32"))
    docs = [nlp.make_doc(text) for text in TEXTS + ["She eats"] + (["The dog\nate  the apple\n"] if whitespace else [])]
    read = numpy.concatenate([[not t.is_space for t in doc] for doc in docs])
    assert read.all() != whitespace
    generator = numpy.random.default_rng(0)
    rows = [generator.normal(size=(len(doc), 5)).astype("float32") for doc in docs]
    upstream = RecordedRows(rows)
    registry_settings = {**TINY_MODEL, "char_rows": 8, "include_static_vectors": static_vectors}
    model = spacy.registry.resolve(
        {"model": {"@architectures": ARCHITECTURE_V2, **registry_settings, "tok2vec": upstream.model()}}
    )["model"]
    model.set_dim("nO", 4)
    model.initialize(X=docs)
    module = model.layers[0].shims[0]._model
    torch.nn.init.normal_(module.output.weight)
    log_probs, backprop = model.begin_update(docs)
    d_log_probs = [generator.normal(size=lp.shape).astype("float32") for lp in log_probs]
    assert backprop(d_log_probs) == []
    (got,) = upstream.gradients
    # The same through torch alone: the module's inputs, the rows as a leaf.
    inputs, _ = model.layers[0].attrs["convert_inputs"](model.layers[0], (docs, rows), False)
    vectors = inputs.kwargs["vectors"].detach().clone().requires_grad_(True)
    module.train()
    output = module(**{**inputs.kwargs, "vectors": vectors})
    module.eval()
    (output * torch.from_numpy(numpy.concatenate(d_log_probs)[read])).sum().backward()
    static_width = 3 if static_vectors else 0
    assert vectors.shape[1] == static_width + 5
    d_rows = numpy.zeros((len(read), 5), dtype="float32")
    d_rows[read] = vectors.grad[:, static_width:].numpy()
    expected = numpy.split(d_rows, numpy.cumsum([len(d) for d in docs])[:-1])
    assert [g.shape for g in got] == [r.shape for r in rows]
    for g, e in zip(got, expected):
        numpy.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)
    assert any(numpy.abs(g).max() > 0 for g in got)
    # And independent of any backward: the loss's change along a direction
    # of the rows (central difference; no dropout in TINY_MODEL).
    direction = [generator.normal(size=r.shape).astype("float32") for r in rows]

    def loss(step):
        upstream.rows = [r + step * d for r, d in zip(rows, direction)]
        return sum(float((lp * d).sum()) for lp, d in zip(model.predict(docs), d_log_probs))

    slope = (loss(1e-2) - loss(-1e-2)) / 2e-2
    predicted = sum(float((g * d).sum()) for g, d in zip(got, direction))
    assert slope == pytest.approx(predicted, rel=5e-3)


def test_a_tok2vec_inside_the_component(tmp_path):
    """spaCy's own tok2vec as the component's `tok2vec`, no tok2vec component:
    the component trains it (its finish_update walks it) and saves it."""
    config = {
        "nlp": {"lang": "en", "pipeline": ["lstm_tagger"]},
        "components": {
            "lstm_tagger": {
                "factory": "lstm_tagger",
                "attr": "pos",
                "confidence": "predicted",
                "model": {**LISTENING_MODEL, "tok2vec": SMALL_TOK2VEC},
            }
        },
    }
    nlp = spacy.util.load_model_from_config(Config(config), auto_fill=True)
    egs = examples(nlp)
    spacy.util.fix_random_seed(0)
    optimizer = nlp.initialize(lambda: egs)
    optimizer.learn_rate = 0.01
    tok2vec = nlp.get_pipe("lstm_tagger").model.get_ref("tok2vec")
    initial = weights(tok2vec)
    for _ in range(40):
        nlp.update(egs, sgd=optimizer)
    assert not same_weights(weights(tok2vec), initial)
    assert [[pos for _, pos, _ in doc] for doc in tagged(nlp)] == [[pos for _, pos in doc] for doc in EXPECTED]
    nlp.to_disk(tmp_path / "nlp")
    loaded = spacy.load(tmp_path / "nlp")
    assert tagged(loaded) == tagged(nlp)
    assert same_weights(weights(loaded.get_pipe("lstm_tagger").model), weights(nlp.get_pipe("lstm_tagger").model))


def test_the_v2_architecture_is_an_entry_point():
    # spacy package and a config resolved before the package is imported find it there.
    architectures = {ep.name: ep.value for ep in entry_points(group="spacy_architectures")}
    assert architectures[ARCHITECTURE_V2] == "spacy_lstm_tagger.thinc_model:build_lstm_tagger_model_v2"


def test_v2_without_a_tok2vec_is_v1():
    """Same module, same weights for a seed, same predictions: v2's defaults are v1's."""
    nlp = spacy.blank("en")
    docs = [nlp.make_doc(text) for text in TEXTS]
    results = []
    for architecture in (ARCHITECTURE, ARCHITECTURE_V2):
        torch.manual_seed(0)
        model = spacy.registry.resolve({"model": {"@architectures": architecture, **TINY_MODEL, "char_rows": 8}})["model"]
        model.set_dim("nO", 3)
        model.initialize(X=docs)
        torch.nn.init.normal_(model.layers[0].shims[0]._model.output.weight, generator=torch.Generator().manual_seed(1))
        results.append((model.layers[0].shims[0]._model.state_dict(), model.predict(docs), len(model.layers)))
    (v1_state, v1_out, v1_layers), (v2_state, v2_out, v2_layers) = results
    assert v1_layers == v2_layers == 1
    assert v1_state.keys() == v2_state.keys() and all(torch.equal(v1_state[k], v2_state[k]) for k in v1_state)
    assert all(numpy.array_equal(a, b) for a, b in zip(v1_out, v2_out))


@pytest.mark.parametrize(
    "settings,message",
    [
        ({"include_hashed_features": False, "char_rows": 0}, "the model has no input: include_hashed_features = false"),
        ({"word_rows": 1}, "word_rows must be an integer >= 2"),
    ],
)
def test_settings_that_cannot_work_are_refused_naming_v2(settings, message):
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match=f"{ARCHITECTURE_V2}: {message}"):
        nlp.add_pipe("lstm_tagger", config={"model": {"@architectures": ARCHITECTURE_V2, **settings}})


def test_a_switch_that_is_not_a_boolean_is_refused_when_called_directly():
    # spaCy's config validation refuses it before the builder runs.
    with pytest.raises(ValueError, match=f"{ARCHITECTURE_V2}: include_hashed_features must be true or false, got 'no'"):
        build_lstm_tagger_model_v2(include_hashed_features="no")


def test_rows_of_the_wrong_width_are_refused_naming_the_shapes(shared_nlp):
    # A listener that says 8 while the tok2vec gives 16: the component was
    # built for 8 (its config), the doc.tensor the tok2vec sets is 16 wide.
    nlp = spacy.util.load_model_from_config(
        shared_config(second_listener=False, lstm_model={"tok2vec": {**LISTENER, "width": 8}}), auto_fill=True
    )
    egs = examples(nlp)
    nlp.initialize(lambda: egs)
    with pytest.raises(ValueError, match=r"the tok2vec gave rows of shapes \[\(5, 16\)\] for docs of \[5\] tokens; .* width 8"):
        nlp(TEXTS[0])


def test_before_initialize_it_behaves_as_v1_labels_first_then_built():
    nlp = spacy.util.load_model_from_config(shared_config(second_listener=False), auto_fill=True)
    tagger = nlp.get_pipe("lstm_tagger")
    assert tagger.model.layers == []
    for pos in ("DET", "NOUN", "VERB"):
        tagger.add_label(pos)
    with pytest.raises(ValueError, match="is not initialized"):
        tagger(nlp.make_doc("The dog"))
    nlp.initialize()
    assert nlp.get_pipe("tok2vec").listening_components == ["lstm_tagger"]
    assert [t.pos_ in ("DET", "NOUN", "VERB") for t in nlp("The dog ate")] == [True] * 3


def test_threads_and_pickles_tag_the_same(shared_nlp, shared_dir):
    texts = TEXTS * 10
    expected = tagged(shared_nlp, texts)
    # Loaded, as nlp.pipe(n_process > 1) pickles it: a pipeline in training
    # holds the upstream's backprop closure in its listeners (spaCy's too).
    assert tagged(pickle.loads(pickle.dumps(spacy.load(shared_dir))), texts) == expected
    results = [None] * 4

    def tag(i):
        results[i] = tagged(shared_nlp, texts)

    threads = [threading.Thread(target=tag, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 4


N_PROCESS = """
import json, multiprocessing, sys
import spacy
if __name__ == "__main__":
    multiprocessing.set_start_method("spawn", force=True)
    nlp = spacy.load(sys.argv[1])
    texts = json.loads(sys.argv[2]) * 20
    tag = lambda docs: [[(t.tag_, t.pos_) for t in d] for d in docs]
    print(json.dumps(tag(nlp.pipe(texts, n_process=1)) == tag(nlp.pipe(texts, n_process=2, batch_size=5))))
"""


@pytest.mark.slow
def test_n_process_2_tags_as_n_process_1(shared_dir, tmp_path):
    script = tmp_path / "run.py"
    script.write_text(N_PROCESS)
    result = subprocess.run(
        [sys.executable, str(script), str(shared_dir), json.dumps(TEXTS)],
        capture_output=True, text=True, timeout=300, check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "true"


needs_fused_runtime = pytest.mark.skipif(
    not fused.runtime_available(), reason=f"onnxruntime/onnx not importable: no fused path to refuse ({fused.INSTALL_HINT})"
)


@needs_fused_runtime
def test_upstream_rows_run_on_torch_the_fused_graph_refuses_them(shared_nlp, ran):
    # The rows come in through the module's per-token vectors input, which
    # the graph does not read (test_fused.py names it "static vectors").
    assert fused.unsupported(module_of(shared_nlp)) == "static vectors"
    before = dict(ran)
    assert tagged(shared_nlp, TEXTS[:1]) == tagged(shared_nlp)[:1]
    assert ran["fused"] == before["fused"] and ran["torch"] > before["torch"]
    assert shared_nlp.get_pipe("lstm_tagger").model.layers[0].shims[0]._fused_cache[1] is None


@needs_fused_runtime
def test_without_hashed_features_the_char_encoder_alone_runs_fused_and_computes_what_torch_does(ran):
    nlp = spacy.blank("en")
    nlp.add_pipe(
        "lstm_tagger",
        config={"model": {**LISTENING_MODEL, "char_rows": 50, "char_width": 8, "char_filters": 12}},
    )
    nlp.initialize(lambda: [Example.from_dict(Doc(nlp.vocab, words=w), {"tags": t}) for w, t in TUTORIAL])
    module = module_of(nlp)
    torch.nn.init.normal_(module.output.weight, generator=torch.Generator().manual_seed(0))
    assert len(module.embeddings) == 0 and fused.unsupported(module) is None
    docs = [nlp.make_doc(text) for text in TEXTS]
    before = dict(ran)
    got = nlp.get_pipe("lstm_tagger").predict(docs)
    assert ran["fused"] == before["fused"] + 1 and ran["torch"] == before["torch"]
    nlp.get_pipe("lstm_tagger").model.layers[0].shims[0].fused_max_tokens = 0
    expected = nlp.get_pipe("lstm_tagger").predict(docs)
    assert ran["torch"] == before["torch"] + 1
    for g, e in zip(got, expected):
        numpy.testing.assert_allclose(g, e, atol=1e-5, rtol=1e-5)


# A tiny curated transformer, built from its config and randomly initialized;
# its word pieces come from a file the test writes. Nothing is downloaded.
try:
    import spacy_curated_transformers  # noqa: F401

    CURATED_MISSING = None
except ImportError as error:
    CURATED_MISSING = (
        f"spacy-curated-transformers not importable ({error}): the transformer listener is not tested "
        "(pip install 'spacy-lstm-tagger[transformers]')"
    )

TRANSFORMER_WIDTH = 16


def curated_config(pieces_path: Path) -> Config:
    return Config(
        {
            "nlp": {"lang": "en", "pipeline": ["transformer", "lstm_tagger"]},
            "components": {
                "transformer": {
                    "factory": "curated_transformer",
                    "all_layer_outputs": False,
                    "model": {
                        "@architectures": "spacy-curated-transformers.BertTransformer.v1",
                        "vocab_size": len(pieces_path.read_text(encoding="utf8").splitlines()),
                        "hidden_width": TRANSFORMER_WIDTH,
                        "intermediate_width": 32,
                        "num_attention_heads": 2,
                        "num_hidden_layers": 1,
                        "max_position_embeddings": 64,
                        "type_vocab_size": 2,
                        "hidden_dropout_prob": 0.0,
                        "attention_probs_dropout_prob": 0.0,
                        "piece_encoder": {"@architectures": "spacy-curated-transformers.BertWordpieceEncoder.v1"},
                        "with_spans": {"@architectures": "spacy-curated-transformers.WithStridedSpans.v1", "stride": 32, "window": 48},
                    },
                },
                "lstm_tagger": {
                    "factory": "lstm_tagger",
                    "attr": "pos",
                    "confidence": "predicted",
                    "model": {
                        **LISTENING_MODEL,
                        "tok2vec": {
                            "@architectures": "spacy-curated-transformers.LastTransformerLayerListener.v1",
                            "width": TRANSFORMER_WIDTH,
                            "pooling": {"@layers": "reduce_mean.v1"},
                            "upstream": "*",
                        },
                    },
                },
            },
            "initialize": {
                "components": {
                    "transformer": {
                        "piecer_loader": {
                            "@model_loaders": "spacy-curated-transformers.WordpieceLoader.v1",
                            "path": str(pieces_path),
                        }
                    }
                }
            },
        }
    )


def write_word_pieces(path: Path) -> Path:
    """A WordPiece vocabulary of BERT's special pieces and the ASCII letters, digits and punctuation."""
    chars = [chr(c) for c in range(33, 127)]
    path.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + chars + ["##" + c for c in chars]) + "\n")
    return path


def curated_nlp(tmp_path):
    nlp = spacy.util.load_model_from_config(curated_config(write_word_pieces(tmp_path / "pieces.txt")), auto_fill=True)
    spacy.util.fix_random_seed(0)
    egs = examples(nlp)
    return nlp, egs, nlp.initialize(lambda: egs)


@pytest.mark.skipif(CURATED_MISSING is not None, reason=CURATED_MISSING or "")
def test_a_tiny_curated_transformer_feeds_the_listener_and_saves_and_loads(tmp_path):
    nlp, _, _ = curated_nlp(tmp_path)
    assert nlp.get_pipe("transformer").listening_components == ["lstm_tagger"]
    assert module_of(nlp).lstm.input_size == TRANSFORMER_WIDTH
    # An untrained output layer predicts the uniform distribution: random
    # weights make the transformer's rows decide the tags.
    torch.nn.init.normal_(module_of(nlp).output.weight, generator=torch.Generator().manual_seed(0))
    expected = tagged(nlp)
    assert len({prob for doc in expected for _, _, prob in doc}) > 1
    nlp.to_disk(tmp_path / "nlp")
    assert tagged(spacy.load(tmp_path / "nlp")) == expected


NUMPY_2_4 = tuple(int(part) for part in numpy.__version__.split(".")[:2]) >= (2, 4)


@pytest.mark.skipif(CURATED_MISSING is not None, reason=CURATED_MISSING or "")
@pytest.mark.skipif(
    NUMPY_2_4,
    reason=f"numpy {numpy.__version__}: spacy-curated-transformers 0.3's update calls float() on a one-element "
    "array, which numpy 2.4 refuses (the transformers extra installs numpy < 2.4)",
)
def test_a_tiny_curated_transformer_trains_through_the_listener(tmp_path):
    nlp, egs, optimizer = curated_nlp(tmp_path)
    optimizer.learn_rate = 0.01
    transformer = nlp.get_pipe("transformer")
    initial = weights(transformer.model)
    for _ in range(40):
        nlp.update(egs, sgd=optimizer)
    assert not same_weights(weights(transformer.model), initial)
    assert [[pos for _, pos, _ in doc] for doc in tagged(nlp)] == [[pos for _, pos in doc] for doc in EXPECTED]
    nlp.to_disk(tmp_path / "nlp")
    assert tagged(spacy.load(tmp_path / "nlp")) == tagged(nlp)


# The shipped configs ---------------------------------------------------------

SHRUNK_SHARED = [
    "--components.tok2vec.model.encode.width", "32",
    "--components.tok2vec.model.encode.depth", "1",
    "--components.lstm_tagger.model.hidden_width", "32",
    "--components.lstm_tagger.model.depth", "1",
    "--components.lstm_tagger.model.char_rows", "0",
    "--components.parser.model.hidden_width", "32",
]


@pytest.mark.slow
def test_the_shared_tok2vec_config_trains_with_spacy_train(ewt_slice, tmp_path):
    """configs/shared_tok2vec.cfg, shrunk, for a few updates on a slice of EWT:
    lstm_tagger and the parser listen to one tok2vec, and both annotate."""
    subprocess.run(
        [sys.executable, "-m", "spacy", "train", str(ROOT / "configs" / "shared_tok2vec.cfg"),
         "--output", str(tmp_path / "out"), "--paths.train", str(ewt_slice / "train.spacy"),
         "--paths.dev", str(ewt_slice / "dev.spacy"), "--training.max_steps", "6", "--training.eval_frequency", "3",
         *SHRUNK_SHARED],
        check=True, capture_output=True, text=True, timeout=600,
    )
    nlp = spacy.load(tmp_path / "out" / "model-last")
    assert nlp.pipe_names == ["tok2vec", "lstm_tagger", "parser"]
    assert sorted(nlp.get_pipe("tok2vec").listening_components) == ["lstm_tagger", "parser"]
    assert module_of(nlp).lstm.input_size == 32
    doc = nlp("The dog ate the apple.")
    assert all(t.tag_ and t.pos_ and t.dep_ for t in doc)


def test_the_shared_tok2vec_config_builds_its_listeners():
    config = spacy.util.load_config(ROOT / "configs" / "shared_tok2vec.cfg")
    nlp = spacy.util.load_model_from_config(config, auto_fill=True)
    assert nlp.pipe_names == ["tok2vec", "lstm_tagger", "parser"]
    listener = nlp.get_pipe("lstm_tagger").model.get_ref("tok2vec")
    assert listener.upstream_name == "tok2vec" and listener.get_dim("nO") == 96
    assert nlp.get_pipe("tok2vec").listening_components == ["parser"]  # lstm_tagger's links once built


@pytest.mark.skipif(CURATED_MISSING is not None, reason=CURATED_MISSING or "")
def test_the_transformer_config_builds_its_listener_shrunk():
    overrides = {
        "components.transformer.model.vocab_size": 300,
        "components.transformer.model.hidden_width": 16,
        "components.transformer.model.intermediate_width": 32,
        "components.transformer.model.num_attention_heads": 2,
        "components.transformer.model.num_hidden_layers": 1,
    }
    config = spacy.util.load_config(ROOT / "configs" / "transformer.cfg", overrides=overrides)
    nlp = spacy.util.load_model_from_config(config, auto_fill=True)
    assert nlp.pipe_names == ["transformer", "lstm_tagger"] and nlp.get_pipe("transformer").frozen
    listener = nlp.get_pipe("lstm_tagger").model.get_ref("tok2vec")
    assert listener.get_dim("nO") == 16
