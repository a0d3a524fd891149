"""Command line tools around the component (not imported by the core package).

    spacy-lstm-tagger --help

Each command module registers its command on `app` (_app.py) when imported;
the imports below put the commands on the command line, in the order --help
lists them. They stay light: what one command alone needs (dask, matplotlib)
is imported when it runs.
"""
from ._app import app
from . import shards  # noqa: F401  (registers tag-shards)
from . import report  # noqa: F401  (registers report)
from . import tag_conllu  # noqa: F401  (registers tag-conllu)

__all__ = ["app", "main"]


def main() -> None:
    """The `spacy-lstm-tagger` console script (setup.py's entry point)."""
    app()
