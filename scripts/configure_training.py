"""Write the training config the project's train step uses.

    python scripts/configure_training.py CONFIG OUTPUT_CFG --attr tag_pos_morph
        [--max-eval-frequency 200] [--log training/x/train-log.jsonl]
        [--model-size auto] [--learn-rate 0.002]
        [--paths.train corpus/converted/train --nlp.lang en ...]
        [section.key=value ...]

Loads CONFIG with the config overrides, `--section.key value` (as `spacy
train` takes them) or `section.key=value`, and writes OUTPUT_CFG with:
- components.lstm_tagger.attr: ATTR, one of tag, pos, morph or several joined
  by "_" (tag_pos_morph: one LSTM with a head per attribute, written as a list);
- training.score_weights: the predicted attributes' *_acc share 1.0 equally,
  the other attributes' *_acc get 0.0, so spacy train keeps the model-best of
  that sum;
- training.eval_frequency sized to the corpus: the training updates are
  counted with the config's own batcher over the training docs' lengths, and
  the frequency is the largest one (at most --max-eval-frequency) that still
  evaluates at least MIN_EVALUATIONS times. With a fixed frequency a small
  treebank can finish training before its first evaluation after update 0,
  and model-best is then the untrained model. An explicit
  --training.eval_frequency override is kept as given;
- training.logger: the config's logger chained with a JSONL log of every
  evaluation (--log), which scripts/check_training.py reads;
- with --model-size auto, on a treebank of fewer than SMALL_TREEBANK_WORDS
  training words, the lstm_tagger's SMALL_TREEBANK_SETTINGS (a character
  BiLSTM beside the CNN, read by the FEATS and lemma heads too, LSTM layers
  without residual connections, and per-feature FEATS heads trained beside
  the bundle head), except where an override sets them;
- with --learn-rate RATE, the initial_rate of the config's learn-rate
  schedule, unless an override sets it; a config whose rate is a number
  keeps it. project.yml keeps its own rate beside its own max_steps: a
  schedule is the two together.
"""
import argparse
import inspect
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from spacy import util
from spacy.cli._util import parse_config_overrides
from spacy.tokens import DocBin
from spacy.training.corpus import walk_corpus
from spacy.vocab import Vocab

from spacy_lstm_tagger.corpus import READER as PARAGRAPH_READER
from spacy_lstm_tagger.corpus import create_paragraph_corpus, paragraph_groups
from spacy_lstm_tagger.thinc_model import MODULE_DEFAULTS

ATTRS = ("tag", "pos", "morph", "lemma")
MIN_EVALUATIONS = 10
# The set-up for a small treebank (--model-size auto): a character BiLSTM of
# 128 (64 each way) beside the char CNN, and the FEATS and lemma heads
# reading the characters directly (char_heads). On Hungarian-Szeged and
# Uyghur-UDT (about 20k training words each) the BiLSTM raised dev UFeats and
# LEMMA on both and UPOS on Hungarian, Uyghur's UPOS level (BENCHMARKS.md,
# "Characters read twice"), for 1.24x the update's cost; char_heads then
# raised dev UFeats (+1.42, +0.11) and LEMMA (+0.70, +0.35) on both for 0.1
# of Uyghur's XPOS and UPOS, at 1.04x ("The heads read the characters").
# On EWT (205k words) neither gained, so there the config's model stays.
# Per-feature FEATS heads trained beside the bundle head (morph_mode
# "bundle_and_features"), their loss weighed 0.3: dev UPOS, UFeats and
# whole-string morph_acc up on Hungarian-Szeged and on Uyghur-UDT's UD 2.2 and
# v2.16 releases, for up to 0.14 of Uyghur's XPOS. At weight 1 they traded
# Uyghur's UFeats and LEMMA for UPOS (BENCHMARKS.md, "The feature heads' loss
# weighed 0.3").
# Residual LSTM layers (configs/default.cfg's since 2026-12-06) off: with
# this set-up they lost dev UPOS, morph_acc and UFeats on Hungarian-Szeged
# UD 2.2 and on Uyghur-UDT v2.16 (one seed against two each, BENCHMARKS.md,
# "Residual LSTM layers and smaller batches"), so a small treebank keeps the
# model its figures were measured with.
# UDPipe 2.0 also sizes its model by treebank size (a wider LSTM below 50k
# words). Keys: paths under [components.lstm_tagger].
SMALL_TREEBANK_WORDS = 50_000
SMALL_TREEBANK_SETTINGS = {
    "model.char_bilstm_width": 128,
    "model.char_heads": ["morph", "lemma"],
    "model.lstm_residual": False,
    "morph_mode": "bundle_and_features",
    "feature_loss_weight": 0.3,
}
MODEL_SIZES = ("auto", "config")
LSTM_TAGGER_ARCHITECTURES = ("spacy_lstm_tagger.LSTMTagger.v1", "spacy_lstm_tagger.LSTMTagger.v2")


