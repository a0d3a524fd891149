"""The model's defaults are read from one place, the architecture's signature
(which takes the torch module's from LSTMTagger's constructor); docs/configs.md's
option table, the factory, configs/default.cfg and the plain torch module agree with it."""
import ast
import inspect
import re
from pathlib import Path

import pytest
import spacy
from spacy.util import load_config, registry

from spacy_lstm_tagger.thinc_model import ARCHITECTURE, build_lstm_tagger_model
from spacy_lstm_tagger.torch_model import LSTMTagger

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS = {
    name: p.default
    for name, p in inspect.signature(build_lstm_tagger_model).parameters.items()
    if name != "nO"
}


def readme_option_table():
    """{option: default} from docs/configs.md's `[components.lstm_tagger.model]`
    table, whose rows read | `a`, `b` | 1, 2 | meaning |."""
    text = (ROOT / "docs" / "configs.md").read_text(encoding="utf8")
    section = text[text.index("`[components.lstm_tagger.model]`"):]
    table = {}
    for line in section.splitlines()[1:]:
        if table and not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        names = re.findall(r"`(\w+)`", cells[0])
        values = [v.strip() for v in re.split(r",\s*(?![^\[]*\])", cells[1])]
        assert len(names) == len(values), line
        for name, value in zip(names, values):
            value = {"true": "True", "false": "False"}.get(value, value)
            table[name] = ast.literal_eval(value)
    return table


def test_readme_option_table_lists_every_option_with_its_default():
    assert readme_option_table() == DEFAULTS


def test_factory_default_is_the_architecture_default():
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger")
    model_config = dict(nlp.config["components"]["lstm_tagger"]["model"])
    assert model_config.pop("@architectures") == ARCHITECTURE
    assert model_config.pop("nO") is None  # set from the labels at initialize
    assert model_config == DEFAULTS


def test_architecture_alone_builds_the_default_model_with_character_cnn():
    # Used under any factory, the architecture's defaults include the char CNN.
    module = build_default_model().layers[0].shims[0]._model
    assert module.chars is not None
    assert module.lstm.hidden_size == DEFAULTS["hidden_width"]


def build_default_model(n_labels=3, **settings):
    model = registry.resolve({"model": {"@architectures": ARCHITECTURE, **settings}})["model"]
    model.set_dim("nO", n_labels)
    model.initialize()
    return model


def test_the_torch_module_keeps_the_architectures_defaults():
    module_defaults = {
        name: p.default
        for name, p in inspect.signature(LSTMTagger).parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    shared = {
        "hidden_width", "depth", "bidirectional", "dropout", "word_dropout", "char_rows", "char_width",
        "char_filters", "sparse_embeddings", "char_end_positions", "char_encoder", "char_bilstm_width",
        "head_tanh_layer", "training_precision", "lstm_residual",
    }
    # vectors_width is set from the pipeline's vectors (include_static_vectors),
    # char_head_indices from char_heads and the component's heads.
    assert module_defaults.keys() == shared | {"vectors_width", "char_head_indices"}
    assert module_defaults["vectors_width"] == 0 and module_defaults["char_head_indices"] == () and DEFAULTS["char_heads"] == []
    assert {name: module_defaults[name] for name in shared} == {name: DEFAULTS[name] for name in shared}


def test_the_torch_module_on_its_own_is_the_architectures_default_model():
    built = build_default_model().layers[0].shims[0]._model
    alone = LSTMTagger(3, [t.num_embeddings for t in built.embeddings], [t.embedding_dim for t in built.embeddings])
    assert {k: v.shape for k, v in alone.state_dict().items()} == {k: v.shape for k, v in built.state_dict().items()}
    assert [t.sparse for t in alone.embeddings] == [t.sparse for t in built.embeddings] == [True] * len(built.embeddings)
    assert (alone.word_dropout, alone.input_dropout.p) == (built.word_dropout, built.input_dropout.p) == (0.2, 0.3)


def test_default_config_file_is_the_architecture_defaults_with_residual_layers_and_character_heads():
    """configs/default.cfg sets residual layers and the FEATS and lemma heads
    reading the characters (chosen 2026-12-06); the architecture keeps its
    defaults, so a config written without them builds the model it built
    before, as spaCy keeps a registered architecture's behaviour."""
    config = load_config(ROOT / "configs" / "default.cfg")
    model_config = dict(config["components"]["lstm_tagger"]["model"])
    assert model_config.pop("@architectures") == ARCHITECTURE
    chosen = {"lstm_residual": True, "char_heads": ["morph", "lemma"]}
    assert {name: DEFAULTS[name] for name in chosen} == {"lstm_residual": False, "char_heads": []}
    assert model_config == {**DEFAULTS, **chosen}


@pytest.mark.parametrize(
    "option,value,message",
    [
        ("max_sequence_length", 0, "max_sequence_length must be an integer >= 1"),
        ("word_rows", 1, "word_rows must be an integer >= 2"),
        ("subword_rows", 0, "subword_rows must be an integer >= 2"),
        ("char_length", 0, "char_length must be an integer >= 1 when char_rows > 0"),
        ("char_rows", 1, "char_rows must be 0 .no character encoder. or an integer >= 2"),
        ("depth", 0, "depth must be an integer >= 1"),
        ("hidden_width", -3, "hidden_width must be an integer >= 1"),
        ("dropout", 1.0, "dropout must be a number from 0 up to"),
        ("word_dropout", -0.1, "word_dropout must be a number from 0 up to"),
        ("prefix_lengths", [0, 2], "prefix_lengths must be a list of integers >= 1"),
        ("char_encoder", "gru", "char_encoder must be 'cnn' or 'bilstm'"),
        ("char_bilstm_width", 3, "char_bilstm_width must be even"),
        ("char_bilstm_width", -2, "char_bilstm_width must be 0 .none. or an even integer >= 2"),
        ("char_heads", ["lemmas"], "char_heads must be a list of attributes from .'tag', 'pos', 'morph', 'lemma'."),
        ("head_tanh_layer", "per_head", 'head_tanh_layer must be true, false or "shared"'),
        ("training_precision", "float16", "training_precision must be 'float32' or 'bfloat16' or 'auto'"),
        ("inference_precision", "int4", "inference_precision must be 'float32' or 'int8'"),
    ],
)
def test_model_settings_that_cannot_work_are_refused_when_built(option, value, message):
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match=f"{re.escape(ARCHITECTURE)}: {message}.*got {re.escape(repr(value))}"):
        nlp.add_pipe("lstm_tagger", config={"model": {option: value}})


