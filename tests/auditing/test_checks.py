"""Each check against an independent computation (pandas, brute force) on data with planted problems."""

import numpy as np
import pandas as pd
import pytest

import datafix as dfx
from datafix.auditing import CHECKS, Check, register_check
from datafix._tabular import column_kinds, encode_features, row_hashes


def run(frame, check, target="label", **kwargs):
    return dfx.audit(frame, target, checks=[check], **kwargs)


def test_registry_lists_every_check_once_in_report_order():
    assert list(CHECKS) == [
        "class_imbalance", "label", "duplicates", "conflicting_labels", "near_duplicates",
        "outliers", "missing", "train_test_leakage", "target_leakage",
    ]
    for name, cls in CHECKS.items():
        assert cls.name == name and issubclass(cls, Check) and cls.title


def test_register_check_rejects_a_nameless_class():
    with pytest.raises(TypeError, match="identifier"):
        register_check(type("Bad", (Check,), {"name": "not a name"}))


def test_every_row_check_emits_the_standard_columns(mixed_frame):
    report = dfx.audit(mixed_frame, "label", checks=["class_imbalance", "duplicates", "conflicting_labels",
                                                     "near_duplicates", "outliers", "missing"])
    for name in report.summary["check"]:
        flag, score = report.issues[f"is_{name}_issue"], report.issues[f"{name}_score"]
        assert flag.dtype == bool
        assert score.between(0, 1).all(), name
        assert int(flag.sum()) == int(report.summary.set_index("check").loc[name, "issues"])


def test_duplicates_agree_with_pandas(mixed_frame):
    frame = pd.concat([mixed_frame, mixed_frame.iloc[[1, 2, 2, 7]]])
    report = run(frame, "duplicates")
    expected = frame.reset_index(drop=True).duplicated(keep="first").to_numpy()
    np.testing.assert_array_equal(report.issues["is_duplicates_issue"].to_numpy(), expected)
    groups = report.issues["duplicates_group"]
    assert groups[groups >= 0].nunique() == 3


def test_duplicates_compare_numbers_by_value_and_missing_as_equal():
    frame = pd.DataFrame({"x": [1.0, 1.0, np.nan, np.nan, 2.0], "c": ["a", "a", None, None, "b"], "y": [0, 0, 1, 1, 1]})
    report = run(frame, "duplicates", target="y")
    assert list(report.flagged("duplicates")) == [1, 3]


def test_same_features_different_label_is_a_conflict_not_a_duplicate():
    frame = pd.DataFrame({"x": [1, 1, 1, 2, 3, 4], "y": ["a", "a", "b", "a", "b", "b"]})
    report = dfx.audit(frame, "y", checks=["duplicates", "conflicting_labels"])
    assert list(report.flagged("duplicates")) == [1]
    assert list(report.flagged("conflicting_labels")) == [0, 1, 2]
    conflict = report.issues.loc[[0, 1, 2]]
    np.testing.assert_allclose(conflict["conflicting_labels_score"], [2 / 3, 2 / 3, 1 / 3])
    assert set(conflict["conflicting_labels_majority"]) == {"a"}
    assert (report.issues.loc[[3, 4, 5], "conflicting_labels_group"] == -1).all()


def test_conflicts_agree_with_a_groupby(mixed_frame):
    rng = np.random.default_rng(1)
    copies = mixed_frame.iloc[rng.choice(len(mixed_frame), 20, replace=False)].copy()
    copies["label"] = np.where(copies["label"] == "high", "low", "high")
    frame = pd.concat([mixed_frame, copies]).reset_index(drop=True)
    report = run(frame, "conflicting_labels")
    features = frame.drop(columns="label").astype(str)
    labels_per_group = frame.groupby([features[c] for c in features.columns], dropna=False)["label"].transform("nunique")
    np.testing.assert_array_equal(report.issues["is_conflicting_labels_issue"].to_numpy(), labels_per_group.to_numpy() > 1)


