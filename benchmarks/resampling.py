"""datafix's kNN cleaners against imbalanced-learn's, side by side on the same data.

For each cleaner (and SMOTE + ENN, SMOTE + Tomek) this prints imbalanced-learn's
time, datafix's time, the ratio, both peak memories (each run in a forked process: peak
resident memory above the process's size at the start) and whether the outputs are identical (same rows, same
order, same labels).

    python benchmarks/resampling.py            # 100k x 20 binary (5% minority) + 100k x 20, 4 classes of 25% each

The two speed goals of issue 18, alone (each prints the date, the machine and the load):

    python benchmarks/resampling.py --rows 100000 --classes 4   # the six cleaners vs imbalanced-learn, 4 x 25%
    python benchmarks/resampling.py --enn-1m                     # exact ENN on 1M x 20 binary: time, CPU, peak memory

    python benchmarks/resampling.py --multiclass skewed --n-multiclass 50000   # 4 classes 50/30/15/5%
    python benchmarks/resampling.py --quick    # 10k rows, a smoke run
    python benchmarks/resampling.py --only EditedNearestNeighbours --n 200000
    python benchmarks/resampling.py --enn-1m --n 300000   # datafix ENN alone on other sizes
    python benchmarks/resampling.py --recall   # recall of the approximate neighbour search

Timings on a shared machine are noisy: run once, read ratios, not absolute times.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import resource
import time

os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

import numpy as np  # noqa: E402
from imblearn import combine as imblearn_combine  # noqa: E402
from imblearn import under_sampling as imblearn_under  # noqa: E402
from imblearn.over_sampling import SMOTE  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402

import datafix as dfx  # noqa: E402
from datafix import resampling  # noqa: E402
from datafix.neighbors import compute_neighbor_graph  # noqa: E402

CLEANERS = [
    ("EditedNearestNeighbours", {}),
    ("RepeatedEditedNearestNeighbours", {}),
    ("AllKNN", {}),
    ("TomekLinks", {}),
    ("NeighbourhoodCleaningRule", {}),
    ("OneSidedSelection", {"random_state": 0}),
]


def binary_data(n_samples, seed=0):
    return make_classification(
        n_samples=n_samples, n_features=20, n_informative=5, n_redundant=2, weights=[0.95], flip_y=0.01,
        random_state=seed,
    )


MULTICLASS_WEIGHTS = {"balanced": [0.25, 0.25, 0.25, 0.25], "skewed": [0.5, 0.3, 0.15, 0.05]}


def multiclass_data(n_samples, seed=1, kind="balanced"):
    return make_classification(
        n_samples=n_samples, n_features=20, n_informative=6, n_redundant=2, n_classes=4,
        weights=MULTICLASS_WEIGHTS[kind], flip_y=0.01, random_state=seed,
    )


def _current_rss_mib():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _child(function, connection):
    gc.collect()
    baseline = _current_rss_mib()
    started = time.perf_counter()
    cpu_started = time.process_time()
    result = function()
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started  # all threads: the work done, less sensitive to load than wall time
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    connection.send((result, seconds, max(peak - baseline, 0.0), cpu_seconds))
    connection.close()


def measure(function):
    """Run ``function`` in a forked process: (result, seconds, peak extra memory in MiB).

    Peak memory is the child's peak resident set size minus its size at the
    start, so it counts every allocation (numpy, Cython buffers, BLAS), not
    only those tracemalloc sees.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(function, sender))
    process.start()
    sender.close()
    result, seconds, peak, cpu_seconds = receiver.recv()
    process.join()
    LAST_CPU[0] = cpu_seconds
    return result, seconds, peak


LAST_CPU = [0.0]


def same_output(a, b):
    Xa, ya = a[0], a[1]
    Xb, yb = b[0], b[1]
    return Xa.shape == Xb.shape and np.array_equal(Xa, Xb) and np.array_equal(np.asarray(ya), np.asarray(yb))


def row(label, anchor, ours, identical, cpu=None):
    (_, t_anchor, m_anchor), (_, t_ours, m_ours) = anchor, ours
    cpu_text = "" if cpu is None else f" | cpu {cpu[0]:.2f}s / {cpu[1]:.2f}s = x{cpu[0] / max(cpu[1], 1e-9):.1f}"
    print(
        f"{label:<44} imblearn {t_anchor:8.2f}s {m_anchor:8.1f}MiB | datafix {t_ours:8.2f}s {m_ours:8.1f}MiB | "
        f"x{t_anchor / t_ours:6.1f} faster | identical={identical}{cpu_text} | load {os.getloadavg()[0]:.1f}",
        flush=True,
    )


def compare_cleaners(X, y, title, only=None):
    print(f"\n== {title}: {X.shape[0]} x {X.shape[1]}, class counts {np.bincount(y).tolist()}")
    for name, params in CLEANERS:
        if only and name not in only:
            continue
        anchor = measure(lambda: getattr(imblearn_under, name)(**params).fit_resample(X, y))
        cpu_anchor = LAST_CPU[0]
        ours = measure(lambda: getattr(resampling, name)(**params).fit_resample(X, y))
        row(name, anchor, ours, same_output(anchor[0], ours[0]), (cpu_anchor, LAST_CPU[0]))


def compare_combinations(X, y, only=None):
    recipes = [
        ("SMOTE + ENN (SMOTEENN)", lambda: imblearn_combine.SMOTEENN(random_state=0),
         lambda: dfx.make_pipeline(SMOTE(random_state=0), resampling.EditedNearestNeighbours(sampling_strategy="all"))),
        ("SMOTE + Tomek (SMOTETomek)", lambda: imblearn_combine.SMOTETomek(random_state=0),
         lambda: dfx.make_pipeline(SMOTE(random_state=0), resampling.TomekLinks(sampling_strategy="all"))),
    ]
    for label, make_anchor, make_ours in recipes:
        if only and not any(name in label for name in only):
            continue
        anchor = measure(lambda: make_anchor().fit_resample(X, y))
        ours = measure(lambda: make_ours().fit_resample(X, y))
        row(label, anchor, ours, same_output(anchor[0], ours[0]))