def parse_attr(value: str) -> List[str]:
    """"tag" -> ["tag"], "tag_pos_morph_lemma" -> ["tag", "pos", "morph", "lemma"]."""
    attrs = value.split("_")
    if not value or any(attr not in ATTRS for attr in attrs) or len(set(attrs)) != len(attrs):
        raise ValueError(
            f"attr must be one of {', '.join(ATTRS)}, or several of them joined by '_' "
            f"(e.g. tag_pos_morph_lemma), got {value!r}."
        )
    return attrs


def score_weights(attrs: Sequence[str]) -> Dict[str, float]:
    """Equal weights for the predicted attributes' accuracies, 0.0 for the others."""
    weights = {f"{attr}_acc": 0.0 for attr in ATTRS}
    for attr in attrs:
        weights[f"{attr}_acc"] = round(1.0 / len(attrs), 4)
    return weights


def override_args(args: Sequence[str]) -> List[str]:
    """`section.key=value` arguments as `--section.key value`, the rest as
    they are. project.yml's train_overrides variable takes the first form:
    weasel reads a --vars value that starts with "--" as an option of its own
    (or strips its dashes), so `--section.key value` cannot reach this script
    from the command line."""
    converted: List[str] = []
    for arg in args:
        name, sep, value = arg.partition("=")
        if sep and not arg.startswith("-") and "." in name and " " not in name:
            converted.extend([f"--{name}", value])
        elif not arg.startswith("-") and (not converted or not converted[-1].startswith("--")):
            raise ValueError(
                f"config override {arg!r} is neither section.key=value nor the value of a --section.key "
                "option (e.g. components.lstm_tagger.model.hidden_width=64)."
            )
        else:
            converted.append(arg)
    return converted


def doc_lengths(corpus_path) -> List[int]:
    vocab = Vocab()
    lengths: List[int] = []
    for path in walk_corpus(corpus_path, ".spacy"):
        lengths.extend(len(doc) for doc in DocBin().from_disk(path).get_docs(vocab))
    return lengths


def count_updates(config) -> Dict[str, Optional[int]]:
    """The number of updates spacy train will make with the (interpolated)
    config: its batcher over the training docs, times max_epochs, capped by
    max_steps. None when neither bounds training (patience decides)."""
    training = config["training"]
    corpus = config["corpora"]["train"]
    lengths = doc_lengths(corpus["path"])
    if not lengths:
        raise ValueError(f"No training docs at {corpus['path']}.")
    treebank_words = sum(lengths)
    if corpus.get("@readers") == PARAGRAPH_READER:
        # The reader's paragraphs are examples too.
        default = inspect.signature(create_paragraph_corpus).parameters["max_sentences"].default
        lengths += [sum(group) for group in paragraph_groups(lengths, corpus.get("max_sentences", default))]
    batcher = util.registry.resolve({"batcher": training["batcher"]})["batcher"]
    # The batcher only needs len() of each item; one epoch in corpus order.
    per_epoch = sum(1 for _ in batcher([range(n) for n in lengths]))
    max_epochs, max_steps = training["max_epochs"], training["max_steps"]
    total = per_epoch * max_epochs if max_epochs > 0 else None
    if max_steps:
        # spacy train stops after the update with step index max_steps.
        total = max_steps + 1 if total is None else min(total, max_steps + 1)
    return {
        "words": sum(lengths),
        "treebank_words": treebank_words,
        "docs": len(lengths),
        "updates_per_epoch": per_epoch,
        "updates": total,
    }


