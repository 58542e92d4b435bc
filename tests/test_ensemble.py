"""FixBaggingClassifier: bagging whose members are fitted through fixes."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from imblearn.ensemble import BalancedBaggingClassifier
from imblearn.over_sampling import SMOTE
from imblearn.under_sampling import RandomUnderSampler
from joblib import parallel_config
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline as sklearn_make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.estimator_checks import check_estimator

import datafix as dfx
from datafix import ClassWeighter, FixBaggingClassifier, LabelCleaner
from datafix.resampling import EditedNearestNeighbours


def imbalanced(n_samples=630, ratio=20, n_classes=2, random_state=0):
    """About ``ratio``:1 majority to minority, a few dozen minority rows."""
    minority = 1 / (ratio + 1)
    weights = [1 - minority * (n_classes - 1)] + [minority] * (n_classes - 2)
    return make_classification(
        n_samples=n_samples,
        n_features=8,
        n_informative=4,
        n_classes=n_classes,
        n_clusters_per_class=1,
        weights=weights,
        flip_y=0,
        random_state=random_state,
    )


class WeightRecorder(ClassifierMixin, BaseEstimator):
    """A classifier that remembers the rows and weights it was fitted on."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        self.classes_ = np.unique(y)
        self.X_seen_ = np.asarray(X)
        self.sample_weight_seen_ = None if sample_weight is None else np.asarray(sample_weight)
        return self

    def predict_proba(self, X):
        return np.full((len(X), len(self.classes_)), 1 / len(self.classes_))

    def predict(self, X):
        return self.classes_[np.zeros(len(X), dtype=int)]


class NoWeights(ClassifierMixin, BaseEstimator):
    """A classifier whose fit takes no sample_weight; counts its fits."""

    fits = 0

    def fit(self, X, y):
        type(self).fits += 1
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return self.classes_[np.zeros(len(X), dtype=int)]


# ------------------------------------------------------------ conventions
# Checks whose expectations differ from datafix's conventions, each for a stated reason.
EXPECTED_FAILED_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data": (
        "weights are carried by the bootstrap rows, not folded into the draw, so weight 2 is not the same "
        "bootstrap as a repeated row (scikit-learn's own bagging is randomised too)"
    ),
    "check_sample_weight_equivalence_on_sparse_data": "as for dense data",
    "check_supervised_y_2d": "datafix raises a clear error for a column-vector y instead of warning",
    "check_fit2d_predict1d": "datafix's message says 'reshape a single feature with X.reshape(-1, 1)'",
    "check_requires_y_none": "datafix's message says 'y is required: pass the class labels'",
}


def test_scikit_learn_estimator_checks():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(
            FixBaggingClassifier(n_estimators=3, random_state=0),
            expected_failed_checks=EXPECTED_FAILED_CHECKS,
            on_fail=None,
        )
    failed = {r["check_name"]: r["exception"] for r in results if r["status"] == "failed"}
    assert not failed


def test_clone_and_params_round_trip():
    model = FixBaggingClassifier(
        LogisticRegression(C=0.5), fixes=RandomUnderSampler(sampling_strategy=0.5), n_estimators=4, random_state=3
    )
    params = model.get_params(deep=True)
    assert params["estimator__C"] == 0.5 and params["fixes__sampling_strategy"] == 0.5
    twin = clone(model)
    assert twin is not model and twin.estimator is not model.estimator
    assert twin.get_params(deep=False).keys() == model.get_params(deep=False).keys()
    twin.set_params(estimator__C=2.0, fixes__sampling_strategy=1.0, n_estimators=2)
    assert twin.estimator.C == 2.0 and twin.fixes.sampling_strategy == 1.0 and twin.n_estimators == 2
    assert model.estimator.C == 0.5 and model.fixes.sampling_strategy == 0.5  # clone shares nothing
    X, y = imbalanced()
    model.fit(X, y)
    assert not hasattr(clone(model), "estimators_")


