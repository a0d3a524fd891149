"""The cost of one training update, variants side by side, and where it goes.

Builds each variant's pipeline exactly as `spacy train` does
(spacy.training.initialize.init_nlp on the config with the variant's
overrides), makes the batches as spaCy's training loop does (the corpus
shuffled once with a fixed seed, then the config's batcher), and times
`nlp.update` with the config's optimizer and dropout. The variants take
turns in one process: each round runs --updates updates of every variant, in
a rotating order, on the same batches, so a change of the machine's load hits
them alike. Printed per variant: seconds per update and per 1,000 words
(min and median over the rounds) and the median of the per-round ratios to
the first variant; the load average before and after.

    python benchmarks/update_cost.py configs/default.cfg --variants base,bf16
    python benchmarks/update_cost.py configs/default.cfg --variants base,words2000 \\
        --json benchmarks/results/update-cost-2026-12-04/batch.json
    python benchmarks/update_cost.py configs/default.cfg --variants base --profile

A variant is a name from VARIANTS below, NAME=section.key:value,... (config
overrides, values read as JSON), or NAME=FILE.cfg (another config, for a
change overrides cannot make, such as another batcher's section). --profile times the parts of an update for
each variant (spaCy's example copies, featurization, forward, loss, backward,
optimizer) by wrapping the functions that do them; --torch-profile prints
torch.profiler's operator table of the first variant, with the matrix
products' FLOPs per update and their rate against one large product's on
this machine (float32 and bfloat16); --cprofile FILE
writes cProfile's stats of the first variant.

--against DIR compares this checkout with another one (e.g. `git archive
f822aa2 | tar -x -C DIR`, release 0.6.0): child processes, alternately with
DIR's package (its --against-variants) and this one's (--variants) first
on the path, each with its own tree's config, back to back, --rounds times.

    python benchmarks/update_cost.py configs/default.cfg --against /tmp/v060 \
        --variants base,bf16 --threads 1 --clock process

On a busy machine, time one torch thread with --clock process (the
process's CPU seconds: waiting for a core does not count); with two torch
threads and another process on the other core, every parallel operation
waits for a time slice and wall times grow many times over.
"""
import argparse
import contextlib
import cProfile
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import torch
from _environment import environment
from spacy.schemas import ConfigSchemaTraining
from spacy.training.initialize import init_nlp
from spacy.util import fix_random_seed, load_config, registry, resolve_dot_names

# name: (config overrides, setup(nlp) run after init_nlp, context manager
# factory entered around the variant's updates or None)
VARIANTS = {
    "base": ({}, None, None),
    # The training forward on nn.LSTM, as before torch_training.packed_lstm (0.6.0's).
    "native_lstm": ({}, None, lambda: native_lstm()),
    # The architecture's training_precision. Results written before it existed
    # name "bf16" the shim's torch.autocast (training_autocast), which this
    # setting replaced.
    "bf16": ({"components.lstm_tagger.model.training_precision": "bfloat16"}, None, None),
    "float32": ({"components.lstm_tagger.model.training_precision": "float32"}, None, None),
    "words500": ({"training.batcher.size": 500}, None, None),
    "words2000": ({"training.batcher.size": 2000}, None, None),
    "words4000": ({"training.batcher.size": 4000}, None, None),
}


@contextlib.contextmanager
def native_lstm():
    """nn.LSTM for the training forward too (torch_model.packed_lstm_supported says no)."""
    from spacy_lstm_tagger import torch_model

    original = torch_model.packed_lstm_supported
    torch_model.packed_lstm_supported = lambda lstm: False
    try:
        yield
    finally:
        torch_model.packed_lstm_supported = original


def split_top_level(text):
    """Split on the commas outside brackets: a JSON list value such as
    ["morph","lemma"] stays one piece."""
    pieces, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += char in "[{"
        depth -= char in "]}"
        if char == "," and depth == 0:
            pieces.append(text[start:i])
            start = i + 1
    return pieces + [text[start:]]


def split_variants(text):
    """--variants into one spec per variant: a piece that is neither a
    variant's name nor NAME=... is a further section.key:value of the
    variant before it (NAME=a:1,b:2 is one variant with two overrides)."""
    specs = []
    for piece in split_top_level(text):
        if specs and piece not in VARIANTS and "=" not in piece and ":" in piece:
            specs[-1] += "," + piece
        else:
            specs.append(piece)
    return specs