def test_missing_counts_agree_with_isna(mixed_frame):
    frame = mixed_frame.assign(constant=7, serial=np.arange(len(mixed_frame)).astype(str))
    frame["mixed"] = pd.Series([1, "x"] * (len(frame) // 2), index=frame.index, dtype=object)
    report = run(frame, "missing")
    features = frame.drop(columns="label")
    np.testing.assert_array_equal(report.issues["missing_cells"].to_numpy(), features.isna().sum(axis=1).to_numpy())
    details = report.results["missing"].details
    assert details["constant_columns"] == ["constant"]
    assert details["identifier_columns"] == ["serial"]
    assert details["mixed_type_columns"] == {"mixed": ["number", "text"]}
    assert details["missing_cells"] == int(features.isna().sum().sum())


def test_train_test_leakage_agrees_with_a_merge(mixed_frame):
    features = mixed_frame.drop(columns="label")
    rng = np.random.default_rng(2)
    fresh = features.sample(30, random_state=3).assign(b=lambda f: f["b"] + 1e-9)  # differ in the last digits
    test = pd.concat([features.iloc[rng.choice(len(features), 12, replace=False)], fresh])
    report = dfx.audit(mixed_frame, "label", test=test, checks=["train_test_leakage"])
    merged = test.reset_index(drop=True).astype(str).merge(
        features.astype(str).drop_duplicates(), how="left", indicator=True
    )
    expected = (merged["_merge"] == "both").to_numpy()
    np.testing.assert_array_equal(report.test_issues["is_train_test_leakage_issue"].to_numpy(), expected)
    assert report.summary.loc[0, "issues"] == 12 and report.summary.loc[0, "unit"] == "test rows"
    leaked = report.test_issues[report.test_issues["is_train_test_leakage_issue"]]
    assert (leaked["matching_train_row"].to_numpy() == leaked.index.to_numpy()).all()


def test_integers_in_train_match_floats_in_test():
    train = pd.DataFrame({"x": [1, 2, 3, 4], "y": [0, 1, 0, 1]})
    test = pd.DataFrame({"x": [2.0, 5.0]})
    report = dfx.audit(train, "y", test=test, checks=["train_test_leakage"])
    assert list(report.test_issues["is_train_test_leakage_issue"]) == [True, False]
    assert list(report.flagged("train_test_leakage")) == [1]


def test_target_leakage_finds_a_planted_leak_and_nothing_in_noise(mixed_frame):
    frame = mixed_frame.assign(leak=mixed_frame["label"].map({"high": 3.0, "mid": 2.0, "low": 1.0})
                               + np.random.default_rng(0).normal(0, 0.05, len(mixed_frame)),
                               noise=np.random.default_rng(1).normal(size=len(mixed_frame)))
    report = run(frame, "target_leakage")
    result = report.results["target_leakage"]
    assert result.details["leaking_columns"] == ["leak"]
    assert result.details["balanced_accuracy_by_column"]["noise"] < 0.6
    assert result.unit == "columns" and result.rows is None and result.severity == "high"
    assert "is_target_leakage_issue" not in report.issues


def test_target_leakage_ignores_a_row_identifier(mixed_frame):
    frame = mixed_frame.assign(name=[f"n{i}" for i in range(len(mixed_frame))])
    assert run(frame, "target_leakage").results["target_leakage"].issues == 0


def test_class_imbalance_scores_are_class_size_ratios():
    frame = pd.DataFrame({"x": np.arange(130.0), "y": ["a"] * 100 + ["b"] * 25 + ["c"] * 5})
    report = run(frame, "class_imbalance", target="y")
    scores = report.issues["class_imbalance_score"].to_numpy()
    np.testing.assert_allclose(np.unique(scores), [0.05, 0.25, 1.0])
    assert list(report.flagged("class_imbalance")) == list(range(125, 130))
    result = report.results["class_imbalance"]
    assert result.details["imbalance_ratio"] == 20 and result.severity == "high"


def _blobs(n=600, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(n, 4)), columns=list("abcd"))
    frame["label"] = (frame["a"] > 0).astype(int)
    return frame


def test_near_duplicates_find_planted_near_copies_and_rows_differing_only_in_an_id():
    frame = _blobs()
    near = frame.iloc[:5].copy()
    near["b"] += 1e-4
    frame = pd.concat([frame, near], ignore_index=True)
    frame["id"] = np.arange(len(frame))
    frame = pd.concat([frame, frame.iloc[[10]].assign(id=10_000)], ignore_index=True)
    report = run(frame, "near_duplicates")
    flagged = set(report.flagged("near_duplicates"))
    assert set(range(5)) | set(range(600, 605)) | {10, len(frame) - 1} <= flagged
    assert len(flagged) <= 14
    pairs = report.issues.loc[list(range(600, 605)), "near_duplicates_neighbor"]
    assert list(pairs) == list(range(5))


def test_exact_copies_are_not_near_duplicates():
    frame = _blobs()
    frame = pd.concat([frame, frame.iloc[:3]], ignore_index=True)
    report = run(frame, "near_duplicates")
    assert not set(report.flagged("near_duplicates")) & {0, 1, 2, 600, 601, 602}


def test_outliers_find_planted_far_rows():
    frame = _blobs()
    frame.loc[[3, 77], ["a", "b"]] = [[25.0, -25.0], [-30.0, 30.0]]
    report = run(frame, "outliers")
    flagged = set(report.flagged("outliers"))
    assert {3, 77} <= flagged and len(flagged) <= 10
    scores = report.issues["outliers_score"]
    assert scores.loc[[3, 77]].max() < scores.drop(index=[3, 77]).min()


def test_outliers_match_a_brute_force_mean_distance():
    frame = _blobs(200)
    report = run(frame, "outliers")
    X = encode_features(frame.drop(columns="label"))
    distances = np.sqrt(((X[:, None, :].astype(np.float64) - X[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(distances, np.inf)
    expected = np.sort(distances, axis=1)[:, :10].mean(axis=1)
    np.testing.assert_allclose(report.issues["outliers_isolation"], expected, rtol=1e-5)


def test_column_kinds_and_encoding_handle_mixed_frames(mixed_frame):
    features = mixed_frame.drop(columns="label").assign(day=pd.date_range("2024-01-01", periods=len(mixed_frame)))
    kinds = column_kinds(features)
    assert kinds["numeric"] == ["a", "b", "flag"] and kinds["categorical"] == ["colour"]
    assert kinds["datetime"] == ["day"]
    encoded = encode_features(features)
    assert encoded.dtype == np.float32 and np.isfinite(encoded).all()
    assert encoded.shape == (len(features), 3 + 4 + 1)


def test_row_hashes_do_not_depend_on_column_dtype():
    left = pd.DataFrame({"x": [1, 2], "s": ["a", "b"]})
    right = pd.DataFrame({"x": [1.0, 2.0], "s": pd.Series(["a", "b"], dtype="category")})
    np.testing.assert_array_equal(row_hashes(left), row_hashes(right))


def test_label_check_equals_find_label_issues_auto_on_the_shared_graph():
    from sklearn.datasets import make_classification

    X, y = make_classification(600, 8, n_informative=5, n_classes=3, random_state=0)
    rng = np.random.default_rng(0)
    flipped = rng.random(len(y)) < 0.1
    y[flipped] = (y[flipped] + 1) % 3
    proba = dfx.out_of_fold_proba(None, X, y, random_state=0)
    report = dfx.audit(X, y=y, pred_proba=proba, checks=["label"])
    reference = dfx.find_label_issues(X, y, pred_proba=proba, method="auto")
    np.testing.assert_array_equal(report.issues["is_label_issue"], reference["is_label_issue"])
    np.testing.assert_allclose(report.issues["label_score"], reference["label_quality"], rtol=1e-6)
    flagged = report.issues["is_label_issue"].to_numpy()
    np.testing.assert_array_equal(report.issues["label_suggested"][flagged], reference["suggested_label"][flagged])
    assert (flagged & flipped).sum() >= 0.6 * flipped.sum()
    matrix = report.results["label"].tables["given_vs_suggested"]
    assert matrix.to_numpy().sum() == len(y)


def test_label_check_errors_come_before_any_work(mixed_frame, monkeypatch):
    import datafix.auditing.duplicates as duplicates

    monkeypatch.setattr(duplicates.DuplicatesCheck, "run", lambda self, context: pytest.fail("ran"))
    small = pd.concat([mixed_frame, pd.DataFrame({"a": [0.0, 1.0], "b": [0.0, 1.0], "colour": ["red"] * 2,
                                                  "flag": [True] * 2, "label": ["tiny"] * 2})])
    with pytest.raises(ValueError, match="class 'tiny' has 2 rows but cv=5"):
        dfx.audit(small, "label", checks=["duplicates", "label"])
    with pytest.raises(ValueError, match="pred_proba has 2 columns but y has 3 classes"):
        dfx.audit(mixed_frame, "label", checks=["duplicates", "label"], pred_proba=np.full((300, 2), 0.5))