@pytest.mark.parametrize("option", ["sparse_embeddings", "lstm_residual"])
def test_switches_must_be_booleans_when_the_architecture_is_called_directly(option):
    # Through a config, confection refuses a non-bool first; a direct call gets the architecture's own message.
    with pytest.raises(ValueError, match=f"{re.escape(ARCHITECTURE)}: {option} must be true or false, got 'yes'"):
        build_lstm_tagger_model(**{option: "yes"})


@pytest.mark.parametrize(
    "settings,message",
    [
        ({"char_filters": 63}, "char_filters must be even with char_encoder = 'bilstm'.*got 63"),
        ({"char_end_positions": 2}, "char_end_positions must be 0 with char_encoder = 'bilstm'.*got 2"),
    ],
)
def test_char_bilstm_settings_that_cannot_work_are_refused(settings, message):
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match=f"{re.escape(ARCHITECTURE)}: {message}"):
        nlp.add_pipe("lstm_tagger", config={"model": {"char_encoder": "bilstm", **settings}})


def test_char_heads_need_the_character_encoder():
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match=re.escape(f"{ARCHITECTURE}: char_heads must be empty when char_rows = 0")):
        nlp.add_pipe("lstm_tagger", config={"model": {"char_rows": 0, "char_heads": ["lemma"]}})


def test_char_heads_outside_the_component_say_what_is_missing():
    with pytest.raises(ValueError, match="char_heads = .'lemma'., but no head layout says which head"):
        build_default_model(char_heads=["lemma"])


def test_char_length_is_free_without_the_character_cnn():
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"model": {"char_rows": 0, "char_length": 0}})
    assert nlp.config["components"]["lstm_tagger"]["model"]["char_length"] == 0
    model = build_default_model(char_rows=0, char_length=0)
    assert model.layers[0].shims[0]._model.chars is None
    (scores,) = model.predict([nlp.make_doc("No characters are read")])
    assert scores.shape == (4, 3)


@pytest.mark.parametrize("config_name", ["default.cfg", "accurate.cfg"])
def test_learning_rate_decays_to_zero_at_max_steps_whatever_it_is_set_to(config_name):
    """The shipped schedules are in updates: overriding max_steps moves the end
    of the linear decay with it (a small treebank trains as many updates as EWT)."""
    for max_steps in (5000, 1000):
        config = load_config(ROOT / "configs" / config_name, overrides={"training.max_steps": max_steps})
        training = config.interpolate()["training"]
        assert training["max_epochs"] == 0 and training["max_steps"] == max_steps
        rates = registry.resolve({"lr": training["optimizer"]["learn_rate"]})["lr"]
        warmup = training["optimizer"]["learn_rate"]["warmup_steps"]
        values = [next(rates) for _ in range(max_steps + 2)]
        assert max(values) == pytest.approx(training["optimizer"]["learn_rate"]["initial_rate"], rel=0.01)
        assert values[min(warmup, max_steps) // 2] < max(values)  # warms up
        assert values[max_steps] == 0.0 and values[max_steps - 1] > 0.0
