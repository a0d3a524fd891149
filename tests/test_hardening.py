"""Holes found by using the plugin as a careless or hostile user would:
threads, stored settings, weights that cannot be right, use before
initialize, gold labels that clash with the negative prefix."""
import threading

import numpy
import pytest
import spacy
import srsly
import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors
from spacy.tokens import Doc
from spacy.training import Example

from conftest import SENTENCES, TINY_MODEL, make_examples, train_pipeline

# Threads ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def dropout_nlp():
    """Trained briefly with heavy dropout, so its argmax is not so sure that
    dropout switched on by mistake could not change it."""
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL, dropout=0.5, word_dropout=0.3)})
    train_pipeline(nlp, make_examples(nlp), steps=12)
    # The torch path, the one with a mode to get wrong (the fused ONNX
    # Runtime path has no dropout; tests/test_fused.py covers its threads).
    nlp.get_pipe("lstm_tagger").model.layers[0].shims[0].fused_max_tokens = 0
    return nlp


def test_dropout_would_change_this_models_tags(dropout_nlp):
    """The check below means something: in train mode, this model's tags change."""
    texts = [" ".join(words) for words, _ in SENTENCES] * 5
    eval_tags = [[t.tag_ for t in doc] for doc in dropout_nlp.pipe(texts)]
    module = dropout_nlp.get_pipe("lstm_tagger").model.layers[0].shims[0]._model
    module.train()
    try:
        with torch.no_grad():
            train_tags = [[t.tag_ for t in doc] for doc in dropout_nlp.pipe(texts, batch_size=1)]
    finally:
        module.eval()
    assert train_tags != eval_tags


def test_threads_tagging_at_once_get_the_sequential_tags(dropout_nlp):
    texts = [" ".join(words) for words, _ in SENTENCES] * 5
    expected = [[t.tag_ for t in doc] for doc in dropout_nlp.pipe(texts)]
    results, errors = {}, []

    def work(i):
        try:
            for round_ in range(6):
                results[(i, round_)] = [[t.tag_ for t in doc] for doc in dropout_nlp.pipe(texts, batch_size=1)]
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    differing = sum(tags != expected for tags in results.values())
    assert differing == 0, f"{differing} of {len(results)} threaded runs tagged differently"


def test_prediction_leaves_the_module_in_eval_mode(trained_nlp):
    module = trained_nlp.get_pipe("lstm_tagger").model.layers[0].shims[0]._model
    modes = []
    original = module.train

    def record(mode=True):
        modes.append(mode)
        return original(mode)

    module.train = record
    try:
        trained_nlp("The dog ate the apple")
    finally:
        del module.train
    assert modes == [] and not module.training


# Stored settings ----------------------------------------------------------------


@pytest.fixture
def saved(pipeline_dir, tmp_path):
    import shutil

    path = tmp_path / "nlp"
    shutil.copytree(pipeline_dir, path)
    return path


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("labels", "ABCDEFGHIJKLM", "labels must be a list of non-empty strings"),
        ("labels", 13, "labels must be a list of non-empty strings"),
        ("labels", None, "labels must be a list of non-empty strings"),
        ("labels", [1, 2, 3], "labels must be a list of non-empty strings"),
        ("labels", ["NN", "NN"], "labels must be a list without repeats"),
        ("attr", "ner", "attr must be one of \\['lemma', 'morph', 'pos', 'tag'\\]"),
        ("confidence", "bogus", "confidence must be one of"),
        ("overwrite", "yes", "overwrite must be true or false"),
        ("label_smoothing", 2, "label_smoothing must be a number"),
        ("feature_loss_weight", "heavy", "feature_loss_weight must be a number above 0"),
        ("feature_loss_weight", 0.5, "feature_loss_weight must be 1 unless morph_mode is 'bundle_and_features'"),
    ],
)
def test_stored_cfg_is_checked_at_load_naming_file_and_field(saved, field, value, message):
    cfg_path = saved / "lstm_tagger" / "cfg"
    cfg = srsly.read_json(cfg_path)
    cfg[field] = value
    srsly.write_json(cfg_path, cfg)
    with pytest.raises(ValueError, match=f"lstm_tagger 'lstm_tagger': {cfg_path}: {message}"):
        spacy.load(saved)


def test_stored_pos_attr_with_penn_labels_is_refused(saved):
    cfg_path = saved / "lstm_tagger" / "cfg"
    cfg = srsly.read_json(cfg_path)
    cfg["attr"] = "pos"
    srsly.write_json(cfg_path, cfg)
    with pytest.raises(ValueError, match=f"{cfg_path}: predicts pos, but the label '.*' is not a universal POS tag"):
        spacy.load(saved)


