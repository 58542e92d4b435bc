"""From what an audit found to a pipeline: the candidate fixes, and the validated choice among them.

:func:`candidate_fixes` lists the fixes worth trying for the findings of an
:class:`~datafix.AuditReport`; :func:`recommend_pipeline` either builds the
heuristic pipeline (every fix for every finding) or, validated, runs
:func:`datafix.compare_fixes` over the candidates and keeps the baseline
unless a candidate beats it beyond the noise of the folds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils.validation import has_fit_parameter

from ..deduplication import DuplicateRemover
from ..labels import LabelCleaner
from ..pipeline import make_pipeline
from ..preprocessing import make_preprocessing, split_columns
from ..selection import _model_steps, build_pipeline, compare_fixes
from ..weighting import ClassWeighter

__all__ = ["candidate_fixes", "recommend_pipeline", "smote_for"]

#: Folds of the default comparison (5 x stratified 2-fold): a training fold holds about half of each class.
DEFAULT_TRAIN_FRACTION = 0.5


def _takes_weights(estimator) -> bool:
    return estimator is None or has_fit_parameter(_model_steps(estimator)[-1], "sample_weight")


def smote_for(X, k_neighbors: int, random_state):
    """SMOTE for numeric tables, SMOTE-NC for mixed ones, SMOTE-N for categorical-only ones.

    ``X`` is the table the sampler will see (after imputation: numbers and
    text, nothing missing); text columns are passed to SMOTE-NC by name.

    Examples
    --------
    >>> import pandas as pd
    >>> from datafix.auditing.recommend import smote_for
    >>> type(smote_for(pd.DataFrame({"a": [1.0], "b": ["x"]}), 3, 0)).__name__
    'SMOTENC'
    """
    from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC

    if isinstance(X, pd.DataFrame):
        numeric, categorical = split_columns(X)
        if categorical and not numeric:
            return SMOTEN(k_neighbors=k_neighbors, random_state=random_state)
        if categorical:
            return SMOTENC(categorical_features=list(categorical), k_neighbors=k_neighbors, random_state=random_state)
    return SMOTE(k_neighbors=k_neighbors, random_state=random_state)


def _found(report) -> set:
    return {r.name for r in report.results.values() if r.issues or r.severity != "none"}


def candidate_fixes(found, X, labels, estimator=None, *, random_state=None,
                    train_fraction: float = DEFAULT_TRAIN_FRACTION) -> dict:
    """The candidates worth comparing for what an audit found: ``{name: [fixes]}``, baseline ``"none"`` first.

    * class imbalance: class weights (when the model takes ``sample_weight``),
      random over- and under-sampling, and SMOTE / SMOTE-NC / SMOTE-N when
      every training fold holds at least 2 rows of each class (``k_neighbors``
      lowered to fit the smallest class);
    * label issues: :class:`~datafix.LabelCleaner` dropping, relabelling and
      (with weights) down-weighting, and down-weighting with class weights
      when the classes are imbalanced too;
    * duplicates or conflicting labels: :class:`~datafix.DuplicateRemover`,
      and with class weights when imbalanced.

    Parameters
    ----------
    found : AuditReport or collection of str
        A report (its checks that found something count), or check names.
    X : DataFrame or array-like
        The features as the fixes will see them (after the imputer).
    labels : array-like
        The labels.
    estimator : classifier, optional
        Decides whether weight-based candidates are possible.
    random_state : int, optional
    train_fraction : float, default=0.5
        The share of each class in a training fold of the comparison.

    Returns
    -------
    dict of str to list

    Examples
    --------
    >>> import pandas as pd, datafix as dfx
    >>> from datafix.auditing.recommend import candidate_fixes
    >>> frame = pd.DataFrame({"x": range(60), "y": [0] * 54 + [1] * 6})
    >>> report = dfx.audit(frame, "y", checks=["class_imbalance"])
    >>> list(candidate_fixes(report, frame[["x"]], frame["y"]))
    ['none', 'class_weights', 'random_oversample', 'random_undersample', 'smote']
    >>> list(candidate_fixes({"duplicates"}, frame[["x"]], frame["y"]))
    ['none', 'deduplicate']
    """
    from imblearn.over_sampling import RandomOverSampler
    from imblearn.under_sampling import RandomUnderSampler


    found = _found(found) if hasattr(found, "results") else set(found)
    takes_weights = _takes_weights(estimator)
    _, counts = np.unique(np.asarray(labels), return_counts=True)
    train_minimum = int(np.floor(counts.min() * train_fraction))
    imbalanced = "class_imbalance" in found
    candidates = {"none": []}
    if imbalanced:
        if takes_weights:
            candidates["class_weights"] = [ClassWeighter()]
        candidates["random_oversample"] = [RandomOverSampler(random_state=random_state)]
        candidates["random_undersample"] = [RandomUnderSampler(random_state=random_state)]
        if train_minimum >= 2:
            candidates["smote"] = [smote_for(X, min(5, train_minimum - 1), random_state)]
    weighting = [ClassWeighter()] if imbalanced and takes_weights else []
    if "label" in found and train_minimum >= 2:
        cv = min(5, train_minimum)
        actions = ("drop", "relabel", "downweight") if takes_weights else ("drop", "relabel")
        for action in actions:
            candidates[f"labels_{action}"] = [LabelCleaner(action=action, cv=cv, random_state=random_state)]
        if weighting:  # one combination: the gentlest cleaning with the weights (each cleaner costs cv fits a fold)
            action = "downweight" if takes_weights else "drop"
            candidates[f"labels_{action}+class_weights"] = [
                LabelCleaner(action=action, cv=cv, random_state=random_state), *weighting]
    if found & {"duplicates", "conflicting_labels"}:
        candidates["deduplicate"] = [DuplicateRemover()]
        if weighting:
            candidates["deduplicate+class_weights"] = [DuplicateRemover(), *weighting]
    return candidates


#: The heuristic pipeline's order: copies out first, then labels cleaned, then classes weighted.
HEURISTIC_ORDER = ("DuplicateRemover", "LabelCleaner", "ClassWeighter")


def _heuristic_fixes(report, takes_weights, random_state) -> list:
    """Today's fast path: one fix per finding, in a fixed order, nothing measured."""
    from imblearn.over_sampling import RandomOverSampler


    makers = {
        "DuplicateRemover": DuplicateRemover,
        "LabelCleaner": lambda: LabelCleaner(random_state=random_state),
        "ClassWeighter": ClassWeighter if takes_weights else lambda: RandomOverSampler(random_state=random_state),
    }
    fixes = {item["fix"] for item in report.recommendations() if item["fix"] in makers}
    return [makers[name]() for name in HEURISTIC_ORDER if name in fixes]


