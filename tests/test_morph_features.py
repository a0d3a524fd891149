"""morph_mode "features": one classifier per UD feature (with an "absent"
value) instead of one over whole FEATS bundles; "bundle_and_features": the
bundle classifier decodes, the per-feature ones train beside it."""
import numpy
import pytest
import spacy
import srsly
from spacy.tokens import Doc
from spacy.training import Example

from conftest import TINY_MODEL
from test_joint import ALL, train_joint, ud_examples

from spacy_lstm_tagger.morph import assemble_bundles, decode_features, feature_gold, feature_inventory, features_gold

FEATURES = ("Case", "Definite", "Number", "Person", "Tense")  # those of test_joint.UD, sorted


@pytest.fixture(scope="module")
def features():
    """Shared by the module's tests: a test that trains or changes settings
    works on its own copy (own_copy)."""
    return train_joint(morph_mode="features", steps=100)


@pytest.fixture(scope="module")
def bundle_and_features():
    return train_joint(morph_mode="bundle_and_features", steps=100)


def own_copy(nlp, path, config=None):
    """nlp saved and loaded again (with config overrides): a copy a test may change."""
    nlp.to_disk(path)
    return spacy.load(path, config=config or {})


def test_inventory_is_derived_from_the_bundle_labels():
    bundles = ("Number=Sing", "_", "Case=Nom|Number=Sing", "Number=Plur", "PronType=Int,Rel")
    assert feature_inventory(bundles) == (
        ("Case", ("_", "Nom")),
        ("Number", ("_", "Plur", "Sing")),
        ("PronType", ("_", "Int,Rel")),  # a multi-valued feature is one value
    )
    assert feature_inventory(tuple(reversed(bundles))) == feature_inventory(bundles)
    assert feature_inventory(("_",)) == ()


def test_gold_of_a_feature_head():
    gold = ["Case=Nom|Number=Sing", "_", None, "Number=Plur"]
    assert feature_gold(gold, "Number") == ["Sing", "_", None, "Plur"]
    assert feature_gold(gold, "Case") == ["Nom", "_", None, "_"]


def test_gold_of_a_feature_head_for_not_this_bundle():
    gold = ["!Number=Sing", "!Case=Nom|Number=Sing", "!_", "Number=Plur"]
    # "not Number=Sing" is "not Sing" for Number and nothing for Case.
    assert feature_gold(gold, "Number") == ["!Sing", None, None, "Plur"]
    assert feature_gold(gold, "Case") == [None, None, None, "_"]
    assert feature_gold(["~Number=Sing"], "Number", neg_prefix="~") == ["~Sing"]


def test_gold_of_several_feature_heads_at_once():
    """What the loss uses: each feature's column as feature_gold gives it,
    a bundle repeated in the batch read alike."""
    gold = ["Case=Nom|Number=Sing", "!Number=Sing", None, "_", "Case=Nom|Number=Sing", "!Case=Nom|Number=Sing"]
    columns = features_gold(gold, ("Number", "Case", "Tense"))
    assert columns == [feature_gold(gold, feature) for feature in ("Number", "Case", "Tense")]
    assert columns[0] == ["Sing", "!Sing", None, "_", "Sing", None]
    assert features_gold([], ("Number", "Case")) == [[], []]


def logit_gradients(tagger, example):
    """The loss's gradient with respect to each head's logits (the module's
    log_softmax undone by torch) at the untrained model's uniform output."""
    import torch

    n_tokens = len(example.predicted)
    log_probs = tagger.predict([example.predicted])
    for head in tagger._heads():  # the untrained output layer is zero
        assert numpy.allclose(numpy.exp(log_probs[0][:, head.columns]), 1 / len(head.labels))
    _, (d_log_probs,) = tagger.get_loss([example], log_probs)
    gradients = {}
    for head in tagger._heads():
        logits = torch.zeros((n_tokens, len(head.labels)), requires_grad=True)
        torch.log_softmax(logits, dim=1).backward(torch.from_numpy(numpy.asarray(d_log_probs[:, head.columns])))
        gradients[head.feature or head.attr] = dict(zip(head.labels, logits.grad[0].tolist()))
    return gradients