def test_config_decides_confidence_and_overwrite_at_load(saved):
    nlp = spacy.load(saved, config={"components": {"lstm_tagger": {"confidence": "all", "overwrite": True}}})
    tagger = nlp.get_pipe("lstm_tagger")
    assert tagger.cfg["confidence"] == "all" and tagger.cfg["overwrite"] is True
    doc = nlp("The dog ate")
    assert doc._.tag_probs.shape == (3, len(tagger.labels))
    # Editing the saved config.cfg does the same.
    config_path = saved / "config.cfg"
    config_path.write_text(config_path.read_text().replace('confidence = "none"', 'confidence = "predicted"'))
    assert spacy.load(saved).get_pipe("lstm_tagger").cfg["confidence"] == "predicted"


def test_setting_changed_after_creation_warns_when_saved(trained_nlp, tmp_path):
    tagger = trained_nlp.get_pipe("lstm_tagger")
    tagger.cfg["confidence"] = "predicted"
    try:
        with pytest.warns(UserWarning, match="confidence = 'predicted' was set after the pipeline was made"):
            trained_nlp.to_disk(tmp_path / "nlp")
    finally:
        tagger.cfg["confidence"] = "none"


# Weights that cannot be right --------------------------------------------------


def rewrite_weights(path, change):
    """Change the tensors inside a saved component's model file (thinc's
    msgpack of its nodes, the torch shim's msgpack inside, safetensors in it)."""
    model_path = path / "lstm_tagger" / "model"
    msg = srsly.msgpack_loads(model_path.read_bytes())
    (node,) = [i for i, shims in enumerate(msg["shims"]) if shims]
    shim = srsly.msgpack_loads(msg["shims"][node][0])
    state = load_safetensors(shim["state"])
    change(state)
    shim["state"] = save_safetensors(state)
    msg["shims"][node][0] = srsly.msgpack_dumps(shim)
    model_path.write_bytes(srsly.msgpack_dumps(msg))


@pytest.mark.parametrize(
    "change,message",
    [
        (lambda s: s.update({"output.weight": s["output.weight"].to(torch.int64)}), "'output.weight' holds torch.int64 values, not floats"),
        (lambda s: s["output.bias"].__setitem__(0, float("nan")), "'output.bias' holds NaN or infinite values"),
        (lambda s: s["lstm.weight_hh_l0"].__setitem__((0, 0), float("inf")), "'lstm.weight_hh_l0' holds NaN or infinite values"),
    ],
)
def test_weights_that_cannot_be_right_are_refused_naming_the_tensor(saved, change, message):
    rewrite_weights(saved, change)
    with pytest.raises(ValueError, match=f"{saved / 'lstm_tagger' / 'model'}.*{message}"):
        spacy.load(saved)


# Use before initialize ------------------------------------------------------------


def test_using_the_component_before_initialize_says_so():
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger")
    with pytest.raises(ValueError, match="lstm_tagger 'lstm_tagger' is not initialized: call nlp.initialize"):
        nlp("The dog")
    with pytest.raises(ValueError, match="is not initialized"):
        list(nlp.pipe(["The dog"]))


def test_replacing_with_a_fresh_component_then_tagging_says_so(trained_nlp):
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", source=trained_nlp)
    nlp.replace_pipe("lstm_tagger", "lstm_tagger", config={"model": dict(TINY_MODEL)})
    with pytest.raises(ValueError, match="is not initialized"):
        nlp("The dog")


# Gold labels and the negative prefix ------------------------------------------------


def test_gold_tag_starting_with_the_negative_prefix_is_refused_at_initialize():
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL)})
    examples = make_examples(nlp) + [Example.from_dict(Doc(nlp.vocab, words=["wow"]), {"tags": ["!X"]})]
    with pytest.raises(ValueError, match=r"\['!X'\], which start with neg_prefix '!'"):
        nlp.initialize(lambda: examples)


def test_labels_starting_with_the_negative_prefix_are_refused():
    nlp = spacy.blank("en")
    tagger = nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL)})
    with pytest.raises(ValueError, match=r"the label '!X' starts with neg_prefix '!'"):
        tagger.add_label("!X")


def test_negative_of_a_known_label_trains():
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL)})
    examples = make_examples(nlp) + [Example.from_dict(Doc(nlp.vocab, words=["dog"]), {"tags": ["!V"]})]
    optimizer = nlp.initialize(lambda: examples)
    assert "!V" not in nlp.get_pipe("lstm_tagger").labels
    losses = nlp.update(examples, sgd=optimizer)
    assert numpy.isfinite(losses["lstm_tagger"])
