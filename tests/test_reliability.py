"""Bad training data, broken and hostile model files, threads."""
import json
import pickle
import threading

import pytest
import spacy
import srsly
from spacy.tokens import Doc
from spacy.training import Example

from conftest import SENTENCES, TINY_MODEL, make_examples


def new_nlp(**model):
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL, **model)})
    return nlp


# Bad training data ----------------------------------------------------------


def test_corpus_without_tags_is_a_clear_error():
    nlp = new_nlp()
    examples = [Example(Doc(nlp.vocab, words=w), Doc(nlp.vocab, words=w)) for w, _ in SENTENCES]
    with pytest.raises(ValueError, match=r"lstm_tagger 'lstm_tagger': the training examples have no token.tag_"):
        nlp.initialize(lambda: examples)


def test_empty_corpus_is_a_clear_error():
    nlp = new_nlp()
    # spaCy's own check (E930) names the component and says what is missing.
    with pytest.raises(TypeError, match=r"LSTMTaggerComponent.initialize.*iterable of Example objects"):
        nlp.initialize(lambda: [])


def test_partial_annotation_trains_and_ignores_missing_tags():
    nlp = new_nlp()
    examples = make_examples(nlp)
    # Hide the tag of every noun in half the sentences: training must still learn NN elsewhere.
    partial = []
    for i, (words, tags) in enumerate(SENTENCES):
        shown = [("" if (i % 2 and t == "NN") else t) for t in tags]
        partial.append(Example.from_dict(Doc(nlp.vocab, words=words), {"tags": shown}))
    optimizer = nlp.initialize(lambda: partial)
    for _ in range(80):
        nlp.update(partial, sgd=optimizer)
    assert nlp.evaluate(examples)["tag_acc"] > 0.9


def test_label_unseen_at_initialize_is_a_clear_error():
    nlp = new_nlp()
    examples = make_examples(nlp)
    optimizer = nlp.initialize(lambda: examples)
    new = Example.from_dict(Doc(nlp.vocab, words=["dog"]), {"tags": ["NEWTAG"]})
    with pytest.raises(ValueError, match=r"lstm_tagger .lstm_tagger.: gold tag labels \[.NEWTAG.\] in the doc starting .dog. are not among the labels"):
        nlp.update([new], sgd=optimizer)


# Broken and mismatched files -----------------------------------------------


@pytest.fixture
def saved(trained_nlp, tmp_path):
    path = tmp_path / "pipeline"
    trained_nlp.to_disk(path)
    return path


def test_truncated_weights_name_the_file(saved):
    weights = saved / "lstm_tagger" / "model"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(ValueError, match=f"cannot load the weights in {weights}"):
        spacy.load(saved)


def test_missing_weights_file_is_named(saved):
    (saved / "lstm_tagger" / "model").unlink()
    with pytest.raises(ValueError, match=r"the weights file .*lstm_tagger/model is missing"):
        spacy.load(saved)


def test_labels_that_do_not_match_the_weights(saved):
    cfg_path = saved / "lstm_tagger" / "cfg"
    cfg = json.loads(cfg_path.read_text())
    cfg["labels"] = cfg["labels"] + ["EXTRA"]
    cfg_path.write_text(json.dumps(cfg))
    with pytest.raises(
        ValueError, match=r"lstm_tagger/model: the weights' output columns were trained for the heads tag \(11 labels.*make tag \(12 labels"
    ):
        spacy.load(saved)


def test_hyperparameters_that_do_not_match_the_weights(saved):
    config = (saved / "config.cfg").read_text()
    (saved / "config.cfg").write_text(config.replace("hidden_width = 32", "hidden_width = 48"))
    with pytest.raises(ValueError, match=r"lstm_tagger/model.*do not fit the configured model"):
        spacy.load(saved)


class Payload:
    """Unpickling this runs code: it creates a marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_pickle_crafted_to_run_code_is_refused_and_never_runs(saved, tmp_path):
    marker = tmp_path / "pwned"
    weights = saved / "lstm_tagger" / "model"
    # What thinc's default torch.save serialization would read: a msgpack
    # envelope whose "state" is a pickle. Ours expects safetensors there.
    envelope = srsly.msgpack_loads(weights.read_bytes())
    shim_key = next(i for i, s in enumerate(envelope["shims"]) if s)
    shim = srsly.msgpack_loads(envelope["shims"][shim_key][0])
    shim["state"] = pickle.dumps(Payload(str(marker)))
    envelope["shims"][shim_key][0] = srsly.msgpack_dumps(shim)
    weights.write_bytes(srsly.msgpack_dumps(envelope))
    with pytest.raises(ValueError, match="not a readable safetensors blob"):
        spacy.load(saved)
    assert not marker.exists()
    # The payload is live: plain unpickling would have run it.
    pickle.loads(shim["state"]).close()
    assert marker.exists()


# Threads --------------------------------------------------------------------


def test_threads_share_one_pipeline(trained_nlp):
    texts = ["The dog ate the apple", "Everybody read that book", "She eats green eggs today"] * 20
    expected = [[t.tag_ for t in trained_nlp(text)] for text in texts]
    results = {}

    def work(i):
        results[i] = [[t.tag_ for t in doc] for doc in trained_nlp.pipe(texts, batch_size=7)]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(results[i] == expected for i in range(4))


# Repeatability -----------------------------------------------------------------


def test_training_twice_with_the_same_seed_gives_identical_weights_and_scores():
    from conftest import train_pipeline

    results = []
    for _ in range(2):
        nlp = new_nlp(dropout=0.2, word_dropout=0.2, char_rows=50, char_filters=8)
        train_pipeline(nlp, make_examples(nlp), steps=15, seed=7)
        results.append((nlp.get_pipe("lstm_tagger").to_bytes(exclude=["vocab"]), nlp.evaluate(make_examples(nlp))["tag_acc"]))
    assert results[0][0] == results[1][0]
    assert results[0][1] == results[1][1]


def test_training_with_two_threads_repeats_exactly(ewt_slice):
    # With 2+ torch threads, the backward of advanced indexing (tensor[index])
    # summed the gradients of a word repeated in a batch in a thread-dependent
    # order: the same seed gave different weights run to run. Real text (many
    # repeated words) and the default model sizes, a few steps.
    import hashlib

    import torch
    from spacy.tokens import DocBin

    from conftest import train_pipeline

    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        digests = []
        for _ in range(2):
            nlp = spacy.blank("en")
            nlp.add_pipe("lstm_tagger")
            gold = list(DocBin().from_disk(ewt_slice / "train.spacy").get_docs(nlp.vocab))[:20]
            examples = [Example(Doc(nlp.vocab, words=[t.text for t in doc]), doc) for doc in gold]
            train_pipeline(nlp, examples, steps=3, seed=3)
            digests.append(hashlib.sha256(nlp.get_pipe("lstm_tagger").to_bytes(exclude=["vocab"])).hexdigest())
    finally:
        torch.set_num_threads(threads)
    assert digests[0] == digests[1]