def recommend_pipeline(report, estimator=None, *, validate=None, preprocessing="auto", scoring=None, cv=None,
                       n_jobs=None, random_state=None, verbose=False):
    """The implementation of :meth:`datafix.AuditReport.recommend` (see there)."""

    validate = estimator is not None if validate is None else bool(validate)
    if validate and estimator is None:
        raise ValueError("validate=True needs estimator=: the fixes are validated by fitting that model; "
                         "pass e.g. LogisticRegression(), or validate=False for the heuristic pipeline.")
    takes_weights = _takes_weights(estimator)
    if estimator is None:
        steps = _heuristic_fixes(report, takes_weights, random_state)
        if not steps:
            raise ValueError(
                "the audit found nothing a datafix fix addresses; pass estimator= to get a pipeline "
                "with just the model, or see report.recommendations() for advice."
            )
        return make_pipeline(*steps)
    X, labels = report.audited_data()
    if preprocessing == "auto":
        imputer, encoder = make_preprocessing(X, estimator)
    elif preprocessing is None:
        imputer, encoder = None, None
    else:
        imputer, encoder = preprocessing
    if not validate:
        return build_pipeline(_heuristic_fixes(report, takes_weights, random_state), estimator, (imputer, encoder))
    # the imputer keeps every column and its kind (numbers stay numbers, the rest becomes text), so the
    # raw columns tell which SMOTE variant the fixes will need
    candidates = candidate_fixes(report, X, labels, estimator, random_state=random_state)
    comparison = compare_fixes(candidates, X, labels, estimator=estimator, preprocessing=(imputer, encoder),
                               cv=cv, scoring=scoring, n_jobs=n_jobs,
                               random_state=random_state, verbose=verbose)  # None: fresh folds, as for the fixes
    report.comparison = comparison
    if comparison.summary.loc[comparison.baseline, "status"] == "failed":
        raise ValueError(f"the model alone (the baseline) failed to fit or score on the audited data, so no fix "
                         f"can be validated: {comparison.summary.loc[comparison.baseline, 'error']}")
    return comparison.best_pipeline()

