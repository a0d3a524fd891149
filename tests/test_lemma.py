"""The lemma head: rules as classes (lemma.py), decoding with backoff, the
component's lemma annotations, gold handling and scores."""
import json
import warnings
from collections import Counter
from pathlib import Path

import numpy
import pytest
import spacy
from spacy.tokens import Doc
from spacy.training import Example

from spacy_lstm_tagger.decoding import LemmaLexicon
from spacy_lstm_tagger.gold import lemma_lexicon
from spacy_lstm_tagger.heads import Head
from spacy_lstm_tagger.lemma import MIN_RULE_FREQ, apply_rule, best_lemmas, frequent_rules, lemma_rule, parse_rule
from spacy_lstm_tagger.scorer import score_lstm_tagger

from conftest import CORPUS, TINY_MODEL
from test_joint import train_joint

# The first 200 sentences of UD Uyghur-UDT train, shipped with the tests
# (tests/data/UD_Uyghur-UDT/README.md: source, license, attribution).
UYGHUR_SLICE = Path(__file__).resolve().parent / "data" / "UD_Uyghur-UDT" / "ug_udt-ud-train-200.conllu"


def conllu_pairs(path):
    """(form, lemma) of every syntactic word of a CoNLL-U file with a lemma."""
    for line in path.read_text(encoding="utf8").split("\n"):
        cols = line.split("\t")
        if len(cols) == 10 and cols[0].isdigit() and not (cols[2] == "_" and cols[1] != "_"):
            yield cols[1], cols[2]


@pytest.mark.parametrize(
    "train_file,min_pairs,pairs_per_rule,examples",
    # EWT: the whole train file (204k words); Uyghur: the shipped slice (2,366
    # words, 716 distinct pairs, 53 rules). The examples are pairs of the file
    # with their rules written out by hand.
    [
        (CORPUS / "en_ewt-ud-train.conllu", 3000, 20,
         {("dogs", "dog"): '["K",0,"",1,""]', ("was", "be"): '["K","be"]'}),
        # yilda -> yil (the locative -da, 2 letters), dëgenni -> dë (5 letters).
        (UYGHUR_SLICE, 700, 10,
         {("يىلدا", "يىل"): '["K",0,"",2,""]', ("دېگەننى", "دې"): '["K",0,"",5,""]'}),
    ],
    ids=["EWT", "Uyghur"],
)
def test_every_training_pair_has_a_rule_that_round_trips_through_its_label(
    train_file, min_pairs, pairs_per_rule, examples
):
    pairs = set(conllu_pairs(train_file))
    assert len(pairs) > min_pairs
    for (form, lemma), rule in examples.items():
        assert (form, lemma) in pairs and lemma_rule(form, lemma) == rule, (form, lemma)
    counts = Counter()
    for form, lemma in pairs:
        rule = lemma_rule(form, lemma)
        assert rule is not None, (form, lemma)
        # The label is all there is at tagging time: re-read from its JSON.
        label = json.dumps(json.loads(rule), ensure_ascii=False, separators=(",", ":"))
        assert label == rule and apply_rule(label, form) == lemma, (form, lemma, rule)
        counts[rule] += 1
    # The rules generalize: far fewer of them than distinct pairs.
    assert len(counts) < len(pairs) / pairs_per_rule


def test_rules_keep_the_form_case_or_set_the_lemma_case():
    # The form's own case where it is the lemma's: one class for all of these.
    identity = lemma_rule("dog", "dog")
    assert identity == '["K",0,"",0,""]'
    assert lemma_rule("I", "I") == lemma_rule("HANO", "HANO") == lemma_rule("NiMo", "NiMo") == identity
    assert lemma_rule("Ankara'da", "Ankara") == '["K",0,"",3,""]'
    assert apply_rule(lemma_rule("Ankara'da", "Ankara"), "Kashgar'da") == "Kashgar"
    # Else the lowercased edit and the lemma's casing: "The" -> "the" and "A" -> "a" share one.
    assert lemma_rule("The", "the") == lemma_rule("A", "a") == '["L0",0,"",0,""]'
    assert lemma_rule("Dogs", "dog") == '["L0",0,"",1,""]' and apply_rule('["L0",0,"",1,""]', "CATS") == "cat"
    assert lemma_rule("kerala", "Kerala") == '["U0 L1",0,"",0,""]'
    assert lemma_rule("dogs", "dog") == lemma_rule("cats", "cat") == '["K",0,"",1,""]'
    assert apply_rule(lemma_rule("studies", "study"), "flies") == "fly"
    # Nothing in common: a whole-word rule, whatever the form and its case.
    assert lemma_rule("was", "be") == lemma_rule("Was", "be") == '["K","be"]'
    assert apply_rule('["K","be"]', "were") == "be"
    assert apply_rule(lemma_rule("McDonald's", "McDonald"), "McDougal's") == "McDougal"


