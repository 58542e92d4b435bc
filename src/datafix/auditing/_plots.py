"""The report's plots, drawn with matplotlib (imported lazily) and returned as base64 PNG data URIs."""

from __future__ import annotations

import numpy as np

from .._plotting import figure_class as _pyplot
from .._plotting import to_data_uri as _to_data_uri

SEVERITY_COLOURS = {"none": "#2e7d32", "low": "#f9a825", "medium": "#ef6c00", "high": "#c62828"}


def class_distribution(class_counts) -> str:
    """Horizontal bar chart of rows per class."""
    Figure = _pyplot()
    counts = class_counts.sort_values()
    figure = Figure(figsize=(6, 0.35 * len(counts) + 1.2))
    axes = figure.add_subplot()
    axes.barh([str(c) for c in counts.index], counts.to_numpy(), color="#1565c0")
    axes.set_xlabel("rows")
    axes.set_title("Class distribution")
    for position, value in enumerate(counts.to_numpy()):
        axes.text(value, position, f" {value}", va="center", fontsize=8)
    axes.margins(x=0.15)
    return _to_data_uri(figure)


def label_matrix(matrix) -> str:
    """Heat map of given (rows) vs suggested (columns) labels, log colour scale, counts written in."""
    Figure = _pyplot()
    values = matrix.to_numpy()
    size = max(3.5, 0.5 * max(values.shape) + 2)
    figure = Figure(figsize=(size + 1, size))
    axes = figure.add_subplot()
    image = axes.imshow(np.log10(values + 1), cmap="Blues")
    axes.set_xticks(range(values.shape[1]), [str(c) for c in matrix.columns], rotation=45, ha="right")
    axes.set_yticks(range(values.shape[0]), [str(c) for c in matrix.index])
    axes.set_xlabel("suggested label")
    axes.set_ylabel("given label")
    axes.set_title("Given vs suggested label")
    threshold = np.log10(values.max() + 1) / 2 if values.size else 0
    if values.shape[0] * values.shape[1] <= 400:
        for (i, j), value in np.ndenumerate(values):
            axes.text(j, i, str(value), ha="center", va="center", fontsize=7,
                      color="white" if np.log10(value + 1) > threshold else "black")
    figure.colorbar(image, ax=axes, label="log10(rows + 1)", shrink=0.8)
    return _to_data_uri(figure)


def score_histograms(scores: dict) -> str:
    """One small histogram per check: the distribution of its per-row scores (log count axis)."""
    Figure = _pyplot()
    names = list(scores)
    columns = min(3, len(names))
    rows = int(np.ceil(len(names) / columns))
    figure = Figure(figsize=(4 * columns, 2.6 * rows))
    for position, name in enumerate(names):
        axes = figure.add_subplot(rows, columns, position + 1)
        values, flagged = scores[name]
        bins = np.linspace(0, 1, 41)
        axes.hist(values[~flagged], bins=bins, color="#90a4ae", label="no issue")
        if flagged.any():
            axes.hist(values[flagged], bins=bins, color="#c62828", label="issue")
        axes.set_yscale("log")
        axes.set_title(name, fontsize=10)
        axes.set_xlabel("score (lower is worse)", fontsize=8)
        axes.tick_params(labelsize=7)
        if position == 0:
            axes.legend(fontsize=7)
    figure.tight_layout()
    return _to_data_uri(figure)