@pytest.mark.parametrize("morph_mode", ["features", "bundle"])
def test_not_this_bundle_pushes_down_only_the_named_value(morph_mode):
    """The issue: in features mode a gold "!Number=Sing" was read as a bundle
    whose features are all absent, and pushed every feature head towards "_"
    (Number: _ -0.667, Plur +0.333, Sing +0.333; Degree: _ -0.5, Pos +0.5)."""
    nlp = spacy.blank("en")
    tagger = nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL), "attr": "morph", "morph_mode": morph_mode})
    labels = ["Degree=Pos", "Number=Plur", "Number=Sing", "_"]
    tagger.initialize(lambda: [Example.from_dict(Doc(nlp.vocab, words=["x"]), {"morphs": ["Number=Sing"]})],
                      nlp=nlp, labels=labels)
    not_sing = Example.from_dict(Doc(nlp.vocab, words=["cats"]), {"morphs": ["!Number=Sing"]})
    gradients = logit_gradients(tagger, not_sing)
    # Gradient descent lowers a logit with a positive gradient: Sing only.
    if morph_mode == "features":
        assert gradients["Degree"] == {"_": 0.0, "Pos": 0.0}
        assert gradients["Number"]["Sing"] == pytest.approx(1 / 3)
        assert gradients["Number"]["_"] == gradients["Number"]["Plur"] == pytest.approx(-1 / 6)
    else:
        assert gradients["morph"]["Number=Sing"] == pytest.approx(1 / 4)
        assert all(gradients["morph"][label] == pytest.approx(-1 / 12) for label in labels if label != "Number=Sing")
    # "Not both" pins down neither feature in features mode.
    not_both = Example.from_dict(Doc(nlp.vocab, words=["cats"]), {"morphs": ["!Degree=Pos|Number=Sing"]})
    if morph_mode == "features":
        assert all(g == 0.0 for head in logit_gradients(tagger, not_both).values() for g in head.values())


def test_bundles_are_assembled_from_the_feature_predictions():
    # Case and Tense never co-occur in a training bundle; the heads can still join them.
    inventory = feature_inventory(("Case=Nom", "Tense=Past", "Number=Sing|Tense=Pres"))
    assert [f for f, _ in inventory] == ["Case", "Number", "Tense"]
    guesses = numpy.array([[1, 0, 1], [0, 0, 0], [0, 1, 2], [1, 1, 2]])
    assert assemble_bundles(inventory, guesses) == [
        "Case=Nom|Tense=Past", "_", "Number=Sing|Tense=Pres", "Case=Nom|Number=Sing|Tense=Pres"
    ]


def test_decoding_gives_keys_and_the_product_of_the_chosen_probabilities():
    nlp = spacy.blank("en")
    inventory = feature_inventory(("Case=Nom", "Tense=Past"))
    case = numpy.log(numpy.array([[0.2, 0.8], [0.9, 0.1]], dtype="float32"))
    tense = numpy.log(numpy.array([[0.3, 0.7], [0.6, 0.4]], dtype="float32"))
    keys, probs = decode_features(nlp.vocab.morphology, inventory, [case, tense], 2)
    assert [nlp.vocab.strings[k] for k in keys] == ["Case=Nom|Tense=Past", "_"]
    assert probs.tolist() == pytest.approx([0.8 * 0.7, 0.9 * 0.6])
    keys, probs = decode_features(nlp.vocab.morphology, (), [], 3)
    assert [nlp.vocab.strings[k] for k in keys] == ["_"] * 3 and probs.tolist() == [1.0] * 3


def test_features_mode_builds_one_head_per_feature(features):
    nlp, _ = features
    tagger = nlp.get_pipe("lstm_tagger")
    heads = tagger._heads()
    morph_heads = [h for h in heads if h.attr == "morph"]
    assert tuple(h.feature for h in morph_heads) == FEATURES
    assert dict((h.feature, h.labels) for h in morph_heads)["Number"] == ("_", "Plur", "Sing")
    sizes = [len(h.labels) for h in heads]
    assert tagger.model.attrs["head_sizes"] == sizes and sum(sizes) == tagger.model.get_dim("nO")
    assert sizes[-len(FEATURES):] == [2, 2, 3, 2, 3]
    # The stored labels are the bundles, as in bundle mode.
    assert "Case=Nom|Number=Sing" in tagger.label_data["morph"]