def test_missing_and_unencodable_lemmas_have_no_rule():
    assert lemma_rule("dog", "_") is None  # UD: no lemma given
    assert lemma_rule("_", "_") == '["K",0,"",0,""]'  # the form "_" is its own lemma
    assert lemma_rule("dog", "") is None
    # "İ".lower() is two characters: the rule would not give the lemma back.
    assert lemma_rule("İZMİR", "İzmir") is None


def test_a_rule_applies_only_where_something_is_left_of_the_form():
    rule = lemma_rule("walking", "walk")  # strip 3 at the end
    assert apply_rule(rule, "talking") == "talk"
    assert apply_rule(rule, "ing") is None and apply_rule(rule, "go") is None


@pytest.mark.parametrize(
    "label",
    ['["L0",0,"",1]', '["X0",0,"",1,""]', '["L0",true,"",1,""]', '["L0",-1,"",1,""]', "L0", '["K",""]', "[1,2]",
     '["K0",0,"",1,""]'],
)
def test_a_label_that_is_not_a_rule_is_refused(label):
    with pytest.raises(ValueError, match="not a lemma rule"):
        parse_rule(label)
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match="lemma label"):
        nlp.add_pipe("lstm_tagger", config={"attr": ["tag", "lemma"], "model": dict(TINY_MODEL)}).add_label(
            label, attr="lemma"
        )


def test_frequent_rules_keep_those_seen_min_freq_times():
    counts = {"a": MIN_RULE_FREQ, "b": MIN_RULE_FREQ - 1, "c": 10}
    assert frequent_rules(counts) == ["a", "c"]


def test_decoding_takes_the_best_rule_that_applies_else_the_form():
    rules = [lemma_rule("walking", "walk"), lemma_rule("dogs", "dog"), lemma_rule("The", "the")]
    log_probs = numpy.log(numpy.asarray([[0.7, 0.2, 0.1], [0.6, 0.3, 0.1], [0.1, 0.2, 0.7]], dtype="float32"))
    lemmas, chosen = best_lemmas(["Talking", "cats", "A"], log_probs, rules)
    # "cats": stripping 3 would leave "c"... which is something: the best applies.
    assert lemmas == ["Talk", "c", "a"] and chosen == [0, 0, 2]
    lemmas, chosen = best_lemmas(["ox", "a"], log_probs[:2], rules)
    # "ox": strip 3 cannot apply, strip 1 leaves "o": the next best. "a": only the identity.
    assert lemmas == ["o", "a"] and chosen == [1, 2]
    lemmas, chosen = best_lemmas(["a"], log_probs[:1, :2], rules[:2])
    assert lemmas == ["a"] and chosen == [None]  # no rule applies: the form


def test_decoding_prefers_a_lemma_seen_in_training_within_the_margin():
    rules = [lemma_rule("walking", "walk"), lemma_rule("making", "make"), lemma_rule("dog", "dog")]
    seen = frozenset({"resolve", "walk"})
    close = numpy.log(numpy.asarray([[0.6, 0.3, 0.1]], dtype="float32"))  # ln 2 apart
    far = numpy.log(numpy.asarray([[0.989, 0.001, 0.01]], dtype="float32"))  # ln 989 apart
    # The best rule makes "resolv", unseen; the next one "resolve", seen.
    assert best_lemmas(["resolving"], close, rules, seen_lemmas=seen, seen_margin=4.0) == (["resolve"], [1])
    assert best_lemmas(["resolving"], close, rules, seen_lemmas=seen, seen_margin=0.0) == (["resolv"], [0])
    assert best_lemmas(["resolving"], far, rules, seen_lemmas=seen, seen_margin=4.0) == (["resolv"], [0])
    # A seen best lemma stays; case does not matter ("Walk" is "walk").
    assert best_lemmas(["Walking"], close, rules, seen_lemmas=seen, seen_margin=4.0) == (["Walk"], [0])
    # No rule within the margin makes a seen lemma: the best one's.
    assert best_lemmas(["running"], close, rules, seen_lemmas=seen, seen_margin=4.0) == (["runn"], [0])
    # The lexicon's lemma comes first.
    assert best_lemmas(["resolving"], close, rules, ["resolving"], seen_lemmas=seen, seen_margin=4.0)[0] == [
        "resolving"
    ]
    # Without indices wanted (no confidence), the lexicon lemma is taken as it is.
    assert best_lemmas(["resolving", "walking"], numpy.vstack([close, close]), rules, ["resolving", None],
                       with_index=False) == (["resolving", "walk"], [None, 0])


