"""`spacy-lstm-tagger report`: per-tag scores and a confusion matrix on a corpus.

    spacy-lstm-tagger report training/model-best corpus/en_ewt-ud-dev.spacy reports/dev

Writes OUTPUT_DIR/report.json and OUTPUT_DIR/confusion.png (needs matplotlib:
pip install "spacy-lstm-tagger[report]").

The pipeline tags the corpus words (gold tokenization, so every token is
scored and the numbers are per gold token): each doc is copied with its words
and spaces only, so no gold annotation (tags, pos, sentence starts) reaches
the pipeline. `spacy evaluate` retokenizes the text with the pipeline's
tokenizer instead, so its tag_acc can differ slightly where the tokenizations
disagree; `nlp.evaluate` on the same gold-tokenized examples gives exactly
this report's accuracy.
"""
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import srsly
import typer
from spacy import util
from spacy.tokens import Doc, DocBin
from spacy.training.corpus import walk_corpus

from . import app
from ._util import fail, unannotated_copy
from ._util import progress as show_progress

ATTRS = ("tag", "pos")
UNTAGGED = "(none)"  # what the pipeline left without a value


def find_attr(nlp) -> Tuple[Optional[str], Optional[str]]:
    """The (component name, attr) of the pipeline's last lstm_tagger."""
    from ..component import LSTMTaggerComponent

    found = (None, None)
    for name, pipe in nlp.pipeline:
        if isinstance(pipe, LSTMTaggerComponent):
            found = (name, pipe.attr)
    return found


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


def evaluate_report(
    pipeline_path: Union[str, Path],
    corpus_path: Union[str, Path],
    output_dir: Union[str, Path],
    attr: Optional[str] = None,
    *,
    top_n: int = 20,
    max_labels: int = 60,
    batch_size: Optional[int] = None,
    progress: bool = True,
    plot: bool = True,
    nlp=None,
) -> Dict[str, Any]:
    """Tag the corpus with the pipeline and write OUTPUT_DIR/report.json and
    OUTPUT_DIR/confusion.png. attr ("tag" or "pos") defaults to the
    lstm_tagger's. Returns the report. Gold tokens without a value for attr
    are not scored; tokens the pipeline left without a value count as errors
    (predicted "(none)")."""
    if attr is not None and attr not in ATTRS:
        raise ValueError(f"attr must be one of {ATTRS}, got {attr!r}.")
    if nlp is None:
        nlp = util.load_model(pipeline_path)
    component, component_attr = find_attr(nlp)
    if attr is None:
        if component_attr is None:
            raise ValueError(f"{pipeline_path} has no lstm_tagger component; pass attr ('tag' or 'pos').")
        attr = component_attr
    if attr not in ATTRS:
        raise ValueError(f"attr must be one of {ATTRS}, got {attr!r}.")
    gold_docs = read_docs(corpus_path, nlp.vocab)
    key = f"{attr}_"
    pairs: List[Tuple[str, str]] = []
    n_tokens = n_missing = 0
    for gold, pred in zip(gold_docs, tag_docs(nlp, gold_docs, batch_size=batch_size, progress=progress)):
        n_tokens += len(gold)
        for gold_token, pred_token in zip(gold, pred):
            gold_value = getattr(gold_token, key)
            if not gold_value:
                n_missing += 1
                continue
            pairs.append((gold_value, getattr(pred_token, key) or UNTAGGED))
    if not pairs:
        raise ValueError(f"{corpus_path} has no token.{attr}_ annotation to score against.")
    report: Dict[str, Any] = {
        "pipeline": str(pipeline_path),
        "corpus": str(corpus_path),
        "component": component,
        "attr": attr,
        "tokenization": "gold",
        "n_docs": len(gold_docs),
        "n_corpus_tokens": n_tokens,
        "n_unannotated_tokens": n_missing,
    }
    scores = compute_report(pairs, top_n=top_n, max_labels=max_labels)
    report[f"{attr}_acc"] = scores["accuracy"]
    report.update(scores)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    srsly.write_json(output_dir / "report.json", report)
    if plot:
        shown = "" if scores["confusion_matrix"]["complete"] else f", {max_labels} most confused labels"
        title = (
            f"{component or 'pipeline'} {attr}: accuracy {scores['accuracy']:.2%} "
            f"({scores['n_correct']}/{scores['n_tokens']} tokens{shown})\n{Path(corpus_path).name}"
        )
        plot_confusion(report, output_dir / "confusion.png", title)
    return report


@app.command("report")
def report_cli(
    pipeline: str = typer.Argument(..., help="Pipeline name or path (e.g. training/model-best)"),
    corpus: Path = typer.Argument(..., exists=True, help="Gold .spacy file, or a directory of them"),
    output_dir: Path = typer.Argument(..., file_okay=False, help="Where report.json and confusion.png go"),
    attr: Optional[str] = typer.Option(None, "--attr", "-a", help="tag or pos (default: the lstm_tagger's attr)"),
    top_n: int = typer.Option(20, "--top-n", "-n", help="How many most-confused pairs to list"),
    max_labels: int = typer.Option(60, "--max-labels", help="At most this many labels in the matrix"),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", "-b", help="nlp.pipe batch size"),
    gpu_id: int = typer.Option(-1, "--gpu-id", "-g", help="GPU id, or -1 for CPU"),
) -> None:
    """Per-tag scores and a confusion matrix of PIPELINE on a gold CORPUS.

    Tags the CORPUS words (gold tokenization) and writes per-tag
    precision/recall/F1, accuracy, the confusion matrix and the most confused
    pairs to OUTPUT_DIR/report.json, and the matrix to OUTPUT_DIR/confusion.png.
    """
    from spacy.cli._util import setup_gpu
    from wasabi import msg

    setup_gpu(gpu_id)
    try:
        report = evaluate_report(
            pipeline, corpus, output_dir, attr, top_n=top_n, max_labels=max_labels, batch_size=batch_size
        )
    except (ValueError, ImportError) as err:
        fail(str(err))
    msg.good(f"{report['attr']}_acc {report['accuracy']:.4f} on {report['n_tokens']} tokens")
    rows = [
        (f"{pair['gold']} -> {pair['predicted']}", pair["count"], f"{pair['share_of_errors']:.1%}")
        for pair in report["most_confused"][:10]
    ]
    if rows:
        msg.table(rows, header=("most confused (gold -> predicted)", "tokens", "of errors"), divider=True)
    msg.info(f"Wrote {output_dir / 'report.json'} and {output_dir / 'confusion.png'}")