def test_features_mode_learns_tag_pos_and_morph(features):
    nlp, examples = features
    doc = nlp(Doc(nlp.vocab, words="The dog ate the apple".split()))
    assert [t.tag_ for t in doc] == ["DT", "NN", "VBD", "DT", "NN"]
    assert [t.pos_ for t in doc] == ["DET", "NOUN", "VERB", "DET", "NOUN"]
    assert [str(t.morph) for t in doc] == ["Definite=Def", "Number=Sing", "Tense=Past", "Definite=Def", "Number=Sing"]
    doc = nlp(Doc(nlp.vocab, words="She reads quickly".split()))
    assert [str(t.morph) for t in doc] == ["Case=Nom|Number=Sing", "Number=Sing|Person=3", ""]
    scores = nlp.evaluate(examples)
    assert scores["tag_acc"] == scores["pos_acc"] == scores["morph_acc"] == 1.0
    assert scores["morph_per_feat"]["Number"]["f"] == 1.0


def test_the_component_writes_a_bundle_never_seen_in_training(features):
    nlp, _ = features
    tagger = nlp.get_pipe("lstm_tagger")
    doc = Doc(nlp.vocab, words=["word"])
    log_probs = numpy.full((1, tagger.model.get_dim("nO")), -20.0, dtype="float32")
    wanted = {"Case": "Nom", "Tense": "Past"}  # never in one training bundle
    for head in tagger._heads():
        log_probs[0, head.columns.start + head.labels.index(wanted.get(head.feature, head.labels[0]))] = 0.0
    tagger.set_annotations([doc], [log_probs])
    assert str(doc[0].morph) == "Case=Nom|Tense=Past"
    assert "Case=Nom|Tense=Past" not in tagger.label_data["morph"]


def test_gold_bundles_are_checked_per_feature(features, tmp_path):
    nlp = own_copy(features[0], tmp_path / "nlp")  # updated below
    unseen = Example.from_dict(Doc(nlp.vocab, words=["dog"]), {"tags": ["NN"], "morphs": ["Case=Nom|Tense=Past"]})
    nlp.update([unseen], sgd=nlp.create_optimizer())  # unseen bundle, known features: learnable
    bad = Example.from_dict(Doc(nlp.vocab, words=["dog"]), {"tags": ["NN"], "morphs": ["Gender=Masc"]})
    with pytest.raises(ValueError, match=r"gold morph labels \['Gender=Masc'\]"):
        nlp.update([bad], sgd=nlp.create_optimizer())


def test_confidence_in_features_mode(features, tmp_path):
    nlp = own_copy(features[0], tmp_path / "nlp", {"components": {"lstm_tagger": {"confidence": "all"}}})
    tagger = nlp.get_pipe("lstm_tagger")
    assert tagger.cfg["confidence"] == "all" and features[0].get_pipe("lstm_tagger").cfg["confidence"] == "none"
    doc = nlp(Doc(nlp.vocab, words="She reads quickly".split()))
    log_probs = tagger.predict([doc])[0]
    morph_heads = [h for h in tagger._heads() if h.attr == "morph"]
    expected = numpy.exp(sum(log_probs[:, h.columns].max(axis=1) for h in morph_heads))
    assert [t._.morph_prob for t in doc] == pytest.approx(expected.tolist(), rel=1e-4)
    assert doc._.morph_probs is None and doc._.morph_prob_labels is None
    assert doc._.tag_probs.shape == (3, len(tagger.head_labels["tag"]))


