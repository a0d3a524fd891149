"""The typer application the commands register on.

It lives in its own module so that the command modules import it from here
and cli/__init__.py imports the command modules: the arrows go one way.
"""
import typer

app = typer.Typer(name="spacy-lstm-tagger", no_args_is_help=True, add_completion=False)
