"""``datafix.audit``: run the registered checks on a dataset and build an :class:`AuditReport`."""

from __future__ import annotations

import time
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._progress import Progress
from ..labels.issues import check_pred_proba
from ..labels.out_of_fold import check_cv_counts
from ..validation import check_features, check_target_column, feature_frame, split_target
from ._base import CHECKS, Check
from ._context import AuditContext
from .report import AuditReport, fingerprint

__all__ = ["audit", "resolve_checks"]


def resolve_checks(checks) -> list[Check]:
    """Turn the ``checks`` argument of :func:`audit` into check instances.

    ``None`` means every registered check with its defaults; a list holds
    names or :class:`Check` instances; a dict maps names to parameters,
    e.g. ``{"outliers": {"n_neighbors": 20}, "label": {}}``.

    Examples
    --------
    >>> from datafix.auditing import resolve_checks
    >>> resolve_checks({"outliers": {"n_neighbors": 20}})
    [OutliersCheck(n_neighbors=20, iqr_factor=3.0)]
    """
    if checks is None:
        return [cls() for cls in CHECKS.values()]
    if isinstance(checks, (str, Check)):
        checks = [checks]
    items = checks.items() if isinstance(checks, Mapping) else ((c, {}) for c in checks)
    resolved = []
    for item, params in items:
        if isinstance(item, Check):
            resolved.append(item)
            continue
        if item not in CHECKS:
            raise ValueError(
                f"checks has an unknown check {item!r}; the checks are: {', '.join(CHECKS)}."
            )
        try:
            resolved.append(CHECKS[item](**(params or {})))
        except TypeError as error:
            raise ValueError(f"checks[{item!r}] has invalid parameters: {error}") from None
    if not resolved:
        raise ValueError(f"checks is empty; pass None for every check or some of: {', '.join(CHECKS)}.")
    return resolved


def _check_label_inputs(labels, pred_proba, cv) -> None:
    """The label check's input errors, raised before any check runs."""

    classes, counts = np.unique(labels, return_counts=True)
    if pred_proba is not None:
        check_pred_proba(pred_proba, classes, len(labels))
    elif isinstance(cv, (int, np.integer)) and not isinstance(cv, bool):
        if cv < 2:
            raise ValueError(f"cv must be at least 2 (the number of folds), got {cv}.")
        check_cv_counts(classes, counts, int(cv))


def _audit_dask(data, target, *, y, test, estimator, checks, cv, groups, random_state, verbose, pred_proba):
    """:func:`audit` of a Dask DataFrame: the arguments it supports, then :func:`datafix.distributed.audit`."""
    model = "linear" if estimator is None else estimator
    if not isinstance(model, str):
        raise ValueError("estimator must be 'linear' or 'xgboost' for a Dask DataFrame (a model the cluster trains); "
                         "for your own model pass its out-of-fold probabilities as pred_proba= columns.")
    unsupported = [name for name, value in (("y", y), ("test", test), ("groups", groups)) if value is not None]
    if unsupported:
        raise ValueError(f"{', '.join(unsupported)} cannot be used with a Dask DataFrame; pass the labels as "
                         f"target= (a column) and probabilities as pred_proba= (a list of columns).")
    from ..distributed import audit as distributed_audit  # dispatch up to the Dask engine, which builds on the audit

    return distributed_audit(data, target, checks=checks, pred_proba=pred_proba, model=model, cv=cv,
                             random_state=random_state, verbose=verbose)


