"""Which parts of the training recipe matter: each change alone, and together,
on one corpus, scored on dev only (test is scored once per chosen config, by
accuracy.py, never here).

Every variant is `spacy train` of a base config plus config overrides; the
table gives model-best's dev XPOS/UPOS/FEATS, the update it was saved at, the
training wall time and the seconds per epoch (wall time / epochs trained, so
evaluation on dev is included).

    python benchmarks/ablation.py --train training/data/ug_udt-ud-train.spacy \
        --dev training/data/ug_udt-ud-dev.spacy --output training/ablation-ug \
        [--only base schedule ...] [--config configs/default.cfg] \
        [any further `spacy train` overrides for every variant, e.g. --nlp.lang xx]
"""
import argparse
import json
import re
import sys
import time
from pathlib import Path

from _environment import emit, environment, run
from accuracy import JOINT_SCORES as SCORES  # UD column -> spaCy's score
# A schedule in updates: batches of 500 words, evaluation every 100 updates,
# 2,000 updates whatever the corpus size.
SCHEDULE = [
    "--training.batcher.size", "500", "--training.max_epochs", "0",
    "--training.max_steps", "2000", "--training.eval_frequency", "100",
]
LINEAR_DECAY = [
    "--training.optimizer.learn_rate", '{"@schedules":"warmup_linear.v1","initial_rate":0.002,'
    '"warmup_steps":100,"total_steps":${training.max_steps}}',
]
LABEL_SMOOTHING = ["--components.lstm_tagger.label_smoothing", "0.03"]
WORD_DROPOUT = ["--components.lstm_tagger.model.word_dropout", "0.2"]
DROPOUT = ["--components.lstm_tagger.model.dropout", "0.5", "--components.lstm_tagger.model.word_dropout", "0.2"]
WIDER = ["--components.lstm_tagger.model.hidden_width", "256"]
# name -> (config or None for --config, overrides). "base" is the config as it
# is; run with --config training/data/default-0.2.0.cfg (the 0.2.0 default)
# the other variants add the changes of the 0.3.0 default one at a time.
VARIANTS = {
    "base": (None, []),
    "schedule": (None, SCHEDULE),
    "schedule+decay": (None, SCHEDULE + LINEAR_DECAY),
    "schedule+smoothing": (None, SCHEDULE + LABEL_SMOOTHING),
    "schedule+word_dropout": (None, SCHEDULE + WORD_DROPOUT),
    "schedule+decay+smoothing+word_dropout": (None, SCHEDULE + LINEAR_DECAY + LABEL_SMOOTHING + WORD_DROPOUT),
    "schedule+dropout_0.5": (None, SCHEDULE + DROPOUT),
    "schedule+wider": (None, SCHEDULE + WIDER),
    "spacy_tagger_morphologizer": ("configs/spacy_tagger_morphologizer.cfg", []),
}


def trained(model_dir: Path, log_path: Path) -> dict:
    """model-best's dev scores and the epochs/updates the log shows."""
    performance = json.loads((model_dir / "model-best" / "meta.json").read_text()).get("performance", {})
    lines = log_path.read_text().splitlines()
    rows = [line.split() for line in lines if re.match(r"^\s*\d+\s+\d+\s", line)]
    dev = {column: performance.get(score) for column, score in SCORES.items()}
    # The log's first row with model-best's scores (the log rounds to 2 decimals).
    header = next(line.split() for line in lines if "TAG_ACC" in line or "POS_ACC" in line)
    wanted = {f"{score.upper()}": f"{100 * value:.2f}" for score, value in performance.items()
              if score in SCORES.values() and value is not None}
    columns = {name: header.index(name) - len(header) for name in wanted if name in header}
    best_update = next(
        (int(row[1]) for row in rows if all(row[i] == wanted[name] for name, i in columns.items())), None
    )
    return {
        "dev": dev,
        "best_update": best_update,
        "epochs": int(rows[-1][0]) + 1 if rows else None,
        "updates": int(rows[-1][1]) if rows else None,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", required=True)
    parser.add_argument("--dev", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--config", default="configs/default.cfg")
    parser.add_argument("--only", nargs="+", choices=list(VARIANTS), help="variants to run (default: all)")
    args, overrides = parser.parse_known_args()
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    json_path = output / "ablation.json"
    # Variants already run into this output are kept, so a long ablation can go in parts.
    results = json.loads(json_path.read_text())["results"] if json_path.exists() else {}
    for name in args.only or list(VARIANTS):
        config, extra = VARIANTS[name]
        model_dir = output / name
        command = [
            sys.executable, "-m", "spacy", "train", config or args.config, "--output", str(model_dir),
            "--paths.train", args.train, "--paths.dev", args.dev, *overrides, *extra,
        ]
        print(f"training {name}: {' '.join(command[1:])}", file=sys.stderr, flush=True)
        start = time.perf_counter()
        run(command, output / f"{name}.train.log")
        seconds = time.perf_counter() - start
        result = {"config": config or args.config, "overrides": overrides + extra, "train_seconds": seconds}
        result.update(trained(model_dir, output / f"{name}.train.log"))
        result["seconds_per_epoch"] = seconds / result["epochs"] if result["epochs"] else None
        results[name] = result
        emit({**environment(), "corpus": {"train": args.train, "dev": args.dev}, "results": results,
              "table": table(results)}, json_path)
    print(table(results))


def table(results: dict) -> str:
    lines = [
        "| variant | dev XPOS | dev UPOS | dev FEATS | model-best at update | epochs | training | s/epoch |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        dev = " | ".join(f"{100 * r['dev'][c]:.2f}" if r["dev"].get(c) is not None else "-" for c in SCORES)
        spe = f"{r['seconds_per_epoch']:.1f}" if r.get("seconds_per_epoch") else "-"
        lines.append(
            f"| {name} | {dev} | {r.get('best_update', '-')} | {r['epochs']} | {r['train_seconds']:,.0f} s | {spe} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
