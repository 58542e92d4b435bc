"""LabelCleaner: the three actions, and no leakage inside a pipeline under cross-validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, cross_validate

import datafix as dfx
from datafix import LabelCleaner, find_label_issues
from datafix.datasets import make_label_noise


@pytest.fixture(scope="module")
def noisy():
    X, y = make_blobs(n_samples=240, centers=3, cluster_std=1.2, random_state=0)
    y_noisy, is_flipped = make_label_noise(y, rate=0.1, random_state=0)
    return X, y, y_noisy, is_flipped


def test_drop_removes_exactly_the_flagged_rows(noisy):
    X, _, y, _ = noisy
    cleaner = LabelCleaner(random_state=0)
    X_out, y_out = cleaner.fit_resample(X, y)
    expected = find_label_issues(X, y, random_state=0)
    pd.testing.assert_frame_equal(cleaner.label_issues_, expected)
    kept = np.flatnonzero(~expected["is_label_issue"].to_numpy())
    np.testing.assert_array_equal(cleaner.source_indices_, kept)
    np.testing.assert_array_equal(X_out, X[kept])
    np.testing.assert_array_equal(y_out, y[kept])
    assert cleaner.n_issues_ == len(y) - len(kept) > 0


def test_drop_keeps_incoming_weights_of_kept_rows(noisy):
    X, _, y, _ = noisy
    weights = np.linspace(1, 2, len(y))
    cleaner = LabelCleaner(random_state=0)
    _, _, weights_out = cleaner.fit_resample(X, y, sample_weight=weights)
    np.testing.assert_array_equal(weights_out, weights[cleaner.source_indices_])


def test_relabel_changes_only_flagged_rows_to_the_suggestion(noisy):
    X, y_true, y, is_flipped = noisy
    cleaner = LabelCleaner(action="relabel", random_state=0)
    X_out, y_out = cleaner.fit_resample(X, y)
    issues = cleaner.label_issues_
    flagged = issues["is_label_issue"].to_numpy()
    np.testing.assert_array_equal(X_out, X)
    np.testing.assert_array_equal(y_out[~flagged], y[~flagged])
    np.testing.assert_array_equal(y_out[flagged], issues["suggested_label"].to_numpy()[flagged])
    assert np.all(y_out[flagged] != y[flagged])
    assert (y_out != y_true).sum() < (y != y_true).sum()  # fewer wrong labels than before


def test_downweight_multiplies_weights_by_label_quality(noisy):
    X, _, y, _ = noisy
    cleaner = LabelCleaner(action="downweight", random_state=0)
    X_out, y_out, weights = cleaner.fit_resample(X, y)  # weights come out even when none went in
    issues = cleaner.label_issues_
    flagged = issues["is_label_issue"].to_numpy()
    expected = np.where(flagged, issues["label_quality"].to_numpy(), 1.0)
    np.testing.assert_allclose(weights, expected)
    incoming = np.full(len(y), 3.0)
    weighted_cleaner = clone(cleaner)
    _, _, weighted = weighted_cleaner.fit_resample(X, y, sample_weight=incoming)
    # incoming weights reach the out-of-fold models too, so the qualities are those of a weighted fit
    weighted_issues = find_label_issues(X, y, sample_weight=incoming, random_state=0)
    pd.testing.assert_frame_equal(weighted_cleaner.label_issues_, weighted_issues)
    acted = weighted_cleaner.is_cleaned_
    np.testing.assert_allclose(weighted, 3.0 * np.where(acted, weighted_issues["label_quality"].to_numpy(), 1.0))
    np.testing.assert_array_equal(y_out, y)
    assert np.all(weights[flagged] < 1)


def test_pandas_round_trip_keeps_index_and_dtypes(noisy):
    X, _, y, _ = noisy
    frame = pd.DataFrame(X, columns=["a", "b"], index=pd.Index(np.arange(len(y)) * 5, name="id"))
    frame["a"] = frame["a"].astype(np.float32)
    labels = pd.Series(np.array(["x", "y", "z"])[y], index=frame.index, name="target")
    cleaner = LabelCleaner(random_state=0)
    X_out, y_out = cleaner.fit_resample(frame, labels)
    flagged = cleaner.label_issues_["is_label_issue"]
    assert cleaner.label_issues_.index.equals(frame.index)
    assert X_out.index.equals(frame.index[~flagged.to_numpy()])
    assert y_out.index.equals(X_out.index) and y_out.name == "target"
    assert (X_out.dtypes == frame.dtypes).all()


class _RecordingLogisticRegression(LogisticRegression):
    """Remembers the index of every DataFrame it was fitted on (to observe the cleaner's folds)."""

    seen: list = []

    def fit(self, X, y, sample_weight=None):
        _RecordingLogisticRegression.seen.append(pd.Index(X.index))
        return super().fit(X, y, sample_weight=sample_weight)


def test_no_leakage_inside_pipeline_under_cross_validate(noisy):
    X, _, y, _ = noisy
    frame = pd.DataFrame(X, columns=["a", "b"], index=pd.RangeIndex(1000, 1000 + len(y)))
    _RecordingLogisticRegression.seen = []
    cleaner = LabelCleaner(_RecordingLogisticRegression(max_iter=500), random_state=0)
    pipeline = dfx.make_pipeline(cleaner, LogisticRegression(max_iter=500))
    outer = KFold(3, shuffle=True, random_state=0)
    result = cross_validate(pipeline, frame, y, cv=outer, return_estimator=True)
    for (train, test), fitted in zip(outer.split(frame), result["estimator"]):
        issues = fitted.steps[0][1].label_issues_
        assert issues.index.equals(frame.index[train])  # only the training fold was judged
        assert not set(issues.index) & set(frame.index[test])
    # every inner out-of-fold model saw only rows of its outer training fold
    assert len(_RecordingLogisticRegression.seen) == 3 * 5
    training_folds = [set(frame.index[train]) for train, _ in outer.split(frame)]
    for seen in _RecordingLogisticRegression.seen:
        assert any(set(seen) <= fold for fold in training_folds)


def test_grid_search_over_actions(noisy):
    X, _, y, _ = noisy
    pipeline = dfx.make_pipeline(LabelCleaner(cv=3, random_state=0), LogisticRegression(max_iter=500))
    search = GridSearchCV(pipeline, {"labelcleaner__action": ["drop", "relabel", "downweight"]}, cv=2)
    search.fit(X, y)
    assert search.best_params_["labelcleaner__action"] in {"drop", "relabel", "downweight"}
    assert search.predict(X).shape == (len(y),)


def test_clean_test_accuracy_improves_over_noisy_labels():
    X, y = make_blobs(n_samples=600, centers=4, cluster_std=2.0, random_state=3)
    X_train, X_test, y_train, y_test = X[:400], X[400:], y[:400], y[400:]
    y_noisy, _ = make_label_noise(y_train, rate=0.3, kind="pairwise", random_state=0)
    noisy_model = LogisticRegression(max_iter=500).fit(X_train, y_noisy)
    cleaned = dfx.make_pipeline(LabelCleaner(random_state=0), LogisticRegression(max_iter=500))
    cleaned.fit(X_train, y_noisy)
    assert cleaned.score(X_test, y_test) > noisy_model.score(X_test, y_test)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"action": "fix"}, "action"),
        ({"method": "vote"}, "method"),
        ({"cv": 1}, "cv"),
        ({"estimator": "logistic"}, "estimator"),
    ],
)
def test_bad_parameters(noisy, params, message):
    X, _, y, _ = noisy
    with pytest.raises(ValueError, match=message):
        LabelCleaner(**params).fit_resample(X, y)


def test_class_smaller_than_cv_is_a_clear_error(noisy):
    X, _, y, _ = noisy
    y_small = y.copy()
    y_small[:3] = 5
    with pytest.raises(ValueError, match="class 5 has 3 rows but cv=5"):
        LabelCleaner().fit_resample(X, y_small)