# (words, XPOS, lemmas)
DATA = [
    ("The dogs were running in Ankara".split(), ["DT", "NNS", "VBD", "VBG", "IN", "NNP"],
     ["the", "dog", "be", "run", "in", "Ankara"]),
    ("I saw the cats walking".split(), ["PRP", "VBD", "DT", "NNS", "VBG"], ["I", "see", "the", "cat", "walk"]),
    ("A dog was eating apples".split(), ["DT", "NN", "VBD", "VBG", "NNS"], ["a", "dog", "be", "eat", "apple"]),
    ("The birds were singing".split(), ["DT", "NNS", "VBD", "VBG"], ["the", "bird", "be", "sing"]),
]
# Each rule of DATA three times (MIN_RULE_FREQ), and one seen once: "fed" -> "feed".
TRAIN = DATA * MIN_RULE_FREQ + [("She fed birds".split(), ["PRP", "VBD", "NNS"], ["she", "feed", "bird"])]


def lemma_examples(nlp, data=DATA, drop_lemmas=False):
    examples = []
    for words, tags, lemmas in data:
        annotation = {"tags": tags} if drop_lemmas else {"tags": tags, "lemmas": lemmas}
        examples.append(Example.from_dict(Doc(nlp.vocab, words=words), annotation))
    return examples


def train(attr=("tag", "lemma"), steps=60, data=TRAIN, **cfg):
    return train_joint(list(attr), lambda nlp: lemma_examples(nlp, data), steps=steps, **cfg)


@pytest.fixture(scope="module")
def lemmatizer():
    return train(confidence="all")


def test_the_component_learns_lemmas_beside_tags(lemmatizer):
    nlp, examples = lemmatizer
    tagger = nlp.get_pipe("lstm_tagger")
    assert tagger.predicted_attrs == ("tag", "lemma")
    # A rule seen fewer than MIN_RULE_FREQ times is no class: "fed" -> "feed".
    assert lemma_rule("fed", "feed") not in tagger.label_data["lemma"]
    assert lemma_rule("dogs", "dog") in tagger.label_data["lemma"]
    doc = nlp(Doc(nlp.vocab, words="The dogs were walking in Ankara".split()))
    assert [t.lemma_ for t in doc] == ["the", "dog", "be", "walk", "in", "Ankara"]
    assert all(0.0 < t._.lemma_prob <= 1.0 for t in doc)
    assert doc._.lemma_probs.shape == (6, len(tagger.label_data["lemma"]))
    assert doc._.lemma_prob_labels == tagger.label_data["lemma"]
    scores = nlp.evaluate(examples)
    assert scores["lemma_acc"] > 0.8 and scores["tag_acc"] > 0.9


