"""The ``datafix`` command: ``datafix audit | clean | balance | compare``.

Exit codes: 0 success; 1 ``audit --fail-on`` threshold exceeded (for CI
gates); 2 usage or data error, reported as one line on stderr (no traceback).
Progress goes to stderr, results to stdout, so ``datafix audit ... > out.txt``
captures only the summary. Every output file is written atomically: through a
temporary file in the same folder, renamed into place when complete, so an
interrupted run (Ctrl-C, SIGTERM, SIGHUP, even SIGKILL) never leaves a
half-written file over an existing one (see :mod:`datafix._io`).

Before any work the outputs are checked: an output that is one of the input
files (through symlinks, hard links and ``./`` spellings too) is refused
unless ``--overwrite`` is given; an output whose extension names another
format than the one written is refused; each output's folder must exist and
be writable.
"""

from __future__ import annotations

import argparse
import codecs
import os
import sys
import warnings

import numpy as np
import pandas as pd

from ._deprecation import REMOVED_IN
from ._io import (
    Terminated,
    check_writable,
    jsonable,
    remove_stale_temporaries,
    termination_as_exception,
    write_atomically,
)
from ._optional import MissingExtraError
from ._tabular import column_kinds, encode_features
from ._version import __version__
from .validation import check_target_column, first_line

__all__ = ["main", "read_table", "write_table"]

EXIT_OK, EXIT_FAILED_GATE, EXIT_ERROR = 0, 1, 2
PARQUET_SUFFIXES = (".parquet", ".pq")
#: The file extensions each output option writes, and the format's name.
TABLE_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq")
OUTPUT_FORMATS = {
    "output": (TABLE_SUFFIXES, "a CSV (.csv), tab-separated (.tsv) or Parquet (.parquet, .pq) table"),
    "html": ((".html", ".htm"), "an HTML page"),
    "json": ((".json",), "JSON"),
    "markdown": ((".md", ".markdown"), "Markdown"),
}


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
            frame = pd.read_parquet(path)
        except ImportError:
            raise DataError("reading Parquet needs pyarrow: pip install 'datafix[parquet]'") from None
        except Exception as error:  # noqa: BLE001 - pyarrow raises many types
            raise DataError(f"{path}: not a readable Parquet file ({first_line(error)})") from None
        _check_unique_names(list(frame.columns), path)
        if frame.shape[1] < 2 or len(frame) == 0:
            raise DataError(f"{path}: the table has {frame.shape[1]} columns and {len(frame)} rows; expected a "
                            f"target column, at least one feature and at least one row")
        return frame
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
        raise DataError(f"{path}: not a well-formed CSV table ({first_line(error)})") from None
    except (ValueError, UnicodeError, LookupError) as error:
        raise DataError(f"{path}: not a readable CSV table ({first_line(error)})") from None
    _check_header(frame, path, separator, encoding)
    if frame.shape[1] < 2:
        raise DataError(
            f"{path}: found {frame.shape[1]} column; expected a table with a target column and at least "
            f"one feature (is the separator a comma?)"
        )
    if len(frame) == 0:
        raise DataError(f"{path}: the table has a header but no rows")
    return frame


def _check_header(frame: pd.DataFrame, path: str, separator: str, encoding: str) -> None:
    """Refuse a header that repeats a name (pandas would silently rename the copy to ``name.1``)."""
    if not any(str(c).rsplit(".", 1)[-1].isdigit() for c in frame.columns):
        return  # pandas renames repeats to name.N: without such a name there is no repeat
    header = pd.read_csv(path, sep=separator, encoding=encoding, header=None, nrows=1, dtype=str,
                         keep_default_na=False)
    _check_unique_names([name for name in header.iloc[0].tolist() if name != ""], path)


