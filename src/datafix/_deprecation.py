"""Renamed public parameters: one release of warnings, then the old name goes.

A renamed constructor parameter keeps its old name in the signature with the
default :data:`DEPRECATED`, so ``get_params``, ``clone`` and grid searches keep
working on code written for the old name. The estimator reads the value through
:func:`renamed_parameter` when it is fitted (scikit-learn's rule: ``__init__``
only stores), which warns once per fit when the old name was set.

A renamed function keyword goes through the same function with the values
passed by the caller.

A parameter that became keyword-only still takes its value by position for
one release: :func:`keyword_only_after` maps the extra positional values onto
the keyword-only parameters, in order, and warns.
"""

from __future__ import annotations

import functools
import inspect
import warnings

__all__ = ["DEPRECATED", "REMOVED_IN", "keyword_only_after", "renamed_attributes", "renamed_parameter"]

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


def keyword_only_after(function):
    """Decorate a function or ``__init__`` whose trailing parameters became keyword-only.

    The signature (what ``inspect.signature``, ``get_params`` and ``clone``
    see) is the new one. For one release a call that still passes the
    keyword-only parameters by position works: the extra positional values
    go to the keyword-only parameters in their declared order, with a
    :class:`FutureWarning` that names them. Keep the keyword-only parameters
    in the order they had as positional ones (old names kept for
    :func:`renamed_parameter` go last). scikit-learn's
    ``_deprecate_positional_args`` did the same for its 1.0 release.

    Examples
    --------
    >>> import warnings
    >>> @keyword_only_after
    ... def weights(y, scheme="balanced", *, beta=0.999):
    ...     return scheme, beta
    >>> weights([0, 1], "effective_number", beta=0.9)
    ('effective_number', 0.9)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     result = weights([0, 1], "effective_number", 0.9)
    >>> result, caught[0].category.__name__
    (('effective_number', 0.9), 'FutureWarning')
    >>> print(caught[0].message)
    weights: pass beta=0.9 by keyword; passing it by position will be an error in datafix 0.3.
    """
    parameters = inspect.signature(function).parameters.values()
    positional = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    keyword_only = [p.name for p in parameters if p.kind == p.KEYWORD_ONLY]
    owner = function.__qualname__.removesuffix(".__init__")  # a class by its name

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        extra = len(args) - len(positional)
        if extra <= 0 or extra > len(keyword_only):
            return function(*args, **kwargs)  # nothing moved, or too many: Python's own error
        names = keyword_only[:extra]
        values = args[len(positional):]
        repeated = [name for name in names if name in kwargs]
        if repeated:
            raise TypeError(f"{owner}() got multiple values for argument {repeated[0]!r}")
        passed = ", ".join(f"{name}={value!r}" for name, value in zip(names, values))
        pronoun = "it" if extra == 1 else "them"
        warnings.warn(
            f"{owner}: pass {passed} by keyword; passing {pronoun} by position will be an error in "
            f"datafix {REMOVED_IN}.",
            FutureWarning,
            stacklevel=2,
        )
        return function(*args[: len(positional)], **dict(zip(names, values)), **kwargs)

    return wrapper


def renamed_attributes(module: str, renames: dict, namespace: dict):
    """A module-level ``__getattr__`` that serves renamed module attributes under their old names for one release.

    Parameters
    ----------
    module : str
        The module's name, for the warning (pass ``__name__``).
    renames : dict of str to str
        Old name -> new name.
    namespace : dict
        The module's namespace (pass ``globals()``); the new name is looked up
        in it when the old one is used.

    Returns
    -------
    callable
        Assign it to the module's ``__getattr__``.

    Examples
    --------
    >>> import warnings
    >>> getattr_ = renamed_attributes("mymodule", {"old_name": "new_name"}, {"new_name": 42})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     value = getattr_("old_name")
    >>> value, caught[0].category.__name__
    (42, 'FutureWarning')
    """

    def __getattr__(name):
        if name in renames:
            warnings.warn(f"{module}.{name} was renamed to {renames[name]} and the old name will be removed in "
                          f"datafix {REMOVED_IN}.", FutureWarning, stacklevel=2)
            return namespace[renames[name]]
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__


def _same(a, b) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b)
    except Exception:  # arrays, objects without a scalar comparison
        return False