def test_the_lemma_head_reads_the_characters_with_char_heads_and_keeps_it_through_save_and_load(tmp_path):
    model = {**TINY_MODEL, "char_rows": 100, "char_width": 8, "char_filters": 16, "char_heads": ["lemma"]}
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"model": model, "attr": ["tag", "lemma"], "confidence": "all"})
    examples = lemma_examples(nlp, TRAIN)
    spacy.util.fix_random_seed(0)
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(60):
        nlp.update(examples, sgd=optimizer)
    module = nlp.get_pipe("lstm_tagger").model.layers[0].shims[0]._model
    # The second head (lemma) reads the characters; the first (tag) does not.
    assert module.char_head_indices == (1,)
    assert module.char_to_heads.out_features == len(nlp.get_pipe("lstm_tagger").label_data["lemma"])
    assert module.char_to_heads.weight.abs().sum() > 0
    doc = nlp(Doc(nlp.vocab, words="The dogs were walking in Ankara".split()))
    assert [t.lemma_ for t in doc] == ["the", "dog", "be", "walk", "in", "Ankara"]
    nlp.to_disk(tmp_path / "nlp")
    loaded = spacy.load(tmp_path / "nlp")
    assert loaded.get_pipe("lstm_tagger").model.layers[0].shims[0]._model.char_head_indices == (1,)
    again = loaded(Doc(loaded.vocab, words=[t.text for t in doc]))
    assert [t.lemma_ for t in again] == [t.lemma_ for t in doc]
    numpy.testing.assert_allclose(again._.lemma_probs, doc._.lemma_probs, atol=1e-6)


def test_lemmas_respect_overwrite(lemmatizer, tmp_path):
    nlp, _ = lemmatizer
    doc = nlp(Doc(nlp.vocab, words=["The", "dogs"], lemmas=["THE", ""]))
    assert [t.lemma_ for t in doc] == ["THE", "dog"]  # overwrite = false: an earlier lemma stays
    nlp.to_disk(tmp_path / "nlp")
    nlp = spacy.load(tmp_path / "nlp", config={"components": {"lstm_tagger": {"overwrite": True}}})
    assert [t.lemma_ for t in nlp(Doc(nlp.vocab, words=["The", "dogs"], lemmas=["THE", ""]))] == ["the", "dog"]


def test_missing_and_rare_lemmas_train_nothing(lemmatizer):
    nlp, _ = lemmatizer
    tagger = nlp.get_pipe("lstm_tagger")
    words = ["The", "dogs", "fed"]
    example = Example.from_dict(Doc(nlp.vocab, words=words), {"tags": ["DT", "NNS", "VBD"], "lemmas": ["the", "_", "feed"]})
    log_probs = tagger.predict([example.predicted])
    _, d_scores = tagger.get_loss([example], log_probs)
    lemma_columns = tagger._heads()[-1].columns
    d_lemma = d_scores[0][:, lemma_columns]
    assert numpy.abs(d_lemma[0]).sum() > 0  # "the": a class
    assert numpy.abs(d_lemma[1]).sum() == 0  # "_": no lemma given
    assert numpy.abs(d_lemma[2]).sum() == 0  # "feed": a rule too rare to be a class


def test_a_corpus_without_lemmas_builds_no_lemma_head_and_warns():
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL), "attr": ["tag", "lemma"]})
    examples = lemma_examples(nlp, drop_lemmas=True)
    with pytest.warns(UserWarning, match="no lemma annotation"):
        nlp.initialize(lambda: examples)
    assert nlp.get_pipe("lstm_tagger").predicted_attrs == ("tag",)
    assert [t.lemma_ for t in nlp("The dogs")] == ["", ""]


def test_lemma_acc_does_not_score_missing_gold_lemmas():
    nlp = spacy.blank("en")
    gold = Doc(nlp.vocab, words=["dogs", "ran", "_"], lemmas=["dog", "_", "_"])
    pred = Doc(nlp.vocab, words=["dogs", "ran", "_"], lemmas=["dog", "run", "_"])
    assert score_lstm_tagger([Example(pred, gold)], attrs=["lemma"])["lemma_acc"] == 1.0
    pred = Doc(nlp.vocab, words=["dogs", "ran", "_"], lemmas=["dogs", "run", "x"])
    assert score_lstm_tagger([Example(pred, gold)], attrs=["lemma"])["lemma_acc"] == 0.0


def test_lemma_head_survives_save_and_load(lemmatizer, tmp_path):
    nlp, _ = lemmatizer
    nlp.to_disk(tmp_path / "nlp")
    loaded = spacy.load(tmp_path / "nlp")
    words = "The birds were eating in Ankara".split()
    a, b = nlp(Doc(nlp.vocab, words=words)), loaded(Doc(loaded.vocab, words=words))
    assert [t.lemma_ for t in a] == [t.lemma_ for t in b]
    assert numpy.allclose(a._.lemma_probs, b._.lemma_probs, atol=1e-6)


