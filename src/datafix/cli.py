"""The ``datafix`` command: ``datafix audit | clean | balance | compare``.

Exit codes: 0 success; 1 ``audit --fail-on`` threshold exceeded (for CI
gates); 2 usage or data error, reported as one line on stderr (no traceback).
Progress goes to stderr, results to stdout, so ``datafix audit ... > out.txt``
captures only the summary. Every output file is written atomically: through a
temporary file in the same folder, renamed into place when complete, so an
interrupted run never leaves a half-written file over an existing one.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import pandas as pd

from ._optional import MissingExtraError

__all__ = ["main", "read_table", "write_table"]

EXIT_OK, EXIT_FAILED_GATE, EXIT_ERROR = 0, 1, 2
PARQUET_SUFFIXES = (".parquet", ".pq")


class DataError(Exception):
    """A problem with the user's input: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line instead of usage + message
        raise DataError(f"{message} (see '{self.prog} --help')")


def read_table(path: str, *, encoding: str = "utf-8") -> pd.DataFrame:
    """Read a CSV or Parquet file into a DataFrame, or raise :class:`DataError` with a one-line reason.

    Parquet is recognised by its suffix (``.parquet``, ``.pq``) or its magic
    bytes; everything else is read as CSV (``.tsv`` as tab-separated).

    Examples
    --------
    >>> import os, tempfile
    >>> from datafix.cli import read_table
    >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(path, "w").write("a,b\\n1,x\\n2,y\\n")
    >>> read_table(path).shape
    (2, 2)
    """
    if not os.path.exists(path):
        raise DataError(f"{path}: no such file")
    if os.path.isdir(path):
        raise DataError(f"{path}: is a folder, not a CSV or Parquet file")
    if os.path.getsize(path) == 0:
        raise DataError(f"{path}: the file is empty; expected a CSV or Parquet table with a header row")
    with open(path, "rb") as stream:
        head = stream.read(8192)
    if path.lower().endswith(PARQUET_SUFFIXES) or head[:4] == b"PAR1":
        try:
            return pd.read_parquet(path)
        except ImportError:
            raise DataError("reading Parquet needs pyarrow: pip install 'datafix[parquet]'") from None
        except Exception as error:  # noqa: BLE001 - pyarrow raises many types
            raise DataError(f"{path}: not a readable Parquet file ({_first_line(error)})") from None
    if b"\x00" in head:
        raise DataError(f"{path}: not a table (binary content); expected a CSV or Parquet file")
    separator = "\t" if path.lower().endswith(".tsv") else ","
    try:
        frame = pd.read_csv(path, sep=separator, encoding=encoding)
    except UnicodeDecodeError as error:
        raise DataError(
            f"{path}: not valid {encoding} text (byte 0x{error.object[error.start]:02x} at position {error.start}); "
            f"save it as UTF-8 or pass --encoding (e.g. --encoding latin-1)"
        ) from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: no columns to read; expected a CSV table with a header row") from None
    except pd.errors.ParserError as error:
        raise DataError(f"{path}: not a well-formed CSV table ({_first_line(error)})") from None
    if frame.shape[1] < 2:
        raise DataError(
            f"{path}: found {frame.shape[1]} column; expected a table with a target column and at least "
            f"one feature (is the separator a comma?)"
        )
    if len(frame) == 0:
        raise DataError(f"{path}: the table has a header but no rows")
    return frame


def write_table(frame: pd.DataFrame, path: str) -> None:
    """Write ``frame`` as CSV or Parquet (by suffix), atomically, without the index."""
    from ._io import write_atomically

    if path.lower().endswith(PARQUET_SUFFIXES):
        write_atomically(path, lambda stream: frame.to_parquet(stream, index=False), mode="wb")
    else:
        write_atomically(path, lambda stream: frame.to_csv(stream, index=False, lineterminator="\n"))


def _first_line(error) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _fail_on(text: str):
    check, separator, value = text.partition("=")
    try:
        fraction = float(value)
    except ValueError:
        fraction = None
    if not separator or not check or fraction is None or not 0 <= fraction <= 1:
        raise argparse.ArgumentTypeError(f"expected CHECK=FRACTION with FRACTION in [0, 1], got {text!r}")
    return check, fraction


def _target_column(frame: pd.DataFrame, target: str, path: str) -> None:
    if target not in frame.columns:
        shown = ", ".join(map(str, list(frame.columns)[:10]))
        more = ", ..." if frame.shape[1] > 10 else ""
        raise DataError(f"{path}: no column {target!r}; the columns are: {shown}{more}")


