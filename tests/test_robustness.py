"""Nothing lost, nothing wrong: the command line and the API under bad input (issue 15).

The first part reproduces, one test each, every case the issue found; the
second is a property-based fuzz suite (hypothesis) over random bad CSV files
and DataFrames.
"""

import json
import os
import stat
import warnings

import numpy as np
import pandas as pd
import pytest

import datafix as dfx
from datafix.cli import main


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("datafix: error:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"A1": rng.normal(size=200), "A2": rng.normal(size=200),
                          "colour": rng.choice(["red", "green", "blue"], 200)})
    frame["class"] = np.where(frame["A1"] + rng.normal(scale=0.7, size=200) > 0.3, "good", "bad")
    path = tmp_path / "f.csv"
    frame.to_csv(path, index=False)
    return frame, path


def snapshot(folder):
    return {name: (folder / name).read_bytes() for name in sorted(os.listdir(folder))}


# -- data lost or wrong -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["clean", "--action", "drop"], ["balance", "--by", "undersample"]])
@pytest.mark.parametrize("spelling", ["same", "dot-slash", "symlink", "hard-link"])
def test_an_output_that_is_the_input_is_refused(capsys, data, tmp_path, command, spelling):
    _, path = data
    before = snapshot(tmp_path)
    output = {"same": str(path), "dot-slash": os.path.join(str(tmp_path), ".", "..", tmp_path.name, "f.csv")}.get(
        spelling)
    if spelling == "symlink":
        output = tmp_path / "link.csv"
        output.symlink_to(path)
    elif spelling == "hard-link":
        output = tmp_path / "hard.csv"
        os.link(path, output)
    before = snapshot(tmp_path)
    code, out, err = run_cli(capsys, command[0], path, "--target", "class", *command[1:], "--output", output)
    assert code == 2 and out == ""
    assert "would destroy the input" in one_line_error(err) and "--overwrite" in err
    assert snapshot(tmp_path) == before


def test_overwrite_replaces_the_input_when_asked(capsys, data):
    frame, path = data
    code, _, _ = run_cli(capsys, "balance", path, "--target", "class", "--by", "undersample", "--output", path,
                         "--overwrite")
    assert code == 0
    counts = pd.read_csv(path)["class"].value_counts()
    assert counts.nunique() == 1 and counts.sum() < len(frame)


def test_an_html_report_over_the_input_csv_is_refused(capsys, data, tmp_path):
    _, path = data
    before = snapshot(tmp_path)
    code, _, err = run_cli(capsys, "audit", path, "--target", "class", "--html", path, "--quiet")
    assert code == 2 and snapshot(tmp_path) == before
    assert "--html writes an HTML page, but the file name has '.csv'" in one_line_error(err)


@pytest.mark.parametrize("option, name, message", [
    ("--output", "x.xlsx", "--output writes a CSV (.csv), tab-separated (.tsv) or Parquet"),
    ("--output", "x", "has no extension"),
    ("--output", "x.json", "has '.json'"),
])
def test_an_output_extension_of_another_format_is_refused(capsys, data, tmp_path, option, name, message):
    _, path = data
    code, _, err = run_cli(capsys, "clean", path, "--target", "class", "--action", "drop", option, tmp_path / name)
    assert code == 2 and message in one_line_error(err)
    assert not (tmp_path / name).exists()


def test_two_outputs_to_one_file_are_refused(capsys, data, tmp_path):
    _, path = data
    (tmp_path / "r.json").write_text("{}")
    (tmp_path / "alias.md").symlink_to(tmp_path / "r.json")
    code, _, err = run_cli(capsys, "audit", path, "--target", "class", "--json", tmp_path / "r.json",
                           "--markdown", tmp_path / "alias.md", "--checks", "duplicates", "--quiet")
    assert code == 2 and "are the same file" in one_line_error(err)
    assert (tmp_path / "r.json").read_text() == "{}"


