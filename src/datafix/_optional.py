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
