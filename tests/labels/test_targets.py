"""Issue 13: continuous (regression) and multi-label targets, and bad input refused before any work."""

from __future__ import annotations

import cleanlab.multilabel_classification.filter as multilabel_filter
import cleanlab.multilabel_classification.rank as multilabel_rank
import numpy as np
import pandas as pd
import pytest
from cleanlab.regression.learn import CleanLearning
from cleanlab.regression.rank import get_label_quality_scores
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import datafix as dfx
from datafix import LabelCleaner, find_label_issues
from datafix.labels.issues import target_type_of
from datafix.labels.multilabel import _label_lists
from datafix.labels.regression import (
    REGRESSION_THRESHOLD,
    regression_issues,
    robust_scores,
)

RIDGE = make_pipeline(StandardScaler(), Ridge(alpha=0.1))


@pytest.fixture(scope="module")
def outlying():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4)) * [1, 100, 0.01, 5]  # unscaled columns
    y = X @ [1.0, 0.02, 100.0, -0.3] + rng.normal(scale=0.5, size=300)
    shifted = np.zeros(300, dtype=bool)
    shifted[rng.choice(300, 15, replace=False)] = True
    y_noisy = y.copy()
    y_noisy[shifted] += rng.choice([-1.0, 1.0], 15) * rng.uniform(4, 8, 15)
    return X, y_noisy, shifted


@pytest.fixture(scope="module")
def multilabel_data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(240, 5))
    Y = (X[:, :3] + 0.3 * rng.normal(size=(240, 3)) > 0).astype(int)
    flipped = np.zeros(240, dtype=bool)
    flipped[rng.choice(240, 20, replace=False)] = True
    Y_noisy = Y.copy()
    columns = rng.integers(0, 3, 20)
    Y_noisy[flipped, columns] = 1 - Y_noisy[flipped, columns]
    return X, Y_noisy, flipped


# --- which target ---------------------------------------------------------------------------------------------

def test_target_type_detection():
    assert target_type_of(np.array([0.5, 1.0, 1.5] * 20)) == "classes"  # few distinct floats are classes
    assert target_type_of(pd.Series(np.linspace(0, 1, 60))) == "continuous"
    assert target_type_of(pd.DataFrame({"a": [0, 1], "b": [1, 1]})) == "multilabel"
    assert target_type_of(np.arange(60.0), "continuous") == "continuous"  # whole numbers, said to be continuous
    with pytest.raises(ValueError, match="target_type must be one of"):
        target_type_of([0, 1], "regression")


# --- regression -----------------------------------------------------------------------------------------------

def test_regression_flags_the_outlying_targets(outlying):
    X, y, shifted = outlying
    found = find_label_issues(X, y, estimator=RIDGE, random_state=0)
    assert list(found.columns) == ["given_label", "suggested_label", "label_quality", "is_label_issue", "residual",
                                   "residual_score"]
    assert found.attrs["target_type"] == "continuous"
    flagged = found["is_label_issue"].to_numpy()
    assert (flagged & shifted).sum() >= 14 and (flagged & ~shifted).sum() <= 2
    np.testing.assert_allclose(found["residual"], y - found["suggested_label"])


def test_default_regressor_is_the_better_fitting_one(outlying):
    X, y, shifted = outlying
    linear = find_label_issues(X[:150], y[:150], random_state=0)  # a linear target: ridge fits it better
    assert linear.attrs["model"] == "RidgeCV"
    assert (linear["is_label_issue"].to_numpy() & shifted[:150]).sum() >= shifted[:150].sum() - 1
    rng = np.random.default_rng(0)
    steps = rng.uniform(-3, 3, size=(150, 2))
    stepped = np.where(steps[:, 0] > 0, 5.0, -5.0) * np.where(steps[:, 1] > 0, 1, -1) + rng.normal(size=150) * 0.1
    assert find_label_issues(steps, stepped, random_state=0).attrs["model"] == "HistGradientBoostingRegressor"


def test_regression_rule_and_cleanlabs_residual_score(outlying):
    X, y, _ = outlying
    found = find_label_issues(X, y, estimator=RIDGE, random_state=0)
    z, centre, scale = robust_scores(found["residual"].to_numpy())
    np.testing.assert_allclose(found["residual_score"], z)
    np.testing.assert_array_equal(found["is_label_issue"], np.abs(z) > REGRESSION_THRESHOLD)
    # label_quality is cleanlab's "residual" score of the standardised residual: exp(-|z|)
    expected = get_label_quality_scores((y - centre) / scale, found["suggested_label"].to_numpy() / scale,
                                        method="residual")
    np.testing.assert_allclose(found["label_quality"], expected)
    np.testing.assert_allclose(found["label_quality"], np.exp(-np.abs(z)))


def test_regression_folds_are_cleanlabs_at_the_same_seed(outlying):
    X, y, _ = outlying
    np.random.seed(3)  # CleanLearning(seed=3) seeds numpy's generator, then shuffles KFold with it
    folds = list(KFold(5, shuffle=True).split(X))
    ours = regression_issues(X, None, y, estimator=RIDGE, folds=folds, refit_rounds=0)["suggested_label"]
    theirs = CleanLearning(RIDGE, seed=3)._get_cv_predictions(X, y)
    np.testing.assert_allclose(ours.to_numpy(), theirs)