def choose_small_treebank_settings(config, overrides: Dict, treebank_words: int, model_size: str) -> Dict[str, object]:
    """The lstm_tagger settings --model-size asks for: {} for "config", or
    below SMALL_TREEBANK_WORDS the SMALL_TREEBANK_SETTINGS that no override
    sets."""
    if model_size not in MODEL_SIZES:
        raise ValueError(f"model size must be one of {', '.join(MODEL_SIZES)}, got {model_size!r}.")
    if model_size == "config" or treebank_words >= SMALL_TREEBANK_WORDS:
        return {}
    model = config["components"]["lstm_tagger"]["model"]
    architecture = model.get("@architectures")
    if architecture not in LSTM_TAGGER_ARCHITECTURES:
        raise ValueError(
            f"--model-size auto sizes the model of {' or '.join(LSTM_TAGGER_ARCHITECTURES)}, and this config's "
            f"lstm_tagger uses {architecture!r}; use --model-size config (project.yml: --vars.model_size config)."
        )
    char_rows = model.get("char_rows", MODULE_DEFAULTS["char_rows"])
    if not char_rows or model.get("char_encoder", MODULE_DEFAULTS["char_encoder"]) != "cnn":
        # No character CNN to put the BiLSTM beside (fast.cfg has none; a
        # character BiLSTM instead of it is a choice of its own): the config's model.
        return {}
    chosen = {
        key: value for key, value in SMALL_TREEBANK_SETTINGS.items() if f"components.lstm_tagger.{key}" not in overrides
    }
    # The weight belongs to the per-feature heads beside the bundle head: a
    # morph_mode override without them takes it out too (the component
    # refuses a weight other than 1 there).
    if overrides.get("components.lstm_tagger.morph_mode", "bundle_and_features") != "bundle_and_features":
        chosen.pop("feature_loss_weight", None)
    return chosen


def set_learn_rate(config, overrides: Dict, rate: Optional[float]) -> Optional[float]:
    """Sets the initial_rate of the config's learn-rate schedule (the shipped
    lstm_tagger configs' warmup_linear) to `rate`, the rate paired with
    project.yml's max_steps. A config whose rate is a number (fast.cfg,
    spaCy's own configs) or a schedule without an initial_rate keeps its own:
    a baseline's rate is not changed behind its back. Returns the rate set;
    None where nothing was set (also where an override sets the rate)."""
    if rate is None:
        return None
    if not rate > 0:
        raise ValueError(f"--learn-rate must be a number above 0, got {rate!r}.")
    learn_rate = config["training"]["optimizer"].get("learn_rate")
    if not isinstance(learn_rate, dict) or "initial_rate" not in learn_rate:
        return None
    if {"training.optimizer.learn_rate", "training.optimizer.learn_rate.initial_rate"} & set(overrides):
        return None
    learn_rate["initial_rate"] = rate
    return rate


