"""What every benchmark result records, and how it is written: shared by the scripts here."""
import json
import os
import platform
import subprocess
import sys
from datetime import date
from pathlib import Path

import spacy
import torch

import spacy_lstm_tagger


def cpu_model() -> str:
    """The CPU's model name (/proc/cpuinfo on Linux). The 2-core machine's speed
    moves between days, and spaCy's CNN and this tagger do not move alike (spaCy's
    tagger + morphologizer trained EWT in 1,039, 695 and 601 s on 2026-12-02, -05
    and -06), so each figure names the CPU it ran on."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment(gpu_id: int = -1) -> dict:
    """Date, machine and versions, so each figure carries where and when it was measured."""
    return {
        "date": date.today().isoformat(),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpu": cpu_model(),
            "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "gpu": torch.cuda.get_device_name(gpu_id) if gpu_id >= 0 else None,
        },
        "versions": {"spacy": spacy.__version__, "torch": torch.__version__},
    }


def git_commit() -> str:
    """The library's commit, "+" if its files differ from it."""
    root = Path(spacy_lstm_tagger.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "spacy_lstm_tagger"],
                               capture_output=True, text=True)
    except OSError:
        return "unknown"
    return commit.stdout.strip() + ("+" if dirty.stdout.strip() else "") if commit.returncode == 0 else "unknown"


def torch_only(nlp) -> None:
    """Turn off the fused ONNX Runtime path of every lstm_tagger in nlp (the
    shim's fused_max_tokens), so one run can time both paths."""
    for _, component in nlp.pipeline:
        if getattr(component, "model", None) is not None and component.model.name == "lstm_tagger":
            for shim in component.model.layers[0].shims:
                shim.fused_max_tokens = 0


def torch_only_by_name(parser, pipelines: dict, names) -> None:
    """--torch-only NAME for each of names: that pipeline runs on torch alone;
    an unknown name is a usage error."""
    for name in names:
        if name not in pipelines:
            parser.error(f"--torch-only {name}: no --ours pipeline of that name")
        torch_only(pipelines[name])


def load_pipelines(parser, ours: list, baseline: str, int8_names) -> tuple:
    """({name: path}, {name: loaded pipeline}) for --ours PATH or NAME=PATH
    and the baseline ("spacy_tagger"); each name in int8_names (--int8 NAME)
    loads with every lstm_tagger's inference_precision = "int8", as a user
    asks for it at load time; an unknown name is a usage error."""
    paths = {}
    for i, spec in enumerate(ours):
        name, _, path = spec.rpartition("=")
        paths[name or ("lstm_tagger" if len(ours) == 1 else f"lstm_tagger_{i}")] = path
    paths["spacy_tagger"] = baseline
    for name in int8_names:
        if name not in paths or name == "spacy_tagger":
            parser.error(f"--int8 {name}: no --ours pipeline of that name")

    def load(name, path):
        if name not in int8_names:
            return spacy.load(path)
        config = spacy.util.load_config(Path(path) / "config.cfg")
        int8 = {"model": {"inference_precision": "int8"}}
        return spacy.load(path, config={"components": {
            component: int8 for component, settings in config["components"].items()
            if settings.get("factory") == "lstm_tagger"
        }})

    return paths, {name: load(name, path) for name, path in paths.items()}


def emit(result: dict, json_path=None) -> None:
    """Write the result file first (a closed stdout pipe must not lose it), then print it."""
    if json_path:
        with open(json_path, "w") as f:
            json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))


def run(command, log_path) -> None:
    """Run a CLI step with its output in a log file; fail loudly with the log's tail."""
    with open(log_path, "w") as log:
        completed = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT)
    if completed.returncode != 0:
        tail = Path(log_path).read_text()[-2000:]
        sys.exit(f"{' '.join(map(str, command))} failed (exit {completed.returncode}); end of {log_path}:\n{tail}")
