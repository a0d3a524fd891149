"""One LSTM, one head per attribute: XPOS (tag), UPOS (pos) and FEATS (morph)."""
import numpy
import pytest
import spacy
from spacy.tokens import Doc
from spacy.training import Example

from conftest import TINY_MODEL

ALL = ["tag", "pos", "morph"]
# (words, XPOS, UPOS, FEATS)
UD = [
    ("The dog ate the apple".split(), ["DT", "NN", "VBD", "DT", "NN"], ["DET", "NOUN", "VERB", "DET", "NOUN"],
     ["Definite=Def", "Number=Sing", "Tense=Past", "Definite=Def", "Number=Sing"]),
    ("Dogs eat apples".split(), ["NNS", "VBP", "NNS"], ["NOUN", "VERB", "NOUN"],
     ["Number=Plur", "Tense=Pres", "Number=Plur"]),
    ("She reads quickly".split(), ["PRP", "VBZ", "RB"], ["PRON", "VERB", "ADV"],
     ["Case=Nom|Number=Sing", "Number=Sing|Person=3", "_"]),
]


def ud_examples(nlp, data=UD, drop=()):
    examples = []
    for words, tags, pos, morphs in data:
        annotation = {"tags": tags, "pos": pos, "morphs": morphs}
        for key in drop:
            annotation.pop(key)
        examples.append(Example.from_dict(Doc(nlp.vocab, words=words), annotation))
    return examples


def train_joint(attr=ALL, examples_fn=ud_examples, steps=80, **cfg):
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL), "attr": attr, **cfg})
    examples = examples_fn(nlp)
    spacy.util.fix_random_seed(0)
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(steps):
        nlp.update(examples, sgd=optimizer)
    return nlp, examples


@pytest.fixture(scope="module")
def joint():
    return train_joint()


def test_one_component_learns_tag_pos_and_morph(joint):
    nlp, examples = joint
    tagger = nlp.get_pipe("lstm_tagger")
    assert tagger.predicted_attrs == ("tag", "pos", "morph")
    doc = nlp(Doc(nlp.vocab, words="The dog ate the apple".split()))
    assert [t.tag_ for t in doc] == ["DT", "NN", "VBD", "DT", "NN"]
    assert [t.pos_ for t in doc] == ["DET", "NOUN", "VERB", "DET", "NOUN"]
    assert [str(t.morph) for t in doc] == ["Definite=Def", "Number=Sing", "Tense=Past", "Definite=Def", "Number=Sing"]
    doc = nlp(Doc(nlp.vocab, words="She reads quickly".split()))
    assert str(doc[0].morph) == "Case=Nom|Number=Sing" and doc[0].morph.get("Case") == ["Nom"]
    assert str(doc[2].morph) == ""  # "_": no features


def test_scores_use_spacys_names(joint):
    nlp, examples = joint
    scores = nlp.evaluate(examples)
    assert scores["tag_acc"] == scores["pos_acc"] == scores["morph_acc"] == 1.0
    assert scores["morph_per_feat"]["Number"]["f"] == 1.0


def test_confidence_for_every_head(joint):
    nlp, _ = joint
    tagger = nlp.get_pipe("lstm_tagger")
    tagger.cfg["confidence"] = "all"
    try:
        doc = nlp("The dog ate")
    finally:
        tagger.cfg["confidence"] = "none"
    for attr in ALL:
        probs = doc._.get(f"{attr}_probs")
        labels = doc._.get(f"{attr}_prob_labels")
        assert probs.shape == (3, len(tagger.head_labels[attr])) and numpy.allclose(probs.sum(axis=1), 1.0)
        assert [t._.get(f"{attr}_prob") for t in doc] == pytest.approx(probs.max(axis=1).tolist())
        assert labels == list(tagger.head_labels[attr])
    assert [doc._.pos_prob_labels[i] for i in doc._.pos_probs.argmax(axis=1)] == [t.pos_ for t in doc]


def test_save_and_load_keep_every_head(joint, tmp_path):
    nlp, _ = joint
    nlp.to_disk(tmp_path / "nlp")
    loaded = spacy.load(tmp_path / "nlp")
    words = "Dogs eat the apple".split()
    a, b = nlp(Doc(nlp.vocab, words=words)), loaded(Doc(loaded.vocab, words=words))
    for attr in ("tag_", "pos_"):
        assert [getattr(t, attr) for t in a] == [getattr(t, attr) for t in b]
    assert [str(t.morph) for t in a] == [str(t.morph) for t in b]


