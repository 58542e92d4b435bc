"""The audit of a Parquet dataset larger than a worker's memory, on a LocalCluster of 2 workers.

Writes an N x 20 Parquet dataset (5 classes, injected exact duplicates,
conflicting copies, missing cells and label noise; default N = 20 million,
``--rows`` to run smaller), audits it with ``datafix.audit`` on a
LocalCluster of 2 worker processes with a memory limit each (default 2 GiB,
well below the dataset), and prints:

* the wall time of the audit and of ``fix_columns``, and the peak memory of
  any worker (sampled every 0.5 s from the scheduler's view of the workers);
* whether the exact checks' counts equal the injected truth (duplicates,
  conflicting rows, rows with missing cells, class counts);
* the label-issue precision, recall and F1 against the injected noise, for the
  default cluster model and for given probabilities;
* the class balance of the kept rows' weights after ``fix_columns``.

With ``--compare`` (for N that fits in memory) it also runs the in-memory
audit of the collected data and prints both wall times and the agreement.

Run: ``python benchmarks/distributed.py --rows 2000000 --folder /tmp/dfx-bench``;
the folder is deleted at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import threading
import time

# this file is named like the ``distributed`` package: keep its folder off the import path (and the workers')
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import numpy as np
import pandas as pd

N_FEATURES = 20
CLASSES = np.array(["c0", "c1", "c2", "c3", "c4"], dtype=object)
PRIORS = [0.4, 0.25, 0.18, 0.12, 0.05]
#: Each class's mean on the 5 informative features (the rest are noise).
CLASS_MEANS = np.random.default_rng(12345).normal(scale=1.5, size=(5, 5))


def write_dataset(folder: str, n_rows: int, rows_per_file: int, seed: int = 0) -> dict:
    """Write the dataset file by file (never all in memory); the injected truth.

    Duplicates and conflicting copies are drawn from the same file, so that
    each file is written on its own. 15 numeric features (5 informative: a
    mean per class), 4
    categorical, 1 integer; 1% of the cells of ``f1`` and ``f7`` missing;
    5% of the labels flipped; ``proba_*`` columns hold a noisy model's
    probabilities of the true class.
    """
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    truth = {"rows": 0, "duplicates": 0, "conflicts": 0, "rows_with_missing": 0, "class_counts": np.zeros(5, int),
             "noisy": []}
    written = 0
    number = 0
    while written < n_rows:
        n = min(rows_per_file, n_rows - written)
        n_dup, n_conflict = n // 100, n // 500
        base = n - n_dup - n_conflict
        true = rng.choice(5, size=base, p=PRIORS)
        columns = {}
        for i in range(15):
            shift = CLASS_MEANS[true, i] if i < 5 else 0.0
            columns[f"f{i}"] = (rng.normal(size=base) + shift).astype(np.float64)
        for i in range(4):
            columns[f"cat{i}"] = rng.choice(["a", "b", "c", "d", "e"], size=base).astype(object)
        columns["count"] = rng.integers(0, 1000, size=base)
        frame = pd.DataFrame(columns)
        frame.loc[rng.random(base) < 0.01, "f1"] = np.nan
        frame.loc[rng.random(base) < 0.01, "f7"] = np.nan
        given = true.copy()
        noisy = rng.random(base) < 0.05
        given[noisy] = (true[noisy] + rng.integers(1, 5, size=noisy.sum())) % 5
        logits = rng.normal(size=(base, 5)) * 1.0 + 2.5 * np.eye(5)[true]
        proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        frame["target"] = CLASSES[given]
        for k in range(5):
            frame[f"proba_{CLASSES[k]}"] = proba[:, k]
        frame["noisy"] = noisy
        sources = rng.choice(base, n_dup + n_conflict, replace=False)  # disjoint: a copy is a duplicate or a conflict
        duplicates = frame.iloc[sources[:n_dup]]
        conflicts = frame.iloc[sources[n_dup:]].copy()
        conflicts["target"] = CLASSES[(pd.Index(CLASSES).get_indexer(conflicts["target"]) + 1) % 5]
        conflicts["noisy"] = True
        frame = pd.concat([frame, duplicates, conflicts], ignore_index=True)
        truth["rows"] += len(frame)
        truth["duplicates"] += n_dup
        truth["conflicts"] += 2 * n_conflict
        truth["rows_with_missing"] += int(frame[[f"f{i}" for i in range(15)]].isna().any(axis=1).sum())
        truth["class_counts"] += np.bincount(pd.Index(CLASSES).get_indexer(frame["target"]), minlength=5)
        truth["noisy"].append(frame.pop("noisy").to_numpy())
        frame.to_parquet(os.path.join(folder, f"part-{number:05d}.parquet"), index=False)
        written += n
        number += 1
    truth["noisy"] = np.concatenate(truth["noisy"])
    return truth


class PeakMemory:
    """The largest memory of any worker, sampled from the scheduler every ``interval`` seconds."""

    def __init__(self, client, interval=0.5):
        self.client, self.interval, self.peak, self.spilled = client, interval, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                workers = self.client.scheduler_info(n_workers=-1)["workers"].values()
                self.peak = max([self.peak] + [w["metrics"]["memory"] for w in workers])
                self.spilled = max([self.spilled] + [w["metrics"].get("spilled_bytes", {}).get("disk", 0)
                                                     for w in workers])
            except Exception:  # noqa: BLE001 - a sample missed while the cluster is busy
                pass
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def f1_scores(flagged, noisy):
    hits = int((flagged & noisy).sum())
    precision = hits / max(int(flagged.sum()), 1)
    recall = hits / max(int(noisy.sum()), 1)
    return precision, recall, 2 * precision * recall / max(precision + recall, 1e-12)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--rows-per-file", type=int, default=250_000)
    parser.add_argument("--folder", default="/tmp/datafix-distributed-benchmark")
    parser.add_argument("--memory-limit", default="2GiB")
    parser.add_argument("--compare", action="store_true", help="also run the in-memory audit (N must fit)")
    parser.add_argument("--skip-model", action="store_true", help="skip the default cluster model's label check")
    parser.add_argument("--keep", action="store_true", help="keep the Parquet folder")
    args = parser.parse_args()

    from distributed import Client, LocalCluster

    import datafix as dfx
    from datafix.distributed import fix_columns, read_parquet

    if os.path.exists(args.folder):
        shutil.rmtree(args.folder)
    tic = time.perf_counter()
    truth = write_dataset(args.folder, args.rows, args.rows_per_file)
    size = sum(os.path.getsize(os.path.join(args.folder, f)) for f in os.listdir(args.folder))
    files = sorted(os.listdir(args.folder))
    first = pd.read_parquet(os.path.join(args.folder, files[0]))
    in_memory = first.memory_usage(deep=True).sum() / len(first) * truth["rows"]
    print(f"wrote {truth['rows']:,} rows x {N_FEATURES} features (+ target, 5 probability columns) in "
          f"{time.perf_counter() - tic:.0f} s: {size / 2**30:.2f} GiB of Parquet, {in_memory / 2**30:.2f} GiB as a "
          f"pandas DataFrame")
    del first
    proba_columns = [f"proba_{c}" for c in CLASSES]
    exact = ["class_imbalance", "duplicates", "conflicting_labels", "missing"]
    try:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None, memory_limit=args.memory_limit) as cluster, Client(cluster) as client:
            data = read_parquet(args.folder, target="target")
            print(f"{data.npartitions} partitions; LocalCluster: 2 workers, memory limit {args.memory_limit} each")
            with PeakMemory(client) as memory:
                tic = time.perf_counter()
                report = dfx.audit(data, "target", pred_proba=proba_columns,
                                   checks=exact + ["label", "target_leakage", "near_duplicates", "outliers"])
                flagged = report.issues["is_label_issue"].compute().to_numpy()
                seconds = time.perf_counter() - tic
            summary = report.summary.set_index("check")["issues"]
            print(f"audit (exact checks + target leakage + label on given probabilities): {seconds:.1f} s wall, "
                  f"peak worker memory {memory.peak / 2**30:.2f} GiB, most spilled to disk by a worker "
                  f"{memory.spilled / 2**30:.2f} GiB")
            counts = report.class_counts.to_numpy()
            checks = {
                "duplicates": (int(summary["duplicates"]), truth["duplicates"]),
                "conflicting_labels": (int(summary["conflicting_labels"]), truth["conflicts"]),
                "missing": (int(summary["missing"]), truth["rows_with_missing"]),
                "class counts": (counts.tolist(), truth["class_counts"].tolist()),
            }
            for name, (found, injected) in checks.items():
                print(f"  {name}: found {found}, injected {injected}: {'EQUAL' if found == injected else 'DIFFERENT'}")
            print("  label (given probabilities): precision %.3f recall %.3f F1 %.3f" % f1_scores(flagged,
                                                                                                   truth["noisy"]))
            print(f"  skipped: {sorted(report.skipped)}")
            if not args.skip_model:
                with PeakMemory(client) as memory:
                    tic = time.perf_counter()
                    model_report = dfx.audit(data[[c for c in data.columns if c not in proba_columns]], "target",
                                             checks=["label"], cv=3, random_state=0)
                    model_flags = model_report.issues["is_label_issue"].compute().to_numpy()
                    seconds = time.perf_counter() - tic
                print(f"label check with the default cluster model (3 folds, 2 epochs of partial_fit): {seconds:.1f} s,"
                      f" peak worker memory {memory.peak / 2**30:.2f} GiB; precision %.3f recall %.3f F1 %.3f"
                      % f1_scores(model_flags, truth["noisy"]))
            with PeakMemory(client) as memory:
                tic = time.perf_counter()
                fixed = fix_columns(data, "target", ["clean", "undersample", "weights"], pred_proba=proba_columns)
                balance = fixed[fixed["keep"]].groupby("label")["weight"].agg(["count", "sum"]).compute()
                seconds = time.perf_counter() - tic
            print(f"fix_columns(clean, undersample, weights): {seconds:.1f} s, peak worker memory "
                  f"{memory.peak / 2**30:.2f} GiB, spilled {memory.spilled / 2**30:.2f} GiB; kept rows and their weight per class:")
            print(balance.to_string())
            if args.compare:
                frame = pd.read_parquet(args.folder)
                tic = time.perf_counter()
                memory_report = dfx.audit(frame.drop(columns=proba_columns), "target", checks=exact)
                in_memory = time.perf_counter() - tic
                tic = time.perf_counter()
                cluster_report = dfx.audit(data, "target", checks=exact)
                cluster_issues = cluster_report.issues.compute()
                on_cluster = time.perf_counter() - tic
                agree = all((cluster_issues[c].to_numpy() == memory_report.issues[c].to_numpy()).all()
                            for c in ["is_duplicates_issue", "is_conflicting_labels_issue", "is_missing_issue",
                                      "duplicates_group", "missing_cells"])
                same_counts = (cluster_report.summary["issues"].tolist() == memory_report.summary["issues"].tolist())
                print(f"exact checks on {len(frame):,} rows: in memory {in_memory:.1f} s, on the cluster "
                      f"{on_cluster:.1f} s; same counts: {same_counts}; same per-row flags: {agree}")
    finally:
        if not args.keep:
            shutil.rmtree(args.folder, ignore_errors=True)
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
