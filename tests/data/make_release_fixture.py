"""Makes tests/data/pipeline_RELEASE/: a small pipeline saved by that release
of this package, and the annotations it gave then, so that
tests/test_compat.py can check that later releases load it and tag the same.

    python tests/data/make_release_fixture.py 0.1.0 733a539   # with 0.1.0 installed
    python tests/data/make_release_fixture.py 0.3.0 cb3567e   # with 0.3.0 importable
    python tests/data/make_release_fixture.py 0.6.0 f822aa2   # with 0.6.0 importable

0.1.0: two components, tag and pos. 0.3.0: one component with three heads
(tag, pos, morph bundles) and one in morph_mode "features". 0.6.0: four
heads (tag, pos, morph, lemma, with its lexicon) and confidence "all", and
one in morph_mode "features". Run once per
release, with that release first on sys.path; the output is committed. Not
run by the tests.
"""
import json
import sys
from pathlib import Path

import spacy
from spacy.tokens import Doc
from spacy.training import Example

HERE = Path(__file__).resolve().parent
MODEL = {
    "word_rows": 300, "subword_rows": 100, "shape_rows": 30, "word_width": 16, "subword_width": 4,
    "char_rows": 60, "char_width": 8, "char_filters": 8, "char_length": 8,
    "hidden_width": 16, "depth": 1, "dropout": 0.0, "word_dropout": 0.0,
}
DATA = [
    ("The dog ate the apple".split(), ["DT", "NN", "VBD", "DT", "NN"], ["DET", "NOUN", "VERB", "DET", "NOUN"]),
    ("Everybody read that book".split(), ["NN", "VBD", "DT", "NN"], ["PRON", "VERB", "DET", "NOUN"]),
    ("I like green eggs .".split(), ["PRP", "VBP", "JJ", "NNS", "."], ["PRON", "VERB", "ADJ", "NOUN", "PUNCT"]),
    ("She eats quickly".split(), ["PRP", "VBZ", "RB"], ["PRON", "VERB", "ADV"]),
]
TEXTS = ["The dog ate the apple", "Everybody read that book .", "She likes green apples", "Unseen wordz here"]
MORPHS = [
    ["Definite=Def|PronType=Art", "Number=Sing", "Mood=Ind|Tense=Past|VerbForm=Fin", "Definite=Def|PronType=Art", "Number=Sing"],
    ["Number=Sing|PronType=Tot", "Mood=Ind|Tense=Past|VerbForm=Fin", "Number=Sing|PronType=Dem", "Number=Sing"],
    ["Case=Nom|Number=Sing|Person=1|PronType=Prs", "Mood=Ind|Tense=Pres|VerbForm=Fin", "Degree=Pos", "Number=Plur", "_"],
    ["Case=Nom|Gender=Fem|Number=Sing|Person=3|PronType=Prs", "Mood=Ind|Number=Sing|Person=3|Tense=Pres|VerbForm=Fin", "_"],
]


def train(nlp, examples, steps=150):
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(steps):
        nlp.update(examples, sgd=optimizer)


def make_0_1_0():
    spacy.util.fix_random_seed(0)
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"model": MODEL, "confidence": "predicted"})
    nlp.add_pipe("lstm_tagger", name="upos_tagger", config={"model": MODEL, "attr": "pos"})
    examples = [
        Example.from_dict(Doc(nlp.vocab, words=words), {"tags": tags, "pos": pos}) for words, tags, pos in DATA
    ]
    train(nlp, examples)
    return nlp, lambda doc: {
        "tags": [t.tag_ for t in doc],
        "pos": [t.pos_ for t in doc],
        "tag_probs": [round(t._.tag_prob, 5) for t in doc],
    }


def make_0_3_0():
    spacy.util.fix_random_seed(0)
    nlp = spacy.blank("en")
    joint = ["tag", "pos", "morph"]
    nlp.add_pipe("lstm_tagger", config={"model": MODEL, "attr": joint, "confidence": "predicted"})
    nlp.add_pipe(
        "lstm_tagger", name="feature_tagger", config={"model": MODEL, "attr": ["morph"], "morph_mode": "features"}
    )
    examples = [
        Example.from_dict(Doc(nlp.vocab, words=words), {"tags": tags, "pos": pos, "morphs": morphs})
        for (words, tags, pos), morphs in zip(DATA, MORPHS)
    ]
    train(nlp, examples)
    # The second component writes morph only where the first left it unset:
    # record what each predicts on its own.
    return nlp, lambda doc: {
        "tags": [t.tag_ for t in doc],
        "pos": [t.pos_ for t in doc],
        "morphs": [str(t.morph) for t in doc],
        "tag_probs": [round(t._.tag_prob, 5) for t in doc],
        "pos_probs": [round(t._.pos_prob, 5) for t in doc],
        "morph_probs": [round(t._.morph_prob, 5) for t in doc],
        "feature_morphs": [str(t.morph) for t in nlp.get_pipe("feature_tagger")(Doc(nlp.vocab, words=[t.text for t in doc]))],
    }


LEMMAS = [
    ["the", "dog", "eat", "the", "apple"],
    ["everybody", "read", "that", "book"],
    ["I", "like", "green", "egg", "."],
    ["she", "eat", "quickly"],
]


def make_0_6_0():
    spacy.util.fix_random_seed(0)
    nlp = spacy.blank("en")
    joint = ["tag", "pos", "morph", "lemma"]
    nlp.add_pipe("lstm_tagger", config={"model": MODEL, "attr": joint, "confidence": "all"})
    nlp.add_pipe(
        "lstm_tagger", name="feature_tagger", config={"model": MODEL, "attr": ["morph"], "morph_mode": "features"}
    )
    examples = [
        Example.from_dict(
            Doc(nlp.vocab, words=words), {"tags": tags, "pos": pos, "morphs": morphs, "lemmas": lemmas}
        )
        for (words, tags, pos), morphs, lemmas in zip(DATA, MORPHS, LEMMAS)
    ]
    train(nlp, examples)
    return nlp, lambda doc: {
        "tags": [t.tag_ for t in doc],
        "pos": [t.pos_ for t in doc],
        "morphs": [str(t.morph) for t in doc],
        "lemmas": [t.lemma_ for t in doc],
        **{f"{a}_probs": [round(t._.get(f"{a}_prob"), 5) for t in doc] for a in joint},
        "feature_morphs": [str(t.morph) for t in nlp.get_pipe("feature_tagger")(Doc(nlp.vocab, words=[t.text for t in doc]))],
    }


def main() -> None:
    import spacy_lstm_tagger

    release, commit = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ""
    if spacy_lstm_tagger.__version__ != release:
        sys.exit(f"{spacy_lstm_tagger.__file__} is release {spacy_lstm_tagger.__version__}, not {release}")
    nlp, annotations = {"0.1.0": make_0_1_0, "0.3.0": make_0_3_0, "0.6.0": make_0_6_0}[release]()
    out = HERE / f"pipeline_{release}"
    nlp.to_disk(out)
    expected = [{"text": doc.text, **annotations(doc)} for doc in nlp.pipe(TEXTS)]
    meta = {"release": release, "commit": commit, "docs": expected}
    (HERE / f"pipeline_{release}.expected.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf8")


if __name__ == "__main__":
    main()