def _check_unique_names(names: list, path: str) -> None:
    counts = pd.Index(names).value_counts()
    repeated = counts[counts > 1]
    if len(repeated):
        shown = ", ".join(f"{name!r} ({count} times)" for name, count in list(repeated.items())[:5])
        more = f" and {len(repeated) - 5} more" if len(repeated) > 5 else ""
        raise DataError(f"{path}: the header repeats column names: {shown}{more}; rename the columns so that "
                        f"each name is unique")


def write_table(frame: pd.DataFrame, path: str) -> None:
    """Write ``frame`` as CSV, TSV or Parquet (by suffix), atomically, without the index.

    Examples
    --------
    >>> import os, tempfile, pandas as pd
    >>> from datafix.cli import write_table
    >>> path = os.path.join(tempfile.mkdtemp(), "t.tsv")
    >>> write_table(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}), path)
    >>> open(path).read()
    'a\\tb\\n1\\tx\\n2\\ty\\n'
    """
    lower = path.lower()
    if lower.endswith(PARQUET_SUFFIXES):
        write_atomically(path, lambda stream: frame.to_parquet(stream, index=False), mode="wb")
    else:
        separator = "\t" if lower.endswith(".tsv") else ","
        write_atomically(path, lambda stream: frame.to_csv(stream, sep=separator, index=False, lineterminator="\n"))


def _same_file(first: str, second: str) -> bool:
    """Whether two paths name one file: the same resolved path (symlinks, ``./``) or the same inode (hard links)."""
    if os.path.realpath(first) == os.path.realpath(second):
        return True
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


def _check_outputs(args) -> None:
    """Before any work: no output is an input (unless --overwrite), extensions match formats, folders writable."""
    inputs = [(option, path) for option, path in (("the input", args.path), ("--test", getattr(args, "test", None)),
                                                  ("--issues", getattr(args, "issues", None))) if path]
    seen = {}
    for option in OUTPUT_FORMATS:
        path = getattr(args, option, None)
        if not path:
            continue
        suffixes, kind = OUTPUT_FORMATS[option]
        stem, suffix = os.path.splitext(path)
        if suffix.lower() not in suffixes:
            found = f"'{suffix}'" if suffix else "no extension"
            raise DataError(f"--{option} {path}: --{option} writes {kind}, but the file name has {found}; "
                            f"name it e.g. {os.path.basename(stem) or 'out'}{suffixes[0]}")
        for input_option, input_path in inputs:
            if _same_file(path, input_path) and not args.overwrite:
                raise DataError(f"--{option} {path} is {input_option} {input_path}: writing it would destroy the "
                                f"input; choose another file name, or pass --overwrite to replace it")
        real = os.path.realpath(path)
        if real in seen:
            raise DataError(f"--{option} {path} and {seen[real]} are the same file; give each output its own file")
        seen[real] = f"--{option} {path}"
        try:
            check_writable(path)
        except OSError as error:
            raise DataError(str(error)) from None
        remove_stale_temporaries(os.path.dirname(os.path.abspath(path)))


def _check_encoding(args) -> None:
    try:
        info = codecs.lookup(args.encoding)
    except LookupError:
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise DataError(f"--encoding {args.encoding!r} is not a known text encoding; use e.g. utf-8, utf-8-sig, "
                        f"latin-1 or cp1252")


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


#: How ``datafix balance --by`` balances the classes.
BALANCE_CHOICES = ["weights", "undersample", "oversample", "smote"]


class _RenamedOption(argparse.Action):
    """An option's old name, kept for one release: it sets the new option and says so on stderr."""

    def __init__(self, option_strings, dest, new, **kwargs):
        self.new = new
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"datafix: warning: {option_string} was renamed to {self.new} and the old name will be removed in "
              f"datafix {REMOVED_IN}; use {self.new} {values}", file=sys.stderr)
        setattr(namespace, self.dest, values)


class _IgnoredOption(argparse.Action):
    """An option a command used to accept and ignore: still accepted for one release, with a warning."""

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"datafix: warning: {parser.prog} has no parallel work, so {option_string} does nothing; it will be "
              f"an error in datafix {REMOVED_IN}", file=sys.stderr)


