"""imbalanced-learn's own tests for the six cleaners, run against datafix's classes.

imbalanced-learn ships its test modules inside its wheel. This module imports
the *installed* ones (nothing is copied into this repository), and re-binds
every test function so that the names ``EditedNearestNeighbours``,
``TomekLinks``, ... inside it mean datafix's classes. pytest then collects the
re-bound functions here with their own parametrisation and fixtures, so every
imbalanced-learn release in CI checks datafix against its current tests.

imbalanced-learn's modules are not modified: each re-bound function gets a
copy of its module's namespace with the substitutions. A deliberate
difference would be listed in ``EXPECTED_DIFFERENCES`` (and explained in the
resampling guide); there is none today: every test passes.
"""

from __future__ import annotations

import importlib
import types

import pytest

from datafix import resampling

PACKAGE = "imblearn.under_sampling._prototype_selection.tests"
MODULES = {
    "test_edited_nearest_neighbours": "enn",
    "test_repeated_edited_nearest_neighbours": "renn",
    "test_allknn": "allknn",
    "test_tomek_links": "tomek",
    "test_neighbourhood_cleaning_rule": "ncr",
    "test_one_sided_selection": "oss",
}
SUBSTITUTED = tuple(resampling.__all__)  # the six class names, the same in both libraries
#: "<short module>::<test name>" -> why datafix deliberately differs (documented in docs/guide/resampling.md).
EXPECTED_DIFFERENCES: dict[str, str] = {}


def _rebind(function, namespace):
    """``function`` with ``namespace`` as its globals, keeping its marks (parametrize) and defaults."""
    rebound = types.FunctionType(
        function.__code__, namespace, function.__name__, function.__defaults__, function.__closure__
    )
    rebound.__kwdefaults__ = function.__kwdefaults__
    rebound.__dict__.update(function.__dict__)
    rebound.__doc__ = function.__doc__
    rebound.__module__ = __name__
    return rebound


def _is_fixture(value) -> bool:
    return type(value).__name__ == "FixtureFunctionDefinition" or hasattr(value, "_pytestfixturefunction")


def _collect():
    collected, fixtures = {}, {}
    for module_name, short in MODULES.items():
        module = importlib.import_module(f"{PACKAGE}.{module_name}")
        namespace = dict(vars(module))
        substituted = [name for name in SUBSTITUTED if name in namespace]
        assert substituted, f"{module_name} no longer imports any of {SUBSTITUTED}; update this module"
        namespace.update({name: getattr(resampling, name) for name in substituted})
        for name, value in vars(module).items():
            if _is_fixture(value):
                # a fixture's body needs no substitution (it builds data); two modules must not disagree on one
                if name in fixtures and fixtures[name] is not value:
                    raise RuntimeError(f"two imbalanced-learn test modules define the fixture {name!r}")
                fixtures[name] = value
            elif name.startswith("test_") and isinstance(value, types.FunctionType):
                test = _rebind(value, namespace)
                reason = EXPECTED_DIFFERENCES.get(f"{short}::{name}")
                if reason:
                    test = pytest.mark.xfail(reason=reason, strict=True)(test)
                collected[f"test_imblearn_{short}__{name[len('test_'):]}"] = test
    return collected, fixtures


_TESTS, _FIXTURES = _collect()
globals().update(_FIXTURES)
globals().update(_TESTS)


def test_every_imblearn_module_contributed_tests():
    """A renamed or emptied imbalanced-learn test module fails here instead of silently running nothing."""
    for short in MODULES.values():
        assert any(name.startswith(f"test_imblearn_{short}__") for name in _TESTS), short
    assert len(_TESTS) >= 25


def test_substitution_reaches_the_test_bodies():
    """The re-bound tests construct datafix's classes, not imbalanced-learn's."""
    for name, test in _TESTS.items():
        for class_name in SUBSTITUTED:
            if class_name in test.__globals__:
                assert test.__globals__[class_name] is getattr(resampling, class_name), name
