"""The distributed audit equals the in-memory audit of the collected data, whatever the partitioning."""

import cleanlab.filter
import numpy as np
import pandas as pd
import pytest

import datafix as dfx

from .conftest import PROBA_COLUMNS, make_frame

dd = pytest.importorskip("dask.dataframe")

EXACT = ["class_imbalance", "duplicates", "conflicting_labels", "missing"]
ROW_COLUMNS = ["is_class_imbalance_issue", "class_imbalance_score", "is_duplicates_issue", "duplicates_group",
               "is_conflicting_labels_issue", "conflicting_labels_score", "conflicting_labels_group",
               "conflicting_labels_majority", "is_missing_issue", "missing_score", "missing_cells"]


@pytest.fixture(scope="module")
def large():
    frame, truth = make_frame(200_000)
    return frame, truth


@pytest.fixture(scope="module")
def audited(client, large, tmp_path_factory):
    from datafix.distributed import read_parquet

    frame, _ = large
    folder = tmp_path_factory.mktemp("large")
    for number, start in enumerate(range(0, len(frame), 25_000)):  # 8+ files, one partition each
        frame.iloc[start:start + 25_000].to_parquet(folder / f"part-{number:02d}.parquet")
    data = read_parquet(folder, target="target")
    assert data.npartitions >= 8
    report = dfx.audit(data, "target", pred_proba=PROBA_COLUMNS,
                       checks=EXACT + ["label", "target_leakage", "outliers"])
    return report, report.issues.compute()


def _same(left: pd.Series, right: pd.Series) -> bool:
    left, right = left.reset_index(drop=True), right.reset_index(drop=True)
    return bool(((left == right) | (left.isna() & right.isna())).all())


def test_exact_checks_equal_the_in_memory_audit(large, audited):
    frame, truth = large
    report, rows = audited
    memory = dfx.audit(frame.drop(columns=PROBA_COLUMNS), "target", checks=EXACT)
    summary = report.summary.set_index("check")
    for check in EXACT:
        assert summary.loc[check, "issues"] == memory.summary.set_index("check").loc[check, "issues"], check
        assert report.results[check].details == memory.results[check].details, check
    assert report.class_counts.to_dict() == memory.class_counts.to_dict()
    assert summary.loc["duplicates", "issues"] >= truth["duplicates"]  # the injected copies, and chance ones
    for column in ROW_COLUMNS:
        assert _same(rows[column], memory.issues[column]), column
    assert len(rows) == len(frame)


def test_confident_learning_flags_equal_cleanlab_on_the_collected_data(large, audited):
    frame, _ = large
    report, rows = audited
    classes, codes = np.unique(frame["target"].to_numpy(), return_inverse=True)
    proba = frame[PROBA_COLUMNS].to_numpy()
    expected = cleanlab.filter.find_label_issues(codes, proba, filter_by="confident_learning")
    assert np.array_equal(rows["is_label_issue"].to_numpy(), expected)
    assert report.summary.set_index("check").loc["label", "issues"] == expected.sum()


def test_neighbour_checks_are_skipped_with_the_reason(audited):
    report, _ = audited
    assert "outliers" in report.skipped and "nearest-neighbour graph" in report.skipped["outliers"]
    assert "outliers" in repr(report) or "skipped" in report.to_markdown().lower()


def test_the_renderers_work_on_a_distributed_report(audited, tmp_path):
    import json

    report, _ = audited
    document = json.loads(report.to_json())
    assert document["dataset"]["rows"] == report.info["rows"]
    assert {c["name"] for c in document["checks"]} >= set(EXACT)
    assert "Conflicting labels" in report.to_markdown()
    assert 'id="check-label"' in report.to_html(plots=False)


@pytest.mark.filterwarnings("ignore:Sending large graph")
def test_results_do_not_depend_on_the_partitioning(client, large, audited):
    frame, _ = large
    report, rows = audited
    frame = frame.iloc[:60_000]
    results = []
    for npartitions in (3, 11):
        other = dfx.audit(dd.from_pandas(frame, npartitions=npartitions), "target", pred_proba=PROBA_COLUMNS,
                          checks=EXACT + ["label"])
        results.append((other.summary[["check", "issues"]], other.issues.compute()))
    pd.testing.assert_frame_equal(results[0][0], results[1][0])
    pd.testing.assert_frame_equal(results[0][1], results[1][1])


def test_an_empty_partition_changes_nothing(client, large):
    frame, _ = large
    frame = frame.iloc[:20_000]
    parts = [frame.iloc[:7000], frame.iloc[:0], frame.iloc[7000:]]
    with_empty = dd.from_delayed([__import__("dask").delayed(p) for p in parts], meta=frame.iloc[:0])
    first = dfx.audit(with_empty, "target", pred_proba=PROBA_COLUMNS, checks=EXACT + ["label"])
    second = dfx.audit(dd.from_pandas(frame, npartitions=2), "target", pred_proba=PROBA_COLUMNS,
                       checks=EXACT + ["label"])
    pd.testing.assert_frame_equal(first.summary[["check", "issues"]], second.summary[["check", "issues"]])
    # from_delayed keeps pandas' own string dtype, from_pandas converts to Arrow strings: same values
    pd.testing.assert_frame_equal(first.issues.compute(), second.issues.compute(), check_dtype=False)


