"""Tests for datafix.metrics: agreement with imbalanced-learn and scikit-learn, ECE, scorers, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from imblearn.metrics import classification_report_imbalanced
from imblearn.metrics import geometric_mean_score as imblearn_geometric_mean_score
from imblearn.metrics import specificity_score as imblearn_specificity_score
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    average_precision_score,
    balanced_accuracy_score,
    brier_score_loss,
    log_loss,
    matthews_corrcoef,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.preprocessing import label_binarize

from datafix.metrics import (
    expected_calibration_error,
    geometric_mean_score,
    get_scorer,
    get_scorers,
    imbalanced_report,
    scorer_names,
    specificity_score,
)

PER_CLASS = {"precision": "pre", "recall": "rec", "specificity": "spe", "f1": "f1", "gmean": "geo", "support": "sup"}


def _noisy_predictions(y, classes, rng, error_rate=0.3):
    flip = rng.random(len(y)) < error_rate
    return np.where(flip, classes[rng.integers(0, len(classes), len(y))], y)


def _dataset(kind, seed=0, n=300):
    rng = np.random.default_rng(seed)
    if kind == "binary_str":
        classes = np.array(["majority", "minority"])
        y = classes[(rng.random(n) < 1 / 21).astype(int)]
        y[:5] = "minority"  # a few dozen minority rows at most, never none
    elif kind == "multiclass_str":
        classes = np.array(["cat", "dog", "eel"])
        y = classes[rng.choice(3, n, p=[0.8, 0.15, 0.05])]
    else:  # integer labels
        classes = np.array([0, 1, 2, 3])
        y = classes[rng.choice(4, n, p=[0.6, 0.2, 0.15, 0.05])]
    y_pred = _noisy_predictions(y, classes, rng)
    proba = rng.dirichlet(np.ones(len(classes)), n)
    weights = rng.random(n) * 3
    return y, y_pred, proba, weights, classes


DATASETS = ["binary_str", "multiclass_str", "multiclass_int"]


# --------------------------------------------------------------------------- #
# agreement with imbalanced-learn
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("kind", DATASETS)
@pytest.mark.parametrize("weighted", [False, True])
def test_report_matches_imblearn(kind, weighted):
    y, y_pred, _, weights, _ = _dataset(kind)
    # imbalanced-learn counts true negatives unweighted (n - weighted counts), which is
    # right only when the weights average 1; normalise so both are comparable.
    sample_weight = weights / weights.mean() if weighted else None
    report = imbalanced_report(y, y_pred, sample_weight=sample_weight)
    expected = classification_report_imbalanced(
        y, y_pred, sample_weight=sample_weight, output_dict=True, zero_division=0
    )
    classes = list(report.index[:-2])
    assert classes == list(np.unique(np.concatenate([y, y_pred])))
    for label in classes:
        for column, key in PER_CLASS.items():
            assert report.loc[label, column] == pytest.approx(expected[str(label)][key], abs=1e-12)
    for column, key in PER_CLASS.items():
        if column == "support":
            continue
        assert report.loc["weighted avg", column] == pytest.approx(expected[f"avg_{key}"], abs=1e-12)
    assert report.loc["weighted avg", "support"] == pytest.approx(expected["total_support"])
    assert report.loc["macro avg", "support"] == pytest.approx(expected["total_support"])


@pytest.mark.parametrize("kind", DATASETS)
@pytest.mark.parametrize("weighted", [False, True])
def test_macro_row_matches_sklearn_and_imblearn_macro_averages(kind, weighted):
    y, y_pred, _, weights, _ = _dataset(kind, seed=1)
    sample_weight = weights / weights.mean() if weighted else None
    report = imbalanced_report(y, y_pred, sample_weight=sample_weight)
    precision, recall, f1, _ = precision_recall_fscore_support(
        y, y_pred, average="macro", sample_weight=sample_weight, zero_division=0
    )
    macro = report.loc["macro avg"]
    assert macro["precision"] == pytest.approx(precision)
    assert macro["recall"] == pytest.approx(recall)
    assert macro["f1"] == pytest.approx(f1)
    assert macro["specificity"] == pytest.approx(
        imblearn_specificity_score(y, y_pred, average="macro", sample_weight=sample_weight)
    )
    assert macro["gmean"] == pytest.approx(report["gmean"].iloc[:-2].mean())


@pytest.mark.parametrize("kind", DATASETS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("average", [None, "macro", "weighted"])
def test_specificity_and_gmean_match_imblearn(kind, weighted, average):
    y, y_pred, _, weights, _ = _dataset(kind, seed=2)
    sample_weight = weights / weights.mean() if weighted else None
    np.testing.assert_allclose(
        specificity_score(y, y_pred, average=average, sample_weight=sample_weight),
        imblearn_specificity_score(y, y_pred, average=average, sample_weight=sample_weight),
    )
    np.testing.assert_allclose(
        geometric_mean_score(y, y_pred, average=average, sample_weight=sample_weight),
        imblearn_geometric_mean_score(y, y_pred, average=average, sample_weight=sample_weight),
    )


@pytest.mark.parametrize("kind", DATASETS)
@pytest.mark.parametrize("weighted", [False, True])
def test_multiclass_gmean_matches_imblearn_and_report(kind, weighted):
    y, y_pred, _, weights, _ = _dataset(kind, seed=3)
    # the multiclass G-mean has no true-negative term, so any weights compare
    sample_weight = weights if weighted else None
    ours = geometric_mean_score(y, y_pred, sample_weight=sample_weight)
    assert ours == pytest.approx(imblearn_geometric_mean_score(y, y_pred, sample_weight=sample_weight))
    assert imbalanced_report(y, y_pred, sample_weight=sample_weight).attrs["scores"]["gmean"] == ours


def test_binary_average_uses_pos_label_like_imblearn():
    y, y_pred, _, _, _ = _dataset("binary_str", seed=4)
    for pos_label in ("majority", "minority"):
        assert specificity_score(y, y_pred, average="binary", pos_label=pos_label) == pytest.approx(
            imblearn_specificity_score(y, y_pred, average="binary", pos_label=pos_label)
        )
        assert geometric_mean_score(y, y_pred, average="binary", pos_label=pos_label) == pytest.approx(
            imblearn_geometric_mean_score(y, y_pred, average="binary", pos_label=pos_label)
        )


def test_binary_average_defaults_to_the_greater_class():
    y, y_pred, _, _, _ = _dataset("binary_str", seed=4)
    assert specificity_score(y, y_pred, average="binary") == specificity_score(
        y, y_pred, average="binary", pos_label="minority"
    )
    assert specificity_score([0, 1, 1], [0, 1, 0], average="binary") == 1.0


def test_binary_gmean_is_sqrt_of_sensitivity_times_specificity():
    y_true = ["no"] * 20 + ["yes"] * 4
    y_pred = ["no"] * 18 + ["yes"] * 2 + ["yes"] * 3 + ["no"]
    sensitivity, specificity = 3 / 4, 18 / 20
    assert geometric_mean_score(y_true, y_pred) == pytest.approx(np.sqrt(sensitivity * specificity))
    assert specificity_score(y_true, y_pred, average="binary", pos_label="yes") == pytest.approx(specificity)


def test_gmean_leaves_out_a_class_without_true_rows_unlike_imblearn():
    # "c" is only predicted: it has no recall. imbalanced-learn counts it as 0 (score 0);
    # datafix leaves it out, as balanced_accuracy_score does.
    y_true = ["a"] * 6 + ["b"] * 4
    y_pred = ["a"] * 5 + ["c"] + ["b"] * 3 + ["a"]
    expected = np.sqrt(5 / 6 * 3 / 4)
    assert geometric_mean_score(y_true, y_pred) == pytest.approx(expected)
    assert geometric_mean_score(y_true, y_pred, labels=["a", "b", "c"]) == pytest.approx(expected)
    assert imblearn_geometric_mean_score(y_true, y_pred) == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert balanced_accuracy_score(y_true, y_pred) == pytest.approx((5 / 6 + 3 / 4) / 2)


def test_gmean_is_zero_when_a_class_is_never_found():
    y_true = ["a"] * 19 + ["b"]
    assert geometric_mean_score(y_true, ["a"] * 20) == 0.0
    assert imblearn_geometric_mean_score(y_true, ["a"] * 20) == 0.0


@settings(max_examples=40, deadline=None)
@given(
    data=st.lists(
        st.tuples(st.sampled_from("xyz"), st.sampled_from("xyz"), st.integers(0, 3)), min_size=1, max_size=40
    )
)
def test_integer_weights_equal_repeated_rows(data):
    y_true = [t for t, _, _ in data]
    y_pred = [p for _, p, _ in data]
    weights = np.array([w for _, _, w in data], dtype=float)
    if weights.sum() == 0:
        weights[0] = 1.0
    repeated_true = np.repeat(y_true, weights.astype(int))
    repeated_pred = np.repeat(y_pred, weights.astype(int))
    labels = ["x", "y", "z"]
    weighted = imbalanced_report(y_true, y_pred, labels=labels, sample_weight=weights)
    repeated = imbalanced_report(repeated_true, repeated_pred, labels=labels)
    pd.testing.assert_frame_equal(weighted, repeated, check_dtype=False, atol=1e-9)
    for name in ("gmean", "mcc"):
        assert weighted.attrs["scores"][name] == pytest.approx(repeated.attrs["scores"][name], abs=1e-9)
    for average in (None, "macro", "weighted"):
        np.testing.assert_allclose(
            specificity_score(y_true, y_pred, labels=labels, average=average, sample_weight=weights),
            specificity_score(repeated_true, repeated_pred, labels=labels, average=average),
            atol=1e-12,
        )


def test_report_shape_index_and_scores():
    y, y_pred, proba, _, classes = _dataset("multiclass_str")
    report = imbalanced_report(y, y_pred, proba)
    assert list(report.columns) == ["precision", "recall", "specificity", "f1", "gmean", "support"]
    assert list(report.index) == ["cat", "dog", "eel", "macro avg", "weighted avg"]
    assert report.loc["macro avg", "support"] == len(y)
    assert set(report.attrs["scores"]) == {
        "balanced_accuracy", "mcc", "gmean", "average_precision_macro", "roc_auc_ovr", "brier", "ece", "log_loss",
    }
    assert report.attrs["scores"]["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(y, y_pred))
    assert report.attrs["scores"]["mcc"] == pytest.approx(matthews_corrcoef(y, y_pred))
    assert report.loc["macro avg", "recall"] == pytest.approx(report.attrs["scores"]["balanced_accuracy"])


def test_report_labels_order_rows_and_keep_absent_classes():
    report = imbalanced_report(["b", "a", "a"], ["b", "a", "b"], labels=["b", "a", "z"])
    assert list(report.index[:3]) == ["b", "a", "z"]
    assert report.loc["z", "support"] == 0
    assert report.loc["z", "specificity"] == 1.0


def test_inputs_are_not_modified():
    y, y_pred, proba, weights, _ = _dataset("multiclass_str")
    y_series = pd.Series(y, index=np.arange(len(y)) * 3, dtype="category")
    copies = (y_series.copy(), y_pred.copy(), proba.copy(), weights.copy())
    imbalanced_report(y_series, y_pred, proba, sample_weight=weights)
    expected_calibration_error(y_series, proba, sample_weight=weights)
    pd.testing.assert_series_equal(y_series, copies[0])
    np.testing.assert_array_equal(y_pred, copies[1])
    np.testing.assert_array_equal(proba, copies[2])
    np.testing.assert_array_equal(weights, copies[3])


# --------------------------------------------------------------------------- #
# probability scores against scikit-learn
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("kind", DATASETS)
@pytest.mark.parametrize("weighted", [False, True])
def test_probability_scores_match_sklearn(kind, weighted):
    y, y_pred, proba, weights, classes = _dataset(kind, seed=5)
    sample_weight = weights if weighted else None
    scores = imbalanced_report(y, y_pred, proba, sample_weight=sample_weight).attrs["scores"]
    indicator = label_binarize(y, classes=classes)
    if len(classes) == 2:
        indicator = np.column_stack([1 - indicator[:, 0], indicator[:, 0]])
        assert scores["roc_auc_ovr"] == pytest.approx(roc_auc_score(y, proba[:, 1], sample_weight=sample_weight))
        assert scores["brier"] == pytest.approx(
            brier_score_loss(y, proba[:, 1], pos_label=classes[1], sample_weight=sample_weight)
        )
    else:
        assert scores["roc_auc_ovr"] == pytest.approx(
            roc_auc_score(y, proba, multi_class="ovr", labels=classes, sample_weight=sample_weight)
        )
    if tuple(int(part) for part in sklearn.__version__.split(".")[:2]) >= (1, 7):  # multiclass Brier
        assert scores["brier"] == pytest.approx(
            brier_score_loss(y, proba, labels=classes, sample_weight=sample_weight)
        )
    assert scores["average_precision_macro"] == pytest.approx(
        np.mean(
            [
                average_precision_score(indicator[:, k], proba[:, k], sample_weight=sample_weight)
                for k in range(len(classes))
            ]
        )
    )
    assert scores["log_loss"] == pytest.approx(log_loss(y, proba, labels=classes, sample_weight=sample_weight))
    assert scores["ece"] == pytest.approx(expected_calibration_error(y, proba, sample_weight=sample_weight))


def test_binary_one_dimensional_probabilities_equal_two_columns():
    y, y_pred, proba, weights, _ = _dataset("binary_str", seed=6)
    one_column = imbalanced_report(y, y_pred, proba[:, 1], sample_weight=weights).attrs["scores"]
    two_columns = imbalanced_report(y, y_pred, proba, sample_weight=weights).attrs["scores"]
    assert one_column == pytest.approx(two_columns)


def test_probability_scores_with_a_class_absent_from_y_true():
    y, y_pred, proba, _, classes = _dataset("multiclass_str", seed=7)
    keep = y != "eel"
    report = imbalanced_report(y[keep], y_pred[keep], proba[keep], labels=classes)
    scores = report.attrs["scores"]
    assert all(np.isfinite(value) for value in scores.values())
    indicator = label_binarize(y[keep], classes=classes)
    assert scores["roc_auc_ovr"] == pytest.approx(
        np.mean([roc_auc_score(indicator[:, k], proba[keep][:, k]) for k in range(2)])
    )


# --------------------------------------------------------------------------- #
# expected calibration error
# --------------------------------------------------------------------------- #


def test_ece_hand_computed():
    y_true = ["a", "a", "b", "b"]
    y_proba = [[0.9, 0.1], [0.9, 0.1], [0.3, 0.7], [0.6, 0.4]]
    # bins of width 0.2: (0.8, 1] two right at 0.9; (0.6, 0.8] one right at 0.7;
    # (0.4, 0.6] one wrong at 0.6  ->  (2 * 0.1 + 0.3 + 0.6) / 4
    assert expected_calibration_error(y_true, y_proba, n_bins=5) == pytest.approx(0.275)
    # one bin: |accuracy - mean confidence| = |0.75 - 0.775|
    assert expected_calibration_error(y_true, y_proba, n_bins=1) == pytest.approx(0.025)
    # weights: the wrong row counts three times -> one bin: |3/6 - (0.9+0.9+0.7+1.8)/6|
    weighted = expected_calibration_error(y_true, y_proba, n_bins=1, sample_weight=[1, 1, 1, 3])
    assert weighted == pytest.approx(abs(3 / 6 - 4.3 / 6))


def test_ece_is_zero_for_a_perfectly_calibrated_model():
    # confidence 0.8: 8 of 10 right; confidence 0.6: 3 of 5 right; confidence 1.0: all right
    y_proba = [[0.8, 0.2, 0.0]] * 10 + [[0.2, 0.6, 0.2]] * 5 + [[0.0, 0.0, 1.0]] * 4
    y_true = ["a"] * 8 + ["b", "c"] + ["b"] * 3 + ["a", "c"] + ["c"] * 4
    assert expected_calibration_error(y_true, y_proba) == pytest.approx(0.0, abs=1e-12)
    assert expected_calibration_error(y_true, y_proba, n_bins=3) == pytest.approx(0.0, abs=1e-12)


def test_ece_is_small_when_labels_are_drawn_from_the_probabilities():
    rng = np.random.default_rng(0)
    proba = rng.dirichlet([0.5, 0.5, 0.5], 20_000)
    y_true = (proba.cumsum(axis=1) < rng.random(20_000)[:, None]).sum(axis=1)
    assert expected_calibration_error(y_true, proba) < 0.02
    overconfident = proba**3 / (proba**3).sum(axis=1, keepdims=True)
    assert expected_calibration_error(y_true, overconfident) > 0.05


probability_rows = st.lists(
    st.tuples(st.integers(0, 2), st.lists(st.floats(0.01, 1.0), min_size=3, max_size=3), st.integers(1, 3)),
    min_size=1,
    max_size=30,
)


@settings(max_examples=50, deadline=None)
@given(rows=probability_rows, n_bins=st.integers(1, 15), seed=st.integers(0, 1000))
def test_ece_invariances(rows, n_bins, seed):
    labels = np.array(["p", "q", "r"])
    y_true = labels[[code for code, _, _ in rows]]
    raw = np.array([values for _, values, _ in rows])
    proba = raw / raw.sum(axis=1, keepdims=True)
    weights = np.array([w for _, _, w in rows], dtype=float)
    ece = expected_calibration_error(y_true, proba, n_bins=n_bins, labels=labels, sample_weight=weights)
    assert 0.0 <= ece <= 1.0
    order = np.random.default_rng(seed).permutation(len(rows))
    permuted = expected_calibration_error(
        y_true[order], proba[order], n_bins=n_bins, labels=labels, sample_weight=weights[order]
    )
    assert permuted == pytest.approx(ece, abs=1e-12)
    scaled = expected_calibration_error(y_true, proba, n_bins=n_bins, labels=labels, sample_weight=weights * 7.5)
    assert scaled == pytest.approx(ece, abs=1e-12)
    repeated = expected_calibration_error(
        np.repeat(y_true, weights.astype(int)), np.repeat(proba, weights.astype(int), axis=0),
        n_bins=n_bins, labels=labels,
    )
    assert repeated == pytest.approx(ece, abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(positive=st.lists(st.floats(0.0, 1.0), min_size=2, max_size=30), seed=st.integers(0, 100))
def test_ece_binary_one_column_equals_two_columns(positive, seed):
    positive = np.array(positive)
    y_true = np.where(np.random.default_rng(seed).random(len(positive)) < 0.5, "neg", "pos")
    labels = ["neg", "pos"]
    assert expected_calibration_error(y_true, positive, labels=labels) == pytest.approx(
        expected_calibration_error(y_true, np.column_stack([1 - positive, positive]), labels=labels)
    )


# --------------------------------------------------------------------------- #
# scorers
# --------------------------------------------------------------------------- #


def _imbalanced_problem(n_classes=2, n=420, seed=0):
    rng = np.random.default_rng(seed)
    if n_classes == 2:
        y = np.array(["common"] * (n // 21 * 20) + ["rare"] * (n // 21))
    else:
        y = np.array(["common"] * (n - 2 * (n // 21)) + ["rare"] * (n // 21) + ["odd"] * (n // 21))
    centres = {"common": 0.0, "rare": 1.5, "odd": -1.5}
    X = rng.normal(size=(len(y), 3)) + np.array([centres[label] for label in y])[:, None]
    return X, y


@pytest.mark.parametrize("n_classes", [2, 3])
def test_all_scorers_in_cross_validate_with_string_labels_at_20_to_1(n_classes):
    X, y = _imbalanced_problem(n_classes)
    result = cross_validate(
        LogisticRegression(), X, y, cv=StratifiedKFold(3), scoring=get_scorers(scorer_names()), error_score="raise"
    )
    for name in scorer_names():
        scores = result[f"test_{name}"]
        assert np.isfinite(scores).all(), name
        if name.startswith("neg_"):
            assert (scores <= 0).all(), name
        else:
            assert (scores >= -1).all() and (scores <= 1).all(), name


def test_scorers_agree_with_the_functions_on_a_fold():
    X, y = _imbalanced_problem(3)
    model = LogisticRegression().fit(X[::2], y[::2])
    X_test, y_test = X[1::2], y[1::2]
    proba, y_pred = model.predict_proba(X_test), model.predict(X_test)
    report = imbalanced_report(y_test, y_pred, proba, labels=model.classes_)
    scores = report.attrs["scores"]
    expected = {
        "gmean": scores["gmean"],
        "mcc": scores["mcc"],
        "balanced_accuracy": scores["balanced_accuracy"],
        "specificity": report.loc["macro avg", "specificity"],
        "f1_macro": report.loc["macro avg", "f1"],
        "average_precision_macro": scores["average_precision_macro"],
        "roc_auc_ovr": scores["roc_auc_ovr"],
        "neg_brier_score": -scores["brier"],
        "neg_ece": -scores["ece"],
        "neg_log_loss": -scores["log_loss"],
    }
    for name, value in expected.items():
        assert get_scorer(name)(model, X_test, y_test) == pytest.approx(value), name
    # the same numbers as scikit-learn's scorers of the same name when every class is present
    for name in ("neg_log_loss", "roc_auc_ovr", "balanced_accuracy", "f1_macro"):
        assert get_scorer(name)(model, X_test, y_test) == pytest.approx(
            sklearn.metrics.get_scorer(name)(model, X_test, y_test)
        ), name


def test_scorers_survive_a_fold_without_a_class():
    X, y = _imbalanced_problem(3)
    model = LogisticRegression().fit(X, y)
    lacks_odd = y != "odd"
    for name in scorer_names():
        value = get_scorer(name)(model, X[lacks_odd], y[lacks_odd])
        assert np.isfinite(value), name
    expected = -log_loss(y[lacks_odd], model.predict_proba(X[lacks_odd]), labels=model.classes_)
    assert get_scorer("neg_log_loss")(model, X[lacks_odd], y[lacks_odd]) == pytest.approx(expected)


def test_scorers_in_grid_search_with_string_labels():
    X, y = _imbalanced_problem(2)
    search = GridSearchCV(
        LogisticRegression(),
        {"C": [0.01, 1.0], "class_weight": [None, "balanced"]},
        scoring=get_scorers(["gmean", "neg_ece", "average_precision_macro"]),
        refit="gmean",
        cv=StratifiedKFold(3),
        error_score="raise",
    ).fit(X, y)
    means = search.cv_results_["mean_test_gmean"]
    assert search.best_score_ == pytest.approx(means.max())
    assert search.best_params_["class_weight"] == "balanced"  # at 20:1 balancing finds the rare class
    single = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, scoring=get_scorer("neg_brier_score"), cv=3)
    assert single.fit(X, y).best_score_ <= 0


def test_probability_scorer_receives_routed_sample_weight():
    X, y = _imbalanced_problem(2)
    weights = np.random.default_rng(1).random(len(y)) * 4
    train, test = np.arange(0, len(y), 2), np.arange(1, len(y), 2)
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = get_scorer("neg_ece").set_score_request(sample_weight=True)
        result = cross_validate(
            LogisticRegression().set_fit_request(sample_weight=True),
            X, y, cv=[(train, test)], scoring={"ece": scorer}, params={"sample_weight": weights},
        )
    model = LogisticRegression().fit(X[train], y[train], sample_weight=weights[train])
    expected = -expected_calibration_error(y[test], model.predict_proba(X[test]), sample_weight=weights[test])
    assert result["test_ece"][0] == pytest.approx(expected)
    unweighted = -expected_calibration_error(y[test], model.predict_proba(X[test]))
    assert expected != pytest.approx(unweighted)


def test_get_scorer_falls_through_to_sklearn():
    X, y = _imbalanced_problem(2)
    model = LogisticRegression().fit(X, y)
    for name in ("accuracy", "roc_auc", "recall_macro"):
        assert get_scorer(name)(model, X, y) == sklearn.metrics.get_scorer(name)(model, X, y)
    assert get_scorer("accuracy")(model, X, y) == pytest.approx((model.predict(X) == y).mean())


def test_get_scorers_forms():
    def custom(estimator, X, y):
        return 0.0

    assert list(get_scorers("mcc")) == ["mcc"]
    assert list(get_scorers(("gmean", "accuracy"))) == ["gmean", "accuracy"]
    scorers = get_scorers({"mine": custom, "pr": "average_precision_macro"})
    assert scorers["mine"] is custom and repr(scorers["pr"]) == "datafix.metrics.get_scorer('average_precision_macro')"
    assert get_scorers(custom) == {"score": custom}


def test_scorer_names_sorted_and_complete():
    names = scorer_names()
    assert names == sorted(names)
    assert set(names) == {
        "gmean", "specificity", "mcc", "balanced_accuracy", "average_precision_macro", "roc_auc_ovr",
        "neg_brier_score", "neg_ece", "neg_log_loss", "f1_macro",
    }


# --------------------------------------------------------------------------- #
# bad input: one-line errors naming the argument and the fix
# --------------------------------------------------------------------------- #


def _raises(match, function, *args, **kwargs):
    with pytest.raises(ValueError, match=match) as info:
        function(*args, **kwargs)
    assert "\n" not in str(info.value)
    return str(info.value)


def test_mismatched_lengths():
    _raises("y_true and y_pred have different lengths .3 and 2.", imbalanced_report, [0, 1, 0], [0, 1])
    _raises("y_true and y_pred have different lengths", specificity_score, [0, 1, 0], [0, 1])
    _raises("sample_weight has 2 weights but y_true has 3", geometric_mean_score, [0, 1, 0], [0, 1, 0],
            sample_weight=[1, 1])
    _raises("y_proba has 2 rows but y_true has 3", expected_calibration_error, [0, 1, 0], [[0.5, 0.5]] * 2)


def test_nan_labels():
    _raises("y_true has 1 missing labels", imbalanced_report, [0.0, np.nan, 1.0], [0, 1, 1])
    _raises("y_pred has 1 missing labels", specificity_score, ["a", "b"], ["a", None])
    _raises("y_true has 1 missing labels", expected_calibration_error, [0, np.nan], [[0.5, 0.5]] * 2)


@pytest.mark.parametrize(
    ("y_proba", "match"),
    [
        ([[0.5, 0.5, 0.0]] * 3, r"y_proba has 3 columns but there are 2 classes in y_true \(\['x', 'y'\]\); pass labels=estimator.classes_"),
        ([[[0.5, 0.5]]] * 3, "y_proba must be 1-D .* or 2-D"),
        ([[0.5, 0.6]] * 3, "y_proba rows must sum to 1, but 3 rows do not"),
        ([[1.5, -0.5]] * 3, r"y_proba has values outside \[0, 1\]"),
        ([[np.nan, 1.0]] * 3, "y_proba has NaN"),
        ([["a", "b"]] * 3, "y_proba must be numeric"),
    ],
)
def test_bad_probabilities(y_proba, match):
    _raises(match, expected_calibration_error, ["x", "y", "x"], y_proba)
    _raises(match.replace("in y_true", "in y_true and y_pred"), imbalanced_report, ["x", "y", "x"],
            ["x", "y", "y"], y_proba)


def test_one_dimensional_probabilities_need_two_classes():
    _raises("y_proba is 1-D .* needs exactly 2 classes, but there are 3 in y_true", expected_calibration_error,
            ["a", "b", "c"], [0.2, 0.5, 0.9])
    _raises("labels=\\[negative, positive\\]", expected_calibration_error, ["a", "a"], [0.2, 0.9])
    assert np.isfinite(expected_calibration_error(["a", "a"], [0.2, 0.9], labels=["a", "b"]))


def test_labels_must_cover_the_data():
    _raises(r"y_true has labels that are not in labels \(\['c'\]\)", expected_calibration_error,
            ["a", "c"], [[0.5, 0.5]] * 2, labels=["a", "b"])
    _raises(r"y_pred has labels that are not in labels", imbalanced_report, ["a", "b"], ["a", "c"],
            labels=["a", "b"])
    _raises("labels has repeated classes", imbalanced_report, ["a", "b"], ["a", "b"], labels=["a", "b", "a"])


def test_bad_options():
    _raises("average must be one of", specificity_score, [0, 1], [0, 1], average="micro")
    _raises("average must be one of", geometric_mean_score, [0, 1], [0, 1], average="samples")
    _raises("average='binary' needs at most 2 classes", specificity_score, [0, 1, 2], [0, 1, 2], average="binary")
    _raises("pos_label='yes' is not one of the classes", specificity_score, ["a", "b"], ["a", "b"],
            average="binary", pos_label="yes")
    _raises("n_bins must be a positive integer", expected_calibration_error, [0, 1], [0.3, 0.6], n_bins=0)
    _raises("n_bins must be a positive integer", expected_calibration_error, [0, 1], [0.3, 0.6], n_bins=2.5)
    _raises("cannot be compared as class labels", imbalanced_report, ["a", "b"], [0, 1])


def test_unknown_scoring():
    message = _raises("unknown scoring name 'g_mean'", get_scorer, "g_mean")
    assert "gmean" in message and "sklearn.metrics.get_scorer_names()" in message
    _raises("unknown scoring name", get_scorers, ["gmean", "nope"])
    _raises("scoring lists \\['gmean'\\] more than once", get_scorers, ["gmean", "gmean"])
    _raises("scoring is an empty list", get_scorers, [])
    _raises("scoring must be a name, a list or tuple of names", get_scorers, 3)
    _raises("scoring must be a name", get_scorers, None)
    _raises("a scoring list must hold names", get_scorers, ["gmean", len])
    _raises(r"scoring\['x'\] must be a scoring name or a scorer callable", get_scorers, {"x": 3})
    _raises("scoring name must be a string", get_scorer, 3)


def test_probability_scorer_needs_predict_proba():
    from sklearn.svm import LinearSVC

    X, y = _imbalanced_problem(2)
    model = LinearSVC().fit(X, y)
    _raises("scoring 'neg_ece' needs a fitted classifier with classes_ and predict_proba", get_scorer("neg_ece"),
            model, X, y)


def test_scorers_pickle_for_parallel_cross_validation():
    import pickle

    X, y = _imbalanced_problem(3)
    model = LogisticRegression().fit(X, y)
    for name in scorer_names():
        scorer = get_scorer(name)
        assert pickle.loads(pickle.dumps(scorer))(model, X, y) == pytest.approx(scorer(model, X, y)), name
