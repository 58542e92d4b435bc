"""Does a fix help? Score candidate fixes against a baseline on the same folds.

:func:`compare_fixes` builds one pipeline per candidate,
``make_pipeline(imputer, *fixes, encoder, estimator)``, and scores every
candidate on the **same** repeated stratified folds. The fixes change only the
training part of each fold; every candidate is scored on the original,
unfixed validation rows. :class:`FixComparison` holds the result.

How a verdict is reached
------------------------
For each candidate and score, the per-fold differences to the baseline,
``d_j = score_j(candidate) - score_j(baseline)`` over the ``J`` folds, are
paired (both were trained and scored on the same rows). Their mean gets a
confidence interval ``mean +- t_{J-1} * sqrt(variance)``:

* ``interval="paired"`` (the default): the paired t interval,
  ``variance = s^2 / J``;
* ``interval="corrected"``: the corrected resampled t interval of Nadeau and
  Bengio (2003), ``variance = (1/J + n_test/n_train) * s^2``, which allows for
  the overlap of the training sets of repeated folds. It is much wider (11
  times the variance on 5x2 folds) and was measured to miss real gains: on
  the tuning half of ``benchmarks/recommend.py`` it kept the baseline where
  over-sampling raised held-out balanced accuracy from 0.879 to 0.949, while
  the paired interval chose fixes that were never worse than the baseline by
  more than 0.003 on held-out data (see the user guide, "Does the fix help?").

* ``"helps"``: the whole interval lies above 0;
* ``"hurts"``: the whole interval lies below 0;
* ``"no clear difference"``: it contains 0;
* ``"failed"``: the candidate raised an error on some fold (the error is in
  ``summary["error"]``; the other candidates are still compared).

The **best** candidate (``FixComparison.best_``) is the one with the highest
mean primary score among those that help on it and whose mean recall of the
smallest class (``minority_recall``) is at least the baseline's: a fix that
helps on average but costs the class the user is trying to learn is not
recommended, however small the cost. When no candidate qualifies, the
baseline is best.
"""

from __future__ import annotations

import html
import json
import time
from numbers import Integral

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import clone
from sklearn.metrics import check_scoring, make_scorer, recall_score
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold
from sklearn.pipeline import Pipeline as SklearnPipeline
from sklearn.utils.parallel import Parallel, delayed  # carries scikit-learn's config to the workers

from ._io import jsonable, write_atomically
from ._plotting import comparison_distributions, comparison_radar
from ._progress import Progress
from ._tabular import take_rows
from .labels.out_of_fold import check_cv_counts
from .metrics import get_scorers
from .pipeline import make_pipeline
from .preprocessing import make_preprocessing
from .validation import check_labels, check_sample_weight, first_line, num_rows

__all__ = ["compare_fixes", "FixComparison", "VERDICTS", "DEFAULT_SCORING"]

VERDICTS = ("helps", "no clear difference", "hurts", "failed")
#: Scores reported when ``scoring=None`` (the first is the primary score); probability scores
#: are left out for a model without ``predict_proba``.
DEFAULT_SCORING = ("balanced_accuracy", "gmean", "f1_macro", "mcc", "roc_auc_ovr", "average_precision_macro",
                   "neg_log_loss")
_PROBABILITY_SCORES = {"roc_auc_ovr", "average_precision_macro", "neg_log_loss", "neg_brier_score", "neg_ece"}
MINORITY_RECALL = "minority_recall"


def _steps_of(fixes) -> list:
    if fixes is None:
        return []
    if isinstance(fixes, (list, tuple)):
        return list(fixes)
    return [fixes]


def _model_steps(estimator) -> list:
    """A scikit-learn Pipeline's steps are spliced in, so weights reach its final model."""
    if isinstance(estimator, SklearnPipeline) and not hasattr(estimator, "fit_resample"):
        return [step for _, step in estimator.steps]
    return [estimator]


def _is_step(step) -> bool:
    return step is not None and not (isinstance(step, str) and step == "passthrough")