def _build_parser() -> argparse.ArgumentParser:
    from .auditing import CHECKS

    parser = _Parser(prog="datafix", description="Audit and fix the training data of classifiers.")
    parser.add_argument("--version", action="version", version=f"datafix {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    audit = commands.add_parser("audit", help="find what is wrong with a dataset",
                                description="Audit a CSV or Parquet dataset and print a summary table.")
    audit.add_argument("path", help="CSV or Parquet file")
    audit.add_argument("--target", required=True, help="the label column")
    audit.add_argument("--test", help="a held-out CSV or Parquet file, checked for rows that occur in PATH")
    audit.add_argument("--html", help="write the HTML report here")
    audit.add_argument("--json", help="write the JSON report here")
    audit.add_argument("--markdown", help="write the Markdown report here")
    audit.add_argument("--checks", nargs="+", choices=list(CHECKS), metavar="CHECK",
                       help=f"run only these checks (default: all): {', '.join(CHECKS)}")
    audit.add_argument("--fail-on", nargs="+", type=_fail_on, default=[], metavar="CHECK=FRACTION",
                       help="exit with code 1 when CHECK's fraction of issues exceeds FRACTION")
    audit.add_argument("--cv", type=int, default=5, help="folds for out-of-fold probabilities (default 5)")
    audit.add_argument("--validate", action="store_true",
                       help="also compare the candidate fixes against the model alone (see 'datafix compare') and "
                            "include the comparison in the reports")
    _model_options(audit)
    _common(audit)

    compare = commands.add_parser(
        "compare", help="does a fix help? score the candidate fixes against the model alone",
        description="Audit the dataset, then score every candidate fix for what was found against the model alone "
                    "on the same repeated stratified folds (5x2), and print which help, with confidence intervals.")
    compare.add_argument("path", help="CSV or Parquet file")
    compare.add_argument("--target", required=True, help="the label column")
    compare.add_argument("--html", help="write the HTML comparison (table, score distributions, radar chart) here")
    compare.add_argument("--json", help="write the JSON comparison here")
    _model_options(compare)
    _common(compare)

    clean = commands.add_parser("clean", help="drop or relabel rows with label issues",
                                description="Find label issues (or read them from an audit's JSON) and write "
                                            "the cleaned dataset.")
    clean.add_argument("path")
    clean.add_argument("--target", required=True)
    clean.add_argument("--action", choices=["drop", "relabel"], required=True)
    clean.add_argument("--output", required=True, help="CSV or Parquet file to write")
    clean.add_argument("--issues", help="the JSON report of 'datafix audit --json' for this file: reuse its "
                                        "label issues instead of computing them")
    clean.add_argument("--cv", type=int, default=5)
    _common(clean)

    balance = commands.add_parser("balance", help="balance the classes",
                                  description="Balance the classes by weights or resampling and write the result.")
    balance.add_argument("path")
    balance.add_argument("--target", required=True)
    balance.add_argument("--method", choices=["weights", "undersample", "oversample", "smote"], required=True)
    balance.add_argument("--output", required=True)
    balance.add_argument("--weight-column", default="sample_weight",
                         help="name of the weight column written by --method weights (default sample_weight)")
    _common(balance)
    return parser


#: The models of ``--model``: name -> factory taking the random state.
MODELS = {
    "logistic": lambda seed: _logistic(),
    "hgb": lambda seed: _hist_gradient_boosting(seed),
    "rf": lambda seed: _random_forest(seed),
}


def _logistic():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=1000)


def _hist_gradient_boosting(seed):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(random_state=seed)


def _random_forest(seed):
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=200, random_state=seed)


def _model_options(parser) -> None:
    parser.add_argument("--model", choices=list(MODELS), default="logistic",
                        help="the model the fixes are validated with (default logistic regression)")
    parser.add_argument("--scoring", nargs="+", metavar="SCORE",
                        help="scores to report, the first decides (default: balanced_accuracy, gmean, f1_macro, "
                             "mcc, roc_auc_ovr, average_precision_macro, neg_log_loss)")


def _check_scoring(names) -> None:
    if names:
        from .metrics import get_scorers

        get_scorers(list(names))  # unknown names: one line, before any work


def _common(parser) -> None:
    parser.add_argument("--n-jobs", type=int, default=None)
    parser.add_argument("--random-state", type=int, default=0,
                        help="seed of the folds and samplers (default 0: the same file gives the same result)")
    parser.add_argument("--encoding", default="utf-8", help="text encoding of CSV input (default utf-8)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")


def _version() -> str:
    from . import __version__

    return __version__


