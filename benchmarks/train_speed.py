"""Training speed, side by side: one epoch of `spacy train`'s update loop.

For each config: build and initialize the pipeline exactly as `spacy train`
does (spacy.training.initialize.init_nlp), then time one pass over the training
corpus with the config's own batcher, optimizer and dropout. Initialization and
evaluation are not timed. Prints seconds per epoch, words/s and the ratio.

    python benchmarks/train_speed.py configs/default.cfg configs/fast.cfg \
        --baseline configs/spacy_cnn_tagger.cfg [--gpu-id 0]

Configs are timed in the order given, the baseline last.
"""
import argparse
import time

import spacy
from _environment import emit, environment
from spacy.training.initialize import init_nlp
from spacy.schemas import ConfigSchemaTraining
from spacy.util import load_config, registry, resolve_dot_names


def time_one_epoch(config_path, overrides):
    config = load_config(config_path, overrides=overrides, interpolate=False)
    nlp = init_nlp(config)
    # nlp.config is the config filled with spaCy's defaults, as `spacy train` uses it.
    filled = nlp.config.interpolate()
    training = registry.resolve(filled["training"], schema=ConfigSchemaTraining)
    (train_corpus,) = resolve_dot_names(filled, [training["train_corpus"]])
    optimizer = training["optimizer"]
    batcher = training["batcher"]
    examples = list(train_corpus(nlp))
    n_words = sum(len(eg.reference) for eg in examples)
    start = time.perf_counter()
    for batch in batcher(examples):
        nlp.update(batch, sgd=optimizer, drop=training["dropout"])
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "words": n_words, "words_per_second": n_words / seconds}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ours", nargs="+", help="lstm_tagger configs")
    parser.add_argument("--baseline", required=True, help="spaCy tagger config")
    parser.add_argument("--gpu-id", type=int, default=-1)
    parser.add_argument("--train", help="training corpus instead of the configs' paths.train")
    parser.add_argument("--json")
    args = parser.parse_args()
    if args.gpu_id >= 0:
        spacy.require_gpu(args.gpu_id)
    overrides = {"paths.train": args.train} if args.train else {}
    results = {}
    for path in args.ours + [args.baseline]:
        results[path] = time_one_epoch(path, overrides)
        print(f"{path:<32} {results[path]['seconds']:8.1f} s/epoch {results[path]['words_per_second']:10,.0f} words/s")
    base = results[args.baseline]["seconds"]
    ratios = {path: results[path]["seconds"] / base for path in args.ours}
    for path, ratio in ratios.items():
        print(f"epoch time {path} / {args.baseline}: {ratio:.2f}")
    out = {
        **environment(args.gpu_id),
        "baseline": args.baseline,
        "results": results,
        "epoch_time_ratio_to_baseline": ratios,
    }
    emit(out, args.json)


if __name__ == "__main__":
    main()