def test_corpus_with_only_some_annotation_builds_those_heads_and_says_so():
    with pytest.warns(UserWarning, match="built heads for tag, pos; no morph annotation in the training data"):
        nlp, examples = train_joint(examples_fn=lambda nlp: ud_examples(nlp, drop=("morphs",)), steps=40)
    tagger = nlp.get_pipe("lstm_tagger")
    assert tagger.predicted_attrs == ("tag", "pos")
    scores = nlp.evaluate(examples)
    assert "morph_acc" not in scores and scores["pos_acc"] == 1.0


def test_missing_annotation_is_per_head():
    """Tokens with tags but no features train the tag head only: morph is
    learned from the docs that have it, tags from all."""
    def examples_fn(nlp):
        full = ud_examples(nlp)
        extra = [Example.from_dict(Doc(nlp.vocab, words=["Cats", "sleep"]), {"tags": ["NNS", "VBP"]})]
        return full + extra

    nlp, examples = train_joint(examples_fn=examples_fn)
    doc = nlp(Doc(nlp.vocab, words=["Cats", "sleep"]))
    assert [t.tag_ for t in doc] == ["NNS", "VBP"]
    assert nlp.evaluate(examples[:3])["morph_acc"] == 1.0


def test_overwrite_is_per_attribute(joint):
    nlp, _ = joint
    doc = Doc(nlp.vocab, words="The dog ate".split(), pos=["PROPN", "PROPN", "PROPN"])
    doc = nlp(doc)
    assert [t.pos_ for t in doc] == ["PROPN"] * 3  # set before: kept
    assert [t.tag_ for t in doc] == ["DT", "NN", "VBD"]  # unset: predicted


def test_negative_labels_and_label_smoothing_per_head():
    # spaCy stores "!X" only for string attributes (tags); UPOS is a closed set.
    def examples_fn(nlp):
        negative = Example.from_dict(Doc(nlp.vocab, words=["dog"]), {"tags": ["!VBD"], "pos": ["NOUN"]})
        return ud_examples(nlp) + [negative]

    nlp, examples = train_joint(examples_fn=examples_fn, label_smoothing=0.1)
    tagger = nlp.get_pipe("lstm_tagger")
    assert "!VBD" not in tagger.head_labels["tag"]
    scores = nlp.evaluate(examples[:3])
    assert scores["pos_acc"] == scores["tag_acc"] == scores["morph_acc"] == 1.0


def test_labels_from_a_labels_file_per_attribute(joint):
    nlp, examples = joint
    label_data = nlp.get_pipe("lstm_tagger").label_data
    assert set(label_data) == set(ALL) and "Number=Plur" in label_data["morph"]
    fresh = spacy.blank("en")
    tagger = fresh.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL), "attr": ALL})
    tagger.initialize(lambda: ud_examples(fresh), nlp=fresh, labels=label_data)
    assert tagger.head_labels == nlp.get_pipe("lstm_tagger").head_labels


def test_unseen_gold_label_names_the_head(joint):
    nlp, _ = joint
    bad = Example.from_dict(Doc(nlp.vocab, words=["dog"]), {"tags": ["NN"], "morphs": ["Gender=Masc"]})
    with pytest.raises(ValueError, match=r"gold morph labels \['Gender=Masc'\] in the doc starting 'dog'"):
        nlp.update([bad], sgd=nlp.create_optimizer())


@pytest.mark.parametrize(
    "label",
    ["Case=", "=Nom", "Case=Nom|Case=Acc", "Case", "Case=,Nom", "Case=Nom,,Acc", "Case = Nom", "Case=Nom|Number="],
)
def test_malformed_feats_are_refused_clearly(label):
    nlp = spacy.blank("en")
    tagger = nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL), "attr": ALL})
    with pytest.raises(ValueError, match="is not a UD FEATS bundle"):
        tagger.add_label(label, attr="morph")
    assert tagger.add_label("Case=Acc,Nom|Number=Sing", attr="morph") == 1


@pytest.mark.parametrize("feats,stored", [("Case=Nom,", "Case=,Nom"), ("Case=Nom,,Acc", "Case=,Acc,Nom")])
def test_malformed_feats_in_the_corpus_are_refused_at_initialize(feats, stored):
    """spaCy reads the FEATS value 'Case=Nom,' as 'Case=,Nom'; initialize
    refuses it, naming the value, instead of learning it as a label."""
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL), "attr": ALL})
    examples = ud_examples(nlp) + [
        Example.from_dict(Doc(nlp.vocab, words=["Dogs"]), {"tags": ["NNS"], "pos": ["NOUN"], "morphs": [feats]})
    ]
    with pytest.raises(ValueError, match=f"the morph label '{stored}' is not a UD FEATS bundle"):
        nlp.initialize(lambda: examples)


