"""Docs that run: every fenced ```python and ```bash block of README.md and
docs/*.md is executed, in document order, in a workspace that holds the
project's configs, scripts and project.yml with small slices of the bundled
corpus and a tiny model in configs/default.cfg. The commands run as written
(a few documented exceptions below), so a renamed option, file or changed
output breaks the build, not the user.

Blocks in other languages (```ini, ```text) are shown, not run. A
`print(...)  # value` line in a Python block must print that value. A page
with nothing to run (docs/benchmarks.md, docs/how-it-works.md) gets no run
case; the quick test checks that the files and pages every page names exist.
A command not run says why, as a warning in the test report.

Commands run with the interpreter that runs the tests: `python` is it, and
its bin directory (the console scripts spacy-lstm-tagger, dask) comes first
on PATH, so `.venv/bin/python -m pytest` works without activating the venv."""
import ast
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
import srsly
from spacy import util

from conftest import CORPUS, ROOT, TINY_MODEL, conllu_head

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
# The main job as README gives it: set-up (a fresh venv, pip) then this
# script. The venv and install are what scripts/run_tests.sh and CI do
# already; the test runs the script in the test's own environment.
MAIN_JOB = "bash scripts/train_ewt.sh"
SETUP = "python3 -m venv .venv && . .venv/bin/activate && pip install torch==2.13.0 '.[onnx]' && "


def blocks(page):
    """(language, code) of each fenced block of a page, in order."""
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(page.read_text(encoding="utf8"))]


def commands(code):
    """The commands of a bash block: continuation lines joined, comment lines
    and blank lines dropped (a trailing comment stays; bash ignores it)."""
    joined = code.replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


def runs_something(page):
    """Whether a page has a Python block or a bash command to run."""
    return any(
        language == "python" or (language == "bash" and any(how_to_run(c)[0] != "skip" for c in commands(code)))
        for language, code in blocks(page)
    )


def expected_prints(code):
    """(line number, value) of each `print(...)  # value` line."""
    found = []
    for number, line in enumerate(code.splitlines()):
        match = re.match(r"\s*print\(.*\)\s+#\s*(.+)$", line)
        if match:
            found.append((number, match.group(1).strip()))
    return found


def how_to_run(command):
    """What the test runs for a documented command: (kind, command). kind:
    "run" (as written), "background" (a server: started, stopped at the end
    of the page), or "skip" with the command being the reason."""
    words = shlex.split(command, comments=True)
    if command.startswith("bash scripts/run_tests.sh"):
        return "skip", "the test suite itself (.ci/run runs `bash scripts/run_tests.sh`)"
    if command.startswith(SETUP):
        return "run", command[len(SETUP):]
    if "--gpu-id 0" in command:
        return ("run", command) if _has_gpu() else ("skip", "needs a GPU (benchmarks/gpu_check.sh)")
    if words[:2] in (["dask", "scheduler"], ["dask", "worker"]):
        return "background", command
    return "run", command


def _has_gpu():
    import torch

    return torch.cuda.is_available()


def test_every_documented_block_is_run_or_says_why_not():
    """The quick check: every page has blocks the test understands, every
    bash command is run or has a reason, and every Python block parses."""
    languages = {"python", "bash", "ini", "text"}
    n_commands = 0
    for page in PAGES:
        for language, code in blocks(page):
            assert language in languages, f"{page.name}: a ```{language} block (use one of {sorted(languages)})"
            if language == "python":
                ast.parse(code)
            if language == "bash":
                for command in commands(code):
                    kind, _ = how_to_run(command)
                    n_commands += kind != "skip"
    assert n_commands >= 15
    readme = (ROOT / "README.md").read_text(encoding="utf8")
    assert SETUP + MAIN_JOB in readme and "bash scripts/run_tests.sh" in readme
    assert "bash scripts/run_tests.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf8")
    assert len(readme.splitlines()) <= 160


# Top-level parts of the repository: a `path` in backticks that starts with
# one of them names a file of the project (outputs such as training/ and the
# converted corpus/*.spacy are not files of the project).
PROJECT_DIRS = (".ci", "benchmarks", "configs", "corpus", "docs", "scripts", "spacy_lstm_tagger", "tests")
LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE = re.compile(r"`([^`\s]+)`")


def named_files(page):
    """The project files a page names in backticks and the pages and files
    it links to (with the heading anchor, if any), outside fenced blocks."""
    text = FENCE.sub("", page.read_text(encoding="utf8"))
    files = []
    for name in CODE.findall(text):
        if any(char in name for char in "{}*<>$") or name.endswith(".spacy"):
            continue  # a pattern or an output, not a file
        if name.split("/")[0] in PROJECT_DIRS and "/" in name or (ROOT / name).is_file() and "/" not in name:
            files.append((ROOT / name, ""))
    for target in LINK.findall(text):
        if "://" in target:
            continue
        path, _, anchor = target.partition("#")
        files.append(((page.parent / path) if path else page, anchor))
    return files


