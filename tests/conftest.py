"""Shared fixtures: small pipelines trained in the test, on data the test makes."""
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
import torch
from spacy.tokens import Doc
from spacy.training import Example

# One torch thread: the tiny test models gain nothing from two, and on a busy
# machine OpenMP threads spinning for a core slow them down many times over.
torch.set_num_threads(1)

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"

# A small model so that tests train in seconds on two cores.
TINY_MODEL = {
    "word_rows": 2000,
    "subword_rows": 1000,
    "shape_rows": 200,
    "word_width": 32,
    "subword_width": 8,
    "char_rows": 0,
    # No character encoder, so no head reads one (configs/default.cfg's
    # char_heads need char_rows > 0).
    "char_heads": [],
    "hidden_width": 32,
    "depth": 1,
    "dropout": 0.0,
    "word_dropout": 0.0,
}

# The PyTorch tutorial's training data.
TUTORIAL = [
    ("The dog ate the apple".split(), ["DET", "NN", "V", "DET", "NN"]),
    ("Everybody read that book".split(), ["NN", "V", "DET", "NN"]),
]

# A few more tagged sentences of different lengths.
SENTENCES = TUTORIAL + [
    ("I like green eggs".split(), ["PRP", "VBP", "JJ", "NNS"]),
    ("She eats".split(), ["PRP", "VBZ"]),
    ("The big cat sat on the old mat today".split(), ["DT", "JJ", "NN", "VBD", "IN", "DT", "JJ", "NN", "NN"]),
    ("Dogs bark".split(), ["NNS", "VBP"]),
]


def make_examples(nlp, data=SENTENCES):
    return [Example.from_dict(Doc(nlp.vocab, words=words), {"tags": tags}) for words, tags in data]


def train_pipeline(nlp, examples, steps=60, seed=0):
    spacy.util.fix_random_seed(seed)
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(steps):
        nlp.update(examples, sgd=optimizer)
    return nlp


@pytest.fixture
def tiny_config():
    return {"model": dict(TINY_MODEL)}


@pytest.fixture(scope="session")
def trained_nlp():
    """A blank English pipeline whose lstm_tagger has learned SENTENCES."""
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"model": dict(TINY_MODEL)})
    return train_pipeline(nlp, make_examples(nlp), steps=80)


@pytest.fixture(scope="session")
def pipeline_dir(trained_nlp, tmp_path_factory):
    """trained_nlp saved with nlp.to_disk."""
    path = tmp_path_factory.mktemp("pipeline") / "nlp"
    trained_nlp.to_disk(path)
    return path


def conllu_head(path: Path, n_sentences: int) -> str:
    """The first n sentences of a CoNLL-U file."""
    blocks = path.read_text(encoding="utf8").split("\n\n")
    return "\n\n".join(blocks[:n_sentences]) + "\n\n"


@pytest.fixture(scope="session")
def ewt_slice(tmp_path_factory):
    """The first sentences of EWT train and dev, converted to train.spacy /
    dev.spacy with spacy convert, as README.md does, but with 10
    sentences per doc (README: 1), so the end-to-end tests train on few docs."""
    out = tmp_path_factory.mktemp("ewt")
    for split, n_sentences in (("train", 400), ("dev", 100)):
        conllu = out / f"{split}.conllu"
        conllu.write_text(conllu_head(CORPUS / f"en_ewt-ud-{split}.conllu", n_sentences), encoding="utf8")
        subprocess.run(
            [sys.executable, "-m", "spacy", "convert", str(conllu), str(out), "--converter", "conllu", "-n", "10"],
            check=True,
            capture_output=True,
        )
    return out


@pytest.fixture
def ran(monkeypatch):
    """Counts of the fused engine's calls and of the torch module's forward
    passes, from here on: which path tagged (tests/test_fused.py,
    tests/test_listeners.py)."""
    from spacy_lstm_tagger import fused
    from spacy_lstm_tagger.torch_model import LSTMTagger

    counts = {"fused": 0, "torch": 0}
    fused_call, torch_forward = fused.FusedTagger.__call__, LSTMTagger.forward

    def counted_fused(self, *args, **kwargs):
        counts["fused"] += 1
        return fused_call(self, *args, **kwargs)

    def counted_forward(self, *args, **kwargs):
        counts["torch"] += 1
        return torch_forward(self, *args, **kwargs)

    monkeypatch.setattr(fused.FusedTagger, "__call__", counted_fused)
    monkeypatch.setattr(LSTMTagger, "forward", counted_forward)
    return counts
