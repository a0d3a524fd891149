"""`python -m spacy train` with the project's config, end to end on a slice of EWT."""
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin

ROOT = Path(__file__).resolve().parent.parent
SMALL_MODEL_OVERRIDES = [
    "--components.lstm_tagger.model.hidden_width", "32",
    "--components.lstm_tagger.model.depth", "1",
    "--components.lstm_tagger.model.word_rows", "2000",
    "--components.lstm_tagger.model.subword_rows", "1000",
]


def spacy_train(config, ewt_slice, output, *overrides):
    """`python -m spacy train` of a shipped config on the EWT slice."""
    subprocess.run(
        [
            sys.executable, "-m", "spacy", "train", str(ROOT / "configs" / config),
            "--output", str(output),
            "--paths.train", str(ewt_slice / "train.spacy"),
            "--paths.dev", str(ewt_slice / "dev.spacy"),
            *overrides,
        ],
        check=True,
        capture_output=True,
        cwd=output.parent,
    )


@pytest.mark.slow
def test_spacy_train_with_default_config_writes_loadable_model_best(ewt_slice, tmp_path):
    output = tmp_path / "training"
    spacy_train(
        "default.cfg", ewt_slice, output,
        # The default schedule in updates, shortened to 400 (about 13 epochs
        # of the slice), its learning rate warming up over 20 of them.
        "--training.max_steps", "400",
        "--training.optimizer.learn_rate.warmup_steps", "20",
        "--training.batcher.size", "200",
        "--training.eval_frequency", "30",
        *SMALL_MODEL_OVERRIDES,
    )
    nlp = spacy.load(output / "model-best")
    assert nlp.pipe_names == ["lstm_tagger"]
    tagger = nlp.get_pipe("lstm_tagger")
    assert tagger.predicted_attrs == ("tag", "pos", "morph", "lemma")  # the default config's four heads
    assert len(tagger.head_labels["tag"]) > 30  # Penn Treebank tags seen in the slice
    dev = list(DocBin().from_disk(ewt_slice / "dev.spacy").get_docs(nlp.vocab))
    from spacy.training import Example

    scores = nlp.evaluate([Example(nlp.make_doc(doc.text), doc) for doc in dev])
    # 400 sentences of training data and a tiny model are far from the full
    # run, but well above the majority baseline (NN, about 15%): 0.73 here
    # with 1 or 2 threads.
    assert scores["tag_acc"] > 0.6


# Configs that cannot train as shipped on a machine without their model: the
# transformer config loads a pretrained transformer by name or path (a download,
# or the user's own files); tests/test_listeners.py builds it shrunk instead.
NEEDS_A_PRETRAINED_MODEL = {"transformer.cfg"}


@pytest.mark.slow
@pytest.mark.parametrize(
    "config",
    [
        pytest.param(name, marks=pytest.mark.skip(reason=f"{name} needs a pretrained transformer: tests/test_listeners.py"))
        if name in NEEDS_A_PRETRAINED_MODEL
        else name
        for name in sorted(p.name for p in (ROOT / "configs").glob("*.cfg"))
    ],
)
def test_every_shipped_config_trains_with_spacy_train(config, ewt_slice, tmp_path):
    # A few steps of each config exactly as shipped (full model sizes): a
    # typo or a stale setting in any of them fails here, not in a user's run.
    output = tmp_path / "training"
    spacy_train(
        config, ewt_slice, output,
        "--training.max_steps", "3", "--training.max_epochs", "0", "--training.eval_frequency", "3",
    )
    nlp = spacy.load(output / "model-last")
    # The component that predicts tags: spaCy's tagger (beside its
    # morphologizer), or the lstm_tagger's tag head.
    tagger = nlp.get_pipe("tagger" if "tagger" in nlp.pipe_names else "lstm_tagger")
    tags = getattr(tagger, "head_labels", {}).get("tag", tagger.labels)
    assert len(tags) > 30
    doc = nlp("The dog ate the apple.")
    assert all(token.tag_ in tags for token in doc)
