"""One pipeline for scikit-learn transformers, imbalanced-learn samplers and datafix fixes.

During ``fit`` the pipeline carries ``(X, y, sample_weight)`` and provenance
through every step and hands ``sample_weight`` to the final estimator. At
predict, predict_proba, decision_function, transform and score time every
fix (anything with ``fit_resample``) is skipped.

How weights cross an imbalanced-learn sampler
---------------------------------------------
imbalanced-learn samplers know nothing of weights, so the pipeline maps them:

1. samplers with ``sample_indices_`` (random under/over-sampling, the
   cleaning and prototype-selection samplers): each output row takes the
   weight of the input row it is;
2. samplers whose output starts with the input rows unchanged (the SMOTE
   family, ADASYN): those rows keep their weights and the rest are synthetic;
3. any other sampler (ClusterCentroids, SMOTEENN, SMOTETomek): output rows
   identical to an input row (same features and label) take that row's weight;
   the rest are synthetic.

**A synthetic row whose source is unknown gets the mean weight of the input
rows of its class**, so a class's average weight is unchanged; its entry in
``source_indices_`` is ``-1``. datafix fixes report their own provenance and
weights (see each fix).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.metrics import accuracy_score
from sklearn.pipeline import Pipeline as _SklearnPipeline
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import has_fit_parameter

from ._compat import name_estimators
from ._tabular import row_hashes, take_rows
from .base import BaseFix, is_fix
from .decision import _adjust_log_proba_to_priors, _class_priors, adjust_to_priors
from .validation import check_sample_weight, num_rows

__all__ = ["Pipeline", "make_pipeline"]

UNKNOWN_SOURCE = -1


def _is_passthrough(step) -> bool:
    return step is None or (isinstance(step, str) and step == "passthrough")


def _is_weight_aware(step) -> bool:
    """datafix fixes and pipelines take ``sample_weight`` and report provenance."""
    return isinstance(step, (BaseFix, Pipeline))


def _row_hashes(X, y) -> np.ndarray:
    """One uint64 per row of (X, y), equal for equal rows (the one rule of :func:`datafix._tabular.row_hashes`)."""
    if sp.issparse(X):
        X = X.toarray()
    frame = X.reset_index(drop=True) if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
    frame = frame.set_axis(range(frame.shape[1]), axis=1)
    frame[frame.shape[1]] = np.asarray(y)
    return row_hashes(frame)


def _same_rows(A, B, y_a, y_b) -> bool:
    """Whether two tables hold the same rows with the same labels (NaN equals NaN)."""
    if not np.array_equal(np.asarray(y_a), np.asarray(y_b)):
        return False
    if sp.issparse(A) or sp.issparse(B):
        return sp.issparse(A) and sp.issparse(B) and A.shape == B.shape and (A != B).nnz == 0
    if isinstance(A, pd.DataFrame) or isinstance(B, pd.DataFrame):
        return np.array_equal(_row_hashes(A, y_a), _row_hashes(B, y_b))
    A, B = np.asarray(A), np.asarray(B)
    if A.shape != B.shape:
        return False
    chunk = max(1, 2**22 // max(1, A[0].size))  # compare in blocks: a few MiB of temporaries at most
    for start in range(0, len(A), chunk):
        a, b = A[start : start + chunk], B[start : start + chunk]
        if not np.array_equal(a, b) and not (a.dtype.kind in "fc" and np.array_equal(a, b, equal_nan=True)):
            return False
    return True


def _imblearn_provenance(sampler, X_in, y_in, X_out, y_out):
    """Map an imbalanced-learn sampler's output rows to its input rows."""
    n_in, n_out = num_rows(X_in), num_rows(X_out)
    y_in, y_out = np.asarray(y_in), np.asarray(y_out)
    indices = getattr(sampler, "sample_indices_", None)
    if indices is not None and len(indices) == n_out:
        indices = np.asarray(indices, dtype=np.intp)
        # trust sample_indices_ only if it describes the rows returned: imbalanced-learn's
        # RepeatedEditedNearestNeighbours gets it wrong when its first pass removes nothing
        if _same_rows(take_rows(X_in, indices), X_out, y_in[indices], y_out):
            return indices, np.zeros(n_out, dtype=bool)
    if n_out >= n_in and _same_rows(X_in, take_rows(X_out, slice(0, n_in)), y_in, y_out[:n_in]):
        source = np.concatenate([np.arange(n_in), np.full(n_out - n_in, UNKNOWN_SOURCE)]).astype(np.intp)
        return source, source == UNKNOWN_SOURCE
    first_position = pd.Series(np.arange(n_in)).groupby(_row_hashes(X_in, y_in)).first()
    source = pd.Series(_row_hashes(X_out, y_out)).map(first_position).fillna(UNKNOWN_SOURCE).to_numpy(np.intp)
    return source, source == UNKNOWN_SOURCE