def test_defaults_are_balanced_bagging_of_trees():
    X, y = imbalanced()
    model = FixBaggingClassifier(n_estimators=3, random_state=0).fit(X, y)
    assert len(model.estimators_) == 3
    for member in model.estimators_:
        assert isinstance(member, dfx.Pipeline)
        sampler, tree = member.steps[0][1], member.steps[-1][1]
        assert isinstance(sampler, RandomUnderSampler) and isinstance(tree, DecisionTreeClassifier)
    for rows, member in zip(model.estimators_samples_, model.estimators_):
        # the tree saw a balanced set: the bootstrap's minority rows and as many majority rows
        fitted_rows = rows[member.source_indices_]
        assert np.bincount(y[fitted_rows]).tolist() == [int((y == 1).sum())] * 2
    assert model.n_features_in_ == X.shape[1] and model.n_classes_ == 2


def test_deterministic_under_random_state_and_seeds_differ_by_member():
    X, y = imbalanced()
    first = FixBaggingClassifier(n_estimators=4, random_state=7).fit(X, y)
    second = FixBaggingClassifier(n_estimators=4, random_state=7).fit(X, y)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    for a, b in zip(first.estimators_samples_, second.estimators_samples_):
        np.testing.assert_array_equal(a, b)
    other = FixBaggingClassifier(n_estimators=4, random_state=8).fit(X, y)
    assert not np.array_equal(first.predict_proba(X), other.predict_proba(X))
    sampler_seeds = {member.steps[0][1].random_state for member in first.estimators_}
    tree_seeds = {member.steps[-1][1].random_state for member in first.estimators_}
    assert len(sampler_seeds) == 4 and len(tree_seeds) == 4
    assert len({tuple(rows) for rows in first.estimators_samples_}) == 4


def test_random_state_set_on_the_fix_is_replaced_per_member():
    X, y = imbalanced()
    model = FixBaggingClassifier(fixes=RandomUnderSampler(random_state=0), n_estimators=3, random_state=0).fit(X, y)
    assert len({member.steps[0][1].random_state for member in model.estimators_}) == 3
    assert model.fixes.random_state == 0  # the parameter itself is untouched


def test_n_jobs_does_not_change_the_result():
    X, y = imbalanced()
    kwargs = dict(fixes=[SMOTE(), RandomUnderSampler()], n_estimators=4, random_state=1)
    serial = FixBaggingClassifier(n_jobs=1, **kwargs).fit(X, y)
    parallel = FixBaggingClassifier(n_jobs=2, **kwargs).fit(X, y)
    np.testing.assert_array_equal(serial.predict_proba(X), parallel.predict_proba(X))
    with parallel_config(backend="threading"):
        threaded = FixBaggingClassifier(n_jobs=2, **kwargs).fit(X, y)
    np.testing.assert_array_equal(serial.predict_proba(X), threaded.predict_proba(X))


@pytest.mark.slow
def test_dask_backend_distributes_members():
    distributed = pytest.importorskip("distributed")
    X, y = imbalanced()
    serial = FixBaggingClassifier(n_estimators=3, random_state=0).fit(X, y)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None):
        with parallel_config(backend="dask"):
            on_dask = FixBaggingClassifier(n_estimators=3, random_state=0, n_jobs=-1).fit(X, y)
    np.testing.assert_array_equal(serial.predict_proba(X), on_dask.predict_proba(X))


# ------------------------------------------------------------ bootstraps
def test_every_bootstrap_is_stratified_and_holds_every_class():
    X, y = imbalanced(n_samples=400, ratio=40, n_classes=3)
    counts = np.bincount(y)
    model = FixBaggingClassifier(fixes=[], n_estimators=6, random_state=0).fit(X, y)
    for rows, member in zip(model.estimators_samples_, model.estimators_):
        assert np.bincount(y[rows], minlength=3).tolist() == counts.tolist()
        assert np.all(np.diff(rows) >= 0)
        assert member.classes_.tolist() == [0, 1, 2]
    assert any(len(np.unique(rows)) < len(y) for rows in model.estimators_samples_)  # drawn with replacement