def test_save_and_load_keep_the_mode_and_the_predictions(features, tmp_path):
    nlp, _ = features
    nlp.to_disk(tmp_path / "nlp")
    assert srsly.read_json(tmp_path / "nlp" / "lstm_tagger" / "cfg")["morph_mode"] == "features"
    for loaded in (
        spacy.load(tmp_path / "nlp"),
        # The stored mode decides (the weights depend on it), not a config override.
        spacy.load(tmp_path / "nlp", config={"components": {"lstm_tagger": {"morph_mode": "bundle"}}}),
    ):
        assert loaded.get_pipe("lstm_tagger").cfg["morph_mode"] == "features"
        words = "She eats the apple quickly".split()
        a, b = nlp(Doc(nlp.vocab, words=words)), loaded(Doc(loaded.vocab, words=words))
        assert [str(t.morph) for t in a] == [str(t.morph) for t in b]
        assert [t.tag_ for t in a] == [t.tag_ for t in b]
    blank = spacy.blank("en")
    blank.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL), "attr": ALL, "morph_mode": "features"})
    blank.get_pipe("lstm_tagger").from_bytes(nlp.get_pipe("lstm_tagger").to_bytes())
    doc = blank(Doc(blank.vocab, words="Dogs eat apples".split()))
    assert [str(t.morph) for t in doc] == ["Number=Plur", "Tense=Pres", "Number=Plur"]


@pytest.mark.parametrize("mode", ["feature", "FEATURES", ""])
def test_an_invalid_morph_mode_is_refused_naming_the_field(mode):
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match=r"morph_mode must be one of \['bundle', 'features', 'bundle_and_features'\]"):
        nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL), "attr": ALL, "morph_mode": mode})


def test_an_invalid_saved_morph_mode_is_refused(features, tmp_path):
    nlp, _ = features
    nlp.to_disk(tmp_path / "nlp")
    cfg_path = tmp_path / "nlp" / "lstm_tagger" / "cfg"
    srsly.write_json(cfg_path, {**srsly.read_json(cfg_path), "morph_mode": "per-feature"})
    with pytest.raises(ValueError, match=r"lstm_tagger/cfg: morph_mode must be one of"):
        spacy.load(tmp_path / "nlp")


def test_a_saved_cfg_without_morph_mode_loads_as_bundle(tmp_path):
    """Release 0.1.0 and pipelines saved before morph_mode: whole bundles,
    even where the loading config asks for features."""
    nlp, _ = train_joint(steps=30)
    nlp.to_disk(tmp_path / "nlp")
    cfg_path = tmp_path / "nlp" / "lstm_tagger" / "cfg"
    cfg = srsly.read_json(cfg_path)
    assert cfg.pop("morph_mode") == "bundle"
    srsly.write_json(cfg_path, cfg)
    loaded = spacy.load(tmp_path / "nlp", config={"components": {"lstm_tagger": {"morph_mode": "features"}}})
    tagger = loaded.get_pipe("lstm_tagger")
    assert tagger.cfg["morph_mode"] == "bundle"
    assert tagger.model.attrs["head_sizes"][-1] == len(tagger.head_labels["morph"])
    words = "The dog ate the apple".split()
    a, b = nlp(Doc(nlp.vocab, words=words)), loaded(Doc(loaded.vocab, words=words))
    assert [str(t.morph) for t in a] == [str(t.morph) for t in b]


def test_features_mode_needs_features_to_predict():
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL), "attr": "morph", "morph_mode": "features"})
    examples = [Example.from_dict(Doc(nlp.vocab, words=["a", "b"]), {"morphs": ["_", "_"]})]
    with pytest.raises(ValueError, match="morph_mode 'features', but the morph labels \\['_'\\] have no features"):
        nlp.initialize(lambda: examples)


def test_missing_morph_annotation_trains_no_feature_head():
    """Docs with tags but no FEATS give the feature heads no gradient (not 'absent')."""
    def examples_fn(nlp):
        extra = [Example.from_dict(Doc(nlp.vocab, words=["Cats", "sleep"]), {"tags": ["NNS", "VBP"]})]
        return ud_examples(nlp) + extra

    nlp, examples = train_joint(examples_fn=examples_fn, morph_mode="features", steps=100)
    assert nlp.evaluate(examples[:3])["morph_acc"] == 1.0
    tagger = nlp.get_pipe("lstm_tagger")
    docs = [eg.predicted for eg in examples[3:]]
    loss, d_scores = tagger.get_loss(examples[3:], tagger.predict(docs))
    morph_columns = [h.columns for h in tagger._heads() if h.attr == "morph"]
    assert all(not d_scores[0][:, columns].any() for columns in morph_columns)