def anchors(page):
    """GitHub's anchors of a page's headings: lowercase, punctuation dropped, spaces as hyphens."""
    text = FENCE.sub("", page.read_text(encoding="utf8"))
    headings = re.findall(r"^#+\s+(.+?)\s*$", text, re.M)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_file_and_link_a_page_names_exists(page):
    """The pages with nothing to run (docs/benchmarks.md: the benchmark
    scripts; docs/how-it-works.md: the modules and tests) are checked here
    too: a renamed or removed file, page or heading breaks the build."""
    named = named_files(page)
    assert named, f"{page.name} names no file of the project"
    for path, anchor in named:
        assert path.exists(), f"{page.name} names {os.path.relpath(path, ROOT)}, which is not there"
        if anchor:
            assert anchor in anchors(path), f"{page.name} links to {path.name}#{anchor}: no such heading there"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def workspace(tmp_path_factory):
    """The project's configs, scripts and project.yml over small corpus
    slices, configs/default.cfg shrunk to a tiny model and 6 updates, and
    the inputs the docs name; the main job already run once, so that
    training/default/model-best exists for every page."""
    ws = tmp_path_factory.mktemp("docs")
    for name in ("configs", "scripts", "benchmarks"):
        shutil.copytree(ROOT / name, ws / name)
    (ws / "docs").mkdir()
    shutil.copy(ROOT / "project.yml", ws / "project.yml")
    (ws / "corpus").mkdir()
    for split, n in (("train", 120), ("dev", 30), ("test", 30)):
        text = conllu_head(CORPUS / f"en_ewt-ud-{split}.conllu", n)
        (ws / "corpus" / f"en_ewt-ud-{split}.conllu").write_text(text, encoding="utf8")
        (ws / f"X-{split}.conllu").write_text(text, encoding="utf8")
    config = util.load_config(ws / "configs" / "default.cfg")
    config["components"]["lstm_tagger"]["model"].update(TINY_MODEL)
    config["training"].update(max_steps=6, eval_frequency=3)
    config["training"]["optimizer"]["learn_rate"]["warmup_steps"] = 2
    config.to_disk(ws / "configs" / "default.cfg")
    project = srsly.read_yaml(ws / "project.yml")
    project["vars"].update(max_steps=6, eval_frequency=3)
    srsly.write_yaml(ws / "project.yml", project)
    (ws / "input.txt").write_text("The dog ate the apple.\nEverybody read that book.\n", encoding="utf8")
    (ws / "corpus" / "shards").mkdir()
    for i in range(3):
        (ws / "corpus" / "shards" / f"part{i}.txt").write_text(f"Shard {i} has words.\nShe eats.\n", encoding="utf8")
    # `python` in the documented commands: the interpreter that runs the tests.
    (ws / ".python").mkdir()
    (ws / ".python" / "python").write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n')
    (ws / ".python" / "python").chmod(0o755)
    assert shutil.which("python", path=command_env(ws)["PATH"]) == str(ws / ".python" / "python")
    # The main job, once: README's test checks this output rather than
    # training a second time.
    (ws / "main-job.out").write_text(run_command(ws, MAIN_JOB), encoding="utf8")
    return ws


def command_env(ws):
    """The environment of a documented command: `python` is the interpreter
    running the tests, the console scripts are those of its environment."""
    path = os.pathsep.join([str(ws / ".python"), str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return {**os.environ, "OMP_NUM_THREADS": "1", "PATH": path}


def run_command(ws, command, timeout=900):
    result = subprocess.run(
        ["bash", "-c", command], cwd=ws, capture_output=True, text=True, timeout=timeout, env=command_env(ws),
    )
    assert result.returncode == 0, f"{command}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def run_python(ws, code, where):
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ws, capture_output=True, text=True, timeout=600, env=command_env(ws),
    )
    assert result.returncode == 0, f"{where}\n{code}\n{result.stderr[-3000:]}"
    printed = result.stdout.splitlines()
    for _, value in expected_prints(code):
        assert value in printed, f"{where}: expected {value!r} among the printed lines {printed}"
    return result.stdout


PAGES_THAT_RUN = [page for page in PAGES if runs_something(page)]


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES_THAT_RUN, ids=[p.name for p in PAGES_THAT_RUN])
def test_the_page_runs(page, workspace):
    servers = []
    port = free_port()
    n_run = 0
    try:
        for number, (language, code) in enumerate(blocks(page)):
            where = f"{page.name}, block {number + 1}"
            if language == "python":
                run_python(workspace, code, where)
                n_run += 1
            if language != "bash":
                continue
            for command in commands(code):
                kind, what = how_to_run(command)
                what = what.replace("HEAD:8786", f"127.0.0.1:{port}").replace("--port 8786", f"--port {port}")
                n_run += kind != "skip"
                if kind == "skip":
                    warnings.warn(f"{where}: not run: {command!r}: {what}")
                elif kind == "background":
                    servers.append(subprocess.Popen(
                        shlex.split(what, comments=True), cwd=workspace, env=command_env(workspace),
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    ))
                    time.sleep(3)
                elif kind == "run" and what == MAIN_JOB:
                    stdout = (workspace / "main-job.out").read_text(encoding="utf8")
                    assert "[3/3]" in stdout and "EWT test tag_acc" in stdout
                    assert "The trained pipeline is training/default/model-best" in stdout
                elif kind == "run":
                    run_command(workspace, what)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
    assert n_run > 0, f"{page.name}: nothing was run"