def test_tag_conllu_fills_lemma_only_with_a_lemma_head(lemmatizer, tmp_path):
    from spacy_lstm_tagger.cli.tag_conllu import tag_file

    nlp, _ = lemmatizer
    rows = [("1", "The"), ("2", "dogs"), ("3", "were"), ("4", "walking")]
    source = "# sent_id = 1\n" + "".join(f"{i}\t{w}\tGOLD\t_\t_\t_\t_\t_\t_\t_\n" for i, w in rows) + "\n"
    (tmp_path / "in.conllu").write_text(source, encoding="utf8")
    tag_file(None, tmp_path / "in.conllu", tmp_path / "out.conllu", nlp=nlp, progress=False)
    lines = [l.split("\t") for l in (tmp_path / "out.conllu").read_text(encoding="utf8").split("\n") if l[:1].isdigit()]
    assert [cols[2] for cols in lines] == ["the", "dog", "be", "walk"]
    assert [cols[4] for cols in lines] == ["DT", "NNS", "VBD", "VBG"]
    # Without a lemma head the input's LEMMA column passes through.
    tagger_only, _ = train(attr=("tag",), steps=5)
    tag_file(None, tmp_path / "in.conllu", tmp_path / "out2.conllu", nlp=tagger_only, progress=False)
    text = (tmp_path / "out2.conllu").read_text(encoding="utf8")
    assert [l.split("\t")[2] for l in text.split("\n") if l[:1].isdigit()] == ["GOLD"] * 4


def test_report_has_a_lemma_section_with_unseen_words(lemmatizer, tmp_path):
    from spacy.tokens import DocBin

    from spacy_lstm_tagger.cli.report import evaluate_report

    nlp, examples = lemmatizer
    DocBin(docs=[eg.reference for eg in examples]).to_disk(tmp_path / "train.spacy")
    test_docs = [
        Doc(nlp.vocab, words="The dogs were walking".split(), lemmas=["the", "dog", "be", "walk"]),
        Doc(nlp.vocab, words="The cows were eating".split(), lemmas=["the", "cow", "be", "eat"]),
        Doc(nlp.vocab, words="Cows".split(), lemmas=["_"]),  # no lemma given: not scored
    ]
    DocBin(docs=test_docs).to_disk(tmp_path / "test.spacy")
    report = evaluate_report(
        "p", tmp_path / "test.spacy", tmp_path / "out", "lemma", nlp=nlp, plot=False, progress=False,
        train_path=tmp_path / "train.spacy",
    )
    lemma = report["lemma"]
    predicted = [t.lemma_ for doc in test_docs for t in nlp(Doc(nlp.vocab, words=[w.text for w in doc]))][:8]
    gold = ["the", "dog", "be", "walk", "the", "cow", "be", "eat"]
    correct = sum(p == g for p, g in zip(predicted, gold))
    assert lemma["n_tokens"] == 8 and report["lemma"]["n_unannotated_tokens"] == 1
    assert lemma["lemma_acc"] == pytest.approx(correct / 8)
    assert sum(pair["count"] for pair in lemma["most_confused"]) == 8 - correct
    # "cows" is the one word the training corpus does not have.
    assert lemma["unseen_words"]["n_tokens"] == 1
    assert lemma["unseen_words"]["n_correct"] == int(predicted[5] == "cow")


def test_a_head_of_one_label_trains_with_label_smoothing():
    # One sentence type: only the identity rule is frequent enough to be a class.
    data = [("the dog".split(), ["DT", "NN"], ["the", "dog"])] * 3
    nlp, examples = train(steps=3, data=data, label_smoothing=0.1)
    # The one rule keeps the form: "The Cat" stays as it is.
    assert nlp.get_pipe("lstm_tagger").label_data["lemma"] == ['["K",0,"",0,""]']
    assert [t.lemma_ for t in nlp("The Cat")] == ["The", "Cat"]


def test_the_lexicon_gives_seen_words_their_training_lemma(lemmatizer):
    nlp, _ = lemmatizer
    tagger = nlp.get_pipe("lstm_tagger")
    lexicon = tagger.cfg["lemma_lexicon"]
    # Keyed by the tag head's XPOS here (no pos head); "fed" -> "feed" was seen once.
    assert lexicon["pos_attr"] == "tag" and ["fed", "VBD", "feed"] in lexicon["entries"]
    assert lemma_rule("fed", "feed") not in tagger.label_data["lemma"]  # no rule class makes it
    doc = nlp(Doc(nlp.vocab, words=["She", "fed", "birds"]))
    assert doc[1].tag_ == "VBD" and doc[1].lemma_ == "feed"
    assert doc[1]._.lemma_prob == 0.0  # no rule made the lemma
    assert doc[2].lemma_ == "bird" and doc[2]._.lemma_prob > 0.0