def test_compare_and_validate_outputs_are_protected_too(capsys, data, tmp_path):
    _, path = data
    before = snapshot(tmp_path)
    code, _, err = run_cli(capsys, "compare", path, "--target", "class", "--html", "./" + os.path.relpath(path))
    assert code == 2 and "--html" in one_line_error(err)
    code, _, err = run_cli(capsys, "compare", path, "--target", "class", "--json", path, "--overwrite")
    assert code == 2 and "--json writes JSON, but the file name has '.csv'" in one_line_error(err)
    code, _, err = run_cli(capsys, "audit", path, "--target", "class", "--validate", "--json",
                           tmp_path / "none" / "r.json")
    assert code == 2 and "does not exist" in one_line_error(err)
    assert snapshot(tmp_path) == before


def _audit_json(capsys, path, target, output):
    code, _, err = run_cli(capsys, "audit", path, "--target", target, "--checks", "label", "--json", output,
                           "--random-state", "0", "--quiet")
    assert code == 0, err
    return json.loads(output.read_text())


@pytest.mark.parametrize("change, message", [
    ("shuffle", "feature values or row order"),
    ("relabel", "labels differ"),
    ("edit", "feature values or row order"),
    ("rename", "feature column names"),
])
def test_clean_refuses_an_issues_file_made_from_other_data(capsys, data, tmp_path, change, message):
    frame, path = data
    _audit_json(capsys, path, "class", tmp_path / "audit.json")
    other = frame.copy()
    if change == "shuffle":
        other = other.sample(frac=1, random_state=1).reset_index(drop=True)
    elif change == "relabel":
        other.loc[:9, "class"] = np.where(other.loc[:9, "class"] == "good", "bad", "good")
    elif change == "edit":
        other.loc[5, "A2"] += 1
    else:
        other = other.rename(columns={"A2": "B2"})
    other_path = tmp_path / "other.csv"
    other.to_csv(other_path, index=False)
    before = snapshot(tmp_path)
    code, _, err = run_cli(capsys, "clean", other_path, "--target", "class", "--action", "relabel", "--issues",
                           tmp_path / "audit.json", "--output", tmp_path / "cleaned.csv")
    assert code == 2 and message in one_line_error(err) and "audit this file again" in err
    assert snapshot(tmp_path) == before


def test_clean_refuses_an_issues_file_made_with_another_target(capsys, data, tmp_path):
    frame, path = data
    _audit_json(capsys, path, "class", tmp_path / "audit.json")
    code, _, err = run_cli(capsys, "clean", path, "--target", "colour", "--action", "relabel", "--issues",
                           tmp_path / "audit.json", "--output", tmp_path / "cleaned.csv")
    assert code == 2 and "made with --target 'class', not 'colour'" in one_line_error(err)
    assert not (tmp_path / "cleaned.csv").exists()


def test_the_audit_json_records_target_classes_rows_and_fingerprint(capsys, data, tmp_path):
    document = _audit_json(capsys, data[1], "class", tmp_path / "audit.json")
    dataset = document["dataset"]
    assert dataset["target"] == "class" and dataset["classes"] == ["bad", "good"] and dataset["rows"] == 200
    assert set(dataset["fingerprint"]) == {"method", "columns", "features", "target"}
    assert "comparison" in document  # the key added with 'datafix compare' is kept


