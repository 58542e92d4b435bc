"""Balanced ensembles built from fixes: bagging with any fix inside each member.

:class:`FixBaggingClassifier` fits ``n_estimators`` copies of
``make_pipeline(*fixes, estimator)``, each on its own stratified bootstrap of
the training set, and averages their probabilities. With the default fix,
:class:`imblearn.under_sampling.RandomUnderSampler`, it is a balanced bagging
classifier like imbalanced-learn's ``BalancedBaggingClassifier``; unlike it,
any datafix fix or imbalanced-learn sampler (or a chain of them) can balance
the members, and ``sample_weight`` reaches every member: each bootstrap row
keeps its weight, and the weights follow rows through the fixes
(:class:`datafix.Pipeline` carries them) to the member's estimator.

How the bootstraps are drawn
----------------------------
Each bootstrap is **stratified**: from every class ``k`` with ``n_k`` rows it
draws ``max(1, round(max_samples_fraction * n_k))`` rows, with replacement when
``bootstrap=True`` and without otherwise. Every class is therefore present in
every member's training set in the proportions of the full training set, so
the fixes see the imbalance they are meant to correct and no member misses a
class (a plain bootstrap of a 20:1 set with 30 minority rows still contains
them; one of a set with 3 minority rows often does not). The rows of a
bootstrap keep their original order (sorted positions).
"""

from __future__ import annotations

import sys
import time
from numbers import Integral, Real

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, has_fit_parameter, validate_data

from ._compat import HasMethods, Interval, validate_params
from ._deprecation import keyword_only_after
from .base import is_fix
from .pipeline import Pipeline, make_pipeline
from .validation import check_features, check_labels, check_sample_weight, num_rows

__all__ = ["FixBaggingClassifier"]

_MAX_SEED = np.iinfo(np.int32).max


def _as_fix_list(fixes) -> list:
    """``fixes`` as a list: ``None`` is the default under-sampler, one fix a list of one."""
    if fixes is None:
        from imblearn.under_sampling import RandomUnderSampler

        return [RandomUnderSampler()]
    if isinstance(fixes, (list, tuple)):
        return list(fixes)
    return [fixes]


def _final_estimator(estimator):
    """The estimator a datafix pipeline hands ``sample_weight`` to (nested pipelines unwrapped)."""
    while isinstance(estimator, Pipeline):
        estimator = estimator.steps[-1][1]
    return estimator


def _set_random_states(member, random_state: np.random.RandomState) -> None:
    """Give every ``random_state`` parameter of ``member`` (nested ones too) its own seed."""
    seeds = {}
    for key in sorted(member.get_params(deep=True)):
        if key == "random_state" or key.endswith("__random_state"):
            seeds[key] = int(random_state.randint(_MAX_SEED))
    if seeds:
        member.set_params(**seeds)


def _take_rows(X, rows):
    if isinstance(X, pd.DataFrame):
        return X.iloc[rows].reset_index(drop=True)
    return X[rows]


def _fit_member(member, X, y, sample_weight, rows):
    """Fit one member on the bootstrap ``rows``; weights go with their rows."""
    weights = None if sample_weight is None else sample_weight[rows]
    return member.fit(_take_rows(X, rows), y[rows], sample_weight=weights)


def _members_proba(members, X, classes):
    """Sum of the members' class probabilities (votes for members without predict_proba)."""
    total = np.zeros((num_rows(X), len(classes)), dtype=np.float64)
    for member in members:
        if hasattr(member, "predict_proba"):
            columns = np.searchsorted(classes, member.classes_)
            total[:, columns] += member.predict_proba(X)
        else:
            total[np.arange(len(total)), np.searchsorted(classes, member.predict(X))] += 1.0
    return total


def _members_decision(members, X):
    return sum(member.decision_function(X) for member in members)


def _estimator_has(method):
    def check(self):
        if hasattr(self, "estimators_"):
            return hasattr(self.estimators_[0], method)
        estimator = self.estimator if self.estimator is not None else _default_estimator()
        return hasattr(estimator, method)

    return check


def _default_estimator():
    from sklearn.tree import DecisionTreeClassifier

    return DecisionTreeClassifier()