# The lemma head's classes after training on TRAIN (the rules of DATA; "fed"
# -> "feed" is seen once), sorted, and the lemmas the lexicon has, lowercased.
TRAIN_RULES = [
    '["K","be"]',  # was -> be
    '["K",0,"",0,""]',  # in -> in, Ankara -> Ankara
    '["K",0,"",1,""]',  # dogs -> dog
    '["K",0,"",2,"ee"]',  # saw -> see
    '["K",0,"",3,""]',  # walking -> walk
    '["K",0,"",4,""]',  # running -> run
    '["K",1,"b",2,""]',  # were -> be (the "e" in common)
    '["L0",0,"",0,""]',  # The -> the
]
SEEN = {"a", "ankara", "apple", "be", "bird", "cat", "dog", "eat", "feed", "i", "in", "run", "see", "she", "sing",
        "the", "walk"}
# What each of TRAIN_RULES makes of words that training did not have (None:
# it does not apply), worked out by hand. Apart from "be" (a whole-word rule,
# never a candidate for the margin), one edit rule makes a seen lemma of each.
MADE = {
    "birdxyz": ["be", "birdxyz", "birdxy", "birdxee", "bird", "bir", "birdx", "birdxyz"],
    "dogq": ["be", "dogq", "dog", "doee", "d", None, "bo", "dogq"],
    "catwxyz": ["be", "catwxyz", "catwxy", "catwxee", "catw", "cat", "batwx", "catwxyz"],
    "eatxyz": ["be", "eatxyz", "eatxy", "eatxee", "eat", "ea", "batx", "eatxyz"],
    "walkabc": ["be", "walkabc", "walkab", "walkaee", "walk", "wal", "balka", "walkabc"],
}
MADE_SEEN = {"birdxyz": (4, "bird"), "dogq": (2, "dog"), "catwxyz": (5, "cat"), "eatxyz": (4, "eat"),
             "walkabc": (4, "walk")}


def test_seen_lemma_margin_is_a_load_time_setting_that_prefers_seen_lemmas(lemmatizer, tmp_path):
    nlp, _ = lemmatizer
    nlp.to_disk(tmp_path / "nlp")
    tagger = nlp.get_pipe("lstm_tagger")
    assert tagger.cfg["seen_lemma_margin"] == 4.0  # the default
    assert list(tagger.label_data["lemma"]) == TRAIN_RULES
    assert {lemma.lower() for _, _, lemma in tagger.cfg["lemma_lexicon"]["entries"]} == SEEN
    words = list(MADE)

    def lemmas(margin=None):
        config = {} if margin is None else {"components": {"lstm_tagger": {"seen_lemma_margin": margin}}}
        loaded = spacy.load(tmp_path / "nlp", config=config)
        assert loaded.get_pipe("lstm_tagger").cfg["seen_lemma_margin"] == (4.0 if margin is None else margin)
        doc = loaded(Doc(loaded.vocab, words=words))
        assert doc._.lemma_prob_labels == TRAIN_RULES
        return [t.lemma_ for t in doc], numpy.log(doc._.lemma_probs)

    off, log_probs = lemmas(0.0)
    by_margin = {margin: lemmas(margin)[0] for margin in (None, 4.0, 50.0)}
    assert by_margin[None] == by_margin[4.0]
    for i, word in enumerate(words):
        # Off: the lemma of the most probable rule that applies.
        ranked = numpy.argsort(-log_probs[i], kind="stable")
        best = next(MADE[word][j] for j in ranked if MADE[word][j] is not None)
        assert off[i] == best, word
        # On: where the best lemma is unseen, the seen one if its rule is
        # within the margin of the best rule.
        rule, seen = MADE_SEEN[word]
        gap = log_probs[i].max() - log_probs[i][rule]
        assert gap < 50.0
        for margin in (4.0, 50.0):
            expected = best if best in SEEN or gap > margin else seen
            assert by_margin[margin][i] == expected, (word, margin, gap)
    assert by_margin[50.0] != off
    with pytest.raises(ValueError, match="seen_lemma_margin must be a number >= 0"):
        spacy.load(tmp_path / "nlp", config={"components": {"lstm_tagger": {"seen_lemma_margin": -1}}})


