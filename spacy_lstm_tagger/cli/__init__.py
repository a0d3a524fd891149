"""Command line tools around the component (not imported by the core package).

    spacy-lstm-tagger --help
"""
import importlib

import typer

app = typer.Typer(name="spacy-lstm-tagger", no_args_is_help=True, add_completion=False)

# Each module registers its commands on `app` when imported.
COMMAND_MODULES = ["shards", "report", "tag_conllu"]

for _module in COMMAND_MODULES:
    importlib.import_module(f"{__name__}.{_module}")


def main() -> None:
    app()