def test_a_header_that_repeats_the_target_is_refused(capsys, tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("a,class,b,class\n" + "".join(f"{i},x,{i % 3},{'yn'[i % 2]}\n" for i in range(30)))
    code, _, err = run_cli(capsys, "clean", path, "--target", "class", "--action", "drop", "--output",
                           tmp_path / "o.csv")
    assert code == 2 and "the header repeats column names: 'class' (2 times)" in one_line_error(err)


def test_a_header_with_a_name_like_a_renamed_copy_is_fine(capsys, tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("a,a.1,class\n" + "".join(f"{i},{i % 4},{'yn'[i % 2]}\n" for i in range(30)))
    code, out, _ = run_cli(capsys, "audit", path, "--target", "class", "--checks", "duplicates", "--quiet")
    assert code == 0 and "30 rows x 2 features" in out


def test_weights_for_a_continuous_target_are_refused(capsys, tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "f.csv"
    pd.DataFrame({"x": rng.normal(size=400), "price": rng.gamma(2, 100, 400).round(2)}).to_csv(path, index=False)
    for command in (["balance", "--by", "weights", "--output", tmp_path / "o.csv"],
                    ["clean", "--action", "drop", "--output", tmp_path / "o.csv"], ["audit"]):
        code, _, err = run_cli(capsys, command[0], path, "--target", "price", *command[1:], "--quiet")
        assert code == 2 and "looks continuous" in one_line_error(err) and "pd.qcut" in err
    assert not (tmp_path / "o.csv").exists()


# -- unclear errors or leaks ------------------------------------------------------------------------------------------


def test_a_missing_output_folder_is_named_before_any_work(capsys, data, tmp_path, monkeypatch):
    import datafix.labels

    _, path = data
    monkeypatch.setattr(datafix.labels, "LabelCleaner", None)  # any work would fail differently
    output = tmp_path / "no" / "such" / "out.csv"
    code, _, err = run_cli(capsys, "clean", path, "--target", "class", "--action", "drop", "--output", output)
    line = one_line_error(err)
    assert code == 2 and f"cannot write {output}: the folder {output.parent} does not exist" in line
    assert ".part" not in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_is_named_before_any_work(capsys, data, tmp_path):
    _, path = data
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        code, _, err = run_cli(capsys, "audit", path, "--target", "class", "--html", folder / "r.html")
    finally:
        folder.chmod(stat.S_IRWXU)
    assert code == 2 and f"cannot write {folder / 'r.html'}: the folder {folder} is not writable" in one_line_error(err)


def test_a_read_only_output_folder_is_named_even_as_root(capsys, data, tmp_path, monkeypatch):
    """As root every folder is writable; a refusing os.access stands in for a read-only mount."""
    import datafix._io

    _, path = data
    monkeypatch.setattr(datafix._io.os, "access", lambda *args, **kwargs: False)
    code, _, err = run_cli(capsys, "audit", path, "--target", "class", "--html", tmp_path / "r.html")
    assert code == 2 and f"the folder {tmp_path} is not writable" in one_line_error(err) and ".part" not in err


def test_the_library_write_names_the_users_path(tmp_path):
    report = dfx.audit(pd.DataFrame({"x": [1, 1, 2], "y": [0, 0, 1]}), "y", checks=["duplicates"])
    with pytest.raises(FileNotFoundError, match=r"cannot write .*missing/r\.json: the folder .* does not exist"):
        report.to_json(tmp_path / "missing" / "r.json")


def test_an_output_that_is_a_folder_is_refused(capsys, data, tmp_path):
    _, path = data
    (tmp_path / "out.csv").mkdir()
    code, _, err = run_cli(capsys, "balance", path, "--target", "class", "--by", "weights", "--output",
                           tmp_path / "out.csv")
    assert code == 2 and "it is a folder" in one_line_error(err)


def test_an_unknown_encoding_is_a_one_line_error(capsys, data):
    _, path = data
    code, _, err = run_cli(capsys, "audit", path, "--target", "class", "--encoding", "bogus")
    line = one_line_error(err)
    assert code == 2 and "--encoding 'bogus' is not a known text encoding" in line and "unexpected" not in line


def test_inf_is_named_as_inf(capsys, tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("a,b,y\n" + "".join(f"{'inf' if i == 3 else i},{i % 5},{'pn'[i % 3 == 0]}\n" for i in range(60)))
    code, _, err = run_cli(capsys, "balance", path, "--target", "y", "--by", "smote", "--output",
                           tmp_path / "o.csv")
    assert code == 2 and "column 'a' has 1 infinite values (inf or -inf)" in one_line_error(err)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning either
        code, out, err = run_cli(capsys, "audit", path, "--target", "y", "--checks", "outliers", "missing",
                                 "duplicates", "--quiet")
    assert code == 0 and "RuntimeWarning" not in err
    from datafix.validation import check_features

    with pytest.raises(ValueError, match=r"X has 1 infinite values \(inf or -inf\) at rows \[3\]"):
        check_features(pd.read_csv(path).drop(columns="y"), allow_nan=False)


@pytest.mark.parametrize("content", [
    "a,b,y\n" + "".join(f"1,x,{'pn'[i % 2]}\n" for i in range(40)),  # identical features in every row
    "a,b,y\n" + "".join(f"{i},x,{'pn'[i % 2]}\n" for i in range(40)),  # an identifier and a constant
])
def test_clean_without_informative_features_says_so(capsys, tmp_path, content):
    path = tmp_path / "f.csv"
    path.write_text(content)
    code, _, err = run_cli(capsys, "clean", path, "--target", "y", "--action", "drop", "--output", tmp_path / "o.csv")
    line = one_line_error(err)
    assert code == 2 and "no feature column can tell the classes apart" in line and "0 feature(s)" not in line


def test_clean_with_a_duplicated_feature_header_names_it(capsys, tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("a,a,y\n" + "".join(f"{i % 7},{i % 5},{'pn'[i % 2]}\n" for i in range(40)))
    code, _, err = run_cli(capsys, "clean", path, "--target", "y", "--action", "drop", "--output", tmp_path / "o.csv")
    assert code == 2 and "the header repeats column names: 'a' (2 times)" in one_line_error(err)


def test_smote_names_a_class_too_small_to_interpolate(capsys, tmp_path):
    path = tmp_path / "f.csv"
    rows = [f"{i},{i % 3},big" for i in range(40)] + ["5,1,tiny"] + [f"{i},{i},mid" for i in range(8)]
    path.write_text("a,b,y\n" + "\n".join(rows) + "\n")
    code, _, err = run_cli(capsys, "balance", path, "--target", "y", "--by", "smote", "--output", tmp_path / "o.csv")
    line = one_line_error(err)
    assert code == 2 and "class 'tiny' has 1 row" in line and "--by oversample" in line
    assert "n_neighbors" not in line


@pytest.mark.parametrize("make, message", [
    (lambda f: f.set_axis(["a", "a", "colour", "class"], axis=1), "data has duplicate column names: 'a' (2 times)"),
    (lambda f: pd.concat([f, f[["class"]]], axis=1), "duplicate column names: 'class' (2 times)"),
    (lambda f: f.assign(tags=[["x", "y"]] * len(f)), "column 'tags' holds lists in 200 rows"),
])
def test_audit_bad_frames_get_datafix_errors(data, make, message):
    frame, _ = data
    bad = make(frame)
    copy = bad.copy(deep=True)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        dfx.audit(bad, "class", checks=["duplicates", "missing", "outliers"])
    pd.testing.assert_frame_equal(bad, copy)


def test_audit_a_2d_target_is_a_datafix_error(data):
    frame, _ = data
    with pytest.raises(ValueError, match=r"y must be 1-D \(one label per row\), got an array of shape \(200, 2\)"):
        dfx.audit(frame[["A1", "A2"]], y=np.c_[frame["class"], frame["class"]], checks=["duplicates"])


@pytest.mark.parametrize("fix", [lambda: dfx.LabelCleaner(cv=3), lambda: dfx.DuplicateRemover()])
def test_fixes_name_duplicate_column_names(data, fix):
    frame, _ = data
    X = frame[["A1", "A2"]].set_axis(["a", "a"], axis=1)
    with pytest.raises(ValueError, match=r"X has duplicate column names: 'a' \(2 times\)"):
        fix().fit_resample(X, frame["class"])


def test_label_issues_with_inf_are_found_or_named(data):
    frame, _ = data
    X = frame[["A1", "A2"]].copy()
    X.iloc[3, 0] = np.inf
    found = dfx.find_label_issues(X, frame["class"], cv=3, random_state=0)  # inf is treated as missing
    assert len(found) == len(frame)
    _, y_out = dfx.LabelCleaner(cv=3, random_state=0).fit_resample(X, frame["class"])
    assert len(y_out) <= len(frame)


def test_labels_that_differ_by_whitespace_or_case_are_warned_about(capsys, data, tmp_path):
    frame, _ = data
    labels = frame["class"].where(frame.index % 2 == 0, " " + frame["class"])
    with pytest.warns(UserWarning, match=r"differ only by surrounding whitespace or letter case: ' bad' and 'bad'"):
        dfx.audit(frame.assign(**{"class": labels}), "class", checks=["class_imbalance"])
    path = tmp_path / "w.csv"
    frame.assign(**{"class": labels.str.upper().where(frame.index % 3 == 0, frame["class"])}).to_csv(path, index=False)
    code, _, err = run_cli(capsys, "audit", path, "--target", "class", "--checks", "class_imbalance", "--quiet")
    assert code == 0
    warning = [line for line in err.splitlines() if line.startswith("datafix: warning:")]
    assert len(warning) == 1 and "'BAD' and 'bad'" in warning[0]


def test_a_cut_list_of_constant_columns_says_how_many_more(data):
    frame, _ = data
    wide = frame.assign(**{f"k{i}": 1 for i in range(15)})
    report = dfx.audit(wide, "class", checks=["missing"])
    assert "15 constant columns: k0, k1, k2, k3, k4 and 10 more" in report.results["missing"].message
    assert "and 10 more" in report.recommendations()[0]["action"]


def test_markdown_escapes_html_in_values(data):
    frame, _ = data
    evil = frame.assign(colour="<script>alert(1)</script>|x")
    evil.loc[:4, "A1"] = np.nan
    markdown = dfx.audit(evil, "class", checks=["missing", "duplicates"]).to_markdown()
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown


def test_heat_map_text_reads_on_its_cell():
    from matplotlib import colormaps

    from datafix.auditing._plots import text_colour

    blues = colormaps["Blues"]
    assert text_colour(blues(0.0)) == "black" and text_colour(blues(0.2)) == "black"
    assert text_colour(blues(1.0)) == "white"


def test_the_label_matrix_explains_what_it_counts(capsys):
    wine = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples", "data", "wine.csv")
    report = dfx.audit(pd.read_csv(wine), "cultivar", checks=["label"], random_state=0)
    matrix = report.results["label"].tables["given_vs_suggested"].to_numpy()
    off = int(matrix.sum() - np.trace(matrix))
    note = f"{off} rows sit off the diagonal, of which the {report.results['label'].issues}"
    assert note in report.to_markdown() and note in report.to_html(plots=False)


# -- the fuzz suite ---------------------------------------------------------------------------------------------------

import contextlib  # noqa: E402
import io  # noqa: E402
import tempfile  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

#: Examples per fuzz test in the default run, and in the slow soak.
FUZZ_EXAMPLES, SOAK_EXAMPLES = 40, 400
#: Messages of other libraries that must never reach a datafix user.
LEAKS = ("truth value of a", "has no attribute", "Input X contains", "Expected n_neighbors", "unhashable type",
         "could not convert", "Traceback", "unexpected error", "ArrowInvalid", "Cannot use median strategy")
CHEAP_CHECKS = ["class_imbalance", "duplicates", "conflicting_labels", "near_duplicates", "outliers", "missing",
                "target_leakage"]

NAMES = st.sampled_from(["y", "a", "b", "c", "", "y ", "Ä", "a.1", "x,y", 'q"t', "1"])
CELLS = st.one_of(
    st.integers(-5, 5).map(str),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: f"{v:.3g}"),
    st.sampled_from(["inf", "-inf", "nan", "NA", "null", "?", "", "N/A", "None", "1e400", "0x1F", "TRUE"]),
    st.sampled_from(["pos", " pos", "POS", "neg", "neg ", "café", "a,b", 'say "hi"', "two\nlines", "<script>"]),
)


def _quote(cell: str, separator: str) -> str:
    if any(ch in cell for ch in (separator, '"', "\n", "\r")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


@st.composite
def csv_files(draw):
    """Bytes of a CSV that is mostly sound with a few things wrong: odd or repeated header names, stray cells
    (NaN/inf/NA/null/?/quotes/newlines), tiny and one-row classes, whitespace labels, CRLF, BOM, latin-1,
    UTF-16, no rows, one column or hundreds."""
    n_columns = draw(st.sampled_from([2, 3, 3, 4, 4, 6, 1, 300]))
    names = [*"abcdefgh"][: min(n_columns, 8) - 1] + [f"w{i}" for i in range(max(0, n_columns - 8))] + ["y"]
    names = names[:n_columns]
    for _ in range(draw(st.sampled_from([0, 0, 0, 0, 0, 1, 2]))):
        names[draw(st.integers(0, len(names) - 1))] = draw(NAMES)
    n_rows = draw(st.sampled_from([40, 40, 40, 80, 80, 12, 5, 2, 1, 0]))
    label_pool = draw(st.sampled_from([["pos", "neg"], ["pos", "neg"], ["a", "b", "c"], [1, 0], ["a", "b", "c"],
                                       [1, 0], ["pos", " pos", "neg"], ["a", "b", "tiny"], ["a"], None]))
    columns = []
    for name in names:
        if name == "y" and label_pool is not None:
            skewed = draw(st.booleans())
            column = [str(label_pool[-1] if (skewed and i == 0) else label_pool[i % max(1, len(label_pool) - skewed)])
                      for i in range(n_rows)]
        elif draw(st.integers(0, 7)) == 0:
            column = [draw(CELLS) for _ in range(n_rows)]
        else:
            base = draw(st.sampled_from(["int", "float", "float", "text", "constant"]))
            rng = np.random.default_rng(draw(st.integers(0, 2**16)))
            column = {"int": lambda: [str(v) for v in rng.integers(0, 4, n_rows)],
                      "float": lambda: [f"{v:.4f}" for v in rng.normal(size=n_rows)],
                      "text": lambda: list(rng.choice(["red", "green", "blue"], n_rows)),
                      "constant": lambda: ["1"] * n_rows}[base]()
            if column and draw(st.integers(0, 2)) == 0:
                column[draw(st.integers(0, n_rows - 1))] = draw(CELLS)
        columns.append(column)
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    lines = [",".join(_quote(n, ",") for n in names)]
    lines += [",".join(_quote(c[i], ",") for c in columns) for i in range(n_rows)]
    text = newline.join(lines) + (newline if draw(st.booleans()) else "")
    encoding = draw(st.sampled_from(["utf-8"] * 6 + ["utf-8-sig", "utf-8-sig", "latin-1", "utf-16"]))
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode("utf-8")


COMMANDS = st.sampled_from([
    ["audit", "--checks", *CHEAP_CHECKS],
    ["audit", "--checks", "label", "class_imbalance", "--cv", "2", "--markdown", "{out}/r.md", "--json",
     "{out}/r.json"],
    ["balance", "--by", "weights", "--output", "{out}/o.csv"],
    ["balance", "--by", "undersample", "--output", "{out}/o.parquet"],
    ["balance", "--by", "smote", "--output", "{out}/o.tsv"],
    ["clean", "--action", "drop", "--cv", "2", "--output", "{out}/o.csv"],
    ["balance", "--by", "oversample", "--output", "{in}"],  # the input as output: refused
])


def _run_in_process(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _check_cli_run(content: bytes, command: list, encoding: str):
    with tempfile.TemporaryDirectory() as folder:
        data = os.path.join(folder, "data.csv")
        with open(data, "wb") as stream:
            stream.write(content)
        outputs = os.path.join(folder, "out")
        os.mkdir(outputs)
        argv = [part.replace("{out}", outputs).replace("{in}", data) for part in command]
        argv = [argv[0], data, "--target", "y", *argv[1:], "--quiet", "--encoding", encoding]
        code, out, err = _run_in_process(argv)
        assert code in (0, 2), (code, err)
        lines = err.strip().splitlines()
        assert all(line.startswith(("datafix: ", "wrote ")) for line in lines), err
        assert not any(leak in err for leak in LEAKS), err
        with open(data, "rb") as stream:
            assert stream.read() == content  # the input is byte-identical
        written = sorted(os.listdir(outputs))
        assert sorted(os.listdir(folder)) == ["data.csv", "out"]  # no stray files next to the input
        assert not any(name.endswith(".part") for name in written)
        if code == 2:
            assert [line for line in lines if line.startswith("datafix: error:")] == [lines[-1]], err
            assert out == "" and written == []
            return
        expected = [os.path.basename(a) for a in argv if a.startswith(outputs)]
        assert written == sorted(expected), (written, expected)
        if argv[0] == "audit":
            assert out.startswith("datafix audit: ")
        else:
            path = os.path.join(outputs, expected[0])
            result = (pd.read_parquet(path) if path.endswith(".parquet")
                      else pd.read_csv(path, sep="\t" if path.endswith(".tsv") else ",", encoding="utf-8"))
            assert "y" in result.columns and len(result) > 0
            if "weights" in argv:
                assert result["sample_weight"].gt(0).all()


FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SOAK = settings(max_examples=SOAK_EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(content=csv_files(), command=COMMANDS, encoding=st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "latin-1"]))
def test_fuzz_cli_exits_0_with_a_result_or_2_with_one_line(content, command, encoding):
    _check_cli_run(content, command, encoding)


@pytest.mark.slow
@SOAK
@given(content=csv_files(), command=COMMANDS, encoding=st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "latin-1"]))
def test_fuzz_cli_soak(content, command, encoding):
    _check_cli_run(content, command, encoding)


@st.composite
def frames(draw):
    """Messy DataFrames: mixed and object columns, NaN/inf, duplicate names, list cells, odd labels."""
    n_rows = draw(st.sampled_from([0, 1, 3, 10, 30, 60]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    columns, names = [], []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["float", "int", "text", "mixed", "inf", "constant", "lists", "bool",
                                     "datetime", "category"]))
        column = {
            "float": lambda: rng.normal(size=n_rows),
            "int": lambda: rng.integers(0, 5, n_rows),
            "text": lambda: rng.choice(["a", "b", None], n_rows),
            "mixed": lambda: np.array([1, "x", 2.5, None, True][: max(1, n_rows)] * n_rows, dtype=object)[:n_rows],
            "inf": lambda: np.where(rng.random(n_rows) < 0.2, np.inf, rng.normal(size=n_rows)),
            "constant": lambda: np.zeros(n_rows),
            "lists": lambda: pd.Series([[1, 2]] * n_rows, dtype=object),
            "bool": lambda: rng.random(n_rows) < 0.5,
            "datetime": lambda: pd.date_range("2020-01-01", periods=n_rows, freq="D"),
            "category": lambda: pd.Categorical(rng.choice(["u", "v"], n_rows)),
        }[kind]()
        columns.append(pd.Series(np.asarray(column, dtype=object) if kind == "lists" else column).reset_index(drop=True))
        names.append(draw(st.sampled_from(["a", "b", "c", "d", 0, 1])))
    labels = draw(st.sampled_from(["binary", "strings", "whitespace", "one", "continuous", "nan", "imbalanced"]))
    y = {
        "binary": lambda: rng.integers(0, 2, n_rows),
        "strings": lambda: rng.choice(["cat", "dog", "eel"], n_rows),
        "whitespace": lambda: rng.choice(["pos", " pos", "Pos"], n_rows),
        "one": lambda: np.zeros(n_rows, dtype=int),
        "continuous": lambda: rng.normal(size=n_rows),
        "nan": lambda: np.where(rng.random(n_rows) < 0.3, np.nan, rng.integers(0, 2, n_rows)),
        "imbalanced": lambda: np.where(np.arange(n_rows) < max(1, n_rows // 20), "rare", "common"),
    }[labels]()
    frame = pd.concat(columns, axis=1, ignore_index=True) if columns else pd.DataFrame(index=range(n_rows))
    frame.columns = names
    frame["y"] = y
    return frame


def _assert_datafix_error_or_result(call):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return call()
    except ValueError as error:
        message = str(error)
        assert message and not any(leak in message for leak in LEAKS), message
        assert "\n" not in message.strip(), message
        return None


def _check_api(frame):
    copy = frame.copy(deep=True)
    report = _assert_datafix_error_or_result(lambda: dfx.audit(frame, "y", checks=CHEAP_CHECKS, random_state=0))
    if report is not None:
        assert len(report.issues) == len(frame)
        json.loads(report.to_json())
        report.to_markdown()
    pd.testing.assert_frame_equal(frame, copy)  # never mutated
    if "y" in frame.columns and isinstance(frame["y"], pd.Series):
        X, y = frame.drop(columns=["y"]), frame["y"]
        result = _assert_datafix_error_or_result(lambda: dfx.DuplicateRemover().fit_resample(X, y))
        if result is not None:
            assert len(result[0]) == len(result[1]) <= len(X)
        pd.testing.assert_frame_equal(frame, copy)


@FUZZ
@given(frame=frames())
def test_fuzz_api_gives_a_datafix_error_or_a_result_and_never_mutates(frame):
    _check_api(frame)


@pytest.mark.slow
@SOAK
@given(frame=frames())
def test_fuzz_api_soak(frame):
    _check_api(frame)