def choose_eval_frequency(updates: Optional[int], max_frequency: int) -> int:
    if updates is None:
        return max_frequency
    return max(1, min(max_frequency, updates // MIN_EVALUATIONS))


def configure(
    config_path,
    output_path,
    attr: str,
    overrides: Dict,
    *,
    max_eval_frequency: int = 200,
    log_path: Optional[str] = None,
    model_size: str = "config",
    learn_rate: Optional[float] = None,
):
    attrs = parse_attr(attr)
    config = util.load_config(config_path, overrides=overrides, interpolate=False)
    lang = config["nlp"]["lang"]
    try:
        util.get_lang_class(lang)
    except ImportError:
        raise ValueError(
            f"spaCy has no language {lang!r} (spacy.lang.{lang}); use lang xx, spaCy's multi-language "
            "tokenizer, for a language it lacks (e.g. --vars.lang xx)."
        ) from None
    config["components"]["lstm_tagger"]["attr"] = attrs[0] if len(attrs) == 1 else attrs
    weights = config["training"].setdefault("score_weights", {})
    weights.update(score_weights(attrs))
    if "morph" in attrs:
        weights.setdefault("morph_per_feat", None)
    counts = count_updates(config.interpolate())
    small = choose_small_treebank_settings(config, overrides, counts["treebank_words"], model_size)
    for path, value in small.items():
        util.set_dot_to_object(config, f"components.lstm_tagger.{path}", value)
    rate = set_learn_rate(config, overrides, learn_rate)
    if "training.eval_frequency" in overrides:
        frequency = overrides["training.eval_frequency"]
    else:
        frequency = choose_eval_frequency(counts["updates"], max_eval_frequency)
    config["training"]["eval_frequency"] = frequency
    if log_path:
        config["training"]["logger"] = {
            "@loggers": "spacy.ChainLogger.v1",
            "logger1": dict(config["training"]["logger"]),
            "logger2": {
                "@loggers": "spacy.ConsoleLogger.v3",
                "progress_bar": None,
                "console_output": False,
                "output_file": str(log_path),
            },
        }
        # ConsoleLogger refuses to overwrite a log, and a stale one would be
        # read as this run's.
        Path(log_path).unlink(missing_ok=True)
    Path(output_path).parent.mkdir(parents=True, exist_ok=True)
    config.to_disk(output_path)
    return {
        **counts, "attrs": attrs, "lang": lang, "eval_frequency": frequency, "small_treebank_settings": small, "learn_rate": rate,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False
    )
    parser.add_argument("config")
    parser.add_argument("output")
    parser.add_argument("--attr", required=True, help="tag, pos, morph, or several joined by '_'")
    parser.add_argument("--max-eval-frequency", type=int, default=200)
    parser.add_argument("--log", help="JSONL log of the evaluations (for scripts/check_training.py)")
    parser.add_argument(
        "--model-size", choices=MODEL_SIZES, default="config",
        help=f"auto: the small-treebank set-up below {SMALL_TREEBANK_WORDS} training words; config: the config's own",
    )
    parser.add_argument(
        "--learn-rate", type=float,
        help="the learn-rate schedule's initial_rate (a config whose rate is a number keeps it); default: the config's",
    )
    args, rest = parser.parse_known_args(argv)
    try:
        overrides = parse_config_overrides(override_args(rest))
        info = configure(
            args.config, args.output, args.attr, overrides,
            max_eval_frequency=args.max_eval_frequency, log_path=args.log, model_size=args.model_size,
            learn_rate=args.learn_rate,
        )
    except (ValueError, OSError) as err:
        sys.exit(f"configure_training: {err}")
    updates = "unbounded (patience)" if info["updates"] is None else info["updates"]
    if info["small_treebank_settings"]:
        sizes = ", ".join(f"{key} {value}" for key, value in info["small_treebank_settings"].items())
        model = f"small-treebank set-up ({info['treebank_words']} < {SMALL_TREEBANK_WORDS} treebank words): {sizes}"
    else:
        model = "the config's model sizes"
    if info["learn_rate"] is not None:
        model += f"; learn rate {info['learn_rate']}"
    print(
        f"{args.output}: attr {info['attrs']}, lang {info['lang']}, {info['words']} training words in {info['docs']} docs, "
        f"{info['updates_per_epoch']} updates per epoch, {updates} updates, "
        f"eval_frequency {info['eval_frequency']}; {model}"
    )


if __name__ == "__main__":
    main()
