"""datafix.audit: calling conventions, clear errors before work, no mutation, alignment, determinism."""

import numpy as np
import pandas as pd
import pytest

import datafix as dfx
from datafix.auditing import AuditReport, resolve_checks

CHEAP = ["class_imbalance", "duplicates", "conflicting_labels", "near_duplicates", "outliers", "missing",
         "target_leakage"]


def test_audit_is_the_function_and_auditreport_the_class():
    assert callable(dfx.audit) and dfx.audit.__module__ == "datafix.auditing._audit"
    assert dfx.AuditReport is AuditReport
    import datafix.auditing  # noqa: F401  importing the subpackage must not shadow the function

    assert callable(dfx.audit)


def test_mixed_frame_with_missing_values_needs_no_preprocessing(mixed_frame):
    before = mixed_frame.copy(deep=True)
    report = dfx.audit(mixed_frame, "label", checks=CHEAP)
    pd.testing.assert_frame_equal(mixed_frame, before)
    assert report.issues.index.equals(mixed_frame.index)
    assert set(report.summary["check"]) == set(CHEAP)
    assert report.summary["fraction"].between(0, 1).all()


def test_X_and_y_give_the_same_result_as_a_frame_and_target(mixed_frame):
    by_target = dfx.audit(mixed_frame, "label", checks=CHEAP)
    by_y = dfx.audit(mixed_frame.drop(columns="label"), y=mixed_frame["label"], checks=CHEAP)
    pd.testing.assert_frame_equal(by_target.issues, by_y.issues)
    assert by_y.info["target"] == "label"


def test_numpy_input_and_no_target():
    X = np.random.default_rng(0).normal(size=(100, 3))
    X = np.vstack([X, X[:2]])
    report = dfx.audit(X)
    assert report.info["target"] is None and report.info["classes"] is None
    assert set(report.skipped) == {"class_imbalance", "label", "conflicting_labels", "train_test_leakage",
                                   "target_leakage"}
    assert list(report.flagged("duplicates")) == [100, 101]


def test_same_random_state_same_report(mixed_frame):
    first = dfx.audit(mixed_frame, "label", checks=CHEAP, random_state=0)
    second = dfx.audit(mixed_frame, "label", checks=CHEAP, random_state=0)
    pd.testing.assert_frame_equal(first.issues, second.issues)


#: The checks with a random part, each documented: the label check's folds, target_leakage's halves, the
#: outliers check's sample of row pairs, the missing check's sample of values (only above 10,000 per column).
RANDOM_CHECKS = {"label", "target_leakage", "outliers", "missing"}


def _outcome(report):
    return {name: (result.issues, result.details, None if result.rows is None else result.rows.to_dict())
            for name, result in report.results.items()}


def test_random_state_reaches_every_random_part_and_only_those(mixed_frame):
    checks = [*CHEAP, "label"]
    first = dfx.audit(mixed_frame, "label", checks=checks, cv=3, random_state=0)
    again = dfx.audit(mixed_frame, "label", checks=checks, cv=3, random_state=0)
    other = dfx.audit(mixed_frame, "label", checks=checks, cv=3, random_state=1)
    assert _outcome(first) == _outcome(again)
    pd.testing.assert_frame_equal(first.issues, again.issues)
    changed = {name for name in first.results if _outcome(first)[name] != _outcome(other)[name]}
    assert changed <= RANDOM_CHECKS
    # the seed reaches the target-leakage halves, the outliers' pair sample and the label check's folds
    accuracy = "balanced_accuracy_by_column"
    assert first.results["target_leakage"].details[accuracy] != other.results["target_leakage"].details[accuracy]
    assert first.results["outliers"].details["scale_floor"] != other.results["outliers"].details["scale_floor"]
    assert not np.array_equal(first.issues["label_score"], other.issues["label_score"])


def test_a_check_seeded_on_its_own_ignores_the_audits_random_state(mixed_frame):
    from datafix.auditing.target_leakage import TargetLeakageCheck

    accuracy = [dfx.audit(mixed_frame, "label", checks=[TargetLeakageCheck(random_state=5)], random_state=seed)
                .results["target_leakage"].details["balanced_accuracy_by_column"] for seed in (0, 1)]
    assert accuracy[0] == accuracy[1]
    default = dfx.audit(mixed_frame, "label", checks=["target_leakage"], random_state=5)
    assert default.results["target_leakage"].details["balanced_accuracy_by_column"] == accuracy[0]


