"""The report's confusion-matrix image (matplotlib, imported when a plot is
drawn: pip install "spacy-lstm-tagger[report]")."""
from pathlib import Path
from typing import Any, Dict, Union


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