def test_max_samples_and_no_bootstrap():
    X, y = imbalanced()
    counts = np.bincount(y)
    half = FixBaggingClassifier(fixes=[], max_samples=0.5, bootstrap=False, n_estimators=2, random_state=0).fit(X, y)
    for rows in half.estimators_samples_:
        assert len(np.unique(rows)) == len(rows)
        assert np.bincount(y[rows]).tolist() == np.rint(counts * 0.5).astype(int).tolist()
    whole = FixBaggingClassifier(fixes=[], bootstrap=False, n_estimators=2, random_state=0).fit(X, y)
    for rows in whole.estimators_samples_:
        np.testing.assert_array_equal(rows, np.arange(len(y)))
    sized = FixBaggingClassifier(fixes=[], max_samples=100, n_estimators=2, random_state=0).fit(X, y)
    assert all(abs(len(rows) - 100) <= 1 for rows in sized.estimators_samples_)


def test_a_tiny_class_is_in_every_member():
    X, y = imbalanced(n_samples=300)
    y = y.copy()
    y[np.flatnonzero(y == 1)[3:]] = 0  # three minority rows in 300
    model = FixBaggingClassifier(n_estimators=10, random_state=0).fit(X, y)
    assert all(member.classes_.tolist() == [0, 1] for member in model.estimators_)


# ------------------------------------------------------------ quality
def test_quality_matches_imblearn_balanced_bagging_on_20_to_1_data():
    scores = {"datafix": [], "imblearn": []}
    for seed in range(3):
        X, y = imbalanced(n_samples=1050, ratio=20, random_state=seed)
        folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=seed)
        for train, test in folds.split(X, y):
            ours = FixBaggingClassifier(fixes=RandomUnderSampler(), n_estimators=10, random_state=seed)
            theirs = BalancedBaggingClassifier(n_estimators=10, random_state=seed)
            for name, model in (("datafix", ours), ("imblearn", theirs)):
                predicted = model.fit(X[train], y[train]).predict(X[test])
                scores[name].append(balanced_accuracy_score(y[test], predicted))
    ours, theirs = np.mean(scores["datafix"]), np.mean(scores["imblearn"])
    assert ours > 0.75 and theirs > 0.75
    assert abs(ours - theirs) < 0.04, (ours, theirs)


# ------------------------------------------------------------ weights
def test_weights_reach_every_member_through_the_fixes():
    X, y = imbalanced()
    weights = np.random.RandomState(0).uniform(0.5, 2.0, size=len(y))
    model = FixBaggingClassifier(WeightRecorder(), fixes=[EditedNearestNeighbours(), RandomUnderSampler()], n_estimators=3)
    model.fit(X, y, sample_weight=weights)
    for rows, member in zip(model.estimators_samples_, model.estimators_):
        seen = member.steps[-1][1].sample_weight_seen_
        original_rows = rows[member.source_indices_]
        np.testing.assert_array_equal(seen, weights[original_rows])
        np.testing.assert_array_equal(member.steps[-1][1].X_seen_, X[original_rows])


def test_no_weights_in_means_no_weights_out():
    X, y = imbalanced()
    model = FixBaggingClassifier(WeightRecorder(), n_estimators=2).fit(X, y)
    assert all(member.steps[-1][1].sample_weight_seen_ is None for member in model.estimators_)


def test_zero_weights_act_like_dropped_rows():
    X, y = imbalanced()
    weights = np.ones(len(y))
    dropped = np.random.RandomState(0).rand(len(y)) < 0.2
    weights[dropped] = 0.0
    make = lambda: FixBaggingClassifier(  # noqa: E731
        LogisticRegression(tol=1e-10, max_iter=5000), fixes=ClassWeighter(), bootstrap=False, n_estimators=2,
        random_state=0,
    )
    weighted = make().fit(X, y, sample_weight=weights)
    without = make().fit(X[~dropped], y[~dropped])
    np.testing.assert_allclose(weighted.predict_proba(X), without.predict_proba(X), atol=1e-5)
    unweighted = make().fit(X, y)
    assert not np.allclose(weighted.predict_proba(X), unweighted.predict_proba(X), atol=1e-3)