def _build_parser() -> argparse.ArgumentParser:
    from .auditing import CHECKS  # imported when the command runs: --help stays fast

    parser = _Parser(prog="datafix", description="Audit and fix the training data of classifiers.")
    parser.add_argument("--version", action="version", version=f"datafix {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    audit = commands.add_parser("audit", help="find what is wrong with a dataset",
                                description="Audit a CSV or Parquet dataset and print a summary table.")
    audit.add_argument("path", nargs="+", help="CSV or Parquet file (on a Dask cluster: Parquet files, a directory "
                                               "or a glob)")
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
    _cluster_options(audit)

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
    clean.add_argument("path", nargs="+")
    clean.add_argument("--target", required=True)
    clean.add_argument("--action", choices=["drop", "relabel"], required=True)
    clean.add_argument("--output", required=True, help="CSV or Parquet file to write")
    clean.add_argument("--issues", help="the JSON report of 'datafix audit --json' for this file: reuse its "
                                        "label issues instead of computing them")
    clean.add_argument("--cv", type=int, default=5)
    _common(clean)
    _cluster_options(clean)

    balance = commands.add_parser("balance", help="balance the classes",
                                  description="Balance the classes by weights or resampling and write the result.")
    balance.add_argument("path", nargs="+")
    balance.add_argument("--target", required=True)
    how = balance.add_mutually_exclusive_group(required=True)
    how.add_argument("--by", choices=BALANCE_CHOICES,
                     help="class weights in a column (weights), or random under-sampling, random over-sampling "
                          "or SMOTE (SMOTE-NC, SMOTE-N by the column kinds)")
    how.add_argument("--method", choices=BALANCE_CHOICES, dest="by", action=_RenamedOption, new="--by",
                     help=argparse.SUPPRESS)  # the old name, for one release
    balance.add_argument("--output", required=True)
    balance.add_argument("--weight-column", default="sample_weight",
                         help="name of the weight column written by --by weights (default sample_weight)")
    _common(balance, parallel=False)
    _cluster_options(balance)
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
        from .metrics import get_scorers  # imported when the command runs: --help stays fast

        get_scorers(list(names))  # unknown names: one line, before any work


def _common(parser, *, parallel: bool = True) -> None:
    if parallel:
        parser.add_argument("--n-jobs", type=int, default=None, help="parallel jobs for the fits and the neighbour "
                                                                     "search (-1: every core)")
    else:  # accepted and ignored until 0.2; a warning for one release, then an error
        parser.add_argument("--n-jobs", type=int, action=_IgnoredOption, help=argparse.SUPPRESS)
    parser.add_argument("--random-state", type=int, default=0,
                        help="seed of the folds and samplers (default 0: the same file gives the same result)")
    parser.add_argument("--encoding", default="utf-8", help="text encoding of CSV input (default utf-8)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument("--overwrite", action="store_true",
                        help="allow an output file to be an input file (it is replaced once the run succeeds)")


def _cluster_options(parser) -> None:
    """``--scheduler``: run on a Dask cluster; PATH may then be a Parquet directory or glob (see datafix.distributed)."""
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="run on a Dask cluster: 'local' (a LocalCluster with this machine's cores) or a scheduler "
                             "address such as tcp://host:8786; PATH may be a Parquet directory or glob, and "
                             "--output a directory (default for a directory or glob PATH: local)")
    if parser.prog.endswith("audit"):
        parser.add_argument("--issues-parquet", metavar="DIR",
                            help="with --scheduler: write the per-row issues as a directory of Parquet files")


def _version() -> str:
    return __version__


def _run_audit(args) -> int:
    from .auditing import audit  # imported when the command runs: --help stays fast

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
    return write_report_and_gate(report, args)


