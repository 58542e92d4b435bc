"""Dataset audits: :func:`datafix.audit` runs registered checks and returns an :class:`AuditReport`.

The subpackage is called ``auditing`` so that ``datafix.audit`` stays the
function: ``datafix.audit(frame, "label")``. Each check is a small class in
its own module, registered under its name in :data:`CHECKS` (in report
order); see :mod:`datafix.auditing._base` for the contract.
"""

from __future__ import annotations

from ._base import CHECKS, Check, CheckResult, register_check
from . import class_imbalance, label, duplicates, conflicting_labels  # noqa: F401,E402  (registration order)
from . import near_duplicates, outliers, missing, train_test_leakage, target_leakage  # noqa: F401,E402
from ._audit import audit, resolve_checks
from .report import SCHEMA, SCHEMA_VERSION, AuditReport

__all__ = ["CHECKS", "Check", "CheckResult", "register_check", "audit", "resolve_checks", "AuditReport",
           "SCHEMA", "SCHEMA_VERSION"]