def test_saved_cfg_of_several_heads_is_checked(joint, tmp_path):
    import srsly

    nlp, _ = joint
    nlp.to_disk(tmp_path / "nlp")
    cfg_path = tmp_path / "nlp" / "lstm_tagger" / "cfg"
    cfg = srsly.read_json(cfg_path)
    assert cfg["attr"] == ALL and set(cfg["labels"]) == set(ALL)
    cfg["labels"]["pos"] = ["DET", "NN"]
    srsly.write_json(cfg_path, cfg)
    with pytest.raises(ValueError, match="predicts pos, but the label 'NN' is not a universal POS tag"):
        spacy.load(tmp_path / "nlp")


def test_gold_read_from_arrays_matches_example_get_aligned(joint):
    """The loss and initialize read one-to-one aligned gold from the
    reference's arrays; it must give what Example.get_aligned gives: missing values as None, "_" for
    annotated-empty FEATS, negative tags, and a misaligned example (different
    tokenization) still going through get_aligned."""
    from spacy_lstm_tagger.gold import gold_values

    nlp, _ = joint
    vocab = nlp.vocab
    aligned = ud_examples(nlp)
    partly = Example.from_dict(
        Doc(vocab, words=["Cats", "sleep", "here"]),
        {"tags": ["NNS", "!VBD", ""], "pos": ["NOUN", "", "ADV"], "morphs": ["Number=Plur", "", "_"]},
    )
    misaligned = Example(
        Doc(vocab, words=["Dogs", "eatapples"]),
        Doc(vocab, words=["Dogs", "eat", "apples"], tags=["NNS", "VBP", "NNS"], pos=["NOUN", "VERB", "NOUN"]),
    )
    for example in aligned + [partly, misaligned]:
        expected = [[v or None for v in example.get_aligned(attr.upper(), as_string=True)] for attr in ALL]
        assert gold_values(example, ALL) == expected
        assert [gold_values(example, [attr])[0] for attr in ALL] == expected
    assert gold_values(partly, ALL) == [
        # Example.from_dict stores "" in morphs as an empty analysis, "_".
        ["NNS", "!VBD", None], ["NOUN", None, "ADV"], ["Number=Plur", "_", "_"]
    ]
    assert gold_values(misaligned, ["tag"]) == [["NNS", None]]


def edit_saved_cfg(nlp, path, edit):
    import srsly

    nlp.to_disk(path)
    cfg_path = path / "lstm_tagger" / "cfg"
    cfg = srsly.read_json(cfg_path)
    edit(cfg)
    srsly.write_json(cfg_path, cfg)
    return path / "lstm_tagger" / "model"


def move_label(cfg):
    # tag keeps as many columns in all as before: one label from tag to pos.
    cfg["labels"]["pos"].append(cfg["labels"]["tag"].pop())
    cfg["labels"]["pos"][-1] = "X"


def swap_labels(cfg):
    tags = cfg["labels"]["tag"]
    tags[0], tags[1] = tags[1], tags[0]


@pytest.mark.parametrize(
    "edit",
    [
        lambda cfg: cfg.update(attr=["pos", "tag", "morph"]),  # attributes reordered
        move_label,
        swap_labels,  # same heads, columns relabelled
        lambda cfg: cfg.update(morph_mode="features"),
    ],
    ids=["attr-reordered", "label-moved", "labels-swapped", "morph-mode"],
)
def test_a_cfg_that_does_not_match_the_weights_head_layout_is_refused(joint, tmp_path, edit):
    """The issue: the weights' columns are only labelled by the cfg, so a cfg
    whose labels moved between heads with the same total, or whose attr list
    was reordered, loaded silently and wrote wrong tags."""
    nlp, _ = joint
    weights = edit_saved_cfg(nlp, tmp_path / "nlp", edit)
    with pytest.raises(ValueError, match=rf"{weights}.*output columns were trained for the heads tag \(8 labels"):
        spacy.load(tmp_path / "nlp")


def test_the_head_layout_round_trips_and_an_unedited_pipeline_loads(joint, tmp_path):
    nlp, _ = joint
    layout = nlp.get_pipe("lstm_tagger").model.attrs["head_layout"]
    assert [head[:3] for head in layout] == [["tag", "", 8], ["pos", "", 5], ["morph", "", 8]]
    nlp.to_disk(tmp_path / "nlp")
    loaded = spacy.load(tmp_path / "nlp")
    assert loaded.get_pipe("lstm_tagger").model.attrs["head_layout"] == layout
    doc = loaded(Doc(loaded.vocab, words="The dog ate the apple".split()))
    assert [t.tag_ for t in doc] == ["DT", "NN", "VBD", "DT", "NN"]
    copy = spacy.blank("en")
    copy.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL), "attr": ALL}).from_bytes(
        nlp.get_pipe("lstm_tagger").to_bytes()
    )
    assert copy.get_pipe("lstm_tagger").model.attrs["head_layout"] == layout
