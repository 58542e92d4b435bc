"""Issue 13: one code path (find_label_issues, audit, clean), minority safety, adaptive evidence, groups and
weights in the out-of-fold fits, why-columns, instance-dependent noise, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, make_blobs, make_classification
from sklearn.model_selection import GroupKFold
from sklearn.neighbors import KNeighborsClassifier

import datafix as dfx
from datafix import LabelCleaner, find_label_issues
from datafix._tabular import encode_features
from datafix.cli import main, read_table
from datafix.datasets import make_label_noise
from datafix.labels.cleaner import limit_per_class, relabel_is_justified
from datafix.labels.issues import choose_model_weight


@pytest.fixture(scope="module")
def messy_frame():
    """Strings, NaN, an id column, a constant column and a datetime column, with 10% flipped labels."""
    X, y = make_classification(n_samples=300, n_features=4, n_informative=3, n_redundant=0, n_classes=3,
                               n_clusters_per_class=1, class_sep=1.5, random_state=0)
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(X * [1.0, 100.0, 0.01, 5.0], columns=["a", "b", "c", "d"])
    frame.loc[rng.choice(300, 20, replace=False), "b"] = np.nan
    frame["colour"] = np.where(X[:, 0] > 0, "red", "blue").astype(object)
    frame.loc[rng.choice(300, 10, replace=False), "colour"] = None
    frame["id"] = [f"row-{i}" for i in range(300)]
    frame["constant"] = 7
    frame["day"] = pd.date_range("2024-01-01", periods=300, freq="D")
    y_noisy, _ = make_label_noise(np.array(["cat", "dog", "owl"])[y], rate=0.1, random_state=0)
    frame["animal"] = y_noisy
    return frame


def test_one_encoder_leaves_out_id_and_constant_columns(messy_frame):
    features = messy_frame.drop(columns="animal")
    encoded = encode_features(features)
    # a, b, c, d, day numeric/dated; colour one-hot with red, blue, missing; id and constant left out
    assert encoded.shape == (300, 5 + 3)
    from datafix.labels import encode_for_neighbors

    np.testing.assert_array_equal(encode_for_neighbors(features), encoded)


def test_find_label_issues_audit_and_clean_flag_the_same_rows(messy_frame, tmp_path, capsys):
    features, target = messy_frame.drop(columns="animal"), messy_frame["animal"]
    direct = find_label_issues(features, target, random_state=0)
    report = dfx.audit(messy_frame, "animal", checks=["label"], random_state=0)
    flagged = direct["is_label_issue"].to_numpy()
    assert 0 < flagged.sum() < 0.3 * len(flagged)
    np.testing.assert_array_equal(report.issues["is_label_issue"].to_numpy(), flagged)
    np.testing.assert_allclose(report.issues["label_score"].to_numpy(), direct["label_quality"].to_numpy(),
                               rtol=1e-6)
    cleaner = LabelCleaner(random_state=0).fit(features, target)
    np.testing.assert_array_equal(cleaner.label_issues_["is_label_issue"].to_numpy(), flagged)

    # the command line reads the file back (the dates become text, here id-like): judge what it reads
    path, out = tmp_path / "messy.csv", tmp_path / "clean.csv"
    messy_frame.to_csv(path, index=False)
    from_file = read_table(str(path))
    on_file = find_label_issues(from_file.drop(columns="animal"), from_file["animal"], random_state=0)
    flagged_on_file = on_file["is_label_issue"].to_numpy()
    audited_file = dfx.audit(from_file, "animal", checks=["label"], random_state=0)
    np.testing.assert_array_equal(audited_file.issues["is_label_issue"].to_numpy(), flagged_on_file)
    assert main(["clean", str(path), "--target", "animal", "--action", "drop", "--output", str(out), "--quiet",
                 "--random-state", "0"]) == 0
    capsys.readouterr()
    kept_ids = set(pd.read_csv(out)["id"])
    dropped = ~messy_frame["id"].isin(kept_ids).to_numpy()
    np.testing.assert_array_equal(dropped, flagged_on_file)  # no class over max_class_fraction: every flag acted on


def test_a_frame_without_usable_columns_is_refused():
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(40)], "k": 1})
    with pytest.raises(ValueError, match="no column that can tell the classes apart"):
        find_label_issues(frame, [0, 1] * 20)


def test_auto_weight_prefers_the_source_that_predicts_the_labels():
    codes = np.array([0, 0, 1, 1])
    good = np.array([[0.9, 0.1], [0.8, 0.2], [0.2, 0.8], [0.1, 0.9]])
    flat = np.full((4, 2), 0.5)
    assert choose_model_weight(good, flat, codes, 2) == 1.0
    assert choose_model_weight(flat, good, codes, 2) == 0.0
    assert choose_model_weight(good, good, codes, 2) == 1.0  # a tie keeps the model alone


def test_auto_is_unchanged_by_the_units_of_the_columns():
    X, y = make_blobs(n_samples=300, centers=3, cluster_std=2.0, random_state=1)
    y_noisy, _ = make_label_noise(y, rate=0.1, random_state=0)
    raw = find_label_issues(X * [1.0, 1e4], y_noisy, random_state=0)
    other = find_label_issues(X * [1e-3, 1.0] + 50, y_noisy, random_state=0)
    np.testing.assert_array_equal(raw["is_label_issue"], other["is_label_issue"])
    assert raw.attrs["model_weight"] == other.attrs["model_weight"]


def test_why_columns_explain_a_flagged_row():
    X, y = make_blobs(n_samples=200, centers=[[0, 0], [6, 6]], cluster_std=1.0, random_state=0)
    y_noisy = y.copy()
    y_noisy[0] = 1 - y[0]
    found = find_label_issues(X, y_noisy, random_state=0)
    row = found.iloc[0]
    assert row["is_label_issue"] and row["suggested_label"] == y[0]
    assert row["model_suggested_proba"] > row["model_given_proba"]
    assert row["neighbor_suggested_share"] > row["neighbor_given_share"]
    assert len(row["neighbor_rows"]) == 10 and row["neighbor_distances"] == sorted(row["neighbor_distances"])
    assert sum(label == y[0] for label in row["neighbor_labels"]) >= 8
    assert found.loc[~found["is_label_issue"], "neighbor_rows"].isna().all()
    report = dfx.audit(pd.DataFrame(X, columns=["p", "q"]).assign(t=y_noisy), "t", checks=["label"], random_state=0)
    text = report.issues.loc[0, "label_neighbors"]
    assert text.count("@") == 5 and text.startswith(f"{y[0]}@")


# --- minority safety ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def imbalanced():
    """breast_cancer at 20:1 (357 benign, 18 malignant), 5% of each class flipped (symmetric)."""
    X, y = load_breast_cancer(return_X_y=True)
    y = 1 - y  # malignant = 1, the minority
    rng = np.random.default_rng(0)
    keep = np.concatenate([np.flatnonzero(y == 0), rng.choice(np.flatnonzero(y == 1), 18, replace=False)])
    X, y = X[keep], y[keep]
    y_noisy, flipped = make_label_noise(y, rate=0.05, random_state=0)
    return X, y, y_noisy, flipped


def test_clean_minority_rows_are_not_flagged_for_being_rare(imbalanced):
    X, y, y_noisy, flipped = imbalanced
    found = find_label_issues(X, y_noisy, random_state=0)["is_label_issue"].to_numpy()
    clean_minority = (y == 1) & ~flipped
    assert found[clean_minority].mean() <= 0.10


def test_max_class_fraction_caps_every_class():
    codes = np.repeat([0, 1], [90, 10])
    flagged = np.zeros(100, dtype=bool)
    flagged[[0, 1, 2, 90, 91, 92, 93, 94, 95]] = True
    quality = np.linspace(0, 1, 100)
    limited = limit_per_class(flagged, codes, quality, 0.3)
    assert limited[:90].sum() == 3 and limited[90:].sum() == 3
    np.testing.assert_array_equal(np.flatnonzero(limited[90:]), [0, 1, 2])  # the lowest quality stay
    assert not (limited & ~flagged).any()
    np.testing.assert_array_equal(limit_per_class(flagged, codes, quality, None), flagged)


def test_label_cleaner_never_takes_more_than_max_class_fraction(imbalanced):
    X, _, y_noisy, _ = imbalanced
    counts = np.bincount(y_noisy)
    for fraction in (0.1, 0.3):
        cleaner = LabelCleaner(max_class_fraction=fraction, random_state=0)
        _, y_out = cleaner.fit_resample(X, y_noisy)
        lost = counts - np.bincount(y_out, minlength=2)
        assert np.all(lost <= np.floor(fraction * counts))
        assert cleaner.is_cleaned_.sum() <= cleaner.n_issues_


def test_relabel_into_a_larger_class_needs_the_likelihood_ratio():
    counts = np.array([95, 5])
    # the same posterior odds (0.7 : 0.3) are enough to move into the rare class, not out of it
    assert relabel_is_justified(np.array([0]), np.array([1]), np.array([0.3]), np.array([0.7]), counts)[0]
    assert not relabel_is_justified(np.array([1]), np.array([0]), np.array([0.3]), np.array([0.7]), counts)[0]
    assert relabel_is_justified(np.array([1]), np.array([0]), np.array([0.001]), np.array([0.999]), counts)[0]


def test_relabel_keeps_rare_labels_without_strong_evidence(imbalanced):
    X, _, y_noisy, _ = imbalanced
    cleaner = LabelCleaner(action="relabel", max_class_fraction=None, random_state=0)
    _, y_out = cleaner.fit_resample(X, y_noisy)
    issues = cleaner.label_issues_
    moved = y_out != y_noisy
    assert np.array_equal(moved, cleaner.is_cleaned_)
    skipped = issues["is_label_issue"].to_numpy() & ~moved
    assert np.all(y_noisy[skipped] == 1)  # only rare-to-common moves are ever held back


def test_label_severity_counts_the_share_of_each_class():
    X, y = make_blobs(n_samples=[400, 20], centers=[[0, 0], [3, 3]], cluster_std=1.0, random_state=0)
    frame = pd.DataFrame(X, columns=["p", "q"]).assign(t=y)
    frame.loc[frame.index[-8:], ["p", "q"]] = frame.loc[frame.index[:8], ["p", "q"]].to_numpy()
    result = dfx.audit(frame, "t", checks=["label"], random_state=0).results["label"]
    shares = result.details["flagged_share_by_class"]
    assert set(shares) == {"0", "1"}
    if shares["1"] >= 0.25:
        assert result.severity == "high"
    assert "largest share flagged" in result.message


# --- groups and weights --------------------------------------------------------------------------------------

def test_groups_keep_each_group_in_one_fold():
    X, y = make_blobs(n_samples=120, centers=2, random_state=0)
    groups = np.repeat(np.arange(12), 10)
    seen = []

    class Spy(KNeighborsClassifier):
        def fit(self, X, y):
            seen.append(X.copy())
            return super().fit(X, y)

    dfx.out_of_fold_proba(Spy(), X, y, cv=4, groups=groups, random_state=0)
    assert len(seen) == 4
    for train_X in seen:
        rows = np.flatnonzero((X[:, None, :] == train_X[None, :, :]).all(-1).any(1))
        present = np.unique(groups[rows])
        assert all(np.sum(groups[rows] == g) == 10 for g in present)  # whole groups only
    grouped = find_label_issues(X, y, cv=GroupKFold(3), groups=groups)
    assert len(grouped) == 120


def test_sample_weight_reaches_the_fold_models():
    X, y = make_blobs(n_samples=150, centers=3, cluster_std=2.5, random_state=0)
    weights = np.where(y == 0, 10.0, 1.0)
    plain = dfx.out_of_fold_proba(None, X, y, random_state=0)
    weighted = dfx.out_of_fold_proba(None, X, y, sample_weight=weights, random_state=0)
    assert weighted[y == 0, 0].mean() > plain[y == 0, 0].mean()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"groups": np.arange(10)}, "groups has 10 entries but there are 150 rows"),
        ({"groups": np.repeat([0, 1, 2], 50)}, "groups has 3 distinct groups but cv=5 needs at least 5"),
        ({"sample_weight": np.ones(150), "estimator": KNeighborsClassifier()}, "takes no sample_weight"),
    ],
)
def test_bad_groups_and_weights(kwargs, message):
    X, y = make_blobs(n_samples=150, centers=3, random_state=0)
    with pytest.raises(ValueError, match=message):
        find_label_issues(X, y, **kwargs)


def test_continuous_and_two_dimensional_targets_take_their_own_paths():
    X = np.random.default_rng(0).normal(size=(100, 3))
    continuous = find_label_issues(X, np.linspace(0, 1, 100) + 0.001, predictions=np.linspace(0, 1, 100))
    assert continuous.attrs["target_type"] == "continuous"  # tests/labels/test_targets.py has the rest
    with pytest.raises(ValueError, match="present in only 0 rows"):
        find_label_issues(X, np.zeros((100, 2)))
    with pytest.raises(ValueError, match="must be 1-D"):
        find_label_issues(X, np.zeros((100, 2, 2)))


# --- instance-dependent noise ----------------------------------------------------------------------------------

def test_instance_noise_flips_the_ambiguous_rows_more_often():
    X, y = make_blobs(n_samples=600, centers=[[0, 0], [2.5, 0]], cluster_std=1.0, random_state=0)
    proba = dfx.out_of_fold_proba(None, X, y, random_state=0)
    y_noisy, flipped = make_label_noise(y, rate=0.1, kind="instance", pred_proba=proba, random_state=0)
    assert np.array_equal(flipped, y_noisy != y) and flipped.sum() == 60
    ambiguity = 1 - proba[np.arange(len(y)), y]
    assert ambiguity[flipped].mean() > 2 * ambiguity[~flipped].mean()
    with pytest.raises(ValueError, match="needs pred_proba"):
        make_label_noise(y, kind="instance")
    with pytest.raises(ValueError, match="only used with kind='instance'"):
        make_label_noise(y, pred_proba=proba)


def test_an_object_array_of_strings_is_encoded_like_a_table():
    import numpy as np

    import datafix as dfx

    rng = np.random.default_rng(0)
    numbers = rng.normal(size=120)
    X = np.column_stack([numbers.astype(object), np.where(numbers > 0, "up", "down").astype(object)])
    y = np.where(numbers > 0, "p", "n")
    issues = dfx.find_label_issues(X, y, random_state=0)
    assert len(issues) == 120 and not issues["is_label_issue"].any()  # clean labels, strings and all
    X_kept, _ = dfx.LabelCleaner(random_state=0).fit_resample(X, y)
    assert X_kept.shape == X.shape
