"""datafix.decision: the prior-shift formula, Pipeline(prior_correction=True), thresholds and CostSensitiveClassifier."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from imblearn.under_sampling import RandomUnderSampler
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, log_loss, make_scorer
from sklearn.model_selection import GridSearchCV, TunedThresholdClassifierCV, train_test_split
from sklearn.svm import LinearSVC
from sklearn.utils.estimator_checks import parametrize_with_checks

import datafix as dfx
from datafix.decision import CostSensitiveClassifier, _adjust_log_proba_to_priors, adjust_to_priors


class RecordingClassifier(LogisticRegression):
    """Remembers the weights fit was given."""

    def fit(self, X, y, sample_weight=None):
        self.fit_y_, self.fit_weight_ = np.asarray(y), sample_weight
        return super().fit(X, y, sample_weight=sample_weight)


class FailsIfFitted(LogisticRegression):
    def fit(self, X, y, sample_weight=None):
        raise AssertionError("fit must not be reached")


def imbalanced(n_samples=4000, minority=0.05, n_classes=2, random_state=0, **kwargs):
    weights = [1 - minority] if n_classes == 2 else None
    return make_classification(
        n_samples=n_samples, n_features=8, n_informative=4, weights=kwargs.pop("weights", weights),
        n_classes=n_classes, class_sep=kwargs.pop("class_sep", 0.8), random_state=random_state, **kwargs,
    )


# ---------------------------------------------------------------- the formula

probabilities = arrays(np.float64, st.tuples(st.integers(1, 20), st.integers(2, 5)), elements=st.floats(1e-6, 1.0))


@settings(max_examples=60, deadline=None)
@given(probabilities, st.data())
def test_adjusted_rows_sum_to_one_and_round_trip(proba, data):
    n_classes = proba.shape[1]
    priors = st.lists(st.floats(1e-3, 1e3), min_size=n_classes, max_size=n_classes)
    trained, target = np.array(data.draw(priors)), np.array(data.draw(priors))
    before = proba.copy()
    adjusted = adjust_to_priors(proba, trained, target)
    np.testing.assert_array_equal(proba, before)  # input untouched
    assert np.all(adjusted >= 0)
    np.testing.assert_allclose(adjusted.sum(axis=1), 1.0)
    back = adjust_to_priors(adjusted, target, trained)
    np.testing.assert_allclose(back, proba / proba.sum(axis=1, keepdims=True), rtol=1e-9)
    np.testing.assert_allclose(np.exp(_adjust_log_proba_to_priors(np.log(proba), trained, target)), adjusted, rtol=1e-9)


@settings(max_examples=30, deadline=None)
@given(probabilities, st.floats(0.01, 100.0))
def test_equal_priors_up_to_scale_are_the_identity(proba, scale):
    priors = np.linspace(1.0, 3.0, proba.shape[1])
    np.testing.assert_allclose(adjust_to_priors(proba, priors, scale * priors), proba / proba.sum(axis=1, keepdims=True))


def test_hand_computed_example():
    # p = (0.2, 0.8) under balanced priors; real priors 9:1 -> (0.2*0.9, 0.8*0.1) / 0.26
    adjusted = adjust_to_priors([[0.2, 0.8]], [0.5, 0.5], [0.9, 0.1])
    np.testing.assert_allclose(adjusted, [[0.18 / 0.26, 0.08 / 0.26]])
    # three classes, counts instead of shares
    adjusted = adjust_to_priors([[0.5, 0.3, 0.2]], [10, 10, 20], [1, 2, 1])
    expected = np.array([0.5 * 0.1, 0.3 * 0.2, 0.2 * 0.05])
    np.testing.assert_allclose(adjusted, [expected / expected.sum()])


def test_binary_shift_keeps_the_ranking_and_only_moves_the_threshold():
    proba1 = np.random.RandomState(0).uniform(0.01, 0.99, 200)
    proba = np.column_stack([1 - proba1, proba1])
    adjusted = adjust_to_priors(proba, [0.5, 0.5], [0.95, 0.05])
    np.testing.assert_array_equal(np.argsort(adjusted[:, 1], kind="stable"), np.argsort(proba1, kind="stable"))
    # argmax after the shift == threshold at the Bayes point 0.95 on the balanced model's probabilities
    np.testing.assert_array_equal(adjusted.argmax(axis=1), (proba1 > 0.95).astype(int))


@pytest.mark.parametrize(
    "proba, trained, target, message",
    [
        ([0.2, 0.8], [1, 1], [1, 1], r"shape \(n_samples, n_classes\)"),
        ([[0.2, 0.8]], [1, 1, 1], [1, 1], r"trained_priors must have one entry per class, shape \(2,\)"),
        ([[0.2, 0.8]], [1, 0], [1, 1], "finite and positive"),
        ([[0.2, 0.8]], [1, 1], [np.nan, 1], "target_priors must be finite and positive"),
        ([[0.0, 0.0]], [1, 1], [1, 1], "all zero"),
        ([[-0.1, 1.1]], [1, 1], [1, 1], "non-negative"),
    ],
)
def test_formula_bad_input(proba, trained, target, message):
    with pytest.raises(ValueError, match=message):
        adjust_to_priors(proba, trained, target)


# ---------------------------------------------------------------- Pipeline(prior_correction=True)


def test_corrected_probabilities_after_under_sampling_match_the_original_priors_on_held_out_data():
    X, y = imbalanced(n_samples=8000, minority=0.05)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)
    plain = dfx.make_pipeline(RandomUnderSampler(random_state=0), LogisticRegression()).fit(X_train, y_train)
    corrected = clone(plain).set_params(prior_correction=True).fit(X_train, y_train)
    np.testing.assert_allclose(corrected.fitted_priors_, [0.5, 0.5])
    np.testing.assert_allclose(corrected.training_priors_, np.bincount(y_train) / len(y_train))
    true_rate = y_test.mean()
    assert plain.predict_proba(X_test)[:, 1].mean() > 3 * true_rate  # biased toward the boosted class
    assert abs(corrected.predict_proba(X_test)[:, 1].mean() - true_rate) < 0.3 * true_rate
    assert log_loss(y_test, corrected.predict_proba(X_test)) < log_loss(y_test, plain.predict_proba(X_test))


def test_class_weighter_fitted_priors_come_from_the_weights_the_estimator_received():
    X, y = imbalanced(n_samples=600, minority=0.1)
    user_weights = np.random.RandomState(0).uniform(0.2, 3.0, len(y))
    pipe = dfx.make_pipeline(dfx.ClassWeighter(), RecordingClassifier(), prior_correction=True)
    pipe.fit(X, y, sample_weight=user_weights)
    received = pipe[-1].fit_weight_
    expected_fitted = np.bincount(pipe[-1].fit_y_, weights=received) / received.sum()
    np.testing.assert_allclose(pipe.fitted_priors_, expected_fitted)
    np.testing.assert_allclose(pipe.fitted_priors_, [0.5, 0.5])
    np.testing.assert_allclose(pipe.training_priors_, np.bincount(y, weights=user_weights) / user_weights.sum())
    raw = pipe[-1].predict_proba(X)
    np.testing.assert_allclose(pipe.predict_proba(X), adjust_to_priors(raw, pipe.fitted_priors_, pipe.training_priors_))


def test_without_prior_correction_nothing_changes():
    X, y = imbalanced(n_samples=600, minority=0.1)
    pipe = dfx.make_pipeline(RandomUnderSampler(random_state=0), LogisticRegression()).fit(X, y)
    np.testing.assert_array_equal(pipe.predict_proba(X), pipe[-1].predict_proba(X))
    np.testing.assert_array_equal(pipe.predict_log_proba(X), pipe[-1].predict_log_proba(X))
    np.testing.assert_array_equal(pipe.predict(X), pipe[-1].predict(X))
    assert pipe.score(X, y) == pipe[-1].score(X, y)
    # the priors are recorded anyway, for inspection
    np.testing.assert_allclose(pipe.fitted_priors_, [0.5, 0.5])


def test_correction_without_a_fix_is_the_identity():
    X, y = imbalanced(n_samples=600, minority=0.1)
    plain = dfx.make_pipeline(LogisticRegression()).fit(X, y)
    corrected = dfx.make_pipeline(LogisticRegression(), prior_correction=True).fit(X, y)
    np.testing.assert_allclose(corrected.fitted_priors_, corrected.training_priors_)
    np.testing.assert_allclose(corrected.predict_proba(X), plain.predict_proba(X))
    np.testing.assert_array_equal(corrected.predict(X), plain.predict(X))


def test_estimator_class_weight_counts_in_the_fitted_priors():
    X, y = imbalanced(n_samples=600, minority=0.1)
    pipe = dfx.make_pipeline(LogisticRegression(class_weight="balanced"), prior_correction=True).fit(X, y)
    np.testing.assert_allclose(pipe.fitted_priors_, [0.5, 0.5])
    assert pipe.predict_proba(X)[:, 1].mean() < pipe[-1].predict_proba(X)[:, 1].mean()


def test_predict_is_argmax_of_corrected_probabilities_with_string_labels_at_20_to_1():
    X, y_codes = imbalanced(n_samples=840, minority=1 / 21, random_state=3)  # ~40 minority rows
    y = np.where(y_codes == 1, "rare", "common")
    pipe = dfx.make_pipeline(RandomUnderSampler(random_state=0), LogisticRegression(), prior_correction=True).fit(X, y)
    assert list(pipe.classes_) == ["common", "rare"]
    proba = pipe.predict_proba(X)
    np.testing.assert_array_equal(pipe.predict(X), pipe.classes_[proba.argmax(axis=1)])
    np.testing.assert_allclose(pipe.predict_log_proba(X), np.log(proba), atol=1e-12)
    np.testing.assert_array_equal(pipe.decision_function(X), pipe[-1].decision_function(X))  # documented: uncorrected
    assert pipe.score(X, y) == np.mean(pipe.predict(X) == y)
    # the uncorrected balanced model flags far more rows as rare than the corrected one
    assert (pipe[-1].predict(X) == "rare").sum() > (pipe.predict(X) == "rare").sum()


def test_nested_pipeline_gives_the_same_correction_as_the_flat_one():
    X, y = imbalanced(n_samples=1000, minority=0.08)
    flat = dfx.make_pipeline(RandomUnderSampler(random_state=0), dfx.ClassWeighter(), LogisticRegression(), prior_correction=True)
    expected = flat.fit(X, y).predict_proba(X)
    for inner_corrects in (False, True):
        inner = dfx.make_pipeline(dfx.ClassWeighter(), LogisticRegression(), prior_correction=inner_corrects)
        outer = dfx.make_pipeline(RandomUnderSampler(random_state=0), inner, prior_correction=True).fit(X, y)
        np.testing.assert_allclose(outer.predict_proba(X), expected, rtol=1e-10)


def test_params_clone_slicing_and_grid_search():
    X, y = imbalanced(n_samples=2000, minority=0.05)
    pipe = dfx.make_pipeline(RandomUnderSampler(random_state=0), LogisticRegression(), prior_correction=True)
    assert pipe.get_params()["prior_correction"] is True
    twin = clone(pipe)
    assert twin.prior_correction is True and not hasattr(twin, "fitted_priors_")
    assert pipe.set_params(prior_correction=False).prior_correction is False
    pipe.set_params(prior_correction=True).fit(X, y)
    whole = pipe[:]
    assert whole.prior_correction and np.array_equal(whole.predict_proba(X), pipe.predict_proba(X))
    assert pipe[:-1].prior_correction is False
    search = GridSearchCV(
        dfx.make_pipeline(RandomUnderSampler(random_state=0), LogisticRegression()),
        {"prior_correction": [False, True], "logisticregression__C": [0.1, 1.0]},
        scoring="neg_log_loss", cv=3,
    ).fit(X, y)
    assert search.best_params_["prior_correction"] is True


def test_prior_correction_errors_are_raised_before_any_work():
    X, y = imbalanced(n_samples=200, minority=0.1)
    pipe = dfx.make_pipeline(dfx.ClassWeighter(), LinearSVC(), prior_correction=True)
    with pytest.raises(TypeError, match=r"final step 'linearsvc' \(LinearSVC\) has no predict_proba.*prior_correction=False"):
        pipe.fit(X, y)
    assert not hasattr(pipe, "source_indices_")
    with pytest.raises(TypeError, match="has no predict_proba"):
        dfx.make_pipeline(dfx.ClassWeighter(), "passthrough", prior_correction=True).fit(X, y)
    with pytest.raises(ValueError, match="prior_correction must be True or False, got 'yes'"):
        dfx.make_pipeline(LogisticRegression(), prior_correction="yes").fit(X, y)
    # without prior correction the same estimator is fine, as before
    dfx.make_pipeline(dfx.ClassWeighter(), LinearSVC()).fit(X, y)


def test_class_without_training_weight_cannot_be_corrected():
    X, y = make_classification(n_samples=300, n_classes=3, n_informative=4, random_state=0)
    weights = np.where(y == 2, 0.0, 1.0)
    with pytest.raises(ValueError, match="class 2 has no weight in the training data"):
        dfx.make_pipeline(LogisticRegression(), prior_correction=True).fit(X, y, sample_weight=weights)


@parametrize_with_checks(
    [dfx.make_pipeline(dfx.ClassWeighter(), LogisticRegression(), prior_correction=True)],
    expected_failed_checks=lambda estimator: {
        "check_estimators_overwrite_params": "like scikit-learn's Pipeline, fitting stores the fitted steps in `steps`",
        "check_supervised_y_2d": "datafix rejects 2-D y with a clear error instead of warning and ravelling it",
    },
)
def test_prior_corrected_pipeline_passes_scikit_learn_checks(estimator, check):
    check(estimator)


# ---------------------------------------------------------------- decision thresholds (binary)


@pytest.mark.parametrize("fix", [dfx.ClassWeighter(), RandomUnderSampler(random_state=0)], ids=["weighter", "under"])
@pytest.mark.parametrize("prior_correction", [False, True])
def test_tuned_threshold_classifier_cv_around_a_datafix_pipeline_with_sample_weight(fix, prior_correction):
    X, y = imbalanced(n_samples=1200, minority=0.05)
    weights = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    pipe = dfx.make_pipeline(fix, RecordingClassifier(), prior_correction=prior_correction)
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = make_scorer(balanced_accuracy_score).set_score_request(sample_weight=True)
        tuned = TunedThresholdClassifierCV(pipe, scoring=scorer, cv=3).fit(X, y, sample_weight=weights)
        predictions = tuned.predict(X)
    assert set(np.unique(predictions)) <= {0, 1} and len(predictions) == len(y)
    assert 0 < tuned.best_threshold_ < 1
    final = tuned.estimator_[-1]
    kept = tuned.estimator_.source_indices_
    # the user's weights reached the estimator, times the class weights when ClassWeighter is there
    if isinstance(fix, dfx.ClassWeighter):
        class_weight = tuned.estimator_[0].class_weight_
        np.testing.assert_allclose(final.fit_weight_, weights * np.array([class_weight[label] for label in y]))
    else:
        np.testing.assert_allclose(final.fit_weight_, weights[kept])


# ---------------------------------------------------------------- CostSensitiveClassifier


def three_class_data(random_state=0):
    return make_classification(
        n_samples=3000, n_features=8, n_informative=5, n_classes=3, weights=[0.85, 0.12, 0.03],
        class_sep=0.8, random_state=random_state,
    )


def test_zero_one_costs_are_plain_argmax():
    X, y = three_class_data()
    model = CostSensitiveClassifier(LogisticRegression(), cost_matrix=1 - np.eye(3)).fit(X, y)
    reference = LogisticRegression().fit(X, y)
    np.testing.assert_array_equal(model.predict(X), reference.classes_[reference.predict_proba(X).argmax(axis=1)])
    np.testing.assert_allclose(model.predict_proba(X), reference.predict_proba(X))
    np.testing.assert_allclose(model.expected_cost(X), 1 - reference.predict_proba(X))


def test_higher_cost_for_missing_a_class_only_adds_predictions_of_it():
    X, y = three_class_data()
    predictions = []
    for cost in (1.0, 3.0, 10.0):
        costs = np.ones((3, 3)) - np.eye(3)
        costs[2, :2] = cost  # missing class 2 costs more
        predictions.append(CostSensitiveClassifier(LogisticRegression(), cost_matrix=costs).fit(X, y).predict(X))
    for lower, higher in zip(predictions, predictions[1:]):
        assert np.all(higher[lower == 2] == 2)  # a row predicted 2 stays 2
        assert (higher == 2).sum() >= (lower == 2).sum()
    assert (predictions[-1] == 2).sum() > (predictions[0] == 2).sum()


@pytest.mark.parametrize("random_state", [0, 1, 2])
def test_tuned_costs_beat_plain_argmax_on_balanced_accuracy(random_state):
    X, y = three_class_data(random_state)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, stratify=y, random_state=random_state)
    corrected = dfx.make_pipeline(RandomUnderSampler(random_state=0), LogisticRegression(), prior_correction=True)
    tuned = CostSensitiveClassifier(corrected, random_state=0).fit(X_train, y_train)
    assert tuned.cv_score_ >= tuned.cv_score_argmax_
    argmax = clone(corrected).fit(X_train, y_train)
    gain = balanced_accuracy_score(y_test, tuned.predict(X_test)) - balanced_accuracy_score(y_test, argmax.predict(X_test))
    assert gain > 0.05
    np.testing.assert_allclose(np.diag(tuned.cost_matrix_), 0.0)
    assert tuned.cost_matrix_[2, 0] > tuned.cost_matrix_[0, 1]  # missing the rarest class costs most


def test_sample_weight_reaches_the_estimator_and_the_folds():
    X, y = three_class_data()
    weights = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    model = CostSensitiveClassifier(RecordingClassifier(), cv=3, random_state=0).fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(model.estimator_.fit_weight_, weights)
    unweighted = CostSensitiveClassifier(RecordingClassifier(), cv=3, random_state=0).fit(X, y)
    assert unweighted.estimator_.fit_weight_ is None


def test_string_labels_follow_sorted_class_order():
    X, y_codes = three_class_data()
    y = np.array(["zebra", "ant", "moth"])[y_codes]  # classes_ will be ['ant', 'moth', 'zebra']
    costs = np.ones((3, 3)) - np.eye(3)
    costs[0, 1:] = 50.0  # missing 'ant' (the rarest) is very costly
    model = CostSensitiveClassifier(LogisticRegression(), cost_matrix=costs).fit(X, y)
    assert list(model.classes_) == ["ant", "moth", "zebra"]
    assert (model.predict(X) == "ant").sum() > (LogisticRegression().fit(X, y).predict(X) == "ant").sum()


def test_clone_get_params_and_grid_search():
    X, y = three_class_data()
    model = CostSensitiveClassifier(LogisticRegression(), cv=3, random_state=0)
    assert clone(model).get_params()["cv"] == 3
    assert model.set_params(estimator__C=0.5).estimator.C == 0.5
    search = GridSearchCV(model, {"estimator__C": [0.1, 1.0]}, scoring="balanced_accuracy", cv=2).fit(X, y)
    assert search.best_estimator_.cost_matrix_.shape == (3, 3)


@pytest.mark.parametrize(
    "costs, message",
    [
        (np.ones((2, 2)), r"cost_matrix must have shape \(3, 3\) for the 3 classes of y \(rows = true class, "
         r"columns = predicted class, both in the order of classes_ \['a', 'b', 'c'\]\); got shape \(2, 2\)"),
        (np.ones(3), r"must have shape \(3, 3\).*got shape \(3,\)"),
        ([[0, 1, 1], [1, 0, 1], [1, -1, 0]], r"negative entries at \(true, predicted\) \[\[2, 1\]\]"),
        ([[0, 1, 1], [1, 0, np.inf], [1, 1, 0]], r"NaN or infinite entries at \(true, predicted\) \[\[1, 2\]\]"),
        ([["x"] * 3] * 3, r"numeric array of shape \(3, 3\)"),
    ],
)
def test_bad_cost_matrix_gets_a_one_line_error_before_any_fitting(costs, message):
    X, y_codes = three_class_data()
    y = np.array(["a", "b", "c"])[y_codes]
    with pytest.raises(ValueError, match=message) as error:
        CostSensitiveClassifier(FailsIfFitted(), cost_matrix=costs).fit(X, y)
    assert "\n" not in str(error.value)


def test_estimator_without_predict_proba_and_too_few_rows_for_cv():
    X, y = three_class_data()
    with pytest.raises(TypeError, match="LinearSVC has no predict_proba.*CalibratedClassifierCV"):
        CostSensitiveClassifier(LinearSVC()).fit(X, y)
    y_small = y.copy()
    y_small[np.flatnonzero(y == 2)[3:]] = 0  # class 2 keeps 3 rows
    with pytest.raises(ValueError, match="class 2 has 3 rows but cv=5 needs at least 5"):
        CostSensitiveClassifier(FailsIfFitted()).fit(X, y_small)
