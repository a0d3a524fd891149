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

This module runs the command (evaluate_report, report_cli); the scores are in
report_metrics.py, the per-attribute rules in report_attrs.py, the corpus
reading in report_corpus.py and the image in report_plot.py.
"""
import shutil
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import srsly
import typer
from spacy import util
from spacy.training import Example

from ._app import app
from ._util import fail
from .report_attrs import ATTRS, UNTAGGED, attr_section, token_value
from .report_corpus import find_attrs, read_docs, tag_docs
from .report_metrics import unseen_accuracy
from .report_plot import plot_confusion


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
    as OUTPUT_DIR/confusion.png). attr ("tag", "pos", "morph", "lemma", a list
    of them or a comma-separated string) defaults to the attributes the
    lstm_tagger predicts. Returns the report: one section per attribute,
    under its name, and the first attribute's fields also at the top level.
    Gold tokens without a value for an attribute are not scored for it;
    tokens the pipeline left without a value count as errors (predicted
    "(none)"). With train_path (the training corpus), each section also has
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
        examples.append(Example(pred, gold))
        for gold_token, pred_token in zip(gold, pred):
            for name in attrs:
                gold_value = token_value(gold_token, name)
                if gold_value is None:
                    n_missing[name] += 1
                    continue
                records[name].append((gold_token.text, gold_value, token_value(pred_token, name) or UNTAGGED))
    sections = {
        name: attr_section(
            name, records[name], n_unannotated=n_missing[name], examples=examples, corpus_path=corpus_path,
            top_n=top_n, max_labels=max_labels,
        )
        for name in attrs
    }
    if train_path is not None:
        train_words = {token.text for doc in read_docs(train_path, nlp.vocab) for token in doc}
        for name in attrs:
            sections[name]["unseen_words"] = unseen_accuracy(records[name], train_words)
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
        plotted = [name for name in attrs if "confusion_matrix" in sections[name]]
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
        for key, value in section.get("ud_scores", {}).items():
            msg.text(f"  {key} {value:.4f}" if value is not None else f"  {key}: no annotated tokens")
        if "unseen_words" in section:
            unseen = section["unseen_words"]
            msg.text(f"  {unseen['accuracy']:.4f} on the {unseen['n_tokens']} tokens of words unseen in training")
        rows = [
            (f"{pair['gold']} -> {pair['predicted']}", pair["count"], f"{pair['share_of_errors']:.1%}")
            for pair in section["most_confused"][:10]
        ]
        if rows:
            msg.table(rows, header=(f"most confused {name} (gold -> predicted)", "tokens", "of errors"), divider=True)
    images = [
        str(output_dir / f"confusion_{name}.png") for name in report["attrs"] if "confusion_matrix" in report[name]
    ]
    if images:
        msg.info(f"Wrote {output_dir / 'report.json'}, {', '.join(images)} and {output_dir / 'confusion.png'}")
    else:
        msg.info(f"Wrote {output_dir / 'report.json'}")