def test_the_cluster_model_finds_injected_label_noise(client):
    rng = np.random.default_rng(1)
    n = 30_000
    true = rng.integers(0, 3, size=n)
    frame = pd.DataFrame({f"x{i}": rng.normal(size=n) + 2.0 * (true == i) for i in range(3)})
    noisy = rng.random(n) < 0.05
    given = np.where(noisy, (true + 1) % 3, true)
    frame["target"] = np.array(["a", "b", "c"])[given]
    report = dfx.audit(dd.from_pandas(frame, npartitions=4), "target", checks=["label"], cv=3, random_state=0)
    flagged = report.issues["is_label_issue"].compute().to_numpy()
    precision = (flagged & noisy).sum() / flagged.sum()
    recall = (flagged & noisy).sum() / noisy.sum()
    assert precision > 0.3 and recall > 0.3  # far above chance (5% noise)
    assert report.results["label"].details["filter"] == "cleanlab confident_learning"
    again = dfx.audit(dd.from_pandas(frame, npartitions=7), "target", checks=["label"], cv=3, random_state=0)
    assert again.results["label"].issues > 0  # the model trains on any partitioning (its order changes the fit)


def test_to_parquet_writes_a_partitioned_directory(audited, tmp_path):
    report, rows = audited
    out = tmp_path / "issues"
    report.to_parquet(out)
    assert len(list(out.glob("*.parquet"))) == report.issues.npartitions
    back = pd.read_parquet(out)
    assert np.array_equal(back["is_duplicates_issue"].to_numpy(), rows["is_duplicates_issue"].to_numpy())
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_flagged_rows_of_a_distributed_report(audited):
    report, rows = audited
    flagged = report.flagged("duplicates").compute()
    assert list(flagged) == list(rows.index[rows["is_duplicates_issue"].to_numpy()])


@pytest.mark.slow
def test_the_xgboost_cluster_model(client):
    pytest.importorskip("xgboost")
    rng = np.random.default_rng(1)
    n = 20_000
    true = rng.integers(0, 3, size=n)
    frame = pd.DataFrame({f"x{i}": rng.normal(size=n) + 2.0 * (true == i) for i in range(3)})
    noisy = rng.random(n) < 0.05
    frame["target"] = np.array(["a", "b", "c"])[np.where(noisy, (true + 1) % 3, true)]
    report = dfx.audit(dd.from_pandas(frame, npartitions=4), "target", checks=["label"], cv=3, estimator="xgboost")
    flagged = report.issues["is_label_issue"].compute().to_numpy()
    assert (flagged & noisy).sum() / flagged.sum() > 0.2 and (flagged & noisy).sum() / noisy.sum() > 0.3


def test_a_partitions_distinct_values_are_small_copies():
    """The first pass returns at most DISTINCT_CAP + 1 values per column, in arrays of their own.

    A slice of a full-length object copy would keep every row's Python object
    alive in the worker while the result waits there (the 20M-row stall).
    """
    from datafix.distributed._frame import DISTINCT_CAP, _distinct

    rng = np.random.default_rng(0)
    n = 20_000
    floats = rng.normal(size=n)
    floats[::7] = np.nan
    frame = pd.DataFrame({
        "float": floats,
        "int": rng.integers(0, 10, size=n),
        "text": pd.Series(rng.choice(["a", "b", None], size=n), dtype=object),
        "string": pd.Series(rng.choice(["a", "b"], size=n)).astype("string"),
        "bool": rng.random(n) < 0.5,
        "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 5, size=n), unit="D"),
        "category": pd.Categorical(rng.choice(["x", "y"], size=n)),
        "nullable": pd.array(np.where(rng.random(n) < 0.1, None, rng.integers(0, 3, size=n)), dtype="Int64"),
    })
    for column in frame.columns:
        distinct = _distinct(frame[column])
        expected = pd.unique(frame[column].astype(object).to_numpy())[: DISTINCT_CAP + 1]
        owner = distinct if distinct.base is None else distinct.base
        assert distinct.dtype == object and owner.size <= DISTINCT_CAP + 1, column
        assert len(distinct) == min(len(expected), DISTINCT_CAP + 1), column
        assert pd.Series(distinct).equals(pd.Series(expected)), column


def test_a_single_partition(client):
    """One partition means one hash bucket: the duplicate sets still equal the in-memory audit's."""
    frame, _ = make_frame(3_000)
    report = dfx.audit(dd.from_pandas(frame, npartitions=1), "target", checks=EXACT)
    expected = dfx.audit(frame, "target", checks=EXACT)
    assert report.summary["issues"].tolist() == expected.summary["issues"].tolist()
    issues = report.issues.compute()
    for column in ["is_duplicates_issue", "duplicates_group", "is_conflicting_labels_issue"]:
        assert _same(issues[column], expected.issues[column]), column