def test_weights_for_an_estimator_without_sample_weight_fail_before_fitting():
    X, y = imbalanced()
    NoWeights.fits = 0
    with pytest.raises(TypeError, match=r"does not accept sample_weight.*fit without weights"):
        FixBaggingClassifier(NoWeights()).fit(X, y, sample_weight=np.ones(len(y)))
    assert NoWeights.fits == 0
    scaled_knn = sklearn_make_pipeline(StandardScaler(), KNeighborsClassifier())
    with pytest.raises(TypeError, match="datafix.make_pipeline"):
        FixBaggingClassifier(scaled_knn).fit(X, y, sample_weight=np.ones(len(y)))
    FixBaggingClassifier(NoWeights(), n_estimators=2).fit(X, y)  # fine without weights
    weighted_pipe = dfx.make_pipeline(StandardScaler(), LogisticRegression())
    FixBaggingClassifier(weighted_pipe, n_estimators=2).fit(X, y, sample_weight=np.ones(len(y)))


# ------------------------------------------------------------ predictions
def test_predict_proba_is_the_mean_of_the_members_and_predict_its_argmax():
    X, y = imbalanced()
    model = FixBaggingClassifier(LogisticRegression(), n_estimators=3, random_state=0).fit(X, y)
    expected = np.mean([member.predict_proba(X) for member in model.estimators_], axis=0)
    np.testing.assert_allclose(model.predict_proba(X), expected)
    np.testing.assert_array_equal(model.predict(X), model.classes_[expected.argmax(axis=1)])
    decision = np.mean([member.decision_function(X) for member in model.estimators_], axis=0)
    np.testing.assert_allclose(model.decision_function(X), decision)
    assert model.decision_function(X).shape == (len(y),)
    assert not hasattr(FixBaggingClassifier(), "decision_function")  # trees have none


def test_members_without_predict_proba_vote():
    X, y = imbalanced()
    model = FixBaggingClassifier(LinearSVC(), n_estimators=4, random_state=0).fit(X, y)
    votes = np.mean([member.predict(X)[:, None] == model.classes_ for member in model.estimators_], axis=0)
    np.testing.assert_allclose(model.predict_proba(X), votes)
    assert model.decision_function(X).shape == (len(y),)


def test_string_labels_and_categorical_series():
    X, y = imbalanced(n_classes=3, ratio=15)
    labels = np.array(["cat", "dog", "emu"])[y]
    model = FixBaggingClassifier(n_estimators=3, random_state=0).fit(X, labels)
    assert model.classes_.tolist() == ["cat", "dog", "emu"]
    assert set(model.predict(X)) <= {"cat", "dog", "emu"}
    as_category = pd.Series(labels, dtype="category")
    again = FixBaggingClassifier(n_estimators=3, random_state=0).fit(X, as_category)
    np.testing.assert_array_equal(again.predict(X), model.predict(X))


def test_dataframe_with_string_columns_and_an_encoding_pipeline():
    X, y = imbalanced()
    frame = pd.DataFrame(X[:, :3], columns=["a", "b", "c"], index=np.arange(len(y)) * 10 + 5)
    frame["colour"] = np.where(X[:, 3] > 0, "red", "blue")
    frame["size"] = pd.Categorical(np.where(X[:, 4] > 0.5, "big", "small"))
    before = frame.copy()
    encoder = ColumnTransformer([("onehot", OneHotEncoder(), ["colour", "size"])], remainder="passthrough")
    estimator = dfx.make_pipeline(encoder, LogisticRegression())
    model = FixBaggingClassifier(estimator, n_estimators=3, random_state=0).fit(frame, pd.Series(y, index=frame.index))
    assert model.feature_names_in_.tolist() == ["a", "b", "c", "colour", "size"]
    assert model.predict(frame).shape == (len(y),)
    pd.testing.assert_frame_equal(frame, before)
    with pytest.raises(ValueError, match="feature names"):
        model.predict(frame[["b", "a", "c", "colour", "size"]])


def test_inputs_are_not_modified():
    X, y = imbalanced()
    weights = np.linspace(0.5, 1.5, len(y))
    copies = X.copy(), y.copy(), weights.copy()
    FixBaggingClassifier(LogisticRegression(), fixes=[SMOTE(), ClassWeighter()], n_estimators=2).fit(X, y, weights)
    for original, copy in zip((X, y, weights), copies):
        np.testing.assert_array_equal(original, copy)