def write_report_and_gate(report, args) -> int:
    """Write the report files the options ask for, print the report, and apply ``--fail-on``.

    Shared by the audit of a file and the audit on a Dask cluster. Returns
    the exit status: 1 when a ``--fail-on`` limit is exceeded, else 0.
    """
    for option, write in (("html", report.to_html), ("json", report.to_json)):
        if getattr(args, option):
            write(getattr(args, option))
    if args.markdown:
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
    from .auditing import audit  # imported when the command runs: --help stays fast

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
    from .auditing import CHECKS  # imported when the command runs: --help stays fast

    return list(CHECKS)


def _label_issues_from_json(path: str, frame: pd.DataFrame, target: str, labels: np.ndarray, data_path: str):
    """The label issues of an audit's JSON, after checking that the report was made from this very data."""
    import json

    try:
        with open(path, encoding="utf-8") as stream:
            document = json.load(stream)
    except (OSError, ValueError) as error:
        raise DataError(f"{path}: not a readable JSON audit report ({first_line(error)})") from None
    from .auditing import SCHEMA  # imported when the command runs: --help stays fast
    from .auditing.report import FINGERPRINT_METHOD, fingerprint  # imported when the command runs: --help stays fast

    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise DataError(f"{path}: not a datafix audit report (write one with 'datafix audit ... --json {path}')")
    label = next((c for c in document.get("checks", []) if isinstance(c, dict) and c.get("name") == "label"), None)
    if label is None:
        raise DataError(f"{path}: the report has no 'label' check; run the audit with the label check")
    dataset = document.get("dataset") or {}
    again = f"audit this file again ('datafix audit {data_path} --target {target} --json ...')"
    if dataset.get("target") != target:
        raise DataError(f"{path}: the report was made with --target {dataset.get('target')!r}, not {target!r}; "
                        f"use the same target, or {again}")
    if dataset.get("rows") != len(frame):
        raise DataError(f"{path}: the report is of a dataset with {dataset.get('rows')} rows, this file has "
                        f"{len(frame)}; {again}")
    classes = jsonable(list(np.unique(labels)))
    if dataset.get("classes") != classes:
        raise DataError(f"{path}: the report's classes {_shorten(dataset.get('classes'))} differ from this file's "
                        f"{_shorten(classes)}; {again}")
    recorded = dataset.get("fingerprint")
    if not isinstance(recorded, dict) or recorded.get("method") != FINGERPRINT_METHOD:
        raise DataError(f"{path}: the report has no fingerprint of its data (an older datafix made it), so it "
                        f"cannot be checked against this file; {again}")
    actual = fingerprint(frame.drop(columns=[target]), labels)
    for key, what in (("columns", "feature column names"), ("features", "feature values or row order"),
                      ("target", "labels")):
        if recorded.get(key) != actual[key]:
            raise DataError(f"{path}: the report was made from other data: the {what} differ from this file's "
                            f"(edited, shuffled or relabelled since the audit?); {again}")
    positions = frame.index.get_indexer(label.get("rows", []))
    if (positions < 0).any():
        raise DataError(f"{path}: the report names rows that this file does not have; {again}")
    if len(label.get("suggested", [])) != len(positions):
        raise DataError(f"{path}: the label check lists {len(positions)} rows but {len(label.get('suggested', []))} "
                        f"suggested labels; the report was cut short (max_rows); {again}")
    unknown = set(map(str, label["suggested"])) - set(map(str, classes))
    if unknown:
        raise DataError(f"{path}: the report suggests labels that are not classes of this file "
                        f"({_shorten(sorted(unknown))}); {again}")
    return positions, label["suggested"]


def _shorten(values, limit: int = 5) -> str:
    values = list(values or [])
    shown = ", ".join(map(repr, values[:limit]))
    return f"[{shown}" + (f", ... and {len(values) - limit} more]" if len(values) > limit else "]")


