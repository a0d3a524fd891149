"""UFeats and LEMMA as the CoNLL 2018 shared task's evaluation script
computes them (the UD literature's figures), beside spaCy's morph_acc and
lemma_acc, on hand-made cases."""
import pytest
import spacy
from spacy.tokens import Doc
from spacy.training import Example

from spacy_lstm_tagger.morph import universal_features
from spacy_lstm_tagger.scorer import score_lstm_tagger


@pytest.mark.parametrize(
    "bundle, expected",
    [
        ("Case=Nom|Number=Sing", "Case=Nom|Number=Sing"),
        ("Number=Sing|Case=Nom", "Case=Nom|Number=Sing"),  # order ignored
        ("Number=Sing|Number[psor]=Plur|Person[psor]=3", "Number=Sing"),  # layered features dropped
        ("NounType=Prop|Case=Gen", "Case=Gen"),  # a language-specific feature dropped
        ("PronType=Int,Rel", "PronType=Int,Rel"),  # a value list kept whole
        ("Number[psor]=Sing", "_"),  # nothing universal left
        ("_", "_"),
        ("", "_"),
    ],
)
def test_universal_features_keep_what_the_conll_2018_script_keeps(bundle, expected):
    assert universal_features(bundle) == expected


def example(words, gold_morphs, pred_morphs, gold_lemmas=None, pred_lemmas=None):
    vocab = spacy.blank("en").vocab
    gold = Doc(vocab, words=words, morphs=gold_morphs, lemmas=gold_lemmas)
    pred = Doc(vocab, words=words, morphs=pred_morphs, lemmas=pred_lemmas)
    return Example(pred, gold)


def test_ufeats_acc_beside_morph_acc():
    eg = example(
        ["a", "b", "c", "d", "e"],
        ["Case=Nom|Number[psor]=Sing", "NounType=Prop|Number=Plur", "Number=Sing", "_", "Case=Gen"],
        # a: a layered feature wrong; b: a language-specific one missing; c: wrong; d, e: right
        ["Case=Nom|Number[psor]=Plur", "Number=Plur", "Number=Plur", "_", "Case=Gen"],
    )
    scores = score_lstm_tagger([eg], attrs=["morph"])
    assert scores["morph_acc"] == pytest.approx(2 / 5)
    assert scores["ufeats_acc"] == pytest.approx(4 / 5)


def test_ufeats_skip_tokens_without_morph_annotation():
    vocab = spacy.blank("en").vocab
    gold = Doc(vocab, words=["a", "b"])
    gold[0].set_morph("Case=Nom")  # b has no annotation: not scored
    pred = Doc(vocab, words=["a", "b"], morphs=["Case=Acc", "Case=Nom"])
    scores = score_lstm_tagger([Example(pred, gold)], attrs=["morph"])
    assert scores["ufeats_acc"] == 0.0 and scores["morph_acc"] == 0.0


def test_conll18_lemma_acc_counts_a_gold_underscore_as_right():
    eg = example(
        ["dogs", "ran", "x", "_"],
        ["_"] * 4,
        ["_"] * 4,
        gold_lemmas=["dog", "run", "_", "_"],
        pred_lemmas=["dog", "ran", "y", "z"],
    )
    scores = score_lstm_tagger([eg], attrs=["lemma"])
    # spaCy-style (this project's lemma_acc): "x" with gold "_" not scored,
    # the form "_" with lemma "_" scored (and wrong here).
    assert scores["lemma_acc"] == pytest.approx(1 / 3)
    # CoNLL 2018: both gold "_" right whatever was predicted.
    assert scores["conll18_lemma_acc"] == pytest.approx(3 / 4)