def _run_audit(args) -> int:
    from .auditing import audit

    frame = read_table(args.path, encoding=args.encoding)
    _target_column(frame, args.target, args.path)
    test = None
    if args.test:
        test = read_table(args.test, encoding=args.encoding)
    checks = args.checks
    for check, _ in args.fail_on:
        if check not in (checks or _all_checks()):
            raise DataError(f"--fail-on names {check!r}, which is not among the checks run: "
                            f"{', '.join(checks or _all_checks())}")
    if args.validate:
        _check_scoring(args.scoring)
    report = audit(frame, args.target, test=test, checks=checks, cv=args.cv, n_jobs=args.n_jobs,
                   random_state=args.random_state, verbose=not args.quiet)
    if args.validate:
        _validate(report, args)
    for option, write in (("html", report.to_html), ("json", report.to_json)):
        if getattr(args, option):
            write(getattr(args, option))
    if args.markdown:
        from ._io import write_atomically

        write_atomically(args.markdown, report.to_markdown())
    print(report)
    fractions = report.summary.set_index("check")["fraction"]
    failed = []
    for check, limit in args.fail_on:
        if check not in fractions.index:
            raise DataError(f"--fail-on {check}: the check did not run ({report.skipped.get(check, 'not run')})")
        if fractions[check] > limit:
            failed.append(f"{check} {fractions[check]:.4g} > {limit:g}")
    for path in (args.html, args.json, args.markdown):
        if path:
            print(f"wrote {path}", file=sys.stderr)
    if failed:
        print("datafix audit: failed: " + "; ".join(failed), file=sys.stderr)
        return EXIT_FAILED_GATE
    return EXIT_OK


def _validate(report, args):
    """Run the fix comparison of a validated recommend(); the report keeps it."""
    if not args.quiet:
        print(f"datafix: comparing candidate fixes with {args.model} on 5x2 folds ...", file=sys.stderr)
    report.recommend(MODELS[args.model](args.random_state), validate=True, scoring=args.scoring,
                     n_jobs=args.n_jobs, random_state=args.random_state, verbose=not args.quiet)
    return report.comparison


#: The checks whose findings decide the candidate fixes of ``datafix compare``.
COMPARE_CHECKS = ["class_imbalance", "label", "duplicates", "conflicting_labels"]


def _run_compare(args) -> int:
    from .auditing import audit

    frame = read_table(args.path, encoding=args.encoding)
    _target_column(frame, args.target, args.path)
    _check_scoring(args.scoring)
    report = audit(frame, args.target, checks=COMPARE_CHECKS, n_jobs=args.n_jobs, random_state=args.random_state,
                   verbose=not args.quiet)
    comparison = _validate(report, args)
    print(comparison)
    for option, write in (("html", comparison.to_html), ("json", comparison.to_json)):
        if getattr(args, option):
            write(getattr(args, option))
            print(f"wrote {getattr(args, option)}", file=sys.stderr)
    return EXIT_OK


def _all_checks():
    from .auditing import CHECKS

    return list(CHECKS)


def _label_issues_from_json(path: str, frame: pd.DataFrame):
    import json

    try:
        with open(path, encoding="utf-8") as stream:
            document = json.load(stream)
    except (OSError, ValueError) as error:
        raise DataError(f"{path}: not a readable JSON audit report ({_first_line(error)})") from None
    from .auditing import SCHEMA

    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise DataError(f"{path}: not a datafix audit report (write one with 'datafix audit ... --json {path}')")
    label = next((c for c in document.get("checks", []) if c.get("name") == "label"), None)
    if label is None:
        raise DataError(f"{path}: the report has no 'label' check; run the audit with the label check")
    if document["dataset"]["rows"] != len(frame):
        raise DataError(f"{path}: the report is of a dataset with {document['dataset']['rows']} rows, "
                        f"this file has {len(frame)}")
    positions = frame.index.get_indexer(label["rows"])
    if (positions < 0).any():
        raise DataError(f"{path}: the report names rows that this file does not have; audit this file again")
    if len(label.get("suggested", [])) != len(positions):
        raise DataError(f"{path}: the label check lists {len(positions)} rows but {len(label.get('suggested', []))} "
                        f"suggested labels; the report was cut short (max_rows); audit this file again")
    return positions, label["suggested"]


def _run_clean(args) -> int:
    frame = read_table(args.path, encoding=args.encoding)
    _target_column(frame, args.target, args.path)
    if args.issues:
        positions, suggested = _label_issues_from_json(args.issues, frame)
        cleaned = clean_frame(frame, args.target, positions, suggested, args.action)
        n_issues = len(positions)
    else:
        cleaned, n_issues = _clean_with_label_cleaner(frame, args)
    write_table(cleaned, args.output)
    verb = "dropped" if args.action == "drop" else "relabelled"
    print(f"{verb} {n_issues} of {len(frame)} rows; wrote {len(cleaned)} rows to {args.output}")
    return EXIT_OK