def _labels(frame: pd.DataFrame, target: str) -> np.ndarray:
    """The target column checked like the audit checks it: no missing labels, 2+ classes, not continuous."""

    return check_target_column(frame[target], frame.drop(columns=[target]), target)


def _run_clean(args) -> int:
    frame = read_table(args.path, encoding=args.encoding)
    _target_column(frame, args.target, args.path)
    labels = _labels(frame, args.target)
    if args.issues:
        positions, suggested = _label_issues_from_json(args.issues, frame, args.target, labels, args.path)
        cleaned = clean_frame(frame, args.target, positions, suggested, args.action)
        n_issues = len(positions)
    else:
        cleaned, n_issues = _clean_with_label_cleaner(frame, labels, args)
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


def _clean_with_label_cleaner(frame, labels, args):
    """:class:`datafix.LabelCleaner` on the audit's encoding of the features; the cleaned frame and the count."""
    from .labels import LabelCleaner  # imported when the command runs: --help stays fast
    from .labels.out_of_fold import check_cv_counts  # imported when the command runs: --help stays fast

    features = frame.drop(columns=[args.target])
    kinds = column_kinds(features)
    encoded = encode_features(features, kinds)
    if encoded.shape[1] == 0:
        left_out = kinds["constant"] + kinds["identifier"]
        raise DataError(f"{args.path}: no feature column can tell the classes apart (constant: "
                        f"{_shorten(kinds['constant'])}; identifier-like: {_shorten(kinds['identifier'])}; "
                        f"{len(left_out)} of {features.shape[1]}), so label issues cannot be judged; add informative "
                        f"features or use 'datafix audit' for the other checks")
    if args.cv < 2:
        raise DataError(f"--cv must be at least 2 (the number of folds), got {args.cv}")
    classes, counts = np.unique(labels, return_counts=True)
    check_cv_counts(classes, counts, args.cv)
    if not args.quiet:
        print(f"datafix clean: finding label issues ({args.cv}-fold out-of-fold model and neighbours) ...",
              file=sys.stderr)
    # the raw features: LabelCleaner encodes them with the audit's encoder, so clean and audit flag the same rows
    cleaner = LabelCleaner(action=args.action, cv=args.cv, n_jobs=args.n_jobs, random_state=args.random_state)
    _, new_labels = cleaner.fit_resample(features, labels)
    cleaned = frame.iloc[cleaner.source_indices_].copy()
    cleaned[args.target] = pd.Series(np.asarray(new_labels), index=cleaned.index).astype(frame[args.target].dtype)
    return cleaned, int(cleaner.is_cleaned_.sum())


def _run_balance(args) -> int:
    frame = read_table(args.path, encoding=args.encoding)
    _target_column(frame, args.target, args.path)
    X = frame.drop(columns=[args.target])
    y = frame[args.target]
    _labels(frame, args.target)
    if args.by == "weights":
        if args.weight_column in frame.columns:
            raise DataError(f"--weight-column {args.weight_column!r} already exists in {args.path}; choose another name")
        from .weighting import ClassWeighter  # imported when the command runs: --help stays fast

        _, _, weights = ClassWeighter().fit_resample(X, y)
        result = frame.copy()
        result[args.weight_column] = weights
    else:
        sampler = _sampler(args.by, X, y, args.random_state)
        X_out, y_out = sampler.fit_resample(X, y)
        result = X_out.copy()
        result.insert(list(frame.columns).index(args.target), args.target, np.asarray(y_out))
        result = result[list(frame.columns)]
    write_table(result, args.output)
    counts = result[args.target].value_counts()
    print(f"{args.by}: {len(frame)} -> {len(result)} rows; per class: "
          + ", ".join(f"{k}={v}" for k, v in counts.items()))
    return EXIT_OK


#: SMOTE's neighbours (imbalanced-learn's default k_neighbors): a class it over-samples needs one row more.
SMOTE_NEIGHBORS = 5


