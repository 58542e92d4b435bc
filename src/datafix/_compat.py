"""Every private scikit-learn helper datafix relies on, in one place.

scikit-learn does not promise stability for these names; keeping them here
means an upgrade breaks one small module, not the whole package.
"""

from __future__ import annotations

from sklearn.utils._param_validation import (  # noqa: F401  (re-exported)
    HasMethods,
    Interval,
    StrOptions,
    validate_parameter_constraints,
)


def validate_params(estimator) -> None:
    """Check ``estimator``'s parameters against its ``_parameter_constraints``."""
    validate_parameter_constraints(
        estimator._parameter_constraints,
        estimator.get_params(deep=False),
        caller_name=type(estimator).__name__,
    )


def name_estimators(estimators):
    """Generate step names from estimator classes, as ``sklearn.pipeline.make_pipeline`` does."""
    from sklearn.pipeline import _name_estimators

    return _name_estimators(estimators)
