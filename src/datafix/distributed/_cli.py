"""``datafix audit | clean | balance`` on a Dask cluster: Parquet directories or globs in, Parquet directories out.

Chosen by :func:`wants_cluster` (``--scheduler``, or a PATH that is a
directory or a glob). Every argument and output is checked before the
cluster starts; errors are one line (exit code 2, through
:func:`datafix.cli.main`); output directories are written atomically, so a
failed run leaves none behind.
"""

from __future__ import annotations

import logging
import os
import sys

from ..auditing import audit
from ..cli import EXIT_OK, DataError, _check_outputs, write_report_and_gate
from ._cluster import connect
from ._frame import read_parquet, require_dask
from ._parquet import check_output_directory, write_parquet
from .fixes import fix_columns

__all__ = ["run_on_cluster", "wants_cluster"]

#: ``balance --by`` choices that have a distributed form.
CLUSTER_BALANCE = ("weights", "undersample")


def wants_cluster(args) -> bool:
    """Whether a parsed command line runs on a Dask cluster."""
    if args.command not in ("audit", "clean", "balance"):
        return False
    if isinstance(args.path, list):  # several files: a glob the shell expanded
        return True
    path = str(getattr(args, "path", "") or "")
    return bool(getattr(args, "scheduler", None)) or os.path.isdir(path) or any(c in path for c in "*?[")


def _fail(message):
    raise DataError(message)


def _check(args):
    """Everything that can be checked before the cluster starts."""
    if args.command == "audit":
        for option in ("test", "validate"):
            if getattr(args, option, None):
                _fail(f"--{option} is not supported on a Dask cluster; audit the data in memory for it")

        _check_outputs(args)
        if args.issues_parquet:
            check_output_directory(args.issues_parquet, overwrite=args.overwrite)
    else:
        if args.command == "clean" and args.issues:
            _fail("--issues is not supported on a Dask cluster; the label issues are found on the cluster")
        if args.command == "balance" and args.by not in CLUSTER_BALANCE:
            _fail(f"--by {args.by} is not available on a Dask cluster; use one of: {', '.join(CLUSTER_BALANCE)}")
        if os.path.splitext(args.output)[1].lower() in (".csv", ".tsv"):
            _fail(f"--output {args.output}: on a Dask cluster the output is a directory of Parquet files; "
                  f"give a directory name")
        check_output_directory(args.output, overwrite=args.overwrite)
        sources = [os.path.abspath(p) for p in (args.path if isinstance(args.path, list) else [args.path])]
        if os.path.abspath(args.output) in sources:
            _fail(f"--output {args.output} is the input; choose another directory")
    if getattr(args, "cv", 5) < 2:
        _fail(f"--cv must be at least 2 (the number of folds), got {args.cv}")


def run_on_cluster(args) -> int:
    """Run a parsed ``audit``, ``clean`` or ``balance`` command on a Dask cluster; the exit code."""

    _check(args)
    data = read_parquet(args.path, target=args.target)
    # the scheduler's log lines (shuffle plugins, memory notes) are not for the command's user: errors only
    logging.getLogger("distributed").setLevel(logging.ERROR)
    scheduler = args.scheduler or "local"
    if not args.quiet:
        print(f"datafix {args.command}: {data.npartitions} partitions of {_shown(args.path)} on "
              f"{'a local cluster' if scheduler == 'local' else scheduler}", file=sys.stderr)
    with connect(scheduler):
        return {"audit": _audit, "clean": _clean, "balance": _balance}[args.command](data, args)


def _audit(data, args) -> int:
    checks = args.checks
    for check, _ in args.fail_on:
        if checks is not None and check not in checks:
            _fail(f"--fail-on names {check!r}, which is not among the checks run: {', '.join(checks)}")
    report = audit(data, args.target, checks=checks, cv=args.cv, random_state=args.random_state,
                   verbose=not args.quiet)
    if args.issues_parquet:
        report.to_parquet(args.issues_parquet, overwrite=args.overwrite)
    return write_report_and_gate(report, args)


def _write(fixed, data, args, names, *, filter_rows: bool, label: bool, weight_column=None) -> int:
    if filter_rows:
        fixed = fixed[fixed[names["keep_column"]]]
    if label:
        fixed = fixed.assign(**{args.target: fixed[names["label_column"]]})
    columns = list(data.columns)
    if weight_column is not None:
        fixed = fixed.assign(**{weight_column: fixed[names["weight_column"]]})
        columns.append(weight_column)
    write_parquet(fixed[columns], args.output, overwrite=args.overwrite, write_index=False)

    counts = require_dask().read_parquet(args.output, columns=[args.target])[args.target].value_counts().compute()
    print(f"{args.command}: wrote {int(counts.sum())} rows to {args.output}; per class: "
          + ", ".join(f"{k}={v}" for k, v in counts.sort_index().items()))
    return EXIT_OK


def _clean(data, args) -> int:
    names = _free_names(data)
    fixed = fix_columns(data, args.target, ["clean"], clean_action=args.action, cv=args.cv,
                        random_state=args.random_state, **names)
    return _write(fixed, data, args, names, filter_rows=args.action == "drop", label=args.action == "relabel")


def _balance(data, args) -> int:
    if args.by == "weights" and args.weight_column in data.columns:
        _fail(f"--weight-column {args.weight_column!r} already exists in {_shown(args.path)}; choose another name")
    names = _free_names(data)
    fixed = fix_columns(data, args.target, [args.by], random_state=args.random_state, **names)
    return _write(fixed, data, args, names, filter_rows=args.by == "undersample", label=False,
                  weight_column=args.weight_column if args.by == "weights" else None)


def _free_names(data) -> dict:
    """Names for the added columns that the data does not use."""
    names = {}
    for key, base in (("keep_column", "keep"), ("weight_column", "weight"), ("label_column", "label")):
        name = base
        while name in data.columns:
            name = "_" + name
        names[key] = name
    return names


def _shown(path) -> str:
    return f"{len(path)} files" if isinstance(path, list) else str(path)
