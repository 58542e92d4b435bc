"""Renderers of an :class:`AuditReport`: terminal text, Markdown and self-contained HTML."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from . import _plots as plots
from ._plots import SEVERITY_COLOURS

SEVERITY_MARKS = {"none": "ok", "low": "low", "medium": "MEDIUM", "high": "HIGH"}


def shown_list(items, limit: int = 5) -> str:
    """``a, b, c`` - or, when the list is cut, ``a, b, c and 12 more``: a cut list says so.

    Examples
    --------
    >>> from datafix.auditing._render import shown_list
    >>> shown_list(["a", "b"]), shown_list([f"c{i}" for i in range(15)])
    ('a, b', 'c0, c1, c2, c3, c4 and 10 more')
    """
    items = [str(item) for item in items]
    shown = ", ".join(items[:limit])
    return f"{shown} and {len(items) - limit} more" if len(items) > limit else shown


def table_caption(result, name: str) -> str:
    """A table's caption: its name, and the check's note on what it counts."""
    caption = name.replace("_", " ")
    note = result.check.table_note(result, name) if result.check is not None else None
    return f"{caption}: {note}" if note else caption


def _index_shown(result, name: str) -> bool:
    return result.check is not None and name in result.check.indexed_tables


def _format_fraction(fraction: float) -> str:
    if fraction == 0:
        return "0%"
    if fraction < 0.001:
        return "<0.1%"
    return f"{100 * fraction:.1f}%"


def _cell(value) -> str:
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return ""
        return f"{value:.4g}"
    if value is None or value is pd.NA:
        return ""
    return str(value)


def summary_rows(report) -> list[list[str]]:
    return [
        [row.check, f"{row.issues}", _format_fraction(row.fraction), row.unit, SEVERITY_MARKS[row.severity]]
        for row in report.summary.itertuples()
    ]


def text_table(header: list[str], rows: list[list[str]]) -> str:
    """A plain aligned table for terminals."""
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def _markdown_escape(text) -> str:
    """Text safe in a Markdown table cell or paragraph: no raw HTML, no column breaks, one line."""
    return html.escape(str(text), quote=False).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _title(report) -> str:
    info = report.info
    target = f", target {info['target']!r}" if info["target"] else ""
    classes = f", {len(info['classes'])} classes" if info["classes"] else ""
    return f"datafix audit: {info['rows']} rows x {info['columns']} features{target}{classes}"


def render_text(report) -> str:
    """The terminal summary: one line per check, then each check's message."""
    lines = [_title(report), ""]
    lines.append(text_table(["check", "issues", "fraction", "unit", "severity"], summary_rows(report)))
    lines.append("")
    for row in report.summary.itertuples():
        lines.append(f"{row.check}: {row.message}")
    for name, reason in report.skipped.items():
        lines.append(f"{name}: skipped ({reason})")
    if report.comparison is not None:
        lines += ["", repr(report.comparison)]
    return "\n".join(lines)


def _markdown_table(frame: pd.DataFrame, index: bool = True) -> str:
    frame = frame.reset_index() if index else frame
    header = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(map(_markdown_escape, header)) + " |", "|" + "---|" * len(header)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(_markdown_escape(_cell(v)) for v in row) + " |")
    return "\n".join(lines)


