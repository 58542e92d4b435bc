"""DuplicateRemover: the fix for what the duplicates and conflicting_labels checks report."""

import numpy as np
import pandas as pd
import pytest

import datafix as dfx


@pytest.fixture
def dirty(mixed_frame):
    rng = np.random.default_rng(5)
    copies = mixed_frame.iloc[rng.choice(len(mixed_frame), 15, replace=False)]
    conflicts = mixed_frame.iloc[rng.choice(len(mixed_frame), 6, replace=False)].copy()
    conflicts["label"] = np.where(conflicts["label"] == "low", "high", "low")
    frame = pd.concat([mixed_frame, copies, conflicts]).reset_index(drop=True)
    return frame.drop(columns="label"), frame["label"]


@pytest.mark.parametrize("conflicts", ["majority", "drop", "keep"])
def test_after_removal_the_audit_finds_no_copies(dirty, conflicts):
    X, y = dirty
    X_out, y_out = dfx.DuplicateRemover(conflicts=conflicts).fit_resample(X, y)
    report = dfx.audit(X_out, y=y_out, checks=["duplicates", "conflicting_labels"])
    assert report.results["duplicates"].issues == 0
    remaining_conflicts = report.results["conflicting_labels"].issues
    assert (remaining_conflicts == 0) if conflicts != "keep" else (remaining_conflicts > 0)


def test_counts_agree_with_the_audit(dirty):
    X, y = dirty
    report = dfx.audit(X, y=y, checks=["duplicates", "conflicting_labels"])
    fix = dfx.DuplicateRemover(conflicts="keep").fit(X, y)
    assert fix.n_duplicates_ == report.results["duplicates"].issues
    assert fix.n_conflicting_ == report.results["conflicting_labels"].issues
    assert len(fix.source_indices_) == len(X) - fix.n_duplicates_


def test_majority_keeps_the_most_common_label_and_the_first_on_ties():
    X = np.array([[1.0]] * 5 + [[2.0]] * 2 + [[3.0]])
    y = np.array(["b", "a", "a", "b", "a", "z", "y", "q"])
    fix = dfx.DuplicateRemover()
    _, y_out = fix.fit_resample(X, y)
    assert list(y_out) == ["a", "z", "q"]
    assert list(fix.source_indices_) == [1, 5, 7]


def test_pandas_index_and_weights_follow_the_kept_rows(dirty):
    X, y = dirty
    weights = np.arange(1, len(y) + 1, dtype=float)
    X_out, y_out, w_out = dfx.DuplicateRemover().fit_resample(X, y, sample_weight=weights)
    assert X_out.index.equals(y_out.index)
    np.testing.assert_array_equal(w_out, weights[X_out.index.to_numpy()])
    assert X_out.index.is_unique


def test_bad_parameter_is_a_clear_error():
    with pytest.raises(ValueError, match="conflicts"):
        dfx.DuplicateRemover(conflicts="vote").fit_resample(np.zeros((4, 1)), [0, 1, 0, 1])