def build_pipeline(fixes, estimator, preprocessing=(None, None)):
    """``make_pipeline(imputer, *fixes, encoder, estimator)`` without the absent parts."""
    before, after = preprocessing
    steps = [before] if _is_step(before) else []
    steps += _steps_of(fixes)
    steps += [after] if _is_step(after) else []
    steps += _model_steps(estimator)
    return make_pipeline(*[clone(step) for step in steps])  # one unfitted copy of every step


def _resolve_preprocessing(preprocessing, X, estimator):
    if preprocessing is None:
        return None, None
    if isinstance(preprocessing, str):
        if preprocessing != "auto":
            raise ValueError(f"preprocessing must be 'auto', None, a transformer or a pair (before, after) "
                             f"of transformers; got {preprocessing!r}.")
        return make_preprocessing(X, estimator)
    if isinstance(preprocessing, (list, tuple)):
        if len(preprocessing) != 2:
            raise ValueError(f"preprocessing as a sequence must be a pair (before the fixes, after the fixes); "
                             f"got {len(preprocessing)} items.")
        return tuple(preprocessing)
    if not hasattr(preprocessing, "transform"):
        raise ValueError(f"preprocessing must be a transformer (with fit and transform); got "
                         f"{type(preprocessing).__name__}.")
    return preprocessing, None


def _resolve_candidates(candidates, baseline):
    if not isinstance(candidates, dict) or not candidates:
        raise ValueError("candidates must be a non-empty dict mapping names to a fix or a list of fixes, e.g. "
                         "{'none': [], 'weights': ClassWeighter()}.")
    resolved = {}
    for name, fixes in candidates.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"candidate names must be non-empty strings; got {name!r}.")
        steps = _steps_of(fixes)
        for step in steps:
            if not (hasattr(step, "fit_resample") or hasattr(step, "transform")):
                raise ValueError(f"candidate {name!r} has a step {type(step).__name__} that is neither a fix "
                                 f"(fit_resample) nor a transformer (transform).")
        resolved[name] = steps
    if baseline is None:
        baseline = next((name for name, steps in resolved.items() if not steps), None)
        if baseline is None:
            baseline = "none"
            if baseline in resolved:
                raise ValueError("no candidate is without fixes and the name 'none' is taken; pass baseline= "
                                 "to say which candidate is the baseline.")
            resolved = {"none": [], **resolved}
    elif baseline not in resolved:
        raise ValueError(f"baseline {baseline!r} is not a candidate; the candidates are: {', '.join(resolved)}.")
    return resolved, baseline


def _resolve_cv(cv, y, classes, counts, random_state):
    if cv is None:
        check_cv_counts(classes, counts, 2)
        return RepeatedStratifiedKFold(n_splits=2, n_repeats=5, random_state=random_state)
    if isinstance(cv, Integral) and not isinstance(cv, bool):
        if cv < 2:
            raise ValueError(f"cv must be at least 2 (the number of folds), got {cv}.")
        check_cv_counts(classes, counts, int(cv))
        return StratifiedKFold(n_splits=int(cv), shuffle=True, random_state=random_state)
    if not hasattr(cv, "split"):
        raise ValueError(f"cv must be None, an int or a scikit-learn splitter; got {type(cv).__name__}.")
    n_splits = getattr(cv, "n_splits", None) or getattr(cv, "cvargs", {}).get("n_splits")
    if isinstance(n_splits, Integral):
        check_cv_counts(classes, counts, int(n_splits))
    return cv


def _default_scoring(estimator):
    final = _model_steps(estimator)[-1]
    has_proba = hasattr(final, "predict_proba")
    return [name for name in DEFAULT_SCORING if has_proba or name not in _PROBABILITY_SCORES]


