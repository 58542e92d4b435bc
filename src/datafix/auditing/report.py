"""``AuditReport``: what an audit found, with renderers for people (HTML, Markdown, text) and machines (JSON)."""

from __future__ import annotations

import datetime as _datetime
import json
import os
import tempfile

import numpy as np
import pandas as pd

from ._base import SEVERITIES, CheckResult

__all__ = ["AuditReport", "SCHEMA", "SCHEMA_VERSION", "write_atomically"]

#: Name and version of the JSON schema written by :meth:`AuditReport.to_json` (see docs/guide/audit.md).
SCHEMA = "datafix.audit"
SCHEMA_VERSION = 1

#: Rows shown per check in the HTML and Markdown reports.
TOP_ROWS = 10


def write_atomically(path, content, mode: str = "w") -> None:
    """Write ``content`` to ``path`` through a temporary file in the same folder and a rename.

    An interrupted write never leaves a half-written file over an existing
    one: the old file stays until the new one is complete.

    Examples
    --------
    >>> import os, tempfile
    >>> from datafix.auditing.report import write_atomically
    >>> path = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> write_atomically(path, "hello")
    >>> open(path).read()
    'hello'
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".datafix-", suffix=".part", dir=folder)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual permissions
        with os.fdopen(handle, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as stream:
            if callable(content):
                content(stream)
            else:
                stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _jsonable(value):
    """Plain JSON values from numpy / pandas scalars and containers."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray, pd.Index)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


