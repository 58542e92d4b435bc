"""The conformance suite every public fix passes: datafix.testing's checks over the fixes in registry.py."""

from __future__ import annotations

import inspect

import pytest

import datafix as dfx
from datafix.testing import FIX_CHECKS, check_fix
from tests.common.registry import FIXES

CASES = [pytest.param(case, id=case.name, marks=case.marks) for case in FIXES]


@pytest.mark.parametrize("check_name", list(FIX_CHECKS))
@pytest.mark.parametrize("case", CASES)
def test_fix_contract(case, check_name):
    FIX_CHECKS[check_name](case.make(), case.data)


@pytest.mark.parametrize("case", CASES)
def test_random_fixes_take_random_state(case):
    if case.random:
        params = case.make().get_params()
        assert "random_state" in params, "a random fix must take random_state"
        assert params["random_state"] is not None, "the registry must fix random_state"


def test_every_public_fix_is_in_the_suite():
    covered = {type(case.make()).__name__ for case in FIXES}
    public_fixes = {
        name for name in dfx.__all__
        if inspect.isclass(getattr(dfx, name)) and hasattr(getattr(dfx, name), "fit_resample")
        and name not in {"BaseFix"}
    }
    assert public_fixes - covered == set(), f"public fixes missing from tests/common/registry.py: {public_fixes - covered}"


def test_check_fix_names_the_failing_check():
    class ForgetsProvenance(dfx.ClassWeighter):
        def fit_resample(self, X, y, sample_weight=None):
            output = super().fit_resample(X, y, sample_weight=sample_weight)
            del self.source_indices_
            return output

    with pytest.raises(AssertionError, match="ForgetsProvenance fails the 'clone_and_params' check"):
        check_fix(ForgetsProvenance())
    with pytest.raises(ValueError, match="unknown checks"):
        check_fix(dfx.ClassWeighter(), checks=["nope"])


def test_the_user_guide_example_fix_passes_the_checker():
    """The fix written in docs/guide/fixes.md from public names only."""
    import numpy as np

    from datafix import BaseFix, Resampled
    from datafix.testing import parametrize_with_fix_checks

    class CapClassSize(BaseFix):
        _parameter_constraints = {"max_rows": [int], "random_state": ["random_state"]}

        def __init__(self, max_rows=50, *, random_state=None):
            self.max_rows = max_rows
            self.random_state = random_state

        def _fit_resample(self, X, y, sample_weight):
            rng = np.random.default_rng(self.random_state)
            kept = [rng.choice(rows, size=min(len(rows), self.max_rows), replace=False)
                    for rows in (np.flatnonzero(y == label) for label in np.unique(y))]
            return Resampled(np.sort(np.concatenate(kept)))

    assert check_fix(CapClassSize(max_rows=40, random_state=0)) == list(FIX_CHECKS)
    def test_cap_class_size(fix, check):
        check(fix)

    marker = parametrize_with_fix_checks([CapClassSize(random_state=0)])(test_cap_class_size).pytestmark[0]
    for fix, check in (param.values for param in marker.args[1]):
        test_cap_class_size(fix, check)
