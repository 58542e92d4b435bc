"""The README's example: the committed CSV is what the script writes, and the audit finds the injected problems."""

import importlib.util
import os

import numpy as np
import pandas as pd
import pytest

import datafix as dfx

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "examples", "data", "make_example_data.py")
WINE = os.path.join(ROOT, "examples", "data", "wine.csv")


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("make_example_data", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_csv_is_what_the_script_writes(example, tmp_path):
    path = tmp_path / "wine.csv"
    example.main(str(path))
    with open(WINE, "rb") as committed:
        assert path.read_bytes() == committed.read()


def test_the_audit_finds_the_injected_problems(example):
    _, injected = example.make_wine_example()
    report = dfx.audit(pd.read_csv(WINE), "cultivar", random_state=0,
                       checks=["duplicates", "conflicting_labels", "missing", "class_imbalance", "label"])
    assert sorted(report.flagged("missing")) == sorted(injected["missing"])
    assert sorted(report.flagged("conflicting_labels")) == sorted(injected["conflicting"])
    duplicates = report.issues.loc[injected["duplicate_copy"] + injected["duplicate_original"], "duplicates_group"]
    assert (duplicates >= 0).all() and report.results["duplicates"].issues == 4
    found = set(report.flagged("label"))
    flipped = set(injected["flipped"])
    assert len(found & flipped) >= 6, (found, flipped)
    assert len(found - flipped - set(injected["conflicting"])) <= 4
    assert report.results["class_imbalance"].details["imbalance_ratio"] > 3


def test_recommended_pipeline_fits_and_removes_what_was_found():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline as sklearn_pipeline
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import StandardScaler

    frame = pd.read_csv(WINE)
    report = dfx.audit(frame, "cultivar", random_state=0)
    assert {r["fix"] for r in report.recommendations() if r["fix"]} == {"DuplicateRemover", "LabelCleaner",
                                                                        "ClassWeighter"}
    model = sklearn_pipeline(SimpleImputer(), StandardScaler(), LogisticRegression(max_iter=500))
    pipeline = report.recommend(model, validate=False, random_state=0)
    X, y = frame.drop(columns="cultivar"), frame["cultivar"]
    pipeline.fit(X, y)
    assert [name for name, _ in pipeline.steps[1:4]] == ["duplicateremover", "labelcleaner", "classweighter"]
    assert pipeline.named_steps["duplicateremover"].n_duplicates_ == report.results["duplicates"].issues
    X_fixed, y_fixed, weights = pipeline[:4].fit_resample(X, y)  # the imputer and the three fixes
    assert len(X_fixed) < len(X) - report.results["duplicates"].issues
    assert np.isclose(pd.Series(weights).groupby(y_fixed.to_numpy()).sum().std(), 0, atol=1e-6)