class AuditReport:
    """The result of :func:`datafix.audit`.

    Attributes
    ----------
    summary : DataFrame
        One row per check that ran: ``check``, ``issues``, ``fraction``,
        ``severity`` (none < low < medium < high), ``unit`` (what issues
        count: rows, test rows or columns) and ``message``.
    issues : DataFrame
        One row per data row, aligned with the data's index:
        ``is_<check>_issue`` and ``<check>_score`` (lower is worse) for every
        row-level check, plus the checks' extra columns.
    test_issues : DataFrame or None
        Per test row, when a test set was audited.
    results : dict of str to CheckResult
        Everything each check found (details and tables).
    skipped : dict of str to str
        Checks that did not run, and why.
    info : dict
        Rows, columns, target, classes, duration, datafix version.

    Examples
    --------
    >>> import pandas as pd, datafix as dfx
    >>> frame = pd.DataFrame({"x": [0, 0, 1, 2, 3, 3], "y": ["a", "a", "b", "a", "b", "a"]})
    >>> report = dfx.audit(frame, "y", checks=["duplicates", "conflicting_labels"])
    >>> report.summary[["check", "issues", "severity"]]
                    check  issues severity
    0          duplicates       1     high
    1  conflicting_labels       2     high
    >>> "duplicates" in report.to_markdown()
    True
    """

    def __init__(self, *, summary, issues, results, skipped, info, examples, test_issues=None, class_counts=None):
        self.summary = summary
        self.issues = issues
        self.results = results
        self.skipped = skipped
        self.info = info
        self.examples = examples
        self.test_issues = test_issues
        self.class_counts = class_counts

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_results(cls, results: dict[str, CheckResult], *, skipped, seconds, features, labels, target,
                     duration, test_index=None) -> AuditReport:
        """Assemble a report from the checks' results (used by :func:`datafix.audit`)."""
        summary = pd.DataFrame(
            [
                {"check": r.name, "issues": r.issues, "fraction": r.fraction, "severity": r.severity,
                 "unit": r.unit, "message": r.message, "seconds": seconds.get(r.name, np.nan)}
                for r in results.values()
            ],
            columns=["check", "issues", "fraction", "severity", "unit", "message", "seconds"],
        )
        summary["issues"] = summary["issues"].astype(np.int64)
        row_frames = [r.rows.set_axis(features.index) for r in results.values() if r.rows is not None]
        issues = pd.concat(row_frames, axis=1) if row_frames else pd.DataFrame(index=features.index)
        examples = {}
        for result in results.values():
            if result.rows is None or not result.issues:
                continue
            flag = result.rows[f"is_{result.name}_issue"].to_numpy()
            order = np.argsort(result.rows[f"{result.name}_score"].to_numpy()[flag], kind="stable")[:TOP_ROWS]
            positions = np.flatnonzero(flag)[order]
            shown = features.iloc[positions].copy()
            if labels is not None:
                shown.insert(0, target or "label", labels[positions])
            extra = result.rows.iloc[positions].set_axis(shown.index)
            examples[result.name] = pd.concat([extra.drop(columns=[f"is_{result.name}_issue"]), shown], axis=1)
        test_issues = None
        if "train_test_leakage" in results:
            test_issues = results["train_test_leakage"].tables.pop("test_rows")
        class_counts = None
        if labels is not None:
            classes, counts = np.unique(labels, return_counts=True)
            class_counts = pd.Series(counts, index=classes, name="rows")
        from .. import __version__

        info = {
            "rows": int(len(features)),
            "columns": int(features.shape[1]),
            "target": target,
            "classes": None if labels is None else [_jsonable(c) for c in class_counts.index],
            "duration_seconds": float(duration),
            "created": _datetime.datetime.now(_datetime.timezone.utc).isoformat(timespec="seconds"),
            "datafix_version": __version__,
            "test_rows": None if test_index is None else int(len(test_index)),
        }
        return cls(summary=summary, issues=issues, results=results, skipped=skipped, info=info,
                   examples=examples, test_issues=test_issues, class_counts=class_counts)

    # -- questions ------------------------------------------------------------------------------
    @property
    def worst_severity(self) -> str:
        """The highest severity of any check (``"none"`` when nothing was found)."""
        if not len(self.summary):
            return "none"
        return max(self.summary["severity"], key=SEVERITIES.index)

    def flagged(self, check: str) -> pd.Index:
        """Index labels of the rows a row-level check flagged.

        Examples
        --------
        >>> import pandas as pd, datafix as dfx
        >>> report = dfx.audit(pd.DataFrame({"x": [1, 1, 2], "y": [0, 0, 1]}), "y", checks=["duplicates"])
        >>> list(report.flagged("duplicates"))
        [1]
        """
        column = f"is_{check}_issue"
        if column not in self.issues.columns:
            known = [c[3:-6] for c in self.issues.columns if c.startswith("is_") and c.endswith("_issue")]
            raise ValueError(f"no row-level result for check {check!r}; the report has: {', '.join(known)}.")
        return self.issues.index[self.issues[column].to_numpy(dtype=bool)]

    def recommendations(self) -> list[dict]:
        """What to do about each finding: ``{"check", "action", "fix"}`` dicts (``fix`` may be ``None``).

        ``fix`` names a datafix step that :meth:`recommend` puts into the
        pipeline; advice without a fix (impute, drop a column, review rows)
        has ``fix=None``.
        """
        found = {r.name: r for r in self.results.values() if r.issues or r.severity != "none"}
        advice = []
        if "duplicates" in found or "conflicting_labels" in found:
            advice.append({
                "check": "duplicates" if "duplicates" in found else "conflicting_labels",
                "action": "drop exact copies; keep the majority label of rows with identical features",
                "fix": "DuplicateRemover",
            })
        if "label" in found:
            advice.append({"check": "label", "action": "drop (or relabel) the rows with label issues",
                           "fix": "LabelCleaner"})
        if "class_imbalance" in found:
            advice.append({"check": "class_imbalance", "action": "weight classes by inverse frequency",
                           "fix": "ClassWeighter"})
        if "missing" in found:
            details = found["missing"].details
            columns = details["constant_columns"] + details["identifier_columns"]
            text = "impute missing values inside the model pipeline (e.g. SimpleImputer) or use a model that accepts NaN"
            if columns:
                text += f"; drop the constant / identifier-like columns {', '.join(columns[:5])}"
            advice.append({"check": "missing", "action": text, "fix": None})
        if "near_duplicates" in found:
            advice.append({"check": "near_duplicates", "action": "review the near-duplicate pairs; keep one of each "
                           "if they are the same record", "fix": None})
        if "outliers" in found:
            advice.append({"check": "outliers", "action": "review the outlying rows for entry errors", "fix": None})
        if "train_test_leakage" in found:
            advice.append({"check": "train_test_leakage", "action": "remove the test rows that occur in the "
                           "training data before evaluating", "fix": None})
        if "target_leakage" in found:
            columns = found["target_leakage"].details["leaking_columns"]
            advice.append({"check": "target_leakage", "action": f"drop the leaking columns {', '.join(columns[:5])} "
                           "unless they are truly known at prediction time", "fix": None})
        return advice

    def recommend(self, estimator=None, *, random_state=None):
        """A :class:`datafix.Pipeline` of the fixes that address what was found.

        Steps, in this order, each only when its issue was found: dropping
        duplicates and resolving conflicting labels (``DuplicateRemover``),
        cleaning label issues (``LabelCleaner``), weighting classes
        (``ClassWeighter``; imbalanced-learn's ``RandomOverSampler`` instead
        when the model's ``fit`` takes no ``sample_weight``). The pipeline
        ends with ``estimator`` when one is given (so ``.fit(X, y)`` trains it
        on the fixed data; the steps of a scikit-learn ``Pipeline`` are
        spliced in, so the weights reach its final model); otherwise it is a
        pipeline of fixes whose ``fit_resample`` returns the fixed data.
        Advice that no fix carries out is in :meth:`recommendations`.

        Parameters
        ----------
        estimator : estimator or scikit-learn Pipeline, optional
            The model to append.
        random_state : int, optional
            Passed to the fixes that take one.

        Returns
        -------
        datafix.Pipeline

        Raises
        ------
        ValueError
            When nothing was found that a fix addresses and no estimator is
            given (an empty pipeline cannot be built).

        Examples
        --------
        >>> import pandas as pd, datafix as dfx
        >>> frame = pd.DataFrame({"x": list(range(40)), "y": [0] * 36 + [1] * 4})
        >>> report = dfx.audit(frame, "y", checks=["class_imbalance"])
        >>> report.recommend()
        Pipeline(steps=[('classweighter', ClassWeighter())])
        """
        from sklearn.pipeline import Pipeline as SklearnPipeline
        from sklearn.utils.validation import has_fit_parameter

        from .. import make_pipeline

        model_steps = []
        if estimator is not None:
            model_steps = [step for _, step in estimator.steps] if isinstance(estimator, SklearnPipeline) \
                else [estimator]
        takes_weights = not model_steps or has_fit_parameter(model_steps[-1], "sample_weight")
        steps = []
        for item in self.recommendations():
            if item["fix"] == "ClassWeighter" and not takes_weights:
                from imblearn.over_sampling import RandomOverSampler

                steps.append(RandomOverSampler(random_state=random_state))
            elif item["fix"]:
                steps.append(_make_fix(item["fix"], random_state))
        steps += model_steps
        if not steps:
            raise ValueError(
                "the audit found nothing a datafix fix addresses; pass estimator= to get a pipeline "
                "with just the model, or see report.recommendations() for advice."
            )
        return make_pipeline(*steps)

    # -- renderers ------------------------------------------------------------------------------
    def to_dict(self, *, max_rows: int | None = None) -> dict:
        """The report as plain JSON-ready data, in the versioned schema of :meth:`to_json`."""
        checks = []
        for result in self.results.values():
            entry = {
                "name": result.name,
                "title": result.title,
                "unit": result.unit,
                "issues": result.issues,
                "fraction": result.fraction,
                "severity": result.severity,
                "message": result.message,
                "seconds": self.summary.set_index("check")["seconds"].get(result.name),
                "details": result.details,
            }
            if result.rows is not None:
                flagged = self.flagged(result.name)
                entry["rows"] = list(flagged[:max_rows] if max_rows is not None else flagged)
                if result.name == "label":
                    suggested = self.issues.loc[self.issues["is_label_issue"].to_numpy(bool), "label_suggested"]
                    entry["suggested"] = list(suggested.to_numpy()[: len(entry["rows"])])
            if result.name == "train_test_leakage" and self.test_issues is not None:
                leaked = self.test_issues.index[self.test_issues["is_train_test_leakage_issue"].to_numpy()]
                entry["test_rows"] = list(leaked[:max_rows] if max_rows is not None else leaked)
            checks.append(entry)
        return _jsonable({
            "schema": SCHEMA,
            "schema_version": SCHEMA_VERSION,
            "dataset": {k: self.info[k] for k in ("rows", "columns", "target", "classes", "test_rows")},
            "class_counts": None if self.class_counts is None else dict(self.class_counts.items()),
            "checks": checks,
            "skipped": self.skipped,
            "recommendations": self.recommendations(),
            "created": self.info["created"],
            "datafix_version": self.info["datafix_version"],
            "duration_seconds": self.info["duration_seconds"],
        })

    def to_json(self, path=None, *, max_rows: int | None = None, indent: int | None = 2) -> str:
        """The report as JSON (schema ``datafix.audit`` version 1); written atomically to ``path`` if given.

        Top-level keys: ``schema``, ``schema_version``, ``dataset`` (rows,
        columns, target, classes, test_rows), ``class_counts``, ``checks``
        (one object per check that ran: name, title, unit, issues, fraction,
        severity, message, seconds, details, and ``rows``: the index labels of
        the flagged rows, at most ``max_rows``; the ``label`` check adds
        ``suggested``, the suggested label of each of those rows, and
        ``train_test_leakage`` adds ``test_rows``, the leaked test rows' index
        labels), ``skipped`` (check -> reason),
        ``recommendations``, ``created``, ``datafix_version``,
        ``duration_seconds``. Index labels that are not JSON numbers or
        strings are written as strings.

        Examples
        --------
        >>> import json, pandas as pd, datafix as dfx
        >>> report = dfx.audit(pd.DataFrame({"x": [1, 1, 2], "y": [0, 0, 1]}), "y", checks=["duplicates"])
        >>> document = json.loads(report.to_json())
        >>> document["schema"], document["schema_version"], document["checks"][0]["rows"]
        ('datafix.audit', 1, [1])
        """
        text = json.dumps(self.to_dict(max_rows=max_rows), indent=indent, allow_nan=False)
        if path is not None:
            write_atomically(path, text)
        return text

    def to_markdown(self) -> str:
        """The report as Markdown: the summary table, each check's finding and its top rows."""
        from ._render import render_markdown

        return render_markdown(self)

    def to_html(self, path=None, *, plots: bool = True) -> str:
        """One self-contained HTML page (inline CSS, plots as embedded PNG, no scripts, opens offline).

        Holds the summary, the class distribution, the given vs suggested
        label matrix, a histogram of each check's scores, each check's top
        rows and the recommendations. Written atomically to ``path`` if given.
        ``plots=False`` leaves the plots out (no matplotlib needed).
        """
        from ._render import render_html

        html = render_html(self, plots=plots)
        if path is not None:
            write_atomically(path, html)
        return html

    def _repr_html_(self) -> str:
        from ._render import render_html

        return render_html(self, plots=False, fragment=True)

    def __repr__(self) -> str:
        from ._render import render_text

        return render_text(self)


def _make_fix(name: str, random_state):
    import datafix

    if name == "LabelCleaner":
        return datafix.LabelCleaner(random_state=random_state)
    return getattr(datafix, name)()
