"""datafix.Pipeline: weights and provenance through fixes and imbalanced-learn samplers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.pipeline import Pipeline as ImblearnPipeline
from imblearn.under_sampling import ClusterCentroids, RandomUnderSampler
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import datafix as dfx
from datafix.base import BaseFix, Resampled


class RecordingClassifier(LogisticRegression):
    """Remembers what fit and predict were given."""

    def fit(self, X, y, sample_weight=None):
        self.fit_X_, self.fit_y_, self.fit_weight_ = X, y, sample_weight
        return super().fit(X, y, sample_weight=sample_weight)

    def predict(self, X):
        self.predicted_X_ = np.asarray(X)
        return super().predict(X)


class DropFirstRow(BaseFix):
    """A fix that produces no weights: it drops the first row of each class."""

    def _fit_resample(self, X, y, sample_weight):
        first_rows = [np.flatnonzero(y == label)[0] for label in np.unique(y)]
        return Resampled(np.setdiff1d(np.arange(len(y)), first_rows))


@pytest.fixture
def data():
    X, y = make_classification(n_samples=400, n_features=6, weights=[0.85], random_state=0)
    weights = np.random.RandomState(0).uniform(0.2, 3.0, len(y))
    return X, y, weights


def test_under_sampler_then_class_weights_reach_estimator_exactly(data):
    X, y, weights = data
    pipe = dfx.make_pipeline(RandomUnderSampler(random_state=0), dfx.ClassWeighter(), RecordingClassifier())
    pipe.fit(X, y, sample_weight=weights)
    model, weighter = pipe[-1], pipe.named_steps["classweighter"]
    kept = pipe.named_steps["randomundersampler"].sample_indices_
    np.testing.assert_array_equal(pipe.source_indices_, kept)
    np.testing.assert_array_equal(model.fit_X_, X[kept])
    class_weight = np.array([weighter.class_weight_[label] for label in y[kept]])
    np.testing.assert_allclose(model.fit_weight_, weights[kept] * class_weight)
    assert not pipe.is_synthetic_.any()


def test_smote_keeps_original_weights_and_gives_synthetic_rows_the_class_mean(data):
    X, y, weights = data
    pipe = dfx.make_pipeline(SMOTE(random_state=0), RecordingClassifier())
    pipe.fit(X, y, sample_weight=weights)
    received = pipe[-1].fit_weight_
    n = len(y)
    np.testing.assert_allclose(received[:n], weights)
    synthetic = pipe.is_synthetic_
    assert synthetic.sum() == len(received) - n and not synthetic[:n].any()
    assert np.all(pipe.source_indices_[synthetic] == -1)
    minority_mean = weights[y == 1].mean()
    np.testing.assert_allclose(received[synthetic], minority_mean)


def test_sampler_without_indices_maps_weights_by_row_identity(data):
    X, y, weights = data
    pipe = dfx.make_pipeline(ClusterCentroids(random_state=0, voting="hard"), RecordingClassifier())
    pipe.fit(X, y, sample_weight=weights)
    received, source = pipe[-1].fit_weight_, pipe.source_indices_
    known = source >= 0
    assert known.any()
    np.testing.assert_allclose(received[known], weights[source[known]])
    fit_y = pipe[-1].fit_y_
    for label in np.unique(fit_y[~known]):
        np.testing.assert_allclose(received[~known & (fit_y == label)], weights[y == label].mean())


def test_provenance_composes_through_chained_samplers(data):
    X, y, _ = data
    pipe = dfx.make_pipeline(
        RandomUnderSampler(random_state=0), RandomOverSampler(random_state=1), DropFirstRow(), RecordingClassifier()
    )
    pipe.fit(X, y)
    np.testing.assert_array_equal(pipe[-1].fit_X_, X[pipe.source_indices_])
    np.testing.assert_array_equal(pipe[-1].fit_y_, y[pipe.source_indices_])


def test_no_weights_anywhere_means_none_reach_the_estimator(data):
    X, y, _ = data
    pipe = dfx.make_pipeline(RandomUnderSampler(random_state=0), RecordingClassifier()).fit(X, y)
    assert pipe[-1].fit_weight_ is None


def test_estimator_without_sample_weight_gets_a_clear_error(data):
    X, y, weights = data
    pipe = dfx.make_pipeline(dfx.ClassWeighter(), KNeighborsClassifier())
    with pytest.raises(TypeError, match="kneighborsclassifier.*does not accept sample_weight"):
        pipe.fit(X, y)


def test_fixes_are_skipped_at_predict_and_score(data):
    X, y, _ = data
    pipe = dfx.make_pipeline(StandardScaler(), RandomUnderSampler(random_state=0), RecordingClassifier()).fit(X, y)
    pipe.predict(X)
    assert pipe[-1].predicted_X_.shape == X.shape
    np.testing.assert_allclose(pipe[-1].predicted_X_, pipe[0].transform(X))
    assert 0.5 < pipe.score(X, y) <= 1.0


def test_grid_search_over_fix_and_classifier_parameters(data):
    X, y, _ = data
    pipe = dfx.make_pipeline(StandardScaler(), dfx.ClassWeighter(), LogisticRegression())
    search = GridSearchCV(
        pipe,
        {"classweighter__strategy": ["balanced", "inverse_sqrt"], "logisticregression__C": [0.1, 1.0]},
        scoring="balanced_accuracy",
        cv=3,
    ).fit(X, y)
    assert set(search.best_params_) == {"classweighter__strategy", "logisticregression__C"}
    assert len(search.cv_results_["mean_test_score"]) == 4
    assert search.best_estimator_.named_steps["classweighter"].class_weight_


def test_cross_validate_scores_untouched_validation_folds(data):
    X, y, _ = data
    pipe = dfx.make_pipeline(RandomUnderSampler(random_state=0), RecordingClassifier())
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    result = cross_validate(pipe, X, y, cv=cv, scoring="accuracy", return_estimator=True, return_indices=True)
    for fitted, test_rows, train_rows in zip(
        result["estimator"], result["indices"]["test"], result["indices"]["train"]
    ):
        # every validation row was scored, none was resampled away or duplicated
        np.testing.assert_array_equal(fitted[-1].predicted_X_, X[test_rows])
        # the model was trained on training rows only (through the sampler)
        assert set(train_rows[fitted.source_indices_]) <= set(train_rows)
        assert len(fitted.source_indices_) == 2 * np.sum(y[train_rows] == 1)


def test_fix_without_weights_works_in_imblearn_pipeline(data):
    X, y, _ = data
    pipe = ImblearnPipeline([("drop", DropFirstRow()), ("model", RecordingClassifier())]).fit(X, y)
    assert len(pipe[-1].fit_y_) == len(y) - 2


def test_pipeline_of_fixes_is_a_fix_and_nests(data):
    X, y, weights = data
    inner = dfx.make_pipeline(RandomUnderSampler(random_state=0), DropFirstRow())
    X_out, y_out = inner.fit_resample(X, y)
    assert len(y_out) == 2 * np.sum(y == 1) - 2
    np.testing.assert_array_equal(X_out, X[inner.source_indices_])
    outer = dfx.make_pipeline(inner, dfx.ClassWeighter(), RecordingClassifier()).fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(outer.source_indices_, outer[0].source_indices_)
    assert not hasattr(dfx.make_pipeline(StandardScaler(), LogisticRegression()), "fit_resample")


def test_set_output_pandas_reaches_fixes_as_dataframes(data):
    X, y, _ = data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    pipe = dfx.make_pipeline(StandardScaler(), DropFirstRow(), RecordingClassifier()).set_output(transform="pandas")
    pipe.fit(frame, pd.Series(y))
    assert isinstance(pipe[-1].fit_X_, pd.DataFrame)
    assert list(pipe[-1].fit_X_.columns) == list(frame.columns)
    assert isinstance(pipe[:1].transform(frame), pd.DataFrame)


def test_params_clone_and_step_fit_parameters(data):
    X, y, _ = data
    pipe = dfx.make_pipeline(dfx.ClassWeighter(), LogisticRegression())
    pipe.set_params(classweighter__strategy="inverse_sqrt", logisticregression__C=0.5)
    twin = clone(pipe)
    assert twin.get_params()["classweighter__strategy"] == "inverse_sqrt"
    assert twin.get_params()["logisticregression__C"] == 0.5
    with pytest.raises(ValueError, match="must be named '<step>__<parameter>'"):
        twin.fit(X, y, unknown=1)


def test_bad_weights_are_rejected_before_any_work(data):
    X, y, weights = data
    pipe = dfx.make_pipeline(RandomUnderSampler(), LogisticRegression())
    with pytest.raises(ValueError, match="sample_weight has 10 weights but X has 400 rows"):
        pipe.fit(X, y, sample_weight=weights[:10])
    with pytest.raises(ValueError, match="non-negative"):
        pipe.fit(X, y, sample_weight=-weights)


def test_step_that_is_neither_transformer_nor_fix_is_rejected(data):
    X, y, _ = data
    pipe = dfx.Pipeline([("model", LogisticRegression()), ("model2", LogisticRegression())])
    with pytest.raises(TypeError, match="neither a transformer"):
        pipe.fit(X, y)


EXPECTED_FAILED_CHECKS = {
    "check_estimators_overwrite_params": "like scikit-learn's Pipeline, fitting stores the fitted steps in `steps`",
    "check_supervised_y_2d": "datafix rejects 2-D y with a clear error instead of warning and ravelling it",
}


@parametrize_with_checks(
    [dfx.make_pipeline(dfx.ClassWeighter(), LogisticRegression())],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS,
)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def test_weights_through_samplers_on_sparse_input(data):
    import scipy.sparse as sparse

    X, y, weights = data
    X_sparse = sparse.csr_matrix(np.where(np.abs(X) > 1, X, 0.0))
    for sampler in (RandomUnderSampler(random_state=0), SMOTE(random_state=0)):
        pipe = dfx.make_pipeline(sampler, RecordingClassifier()).fit(X_sparse, y, sample_weight=weights)
        known = pipe.source_indices_ >= 0
        np.testing.assert_allclose(pipe[-1].fit_weight_[known], weights[pipe.source_indices_[known]])
        assert sparse.issparse(pipe[-1].fit_X_)


def test_prior_correction_is_off_by_default_and_a_plain_parameter(data):
    X, y, weights = data
    pipe = dfx.make_pipeline(RandomUnderSampler(random_state=0), LogisticRegression())
    assert pipe.prior_correction is False and pipe.get_params()["prior_correction"] is False
    pipe.fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(pipe.predict_proba(X), pipe[-1].predict_proba(X))
    np.testing.assert_allclose(pipe.training_priors_, np.bincount(y, weights=weights) / weights.sum())
    kept = pipe.source_indices_
    np.testing.assert_allclose(pipe.fitted_priors_, np.bincount(y[kept], weights=weights[kept]) / weights[kept].sum())
    assert dfx.Pipeline(pipe.steps, prior_correction=True)[:1].prior_correction is False