def _check_smote_input(X: pd.DataFrame, y: pd.Series) -> None:
    if X.isna().to_numpy().any():
        raise DataError("--by smote needs features without missing values; impute them first "
                        "or use --by oversample")
    numeric = X.select_dtypes("number")
    infinite = np.isinf(numeric.to_numpy(dtype=np.float64)) if numeric.shape[1] else np.zeros((len(X), 0), bool)
    if infinite.any():
        column = numeric.columns[infinite.any(axis=0)][0]
        raise DataError(f"--by smote needs finite features; column {column!r} has "
                        f"{int(infinite[:, list(numeric.columns).index(column)].sum())} infinite values (inf or -inf); "
                        f"replace or drop them, or use --by oversample")
    counts = y.value_counts()
    small = counts[(counts < counts.max()) & (counts <= SMOTE_NEIGHBORS)]
    if len(small):
        shown = ", ".join(f"{c!r} has {n} row{'s' if n != 1 else ''}" for c, n in small.items())
        raise DataError(f"--by smote interpolates between a row and its {SMOTE_NEIGHBORS} nearest rows of the "
                        f"same class, so each class it over-samples needs at least {SMOTE_NEIGHBORS + 1} rows; "
                        f"class {shown}; use --by oversample, or drop or merge such classes")


def _sampler(by, X, y, random_state):
    if by == "undersample":
        from imblearn.under_sampling import RandomUnderSampler

        return RandomUnderSampler(random_state=random_state)
    if by == "oversample":
        from imblearn.over_sampling import RandomOverSampler

        return RandomOverSampler(random_state=random_state)
    _check_smote_input(X, y)
    from .auditing.recommend import smote_for  # imported when the command runs: --help stays fast

    return smote_for(X, 5, random_state)  # SMOTE, SMOTE-NC or SMOTE-N by the column kinds


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings as one line each: 'datafix: warning: ...'."""
    text = " ".join(str(message).split())
    print(f"datafix: warning: {text}", file=sys.stderr)


def main(argv=None) -> int:
    """Entry point of the ``datafix`` command; returns the exit code.

    Examples
    --------
    >>> from datafix.cli import main
    >>> main(["audit", "no-such-file.csv", "--target", "y"])
    2
    """
    try:
        with termination_as_exception(redeliver=False), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # numerical noise the user cannot act on
            warnings.showwarning = _show_warning
            args = _build_parser().parse_args(argv)
            if isinstance(args.path, list):  # several paths (a shell-expanded glob) only make sense on a cluster
                args.path = args.path[0] if len(args.path) == 1 else args.path
            runner = {"audit": _run_audit, "clean": _run_clean, "balance": _run_balance,
                      "compare": _run_compare}[args.command]
            _check_encoding(args)
            from .distributed._cli import run_on_cluster, wants_cluster  # cycle: they build on this module

            if wants_cluster(args):  # a Parquet directory or glob, or --scheduler: on a Dask cluster
                return run_on_cluster(args)
            _check_outputs(args)
            return runner(args)
    except DataError as error:
        print(f"datafix: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except (ValueError, OSError, MissingExtraError) as error:
        print(f"datafix: error: {first_line(error)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("datafix: interrupted; no output was left half-written", file=sys.stderr)
        return 130
    except Terminated as terminated:
        print(f"datafix: terminated by {terminated.signal_name}; no output was left half-written", file=sys.stderr)
        return 128 + terminated.signum
    except Exception as error:  # noqa: BLE001 - a bug: still one line, the traceback on request
        if os.environ.get("DATAFIX_DEBUG"):
            raise
        print(f"datafix: unexpected error: {type(error).__name__}: {first_line(error)} "
              f"(set DATAFIX_DEBUG=1 for the traceback, and please report it)", file=sys.stderr)
        return EXIT_ERROR
    except SystemExit as exit_:  # --help and --version
        return exit_.code if isinstance(exit_.code, int) else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
