"""Memory stays flat while training and tagging."""
import psutil
import spacy

from conftest import TINY_MODEL, make_examples


def test_training_steps_do_not_leak_parameter_copies():
    # A 25,000 x 64 word table is 6.4 MB: a copy of the parameters per step
    # (what thinc's shim update did) would add over 300 MB in 50 steps.
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL, word_rows=25000, word_width=64)})
    examples = make_examples(nlp)
    optimizer = nlp.initialize(lambda: examples)
    process = psutil.Process()
    for _ in range(10):
        nlp.update(examples, sgd=optimizer)
    before = process.memory_info().rss
    for _ in range(50):
        nlp.update(examples, sgd=optimizer)
    assert process.memory_info().rss - before < 60 * 2**20
