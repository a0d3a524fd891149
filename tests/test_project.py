"""project.yml: the spaCy project workflow (convert, train, evaluate, report)."""
import os
import subprocess
import sys

import pytest
import srsly
from spacy.cli._util import parse_config_overrides
from weasel.util import load_project_config, split_command

from conftest import CORPUS, ROOT, TINY_MODEL, conllu_head

TRAIN_OPTIONS = {"max_steps": 10, "eval_frequency": 5, "n_sents": 5}


def train_overrides(project):
    """The config overrides the train command passes to spacy train."""
    (train,) = [cmd for cmd in project["commands"] if cmd["name"] == "train"]
    args = split_command(train["script"][0])
    assert args[:4] == ["python", "-m", "spacy", "train"]
    # Config overrides follow the options (--output, --gpu-id).
    return parse_config_overrides(args[args.index("--paths.train"):])


@pytest.mark.parametrize("attr", ["tag", "pos"])
def test_project_file_passes_attr_and_score_weights(attr, tmp_path):
    # Loading a project creates its directories: load a copy.
    (tmp_path / "project.yml").write_bytes((ROOT / "project.yml").read_bytes())
    project = load_project_config(tmp_path, overrides={"vars.attr": attr})
    commands = {cmd["name"]: cmd for cmd in project["commands"]}
    assert set(commands) >= {"convert-train", "convert-dev", "convert-test", "train", "evaluate", "report", "package"}
    assert project["workflows"]["all"][-4:] == ["train", "evaluate", "report", "package"]
    for name in project["workflows"]["convert"]:
        assert commands[name]["deps"][0].endswith(".conllu")
    for cmd in commands.values():
        assert all("," not in dep for dep in cmd.get("deps", []))
    overrides = train_overrides(project)
    assert overrides["components.lstm_tagger.attr"] == attr
    # The last of the repeated keys wins: only the predicted attr is scored.
    other = "pos" if attr == "tag" else "tag"
    assert overrides[f"training.score_weights.{attr}_acc"] == 1.0
    assert overrides[f"training.score_weights.{other}_acc"] == 0.0
    assert f"metrics/{attr}.json" in commands["evaluate"]["outputs"]


@pytest.fixture
def project_dir(tmp_path):
    """project.yml with a tiny treebank (30/10/10 sentences of EWT), a tiny
    model and a test workflow without packaging."""
    for split, n_sentences in (("train", 30), ("dev", 10), ("test", 10)):
        text = conllu_head(CORPUS / f"en_ewt-ud-{split}.conllu", n_sentences)
        (tmp_path / f"{split}.conllu").write_text(text, encoding="utf8")
    project = srsly.read_yaml(ROOT / "project.yml")
    project["vars"].update(
        train_conllu="train.conllu",
        dev_conllu="dev.conllu",
        test_conllu="test.conllu",
        config=str(ROOT / "configs" / "default.cfg"),
        **TRAIN_OPTIONS,
    )
    project["vars"]["train_overrides"] = " ".join(
        f"--components.lstm_tagger.model.{key} {value}" for key, value in TINY_MODEL.items()
    )
    project["workflows"]["test"] = [
        name for name in project["workflows"]["all"] if name != "package"
    ]
    srsly.write_yaml(tmp_path / "project.yml", project)
    return tmp_path


def run_project(project_dir, *args):
    # One torch thread: on a busy 2-core machine two threads of a tiny model
    # spin on each other and training runs over ten times slower.
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "spacy", "project", "run", *map(str, args)],
        cwd=project_dir,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


@pytest.mark.slow
def test_project_workflow_trains_and_evaluates_tag_and_pos(project_dir):
    for attr in ("tag", "pos"):
        stdout = run_project(project_dir, "test", ".", "--vars.attr", attr)
        if attr == "pos":
            assert "Skipping 'convert-train': nothing changed" in stdout
        metrics = srsly.read_json(project_dir / "metrics" / f"{attr}.json")
        assert 0.0 <= metrics[f"{attr}_acc"] <= 1.0
        config = (project_dir / "training" / attr / "model-best" / "config.cfg").read_text(encoding="utf8")
        assert f'attr = "{attr}"' in config
        report = srsly.read_json(project_dir / "reports" / attr / "report.json")
        assert report["attr"] == attr and report["n_tokens"] > 100
        assert (project_dir / "reports" / attr / "confusion.png").stat().st_size > 1000
    assert len(list((project_dir / "corpus" / "converted" / "train").glob("*.spacy"))) == 1