def test_check_parameters_after_the_first_are_keyword_only():
    from datafix.auditing.near_duplicates import NearDuplicatesCheck
    from datafix.auditing.outliers import OutliersCheck
    from datafix.auditing.target_leakage import TargetLeakageCheck

    for check, positional, keyword in [(TargetLeakageCheck, (0.9, 32), {"max_bins": 32}),
                                       (OutliersCheck, (20, 2.0), {"iqr_factor": 2.0}),
                                       (NearDuplicatesCheck, (0.2, 7), {"n_neighbors": 7})]:
        with pytest.warns(FutureWarning, match="by keyword"):
            old = check(*positional)
        assert vars(old) == vars(check(positional[0], **keyword))


def test_verbose_draws_progress_on_stderr_only(mixed_frame, capsys):
    dfx.audit(mixed_frame, "label", checks=["duplicates", "missing"], verbose=True)
    captured = capsys.readouterr()
    assert captured.out == "" and "2/2" in captured.err
    dfx.audit(mixed_frame, "label", checks=["duplicates"])
    assert capsys.readouterr().err == ""


def test_progress_names_the_label_stages_in_the_order_they_run(mixed_frame, capsys):
    dfx.audit(mixed_frame, "label", checks=["label"], verbose=True, random_state=0)
    err = capsys.readouterr().err
    stages = ["out-of-fold probabilities", "neighbour graph", "confident learning"]
    positions = [err.index(stage) for stage in stages]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"target": "nope"}, "target column 'nope' is not in data"),
        ({"target": "label", "y": [0] * 300}, "not both"),
        ({"target": "label", "checks": ["bogus"]}, "unknown check 'bogus'"),
        ({"target": "label", "checks": {"outliers": {"k": 3}}}, r"checks\['outliers'\] has invalid parameters"),
        ({"target": "label", "checks": []}, "checks is empty"),
        ({"target": "label", "pred_proba": np.ones((3, 3))}, "pred_proba must have shape"),
    ],
)
def test_bad_arguments_raise_clear_errors(mixed_frame, kwargs, message):
    with pytest.raises(ValueError, match=message):
        dfx.audit(mixed_frame, **kwargs)


def test_missing_labels_are_reported_by_row_label(mixed_frame):
    frame = mixed_frame.copy()
    frame.loc[["row4", "row9"], "label"] = None
    with pytest.raises(ValueError, match=r"2 missing labels, at rows row4, row9"):
        dfx.audit(frame, "label")


def test_single_class_is_an_error(mixed_frame):
    with pytest.raises(ValueError, match="(single|one) class"):
        dfx.audit(mixed_frame.assign(label="x"), "label")


def test_test_set_must_have_the_training_columns(mixed_frame):
    with pytest.raises(ValueError, match=r"test lacks the feature columns \['colour'\]"):
        dfx.audit(mixed_frame, "label", test=mixed_frame.drop(columns=["colour"]))
    with pytest.raises(ValueError, match="test has 2 columns"):
        dfx.audit(np.zeros((5, 3)), y=[0, 1, 0, 1, 0], test=np.zeros((2, 2)))


def test_empty_data_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        dfx.audit(pd.DataFrame({"x": [], "y": []}), "y")


def test_resolve_checks_accepts_names_instances_and_params():
    from datafix.auditing.outliers import OutliersCheck

    checks = resolve_checks(["duplicates", OutliersCheck(n_neighbors=3)])
    assert [c.name for c in checks] == ["duplicates", "outliers"] and checks[1].n_neighbors == 3
    assert len(resolve_checks(None)) == 9


def test_neighbour_graph_is_computed_once_for_both_neighbour_checks(mixed_frame, monkeypatch):
    import datafix.auditing._context as context

    calls = []
    original = context.compute_neighbor_graph

    def counting(X, n_neighbors, **kwargs):
        calls.append(n_neighbors)
        return original(X, n_neighbors, **kwargs)

    monkeypatch.setattr(context, "compute_neighbor_graph", counting)
    dfx.audit(mixed_frame, "label", checks=["near_duplicates", "outliers"])
    assert calls == [10]


def test_audit_and_the_cli_import_no_optional_dependency():
    import subprocess
    import sys

    code = ("import sys, datafix; datafix.audit; datafix.AuditReport; datafix.DuplicateRemover; import datafix.cli; "
            "loaded = [m for m in ('matplotlib', 'torch', 'lightgbm', 'xgboost', 'skorch', 'albumentations') "
            "if m in sys.modules]; assert not loaded, loaded")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_groups_reach_the_label_check_and_are_checked_first():
    import numpy as np
    import pandas as pd
    import pytest

    import datafix as dfx

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=120)})
    frame["y"] = np.where(frame["x"] > 0, "a", "b")
    groups = np.repeat(np.arange(12), 10)
    report = dfx.audit(frame, "y", checks=["label"], groups=groups, random_state=0)
    assert "label" in report.results
    with pytest.raises(ValueError, match="groups has 5 entries but data has 120 rows"):
        dfx.audit(frame, "y", checks=["label"], groups=groups[:5])
