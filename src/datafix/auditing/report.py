"""``AuditReport``: what an audit found, with renderers for people (HTML, Markdown, text) and machines (JSON)."""

from __future__ import annotations

import datetime as _datetime
import json

import numpy as np
import pandas as pd

from .._io import jsonable, write_atomically  # write_atomically re-exported: it lived here before datafix._io
from .._tabular import row_hashes
from .._version import __version__
from ..validation import check_target_column, split_target
from ._base import SEVERITIES, CheckResult
from ._render import render_html, render_markdown, render_text
from .recommend import recommend_pipeline

__all__ = ["AuditReport", "SCHEMA", "SCHEMA_VERSION", "fingerprint", "write_atomically"]

#: Name and version of the JSON schema written by :meth:`AuditReport.to_json` (see docs/guide/audit.md).
SCHEMA = "datafix.audit"
SCHEMA_VERSION = 1

#: Rows shown per check in the HTML and Markdown reports.
TOP_ROWS = 10


#: How :func:`fingerprint` hashes the data (recorded next to the hashes, so a change of method is detectable).
FINGERPRINT_METHOD = "sha256 of datafix row hashes, v1"


def fingerprint(features: pd.DataFrame, labels=None, *, feature_hashes=None) -> dict:
    """Hashes that identify the audited data: its feature rows (in order), column names and labels.

    ``clean --issues`` compares them with the file it cleans, so a report is
    never applied to a shuffled, edited or relabelled copy of the data, or
    with another target column. Values compare as in the duplicate checks
    (``1`` equals ``1.0``; missing equals missing).

    Examples
    --------
    >>> import pandas as pd
    >>> from datafix.auditing.report import fingerprint
    >>> frame = pd.DataFrame({"x": [1, 2, 3]})
    >>> fingerprint(frame, [0, 1, 0]) == fingerprint(frame.iloc[::-1].reset_index(drop=True), [0, 1, 0])
    False
    """
    import hashlib

    def digest(hashes) -> str:
        return hashlib.sha256(np.asarray(hashes, dtype="<u8").tobytes()).hexdigest()

    hashes = row_hashes(features) if feature_hashes is None else feature_hashes
    names = "\x1f".join(map(str, features.columns)).encode("utf-8", "surrogatepass")
    return {
        "method": FINGERPRINT_METHOD,
        "columns": hashlib.sha256(names).hexdigest(),
        "features": digest(hashes),
        "target": None if labels is None else digest(row_hashes(pd.DataFrame({"target": np.asarray(labels)}))),
    }


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
        #: The :class:`datafix.FixComparison` of a validated :meth:`recommend` (``None`` before one).
        self.comparison = None
        self._source = None

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
        test_frames = [r.test_rows for r in results.values() if r.test_rows is not None]
        test_issues = pd.concat(test_frames, axis=1) if test_frames else None
        class_counts = None
        if labels is not None:
            classes, counts = np.unique(labels, return_counts=True)
            class_counts = pd.Series(counts, index=classes, name="rows")
        info = {
            "rows": int(len(features)),
            "columns": int(features.shape[1]),
            "target": target,
            "classes": None if labels is None else [jsonable(c) for c in class_counts.index],
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
        """Index labels of the rows a row-level check flagged (a lazy Dask Index for a Dask report).

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
        if hasattr(self.issues, "to_delayed"):  # a Dask report: the flagged rows' index, lazily
            return self.issues[self.issues[column]].index
        return self.issues.index[self.issues[column].to_numpy(dtype=bool)]

    def recommendations(self) -> list[dict]:
        """What to do about each finding: ``{"check", "action", "fix"}`` dicts (``fix`` may be ``None``).

        Each check that found something gives its own advice (see
        :meth:`datafix.auditing.Check.advice`), in report order; when two
        checks name the same fix (duplicates and conflicting labels), the
        first one's advice is kept. ``fix`` names a datafix step that
        :meth:`recommend` can put into the pipeline; advice without a fix
        (impute, drop a column, review rows) has ``fix=None``.
        """
        advice, fixes = [], set()
        for result in self.results.values():
            item = result.advice
            if item is None or (item["fix"] is not None and item["fix"] in fixes):
                continue
            fixes.add(item["fix"])
            advice.append({"check": result.name, "action": item["action"], "fix": item["fix"]})
        return advice

    def audited_data(self):
        """The features and labels this report was made from, as :func:`datafix.audit` split them.

        The report keeps a reference to the data passed to the audit (no
        copy), so change that data after the audit and this changes too.

        Returns
        -------
        features : DataFrame
        labels : ndarray

        Raises
        ------
        ValueError
            When the report holds no data or no labels (it was not made by
            :func:`datafix.audit` with a target).

        Examples
        --------
        >>> import pandas as pd, datafix as dfx
        >>> report = dfx.audit(pd.DataFrame({"x": [1, 2, 3, 4], "y": ["a", "b", "a", "b"]}), "y", checks=["duplicates"])
        >>> features, labels = report.audited_data()
        >>> list(features.columns), labels.tolist()
        (['x'], ['a', 'b', 'a', 'b'])
        """
        source = getattr(self, "_source", None)
        if source is None or (source[1] is None and source[2] is None):
            raise ValueError("this report holds no labelled data to validate fixes on; make it with "
                             "datafix.audit(data, target=...) or call recommend(validate=False).")

        features, labels, name = split_target(*source)
        return features, check_target_column(labels, features, name)

    def recommend(self, estimator=None, *, validate=None, preprocessing="auto", scoring=None, cv=None,
                  n_jobs=None, random_state=None, verbose=False):
        """A :class:`datafix.Pipeline` that fits the audited data: preprocessing, the fixes that help, the model.

        **Validated** (the default when ``estimator`` is given): the
        candidate fixes for what the audit found (see
        :func:`datafix.auditing.recommend.candidate_fixes`: class weights,
        random over/under-sampling and SMOTE / SMOTE-NC for imbalance; drop,
        relabel and down-weight for label issues; duplicate removal; and
        combinations) are scored against the model alone by
        :func:`datafix.compare_fixes` on the same repeated folds of the
        audited data. A fix goes in only if it beats the baseline beyond the
        noise of the folds on the primary score (balanced accuracy by default)
        without hurting the smallest class's recall; otherwise the baseline
        wins. The comparison is kept in :attr:`comparison` and rendered in the
        HTML, Markdown, text and JSON reports.

        **Heuristic** (``validate=False``, or no ``estimator``): every fix
        for every finding, in this order: ``DuplicateRemover``,
        ``LabelCleaner``, ``ClassWeighter`` (imbalanced-learn's
        ``RandomOverSampler`` instead when the model's ``fit`` takes no
        ``sample_weight``). Fast, but nothing is measured.

        With an ``estimator`` the pipeline starts with the preprocessing the
        data needs (:func:`datafix.preprocessing.make_preprocessing`: an
        imputer before the fixes, one-hot encoding and scaling after them),
        so ``.fit(X, y)`` takes the same DataFrame the audit accepted,
        strings and missing values included; the steps of a scikit-learn
        ``Pipeline`` are spliced in, so weights reach its final model.
        Without one it is a pipeline of fixes whose ``fit_resample`` returns
        the fixed data. Advice that no fix carries out is in
        :meth:`recommendations`.

        Parameters
        ----------
        estimator : estimator or scikit-learn Pipeline, optional
            The model to append.
        validate : bool, optional
            Compare the candidates before choosing (default: when
            ``estimator`` is given).
        preprocessing : "auto", None or (before, after), default="auto"
            As in :func:`datafix.compare_fixes`; ``None`` leaves the data as
            it is (the model must take it).
        scoring, cv, n_jobs, verbose
            Passed to :func:`datafix.compare_fixes` (primary score first).
        random_state : int, optional
            Passed to the fixes that take one and seeds the folds.

        Returns
        -------
        datafix.Pipeline
            Unfitted.

        Raises
        ------
        ValueError
            When nothing was found that a fix addresses and no estimator is
            given (an empty pipeline cannot be built).

        Examples
        --------
        >>> import numpy as np, pandas as pd, datafix as dfx
        >>> from sklearn.linear_model import LogisticRegression
        >>> rng = np.random.default_rng(0)
        >>> frame = pd.DataFrame({"x": rng.normal(size=400), "colour": rng.choice(["red", "blue", None], 400)})
        >>> frame["y"] = np.where(frame["x"] + rng.normal(scale=0.5, size=400) > 1.8, "rare", "common")
        >>> report = dfx.audit(frame, "y", checks=["class_imbalance"], random_state=0)
        >>> report.recommend()
        Pipeline(steps=[('classweighter', ClassWeighter())])
        >>> pipe = report.recommend(LogisticRegression(), random_state=0)
        >>> report.comparison.best_, [name for name, _ in pipe.steps]
        ('class_weights', ['columntransformer-1', 'classweighter', 'columntransformer-2', 'logisticregression'])
        >>> pipe.fit(frame.drop(columns="y"), frame["y"]).predict(frame.drop(columns="y")[:2]).shape
        (2,)
        """
        return recommend_pipeline(self, estimator, validate=validate, preprocessing=preprocessing, scoring=scoring,
                                  cv=cv, n_jobs=n_jobs, random_state=random_state, verbose=verbose)

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
                is_flagged = self.issues[f"is_{result.name}_issue"].to_numpy(bool)
                for key, column in (result.check.flagged_extras if result.check is not None else {}).items():
                    entry[key] = list(self.issues.loc[is_flagged, column].to_numpy()[: len(entry["rows"])])
            if result.test_rows is not None:
                leaked = result.test_rows.index[result.test_rows[f"is_{result.name}_issue"].to_numpy(bool)]
                entry["test_rows"] = list(leaked[:max_rows] if max_rows is not None else leaked)
            checks.append(entry)
        return jsonable({
            "schema": SCHEMA,
            "schema_version": SCHEMA_VERSION,
            "dataset": {**{k: self.info[k] for k in ("rows", "columns", "target", "classes", "test_rows")},
                        "fingerprint": self.info.get("fingerprint")},
            "class_counts": None if self.class_counts is None else dict(self.class_counts.items()),
            "checks": checks,
            "skipped": self.skipped,
            "recommendations": self.recommendations(),
            "created": self.info["created"],
            "datafix_version": self.info["datafix_version"],
            "duration_seconds": self.info["duration_seconds"],
            "comparison": None if self.comparison is None else self.comparison.to_dict(),
        })

    def to_json(self, path=None, *, max_rows: int | None = None, indent: int | None = 2) -> str:
        """The report as JSON (schema ``datafix.audit`` version 1); written atomically to ``path`` if given.

        Top-level keys: ``schema``, ``schema_version``, ``dataset`` (rows,
        columns, target, classes, test_rows, and ``fingerprint``: SHA-256
        hashes of the feature rows in order, the column names and the labels,
        which ``datafix clean --issues`` checks before applying the report to
        a file), ``class_counts``, ``checks``
        (one object per check that ran: name, title, unit, issues, fraction,
        severity, message, seconds, details, and ``rows``: the index labels of
        the flagged rows, at most ``max_rows``; the ``label`` check adds
        ``suggested``, the suggested label of each of those rows, and
        ``train_test_leakage`` adds ``test_rows``, the leaked test rows' index
        labels), ``skipped`` (check -> reason),
        ``recommendations``, ``created``, ``datafix_version``,
        ``duration_seconds``, ``comparison`` (the validated fix comparison,
        or null). Index labels that are not JSON numbers or
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

    def to_parquet(self, path, *, overwrite: bool = False) -> None:
        """Write the per-row table :attr:`issues` as Parquet, atomically.

        A report on a Dask DataFrame writes a directory with one file per
        partition, through a temporary directory renamed at the end (no
        partial directory is left on failure); an in-memory report writes
        one file through a temporary file. ``overwrite`` replaces an
        existing non-empty directory.

        Examples
        --------
        >>> import os, tempfile, pandas as pd, datafix as dfx
        >>> report = dfx.audit(pd.DataFrame({"x": [1, 1, 2], "y": [0, 0, 1]}), "y", checks=["duplicates"])
        >>> path = os.path.join(tempfile.mkdtemp(), "issues.parquet")
        >>> report.to_parquet(path)
        >>> pd.read_parquet(path)["is_duplicates_issue"].tolist()
        [False, True, False]
        """
        if hasattr(self.issues, "to_delayed"):  # a Dask DataFrame: a partitioned directory
            from ..distributed import write_parquet  # dispatch up to the Dask engine, which builds on the audit

            write_parquet(self.issues, path, overwrite=overwrite)
            return
        write_atomically(path, lambda stream: self.issues.to_parquet(stream), mode="wb")

    def to_markdown(self) -> str:
        """The report as Markdown: the summary table, each check's finding and its top rows."""
        return render_markdown(self)

    def to_html(self, path=None, *, plots: bool = True) -> str:
        """One self-contained HTML page (inline CSS, plots as embedded PNG, no scripts, opens offline).

        Holds the summary, the class distribution, the given vs suggested
        label matrix, a histogram of each check's scores, each check's top
        rows and the recommendations. Written atomically to ``path`` if given.
        ``plots=False`` leaves the plots out (no matplotlib needed).
        """
        html = render_html(self, plots=plots)
        if path is not None:
            write_atomically(path, html)
        return html

    def _repr_html_(self) -> str:
        return render_html(self, plots=False, fragment=True)

    def __repr__(self) -> str:
        return render_text(self)