def _weights_for_unknown_sources(weights_in, y_in, y_out, source):
    """Mean weight of the input rows of the same class, for synthetic rows of unknown source."""
    weights_out = np.empty(len(source), dtype=np.float64)
    known = source != UNKNOWN_SOURCE
    weights_out[known] = weights_in[source[known]]
    if (~known).any():
        classes, codes = np.unique(np.asarray(y_in), return_inverse=True)
        class_means = np.bincount(codes, weights=weights_in) / np.bincount(codes)
        unknown_codes = np.searchsorted(classes, np.asarray(y_out)[~known])
        weights_out[~known] = class_means[unknown_codes]
    return weights_out


def _compose(source, synthetic, step_source, step_synthetic):
    """Provenance of a chain: the step's sources looked up in the chain so far."""
    valid = step_source != UNKNOWN_SOURCE
    new_source = np.full(len(step_source), UNKNOWN_SOURCE, dtype=np.intp)
    new_source[valid] = source[step_source[valid]]
    new_synthetic = step_synthetic.copy()
    new_synthetic[valid] |= synthetic[step_source[valid]]
    return new_source, new_synthetic


def _final_step_is_fix(pipeline) -> bool:
    final = pipeline.steps[-1][1]
    return not _is_passthrough(final) and is_fix(final)


def _final_has(method):
    """``available_if`` condition: the final step has ``method`` (as scikit-learn's Pipeline checks)."""
    return lambda self: hasattr(self._final_estimator, method)


def _describe_label(label):
    return repr(label.item() if hasattr(label, "item") else label)


def _estimator_fitted_priors(final, y, weights, classes) -> np.ndarray:
    """The class distribution that ``final``'s probabilities reflect, aligned to ``classes``."""
    if isinstance(final, Pipeline) and hasattr(final, "fitted_priors_"):
        # a nested datafix pipeline knows what its own final estimator saw; if it corrects its
        # probabilities they already reflect the distribution it was given
        return final.training_priors_ if final.prior_correction else final.fitted_priors_
    params = final.get_params(deep=False) if hasattr(final, "get_params") else {}
    class_weight = params.get("class_weight")
    if class_weight is not None:
        if isinstance(class_weight, str) and class_weight == "balanced_subsample":
            class_weight = "balanced"  # per bootstrap sample; balanced in expectation
        estimator_weights = compute_sample_weight(class_weight, np.asarray(y))
        weights = estimator_weights if weights is None else weights * estimator_weights
    return _class_priors(y, weights, classes)