def test_regression_with_given_predictions_needs_no_features(outlying):
    X, y, _ = outlying
    found = find_label_issues(X, y, estimator=RIDGE, random_state=0)
    again = find_label_issues(None, pd.Series(y), predictions=found["suggested_label"].to_numpy())
    np.testing.assert_array_equal(again["residual_score"], found["residual_score"])  # same cut, no refit
    refitless = regression_issues(None, None, y, predictions=found["suggested_label"].to_numpy())
    np.testing.assert_array_equal(refitless["is_label_issue"], again["is_label_issue"])


def test_regression_groups_and_weights_reach_the_folds(outlying):
    X, y, _ = outlying
    groups = np.repeat(np.arange(30), 10)
    grouped = find_label_issues(X, y, estimator=RIDGE, groups=groups, random_state=0)
    assert grouped["is_label_issue"].sum() >= 14
    weighted = find_label_issues(X, y, estimator=RIDGE, sample_weight=np.linspace(1, 2, 300), random_state=0)
    plain = find_label_issues(X, y, estimator=RIDGE, random_state=0)
    assert not np.allclose(weighted["suggested_label"], plain["suggested_label"])


def test_label_cleaner_on_a_continuous_target(outlying):
    X, y, _ = outlying
    frame = pd.DataFrame(X, columns=list("abcd"), index=np.arange(300) + 1000)
    cleaner = LabelCleaner(RIDGE, random_state=0)
    X_out, y_out = cleaner.fit_resample(frame, pd.Series(y, index=frame.index))
    assert cleaner.target_type_ == "continuous"
    kept = ~cleaner.is_cleaned_
    assert len(X_out) == kept.sum() and (X_out.index == frame.index[kept]).all()
    np.testing.assert_array_equal(y_out.to_numpy(), y[kept])
    _, _, weights = LabelCleaner(RIDGE, action="downweight", random_state=0).fit_resample(X, y)
    issues = cleaner.label_issues_
    huber = REGRESSION_THRESHOLD / np.abs(issues["residual_score"].to_numpy())
    np.testing.assert_allclose(weights, np.where(cleaner.is_cleaned_, huber, 1.0))
    assert np.all(weights[cleaner.is_cleaned_] < 1)
    with pytest.raises(ValueError, match="action='relabel' needs class labels, but y is continuous"):
        LabelCleaner(RIDGE, action="relabel").fit_resample(X, y)


# --- multi-label ----------------------------------------------------------------------------------------------

def test_multilabel_is_cleanlabs_filter_on_out_of_fold_probabilities(multilabel_data):
    X, Y, flipped = multilabel_data
    frame = pd.DataFrame(Y, columns=["red", "green", "blue"])
    found = find_label_issues(X, frame, random_state=0)
    assert found.attrs["target_type"] == "multilabel" and found.attrs["labels"] == ["red", "green", "blue"]
    proba = dfx.labels.multilabel.default_multilabel_classifier()
    folds = list(KFold(5, shuffle=True, random_state=0).split(X))
    from datafix._tabular import encode_features
    from datafix.labels.out_of_fold import _run_folds

    proba = _run_folds(proba, encode_features(X), Y, folds, 3, output="multilabel")
    lists = _label_lists(Y)
    np.testing.assert_array_equal(found["is_label_issue"], multilabel_filter.find_label_issues(lists, proba, n_jobs=1))
    np.testing.assert_allclose(found["label_quality"], multilabel_rank.get_label_quality_scores(lists, proba))
    given = found["given_label"].tolist()
    assert given[0] == tuple(name for name, bit in zip(["red", "green", "blue"], Y[0]) if bit)
    flagged = found["is_label_issue"].to_numpy()
    assert (flagged & flipped).sum() >= 0.7 * flipped.sum()
    same = find_label_issues(None, Y, pred_proba=proba)
    np.testing.assert_array_equal(same["is_label_issue"], flagged)


def test_multilabel_with_a_multi_output_model(multilabel_data):
    X, Y, _ = multilabel_data
    found = find_label_issues(X, Y, estimator=MultiOutputClassifier(LogisticRegression()), random_state=0)
    assert found["is_label_issue"].any() and found["label_quality"].between(0, 1).all()


def test_label_cleaner_on_a_multilabel_target(multilabel_data):
    X, Y, _ = multilabel_data
    frame = pd.DataFrame(Y, columns=["red", "green", "blue"])
    cleaner = LabelCleaner(random_state=0)
    _, Y_out = cleaner.fit_resample(X, frame)
    assert isinstance(Y_out, pd.DataFrame) and list(Y_out.columns) == ["red", "green", "blue"]
    kept = ~cleaner.is_cleaned_
    np.testing.assert_array_equal(Y_out.to_numpy(), Y[kept])
    assert list(cleaner.classes_) == ["red", "green", "blue"] and cleaner.target_type_ == "multilabel"
    assert cleaner.is_cleaned_.sum() <= 0.3 * len(Y)  # max_class_fraction caps the share of all rows
    _, _, weights = LabelCleaner(action="downweight", random_state=0).fit_resample(X, Y)
    assert np.all(weights[~cleaner.is_cleaned_] == 1) and np.all(weights[cleaner.is_cleaned_] < 1)


