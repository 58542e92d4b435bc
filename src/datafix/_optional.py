"""Lazy imports of optional dependencies, with a one-line hint when one is missing."""

from __future__ import annotations

import importlib


class MissingExtraError(ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


def import_optional(module: str, extra: str):
    """Import ``module`` or raise :class:`MissingExtraError` naming ``pip install 'datafix[extra]'``.

    Examples
    --------
    >>> from datafix._optional import import_optional
    >>> import_optional("json", "report").__name__
    'json'
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingExtraError(
            f"{module} is needed for this feature but is not installed: pip install 'datafix[{extra}]'"
        ) from error


def lazy_exports(package: str, names: dict, requires: dict | None = None):
    """``(__getattr__, __dir__)`` for a package whose public names load on first use.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    names : dict
        Public name -> submodule (relative, e.g. ``".focal"``) that defines it.
    requires : dict, optional
        Submodule -> ``(module, extra)`` to check with :func:`import_optional`
        before importing it, so that a missing extra gives its one-line hint.

    Examples
    --------
    >>> from datafix._optional import lazy_exports
    >>> getattr_, dir_ = lazy_exports("datafix", {"ClassWeighter": ".weighting"})
    >>> getattr_("ClassWeighter").__name__
    'ClassWeighter'
    """
    requires = requires or {}

    def __getattr__(name: str):
        module_name = names.get(name)
        if module_name is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        if module_name in requires:
            import_optional(*requires[module_name])
        value = getattr(importlib.import_module(module_name, package), name)
        setattr(importlib.import_module(package), name, value)
        return value

    def __dir__():
        return sorted(set(vars(importlib.import_module(package))) | set(names))

    return __getattr__, __dir__
