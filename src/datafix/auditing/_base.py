"""The check contract and the registry of audit checks.

An audit check is a small class registered under its name with
:func:`register_check`. It receives an :class:`~datafix.auditing._context.AuditContext`
(the data plus everything expensive computed once and shared: the encoded
feature matrix, row hashes, the neighbour graph, out-of-fold label issues) and
returns a :class:`CheckResult`:

* per-row columns ``is_<name>_issue`` (bool) and ``<name>_score`` (float in
  [0, 1], **lower is worse**, 1 means "no sign of the issue"), plus any extra
  per-row columns the check wants to show (a duplicate group, a suggested
  label);
* a dataset-level summary: how many issues, which fraction of the unit they
  are counted in (rows, test rows or columns), a severity and a one-line
  message;
* details (JSON-serialisable) and small tables for the report.

Checks that look at columns rather than rows (``target_leakage``) emit no
per-row columns; their ``unit`` is ``"columns"``.

A check also owns its presentation, so the report, the JSON and the HTML loop
over checks and never name one: :meth:`Check.advice` (what to do, and the
datafix fix that does it), ``graded`` (whether its scores deserve a
histogram), ``indexed_tables`` (tables whose index is data),
``flagged_extras`` (per-row columns listed with the flagged rows in the JSON),
:meth:`Check.plots` and :meth:`Check.table_note`. Adding a check is one module
and one :func:`register_check`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

__all__ = ["CHECKS", "Check", "CheckResult", "SEVERITIES", "random_generator", "register_check", "severity_for"]


def random_generator(random_state) -> np.random.Generator:
    """A NumPy generator from a ``random_state`` (int, ``Generator``, ``RandomState`` or ``None``).

    A check's random part draws from this, seeded by the audit's
    ``random_state`` (:attr:`AuditContext.random_state`), so one argument
    makes the whole audit reproducible; ``None`` gives fresh randomness.

    Examples
    --------
    >>> from datafix.auditing._base import random_generator
    >>> int(random_generator(0).integers(100)) == int(random_generator(0).integers(100))
    True
    """
    if isinstance(random_state, np.random.RandomState):
        random_state = int(random_state.randint(np.iinfo(np.int32).max))
    return np.random.default_rng(random_state)

#: Severities, from harmless to urgent.
SEVERITIES = ("none", "low", "medium", "high")

#: name -> check class, filled by :func:`register_check`; the order is the report's order.
CHECKS: dict[str, type[Check]] = {}


def register_check(cls):
    """Class decorator: add an audit check to :data:`CHECKS` under ``cls.name``.

    Examples
    --------
    >>> from datafix.auditing import CHECKS
    >>> list(CHECKS)[:3]
    ['class_imbalance', 'label', 'duplicates']
    """
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name.isidentifier():
        raise TypeError(f"an audit check needs a `name` that is a Python identifier, got {name!r}")
    CHECKS[name] = cls
    return cls


def severity_for(issues: int, fraction: float, thresholds: tuple[float, float, float]) -> str:
    """Severity of ``issues`` found in ``fraction`` of the unit, given (low, medium, high) thresholds.

    Any issue is at least ``"low"``; ``"medium"`` and ``"high"`` start at the
    2nd and 3rd thresholds.

    Examples
    --------
    >>> from datafix.auditing._base import severity_for
    >>> severity_for(0, 0.0, (0, 0.01, 0.1)), severity_for(3, 0.003, (0, 0.01, 0.1)), severity_for(50, 0.5, (0, 0.01, 0.1))
    ('none', 'low', 'high')
    """
    if issues == 0:
        return "none"
    _, medium, high = thresholds
    if fraction >= high:
        return "high"
    if fraction >= medium:
        return "medium"
    return "low"


@dataclass(kw_only=True)
class CheckResult:
    """What one check found.

    Attributes
    ----------
    name : str
        The check's registered name.
    title : str
        A human title for reports.
    unit : {"rows", "test rows", "columns"}
        What ``issues`` counts.
    issues : int
        Number of units with the issue.
    fraction : float
        ``issues`` over the number of units.
    severity : {"none", "low", "medium", "high"}
    message : str
        One line for humans.
    rows : DataFrame or None
        Per-row columns (``is_<name>_issue``, ``<name>_score`` and extras),
        one row per data row in data order (the index is set by the audit).
    details : dict
        JSON-serialisable numbers and lists.
    tables : dict of str to DataFrame
        Small tables shown in the HTML and Markdown reports.
    test_rows : DataFrame or None
        Per test row, for checks that look at a test set
        (``is_<name>_issue`` and extras, indexed like the test set).
    check : Check or None
        The check that produced the result; its presentation hooks are read
        by the report.

    Examples
    --------
    >>> import pandas as pd
    >>> import datafix as dfx
    >>> frame = pd.DataFrame({"x": [1.0, 1.0, 2.0, 3.0] * 5, "label": ["a", "a", "b", "b"] * 5})
    >>> result = dfx.audit(frame, "label", checks=["duplicates"]).results["duplicates"]
    >>> result.name, result.unit, result.issues > 0
    ('duplicates', 'rows', True)
    """

    name: str
    title: str
    unit: str
    issues: int
    fraction: float
    severity: str
    message: str
    rows: pd.DataFrame | None = None
    details: dict = field(default_factory=dict)
    tables: dict = field(default_factory=dict)
    test_rows: pd.DataFrame | None = None
    check: Check | None = field(default=None, repr=False, compare=False)

    @property
    def advice(self) -> dict | None:
        """``{"action", "fix"}`` from the check when it found something, else ``None``."""
        if self.check is None or not (self.issues or self.severity != "none"):
            return None
        return self.check.advice(self)


class Check:
    """Base class of the audit checks.

    Subclasses set ``name``, ``title``, ``unit`` and ``thresholds`` (the
    fractions at which severity becomes low, medium and high), store their
    parameters in ``__init__`` and implement :meth:`run`. :meth:`skip_reason`
    says why a check cannot run on the data at hand (``None`` when it can).
    ``n_neighbors`` declares how many neighbours the check reads from the
    shared graph, so the audit computes the graph once with the largest k.

    Examples
    --------
    A check that flags rows whose first feature is negative:

    >>> import numpy as np
    >>> from datafix.auditing import Check
    >>> class NegativeFirstFeature(Check):
    ...     name = "negative_first_feature"
    ...     title = "Negative first feature"
    ...     def run(self, context):
    ...         is_issue = np.asarray(context.encoded)[:, 0] < 0
    ...         return self.result(issues=int(is_issue.sum()), total=len(is_issue), message="negative x",
    ...                            rows=self.row_columns(is_issue, np.where(is_issue, 0.0, 1.0)))
    >>> NegativeFirstFeature().name
    'negative_first_feature'
    """

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    unit: ClassVar[str] = "rows"
    thresholds: ClassVar[tuple[float, float, float]] = (0.0, 0.01, 0.05)
    n_neighbors: int = 0
    #: Whether the scores are graded (the HTML report draws their histogram) rather than 0/1.
    graded: ClassVar[bool] = False
    #: Tables whose index carries data (shown as a column in the reports).
    indexed_tables: ClassVar[tuple[str, ...]] = ()
    #: JSON key -> per-row column, listed for the flagged rows next to their index labels.
    flagged_extras: ClassVar[dict[str, str]] = {}

    def advice(self, result) -> dict | None:
        """What to do about a finding: ``{"action": text, "fix": name of a datafix fix or None}``.

        Called only when the check found something; ``None`` for no advice.
        """
        return None

    def plots(self, result) -> list[tuple[str, str]]:
        """Extra plots for the HTML report: ``(name, PNG data URI)`` pairs (matplotlib may be imported here)."""
        return []

    def table_note(self, result, table: str) -> str | None:
        """A sentence that says what ``result.tables[table]`` counts, shown with it."""
        return None

    def skip_reason(self, context) -> str | None:
        """Why the check cannot run here; by default, a neighbour check needs 3 rows and a usable feature."""
        if self.n_neighbors:
            if context.n_rows < 3:
                return "fewer than 3 rows"
            if context.encoded.shape[1] == 0:
                return "no usable feature"
        return None

    def run(self, context) -> CheckResult:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({params})"

    def result(self, *, issues, total, message, rows=None, details=None, tables=None, severity=None,
               test_rows=None) -> CheckResult:
        """Build a :class:`CheckResult`, computing fraction and (unless given) severity from ``thresholds``."""
        issues = int(issues)
        fraction = float(issues / total) if total else 0.0
        if severity is not None and severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, got {severity!r}.")
        return CheckResult(
            name=self.name,
            title=self.title,
            unit=self.unit,
            issues=issues,
            fraction=fraction,
            severity=severity_for(issues, fraction, self.thresholds) if severity is None else severity,
            message=message,
            rows=rows,
            details=details or {},
            tables=tables or {},
            test_rows=test_rows,
            check=self,
        )

    def row_columns(self, is_issue, score, **extra) -> pd.DataFrame:
        """The standard per-row columns, plus ``extra`` ones prefixed by the check's name."""
        columns: dict[str, Any] = {
            f"is_{self.name}_issue": np.asarray(is_issue, dtype=bool),
            f"{self.name}_score": np.asarray(score, dtype=np.float64),
        }
        for key, values in extra.items():
            columns[key] = values
        return pd.DataFrame(columns)