class Pipeline(_SklearnPipeline):
    """A chain of transformers, samplers and fixes, ending in an estimator.

    Like :class:`sklearn.pipeline.Pipeline`, plus: steps may be imbalanced-learn
    samplers or datafix fixes (anything with ``fit_resample``), which change the
    training set during ``fit`` and are skipped at predict time; and weights
    flow. ``pipe.fit(X, y, sample_weight=w)`` carries ``w`` through every step
    (through samplers by provenance, see the module documentation) and hands
    the result to the final estimator; a step may also *produce* weights
    (:class:`~datafix.ClassWeighter`). The final estimator gets
    ``sample_weight`` whenever weights exist, and a clear error is raised if it
    cannot accept them.

    A pipeline whose final step is a fix is itself a fix: it has
    ``fit_resample`` and nests inside other pipelines, including
    :class:`imblearn.pipeline.Pipeline`.

    Parameters
    ----------
    steps : list of (name, estimator) tuples
        Transformers, samplers or fixes, then a final estimator (or fix, or
        ``"passthrough"``).
    verbose : bool, default=False
        Print each step's name and fitting time on stderr.
    prior_correction : bool, default=False
        Correct the final classifier's probabilities from the class priors it
        was fitted on (after resampling and weighting) back to those of the
        training data: ``predict_proba`` and ``predict_log_proba`` return
        ``p(c|x) * training_priors_[c] / fitted_priors_[c]``, renormalised
        per row (:func:`datafix.decision.adjust_to_priors`); ``predict``
        returns the most probable class under the corrected probabilities and
        ``score`` their accuracy. ``decision_function`` is left uncorrected
        (it is not a probability in general). The final step must have
        ``predict_proba``. A slice keeps the setting only if it keeps the
        final step. With ``False`` (the default) predictions are the final
        estimator's own.

    Attributes
    ----------
    source_indices_ : ndarray of int
        After fitting, for each row the final step was fitted on, the input row
        it came from (``-1`` for synthetic rows of unknown source).
    is_synthetic_ : ndarray of bool
        Which of those rows are synthetic.
    training_priors_ : ndarray of shape (n_classes,)
        When the final step is a classifier (whatever ``prior_correction``
        is): the share of each class of ``classes_`` in the training data
        passed to ``fit``, weighted by ``sample_weight`` when given.
    fitted_priors_ : ndarray of shape (n_classes,)
        When the final step is a classifier: the class distribution its
        probabilities reflect, i.e. the rows it was fitted on after every fix,
        each counted with the weight it received (``sample_weight`` carried
        through the fixes, times weights the fixes produce, times the
        estimator's own ``class_weight`` if it has that parameter). For a
        final step that is itself a datafix Pipeline, that pipeline's
        ``fitted_priors_``, or its ``training_priors_`` when it corrects its
        own probabilities.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from imblearn.under_sampling import RandomUnderSampler
    >>> from datafix import ClassWeighter, make_pipeline
    >>> X, y = make_classification(n_samples=200, weights=[0.9], random_state=0)
    >>> pipe = make_pipeline(RandomUnderSampler(random_state=0), ClassWeighter(), LogisticRegression())
    >>> pipe.fit(X, y).predict(X[:3]).shape
    (3,)
    >>> len(pipe.source_indices_) == 2 * int((y == 1).sum())
    True

    With ``prior_correction=True`` the probabilities of a model fitted on
    balanced rows are shifted back to the 9:1 priors of the training data:

    >>> corrected = make_pipeline(RandomUnderSampler(random_state=0), LogisticRegression(), prior_correction=True)
    >>> corrected.fit(X, y).fitted_priors_, corrected.training_priors_
    (array([0.5, 0.5]), array([0.9, 0.1]))
    >>> bool(corrected.predict_proba(X)[:, 1].mean() < pipe.predict_proba(X)[:, 1].mean())
    True
    """

    # scikit-learn's Pipeline methods read these; datafix does not cache or route inputs.
    memory = None
    transform_input = None

    def __init__(self, steps, *, verbose=False, prior_correction=False):
        self.steps = steps
        self.verbose = verbose
        self.prior_correction = prior_correction

    def __getitem__(self, ind):
        if isinstance(ind, slice):
            if ind.step not in (1, None):
                raise ValueError("Pipeline slicing only supports a step of 1")
            steps = self.steps[ind]
            keeps_final = bool(steps) and steps[-1] is self.steps[-1]
            sliced = self.__class__(
                steps, verbose=self.verbose, prior_correction=bool(self.prior_correction) and keeps_final
            )
            if keeps_final:
                for attribute in ("training_priors_", "fitted_priors_"):
                    if hasattr(self, attribute):
                        setattr(sliced, attribute, getattr(self, attribute))
            return sliced
        return super().__getitem__(ind)

    def _validate_steps(self):
        if not self.steps:
            raise ValueError("The pipeline is empty: add at least one step.")
        names, estimators = zip(*self.steps)
        self._validate_names(names)
        self._check_estimators_are_instances(estimators)
        for name, step in self.steps[:-1]:
            if _is_passthrough(step):
                continue
            if is_fix(step):
                if hasattr(step, "transform") or hasattr(step, "fit_transform"):
                    raise TypeError(
                        f"Step {name!r} ({type(step).__name__}) has both fit_resample and transform; "
                        f"a step must either change the training set or transform features, not both."
                    )
            elif not (hasattr(step, "fit") or hasattr(step, "fit_transform")) or not hasattr(step, "transform"):
                raise TypeError(
                    f"Step {name!r} ({type(step).__name__}) is neither a transformer (fit + transform) nor a "
                    f"fix or sampler (fit_resample); every step but the last must be one of those or 'passthrough'."
                )
        final_name, final = self.steps[-1]
        if not _is_passthrough(final) and not hasattr(final, "fit"):
            raise TypeError(f"The last step {final_name!r} ({type(final).__name__}) must implement fit.")

    def _iter(self, with_final=True, filter_passthrough=True, filter_resample=True):
        """Yield ``(index, name, step)``; fixes are left out unless ``filter_resample=False``."""
        for idx, name, step in super()._iter(with_final=with_final, filter_passthrough=filter_passthrough):
            if filter_resample and not _is_passthrough(step) and is_fix(step):
                continue
            yield idx, name, step

    def _log(self, name, started):
        if self.verbose:
            print(f"[datafix.Pipeline] {name}: {time.perf_counter() - started:.2f}s", file=sys.stderr)

    def _split_params(self, params):
        per_step = {name: {} for name, _ in self.steps}
        for key, value in params.items():
            step_name, separator, param = key.partition("__")
            if not separator or step_name not in per_step:
                raise ValueError(
                    f"Fit parameter {key!r} must be named '<step>__<parameter>' with a step of this "
                    f"pipeline ({list(per_step)}); pass sample_weight=... directly for weights."
                )
            per_step[step_name][param] = value
        return per_step

    def _fit_chain(self, X, y, sample_weight, params, *, include_final_fix=False):
        """Fit every step but the final estimator; return the training set it gets."""
        self._validate_steps()
        step_params = self._split_params(params)
        n_rows = num_rows(X)
        weights = check_sample_weight(sample_weight, n_rows)
        source = np.arange(n_rows, dtype=np.intp)
        synthetic = np.zeros(n_rows, dtype=bool)
        last = len(self.steps) if include_final_fix else len(self.steps) - 1
        for idx, (name, step) in enumerate(self.steps[:last]):
            if _is_passthrough(step):
                continue
            started = time.perf_counter()
            fitted = clone(step)
            if _is_weight_aware(fitted):
                output = fitted.fit_resample(X, y, sample_weight=weights, **step_params[name])
                step_source, step_synthetic = fitted.source_indices_, fitted.is_synthetic_
                if len(output) == 3:
                    weights = output[2]
                X, y = output[0], output[1]
            elif is_fix(fitted):
                X_out, y_out = fitted.fit_resample(X, y, **step_params[name])[:2]
                step_source, step_synthetic = _imblearn_provenance(fitted, X, y, X_out, y_out)
                if weights is not None:
                    weights = _weights_for_unknown_sources(weights, y, y_out, step_source)
                X, y = X_out, y_out
            else:
                if hasattr(fitted, "fit_transform"):
                    X = fitted.fit_transform(X, y, **step_params[name])
                else:
                    X = fitted.fit(X, y, **step_params[name]).transform(X)
                step_source = None
            if step_source is not None:
                source, synthetic = _compose(source, synthetic, np.asarray(step_source), np.asarray(step_synthetic))
            self.steps[idx] = (name, fitted)
            self._log(name, started)
        self.source_indices_ = source
        self.is_synthetic_ = synthetic
        return X, y, weights, step_params

    def _final_fit_params(self, weights, params):
        name, final = self.steps[-1]
        params = dict(params)
        if weights is not None:
            if not has_fit_parameter(final, "sample_weight"):
                raise TypeError(
                    f"The final step {name!r} ({type(final).__name__}) does not accept sample_weight in fit, "
                    f"but this pipeline has weights (passed to fit or produced by a step such as ClassWeighter). "
                    f"Use an estimator whose fit takes sample_weight, or remove the weighting step."
                )
            params["sample_weight"] = weights
        return params

    def fit(self, X, y=None, sample_weight=None, **params):
        """Fit every step in turn, fixes included, then the final estimator.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
            Row weights; they follow rows through every step and reach the
            final estimator together with any weights the steps produce.
        **params : dict
            ``<step>__<parameter>`` fit parameters for individual steps.

        Returns
        -------
        self : Pipeline
        """
        self._check_prior_correction()
        for attribute in ("training_priors_", "fitted_priors_"):
            self.__dict__.pop(attribute, None)
        if _final_step_is_fix(self):
            self.fit_resample(X, y, sample_weight=sample_weight, **params)
            return self
        Xt, yt, weights, step_params = self._fit_chain(X, y, sample_weight, params)
        name, final = self.steps[-1]
        if not _is_passthrough(final):
            started = time.perf_counter()
            final.fit(Xt, yt, **self._final_fit_params(weights, step_params[name]))
            self._log(name, started)
            self._record_priors(y, sample_weight, yt, weights)
        return self

    def _check_prior_correction(self):
        """Before any work: ``prior_correction`` is a bool and, when set, the final step has predict_proba."""
        if not isinstance(self.prior_correction, (bool, np.bool_)):
            raise ValueError(f"prior_correction must be True or False, got {self.prior_correction!r}.")
        if not self.prior_correction:
            return
        self._validate_steps()
        name, final = self.steps[-1]
        if _is_passthrough(final) or is_fix(final) or not hasattr(final, "predict_proba"):
            what = "'passthrough'" if _is_passthrough(final) else type(final).__name__
            raise TypeError(
                f"prior_correction=True corrects predict_proba, but the final step {name!r} ({what}) has no "
                f"predict_proba; end the pipeline with a probabilistic classifier (e.g. SVC(probability=True) or "
                f"CalibratedClassifierCV) or set prior_correction=False."
            )

    def _record_priors(self, y, sample_weight, y_fitted, weights_fitted):
        """Record training_priors_ and fitted_priors_ when the final step is a single-output classifier."""
        classes = getattr(self.steps[-1][1], "classes_", None)
        y = np.asarray(y.to_numpy() if isinstance(y, pd.Series) else y)
        applicable = isinstance(classes, np.ndarray) and classes.ndim == 1 and y.ndim == 1
        if not applicable:
            if self.prior_correction:
                raise TypeError(
                    "prior_correction=True needs a final classifier with a 1-D classes_ after fit (one label per "
                    "row); set prior_correction=False for this estimator."
                )
            return
        user_weights = None if sample_weight is None else check_sample_weight(sample_weight, len(y))
        self.training_priors_ = _class_priors(y, user_weights, classes)
        y_fitted = np.asarray(y_fitted.to_numpy() if isinstance(y_fitted, pd.Series) else y_fitted)
        self.fitted_priors_ = _estimator_fitted_priors(self.steps[-1][1], y_fitted, weights_fitted, classes)
        if self.prior_correction:
            for priors, where in ((self.training_priors_, "training data"), (self.fitted_priors_, "data the final step was fitted on")):
                empty = np.flatnonzero(priors <= 0)
                if len(empty):
                    raise ValueError(
                        f"class {_describe_label(classes[empty[0]])} has no weight in the {where}, so probabilities "
                        f"cannot be corrected for it; give its rows positive weight or set prior_correction=False."
                    )

    @available_if(_final_has("predict_proba"))
    def predict_proba(self, X, **params):
        """Class probabilities of the final estimator, corrected to the training priors when ``prior_correction``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        **params : dict
            Passed on as by :meth:`sklearn.pipeline.Pipeline.predict_proba`.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns in ``classes_`` order. With ``prior_correction=True``:
            ``adjust_to_priors(proba, fitted_priors_, training_priors_)``.
        """
        proba = super().predict_proba(X, **params)
        if not self.prior_correction:
            return proba
        return adjust_to_priors(proba, self.fitted_priors_, self.training_priors_)

    @available_if(_final_has("predict_log_proba"))
    def predict_log_proba(self, X, **params):
        """Log of :meth:`predict_proba` (computed in log space when ``prior_correction``)."""
        log_proba = super().predict_log_proba(X, **params)
        if not self.prior_correction:
            return log_proba
        return _adjust_log_proba_to_priors(log_proba, self.fitted_priors_, self.training_priors_)

    @available_if(_final_has("predict"))
    def predict(self, X, **params):
        """Predict with the final estimator; with ``prior_correction``, the most probable class after correction.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        if not self.prior_correction:
            return super().predict(X, **params)
        proba = self.predict_proba(X, **params)
        return np.asarray(self.classes_)[np.argmax(proba, axis=1)]

    @available_if(_final_has("score"))
    def score(self, X, y=None, sample_weight=None, **params):
        """The final estimator's ``score``; with ``prior_correction``, the accuracy of the corrected ``predict``."""
        if not self.prior_correction:
            return super().score(X, y, sample_weight=sample_weight, **params)
        return accuracy_score(y, self.predict(X), sample_weight=sample_weight)

    @available_if(_final_step_is_fix)
    def fit_resample(self, X, y, sample_weight=None, **params):
        """Run every step, final fix included, and return the changed training set.

        Available when the final step is a fix or sampler; such a pipeline is a
        fix itself and can be nested in other pipelines.

        Returns
        -------
        X_out, y_out[, sample_weight_out]
            ``sample_weight_out`` only when weights were passed in or produced.
        """
        X_out, y_out, weights, _ = self._fit_chain(X, y, sample_weight, params, include_final_fix=True)
        if weights is None:
            return X_out, y_out
        return X_out, y_out, weights

    def _fit_then(self, method, X, y, sample_weight, params):
        Xt, yt, weights, step_params = self._fit_chain(X, y, sample_weight, params)
        name, final = self.steps[-1]
        fit_params = self._final_fit_params(weights, step_params[name])
        if _is_passthrough(final):
            return Xt
        return getattr(final, method)(Xt, yt, **fit_params)

    @available_if(lambda self: self._can_fit_transform() and not _final_step_is_fix(self))
    def fit_transform(self, X, y=None, sample_weight=None, **params):
        """Fit all steps and return the final step's ``fit_transform`` of the training set."""
        final = self.steps[-1][1]
        if _is_passthrough(final) or hasattr(final, "fit_transform"):
            return self._fit_then("fit_transform", X, y, sample_weight, params)
        Xt, yt, weights, step_params = self._fit_chain(X, y, sample_weight, params)
        return final.fit(Xt, yt, **self._final_fit_params(weights, step_params[self.steps[-1][0]])).transform(Xt)

    @available_if(lambda self: hasattr(self._final_estimator, "fit_predict"))
    def fit_predict(self, X, y=None, sample_weight=None, **params):
        """Fit all steps and return the final estimator's ``fit_predict`` on the training set."""
        return self._fit_then("fit_predict", X, y, sample_weight, params)


def make_pipeline(*steps, verbose=False, prior_correction=False) -> Pipeline:
    """Build a :class:`Pipeline` from steps, naming each after its class.

    Parameters
    ----------
    *steps : estimators
        Transformers, samplers and fixes, then a final estimator.
    verbose : bool, default=False
    prior_correction : bool, default=False
        See :class:`Pipeline`.

    Returns
    -------
    Pipeline

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from datafix import ClassWeighter, make_pipeline
    >>> [name for name, _ in make_pipeline(ClassWeighter(), LogisticRegression()).steps]
    ['classweighter', 'logisticregression']
    """
    return Pipeline(name_estimators(steps), verbose=verbose, prior_correction=prior_correction)