def _fit_and_score(pipeline, X, y, weights, train, test, scorers):
    """One candidate on one fold: fit on the training rows, score on the untouched validation rows."""
    started = time.perf_counter()
    try:
        fit_weights = {} if weights is None else {"sample_weight": weights[train]}
        pipeline.fit(take_rows(X, train), y[train], **fit_weights)
    except Exception as error:  # noqa: BLE001 - a failed candidate is reported, not fatal
        return {"error": f"{type(error).__name__}: {first_line(error)}", "fit_time": time.perf_counter() - started}
    fit_time = time.perf_counter() - started
    started = time.perf_counter()
    X_test, y_test = take_rows(X, test), y[test]
    score_weights = {} if weights is None else {"sample_weight": weights[test]}
    try:
        scores = {name: float(value) for name, value in scorers(pipeline, X_test, y_test, **score_weights).items()}
    except Exception as error:  # noqa: BLE001
        return {"error": f"{type(error).__name__}: {first_line(error)}", "fit_time": fit_time}
    return {"scores": scores, "fit_time": fit_time, "score_time": time.perf_counter() - started}


def paired_interval(differences, test_fraction, confidence=0.95, *, corrected=True):
    """Mean of paired per-fold differences and its t confidence interval.

    Parameters
    ----------
    differences : array-like of shape (n_folds,)
        Candidate score minus baseline score, fold by fold.
    test_fraction : float
        ``n_test / n_train`` of the folds (1.0 for 2-fold splits); used by the
        corrected interval only.
    confidence : float, default=0.95
    corrected : bool, default=True
        The corrected resampled t interval of Nadeau and Bengio (variance
        ``(1/J + test_fraction) * s^2``); ``False`` gives the plain paired t
        interval (variance ``s^2 / J``).

    Returns
    -------
    mean, low, high : float
        With a single fold the interval is infinite.

    Examples
    --------
    >>> from datafix.selection import paired_interval
    >>> mean, low, high = paired_interval([0.05, 0.04, 0.06, 0.05, 0.05, 0.04, 0.06, 0.05, 0.05, 0.05], 1.0)
    >>> round(mean, 3), bool(low > 0)
    (0.05, True)
    >>> bool(paired_interval([0.1, -0.02, 0.08, 0.0], 1.0)[1] < paired_interval([0.1, -0.02, 0.08, 0.0], 1.0,
    ...      corrected=False)[1])
    True
    """
    differences = np.asarray(differences, dtype=float)
    n_folds = len(differences)
    mean = float(differences.mean())
    if n_folds < 2:
        return mean, -np.inf, np.inf
    factor = (1 / n_folds + test_fraction) if corrected else 1 / n_folds
    variance = factor * differences.var(ddof=1)
    half_width = stats.t.ppf((1 + confidence) / 2, n_folds - 1) * np.sqrt(variance)
    return mean, mean - half_width, mean + half_width


def _verdict(low, high) -> str:
    if low > 0:
        return "helps"
    if high < 0:
        return "hurts"
    return "no clear difference"


