"""AuditReport: summary, per-row issues, renderers, JSON schema, atomic writes, recommendations."""

import json
import os

import numpy as np
import pandas as pd
import pytest

import datafix as dfx
from datafix.auditing import SCHEMA, SCHEMA_VERSION
from datafix.auditing.report import write_atomically

CHECKS = ["class_imbalance", "duplicates", "conflicting_labels", "near_duplicates", "outliers", "missing",
          "train_test_leakage", "target_leakage"]


@pytest.fixture
def report(mixed_frame):
    frame = pd.concat([mixed_frame, mixed_frame.iloc[:4].set_axis([f"copy{i}" for i in range(4)])])
    conflicted = mixed_frame.iloc[[10]].assign(label="low" if mixed_frame["label"].iloc[10] != "low" else "high")
    frame = pd.concat([frame, conflicted.set_axis(["conflict"])])
    return dfx.audit(frame, "label", test=mixed_frame.iloc[:5].drop(columns="label"), checks=CHECKS)


def test_summary_has_the_promised_columns(report):
    assert list(report.summary.columns[:4]) == ["check", "issues", "fraction", "severity"]
    assert list(report.summary["check"]) == CHECKS
    assert set(report.summary["severity"]) <= {"none", "low", "medium", "high"}
    row = report.summary.set_index("check").loc["duplicates"]
    assert row["issues"] == 4 and np.isclose(row["fraction"], 4 / 305)


def test_json_follows_the_versioned_schema(report, tmp_path):
    path = tmp_path / "report.json"
    text = report.to_json(path)
    document = json.loads(path.read_text())
    assert document == json.loads(text)
    assert document["schema"] == SCHEMA and document["schema_version"] == SCHEMA_VERSION == 1
    assert set(document) == {"schema", "schema_version", "dataset", "class_counts", "checks", "skipped",
                             "recommendations", "created", "datafix_version", "duration_seconds", "comparison"}
    assert document["comparison"] is None  # until a validated recommend() runs
    assert document["dataset"]["rows"] == 305 and document["dataset"]["test_rows"] == 5
    by_name = {c["name"]: c for c in document["checks"]}
    assert sorted(by_name["duplicates"]["rows"]) == [f"copy{i}" for i in range(4)]
    assert set(by_name["conflicting_labels"]["rows"]) == {"row10", "conflict"}
    assert by_name["train_test_leakage"]["test_rows"] == [f"row{i}" for i in range(5)]
    assert "rows" not in by_name["target_leakage"]
    for check in document["checks"]:
        assert {"name", "title", "unit", "issues", "fraction", "severity", "message", "details"} <= set(check)
    short = {c["name"]: c for c in json.loads(report.to_json(max_rows=1))["checks"]}
    assert short["duplicates"]["rows"] == by_name["duplicates"]["rows"][:1]


def test_markdown_text_and_notebook_renderers(report):
    markdown = report.to_markdown()
    assert markdown.startswith("# datafix audit: 305 rows x 4 features")
    assert "| duplicates | 4 |" in markdown and "## Recommendations" in markdown
    text = repr(report)
    assert all(name in text for name in CHECKS)
    fragment = report._repr_html_()
    assert fragment.startswith('<div class="datafix-audit">') and "<img" not in fragment


def test_html_is_self_contained(report, tmp_path):
    path = tmp_path / "report.html"
    html = report.to_html(path)
    assert path.read_text(encoding="utf-8") == html
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html
    assert "http://" not in html and "https://" not in html
    assert html.count('src="data:image/png;base64,') == 2  # class distribution, score histograms
    for table_id in ("summary", "rows-duplicates", "rows-conflicting_labels", "rows-missing"):
        assert f'id="{table_id}"' in html
    assert "<img" not in report.to_html(plots=False)


def test_top_rows_are_the_worst_scores_with_the_data(report):
    rows = report.examples["missing"]
    assert rows["missing_score"].is_monotonic_increasing
    assert {"label", "a", "colour"} <= set(rows.columns)


def test_interrupted_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")

    def explode(stream):
        stream.write("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomically(path, explode)
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_written_files_get_ordinary_permissions(tmp_path):
    path = tmp_path / "f.txt"
    write_atomically(path, "x")
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


def test_recommend_builds_a_pipeline_of_the_fixes_found(report):
    from sklearn.linear_model import LogisticRegression

    names = [r["fix"] for r in report.recommendations() if r["fix"]]
    assert "ClassWeighter" not in names or report.results["class_imbalance"].severity != "none"
    pipeline = report.recommend(LogisticRegression(), validate=False)
    assert isinstance(pipeline, dfx.Pipeline)
    assert type(pipeline.steps[-1][1]).__name__ == "LogisticRegression"


def test_recommend_without_findings_needs_an_estimator():
    frame = pd.DataFrame({"x": np.arange(40.0), "y": [0, 1] * 20})
    report = dfx.audit(frame, "y", checks=["duplicates", "class_imbalance"])
    with pytest.raises(ValueError, match="found nothing"):
        report.recommend()
    assert report.recommendations() == []


def test_flagged_rejects_an_unknown_check(report):
    with pytest.raises(ValueError, match="no row-level result for check 'target_leakage'"):
        report.flagged("target_leakage")


def test_recommend_oversamples_for_a_model_without_sample_weight():
    from sklearn.neighbors import KNeighborsClassifier

    frame = pd.DataFrame({"x": np.arange(40.0), "y": [0] * 36 + [1] * 4})
    report = dfx.audit(frame, "y", checks=["class_imbalance"])
    pipeline = report.recommend(KNeighborsClassifier(3), validate=False, random_state=0)
    assert type(pipeline.steps[1][1]).__name__ == "RandomOverSampler"  # after the imputer
    pipeline.fit(frame[["x"]], frame["y"])
    assert type(report.recommend(None).steps[0][1]).__name__ == "ClassWeighter"