def render_markdown(report) -> str:
    """Markdown: title, summary table, one section per check with its top rows, recommendations."""
    parts = [f"# {_markdown_escape(_title(report))}", ""]
    parts.append(_markdown_table(
        pd.DataFrame(summary_rows(report), columns=["check", "issues", "fraction", "unit", "severity"]), index=False
    ))
    for result in report.results.values():
        parts += ["", f"## {result.title} (`{result.name}`)", "",
                  f"**{result.severity}**: {_markdown_escape(result.message)}"]
        for name, table in result.tables.items():
            parts += ["", f"*{table_caption(result, name)}*", "",
                      _markdown_table(table, index=_index_shown(result, name))]
        if result.name in report.examples:
            parts += ["", "*top rows*", "", _markdown_table(report.examples[result.name])]
    if report.skipped:
        parts += ["", "## Skipped", ""] + [f"- `{k}`: {_markdown_escape(v)}" for k, v in report.skipped.items()]
    recommendations = report.recommendations()
    if recommendations:
        parts += ["", "## Recommendations", ""]
        parts += [f"- **{r['check']}**: {_markdown_escape(r['action'])}" + (f" (`datafix.{r['fix']}`)" if r["fix"] else "")
                  for r in recommendations]
    if report.comparison is not None:
        comparison = report.comparison
        columns = ["fixes", "status", comparison.primary_score, "minority_recall", "difference", "ci_low", "ci_high",
                   "verdict"]
        parts += ["", "## Does the fix help?", "",
                  f"Every candidate on the same {comparison.n_folds} folds; difference in "
                  f"{comparison.primary_score} to the baseline `{comparison.baseline}`. "
                  f"Recommended: **{comparison.best_}**.", "", _markdown_table(comparison.summary[columns])]
    return "\n".join(parts) + "\n"


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:right}th{background:#f5f5f5}
td.text,th.text{text-align:left}
.badge{display:inline-block;padding:.1em .6em;border-radius:1em;color:#fff;font-size:.8em;font-weight:600}
.muted{color:#666;font-size:.9em}.scroll{overflow-x:auto}
.helps{color:#2e7d32;font-weight:600}.hurts,.failed{color:#c62828;font-weight:600}
img{max-width:100%;height:auto}.plots{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}
"""


def _badge(severity: str) -> str:
    return f'<span class="badge" style="background:{SEVERITY_COLOURS[severity]}">{html.escape(severity)}</span>'


def _html_table(frame: pd.DataFrame, index: bool = True, css_id: str | None = None) -> str:
    frame = frame.reset_index() if index else frame
    identifier = f' id="{css_id}"' if css_id else ""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            text = html.escape(_cell(value))
            kind = "" if isinstance(value, (int, float, np.number)) and not isinstance(value, bool) else ' class="text"'
            cells.append(f"<td{kind}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<div class="scroll"><table{identifier}><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def _plots(report) -> list[tuple[str, str]]:
    images = []
    if report.class_counts is not None:
        images.append(("class-distribution", plots.class_distribution(report.class_counts)))
    for result in report.results.values():
        if result.check is not None:
            images.extend(result.check.plots(result))
    scores = {
        name: (report.issues[f"{name}_score"].to_numpy(dtype=float), report.issues[f"is_{name}_issue"].to_numpy(bool))
        for name, result in report.results.items()
        if result.check is not None and result.check.graded and result.rows is not None
    }
    if scores:
        images.append(("score-histograms", plots.score_histograms(scores)))
    return images


def render_html(report, *, plots: bool = True, fragment: bool = False) -> str:
    """The HTML report: a full page, or a ``<div>`` fragment for notebooks."""
    parts = [f"<h1>{html.escape(_title(report))}</h1>"]
    info = report.info
    parts.append(
        f'<p class="muted">datafix {html.escape(info["datafix_version"])} - {html.escape(info["created"])} - '
        f'{info["duration_seconds"]:.1f} s</p>'
    )
    summary = report.summary
    rows = "".join(
        f'<tr><td class="text"><a href="#check-{r.check}">{html.escape(r.check)}</a></td><td>{r.issues}</td>'
        f'<td>{_format_fraction(r.fraction)}</td><td class="text">{html.escape(r.unit)}</td>'
        f'<td class="text">{_badge(r.severity)}</td><td class="text">{html.escape(r.message)}</td></tr>'
        for r in summary.itertuples()
    )
    parts.append(
        '<h2>Summary</h2><div class="scroll"><table id="summary"><thead><tr><th class="text">check</th><th>issues</th>'
        '<th>fraction</th><th class="text">unit</th><th class="text">severity</th><th class="text">finding</th></tr>'
        f"</thead><tbody>{rows}</tbody></table></div>"
    )
    if report.skipped:
        parts.append('<p class="muted">Skipped: ' + "; ".join(
            f"{html.escape(k)} ({html.escape(v)})" for k, v in report.skipped.items()) + "</p>")
    recommendations = report.recommendations()
    if recommendations:
        items = "".join(
            f"<li><b>{html.escape(r['check'])}</b>: {html.escape(r['action'])}"
            + (f" (<code>datafix.{html.escape(r['fix'])}</code>)" if r["fix"] else "") + "</li>"
            for r in recommendations
        )
        parts.append(f'<h2>Recommendations</h2><ul id="recommendations">{items}</ul>'
                     "<p class=\"muted\"><code>report.recommend(model)</code> builds these fixes into a "
                     "<code>datafix.Pipeline</code>.</p>")
    if plots:
        images = "".join(
            f'<figure><img id="plot-{name}" alt="{name.replace("-", " ")}" src="{uri}"></figure>'
            for name, uri in _plots(report)
        )
        parts.append(f'<h2>Plots</h2><div class="plots">{images}</div>')
    if report.comparison is not None:
        parts.append(report.comparison.to_html(plots=plots, fragment=True))
    for result in report.results.values():
        parts.append(f'<h2 id="check-{result.name}">{html.escape(result.title)} <code>{result.name}</code> '
                     f"{_badge(result.severity)}</h2><p>{html.escape(result.message)}</p>")
        for name, table in result.tables.items():
            parts.append(f'<p class="muted">{html.escape(table_caption(result, name))}</p>'
                         + _html_table(table, index=_index_shown(result, name)))
        if result.name in report.examples:
            parts.append(f'<p class="muted">top rows (lowest score first, at most {len(report.examples[result.name])})'
                         "</p>" + _html_table(report.examples[result.name], css_id=f"rows-{result.name}"))
    body = "\n".join(parts)
    if fragment:
        return f'<div class="datafix-audit"><style>{CSS.replace("body", ".datafix-audit")}</style>{body}</div>'
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(_title(report))}</title><style>{CSS}</style></head>"
        f"<body>\n{body}\n</body></html>\n"
    )
