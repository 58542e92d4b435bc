"""The datafix command: exit codes, one-line errors, outputs written atomically."""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from datafix.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WINE = os.path.join(ROOT, "examples", "data", "wine.csv")
QUICK = ["class_imbalance", "duplicates", "conflicting_labels", "missing", "target_leakage"]


def run_cli(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("datafix: error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def table(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=120), "b": rng.normal(size=120)})
    frame["y"] = np.where(frame["a"] > 0.5, "rare", "common")
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    return frame, str(path)


def test_audit_prints_a_summary_and_writes_reports(capsys, tmp_path):
    html, report_json, markdown = tmp_path / "r.html", tmp_path / "r.json", tmp_path / "r.md"
    code, out, err = run_cli(capsys, "audit", WINE, "--target", "cultivar", "--checks", *QUICK,
                             "--html", str(html), "--json", str(report_json), "--markdown", str(markdown))
    assert code == 0
    assert out.startswith("datafix audit: 151 rows x 13 features, target 'cultivar', 3 classes")
    assert "duplicates" in out and "datafix audit: duplicates [" in err  # progress on stderr
    assert json.loads(report_json.read_text())["dataset"]["rows"] == 151
    assert html.read_text().startswith("<!DOCTYPE html>") and markdown.read_text().startswith("# datafix audit")


def test_fail_on_exits_1_when_a_threshold_is_exceeded(capsys):
    code, _, err = run_cli(capsys, "audit", WINE, "--target", "cultivar", "--checks", *QUICK, "--quiet",
                           "--fail-on", "duplicates=0.01", "missing=0.5")
    assert code == 1 and "duplicates 0.02649 > 0.01" in err and "missing" not in err.split("failed:")[1]
    code, _, _ = run_cli(capsys, "audit", WINE, "--target", "cultivar", "--checks", *QUICK, "--quiet",
                         "--fail-on", "duplicates=0.05")
    assert code == 0


@pytest.mark.parametrize(
    "argv, message",
    [
        (["audit", WINE], "the following arguments are required: --target"),
        (["audit", WINE, "--target", "cultivar", "--fail-on", "duplicates=2"], "expected CHECK=FRACTION"),
        (["audit", WINE, "--target", "cultivar", "--checks", "bogus"], "invalid choice: 'bogus'"),
        (["audit", WINE, "--target", "cultivar", "--checks", "missing", "--fail-on", "duplicates=0.1"],
         "not among the checks run"),
        (["audit", WINE, "--target", "cultivar", "--checks", "train_test_leakage", "--fail-on",
          "train_test_leakage=0"], "did not run (no test set given)"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["audit", "no/such/file.csv", "--target", "y"], "no/such/file.csv: no such file"),
        (["audit", WINE, "--target", "variety"], "no column 'variety'; the columns are: alcohol"),
    ],
)
def test_usage_errors_exit_2_with_one_line(capsys, argv, message):
    code, _, err = run_cli(capsys, *argv)
    assert code == 2
    assert message in one_line_error(err)


def _write(path, content: bytes):
    path.write_bytes(content)
    return str(path)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "the file is empty"),
        (b"\n\n", "no columns to read"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not a table (binary content)"),
        (b"Dear reader\nthis is a letter and not a table.\n", "found 1 column"),
        (b"a,y\n1,x\n2,x\n3,x\n", "one class"),
        (b"a,y\n1,x\n2,\n3,z\n4,\n", "2 missing labels, at rows 1, 3"),
        ("a,y\n1,caf\u00e9\n2,th\u00e9\n".encode("latin-1"), "not valid utf-8 text (byte 0xe9"),
        (b"a,y\n", "a header but no rows"),
        (b'a,y\n1,"x\n', "not a well-formed CSV table"),
    ],
    ids=["empty", "blank-lines", "binary", "prose", "single-class", "missing-target", "latin-1", "header-only",
         "broken-quote"],
)
def test_bad_files_exit_2_with_one_line(capsys, tmp_path, content, message):
    path = _write(tmp_path / "bad.csv", content)
    code, out, err = run_cli(capsys, "audit", path, "--target", "y", "--quiet")
    assert code == 2 and out == ""
    assert message in one_line_error(err)


def test_latin_1_reads_with_the_encoding_option(capsys, tmp_path):
    path = _write(tmp_path / "latin.csv", "a,y\n1,caf\u00e9\n2,th\u00e9\n3,caf\u00e9\n4,th\u00e9\n".encode("latin-1"))
    code, out, _ = run_cli(capsys, "audit", path, "--target", "y", "--encoding", "latin-1", "--checks",
                           "duplicates", "--quiet")
    assert code == 0 and "4 rows x 1 features" in out


def test_the_installed_command_has_no_traceback_and_exit_2(tmp_path):
    path = _write(tmp_path / "bad.csv", b"")
    command = [sys.executable, "-c", "import sys; from datafix.cli import main; sys.exit(main())",
               "audit", path, "--target", "y"]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 2
    assert finished.stderr.strip().count("\n") == 0 and "Traceback" not in finished.stderr


def test_parquet_input_and_output(capsys, tmp_path, table):
    frame, _ = table
    parquet = tmp_path / "data.parquet"
    frame.to_parquet(parquet)
    code, out, _ = run_cli(capsys, "audit", str(parquet), "--target", "y", "--checks", "duplicates", "--quiet")
    assert code == 0 and "120 rows x 2 features" in out
    output = tmp_path / "weighted.parquet"
    assert run_cli(capsys, "balance", str(parquet), "--target", "y", "--by", "weights",
                   "--output", str(output))[0] == 0
    assert len(pd.read_parquet(output)) == 120