def parse_variant(spec):
    if spec in VARIANTS:
        return spec, (*VARIANTS[spec], None)
    if "=" not in spec:
        sys.exit(f"unknown variant {spec!r}: one of {', '.join(VARIANTS)} or NAME=section.key:value,...")
    name, overrides = spec.split("=", 1)
    if overrides.endswith(".cfg"):
        return name, ({}, None, None, overrides)
    parsed = {}
    for item in split_top_level(overrides):
        key, value = item.split(":", 1)
        parsed[key] = json.loads(value)
    return name, (parsed, None, None, None)


# time.perf_counter (wall), or time.process_time (--clock process: this
# process's CPU seconds, which time spent waiting for a core on a busy
# machine does not inflate; with --threads 1 it is the update's own cost).
CLOCK = time.perf_counter


class Variant:
    """One pipeline with its optimizer, batcher and batches."""

    def __init__(self, name, config_path, overrides, setup, context, variant_config, seed, train_path):
        self.name = name
        config_path = variant_config or config_path
        self.context = context or contextlib.nullcontext
        overrides = dict(overrides)
        if train_path:
            overrides["paths.train"] = train_path
        config = load_config(config_path, overrides=overrides, interpolate=False)
        self.nlp = init_nlp(config)
        if setup is not None:
            setup(self.nlp)
        filled = self.nlp.config.interpolate()
        training = registry.resolve(filled["training"], schema=ConfigSchemaTraining)
        (train_corpus,) = resolve_dot_names(filled, [training["train_corpus"]])
        self.optimizer = training["optimizer"]
        self.dropout = training["dropout"]
        examples = list(train_corpus(self.nlp))
        random.Random(seed).shuffle(examples)
        self.batches = list(training["batcher"](examples))
        self.position = 0
        fix_random_seed(seed)

    def run(self, n_updates):
        """Time n updates on the next batches (wrapping around): (seconds, words)."""
        with self.context():
            return self._run(n_updates)

    def _run(self, n_updates):
        words = 0
        seconds = 0.0
        for _ in range(n_updates):
            batch = self.batches[self.position % len(self.batches)]
            self.position += 1
            words += sum(len(eg.reference) for eg in batch)
            start = CLOCK()
            self.nlp.update(batch, sgd=self.optimizer, drop=self.dropout)
            # spaCy's loop steps the learn-rate schedule after every update.
            self.optimizer.step_schedules()
            seconds += CLOCK() - start
        return seconds, words


class PartTimer:
    """Seconds spent in the parts of an update, by wrapping the functions
    that do them, and the featurizer's per-word cache lookups and misses."""

    def __init__(self):
        self.seconds = defaultdict(float)
        self.depth = defaultdict(int)
        self.cache = defaultdict(int)
        self.patches = []

    def patch(self, owner, attribute, replacement_of):
        original = getattr(owner, attribute)
        self.patches.append((owner, attribute, original))
        setattr(owner, attribute, replacement_of(original))

    def wrap(self, owner, attribute, part):
        timer = self

        def replacement_of(original):
            def timed(*args, **kwargs):
                # A part counts once where it calls itself (nested wrappers).
                timer.depth[part] += 1
                start = CLOCK()
                try:
                    return original(*args, **kwargs)
                finally:
                    timer.depth[part] -= 1
                    if not timer.depth[part]:
                        timer.seconds[part] += CLOCK() - start

            return timed

        self.patch(owner, attribute, replacement_of)

    def install(self):
        import spacy.language
        import thinc.optimizers

        from spacy_lstm_tagger import component, featurizer, torch_shim

        timer = self

        # Cache: a miss computes word_features; a batch looks up its distinct words.
        def count_misses(original):
            def word_features(featurizer_self, text):
                timer.cache["misses"] += 1
                return original(featurizer_self, text)

            return word_features

        def count_lookups(original):
            def features(featurizer_self, docs):
                result = original(featurizer_self, docs)
                timer.cache["lookups"] += len(result[0])
                return result

            return features

        self.patch(featurizer.TokenFeaturizer, "word_features", count_misses)
        self.patch(featurizer.TokenFeaturizer, "features", count_lookups)
        self.wrap(spacy.language, "_copy_examples", "spaCy's example copies")
        self.wrap(featurizer.TokenFeaturizer, "features", "featurization")
        self.wrap(featurizer.TokenFeaturizer, "sequence_lengths", "featurization")
        self.wrap(component.LSTMTaggerComponent, "get_loss", "loss and gold labels")
        self.wrap(thinc.optimizers.Optimizer, "__call__", "optimizer: dense parameters")
        self.wrap(torch_shim.LazyAdam, "update", "optimizer: lazy Adam rows")
        self.wrap(torch_shim.LSTMTaggerShim, "finish_update", "optimizer (all)")

        def time_forward_and_backward(original):
            def begin_update(shim, inputs):
                start = CLOCK()
                output, backprop = original(shim, inputs)
                timer.seconds["forward (torch)"] += CLOCK() - start

                def timed_backprop(grads):
                    start = CLOCK()
                    try:
                        return backprop(grads)
                    finally:
                        timer.seconds["backward (torch)"] += CLOCK() - start

                return output, timed_backprop

            return begin_update

        self.patch(torch_shim.LSTMTaggerShim, "begin_update", time_forward_and_backward)

    def uninstall(self):
        for owner, attribute, original in reversed(self.patches):
            setattr(owner, attribute, original)
        self.patches = []


