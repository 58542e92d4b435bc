"""Renamed public parameters: one release of warnings, then the old name goes.

A renamed constructor parameter keeps its old name in the signature with the
default :data:`DEPRECATED`, so ``get_params``, ``clone`` and grid searches keep
working on code written for the old name. The estimator reads the value through
:func:`renamed_parameter` when it is fitted (scikit-learn's rule: ``__init__``
only stores), which warns once per fit when the old name was set.

A renamed function keyword goes through the same function with the values
passed by the caller.
"""

from __future__ import annotations

import warnings

__all__ = ["DEPRECATED", "REMOVED_IN", "renamed_parameter"]

#: The default of a parameter kept only under its old name for one release.
DEPRECATED = "deprecated"

#: The release that drops the old names.
REMOVED_IN = "0.3"


def renamed_parameter(new_value, old_value, *, old: str, new: str, owner: str, default=None):
    """The value to use for a parameter renamed from ``old`` to ``new``.

    Parameters
    ----------
    new_value : object
        The value given under the new name.
    old_value : object
        The value given under the old name; :data:`DEPRECATED` when not given.
    old, new : str
        The two names, for the warning.
    owner : str
        The class or function the parameter belongs to, for the warning.
    default : object, default=None
        The new parameter's default. When the old name was given and the new
        one was left at this default, the old value wins.

    Returns
    -------
    object
        ``new_value``, or ``old_value`` (with a :class:`FutureWarning`) when
        only the old name was set.

    Raises
    ------
    TypeError
        When both names were set to different values.

    Examples
    --------
    >>> import warnings
    >>> renamed_parameter("exact", DEPRECATED, old="method", new="algorithm", owner="ENN", default="exact")
    'exact'
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     value = renamed_parameter("exact", "approximate", old="method", new="algorithm",
    ...                               owner="ENN", default="exact")
    >>> value, caught[0].category.__name__
    ('approximate', 'FutureWarning')
    """
    if isinstance(old_value, str) and old_value == DEPRECATED:
        return new_value
    if not _same(new_value, default) and not _same(new_value, old_value):
        raise TypeError(
            f"{owner}: `{old}` was renamed to `{new}`; got both ({old}={old_value!r}, {new}={new_value!r}). "
            f"Pass only `{new}`."
        )
    warnings.warn(
        f"{owner}: `{old}` was renamed to `{new}` and the old name will be removed in datafix {REMOVED_IN}; "
        f"pass `{new}={old_value!r}` instead.",
        FutureWarning,
        stacklevel=3,
    )
    return old_value


def _same(a, b) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b)
    except Exception:  # arrays, objects without a scalar comparison
        return False