def test_balance_weights_writes_a_weight_column(capsys, tmp_path, table):
    frame, path = table
    output = tmp_path / "out.csv"
    code, out, _ = run_cli(capsys, "balance", path, "--target", "y", "--by", "weights", "--output", str(output))
    assert code == 0
    written = pd.read_csv(output)
    assert list(written.columns) == ["a", "b", "y", "sample_weight"]
    totals = written.groupby("y")["sample_weight"].sum()
    assert np.isclose(totals["rare"], totals["common"]) and np.isclose(written["sample_weight"].mean(), 1)


@pytest.mark.parametrize("by", ["undersample", "oversample", "smote"])
def test_balance_resamplers_equalise_the_classes(capsys, tmp_path, table, by):
    frame, path = table
    output = tmp_path / "out.csv"
    code, out, _ = run_cli(capsys, "balance", path, "--target", "y", "--by", by, "--output", str(output),
                           "--random-state", "0")
    assert code == 0
    written = pd.read_csv(output)
    assert list(written.columns) == list(frame.columns)
    counts = written["y"].value_counts()
    assert counts["rare"] == counts["common"]


def test_balance_method_is_a_deprecated_alias_of_by(capsys, tmp_path, table):
    _, path = table
    new, old = tmp_path / "new.csv", tmp_path / "old.csv"
    code, _, err = run_cli(capsys, "balance", path, "--target", "y", "--by", "oversample", "--output", str(new))
    assert code == 0 and "renamed" not in err
    code, _, err = run_cli(capsys, "balance", path, "--target", "y", "--method", "oversample", "--output", str(old))
    assert code == 0 and "datafix: warning: --method was renamed to --by" in err and "--by oversample" in err
    assert new.read_text() == old.read_text()
    code, _, err = run_cli(capsys, "balance", path, "--target", "y", "--by", "weights", "--method", "weights",
                           "--output", str(old))
    assert code == 2 and "not allowed with" in one_line_error(err)
    code, _, err = run_cli(capsys, "balance", path, "--target", "y", "--output", str(old))
    assert code == 2 and "--by" in one_line_error(err)
    code, help_text, _ = run_cli(capsys, "balance", "--help")
    assert code == 0 and "--by" in help_text and "--method" not in help_text


def test_balance_has_no_parallel_work_so_n_jobs_warns(capsys, tmp_path, table):
    _, path = table
    code, _, err = run_cli(capsys, "balance", path, "--target", "y", "--by", "weights", "--n-jobs", "2",
                           "--output", str(tmp_path / "o.csv"))
    assert code == 0 and "datafix: warning: datafix balance has no parallel work, so --n-jobs does nothing" in err
    code, help_text, _ = run_cli(capsys, "balance", "--help")
    assert "--n-jobs" not in help_text


def test_smote_with_missing_values_is_a_data_error(capsys, tmp_path):
    code, _, err = run_cli(capsys, "balance", WINE, "--target", "cultivar", "--by", "smote", "--output",
                           str(tmp_path / "o.csv"))
    assert code == 2 and "impute them first" in one_line_error(err)
    assert not (tmp_path / "o.csv").exists()


def test_failed_run_leaves_an_existing_output_untouched(capsys, tmp_path, table):
    _, path = table
    output = tmp_path / "out.csv"
    output.write_text("previous")
    code, _, _ = run_cli(capsys, "balance", path, "--target", "y", "--by", "weights", "--output", str(output),
                         "--weight-column", "a")
    assert code == 2 and output.read_text() == "previous"


def test_clean_drop_and_relabel_use_the_label_issues(capsys, tmp_path):
    report = tmp_path / "r.json"
    assert run_cli(capsys, "audit", WINE, "--target", "cultivar", "--checks", "label", "--json", str(report),
                   "--random-state", "0", "--quiet")[0] == 0
    label = next(c for c in json.loads(report.read_text())["checks"] if c["name"] == "label")
    original = pd.read_csv(WINE)
    dropped, relabelled = tmp_path / "dropped.csv", tmp_path / "relabelled.csv"
    assert run_cli(capsys, "clean", WINE, "--target", "cultivar", "--action", "drop", "--output", str(dropped),
                   "--issues", str(report))[0] == 0
    assert len(pd.read_csv(dropped)) == len(original) - len(label["rows"])
    assert run_cli(capsys, "clean", WINE, "--target", "cultivar", "--action", "relabel", "--output",
                   str(relabelled), "--random-state", "0", "--quiet")[0] == 0
    fixed = pd.read_csv(relabelled)
    assert len(fixed) == len(original)
    changed = np.flatnonzero(fixed["cultivar"].to_numpy() != original["cultivar"].to_numpy())
    assert list(changed) == label["rows"]
    assert list(fixed.loc[changed, "cultivar"]) == label["suggested"]


def test_missing_report_extra_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    """Without matplotlib, --html says which extra to install and exits 2 (no 'unexpected error')."""
    import datafix.auditing._plots as plots
    from datafix._optional import MissingExtraError
    from datafix.cli import main

    def missing():
        raise MissingExtraError("matplotlib.figure is needed for this feature but is not installed: "
                                "pip install 'datafix[report]'")

    monkeypatch.setattr(plots, "_pyplot", missing)
    csv = tmp_path / "data.csv"
    csv.write_text("x,y\n" + "".join(f"{i},{i % 2}\n" for i in range(40)))
    code = main(["audit", str(csv), "--target", "y", "--html", str(tmp_path / "r.html"), "--checks", "class_imbalance"])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 2
    assert err.startswith("datafix: error:") and "pip install 'datafix[report]'" in err
