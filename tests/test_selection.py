"""compare_fixes and FixComparison: same folds, paired verdicts, failures reported, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import SMOTE
from imblearn.under_sampling import RandomUnderSampler
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.tree import DecisionTreeClassifier

import datafix as dfx
from datafix.selection import paired_interval


@pytest.fixture(scope="module")
def imbalanced():
    X, y = make_classification(n_samples=600, n_features=6, weights=[0.95], class_sep=0.8, random_state=0)
    return X, np.where(y == 1, "rare ", "common")  # string labels, one with a stray space


@pytest.fixture(scope="module")
def comparison(imbalanced):
    X, y = imbalanced
    return dfx.compare_fixes(
        {"none": [], "weights": dfx.ClassWeighter(), "undersample": RandomUnderSampler(random_state=0),
         "broken": SMOTE(k_neighbors=10_000)},
        X, y, estimator=LogisticRegression(), random_state=0)


def test_every_candidate_is_scored_on_the_same_folds(comparison):
    folds = comparison.scores.groupby("candidate")["fold"].unique()
    assert comparison.n_folds == 10
    for name in ("none", "weights", "undersample"):
        assert sorted(folds[name]) == list(range(10))
    assert set(comparison.summary.index) == {"none", "weights", "undersample", "broken"}


def test_class_weights_help_balanced_accuracy_at_20_to_1(comparison):
    summary = comparison.summary
    assert summary.loc["weights", "verdict"] == "helps"
    assert summary.loc["weights", "ci_low"] > 0
    assert summary.loc["weights", "balanced_accuracy"] > summary.loc["none", "balanced_accuracy"]
    assert summary.loc["weights", "minority_recall"] > summary.loc["none", "minority_recall"]
    assert comparison.best_ in {"weights", "undersample"}
    assert summary.loc["none", "verdict"] == "baseline"


def test_a_failing_candidate_is_reported_not_fatal(comparison):
    row = comparison.summary.loc["broken"]
    assert row["status"] == "failed" and row["verdict"] == "failed"
    assert "n_neighbors" in row["error"]
    assert "broken failed" in repr(comparison)
    assert comparison.best_ != "broken"


def test_differences_are_paired_per_fold(comparison):
    table = comparison.scores[comparison.scores["score"] == "balanced_accuracy"].pivot(
        index="fold", columns="candidate", values="value")
    expected = (table["weights"] - table["none"]).mean()
    assert comparison.summary.loc["weights", "difference"] == pytest.approx(expected)


def test_scores_are_those_of_the_unfixed_validation_rows(imbalanced):
    # with a fixed split, the baseline's fold score equals the model fitted and scored by hand
    X, y = imbalanced
    cv = StratifiedKFold(2, shuffle=True, random_state=3)
    result = dfx.compare_fixes({"under": RandomUnderSampler(random_state=0)}, X, y,
                               estimator=LogisticRegression(), cv=cv, scoring="balanced_accuracy",
                               preprocessing=None)
    from sklearn.metrics import balanced_accuracy_score

    train, test = next(cv.split(X, y))
    X_under, y_under = RandomUnderSampler(random_state=0).fit_resample(X[train], y[train])
    by_hand = balanced_accuracy_score(y[test], LogisticRegression().fit(X_under, y_under).predict(X[test]))
    got = result.scores.query("candidate == 'under' and fold == 0 and score == 'balanced_accuracy'")["value"]
    assert got.item() == pytest.approx(by_hand)


def test_baseline_is_added_when_missing_and_best_pipeline_is_unfitted(imbalanced):
    X, y = imbalanced
    result = dfx.compare_fixes({"weights": dfx.ClassWeighter()}, X, y, estimator=LogisticRegression(),
                               scoring=["balanced_accuracy", "gmean"], cv=3)
    assert result.baseline == "none" and list(result.summary.index) == ["none", "weights"]
    pipeline = result.best_pipeline()
    assert not hasattr(pipeline.steps[-1][1], "coef_")
    assert pipeline.fit(X, y).predict(X[:3]).shape == (3,)
    with pytest.raises(ValueError, match="no candidate 'nope'"):
        result.pipeline("nope")


def test_nothing_helps_on_balanced_data_so_the_baseline_wins():
    X, y = make_classification(n_samples=300, n_features=5, random_state=4)
    result = dfx.compare_fixes({"none": [], "weights": dfx.ClassWeighter()}, X, y, estimator=LogisticRegression(),
                               scoring="balanced_accuracy")
    assert result.best_ == "none"
    assert result.summary.loc["weights", "verdict"] == "no clear difference"


def test_raw_frame_with_strings_missing_and_inf_is_preprocessed():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "size": rng.normal(size=300) * 1000,
        "colour": rng.choice(["red", "blue", None], size=300),
        "constant": 1,
    })
    frame.loc[::17, "size"] = np.nan
    frame.loc[5, "size"] = np.inf
    y = np.where(frame["size"].fillna(0) > 1200, "big", "small")
    before = frame.copy()
    result = dfx.compare_fixes({"weights": dfx.ClassWeighter(), "smote": SMOTE(k_neighbors=3, random_state=0)},
                               frame, y, estimator=LogisticRegression(), scoring="balanced_accuracy")
    pd.testing.assert_frame_equal(frame, before)  # the caller's data is untouched
    assert (result.summary.loc[["none", "weights"], "status"] == "ok").all()


def test_sample_weight_reaches_fit_and_scores(imbalanced):
    X, y = imbalanced
    weights = np.ones(len(y))
    unweighted = dfx.compare_fixes({"w": dfx.ClassWeighter()}, X, y, estimator=LogisticRegression(),
                                   scoring="balanced_accuracy", cv=3)
    weighted = dfx.compare_fixes({"w": dfx.ClassWeighter()}, X, y, estimator=LogisticRegression(),
                                 scoring="balanced_accuracy", cv=3, sample_weight=weights)
    pd.testing.assert_frame_equal(unweighted.scores, weighted.scores)
    weights[y == "common"] = 3.0
    changed = dfx.compare_fixes({"w": dfx.ClassWeighter()}, X, y, estimator=LogisticRegression(),
                                scoring="balanced_accuracy", cv=3, sample_weight=weights)
    assert not np.allclose(changed.scores["value"], unweighted.scores["value"])


def test_parallel_folds_give_the_same_result(imbalanced):
    X, y = imbalanced
    kwargs = dict(estimator=DecisionTreeClassifier(random_state=0), scoring="balanced_accuracy", cv=3)
    one = dfx.compare_fixes({"w": dfx.ClassWeighter()}, X, y, n_jobs=1, **kwargs)
    two = dfx.compare_fixes({"w": dfx.ClassWeighter()}, X, y, n_jobs=2, **kwargs)
    pd.testing.assert_frame_equal(one.scores, two.scores)


def test_verbose_progress_goes_to_stderr(imbalanced, capsys):
    X, y = imbalanced
    dfx.compare_fixes({"w": dfx.ClassWeighter()}, X, y, estimator=LogisticRegression(), scoring="balanced_accuracy",
                      cv=2, verbose=True)
    captured = capsys.readouterr()
    assert captured.out == "" and "datafix compare_fixes: done" in captured.err and "4/4" in captured.err


def test_renderers(comparison, tmp_path):
    document = json.loads(comparison.to_json(tmp_path / "c.json"))
    assert document["best"] == comparison.best_ and document["baseline"] == "none"
    assert {row["candidate"] for row in document["summary"]} == set(comparison.summary.index)
    assert json.loads((tmp_path / "c.json").read_text()) == document
    page = comparison.to_html(tmp_path / "c.html")
    assert page.count("<img") == 2 and "data:image/png;base64," in page  # distributions and radar chart
    assert "Does the fix help?" in page and "broken" in page
    assert "<img" not in comparison._repr_html_()


def test_paired_interval_matches_the_corrected_resampled_t_formula():
    differences = np.array([0.02, 0.05, 0.01, 0.04, 0.03, 0.02, 0.06, 0.00, 0.03, 0.04])
    mean, low, high = paired_interval(differences, 1.0, 0.95)
    from scipy import stats

    half = stats.t.ppf(0.975, 9) * np.sqrt((1 / 10 + 1.0) * differences.var(ddof=1))
    assert mean == pytest.approx(differences.mean())
    assert (low, high) == pytest.approx((mean - half, mean + half))
    assert paired_interval([0.1], 1.0)[1:] == (-np.inf, np.inf)


@pytest.mark.parametrize("kwargs, message", [
    ({"scoring": "no_such_score"}, "no_such_score"),
    ({"cv": 50}, "cv=50 needs at least 50"),
    ({"cv": 1}, "cv must be at least 2"),
    ({"confidence": 1.5}, "confidence must be between 0 and 1"),
    ({"baseline": "missing"}, "baseline 'missing' is not a candidate"),
    ({"preprocessing": "magic"}, "preprocessing must be 'auto'"),
])
def test_bad_arguments_get_one_line_errors(imbalanced, kwargs, message):
    X, y = imbalanced
    with pytest.raises(ValueError, match=message) as error:
        dfx.compare_fixes({"w": dfx.ClassWeighter()}, X, y, estimator=LogisticRegression(), **kwargs)
    assert "\n" not in str(error.value)


def test_bad_data_gets_clear_errors(imbalanced):
    X, y = imbalanced
    model = LogisticRegression()
    with pytest.raises(ValueError, match="only one class"):
        dfx.compare_fixes({"w": dfx.ClassWeighter()}, X, np.zeros(len(X)), estimator=model)
    with pytest.raises(ValueError, match="different lengths"):
        dfx.compare_fixes({"w": dfx.ClassWeighter()}, X, y[:-1], estimator=model)
    with pytest.raises(ValueError, match="missing labels"):
        dfx.compare_fixes({"w": dfx.ClassWeighter()}, X, np.where(np.arange(len(y)) == 3, None, y), estimator=model)
    with pytest.raises(ValueError, match="non-empty dict"):
        dfx.compare_fixes({}, X, y, estimator=model)
    with pytest.raises(ValueError, match="neither a fix"):
        dfx.compare_fixes({"odd": [object()]}, X, y, estimator=model)
    tiny = np.array(["a"] * 20 + ["b"])
    with pytest.raises(ValueError, match="class 'b' has a single row"):
        dfx.compare_fixes({"w": dfx.ClassWeighter()}, X[:21], tiny, estimator=model)


def test_a_fix_that_costs_the_smallest_class_is_never_best():
    from datafix.selection import FixComparison

    rng = np.random.default_rng(0)
    candidates = {"none": [], "trade": [dfx.ClassWeighter()], "fair": [dfx.ClassWeighter("inverse_sqrt")]}
    tasks, results = [], []
    for name, (gain, minority_change) in {"none": (0, 0), "trade": (0.10, -0.01), "fair": (0.05, 0.0)}.items():
        for fold in range(10):
            tasks.append((name, fold))
            results.append({"scores": {"balanced_accuracy": 0.7 + gain + rng.normal(scale=0.002),
                                       "minority_recall": 0.5 + minority_change},
                            "fit_time": 0.1, "score_time": 0.01})
    comparison = FixComparison._from_results(
        candidates, {name: dfx.make_pipeline(LogisticRegression()) for name in candidates}, tasks, results,
        baseline="none", score_names=["balanced_accuracy"], confidence=0.95, test_fraction=1.0, corrected=False,
        elapsed=1.0)
    assert comparison.summary.loc["trade", "verdict"] == "helps"  # better on average ...
    assert comparison.summary.loc["trade", "balanced_accuracy"] > comparison.summary.loc["fair", "balanced_accuracy"]
    assert comparison.best_ == "fair"  # ... but it costs the smallest class, so the fair fix wins