def test_bundle_and_features_mode_builds_the_bundle_head_then_one_per_feature(bundle_and_features):
    nlp, _ = bundle_and_features
    tagger = nlp.get_pipe("lstm_tagger")
    morph_heads = [h for h in tagger._heads() if h.attr == "morph"]
    assert morph_heads[0].feature is None and morph_heads[0].labels == tagger.head_labels["morph"]
    assert tuple(h.feature for h in morph_heads[1:]) == FEATURES
    sizes = [len(h.labels) for h in tagger._heads()]
    assert tagger.model.attrs["head_sizes"] == sizes and sum(sizes) == tagger.model.get_dim("nO")


def test_bundle_and_features_mode_trains_both_and_decodes_by_the_bundle_head(bundle_and_features):
    nlp, examples = bundle_and_features
    tagger = nlp.get_pipe("lstm_tagger")
    assert nlp.evaluate(examples)["morph_acc"] == 1.0
    # The per-feature heads were trained too: joined, they give the gold bundles.
    docs = [eg.predicted for eg in examples]
    feature_heads = [h for h in tagger._heads() if h.feature is not None]
    inventory = tuple((h.feature, h.labels) for h in feature_heads)
    for eg, log_probs in zip(examples, tagger.predict(docs)):
        guesses = numpy.stack([log_probs[:, h.columns].argmax(axis=1) for h in feature_heads], axis=1)
        gold = [str(t.morph) or "_" for t in eg.reference]
        assert assemble_bundles(inventory, guesses) == gold
    # Only the bundle head decides what is written: the feature heads name a
    # bundle never seen in training, the bundle head a seen one.
    doc = Doc(nlp.vocab, words=["word"])
    log_probs = numpy.full((1, tagger.model.get_dim("nO")), -20.0, dtype="float32")
    wanted = {"Case": "Nom", "Tense": "Past"}
    for head in tagger._heads():
        label = wanted.get(head.feature, head.labels[0]) if head.feature else (
            "Number=Plur" if head.attr == "morph" else head.labels[0])
        log_probs[0, head.columns.start + head.labels.index(label)] = 0.0
    tagger.set_annotations([doc], [log_probs])
    assert str(doc[0].morph) == "Number=Plur"


def test_bundle_and_features_mode_saves_loads_and_refuses_an_edited_mode(bundle_and_features, tmp_path):
    nlp, _ = bundle_and_features
    nlp.to_disk(tmp_path / "nlp")
    cfg_path = tmp_path / "nlp" / "lstm_tagger" / "cfg"
    assert srsly.read_json(cfg_path)["morph_mode"] == "bundle_and_features"
    loaded = spacy.load(tmp_path / "nlp")
    words = "She eats the apple quickly".split()
    a, b = nlp(Doc(nlp.vocab, words=words)), loaded(Doc(loaded.vocab, words=words))
    assert [str(t.morph) for t in a] == [str(t.morph) for t in b] and [t.tag_ for t in a] == [t.tag_ for t in b]
    # The weights have the feature heads' columns: a cfg edited to "bundle" does not fit them.
    srsly.write_json(cfg_path, {**srsly.read_json(cfg_path), "morph_mode": "bundle"})
    with pytest.raises(ValueError, match=r"lstm_tagger/model: the weights' output columns were trained for the heads .*morph\.Case.*but the cfg's"):
        spacy.load(tmp_path / "nlp")


@pytest.mark.parametrize("mode, n_morph_heads", [("features", len(FEATURES)), ("bundle_and_features", 1 + len(FEATURES))])
def test_char_heads_morph_feeds_every_morph_head(mode, n_morph_heads):
    nlp = spacy.blank("en")
    model = {**TINY_MODEL, "char_rows": 100, "char_width": 8, "char_filters": 16, "char_heads": ["morph"]}
    tagger = nlp.add_pipe("lstm_tagger", config={"model": model, "attr": ALL, "morph_mode": mode})
    nlp.initialize(lambda: ud_examples(nlp))
    module = tagger.model.layers[0].shims[0]._model
    heads = tagger._heads()
    morph_heads = tuple(k for k, head in enumerate(heads) if head.attr == "morph")
    # Every feature's head (and the bundle head) reads the characters; tag and pos do not.
    assert len(morph_heads) == n_morph_heads and module.char_head_indices == morph_heads
    assert module.char_to_heads.out_features == sum(len(heads[k].labels) for k in morph_heads)