def profile_parts(variants, n_updates, rounds):
    """{variant: {part: seconds per update}} over rounds x n_updates updates each."""
    timer = PartTimer()
    timer.install()
    result = {}
    try:
        totals = defaultdict(float)
        parts = {v.name: defaultdict(float) for v in variants}
        for _ in range(rounds):
            for variant in variants:
                before = dict(timer.seconds)
                seconds, _ = variant.run(n_updates)
                totals[variant.name] += seconds
                for part, value in timer.seconds.items():
                    parts[variant.name][part] += value - before.get(part, 0.0)
        for variant in variants:
            count = rounds * n_updates
            table = {part: value / count for part, value in parts[variant.name].items()}
            table = {
                "update (total)": totals[variant.name] / count,
                **table,
            }
            # The optimizer's parts are inside "optimizer (all)"; the rest is
            # spaCy's and thinc's own work between them.
            own = ("spaCy's example copies", "featurization", "loss and gold labels", "forward (torch)",
                   "backward (torch)", "optimizer (all)")
            table["other (spaCy/thinc glue, outputs, schedules)"] = table["update (total)"] - sum(
                table.get(part, 0.0) for part in own
            )
            result[variant.name] = table
    finally:
        timer.uninstall()
    lookups = timer.cache["lookups"]
    cache = {"lookups": lookups, "misses": timer.cache["misses"],
             "hit_rate": 1 - timer.cache["misses"] / lookups if lookups else None}
    return result, cache


def featurizer_stats(variants):
    stats = {}
    for variant in variants:
        for _, component in variant.nlp.pipeline:
            model = getattr(component, "model", None)
            if model is None or model.name != "lstm_tagger":
                continue
            featurizer = model.layers[0].attrs["convert_inputs"].keywords["featurizer"]
            stats[variant.name] = {
                "cache_entries": len(featurizer._cache),
                "cache_size": featurizer.cache_size,
                **{k: v for k, v in getattr(featurizer, "cache_stats", {}).items()},
            }
    return stats


def print_table(summary):
    base = next(iter(summary))
    print(f"{'variant':<16} {'s/update min':>13} {'median':>8} {'s/1k words min':>15} {'median':>8} "
          f"{'ratio to ' + base + ' (median of rounds)':>34}")
    for name, row in summary.items():
        print(f"{name:<16} {row['seconds_per_update_min']:13.4f} {row['seconds_per_update_median']:8.4f} "
              f"{row['seconds_per_1k_words_min']:15.4f} {row['seconds_per_1k_words_median']:8.4f} "
              f"{row['ratio_per_update_median']:16.3f} /update {row['ratio_per_word_median']:6.3f} /word")


def summarize(per_round):
    """per_round: {variant: [(seconds, words, updates), ...]} -> summary with ratios to the first."""
    names = list(per_round)
    base = names[0]
    summary = {}
    for name in names:
        rows = per_round[name]
        per_update = [s / n for s, w, n in rows]
        per_word = [1000 * s / w for s, w, n in rows]
        base_rows = per_round[base]
        ratio_update = [(s / n) / (bs / bn) for (s, w, n), (bs, bw, bn) in zip(rows, base_rows)]
        ratio_word = [(s / w) / (bs / bw) for (s, w, n), (bs, bw, bn) in zip(rows, base_rows)]
        summary[name] = {
            "seconds_per_update_min": min(per_update),
            "seconds_per_update_median": statistics.median(per_update),
            "seconds_per_1k_words_min": min(per_word),
            "seconds_per_1k_words_median": statistics.median(per_word),
            "ratio_per_update_median": statistics.median(ratio_update),
            "ratio_per_update_of_mins": min(per_update) / min(s / n for s, w, n in base_rows),
            "ratio_per_word_median": statistics.median(ratio_word),
            "words_per_update": sum(w for s, w, n in rows) / sum(n for s, w, n in rows),
            "rounds": rows,
        }
    return summary