def test_no_lexicon_without_a_pos_head_and_a_bad_one_is_refused(tmp_path):
    nlp, _ = train(attr=("lemma",), steps=2)
    assert "lemma_lexicon" not in nlp.get_pipe("lstm_tagger").cfg
    nlp, _ = train(steps=2)
    nlp.to_disk(tmp_path / "nlp")
    cfg_path = tmp_path / "nlp" / "lstm_tagger" / "cfg"
    cfg = json.loads(cfg_path.read_text(encoding="utf8"))
    cfg["lemma_lexicon"]["pos_attr"] = "morph"
    cfg_path.write_text(json.dumps(cfg), encoding="utf8")
    with pytest.raises(ValueError, match="lemma_lexicon must be"):
        spacy.load(tmp_path / "nlp")


def test_a_sourced_lemmatizer_writes_new_lemmas_into_the_docs_vocab(lemmatizer):
    nlp, _ = lemmatizer
    other = spacy.blank("en")
    other.add_pipe("sentencizer")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # spaCy's W113: the source's vocab differs
        other.add_pipe("lstm_tagger", source=nlp)
    doc = other("The quokkas were zorbing.")
    assert [t.lemma_ for t in doc][:2] == ["the", "quokka"]
    assert all(t.lemma_ for t in doc)


def test_tags_bundles_and_lemmas_go_into_the_docs_own_vocab():
    """A doc whose vocab is not the component's (a sourced component keeps its
    source's vocab) gets every string it needs in its own StringStore."""
    from spacy.vocab import Vocab

    from test_joint import UD, ud_examples

    for morph_mode in ("bundle", "features"):
        nlp, _ = train_joint(["tag", "morph"], ud_examples, steps=40, morph_mode=morph_mode)
        words = UD[0][0]
        expected = [(t.tag_, str(t.morph)) for t in nlp(Doc(nlp.vocab, words=words))]
        doc = nlp.get_pipe("lstm_tagger")(Doc(Vocab(), words=words))
        assert [(t.tag_, str(t.morph)) for t in doc] == expected, morph_mode


def her_examples(nlp, morph=True):
    """"her" as a PRON three times with lemma "she" (PRP, Case=Acc) and twice
    "her" (PRP$, Poss=Yes), so (her, PRON) alone says "she"."""
    object_her = [("I", "saw"), ("We", "met"), ("They", "liked")]
    possessive_her = [("I", "saw", "dog"), ("We", "met", "cat")]
    lemma = {"I": "I", "We": "we", "They": "they", "saw": "see", "met": "meet", "liked": "like"}
    sentences = [
        ([a, b, "her"], ["PRP", "VBD", "PRP"], ["PRON", "VERB", "PRON"], ["Case=Nom", "Tense=Past", "Case=Acc"],
         [lemma[a], lemma[b], "she"])
        for a, b in object_her
    ] + [
        ([a, b, "her", c], ["PRP", "VBD", "PRP$", "NN"], ["PRON", "VERB", "PRON", "NOUN"],
         ["Case=Nom", "Tense=Past", "Poss=Yes", "Number=Sing"], [lemma[a], lemma[b], "her", c])
        for a, b, c in possessive_her
    ]
    examples = []
    for words, tags, pos, morphs, lemmas in sentences:
        annotation = {"tags": tags, "pos": pos, "lemmas": lemmas}
        if morph:
            annotation["morphs"] = morphs
        examples.append(Example.from_dict(Doc(nlp.vocab, words=words), annotation))
    return examples