def test_feature_loss_weight_scales_only_the_feature_heads(bundle_and_features):
    """The weight multiplies each feature head's loss and gradient (after the
    "not X" conversion, so a "not this value" row is scaled, not changed)
    and leaves the bundle head and the other attributes' heads as they were."""
    nlp, examples = bundle_and_features
    tagger = nlp.get_pipe("lstm_tagger")
    negated = Example.from_dict(Doc(nlp.vocab, words=["She", "eats"]), {"morphs": ["!Number=Sing", "_"]})
    batch = [*examples[:3], negated]
    log_probs = tagger.predict([eg.predicted for eg in batch])
    losses, grads = {}, {}
    for weight in (1.0, 0.5, 0.25):
        tagger.cfg["feature_loss_weight"] = weight
        losses[weight], grads[weight] = tagger.get_loss(batch, log_probs)
    tagger.cfg["feature_loss_weight"] = 1.0
    feature_columns = [h.columns for h in tagger._heads() if h.feature is not None]
    other_columns = [h.columns for h in tagger._heads() if h.feature is None]
    for a, b in zip(grads[1.0], grads[0.25]):
        for columns in feature_columns:
            assert numpy.allclose(b[:, columns], 0.25 * a[:, columns], rtol=1e-6, atol=0)
        for columns in other_columns:
            assert numpy.array_equal(b[:, columns], a[:, columns])
    # The "not Sing" row of the Number head has a gradient to scale.
    number = next(h.columns for h in tagger._heads() if h.feature == "Number")
    assert grads[1.0][-1][0, number].any()
    # The loss is the others' plus the weight times the feature heads' share (not 0).
    share = 2 * (losses[1.0] - losses[0.5])
    assert share > 0 and losses[0.25] == pytest.approx(losses[1.0] - 0.75 * share, rel=1e-5)


def test_feature_loss_weight_is_saved_and_a_cfg_without_it_loads_as_1(tmp_path):
    nlp, _ = train_joint(morph_mode="bundle_and_features", feature_loss_weight=0.3, steps=5)
    nlp.to_disk(tmp_path / "nlp")
    cfg_path = tmp_path / "nlp" / "lstm_tagger" / "cfg"
    cfg = srsly.read_json(cfg_path)
    # srsly's JSON reads 0.3 back as 0.30000000000000004.
    assert cfg["feature_loss_weight"] == pytest.approx(0.3)
    assert spacy.load(tmp_path / "nlp").get_pipe("lstm_tagger").cfg["feature_loss_weight"] == pytest.approx(0.3)
    del cfg["feature_loss_weight"]
    srsly.write_json(cfg_path, cfg)
    loaded = spacy.load(tmp_path / "nlp", config={"components": {"lstm_tagger": {"feature_loss_weight": 0.3}}})
    assert loaded.get_pipe("lstm_tagger").cfg["feature_loss_weight"] == 1.0


@pytest.mark.parametrize(
    "mode, weight, message",
    [
        ("bundle_and_features", 0, "feature_loss_weight must be a number above 0, got 0"),
        ("bundle_and_features", -1.0, "feature_loss_weight must be a number above 0"),
        ("bundle", 0.3, "feature_loss_weight must be 1 unless morph_mode is 'bundle_and_features'.*got 0.3"),
        ("features", 0.3, "feature_loss_weight must be 1 unless morph_mode is 'bundle_and_features'"),
    ],
)
def test_an_invalid_feature_loss_weight_is_refused_naming_the_field(mode, weight, message):
    nlp = spacy.blank("en")
    config = {"model": dict(TINY_MODEL), "attr": ALL, "morph_mode": mode, "feature_loss_weight": weight}
    with pytest.raises(ValueError, match=f"lstm_tagger 'lstm_tagger': {message}"):
        nlp.add_pipe("lstm_tagger", config=config)
