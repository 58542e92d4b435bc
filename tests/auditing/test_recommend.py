"""The validated recommend(): fits the raw frame, keeps only fixes that help, never measurably worse."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier

import datafix as dfx
from datafix.auditing.recommend import candidate_fixes, smote_for
from datafix.cli import main


def _raw_imbalanced_frame(n=800, seed=0):
    """Strings, missing values, inf, a constant column, duplicates, unscaled numbers, 20:1 imbalance."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "income": rng.normal(50_000, 15_000, size=n),
        "age": rng.integers(18, 90, size=n).astype(float),
        "city": rng.choice(["paris", "lyon", "nice", None], size=n),
        "constant": "x",
    })
    risk = (frame["income"] - 50_000) / 15_000 + (frame["city"] == "nice") * 1.5 + rng.normal(scale=0.6, size=n)
    frame["default"] = np.where(risk > np.quantile(risk, 0.95), "yes", "no")
    frame.loc[rng.choice(n, 40, replace=False), "income"] = np.nan
    frame.loc[3, "age"] = np.inf
    return pd.concat([frame, frame.iloc[:10]], ignore_index=True)


@pytest.fixture(scope="module")
def raw():
    return _raw_imbalanced_frame()


@pytest.fixture(scope="module")
def validated(raw):
    report = dfx.audit(raw, "default", checks=["class_imbalance", "duplicates"], random_state=0)
    pipeline = report.recommend(LogisticRegression(max_iter=1000), random_state=0)
    return report, pipeline


def test_recommended_pipeline_fits_the_raw_frame_the_audit_accepted(raw, validated):
    report, pipeline = validated
    before = raw.copy()
    X, y = raw.drop(columns="default"), raw["default"]
    predictions = pipeline.fit(X, y).predict(X)
    assert set(predictions) <= {"yes", "no"}
    pd.testing.assert_frame_equal(raw, before)


def test_comparison_is_attached_and_the_best_candidate_is_returned(validated):
    report, pipeline = validated
    comparison = report.comparison
    assert comparison is not None and comparison.baseline == "none"
    assert {"class_weights", "random_oversample", "random_undersample", "smote", "deduplicate"} <= set(
        comparison.summary.index)
    assert comparison.summary.loc["smote", "fixes"] == "SMOTENC"  # mixed numeric and text columns
    expected = comparison.best_pipeline()
    assert [type(step).__name__ for _, step in pipeline.steps] == [type(step).__name__ for _, step in expected.steps]
    # at 20:1 with a learnable minority, re-balancing beats the model alone
    assert comparison.best_ != "none"
    assert comparison.summary.loc[comparison.best_, "verdict"] == "helps"


def test_recommended_pipeline_is_not_worse_than_the_baseline_on_other_folds(raw, validated):
    report, pipeline = validated
    X, y = raw.drop(columns="default"), raw["default"]
    folds = StratifiedKFold(5, shuffle=True, random_state=123)  # not the folds the choice was made on
    chosen = cross_val_score(pipeline, X, y, cv=folds, scoring="balanced_accuracy").mean()
    baseline = cross_val_score(report.comparison.pipeline("none"), X, y, cv=folds, scoring="balanced_accuracy").mean()
    assert chosen >= baseline - 0.01


def test_the_reports_render_the_comparison(validated, tmp_path):
    report, _ = validated
    page = report.to_html(tmp_path / "r.html")
    assert 'id="fix-comparison"' in page and "Does the fix help?" in page
    document = json.loads(report.to_json())
    assert document["comparison"]["best"] == report.comparison.best_
    assert "## Does the fix help?" in report.to_markdown()
    assert "FixComparison" in repr(report)


def test_heuristic_path_keeps_every_fix_and_adds_preprocessing(raw):
    report = dfx.audit(raw, "default", checks=["class_imbalance", "duplicates"], random_state=0)
    pipeline = report.recommend(LogisticRegression(), validate=False)
    names = [type(step).__name__ for _, step in pipeline.steps]
    assert names == ["ColumnTransformer", "DuplicateRemover", "ClassWeighter", "ColumnTransformer",
                     "LogisticRegression"]
    assert report.comparison is None
    pipeline.fit(raw.drop(columns="default"), raw["default"])