def test_the_lexicon_is_refined_where_a_words_lemma_depends_on_its_tag_or_features():
    nlp = spacy.blank("en")
    lexicon = lemma_lexicon(her_examples(nlp), ("tag", "pos", "morph", "lemma"), "bundle")
    # Keyed by UPOS, refined by XPOS and the FEATS bundle (as the heads label them).
    assert lexicon["pos_attr"] == "pos" and lexicon["refined_by"] == ["tag", "morph"]
    assert ["her", "PRON", "she"] in lexicon["entries"]
    # Only the finer keys whose lemma differs from their (form, POS) entry's.
    assert lexicon["refined"] == [["her", "PRON", "PRP$", "Poss=Yes", "her"]]
    # Per-feature morph heads have no bundle label to key by; without a
    # refining head there is no refinement.
    assert lemma_lexicon(her_examples(nlp), ("tag", "pos", "morph", "lemma"), "features")["refined_by"] == ["tag"]
    assert set(lemma_lexicon(her_examples(nlp), ("pos", "lemma"), "bundle")) == {"pos_attr", "entries"}
    # A token without FEATS gives no refinement keyed by them.
    unannotated = lemma_lexicon(her_examples(nlp, morph=False), ("tag", "pos", "morph", "lemma"), "bundle")
    assert unannotated["refined"] == []


def test_decoding_takes_the_refined_lemma_for_the_predicted_tag():
    heads = [
        Head("tag", slice(0, 2), ("PRP", "PRP$")),
        Head("pos", slice(2, 4), ("NOUN", "PRON")),
    ]
    stored = {"pos_attr": "pos", "entries": [["her", "PRON", "she"], ["dog", "NOUN", "dog"]],
              "refined_by": ["tag"], "refined": [["her", "PRON", "PRP$", "her"]]}
    lexicon = LemmaLexicon.from_cfg(stored, heads)
    assert lexicon.seen == {"she", "dog", "her"}

    def log_probs(tags, pos):
        rows = numpy.full((len(tags), 4), -10.0)
        for row, (tag, upos) in enumerate(zip(tags, pos)):
            rows[row, tag] = rows[row, 2 + upos] = 0.0
        return rows

    # "her" as PRP$: the refined lemma; as PRP: the (form, POS) one; an unknown form: none.
    assert lexicon.lemmas(["her", "dog"], log_probs([1, 0], [1, 0])) == ["her", "dog"]
    assert lexicon.lemmas(["her", "cat"], log_probs([0, 0], [1, 0])) == ["she", None]
    # Predicted NOUN, "her" has no entry at all.
    assert lexicon.lemmas(["her"], log_probs([1], [0])) == [None]


def test_a_trained_component_stores_the_refined_lexicon_and_a_bad_one_is_refused(tmp_path):
    nlp, _ = train_joint(["tag", "pos", "lemma"], her_examples, steps=80)
    tagger = nlp.get_pipe("lstm_tagger")
    lexicon = tagger.cfg["lemma_lexicon"]
    assert lexicon["refined_by"] == ["tag"] and lexicon["refined"] == [["her", "PRON", "PRP$", "her"]]
    doc = nlp(Doc(nlp.vocab, words=["I", "saw", "her", "dog"]))
    assert doc[2].tag_ == "PRP$" and doc[2].lemma_ == "her"
    doc = nlp(Doc(nlp.vocab, words=["We", "met", "her"]))
    assert doc[2].tag_ == "PRP" and doc[2].lemma_ == "she"
    nlp.to_disk(tmp_path / "nlp")
    loaded = spacy.load(tmp_path / "nlp")
    assert loaded.get_pipe("lstm_tagger").cfg["lemma_lexicon"] == lexicon
    assert loaded(Doc(loaded.vocab, words=["I", "saw", "her", "dog"]))[2].lemma_ == "her"
    cfg_path = tmp_path / "nlp" / "lstm_tagger" / "cfg"
    good = cfg_path.read_text(encoding="utf8")
    for bad in (
        {"refined_by": ["pos"]},  # the key's own attribute
        {"refined_by": ["morph"]},  # not predicted
        {"refined": [["her", "PRON", "her"]]},  # a row without its tag
        {"refined_by": ["tag"], "refined": None},
        {"refined_by": [["tag"]]},  # not a name
        {"refined_by": ["tag", "tag"], "refined": []},
        {"refined_by": None},  # present but null
    ):
        cfg = json.loads(good)
        cfg["lemma_lexicon"].update(bad)
        cfg_path.write_text(json.dumps(cfg), encoding="utf8")
        with pytest.raises(ValueError, match="lemma_lexicon must be .*refined_by"):
            spacy.load(tmp_path / "nlp")
