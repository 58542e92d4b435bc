"""``datafix audit | clean | balance`` on Parquet directories, on the test cluster."""

import json

import numpy as np
import pandas as pd
import pytest

from datafix.cli import main

pytest.importorskip("dask.dataframe")


@pytest.fixture
def folder(tmp_path):
    rng = np.random.default_rng(0)
    n = 6000
    frame = pd.DataFrame({"x": rng.normal(size=n), "c": rng.choice(["u", "v"], size=n)})
    frame["y"] = np.where(frame["x"] + rng.normal(scale=0.3, size=n) > 1.2, "rare", "common")
    frame = pd.concat([frame, frame.iloc[:40]], ignore_index=True)
    path = tmp_path / "data"
    path.mkdir()
    for number, start in enumerate(range(0, len(frame), 1500)):
        frame.iloc[start:start + 1500].to_parquet(path / f"part-{number}.parquet", index=False)
    return path, frame


def test_audit_a_parquet_glob(client, folder, tmp_path, capsys):
    path, frame = folder
    code = main(["audit", f"{path}/*.parquet", "--target", "y", "--scheduler", client.scheduler.address,
                 "--json", str(tmp_path / "r.json"), "--issues-parquet", str(tmp_path / "issues"),
                 "--checks", "duplicates", "class_imbalance", "missing", "label", "--quiet",
                 "--fail-on", "duplicates=0.5"])
    out = capsys.readouterr().out
    assert code == 0 and "duplicates" in out
    document = json.loads((tmp_path / "r.json").read_text())
    assert next(c for c in document["checks"] if c["name"] == "duplicates")["issues"] >= 40
    assert len(pd.read_parquet(tmp_path / "issues")) == len(frame)


def test_balance_and_clean_write_partitioned_parquet(client, folder, tmp_path, capsys):
    path, frame = folder
    address = client.scheduler.address
    assert main(["balance", str(path), "--target", "y", "--by", "weights", "--output", str(tmp_path / "w"),
                 "--scheduler", address, "--quiet"]) == 0
    weighted = pd.read_parquet(tmp_path / "w")
    assert len(weighted) == len(frame) and list(weighted.columns) == ["x", "c", "y", "sample_weight"]
    sums = weighted.groupby("y")["sample_weight"].sum()
    assert np.allclose(sums, sums.mean())
    assert main(["balance", str(path), "--target", "y", "--by", "undersample", "--output", str(tmp_path / "u"),
                 "--scheduler", address, "--quiet"]) == 0
    assert len(pd.read_parquet(tmp_path / "u")) < len(frame)
    assert main(["clean", str(path), "--target", "y", "--action", "drop", "--output", str(tmp_path / "c"),
                 "--scheduler", address, "--quiet", "--cv", "3"]) == 0
    cleaned = pd.read_parquet(tmp_path / "c")
    assert 0 < len(cleaned) < len(frame)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary directory left


def test_a_glob_the_shell_expanded(client, folder, tmp_path, capsys):
    path, frame = folder
    files = sorted(str(p) for p in path.glob("*.parquet"))
    assert main(["balance", *files, "--target", "y", "--by", "weights", "--output", str(tmp_path / "w"),
                 "--scheduler", client.scheduler.address, "--quiet"]) == 0
    assert len(pd.read_parquet(tmp_path / "w")) == len(frame)
    assert main(["audit", *files, "--target", "y", "--scheduler", "tcp://127.0.0.1:1", "--test", files[0]]) == 2