def compare_fixes(candidates, X, y, *, estimator, preprocessing="auto", cv=None, scoring=None, sample_weight=None,
                  baseline=None, confidence=0.95, interval="paired", n_jobs=None, random_state=0, verbose=False):
    """Score candidate fixes against a baseline on the same folds, and say which help.

    Every candidate becomes ``make_pipeline(imputer, *fixes, encoder,
    estimator)`` (a :class:`datafix.Pipeline`) and is fitted and scored on the
    same folds; fixes act on the training part of each fold only, so every
    candidate is scored on the original, unfixed validation rows. See the
    module documentation for the statistics behind each verdict.

    Parameters
    ----------
    candidates : dict of str to fix or list of fixes
        E.g. ``{"none": [], "weights": ClassWeighter(), "smote": SMOTE(),
        "clean+weights": [LabelCleaner(), ClassWeighter()]}``. Fixes are
        datafix fixes or imbalanced-learn samplers (transformers are allowed
        too). The candidate without fixes is the baseline; if there is none,
        ``"none": []`` is added.
    X : DataFrame or array-like of shape (n_samples, n_features)
        Raw features; with ``preprocessing="auto"`` strings and missing
        values are fine.
    y : array-like of shape (n_samples,)
        Class labels.
    estimator : classifier
        The model at the end of every pipeline (a scikit-learn Pipeline's
        steps are spliced in, so weights reach its final model).
    preprocessing : "auto", None, transformer or (before, after), default="auto"
        ``"auto"``: :func:`datafix.preprocessing.make_preprocessing` (an
        imputer before the fixes, an encoder and scaler after them). A
        transformer goes before the fixes; a pair puts one on each side.
    cv : None, int or splitter, default=None
        ``None``: 5 repetitions of stratified 2-fold (5x2, 10 folds). An int
        is shuffled stratified k-fold. Every class needs at least as many rows
        as there are folds.
    scoring : None, str, list or dict, default=None
        Scores by name (see :func:`datafix.metrics.get_scorer`); the first is
        the primary score, on which verdicts and ``best_`` are decided.
        ``None``: balanced accuracy, G-mean, macro F1, MCC and, when the model
        has ``predict_proba``, ROC-AUC, macro average precision and log loss.
    sample_weight : array-like of shape (n_samples,), optional
        Passed to the training rows' fit and to the validation rows' scores.
    baseline : str, optional
        The name of the baseline candidate (default: the one without fixes).
    confidence : float, default=0.95
        Level of the confidence intervals of the differences to the baseline.
    interval : {"paired", "corrected"}, default="paired"
        The paired t interval, or the wider corrected resampled t interval of
        Nadeau and Bengio (see the module documentation for the measured
        difference).
    n_jobs : int, optional
        Folds run in parallel through joblib (a Dask backend distributes them).
    random_state : int or None, default=0
        Seed of the default folds (the same seed gives the same folds).
    verbose : bool, default=False
        Progress on stderr.

    Returns
    -------
    FixComparison

    Raises
    ------
    ValueError
        Before any fitting: unknown scoring names, a class with fewer rows
        than folds, a single class, mismatched lengths, missing labels, an
        empty or malformed ``candidates``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> import datafix as dfx
    >>> X, y = make_classification(n_samples=400, weights=[0.95], random_state=0)
    >>> comparison = dfx.compare_fixes({"none": [], "weights": dfx.ClassWeighter()}, X, y,
    ...                                estimator=LogisticRegression(), scoring=["balanced_accuracy"])
    >>> comparison.summary.loc["weights", "verdict"]
    'helps'
    >>> comparison.best_
    'weights'
    >>> comparison.best_pipeline().fit(X, y).predict(X[:2]).shape
    (2,)
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}.")
    if interval not in ("paired", "corrected"):
        raise ValueError(f"interval must be 'paired' or 'corrected', got {interval!r}.")
    n_rows = num_rows(X)
    labels = check_labels(y, n_rows=n_rows)
    weights = check_sample_weight(sample_weight, n_rows)
    resolved, baseline = _resolve_candidates(candidates, baseline)
    scorers = get_scorers(_default_scoring(estimator) if scoring is None else scoring)
    score_names = list(scorers)
    classes, counts = np.unique(labels, return_counts=True)
    splitter = _resolve_cv(cv, labels, classes, counts, random_state)
    before_after = _resolve_preprocessing(preprocessing, X, estimator)
    splits = list(splitter.split(np.zeros((n_rows, 1)), labels))
    for train, _ in splits:
        if len(np.unique(labels[train])) < 2:
            raise ValueError("a training fold holds a single class; use a stratified cv (the default) or more rows.")
    minority = classes[np.argmin(counts)]
    pipelines = {name: build_pipeline(steps, estimator, before_after) for name, steps in resolved.items()}
    # one multi-metric scorer: predictions are computed once per fold and shared by the scores
    # the smallest class's recall rides along with the requested scores; one multi-metric scorer predicts
    # once per fold and shares the predictions among all of them
    scorers[MINORITY_RECALL] = make_scorer(recall_score, labels=[minority], average="macro", zero_division=np.nan,
                                           pos_label=None)
    scorers = check_scoring(pipelines[baseline], scoring=scorers)
    tasks = [(name, j) for name in pipelines for j in range(len(splits))]
    started = time.perf_counter()
    runner = Parallel(n_jobs=n_jobs, return_as="generator")
    outputs = runner(
        delayed(_fit_and_score)(clone(pipelines[name]), X, labels, weights, *splits[j], scorers)
        for name, j in tasks
    )
    results = []
    progress = Progress(len(tasks), enabled=verbose, label="datafix compare_fixes", unit="fit")
    for (name, j), output in zip(tasks, outputs):
        results.append(output)
        progress.advance(1, f"{name} fold {j + 1}{' failed' if 'error' in output else ''}")
    progress.close()
    test_fraction = float(np.mean([len(test) / len(train) for train, test in splits]))
    return FixComparison._from_results(
        resolved, pipelines, tasks, results, baseline=baseline, score_names=score_names, confidence=confidence,
        test_fraction=test_fraction, corrected=interval == "corrected",
        elapsed=time.perf_counter() - started,
    )


class FixComparison:
    """What :func:`compare_fixes` found: scores per candidate and fold, differences, verdicts.

    Attributes
    ----------
    summary : DataFrame
        One row per candidate (index: its name): ``fixes`` (the steps, as
        text), ``status`` (``ok`` / ``failed``), the mean of every score,
        ``minority_recall`` (the recall of the smallest class), then for the
        primary score ``difference`` (mean paired difference to the
        baseline), ``ci_low``, ``ci_high``, ``verdict``, and ``fit_seconds``
        (mean per fold) and ``error`` (a failed candidate's first error).
    scores : DataFrame
        Long form, one row per candidate, fold and score: ``candidate``,
        ``fold``, ``score``, ``value``.
    statistics : DataFrame
        One row per candidate and score: ``mean``, ``std``, ``difference``,
        ``ci_low``, ``ci_high``, ``verdict``.
    best_ : str
        The recommended candidate (see the module documentation).
    baseline : str
        The baseline candidate's name.
    primary_score : str
        The score verdicts are decided on.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> import datafix as dfx
    >>> X, y = make_classification(n_samples=300, weights=[0.9], random_state=1)
    >>> comparison = dfx.compare_fixes({"weights": dfx.ClassWeighter()}, X, y, estimator=LogisticRegression(),
    ...                                scoring="balanced_accuracy")
    >>> list(comparison.summary.index), comparison.baseline
    (['none', 'weights'], 'none')
    >>> sorted(comparison.to_dict())
    ['baseline', 'best', 'candidates', 'confidence', 'interval', 'n_folds', 'primary_score', 'scores', 'summary']
    """

    def __init__(self, *, summary, scores, statistics, best, baseline, primary_score, pipelines, confidence,
                 n_folds, interval="paired", elapsed=None, fit_seconds=None):
        self.summary = summary
        self.scores = scores
        self.statistics = statistics
        self.best_ = best
        self.baseline = baseline
        self.primary_score = primary_score
        self.confidence = confidence
        self.n_folds = n_folds
        self.interval = interval
        self.elapsed_seconds = elapsed
        self.fit_seconds = fit_seconds
        self._pipelines = pipelines

    @classmethod
    def _from_results(cls, candidates, pipelines, tasks, results, *, baseline, score_names, confidence,
                      test_fraction, corrected, elapsed):
        names = list(candidates)
        n_folds = max(j for _, j in tasks) + 1
        errors = {name: None for name in names}
        fit_times = {name: [] for name in names}
        rows = []
        for (name, j), output in zip(tasks, results):
            fit_times[name].append(output.get("fit_time", np.nan) + output.get("score_time", 0.0))
            if "error" in output:
                errors[name] = errors[name] or output["error"]
                continue
            rows.extend({"candidate": name, "fold": j, "score": score, "value": value}
                        for score, value in output["scores"].items())
        scores = pd.DataFrame(rows, columns=["candidate", "fold", "score", "value"])
        all_scores = score_names + [MINORITY_RECALL]
        # one (folds x scores) array per candidate: the statistics below are plain numpy, no pandas lookups
        per_fold = {name: np.full((n_folds, len(all_scores)), np.nan) for name in names}
        column = {score: k for k, score in enumerate(all_scores)}
        for (name, j), output in zip(tasks, results):
            for score, value in output.get("scores", {}).items():
                per_fold[name][j, column[score]] = value
        baseline_ok = errors[baseline] is None
        stats = {}
        for name in names:
            for score in all_scores:
                entry = {"candidate": name, "score": score, "mean": np.nan, "std": np.nan, "difference": np.nan,
                         "ci_low": np.nan, "ci_high": np.nan, "verdict": "failed"}
                if errors[name] is None:
                    values = per_fold[name][:, column[score]]
                    entry.update(mean=float(np.nanmean(values)),
                                 std=float(np.nanstd(values, ddof=1)) if len(values) > 1 else np.nan)
                    if name == baseline:
                        entry.update(difference=0.0, ci_low=0.0, ci_high=0.0, verdict="baseline")
                    elif baseline_ok:
                        differences = values - per_fold[baseline][:, column[score]]
                        differences = differences[np.isfinite(differences)]
                        if len(differences):
                            mean, low, high = paired_interval(differences, test_fraction, confidence,
                                                              corrected=corrected)
                            entry.update(difference=mean, ci_low=low, ci_high=high, verdict=_verdict(low, high))
                        else:
                            entry.update(verdict="no clear difference")
                    else:
                        entry.update(verdict="no clear difference")
                stats[name, score] = entry
        statistics = pd.DataFrame(list(stats.values()))
        primary = score_names[0]
        summary = pd.DataFrame(index=pd.Index(names, name="candidate"))
        summary["fixes"] = [" + ".join(type(s).__name__ for s in candidates[n]) or "(none)" for n in names]
        summary["status"] = ["failed" if errors[n] else "ok" for n in names]
        for score in all_scores:
            summary[score] = [stats[n, score]["mean"] for n in names]
        for key in ("difference", "ci_low", "ci_high", "verdict"):
            summary[key] = [stats[n, primary][key] for n in names]
        summary["fit_seconds"] = [float(np.nanmean(fit_times[n])) for n in names]
        summary["error"] = [errors[n] for n in names]
        eligible = [
            name for name in names
            if stats[name, primary]["verdict"] == "helps"
            # the smallest class's recall fell on average: not recommended, however small the drop
            and stats[name, MINORITY_RECALL]["difference"] >= 0
        ]
        best = max(eligible, key=lambda n: stats[n, primary]["mean"]) if eligible else baseline
        fit_seconds = float(np.nansum([np.nansum(t) for t in fit_times.values()]))
        return cls(summary=summary, scores=scores, statistics=statistics, best=best, baseline=baseline,
                   primary_score=primary, pipelines=pipelines, confidence=confidence, n_folds=n_folds,
                   interval="corrected" if corrected else "paired",
                   elapsed=elapsed, fit_seconds=fit_seconds)

    # -- pipelines ----------------------------------------------------------------------------
    def pipeline(self, name):
        """An unfitted copy of candidate ``name``'s pipeline (preprocessing, fixes, model)."""
        if name not in self._pipelines:
            raise ValueError(f"no candidate {name!r}; the candidates are: {', '.join(self._pipelines)}.")
        return clone(self._pipelines[name])

    def best_pipeline(self):
        """An unfitted copy of the best candidate's pipeline, ready for ``.fit(X, y)``."""
        return self.pipeline(self.best_)

    # -- renderers ------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The comparison as plain JSON-ready data (see :meth:`to_json`)."""
        summary = self.summary.reset_index()
        return jsonable({
            "primary_score": self.primary_score,
            "baseline": self.baseline,
            "best": self.best_,
            "confidence": self.confidence,
            "interval": self.interval,
            "n_folds": self.n_folds,
            "candidates": list(self.summary.index),
            "summary": [{k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in row.items()}
                        for row in summary.to_dict(orient="records")],
            "scores": self.scores.to_dict(orient="records"),
        })

    def to_json(self, path=None, *, indent: int | None = 2) -> str:
        """The comparison as JSON; written atomically to ``path`` if given.

        Keys: ``primary_score``, ``baseline``, ``best``, ``confidence``,
        ``n_folds``, ``candidates``, ``summary`` (one object per candidate
        with the columns of :attr:`summary`) and ``scores`` (one object per
        candidate, fold and score).
        """
        text = json.dumps(self.to_dict(), indent=indent, allow_nan=False)
        if path is not None:
            write_atomically(path, text)
        return text

    def __repr__(self) -> str:
        columns = ["status", self.primary_score, MINORITY_RECALL, "difference", "ci_low", "ci_high", "verdict"]
        table = self.summary[columns].copy()
        text = table.to_string(float_format=lambda v: f"{v:.4f}")
        failed = self.summary[self.summary["status"] == "failed"]
        notes = "".join(f"\n  {name} failed: {row.error}" for name, row in failed.iterrows())
        return (f"FixComparison ({self.n_folds} folds, primary score {self.primary_score}, "
                f"{int(round(self.confidence * 100))}% {self.interval} intervals vs {self.baseline!r})\n{text}\n"
                f"best: {self.best_}{notes}")

    def to_html(self, path=None, *, plots: bool = True, fragment: bool = False) -> str:
        """A self-contained HTML page: the summary table, and with ``plots`` the per-fold score
        distributions and a radar chart of the main scores per candidate (matplotlib, embedded PNG).

        Written atomically to ``path`` if given; ``fragment=True`` gives a ``<section>`` to embed.
        """
        body = self._html_section(plots=plots)
        if fragment:
            return body
        page = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>datafix: does the fix "
                "help?</title><style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;"
                "padding:0 1em;color:#222}table{border-collapse:collapse;font-size:0.9em}td,th{padding:4px 8px;"
                "border-bottom:1px solid #ddd;text-align:right}th:first-child,td:first-child{text-align:left}"
                ".helps{color:#2e7d32;font-weight:bold}.hurts{color:#c62828;font-weight:bold}.failed{color:#c62828}"
                "img{max-width:100%}.muted{color:#666}</style></head><body>" + body + "</body></html>")
        if path is not None:
            write_atomically(path, page)
        return page

    def _repr_html_(self) -> str:
        return self._html_section(plots=False)

    def _html_section(self, *, plots: bool) -> str:
        escape = html.escape
        columns = ["fixes", "status", self.primary_score, MINORITY_RECALL, "difference", "ci_low", "ci_high",
                   "verdict"] + [c for c in self.summary.columns if c not in (
                       "fixes", "status", self.primary_score, MINORITY_RECALL, "difference", "ci_low", "ci_high",
                       "verdict", "error")]
        head = "".join(f"<th>{escape(str(c))}</th>" for c in ["candidate"] + columns)
        rows = []
        for name, row in self.summary.iterrows():
            cells = [f"<td>{escape(name)}{' <b>(best)</b>' if name == self.best_ else ''}</td>"]
            for column in columns:
                value = row[column]
                text = f"{value:.4f}" if isinstance(value, (float, np.floating)) and np.isfinite(value) else (
                    "" if isinstance(value, (float, np.floating)) else escape(str(value)))
                css = f" class=\"{escape(str(value)).replace(' ', '-')}\"" if column == "verdict" else ""
                cells.append(f"<td{css}>{text}</td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        errors = "".join(f"<li><b>{escape(name)}</b> failed: {escape(str(row.error))}</li>"
                         for name, row in self.summary.iterrows() if row.status == "failed")
        parts = [
            "<section id=\"fix-comparison\"><h2>Does the fix help?</h2>",
            f"<p>Every candidate was fitted and scored on the same {self.n_folds} folds, always on the original "
            f"validation rows. <b>difference</b> is the mean paired difference in {escape(self.primary_score)} to "
            f"the baseline <b>{escape(self.baseline)}</b>, with a {int(round(self.confidence * 100))}% "
            f"{'corrected resampled' if self.interval == 'corrected' else 'paired'} t interval. "
            f"Recommended: <b>{escape(self.best_)}</b>.</p>",
            f"<div style=\"overflow-x:auto\"><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
            f"</table></div>",
        ]
        if errors:
            parts.append(f"<ul class=\"failed\">{errors}</ul>")
        if plots:
            parts.append(f"<img alt=\"{escape(self.primary_score)} per fold and candidate\" "
                         f"src=\"{comparison_distributions(self)}\">")
            radar = comparison_radar(self)
            if radar:
                parts.append(f"<img alt=\"main scores per candidate (radar chart)\" src=\"{radar}\">")
        parts.append("</section>")
        return "".join(parts)
