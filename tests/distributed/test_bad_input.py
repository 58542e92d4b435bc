"""Bad input: one-line errors (CLI exit code 2) and no partial output directory left behind."""

import dask
import numpy as np
import pandas as pd
import pytest

import datafix as dfx
from datafix.cli import main
from datafix.distributed import fix_columns, read_parquet, write_parquet

dd = pytest.importorskip("dask.dataframe")


def _frame(n=400, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n), "y": rng.choice(["a", "b"], size=n)})


def _folder(tmp_path, frames, name="data"):
    folder = tmp_path / name
    folder.mkdir()
    for number, frame in enumerate(frames):
        frame.to_parquet(folder / f"part-{number}.parquet", index=False)
    return folder


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    return code, [line for line in err.splitlines() if line.startswith("datafix: error")]


def test_a_target_missing_from_some_files(tmp_path, capsys):
    folder = _folder(tmp_path, [_frame(), _frame().drop(columns="y")])
    with pytest.raises(ValueError, match="target column 'y' is missing from this file"):
        read_parquet(folder, target="y")
    code, errors = _run(capsys, "balance", folder, "--target", "y", "--by", "weights", "--output", tmp_path / "out",
                        "--scheduler", "local")
    assert code == 2 and len(errors) == 1 and "part-1.parquet" in errors[0]
    assert not (tmp_path / "out").exists()


def test_mismatched_dtypes_across_files(tmp_path, capsys):
    other = _frame().assign(x=lambda f: f["x"].astype(str))
    folder = _folder(tmp_path, [_frame(), other])
    code, errors = _run(capsys, "audit", folder, "--target", "y", "--scheduler", "local")
    assert code == 2 and len(errors) == 1 and "column 'x' has type" in errors[0]


def test_mismatched_dtypes_across_partitions(client):
    parts = [_frame(), _frame().assign(x=lambda f: f["x"].astype(str))]
    data = dd.from_delayed([dask.delayed(p) for p in parts], meta=parts[0].iloc[:0], verify_meta=False)
    with pytest.raises(ValueError, match="partition 1: column 'x' has dtype"):
        dfx.audit(data, "y", checks=["duplicates"])


def test_an_unreachable_scheduler(tmp_path, capsys):
    folder = _folder(tmp_path, [_frame()])
    code, errors = _run(capsys, "clean", folder, "--target", "y", "--action", "drop", "--output", tmp_path / "out",
                        "--scheduler", "tcp://127.0.0.1:1")
    assert code == 2 and len(errors) == 1 and "cannot reach the Dask scheduler" in errors[0]
    assert not (tmp_path / "out").exists()


def test_an_empty_partition_is_no_error_but_an_empty_dataset_is(client, tmp_path, capsys):
    frame = _frame()
    folder = _folder(tmp_path, [frame.iloc[:200], frame.iloc[:0], frame.iloc[200:]])
    report = dfx.audit(read_parquet(folder, target="y"), "y", checks=["class_imbalance", "missing"])
    assert report.info["rows"] == len(frame)
    empty = _folder(tmp_path, [frame.iloc[:0], frame.iloc[:0]], name="empty")
    code, errors = _run(capsys, "balance", empty, "--target", "y", "--by", "undersample",
                        "--output", tmp_path / "out", "--scheduler", client.scheduler.address)
    assert code == 2 and len(errors) == 1 and "no rows" in errors[0]
    assert not (tmp_path / "out").exists()


def test_a_failure_while_writing_leaves_no_directory(client, tmp_path):
    def explode(part):
        if len(part) and part["x"].iloc[0] > -100 and part.index[0] > 0:
            raise ValueError("a partition failed")
        return part

    data = dd.from_pandas(_frame(), npartitions=3).map_partitions(explode)
    with pytest.raises(ValueError, match="a partition failed"):
        write_parquet(data, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv, message", [
    (["balance", "{data}", "--target", "y", "--by", "smote", "--output", "{out}"], "not available on a Dask"),
    (["audit", "{data}", "--target", "y", "--test", "{data}"], "--test is not supported"),
    (["balance", "{data}", "--target", "nope", "--by", "weights", "--output", "{out}"], "'nope' is missing"),
    (["balance", "{data}", "--target", "y", "--by", "weights", "--output", "{data}", "--overwrite"], "is the input"),
])
def test_argument_errors_before_any_work(tmp_path, capsys, argv, message):
    folder = _folder(tmp_path, [_frame()])
    argv = [a.format(data=folder, out=tmp_path / "out") for a in argv]
    code, errors = _run(capsys, *argv, "--scheduler", "tcp://127.0.0.1:1")  # never reached: checked first
    assert code == 2 and len(errors) == 1 and message in errors[0], errors
    assert not (tmp_path / "out").exists()


def test_datafix_and_its_command_line_do_not_import_dask():
    import subprocess
    import sys

    code = ("import sys, datafix, datafix.cli, datafix.distributed; datafix.audit; "
            "print(any(m == 'dask' or m.startswith(('dask.', 'distributed')) for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"
