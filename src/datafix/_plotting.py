"""Plots as embedded PNG data URIs, drawn with matplotlib (imported lazily, no pyplot, no GUI backend).

The audit's plots (:mod:`datafix.auditing._plots`) and the fix comparison's
plots share the figure factory and the PNG encoding kept here.
"""

from __future__ import annotations

import base64
import io

import numpy as np

from ._optional import import_optional

#: Scores drawn on the comparison's radar chart, when measured (all lie in [0, 1]; MCC is clipped at 0).
RADAR_SCORES = ("balanced_accuracy", "gmean", "f1_macro", "mcc", "roc_auc_ovr", "average_precision_macro",
                "minority_recall")


def figure_class():
    """matplotlib's Figure class (needs the ``report`` extra)."""
    return import_optional("matplotlib.figure", "report").Figure


def to_data_uri(figure) -> str:
    """The figure as a ``data:image/png;base64,...`` URI."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def comparison_distributions(comparison) -> str:
    """Box plot of the primary score per fold, one box per candidate, the baseline's mean as a line."""
    Figure = figure_class()
    primary = comparison.primary_score
    scores = comparison.scores[comparison.scores["score"] == primary]
    names = [n for n in comparison.summary.index if n in set(scores["candidate"])]
    figure = Figure(figsize=(7, 0.45 * len(names) + 1.4))
    axes = figure.add_subplot()
    data = [scores.loc[scores["candidate"] == n, "value"].to_numpy() for n in names]
    if names:
        axes.boxplot(data, orientation="horizontal", tick_labels=names, widths=0.6)
        for position, values in enumerate(data, 1):
            axes.scatter(values, np.full(len(values), position), s=10, alpha=0.6, color="#1565c0", zorder=3)
    baseline = comparison.summary.loc[comparison.baseline, primary]
    if np.isfinite(baseline):
        axes.axvline(baseline, color="#888", linestyle="--", linewidth=1,
                     label=f"baseline mean ({comparison.baseline})")
        axes.legend(loc="lower right", fontsize=8)
    axes.invert_yaxis()  # candidates top to bottom in the summary's order, the baseline first
    axes.set_xlabel(f"{primary} per fold")
    axes.set_title(f"{primary}: every candidate on the same {comparison.n_folds} folds")
    return to_data_uri(figure)


def comparison_radar(comparison) -> str | None:
    """Radar chart of the main scores' means, one polygon per candidate; ``None`` with under 3 scores."""
    summary = comparison.summary[comparison.summary["status"] == "ok"]
    axes_names = [s for s in RADAR_SCORES if s in summary.columns]
    if len(axes_names) < 3 or not len(summary):
        return None
    Figure = figure_class()
    figure = Figure(figsize=(6.5, 6.5))
    axes = figure.add_subplot(projection="polar")
    angles = np.linspace(0, 2 * np.pi, len(axes_names), endpoint=False)
    closed = np.concatenate([angles, angles[:1]])
    for name, row in summary.iterrows():
        values = np.clip(row[axes_names].to_numpy(dtype=float), 0, 1)
        values = np.concatenate([values, values[:1]])
        style = {"linewidth": 2.5} if name == comparison.best_ else {"linewidth": 1}
        axes.plot(closed, values, label=name + (" (best)" if name == comparison.best_ else ""), **style)
        axes.fill(closed, values, alpha=0.05)
    axes.set_xticks(angles)
    axes.set_xticklabels(axes_names, fontsize=8)
    axes.set_ylim(0, 1)
    axes.set_title("Mean scores per candidate", pad=18)
    axes.legend(loc="upper left", bbox_to_anchor=(1.12, 1.05), fontsize=8)
    return to_data_uri(figure)
