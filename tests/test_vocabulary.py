"""One vocabulary (docs/contributing.md): one name per meaning, keyword-only after the data or main argument.

These tests read the public signatures, so a new public name that breaks the
house rules fails here rather than in a user's code a release later.
"""

from __future__ import annotations

import importlib
import inspect
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

import datafix as dfx
from datafix._deprecation import DEPRECATED

MODULES = ["datafix", "datafix.augment", "datafix.losses", "datafix.metrics", "datafix.decision", "datafix.ensemble",
           "datafix.generative", "datafix.deduplication", "datafix.preprocessing", "datafix.selection",
           "datafix.testing", "datafix.datasets", "datafix.auditing"]

#: Functions whose leading positional parameters are all data (or, for the few without data, one main parameter).
POSITIONAL_FUNCTION_PARAMETERS = {
    "audit": 2, "compare_fixes": 3, "compute_class_weights": 2, "find_label_issues": 2, "imbalanced_report": 3,
    "make_label_noise": 1, "out_of_fold_proba": 3, "smooth_labels": 2, "synthetic_quality": 3,
    "focal_loss": 3, "lightgbm_focal_objective": 1, "xgboost_focal_objective": 1,
    "expected_calibration_error": 2, "geometric_mean_score": 2, "specificity_score": 2, "get_scorer": 1,
    "get_scorers": 1, "scorer_names": 0, "adjust_to_priors": 3, "make_preprocessing": 2, "split_columns": 1,
    "categories_as_text": 1, "needs_scaling": 1, "check_fix": 1, "parametrize_with_fix_checks": 1,
    "make_fix_data": 1, "register_check": 1, "resolve_checks": 1, "make_pipeline": 0,
}

#: Old names kept for one release (see docs/contributing.md); no other public parameter may use them.
RETIRED = {"strategy", "num_samples"}


def public_objects():
    seen = {}
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            value = getattr(module, name)
            if callable(value) and id(value) not in seen:
                seen[id(value)] = (f"{module_name}.{name}", value)
    return sorted(seen.values(), key=lambda item: item[0])


def parameters(obj):
    signature = inspect.signature(obj.__init__ if inspect.isclass(obj) else obj)
    return [p for p in signature.parameters.values() if p.name != "self"]


@pytest.mark.parametrize("name, obj", public_objects(), ids=lambda value: value if isinstance(value, str) else "")
def test_keyword_only_after_the_data_or_main_argument(name, obj):
    positional = [p.name for p in parameters(obj)
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if inspect.isclass(obj):
        if obj.__init__ is object.__init__ or any(p.kind == p.VAR_POSITIONAL for p in parameters(obj)):
            return  # no constructor of its own (BaseFix, Resampled), or a list of steps (make_pipeline)
        assert len(positional) <= 1, f"{name}: only one main parameter may be positional, got {positional}"
    else:
        short = name.rsplit(".", 1)[1]
        assert short in POSITIONAL_FUNCTION_PARAMETERS, f"{name}: add it to POSITIONAL_FUNCTION_PARAMETERS"
        assert len(positional) <= POSITIONAL_FUNCTION_PARAMETERS[short], f"{name}: {positional}"


@pytest.mark.parametrize("name, obj", public_objects(), ids=lambda value: value if isinstance(value, str) else "")
def test_retired_names_appear_only_as_deprecated_parameters(name, obj):
    for parameter in parameters(obj):
        if parameter.name in RETIRED:
            assert parameter.default == DEPRECATED and parameter.kind == parameter.KEYWORD_ONLY, name
        if parameter.name == "alpha" and parameter.default != DEPRECATED:
            assert "focal" in name.lower() or name.endswith("TorchClassifier"), (
                f"{name}: `alpha` is focal loss's class weight only (mixup's is `mixup_alpha`)"
            )


def _legacy(call):
    with pytest.warns(FutureWarning, match="by keyword; passing"):
        return call()


def test_positional_use_of_now_keyword_only_parameters_warns_and_still_works():
    costs = 1 - np.eye(2)
    old = _legacy(lambda: dfx.CostSensitiveClassifier(LogisticRegression(), costs))
    assert old.get_params()["cost_matrix"] is costs
    old = _legacy(lambda: dfx.FixBaggingClassifier(LogisticRegression(), dfx.ClassWeighter()))
    assert isinstance(old.get_params()["fixes"], dfx.ClassWeighter)
    assert clone(old).get_params().keys() == old.get_params().keys()
    old = _legacy(lambda: dfx.GenerativeOverSampler("tvae", "minority", 3))
    assert (old.sampling_strategy, old.epochs) == ("minority", 3)
    old = _legacy(lambda: dfx.ClassWeighter("effective_number", 0.5))
    assert old.beta == 0.5


def test_focal_objectives_take_alpha_by_keyword():
    from datafix.losses import FocalObjective, lightgbm_focal_objective, xgboost_focal_objective

    for make in (FocalObjective, lightgbm_focal_objective, xgboost_focal_objective):
        new = make(2.0, alpha=0.25)
        old = _legacy(lambda: make(2.0, 0.25))
        assert repr(old) == repr(new)


def test_keyword_use_gives_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dfx.CostSensitiveClassifier(LogisticRegression(), cost_matrix=1 - np.eye(2))
        dfx.FixBaggingClassifier(LogisticRegression(), fixes=dfx.ClassWeighter())
        dfx.GenerativeOverSampler("tvae", sampling_strategy="minority")
        dfx.Mixup(0.3, n_samples=2)


def test_both_the_positional_and_the_keyword_value_is_an_error():
    with pytest.raises(TypeError, match="multiple values for argument 'cost_matrix'"):
        dfx.CostSensitiveClassifier(LogisticRegression(), 1 - np.eye(2), cost_matrix=1 - np.eye(2))
