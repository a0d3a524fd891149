"""Run spaCy's CLI with this worktree's spacy_lstm_tagger instead of the editable install's."""
import sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower() and "editable" not in getattr(f, "__module__", "")]
sys.path.insert(0, "/tmp/wt-lossw")
import spacy_lstm_tagger
assert spacy_lstm_tagger.__file__.startswith("/tmp/wt-lossw"), spacy_lstm_tagger.__file__
from spacy.cli import setup_cli
sys.argv = ["spacy", *sys.argv[1:]]
setup_cli()