# --- bad input: one line, naming the fix, before any work -------------------------------------------------------

class _Exploding(BaseEstimator):
    """A model whose fit fails loudly: reaching it means the check came too late."""

    def fit(self, X, y):  # pragma: no cover - must not run
        raise AssertionError("fitted before the input was checked")

    def predict(self, X):  # pragma: no cover
        raise AssertionError

    def predict_proba(self, X):  # pragma: no cover
        raise AssertionError


@pytest.mark.parametrize(
    ("y", "kwargs", "message"),
    [
        ("continuous", {"method": "confident_learning"},
         "method='confident_learning' needs class labels, but y is continuous; use method='auto'"),
        ("continuous", {"method": "knn"}, "method='knn' needs class labels"),
        ("continuous", {"pred_proba": np.full((60, 2), 0.5)}, "pass predictions="),
        ("continuous", {"groups": np.arange(10)}, "groups has 10 entries but there are 60 rows"),
        ("continuous", {"groups": np.repeat([0, 1, 2], 20)}, "groups has 3 distinct groups but cv=5 needs at least 5"),
        ("classes", {"predictions": np.zeros(60)}, "predictions= is for a continuous y"),
        ("not01", {}, "y is 2-D, which datafix reads as a multi-label indicator matrix"),
        ("multilabel", {"method": "knn"}, "method='knn' needs one class label per row"),
        ("multilabel", {"groups": np.arange(59)}, "groups has 59 entries but there are 60 rows"),
        ("multilabel", {"groups": np.repeat([0, 1], 30)}, "groups has 2 distinct groups but cv=5"),
        ("classes", {"groups": np.repeat([0, 1, 2], 20)}, "groups has 3 distinct groups but cv=5"),
    ],
)
def test_bad_input_is_refused_before_any_work(y, kwargs, message):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    targets = {
        "continuous": X @ [1.0, 2.0, 3.0] + rng.normal(size=60) * 0.01,
        "classes": np.repeat([0, 1], 30),
        "multilabel": np.column_stack([np.repeat([0, 1], 30), np.tile([0, 1], 30)]),
        "not01": np.column_stack([np.arange(60.0), np.ones(60)]),
    }
    estimator = None if "pred_proba" in kwargs or "predictions" in kwargs else _Exploding()
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")) as caught:
        find_label_issues(X, targets[y], estimator=estimator, **kwargs)
    assert "\n" not in str(caught.value)


def test_two_dimensional_targets_that_cannot_be_judged():
    X = np.random.default_rng(0).normal(size=(100, 3))
    with pytest.raises(ValueError, match="label 0 of y is present in only 0 rows"):
        find_label_issues(X, np.zeros((100, 2)))
    with pytest.raises(ValueError, match="target_type='multilabel' needs a 2-D 0/1 indicator matrix"):
        find_label_issues(X, np.zeros(100), target_type="multilabel")
    with pytest.raises(ValueError, match="needs a 1-D y"):
        find_label_issues(X, np.eye(100)[:, :3], target_type="classes")
    with pytest.raises(ValueError, match="y holds lists of labels; .*MultiLabelBinarizer"):
        find_label_issues(X[:4], [[1, 2], [0], [1], [2]])
    with pytest.raises(ValueError, match="is a classifier, but y is continuous"):
        find_label_issues(X, np.linspace(0, 1, 100) + 0.001, estimator=LogisticRegression())


# --- speed: folds and neighbour search side by side ------------------------------------------------------------

def test_side_by_side_folds_and_neighbours_give_the_sequential_result(monkeypatch):
    from sklearn.datasets import make_blobs

    import datafix.labels.issues as issues_module
    from datafix.datasets import make_label_noise

    X, y = make_blobs(n_samples=400, centers=3, cluster_std=2.0, random_state=0)
    y, _ = make_label_noise(y, rate=0.1, random_state=0)
    sequential = find_label_issues(X, y, random_state=0)
    calls = []
    original = issues_module._side_by_side
    monkeypatch.setattr(issues_module, "SIDE_BY_SIDE_MIN_ROWS", 100)
    monkeypatch.setattr(issues_module, "_side_by_side", lambda *args: calls.append(1) or original(*args))
    side_by_side = find_label_issues(X, y, random_state=0)
    assert calls == [1]
    pd.testing.assert_frame_equal(side_by_side, sequential)
    with pytest.raises(ValueError, match="takes no sample_weight"):  # checked before the search starts
        from sklearn.neighbors import KNeighborsClassifier

        find_label_issues(X, y, estimator=KNeighborsClassifier(), sample_weight=np.ones(400))