def audit(data, target=None, *, y=None, test=None, estimator=None, checks=None, cv=5, groups=None, n_jobs=None,
          random_state=None, verbose=False, pred_proba=None) -> AuditReport:
    """Audit a classification dataset: what is wrong with it, and which fixes apply.

    Runs the registered checks (see :data:`datafix.auditing.CHECKS`):
    ``class_imbalance``, ``label`` (out-of-fold label issues), ``duplicates``,
    ``conflicting_labels``, ``near_duplicates``, ``outliers`` (both through one
    shared neighbour graph), ``missing``, ``train_test_leakage`` (when
    ``test`` is given) and ``target_leakage``. Mixed numeric and categorical
    DataFrames with missing values need no preprocessing: the checks that
    need numbers share one encoding (numbers median-imputed and standardised,
    categories one-hot or frequency encoded, constant and identifier-like
    columns left out).

    Parameters
    ----------
    data : DataFrame or array-like of shape (n_samples, n_features)
        The dataset: a DataFrame that holds the ``target`` column, or the
        features alone with the labels in ``y``. Never modified.
    target : str, optional
        The label column of ``data``.
    y : array-like of shape (n_samples,), optional
        The labels, when ``data`` holds only features. Without ``target``
        and ``y`` the label-based checks are skipped.
    test : DataFrame or array-like, optional
        A held-out set with the same feature columns (its target column, if
        present, is ignored), for ``train_test_leakage``.
    estimator : classifier, optional
        The model for out-of-fold probabilities in the ``label`` check;
        :func:`datafix.find_label_issues` chooses when ``None``.
    checks : None, list or dict, optional
        Which checks to run: ``None`` for all, a list of names or check
        instances, or ``{name: params}``.
    cv : int, default=5
        Folds for the out-of-fold probabilities.
    groups : array-like of shape (n_samples,), optional
        Group of each row (a patient, a user, a session): the out-of-fold
        folds of the ``label`` check never split a group, so rows of one
        group never judge each other.
    n_jobs : int, optional
        Parallel jobs for the out-of-fold fits and the neighbour graph.
    random_state : int, optional
        Seeds every random part of the audit, so the same data and seed give
        the same report: the ``label`` check's folds, ``target_leakage``'s
        split into two halves, the ``outliers`` check's sample of row pairs
        (its scale floor) and the ``missing`` check's sample of values
        (columns with more than 10,000 values). Only these can differ
        between two seeds; ``None`` draws fresh randomness each call.
    verbose : bool, default=False
        Show progress on stderr.
    pred_proba : array-like of shape (n_samples, n_classes), optional
        Out-of-fold predicted probabilities you already have (columns in
        sorted class order); the ``label`` check then fits no model.

    Returns
    -------
    AuditReport
        ``.summary``, ``.issues``, ``.to_html()``, ``.to_json()``,
        ``.to_markdown()`` and ``.recommend()``.

    Raises
    ------
    ValueError
        Before any work, for a missing target column, missing labels (the
        message names the rows), a single class, an unknown check, a test set
        without the training feature columns, and empty data.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import datafix as dfx
    >>> rng = np.random.default_rng(0)
    >>> frame = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    >>> frame["label"] = np.where(frame["a"] > 0, "pos", "neg")
    >>> frame = pd.concat([frame, frame.iloc[:3]], ignore_index=True)   # three duplicate rows
    >>> report = dfx.audit(frame, "label", checks=["duplicates", "class_imbalance", "missing"])
    >>> report.summary.set_index("check").loc["duplicates", "issues"]
    np.int64(3)
    >>> report.issues.shape   # is_<check>_issue, <check>_score and extras, one row per data row
    (63, 8)

    A Dask DataFrame is audited on its cluster by
    :func:`datafix.distributed.audit` (``report.issues`` is then a Dask
    DataFrame); see the "Larger than memory" guide.
    """
    if type(data).__module__.startswith("dask"):  # no dask import unless the data is dask's
        return _audit_dask(data, target, y=y, test=test, estimator=estimator, checks=checks, cv=cv, groups=groups,
                           random_state=random_state, verbose=verbose, pred_proba=pred_proba)
    features, labels, target_name = split_target(data, target, y)
    label_values = None if labels is None else check_target_column(labels, features, target_name)
    test_features = None
    if test is not None:
        if isinstance(test, pd.DataFrame):
            absent = [c for c in features.columns if c not in test.columns]
            if absent:
                raise ValueError(
                    f"test lacks the feature columns {list(map(str, absent[:5]))} of the training data; "
                    f"pass a test set with the same columns."
                )
            test_features = check_features(test[list(features.columns)], name="test")
        else:
            test_features = feature_frame(test, "test")
            if test_features.shape[1] != features.shape[1]:
                raise ValueError(
                    f"test has {test_features.shape[1]} columns but the training features have "
                    f"{features.shape[1]}; pass a test set with the same columns."
                )
            test_features.columns = features.columns
    selected = resolve_checks(checks)
    if pred_proba is not None:
        pred_proba = np.asarray(pred_proba, dtype=np.float64)
        if pred_proba.ndim != 2 or pred_proba.shape[0] != len(features):
            raise ValueError(
                f"pred_proba must have shape (n_samples, n_classes) = ({len(features)}, n_classes); "
                f"got {pred_proba.shape}."
            )
    if label_values is not None and any(check.name == "label" for check in selected):
        _check_label_inputs(label_values, pred_proba, cv)
    if groups is not None and len(groups) != len(features):
        raise ValueError(f"groups has {len(groups)} entries but data has {len(features)} rows; pass one group "
                         f"per row.")
    progress = Progress(len(selected), enabled=verbose, label="datafix audit")
    context = AuditContext(
        features, label_values, test_features=test_features, estimator=estimator, pred_proba=pred_proba,
        cv=cv, groups=groups, n_jobs=n_jobs, random_state=random_state, progress=progress.note, verbose=verbose,
    )
    context.max_neighbors = max((getattr(c, "n_neighbors", 0) for c in selected), default=0)
    started = time.perf_counter()
    results, skipped, seconds = {}, {}, {}
    last_graph_user = max((i for i, c in enumerate(selected) if getattr(c, "n_neighbors", 0)), default=-1)
    for position, check in enumerate(selected):
        progress.step(check.name)
        reason = check.skip_reason(context)
        if reason is not None:
            skipped[check.name] = reason
        else:
            check_started = time.perf_counter()
            results[check.name] = check.run(context)
            seconds[check.name] = time.perf_counter() - check_started
        if position == last_graph_user:
            context.release_neighbor_graph()  # no later check reads it: free its memory for the rest
    progress.close()
    report = AuditReport.from_results(
        results,
        skipped=skipped,
        seconds=seconds,
        features=features,
        labels=label_values,
        target=target_name,
        duration=time.perf_counter() - started,
        test_index=None if test_features is None else test_features.index,
    )
    report.info["fingerprint"] = fingerprint(features, label_values,
                                             feature_hashes=context.__dict__.get("feature_hashes"))
    report._source = (data, target, y)  # for recommend(validate=True): references to the caller's data, no copy
    return report