def test_candidates_follow_the_findings_and_the_model():
    frame = pd.DataFrame({"x": np.arange(60.0), "colour": ["a", "b"] * 30, "y": [0] * 54 + [1] * 6})
    X, y = frame[["x", "colour"]], frame["y"]
    with_weights = candidate_fixes({"class_imbalance", "label"}, X, y, LogisticRegression(), random_state=0)
    assert list(with_weights) == ["none", "class_weights", "random_oversample", "random_undersample", "smote",
                                  "labels_drop", "labels_relabel", "labels_downweight",
                                  "labels_downweight+class_weights"]
    assert with_weights["smote"][0].k_neighbors == 2  # 3 minority rows in a training fold
    assert with_weights["labels_drop"][0].cv == 3
    without = candidate_fixes({"class_imbalance", "label"}, X, y, KNeighborsClassifier(), random_state=0)
    assert "class_weights" not in without and "labels_downweight" not in without
    tiny = pd.Series([0] * 57 + [1] * 3)
    assert "smote" not in candidate_fixes({"class_imbalance"}, X, tiny)  # one minority row a fold
    assert list(candidate_fixes(set(), X, y)) == ["none"]


def test_smote_variant_follows_the_column_kinds():
    assert type(smote_for(np.zeros((3, 2)), 2, 0)).__name__ == "SMOTE"
    assert type(smote_for(pd.DataFrame({"a": ["x"]}), 2, 0)).__name__ == "SMOTEN"
    assert smote_for(pd.DataFrame({"a": [1.0], "b": ["x"]}), 2, 0).categorical_features == ["b"]


def test_validate_needs_an_estimator_and_labelled_data(raw):
    report = dfx.audit(raw, "default", checks=["class_imbalance"])
    with pytest.raises(ValueError, match="validate=True needs estimator="):
        report.recommend(validate=True)
    unlabelled = dfx.audit(raw.drop(columns="default"), checks=["missing"])
    with pytest.raises(ValueError, match="no labelled data"):
        unlabelled.recommend(LogisticRegression())


def test_cli_compare_prints_the_table_and_writes_reports(tmp_path, capsys):
    path = tmp_path / "data.csv"
    _raw_imbalanced_frame(400, seed=1).to_csv(path, index=False)
    code = main(["compare", str(path), "--target", "default", "--scoring", "balanced_accuracy", "gmean",
                 "--html", str(tmp_path / "c.html"), "--json", str(tmp_path / "c.json"), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    assert "FixComparison" in out and "class_weights" in out and "best:" in out
    document = json.loads((tmp_path / "c.json").read_text())
    assert document["primary_score"] == "balanced_accuracy"
    assert "<img" in (tmp_path / "c.html").read_text()


def test_cli_audit_validate_puts_the_comparison_in_the_report(tmp_path, capsys):
    path = tmp_path / "data.csv"
    _raw_imbalanced_frame(300, seed=2).to_csv(path, index=False)
    code = main(["audit", str(path), "--target", "default", "--checks", "class_imbalance", "--validate",
                 "--scoring", "balanced_accuracy", "--json", str(tmp_path / "a.json"), "--quiet"])
    assert code == 0
    assert json.loads((tmp_path / "a.json").read_text())["comparison"]["baseline"] == "none"


def test_cli_rejects_an_unknown_score_before_any_work(tmp_path, capsys):
    path = tmp_path / "data.csv"
    _raw_imbalanced_frame(100, seed=3).to_csv(path, index=False)
    assert main(["compare", str(path), "--target", "default", "--scoring", "accuracyy", "--quiet"]) == 2
    error = capsys.readouterr().err
    assert "accuracyy" in error and error.count("\n") == 1