def run_in_process(args):
    specs = [parse_variant(spec) for spec in split_variants(args.variants)]
    load_before = os.getloadavg()
    start = time.perf_counter()
    variants = [Variant(name, args.config, *spec, args.seed, args.train) for name, spec in specs]
    print(f"built {len(variants)} pipelines in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    for variant in variants:
        variant.run(args.warmup)
    out = {**environment(), "config": args.config, "variants": {name: spec[0] for name, spec in specs},
           "clock": args.clock,
           "updates_per_round": args.updates, "rounds": args.rounds, "warmup": args.warmup,
           "load_average_before": load_before}
    if args.profile:
        out["profile_seconds_per_update"], out["featurizer_cache"] = profile_parts(variants, args.updates, args.rounds)
        print(f"featurizer cache during the profiled updates: {out['featurizer_cache']}")
        for name, table in out["profile_seconds_per_update"].items():
            total = table["update (total)"]
            print(f"\n{name}: seconds per update, and share of the update")
            for part, value in table.items():
                print(f"  {part:<46} {value:8.4f}  {100 * value / total:5.1f}%")
    elif args.torch_profile or args.cprofile:
        variant = variants[0]
        if args.cprofile:
            profiler = cProfile.Profile()
            profiler.enable()
            variant.run(args.updates)
            profiler.disable()
            profiler.dump_stats(args.cprofile)
            print(f"cProfile stats of {args.updates} updates of {variant.name}: {args.cprofile}")
        if args.torch_profile:
            from torch.profiler import ProfilerActivity, profile

            with profile(activities=[ProfilerActivity.CPU], with_flops=True) as prof:
                variant.run(args.updates)
            averages = prof.key_averages()
            table = averages.table(sort_by="self_cpu_time_total", row_limit=40)
            print(table)
            out["torch_profile"] = table
            out["matmuls"] = matmul_share(averages, args.updates)
            seconds, _ = variant.run(args.updates)
            out["matmuls"]["seconds_per_update_unprofiled"] = seconds / args.updates
            out["matmuls"]["attainable_gflops"] = attainable_matmul_gflops()
            report = out["matmuls"]
            print(
                f"matrix products per update: {report['gflop_per_update']:.2f} GFLOP in "
                f"{report['seconds_per_update']:.4f} s of their own time ({report['gflops']:.1f} GFLOP/s); "
                f"the whole update takes {report['seconds_per_update_unprofiled']:.4f} s unprofiled "
                f"({report['gflop_per_update'] / report['seconds_per_update_unprofiled']:.1f} GFLOP/s of products); "
                f"one large float32 product here: {report['attainable_gflops']['float32']:.1f} GFLOP/s, "
                f"bfloat16: {report['attainable_gflops']['bfloat16']:.1f}"
            )
    else:
        per_round = {v.name: [] for v in variants}
        for round_index in range(args.rounds):
            order = variants[round_index % len(variants):] + variants[: round_index % len(variants)]
            for variant in order:
                seconds, words = variant.run(args.updates)
                per_round[variant.name].append((seconds, words, args.updates))
        out["summary"] = summarize(per_round)
        print_table(out["summary"])
    out["featurizer"] = featurizer_stats(variants)
    out["load_average_after"] = os.getloadavg()
    print(f"load average before {load_before}, after {out['load_average_after']}")
    return out


def run_against(args):
    """Alternate child processes: DIR's package (its --against-variants), then
    this checkout's (--variants), --rounds times, each with its own tree's
    config file."""
    here = Path(__file__).resolve().parent
    trees = {"against": Path(args.against).resolve(), "this": here.parent}
    variants = {"against": args.against_variants, "this": args.variants}
    per_round = defaultdict(list)
    load_before = os.getloadavg()
    for round_index in range(args.rounds):
        order = ["against", "this"] if round_index % 2 == 0 else ["this", "against"]
        for tree in order:
            config = Path(args.config)
            if not config.is_absolute():
                config = trees[tree] / config
            command = [sys.executable, __file__, str(config), "--variants", variants[tree], "--rounds", "1",
                       "--updates", str(args.updates), "--warmup", str(args.warmup), "--seed", str(args.seed),
                       "--child", "--clock", args.clock] + (["--threads", str(args.threads)] if args.threads else [])
            if args.train:
                command += ["--train", args.train]
            env = dict(os.environ, PYTHONPATH=str(trees[tree]))
            completed = subprocess.run(command, env=env, capture_output=True, text=True, cwd=here.parent)
            if completed.returncode:
                sys.exit(f"{tree} child failed:\n{completed.stderr[-3000:]}")
            child = json.loads(completed.stdout.strip().splitlines()[-1])
            if not child["package"].startswith(str(trees[tree])):
                sys.exit(f"the {tree} child imported {child['package']}, not the package in {trees[tree]}")
            for name, rows in child["rounds"].items():
                per_round[f"{tree}:{name}"].extend(rows)
            print(f"round {round_index} {tree}: "
                  + ", ".join(f"{n} {s / u:.4f} s/update" for n, rows in child["rounds"].items() for s, w, u in rows),
                  file=sys.stderr, flush=True)
    names = sorted(per_round, key=lambda n: (not n.startswith("against"), n))
    summary = summarize({name: per_round[name] for name in names})
    print_table(summary)
    out = {**environment(), "config": args.config, "against": str(trees["against"]), "this": str(trees["this"]),
           "against_variants": args.against_variants, "variants": args.variants, "clock": args.clock,
           "threads": args.threads, "updates_per_round": args.updates, "rounds": args.rounds, "warmup": args.warmup,
           "load_average_before": load_before, "summary": summary, "load_average_after": os.getloadavg()}
    print(f"load average before {load_before}, after {out['load_average_after']}")
    return out


# The operators that do the matrix products of an update (forward and backward).
MATMUL_OPS = ("aten::mm", "aten::addmm", "aten::addmm_", "aten::bmm", "aten::baddbmm", "aten::matmul")


def matmul_share(averages, updates: int) -> dict:
    """FLOPs that torch.profiler counts for the matrix products, and their own
    CPU time, per update."""
    flops = sum(event.flops for event in averages if event.key in MATMUL_OPS)
    seconds = sum(event.self_cpu_time_total for event in averages if event.key in MATMUL_OPS) / 1e6
    total = sum(event.self_cpu_time_total for event in averages) / 1e6
    return {
        "gflop_per_update": flops / 1e9 / updates,
        "seconds_per_update": seconds / updates,
        "share_of_profiled_time": seconds / total if total else None,
        "gflops": flops / 1e9 / seconds if seconds else None,
    }


def attainable_matmul_gflops(repeat: int = 50) -> dict:
    """GFLOP/s of this machine's torch on one product the size of an update's
    largest (1,000 tokens x 448 inputs x 1,024 gates), best of `repeat`, in
    float32 and bfloat16: what the arithmetic of an update can reach."""
    rates = {}
    for dtype in (torch.float32, torch.bfloat16):
        a, b = torch.randn(1000, 448, dtype=dtype), torch.randn(448, 1024, dtype=dtype)
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            torch.mm(a, b)
            best = min(best, time.perf_counter() - start)
        rates[str(dtype).replace("torch.", "")] = 2 * 1000 * 448 * 1024 / best / 1e9
    return rates


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config")
    parser.add_argument("--variants", default="base", help="comma-separated; the first is the ratios' baseline")
    parser.add_argument("--updates", type=int, default=5, help="updates per variant per round")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=10, help="untimed updates per variant first")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train", help="training corpus instead of the config's paths.train")
    parser.add_argument("--profile", action="store_true", help="seconds per update in each part")
    parser.add_argument("--torch-profile", action="store_true")
    parser.add_argument("--cprofile", metavar="FILE")
    parser.add_argument("--against", metavar="DIR", help="another checkout to compare with, in child processes")
    parser.add_argument("--against-variants", default="base", help="the variants run with --against's package")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's)")
    parser.add_argument("--clock", choices=["wall", "process"], default="wall",
                        help="process: CPU seconds of this process (use with --threads 1 on a busy machine)")
    parser.add_argument("--json")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    global CLOCK
    CLOCK = time.process_time if args.clock == "process" else time.perf_counter
    if args.child:
        import spacy_lstm_tagger

        specs = [parse_variant(spec) for spec in split_variants(args.variants)]
        variants = [Variant(name, args.config, *spec, args.seed, args.train) for name, spec in specs]
        rounds = {}
        for variant in variants:
            variant.run(args.warmup)
            rounds[variant.name] = [(*variant.run(args.updates), args.updates)]
        print(json.dumps({"package": spacy_lstm_tagger.__file__, "rounds": rounds}))
        return
    out = run_against(args) if args.against else run_in_process(args)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
