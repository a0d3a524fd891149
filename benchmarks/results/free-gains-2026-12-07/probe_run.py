"""Run a script (benchmarks/ud_scores.py) with /tmp/wt-gru's spacy_lstm_tagger instead of the
editable install's, as probe_spacy.py runs spaCy's CLI: a GRU arm's pipeline loads only with the
probe branch's module.   python probe_run.py SCRIPT ARGS..."""
import runpy
import sys

sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower() and "editable" not in getattr(f, "__module__", "")]
sys.path.insert(0, "/tmp/wt-gru")
import spacy_lstm_tagger  # noqa: E402

assert spacy_lstm_tagger.__file__.startswith("/tmp/wt-gru"), spacy_lstm_tagger.__file__
sys.argv = sys.argv[1:]
sys.path.insert(0, str(__import__("pathlib").Path(sys.argv[0]).resolve().parent))
runpy.run_path(sys.argv[0], run_name="__main__")
