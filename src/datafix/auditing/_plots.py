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


def text_colour(rgba) -> str:
    """Black or white, whichever reads better on a cell of colour ``rgba`` (by its relative luminance).

    Examples
    --------
    >>> from datafix.auditing._plots import text_colour
    >>> text_colour((0.97, 0.98, 1.0, 1.0)), text_colour((0.03, 0.19, 0.42, 1.0))
    ('black', 'white')
    """
    def linear(channel):
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in rgba[:3])
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    # contrast with white (1.05 / (L + 0.05)) against contrast with black ((L + 0.05) / 0.05)
    return "white" if 1.05 / (luminance + 0.05) > (luminance + 0.05) / 0.05 else "black"


def label_matrix(matrix, flagged: int | None = None) -> str:
    """Heat map of given (rows) vs most likely (columns) labels of all rows, log colour scale, counts written in.

    The text colour of each count is chosen from its cell's colour, so it
    stays readable; the subtitle says how many rows lie off the diagonal and
    how many of those were flagged (only the confident ones are).
    """
    Figure = _pyplot()
    values = matrix.to_numpy()
    size = max(3.5, 0.5 * max(values.shape) + 2)
    figure = Figure(figsize=(size + 1, size))
    axes = figure.add_subplot()
    image = axes.imshow(np.log10(values + 1), cmap="Blues")
    axes.set_xticks(range(values.shape[1]), [str(c) for c in matrix.columns], rotation=45, ha="right")
    axes.set_yticks(range(values.shape[0]), [str(c) for c in matrix.index])
    axes.set_xlabel("most likely label (model and neighbours)")
    axes.set_ylabel("given label")
    title = "Given vs most likely label, all rows"
    if flagged is not None and values.shape[0] == values.shape[1]:
        off_diagonal = int(values.sum() - np.trace(values))
        title += f"\n{off_diagonal} off the diagonal, {flagged} confident enough to flag"
    axes.set_title(title, fontsize=10)
    if values.shape[0] * values.shape[1] <= 400:
        for (i, j), value in np.ndenumerate(values):
            colour = image.cmap(image.norm(np.log10(value + 1)))
            axes.text(j, i, str(value), ha="center", va="center", fontsize=7, color=text_colour(colour))
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
