"""spaCy plugin: a PyTorch LSTM part-of-speech tagger as the `lstm_tagger` component."""
from .component import LSTMTaggerComponent, make_lstm_tagger
from .corpus import create_paragraph_corpus
from .scorer import make_lstm_tagger_scorer
from .thinc_model import build_lstm_tagger_model
from .torch_model import LSTMTagger

__version__ = "0.6.0"
__all__ = [
    "LSTMTagger",
    "LSTMTaggerComponent",
    "build_lstm_tagger_model",
    "create_paragraph_corpus",
    "make_lstm_tagger",
    "make_lstm_tagger_scorer",
]