class FixBaggingClassifier(ClassifierMixin, BaseEstimator):
    """Bagging in which every member is fitted through fixes: balanced bagging with any fix.

    Each of the ``n_estimators`` members is ``datafix.make_pipeline(*fixes,
    estimator)`` (fresh clones) fitted on its own stratified bootstrap of the
    training set; ``predict_proba`` averages the members' probabilities. With
    the default ``fixes`` (:class:`~imblearn.under_sampling.RandomUnderSampler`)
    this is balanced bagging, as imbalanced-learn's
    ``BalancedBaggingClassifier``; any datafix fix or imbalanced-learn sampler,
    or a list of them applied in order, can take its place. ``sample_weight``
    passed to :meth:`fit` follows the bootstrap rows through the fixes to each
    member's estimator.

    Parameters
    ----------
    estimator : estimator, default=None
        The classifier each member fits after the fixes (cloned per member).
        A pipeline (for instance one that encodes string columns) is fine.
        ``None`` means :class:`~sklearn.tree.DecisionTreeClassifier`; pass
        one explicitly to tune its parameters (``estimator__max_depth``).
    fixes : fix, sampler or list of them, default=None
        What changes each bootstrap before the estimator sees it: datafix
        fixes, imbalanced-learn samplers, anything with ``fit_resample``; a
        list is applied in order. ``None`` means
        ``RandomUnderSampler()`` (balanced bagging); ``[]`` means plain bagging
        on stratified bootstraps.
    n_estimators : int, default=10
        Number of members.
    max_samples : int or float, default=1.0
        Size of each bootstrap: a float is the fraction of every class's rows
        drawn, an int the total number of rows (spread over the classes in
        proportion to their sizes). Every class gets at least one row.
    bootstrap : bool, default=True
        Draw with replacement (a bootstrap) or without (a subsample; with
        ``max_samples=1.0`` every member sees the whole training set and only
        the randomness of the fixes and the estimator differs).
    n_jobs : int, default=None
        Members fitted in parallel through joblib (``-1``: all cores). Inside
        ``joblib.parallel_config(backend="dask")`` the members are distributed
        over a Dask cluster.
    random_state : int, RandomState or None, default=None
        Seeds the bootstraps and every ``random_state`` parameter of each
        member's fixes and estimator (each member gets its own seeds, which
        replace any ``random_state`` set on ``fixes`` or ``estimator``, as in
        scikit-learn's bagging). An int makes the ensemble reproducible,
        whatever ``n_jobs``.
    verbose : bool, default=False
        Print one line per fitted member on stderr.

    Attributes
    ----------
    estimators_ : list of Pipeline
        The fitted members, each ``make_pipeline(*fixes, estimator)``.
    estimators_samples_ : list of ndarray of int
        For each member, the positions of the training rows in its bootstrap
        (sorted; repeated positions are rows drawn more than once).
    classes_ : ndarray
        The class labels, as in ``y`` (strings stay strings).
    n_classes_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Column names, when ``X`` is a DataFrame with string column names.

    See Also
    --------
    imblearn.ensemble.BalancedBaggingClassifier : the same with one
        imbalanced-learn sampler and no sample weights.
    datafix.Pipeline : what each member is.

    Notes
    -----
    The differences from ``BalancedBaggingClassifier``: any fix or chain of
    fixes balances the members (class weights, SMOTE, label cleaning, ...);
    ``fit`` takes ``sample_weight`` and every member's estimator gets the
    weights of its rows (times whatever the fixes produce); bootstraps are
    stratified, so no member misses a class; members may be pipelines that
    take DataFrames with string columns. There is no ``max_features``,
    ``oob_score`` or ``warm_start``.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.metrics import balanced_accuracy_score
    >>> from datafix import FixBaggingClassifier
    >>> X, y = make_classification(n_samples=600, weights=[0.95], flip_y=0, random_state=0)
    >>> model = FixBaggingClassifier(n_estimators=5, random_state=0).fit(X, y)
    >>> len(model.estimators_), model.classes_.tolist()
    (5, [0, 1])
    >>> [name for name, _ in model.estimators_[0].steps]
    ['randomundersampler', 'decisiontreeclassifier']
    >>> model.predict_proba(X[:2]).sum(axis=1).tolist()
    [1.0, 1.0]

    Class weights instead of under-sampling, with the caller's weights kept:

    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from datafix import ClassWeighter
    >>> weighted = FixBaggingClassifier(LogisticRegression(), fixes=ClassWeighter(), n_estimators=5, random_state=0)
    >>> weighted.fit(X, y, sample_weight=np.ones(len(y))).predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "fixes": [HasMethods(["fit_resample"]), list, tuple, None],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "max_samples": [Interval(Integral, 1, None, closed="left"), Interval(Real, 0, 1, closed="right")],
        "bootstrap": ["boolean"],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    @keyword_only_after
    def __init__(
        self,
        estimator=None,
        *,
        fixes=None,
        n_estimators=10,
        max_samples=1.0,
        bootstrap=True,
        n_jobs=None,
        random_state=None,
        verbose=False,
    ):
        self.estimator = estimator
        self.fixes = fixes
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.bootstrap = bootstrap
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        estimator = self.estimator if self.estimator is not None else _default_estimator()
        try:
            inner = estimator.__sklearn_tags__().input_tags
        except AttributeError:
            return tags
        tags.input_tags.allow_nan = inner.allow_nan
        tags.input_tags.sparse = inner.sparse
        tags.input_tags.string = inner.string
        tags.input_tags.categorical = inner.categorical
        return tags

    # ----------------------------------------------------------------- checks
    def _check_fixes(self) -> list:
        fixes = _as_fix_list(self.fixes)
        for position, fix in enumerate(fixes):
            if not is_fix(fix):
                where = "fixes" if not isinstance(self.fixes, (list, tuple)) else f"fixes[{position}]"
                raise TypeError(
                    f"{where} ({type(fix).__name__}) has no fit_resample: fixes must be datafix fixes or "
                    f"imbalanced-learn samplers. Put transformers in the estimator instead, e.g. "
                    f"estimator=make_pipeline(StandardScaler(), LogisticRegression())."
                )
        return fixes

    def _rows_per_class(self, class_counts: np.ndarray) -> np.ndarray:
        """How many rows each bootstrap draws from each class."""
        n_rows = int(class_counts.sum())
        if isinstance(self.max_samples, Integral):
            if self.max_samples > n_rows and not self.bootstrap:
                raise ValueError(
                    f"max_samples={self.max_samples} but X has only {n_rows} rows, and bootstrap=False "
                    f"draws without replacement; lower max_samples or set bootstrap=True."
                )
            if self.max_samples < len(class_counts):
                raise ValueError(
                    f"max_samples={self.max_samples} rows cannot hold one row of each of the "
                    f"{len(class_counts)} classes; raise max_samples to at least {len(class_counts)}."
                )
            fraction = self.max_samples / n_rows
        else:
            fraction = float(self.max_samples)
        return np.maximum(1, np.rint(fraction * class_counts)).astype(np.intp)

    def _check_class_sizes(self, fixes, classes, rows_per_class) -> None:
        """Each fix that needs several rows of a class (SMOTE's neighbours, cross-validation) gets them."""
        largest = rows_per_class.max()
        for fix in fixes:
            params = fix.get_params(deep=False) if hasattr(fix, "get_params") else {}
            needs = []
            k_neighbors = params.get("k_neighbors")
            if isinstance(k_neighbors, Integral) and not isinstance(k_neighbors, bool):
                # over-samplers build neighbours within each class they grow (the smaller ones)
                grown = rows_per_class < largest
                needs.append((k_neighbors + 1, f"{type(fix).__name__}(k_neighbors={k_neighbors})", grown))
            cv = params.get("cv")
            if isinstance(cv, Integral) and not isinstance(cv, bool):
                needs.append((cv, f"{type(fix).__name__}(cv={cv})", np.ones(len(classes), dtype=bool)))
            for needed, who, applies in needs:
                short = applies & (rows_per_class < needed)
                if short.any():
                    position = int(np.flatnonzero(short)[0])
                    label = classes[position].item() if hasattr(classes[position], "item") else classes[position]
                    raise ValueError(
                        f"class {label!r} has {int(rows_per_class[position])} rows in each bootstrap but {who} "
                        f"needs at least {needed}; lower that parameter, raise max_samples, or drop the class."
                    )

    def _check_weights_accepted(self, estimator, sample_weight) -> None:
        if sample_weight is None:
            return
        final = _final_estimator(estimator)
        if not has_fit_parameter(final, "sample_weight"):
            hint = (
                "build it with datafix.make_pipeline so the weights reach its last step"
                if hasattr(final, "steps")
                else "use an estimator whose fit takes sample_weight, or fit without weights"
            )
            raise TypeError(
                f"sample_weight was passed but the estimator ({type(final).__name__}) does not accept "
                f"sample_weight in fit; {hint}."
            )

    # -------------------------------------------------------------------- fit
    def fit(self, X, y, sample_weight=None):
        """Fit ``n_estimators`` members, each on a stratified bootstrap passed through the fixes.

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
            Training features; DataFrames go to the members as DataFrames.
            Never modified.
        y : array-like of shape (n_samples,)
            Class labels (numbers or strings). Never modified.
        sample_weight : array-like of shape (n_samples,), optional
            Row weights. Each bootstrap row keeps its weight (a row drawn twice
            appears twice with its weight); the fixes carry the weights to the
            member's estimator, which must accept ``sample_weight``.

        Returns
        -------
        self : FixBaggingClassifier
        """
        validate_params(self)
        fixes = self._check_fixes()
        estimator = self.estimator if self.estimator is not None else _default_estimator()
        X = check_features(X)
        n_rows = num_rows(X)
        y = check_labels(y, n_rows=n_rows)
        sample_weight = check_sample_weight(sample_weight, n_rows)
        self._check_weights_accepted(estimator, sample_weight)
        validate_data(self, X, reset=True, skip_check_array=True)

        classes, codes = np.unique(y, return_inverse=True)
        class_counts = np.bincount(codes, minlength=len(classes))
        rows_per_class = self._rows_per_class(class_counts)
        self._check_class_sizes(fixes, classes, rows_per_class)

        rows_of_class = np.split(np.argsort(codes, kind="stable"), np.cumsum(class_counts)[:-1])
        seeds = check_random_state(self.random_state).randint(_MAX_SEED, size=self.n_estimators)
        members, samples = [], []
        for seed in seeds:
            member_random = np.random.RandomState(seed)
            drawn = []
            for rows, count in zip(rows_of_class, rows_per_class):
                if self.bootstrap:
                    drawn.append(rows[member_random.randint(0, len(rows), size=count)])
                else:
                    drawn.append(rows[member_random.permutation(len(rows))[:count]])
            samples.append(np.sort(np.concatenate(drawn)))
            member = make_pipeline(*clone(fixes), clone(estimator))
            _set_random_states(member, member_random)
            members.append(member)

        started = time.perf_counter()
        fitted = Parallel(n_jobs=self.n_jobs, return_as="generator")(
            delayed(_fit_member)(member, X, y, sample_weight, rows) for member, rows in zip(members, samples)
        )
        self.estimators_ = []
        for number, member in enumerate(fitted, start=1):
            self.estimators_.append(member)
            if self.verbose:
                print(
                    f"[FixBaggingClassifier] member {number}/{self.n_estimators} fitted "
                    f"({time.perf_counter() - started:.2f}s elapsed)",
                    file=sys.stderr,
                )
        self.estimators_samples_ = samples
        self.classes_ = classes
        self.n_classes_ = len(classes)
        return self

    # ---------------------------------------------------------------- predict
    def _check_predict_input(self, X):
        check_is_fitted(self, "estimators_")
        X = check_features(X)
        validate_data(self, X, reset=False, skip_check_array=True)
        return X

    def _member_chunks(self):
        n_chunks = min(effective_n_jobs(self.n_jobs), len(self.estimators_))
        bounds = np.linspace(0, len(self.estimators_), n_chunks + 1).astype(int)
        return [self.estimators_[start:stop] for start, stop in zip(bounds[:-1], bounds[1:])]

    def predict_proba(self, X):
        """Mean of the members' class probabilities.

        Members without ``predict_proba`` vote instead: the result is then the
        fraction of members predicting each class.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        X = self._check_predict_input(X)
        sums = Parallel(n_jobs=self.n_jobs)(
            delayed(_members_proba)(chunk, X, self.classes_) for chunk in self._member_chunks()
        )
        return sum(sums) / len(self.estimators_)

    def predict(self, X):
        """The class with the highest mean probability.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        probabilities = self.predict_proba(X)
        return self.classes_[np.argmax(probabilities, axis=1)]

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Mean of the members' decision functions.

        Available when the estimator has ``decision_function``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) for two classes, else (n_samples, n_classes)
        """
        X = self._check_predict_input(X)
        for number, member in enumerate(self.estimators_):
            if len(member.classes_) != self.n_classes_:
                missing = np.setdiff1d(self.classes_, member.classes_).tolist()
                raise ValueError(
                    f"member {number} was fitted without classes {missing} (its fixes removed them), so "
                    f"decision functions cannot be averaged; use predict_proba, or fixes that keep every class."
                )
        sums = Parallel(n_jobs=self.n_jobs)(delayed(_members_decision)(chunk, X) for chunk in self._member_chunks())
        return sum(sums) / len(self.estimators_)
