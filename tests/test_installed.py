"""The suite runs against the installed package (scripts/run_tests.sh)."""
import os
from importlib.metadata import entry_points
from pathlib import Path

import pytest

import spacy_lstm_tagger


@pytest.mark.skipif(
    not os.environ.get("SPACY_LSTM_TAGGER_EXPECT_INSTALLED"), reason="only when testing the installed wheel"
)
def test_package_is_imported_from_the_installed_wheel():
    source_tree = Path(__file__).resolve().parent.parent / "spacy_lstm_tagger"
    assert Path(spacy_lstm_tagger.__file__).resolve().parent != source_tree.resolve()
    assert "site-packages" in spacy_lstm_tagger.__file__


def test_entry_points_name_the_factory_and_architecture():
    factories = {ep.name: ep.value for ep in entry_points(group="spacy_factories")}
    architectures = {ep.name: ep.value for ep in entry_points(group="spacy_architectures")}
    readers = {ep.name: ep.value for ep in entry_points(group="spacy_readers")}
    assert readers["spacy_lstm_tagger.ParagraphCorpus.v1"] == "spacy_lstm_tagger.corpus:create_paragraph_corpus"
    assert factories["lstm_tagger"] == "spacy_lstm_tagger.component:make_lstm_tagger"
    assert architectures["spacy_lstm_tagger.LSTMTagger.v1"] == "spacy_lstm_tagger.thinc_model:build_lstm_tagger_model"
    assert architectures["spacy_lstm_tagger.LSTMTagger.v2"] == "spacy_lstm_tagger.thinc_model:build_lstm_tagger_model_v2"