def recall(n_samples):
    X, _ = binary_data(n_samples)
    exact, t_exact, _ = measure(lambda: compute_neighbor_graph(X, 10))
    approximate, t_approx, _ = measure(lambda: compute_neighbor_graph(X, 10, algorithm="approximate"))
    hits = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact.indices, approximate.indices)])
    print(f"\n== approximate search, {n_samples} x 20, 10 neighbours: recall@10 = {hits:.3f}; "
          f"exact {t_exact:.1f}s, approximate {t_approx:.1f}s")


def machine_line():
    """The date, the machine (CPU model, cores, BLAS threads) and the load, printed with every run."""
    import datetime
    import platform

    from threadpoolctl import threadpool_info

    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    blas = [f"{lib['internal_api']} {lib['num_threads']} threads" for lib in threadpool_info() if lib["user_api"] == "blas"]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"# {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC | {model} | {cores} cores | "
          f"BLAS {', '.join(blas) or 'unknown'} | load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}",
          flush=True)


def enn_1m(n_samples, algorithm):
    X, y = binary_data(n_samples)
    (X_res, y_res), seconds, peak = measure(
        lambda: resampling.EditedNearestNeighbours(algorithm=algorithm).fit_resample(X, y)
    )
    print(f"\n== datafix EditedNearestNeighbours(algorithm={algorithm!r}) on {n_samples} x 20: {seconds:.1f}s, "
          f"CPU {LAST_CPU[0]:.1f}s (all threads), peak {peak:.0f} MiB, kept {len(y_res)} of {len(y)} rows, "
          f"load {os.getloadavg()[0]:.1f}", flush=True)


def enn_agreement(n_samples):
    """How often approximate ENN takes the same decision as exact ENN (= imbalanced-learn's)."""
    X, y = binary_data(n_samples)
    def kept_rows(algorithm):
        cleaner = resampling.EditedNearestNeighbours(algorithm=algorithm)
        cleaner.fit_resample(X, y)
        kept = np.zeros(len(y), bool)
        kept[cleaner.sample_indices_] = True
        return kept

    (kept_exact, t_exact, _), (kept_approx, t_approx, _) = measure(lambda: kept_rows("exact")), measure(
        lambda: kept_rows("approximate")
    )
    removed_both = np.sum(~kept_exact & ~kept_approx)
    print(f"== ENN approximate vs exact, {n_samples} x 20: same decision for {np.mean(kept_exact == kept_approx):.4f} "
          f"of rows; exact removes {np.sum(~kept_exact)}, approximate {np.sum(~kept_approx)}, both {removed_both}; "
          f"exact {t_exact:.1f}s, approximate {t_approx:.1f}s",
          flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10k rows")
    parser.add_argument("--n", type=int, default=None, help="rows of the binary data set (default 100000)")
    parser.add_argument("--n-multiclass", type=int, default=None, help="rows of the 4-class data set (default 100000)")
    parser.add_argument("--rows", type=int, default=None, help="rows of the data set chosen by --classes")
    parser.add_argument("--classes", type=int, choices=[2, 4], default=None,
                        help="run only this data set: 2 (binary, 5%% minority) or 4 (four classes, see --multiclass)")
    parser.add_argument("--multiclass", default="balanced", choices=sorted(MULTICLASS_WEIGHTS),
                        help="4 classes of 25%% each (balanced) or 50/30/15/5%% (skewed)")
    parser.add_argument("--only", nargs="*", default=None, help="cleaner names to run")
    parser.add_argument("--skip-multiclass", action="store_true")
    parser.add_argument("--skip-combinations", action="store_true")
    parser.add_argument("--enn-1m", action="store_true", help="datafix ENN alone on 1M x 20")
    parser.add_argument("--algorithm", default="exact", choices=["exact", "approximate"], help="for --enn-1m")
    parser.add_argument("--recall", action="store_true", help="recall of the approximate search and ENN agreement")
    parser.add_argument("--skip-cleaners", action="store_true", help="binary data: only the combinations")
    args = parser.parse_args()
    machine_line()
    if args.classes == 4:
        args.skip_cleaners = args.skip_combinations = True
        args.n_multiclass = args.rows or args.n_multiclass
    elif args.classes == 2:
        args.skip_multiclass = True
        args.n = args.rows or args.n
    if args.enn_1m:
        enn_1m(args.n or 1_000_000, args.algorithm)
        return
    if args.recall:
        recall(args.n or (10_000 if args.quick else 100_000))
        enn_agreement(args.n or (10_000 if args.quick else 100_000))
        return
    n_binary = args.n or (10_000 if args.quick else 100_000)
    n_multi = args.n_multiclass or (5_000 if args.quick else 100_000)
    if not (args.skip_cleaners and args.skip_combinations):
        X, y = binary_data(n_binary)
    if not args.skip_cleaners:
        compare_cleaners(X, y, "binary, 5% minority", args.only)
    if not args.skip_combinations:
        compare_combinations(X, y, args.only)
    if not args.skip_multiclass:
        X, y = multiclass_data(n_multi, kind=args.multiclass)
        title = "4 classes, " + "/".join(f"{w:.0%}" for w in MULTICLASS_WEIGHTS[args.multiclass])
        compare_cleaners(X, y, title, args.only)


if __name__ == "__main__":
    main()