def clean_frame(frame, target, positions, suggested, action):
    """Drop the rows at ``positions`` or give them the ``suggested`` labels; a new DataFrame."""
    positions = np.asarray(positions, dtype=np.intp)
    if action == "drop":
        keep = np.ones(len(frame), dtype=bool)
        keep[positions] = False
        return frame.iloc[keep]
    cleaned = frame.copy()
    labels = cleaned[target].to_numpy(copy=True).astype(object)
    labels[positions] = list(suggested)
    cleaned[target] = pd.Series(labels, index=cleaned.index).astype(frame[target].dtype)
    return cleaned


def _clean_with_label_cleaner(frame, args):
    """:class:`datafix.LabelCleaner` on the audit's encoding of the features; the cleaned frame and the count."""
    from .auditing._audit import _check_target
    from .auditing._context import encode_features
    from .labels import LabelCleaner

    features = frame.drop(columns=[args.target])
    labels = _check_target(frame[args.target], features, args.target)
    if not args.quiet:
        print(f"datafix clean: finding label issues ({args.cv}-fold out-of-fold model and neighbours) ...",
              file=sys.stderr)
    cleaner = LabelCleaner(action=args.action, cv=args.cv, n_jobs=args.n_jobs, random_state=args.random_state)
    _, new_labels = cleaner.fit_resample(encode_features(features), labels)
    cleaned = frame.iloc[cleaner.source_indices_].copy()
    cleaned[args.target] = pd.Series(np.asarray(new_labels), index=cleaned.index).astype(frame[args.target].dtype)
    return cleaned, cleaner.n_issues_


def _run_balance(args) -> int:
    from .validation import check_labels

    frame = read_table(args.path, encoding=args.encoding)
    _target_column(frame, args.target, args.path)
    X = frame.drop(columns=[args.target])
    y = frame[args.target]
    if y.isna().any():
        rows = ", ".join(map(str, np.flatnonzero(y.isna().to_numpy())[:5]))
        raise DataError(f"{args.path}: column {args.target!r} has {int(y.isna().sum())} missing labels "
                        f"(rows {rows}); fill them in or drop those rows")
    check_labels(y, name=f"target column {args.target!r}")
    if args.method == "weights":
        from .weighting import ClassWeighter

        _, _, weights = ClassWeighter().fit_resample(X, y)
        if args.weight_column in frame.columns:
            raise DataError(f"--weight-column {args.weight_column!r} already exists in {args.path}; choose another name")
        result = frame.copy()
        result[args.weight_column] = weights
    else:
        sampler = _sampler(args.method, X, args.random_state)
        X_out, y_out = sampler.fit_resample(X, y)
        result = X_out.copy()
        result.insert(list(frame.columns).index(args.target), args.target, np.asarray(y_out))
        result = result[list(frame.columns)]
    write_table(result, args.output)
    counts = result[args.target].value_counts()
    print(f"{args.method}: {len(frame)} -> {len(result)} rows; per class: "
          + ", ".join(f"{k}={v}" for k, v in counts.items()))
    return EXIT_OK


def _sampler(method, X, random_state):
    if method == "undersample":
        from imblearn.under_sampling import RandomUnderSampler

        return RandomUnderSampler(random_state=random_state)
    if method == "oversample":
        from imblearn.over_sampling import RandomOverSampler

        return RandomOverSampler(random_state=random_state)
    if X.isna().to_numpy().any():
        raise DataError("--method smote needs features without missing values; impute them first "
                        "or use --method oversample")
    categorical = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c].dtype)]
    if categorical:
        if len(categorical) == X.shape[1]:
            from imblearn.over_sampling import SMOTEN

            return SMOTEN(random_state=random_state)
        from imblearn.over_sampling import SMOTENC

        return SMOTENC(categorical_features=categorical, random_state=random_state)
    from imblearn.over_sampling import SMOTE

    return SMOTE(random_state=random_state)


def main(argv=None) -> int:
    """Entry point of the ``datafix`` command; returns the exit code.

    Examples
    --------
    >>> from datafix.cli import main
    >>> main(["audit", "no-such-file.csv", "--target", "y"])
    2
    """
    try:
        args = _build_parser().parse_args(argv)
        runner = {"audit": _run_audit, "clean": _run_clean, "balance": _run_balance,
                  "compare": _run_compare}[args.command]
        return runner(args)
    except DataError as error:
        print(f"datafix: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except (ValueError, OSError, MissingExtraError) as error:
        print(f"datafix: error: {_first_line(error)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("datafix: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - a bug: still one line, the traceback on request
        if os.environ.get("DATAFIX_DEBUG"):
            raise
        print(f"datafix: unexpected error: {type(error).__name__}: {_first_line(error)} "
              f"(set DATAFIX_DEBUG=1 for the traceback, and please report it)", file=sys.stderr)
        return EXIT_ERROR
    except SystemExit as exit_:  # --help and --version
        return exit_.code if isinstance(exit_.code, int) else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
