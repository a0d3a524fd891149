"""`spacy-lstm-tagger report`: per-label scores and confusion matrices on a corpus.

    spacy-lstm-tagger report training/model-best corpus/en_ewt-ud-dev.spacy reports/dev

Reports every attribute the pipeline's lstm_tagger predicts (token.tag_,
token.pos_, token.morph, token.lemma_), or the ones given with --attr. Writes
OUTPUT_DIR/report.json, with one section per attribute ("tag", "pos",
"morph", "lemma"; the morph section also has spaCy's per-feature scores), and
OUTPUT_DIR/confusion_{attr}.png per attribute but lemma (needs matplotlib: pip
install "spacy-lstm-tagger[report]"). The lemma section has the accuracy, the
most frequent wrong lemmas (gold -> predicted) and, with --train, the
accuracy on the words the training corpus does not have (every section gets
that figure then). For compatibility with single-attribute reports, the first
attribute's scores are also at the top level of report.json, and its matrix
also in OUTPUT_DIR/confusion.png.

The pipeline tags the corpus words (gold tokenization, so every token is
scored and the numbers are per gold token): each doc is copied with its words
and spaces only, so no gold annotation (tags, pos, sentence starts) reaches
the pipeline. `spacy evaluate` retokenizes the text with the pipeline's
tokenizer instead, so its tag_acc can differ slightly where the tokenizations
disagree; `nlp.evaluate` on the same gold-tokenized examples gives exactly
this report's accuracy.
"""
import shutil
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import srsly
import typer
from spacy import util
from spacy.scorer import Scorer
from spacy.tokens import Doc, DocBin
from spacy.training import Example
from spacy.training.corpus import walk_corpus

from . import app
from ._util import fail, unannotated_copy
from ._util import progress as show_progress
from ..scorer import lemma_or_missing

ATTRS = ("tag", "pos", "morph", "lemma")
UNTAGGED = "(none)"  # what the pipeline left without a value
EMPTY_MORPH = "_"  # a token annotated with no features (UD FEATS "_")


def find_attrs(nlp) -> Tuple[Optional[str], Tuple[str, ...]]:
    """The (component name, predicted attributes) of the pipeline's last
    lstm_tagger; (None, ()) without one."""
    from ..component import LSTMTaggerComponent

    found: Tuple[Optional[str], Tuple[str, ...]] = (None, ())
    for name, pipe in nlp.pipeline:
        if isinstance(pipe, LSTMTaggerComponent):
            found = (name, tuple(getattr(pipe, "predicted_attrs", (pipe.attr,))))
    return found


def find_attr(nlp) -> Tuple[Optional[str], Optional[str]]:
    """The (component name, first predicted attribute) of the pipeline's last lstm_tagger."""
    name, attrs = find_attrs(nlp)
    return name, attrs[0] if attrs else None


def token_value(token, attr: str) -> Optional[str]:
    """The token's label for attr, None when it has none. morph: the UD FEATS
    string, "_" for an analysis without features (scored, as spaCy's
    morph_acc does), None when unset. lemma: None also for UD's "no lemma
    given" (scorer.lemma_or_missing)."""
    if attr == "lemma":
        return lemma_or_missing(token) or None
    if attr == "morph":
        if not token.morph.key:
            return None
        return str(token.morph) or EMPTY_MORPH
    return getattr(token, f"{attr}_") or None


def _morph_key(token, attr: str) -> int:
    return getattr(token, attr).key


def morph_per_feat(examples: Sequence[Example]) -> Dict[str, Dict[str, float]]:
    """spaCy's per-feature morph scores (Scorer.score_token_attr_per_feat, as
    the morphologizer and lstm_tagger score them), each with its support: the
    gold tokens that have the feature."""
    scores = Scorer.score_token_attr_per_feat(examples, "morph", getter=_morph_key)
    per_feat = scores.get("morph_per_feat") or {}
    support: Counter = Counter()
    for example in examples:
        for token in example.reference:
            if token.morph.key:
                support.update(feat.split("=", 1)[0] for feat in str(token.morph).split("|") if feat)
    return {
        field: {**values, "support": support[field]} for field, values in sorted(per_feat.items())
    }