def test_verbose_reports_progress_on_stderr(capsys):
    X, y = imbalanced()
    FixBaggingClassifier(n_estimators=2, verbose=True, random_state=0).fit(X, y)
    captured = capsys.readouterr()
    assert "member 1/2" in captured.err and "member 2/2" in captured.err and captured.out == ""
    FixBaggingClassifier(n_estimators=2, random_state=0).fit(X, y)
    assert capsys.readouterr().err == ""


# ------------------------------------------------------------ model selection
def test_cross_validate_and_grid_search_over_fixes_and_estimator_params():
    X, y = imbalanced()
    model = FixBaggingClassifier(DecisionTreeClassifier(), n_estimators=3, random_state=0)
    scores = cross_validate(model, X, y, cv=3, scoring="balanced_accuracy")
    assert scores["test_score"].shape == (3,) and np.all(scores["test_score"] > 0.5)
    grid = GridSearchCV(
        model,
        {
            "fixes": [RandomUnderSampler(), [SMOTE(), RandomUnderSampler()], ClassWeighter()],
            "estimator__max_depth": [2, 4],
        },
        cv=3,
        scoring="balanced_accuracy",
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 6
    assert grid.best_estimator_.estimator.max_depth in (2, 4)
    assert grid.predict(X).shape == (len(y),)


def test_label_cleaner_as_a_fix():
    X, y = imbalanced()
    model = FixBaggingClassifier(LogisticRegression(), fixes=LabelCleaner(LogisticRegression(), cv=3), n_estimators=2)
    assert model.fit(X, y).predict(X).shape == (len(y),)


# ------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "change, error, message",
    [
        (lambda X, y: (X, np.where(np.arange(len(y)) == 4, np.nan, y.astype(float))), ValueError, "missing labels"),
        (lambda X, y: (X, np.zeros_like(y)), ValueError, "only one class"),
        (lambda X, y: (X[:-3], y), ValueError, "different lengths"),
        (lambda X, y: (X[:, :0], y), ValueError, "0 feature"),
        (lambda X, y: (X.ravel(), y), ValueError, "2-D"),
    ],
)
def test_bad_data_fails_before_fitting(change, error, message):
    X, y = imbalanced()
    X_bad, y_bad = change(X, y)
    NoWeights.fits = 0
    model = FixBaggingClassifier(NoWeights())
    with pytest.raises(error, match=message):
        model.fit(X_bad, y_bad)
    assert NoWeights.fits == 0 and not hasattr(model, "estimators_")


@pytest.mark.parametrize(
    "params, error, message",
    [
        ({"n_estimators": 0}, ValueError, "n_estimators"),
        ({"max_samples": 0.0}, ValueError, "max_samples"),
        ({"max_samples": 1}, ValueError, "one row of each of the 2 classes"),
        ({"max_samples": 10_000, "bootstrap": False}, ValueError, "lower max_samples or set bootstrap=True"),
        ({"fixes": StandardScaler()}, ValueError, "fixes"),
        (
            {"fixes": [RandomUnderSampler(), StandardScaler()]},
            TypeError,
            r"fixes\[1\] \(StandardScaler\) has no fit_resample",
        ),
        (
            {"fixes": SMOTE(k_neighbors=5), "max_samples": 0.1},
            ValueError,
            r"class 1 has 3 rows .* SMOTE\(k_neighbors=5\) needs at least 6",
        ),
        ({"fixes": LabelCleaner(cv=5), "max_samples": 0.1}, ValueError, r"LabelCleaner\(cv=5\) needs at least 5"),
    ],
)
def test_bad_parameters_fail_before_fitting(params, error, message):
    X, y = imbalanced()
    NoWeights.fits = 0
    model = FixBaggingClassifier(NoWeights(), **params)
    with pytest.raises(error, match=message):
        model.fit(X, y)
    assert NoWeights.fits == 0


def test_errors_are_one_line():
    X, y = imbalanced()
    with pytest.raises(ValueError) as raised:
        FixBaggingClassifier(fixes=SMOTE(k_neighbors=5), max_samples=0.1).fit(X, y)
    assert "\n" not in str(raised.value)