def lemma_report(records: Sequence[Tuple[str, str, str]], *, top_n: int = 20) -> Dict[str, Any]:
    """Scores from (form, gold lemma, predicted lemma), one per gold-lemmatized
    token: accuracy and the most frequent wrong lemmas. No per-label table or
    confusion matrix: the labels are the lemmas, thousands of them."""
    n = len(records)
    errors: Counter = Counter((gold, pred) for _, gold, pred in records if gold != pred)
    n_errors = sum(errors.values())
    return {
        "n_tokens": n,
        "n_correct": n - n_errors,
        "n_errors": n_errors,
        "accuracy": _ratio(n - n_errors, n),
        "most_confused": [
            {"gold": gold, "predicted": pred, "count": count, "share_of_errors": _ratio(count, n_errors)}
            for (gold, pred), count in sorted(errors.items(), key=lambda item: (-item[1], item[0]))[:top_n]
        ],
    }


def unseen_accuracy(records: Sequence[Tuple[str, str, str]], train_words: set) -> Dict[str, Any]:
    """Accuracy on the tokens whose form the training corpus does not have."""
    unseen = [(gold, pred) for form, gold, pred in records if form not in train_words]
    correct = sum(gold == pred for gold, pred in unseen)
    return {"n_tokens": len(unseen), "n_correct": correct, "accuracy": _ratio(correct, len(unseen))}


def read_docs(corpus_path: Union[str, Path], vocab) -> List[Doc]:
    """The docs of a .spacy file, or of every .spacy file under a directory."""
    paths = walk_corpus(corpus_path, ".spacy")
    if not paths:
        raise ValueError(f"No .spacy files found at {corpus_path}.")
    docs: List[Doc] = []
    for path in paths:
        docs.extend(DocBin().from_disk(path).get_docs(vocab))
    return docs


def tag_docs(nlp, docs: Sequence[Doc], *, batch_size: Optional[int] = None, progress: bool = True) -> Iterator[Doc]:
    """nlp.pipe over unannotated copies of docs, with a progress bar on a terminal."""
    copies = (unannotated_copy(doc) for doc in docs)
    yield from show_progress(nlp.pipe(copies, batch_size=batch_size), len(docs), progress)


def _ratio(num: float, den: float) -> float:
    return num / den if den else 0.0


def compute_report(
    pairs: Sequence[Tuple[str, str]], *, top_n: int = 20, max_labels: Optional[int] = None
) -> Dict[str, Any]:
    """Scores from (gold, predicted) label pairs, one per gold-annotated token."""
    confusion: Counter = Counter(pairs)
    gold_counts: Counter = Counter(gold for gold, _ in pairs)
    pred_counts: Counter = Counter(pred for _, pred in pairs)
    n = len(pairs)
    correct = sum(count for (gold, pred), count in confusion.items() if gold == pred)
    per_label: Dict[str, Dict[str, float]] = {}
    for label in sorted(set(gold_counts) | set(pred_counts)):
        tp = confusion[(label, label)]
        precision = _ratio(tp, pred_counts[label])
        recall = _ratio(tp, gold_counts[label])
        per_label[label] = {
            "precision": precision,
            "recall": recall,
            "f1": _ratio(2 * precision * recall, precision + recall),
            "support": gold_counts[label],
            "predicted": pred_counts[label],
        }
    gold_labels = [label for label in per_label if gold_counts[label]]
    macro = {
        key: _ratio(sum(per_label[label][key] for label in gold_labels), len(gold_labels))
        for key in ("precision", "recall", "f1")
    }
    weighted = {
        key: _ratio(sum(per_label[label][key] * gold_counts[label] for label in gold_labels), n)
        for key in ("precision", "recall", "f1")
    }
    errors = {(gold, pred): count for (gold, pred), count in confusion.items() if gold != pred}
    n_errors = n - correct
    # Labels by the errors they take part in (as gold or as prediction), then
    # by frequency: the most confused pairs end up in the top-left corner.
    label_errors: Counter = Counter()
    for (gold, pred), count in errors.items():
        label_errors[gold] += count
        label_errors[pred] += count
    order = sorted(per_label, key=lambda label: (-label_errors[label], -gold_counts[label], label))
    if max_labels is not None:
        order = order[:max_labels]
    matrix = [[confusion[(gold, pred)] for pred in order] for gold in order]
    most_confused = [
        {"gold": gold, "predicted": pred, "count": count, "share_of_errors": _ratio(count, n_errors)}
        for (gold, pred), count in sorted(errors.items(), key=lambda item: (-item[1], item[0]))[:top_n]
    ]
    return {
        "n_tokens": n,
        "n_correct": correct,
        "n_errors": n_errors,
        "accuracy": _ratio(correct, n),
        "macro_avg": macro,
        "weighted_avg": weighted,
        "per_label": per_label,
        "label_errors": {label: label_errors[label] for label in order},
        "confusion_matrix": {
            "labels": order,
            "rows": "gold",
            "columns": "predicted",
            "matrix": matrix,
            "complete": len(order) == len(per_label),
        },
        "most_confused": most_confused,
    }


def plot_confusion(report: Dict[str, Any], path: Union[str, Path], title: str) -> None:
    """A confusion-matrix heat map: errors (off the diagonal) in reds on a log
    colour scale so that rare confusions still show, correct tokens (the
    diagonal) in greys; counts written in the cells when there is room."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError(
            "The confusion matrix plot needs matplotlib: pip install 'spacy-lstm-tagger[report]'"
        ) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy
    from matplotlib.colors import LogNorm
    from matplotlib.ticker import NullFormatter

    labels = report["confusion_matrix"]["labels"]
    n = len(labels)
    matrix = numpy.asarray(report["confusion_matrix"]["matrix"], dtype=float).reshape(n, n)
    diagonal = numpy.eye(n, dtype=bool)
    errors = numpy.ma.masked_where(diagonal | (matrix == 0), matrix)
    correct = numpy.ma.masked_where(~diagonal | (matrix == 0), matrix)
    max_error = float(errors.max()) if errors.count() else 1.0
    max_correct = float(correct.max()) if correct.count() else 1.0
    size = min(max(6.0, 0.3 * n + 3.0), 30.0)
    fig, ax = plt.subplots(figsize=(size + 1.5, size), dpi=100)
    try:
        ax.imshow(correct, cmap="Greys", norm=LogNorm(vmin=0.5, vmax=max(max_correct, 1.0) * 2), aspect="equal")
        top_error = max(max_error, 2.0)
        image = ax.imshow(errors, cmap="Reds", norm=LogNorm(vmin=0.5, vmax=top_error), aspect="equal")
        colorbar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        colorbar.set_label("errors (tokens, log scale)")
        ticks = [t * 10**e for e in range(int(numpy.log10(top_error)) + 1) for t in (1, 2, 5) if t * 10**e <= top_error]
        colorbar.set_ticks(ticks)
        colorbar.set_ticklabels([str(t) for t in ticks])
        colorbar.ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xticks(range(n))
        ax.set_yticks(range(n))
        fontsize = 10 if n <= 20 else 8 if n <= 40 else 6
        ax.set_xticklabels(labels, rotation=90, fontsize=fontsize)
        ax.set_yticklabels(labels, fontsize=fontsize)
        ax.set_xticks(numpy.arange(-0.5, n, 1), minor=True)
        ax.set_yticks(numpy.arange(-0.5, n, 1), minor=True)
        ax.grid(which="minor", color="#dddddd", linewidth=0.5)
        ax.tick_params(which="minor", length=0)
        ax.set_xlabel("predicted")
        ax.set_ylabel("gold")
        ax.set_title(title, fontsize=11)
        if n <= 45:
            for i in range(n):
                for j in range(n):
                    count = int(matrix[i, j])
                    if not count:
                        continue
                    top = max_correct if i == j else max_error
                    dark = numpy.log(count + 0.5) > 0.6 * numpy.log(top + 0.5)
                    ax.text(
                        j,
                        i,
                        str(count),
                        ha="center",
                        va="center",
                        fontsize=max(fontsize - 2, 4),
                        color="white" if dark else "black",
                    )
        fig.tight_layout()
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)


def _attr_list(attr: Union[None, str, Sequence[str]]) -> Optional[List[str]]:
    if attr is None:
        return None
    attrs = [a.strip() for a in attr.split(",")] if isinstance(attr, str) else list(attr)
    for name in attrs:
        if name not in ATTRS:
            raise ValueError(f"attr must be one of {ATTRS}, got {name!r}.")
    if not attrs or len(set(attrs)) != len(attrs):
        raise ValueError(f"attr must name each of {ATTRS} at most once, got {attr!r}.")
    return attrs


def evaluate_report(
    pipeline_path: Union[str, Path],
    corpus_path: Union[str, Path],
    output_dir: Union[str, Path],
    attr: Union[None, str, Sequence[str]] = None,
    *,
    top_n: int = 20,
    max_labels: int = 60,
    batch_size: Optional[int] = None,
    progress: bool = True,
    plot: bool = True,
    nlp=None,
    train_path: Optional[Union[str, Path]] = None,
) -> Dict[str, Any]:
    """Tag the corpus with the pipeline and write OUTPUT_DIR/report.json and,
    per attribute, OUTPUT_DIR/confusion_{attr}.png (the first attribute's also
    as OUTPUT_DIR/confusion.png). attr ("tag", "pos", "morph", a list of them
    or a comma-separated string) defaults to the attributes the lstm_tagger
    predicts. Returns the report: one section per attribute, under its name,
    and the first attribute's fields also at the top level. Gold tokens
    without a value for an attribute are not scored for it; tokens the
    pipeline left without a value count as errors (predicted "(none)").
    With train_path (the training corpus), each section also has
    "unseen_words": the accuracy on tokens whose form it does not have."""
    attrs = _attr_list(attr)
    if nlp is None:
        nlp = util.load_model(pipeline_path)
    component, component_attrs = find_attrs(nlp)
    if attrs is None:
        if not component_attrs:
            raise ValueError(f"{pipeline_path} has no lstm_tagger component; pass attr (one or more of {ATTRS}).")
        attrs = list(component_attrs)
    gold_docs = read_docs(corpus_path, nlp.vocab)
    records: Dict[str, List[Tuple[str, str, str]]] = {name: [] for name in attrs}
    n_missing = {name: 0 for name in attrs}
    examples: List[Example] = []
    n_tokens = 0
    for gold, pred in zip(gold_docs, tag_docs(nlp, gold_docs, batch_size=batch_size, progress=progress)):
        n_tokens += len(gold)
        if "morph" in attrs:
            examples.append(Example(pred, gold))
        for gold_token, pred_token in zip(gold, pred):
            for name in attrs:
                gold_value = token_value(gold_token, name)
                if gold_value is None:
                    n_missing[name] += 1
                    continue
                records[name].append((gold_token.text, gold_value, token_value(pred_token, name) or UNTAGGED))
    for name in attrs:
        if not records[name]:
            field = "morph" if name == "morph" else f"{name}_"
            raise ValueError(f"{corpus_path} has no token.{field} annotation to score against.")
    train_words = None
    if train_path is not None:
        train_words = {token.text for doc in read_docs(train_path, nlp.vocab) for token in doc}
    sections: Dict[str, Dict[str, Any]] = {}
    for name in attrs:
        if name == "lemma":
            scores = lemma_report(records[name], top_n=top_n)
        else:
            pairs = [(gold, pred) for _, gold, pred in records[name]]
            scores = compute_report(pairs, top_n=top_n, max_labels=max_labels)
        section: Dict[str, Any] = {
            "attr": name,
            "n_unannotated_tokens": n_missing[name],
            f"{name}_acc": scores["accuracy"],
        }
        section.update(scores)
        if name == "morph":
            section["per_feat"] = morph_per_feat(examples)
        if train_words is not None:
            section["unseen_words"] = unseen_accuracy(records[name], train_words)
        sections[name] = section
    report: Dict[str, Any] = {
        "pipeline": str(pipeline_path),
        "corpus": str(corpus_path),
        "component": component,
        "attrs": attrs,
        "tokenization": "gold",
        "n_docs": len(gold_docs),
        "n_corpus_tokens": n_tokens,
        "train_corpus": None if train_path is None else str(train_path),
    }
    # The first attribute's section at the top level: the layout of the
    # single-attribute report.
    report.update(sections[attrs[0]])
    report.update(sections)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    srsly.write_json(output_dir / "report.json", report)
    if plot:
        plotted = [name for name in attrs if name != "lemma"]
        for i, name in enumerate(plotted):
            scores = sections[name]
            shown = "" if scores["confusion_matrix"]["complete"] else f", {max_labels} most confused labels"
            title = (
                f"{component or 'pipeline'} {name}: accuracy {scores['accuracy']:.2%} "
                f"({scores['n_correct']}/{scores['n_tokens']} tokens{shown})\n{Path(corpus_path).name}"
            )
            plot_confusion(scores, output_dir / f"confusion_{name}.png", title)
            if i == 0:
                shutil.copyfile(output_dir / f"confusion_{name}.png", output_dir / "confusion.png")
    return report


@app.command("report")
def report_cli(
    pipeline: str = typer.Argument(..., help="Pipeline name or path (e.g. training/model-best)"),
    corpus: Path = typer.Argument(..., exists=True, help="Gold .spacy file, or a directory of them"),
    output_dir: Path = typer.Argument(..., file_okay=False, help="Where report.json and the confusion_*.png go"),
    attr: Optional[str] = typer.Option(
        None, "--attr", "-a", help="tag, pos, morph, lemma or several, comma-separated (default: the lstm_tagger's)"
    ),
    train: Optional[Path] = typer.Option(
        None, "--train", "-t", exists=True, help="The training corpus: adds the accuracy on words it does not have"
    ),
    top_n: int = typer.Option(20, "--top-n", "-n", help="How many most-confused pairs to list"),
    max_labels: int = typer.Option(60, "--max-labels", help="At most this many labels in the matrix"),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", "-b", help="nlp.pipe batch size"),
    gpu_id: int = typer.Option(-1, "--gpu-id", "-g", help="GPU id, or -1 for CPU"),
) -> None:
    """Per-label scores and confusion matrices of PIPELINE on a gold CORPUS.

    Tags the CORPUS words (gold tokenization) and writes, for each attribute
    the lstm_tagger predicts (tag, pos, morph, lemma), per-label
    precision/recall/F1, accuracy, the confusion matrix and the most confused
    pairs (for morph also the per-feature scores; for lemma the accuracy and
    the most frequent wrong lemmas) to OUTPUT_DIR/report.json, and each
    matrix to OUTPUT_DIR/confusion_{attr}.png (the first also to
    confusion.png). With --train, the accuracy on words unseen in training.
    """
    from spacy.cli._util import setup_gpu
    from wasabi import msg

    setup_gpu(gpu_id)
    try:
        report = evaluate_report(
            pipeline, corpus, output_dir, attr, top_n=top_n, max_labels=max_labels, batch_size=batch_size,
            train_path=train,
        )
    except (ValueError, ImportError) as err:
        fail(str(err))
    for name in report["attrs"]:
        section = report[name]
        msg.good(f"{name}_acc {section['accuracy']:.4f} on {section['n_tokens']} tokens")
        if "unseen_words" in section:
            unseen = section["unseen_words"]
            msg.text(f"  {unseen['accuracy']:.4f} on the {unseen['n_tokens']} tokens of words unseen in training")
        rows = [
            (f"{pair['gold']} -> {pair['predicted']}", pair["count"], f"{pair['share_of_errors']:.1%}")
            for pair in section["most_confused"][:10]
        ]
        if rows:
            msg.table(rows, header=(f"most confused {name} (gold -> predicted)", "tokens", "of errors"), divider=True)
    images = [str(output_dir / f"confusion_{name}.png") for name in report["attrs"] if name != "lemma"]
    if images:
        msg.info(f"Wrote {output_dir / 'report.json'}, {', '.join(images)} and {output_dir / 'confusion.png'}")
    else:
        msg.info(f"Wrote {output_dir / 'report.json'}")
