"""Atomic Parquet directories: written into a temporary sibling directory, renamed into place at the end.

An interrupted or failed write (an error in a partition, Ctrl-C, SIGTERM)
leaves no partial output directory behind: the temporary directory is
removed and the destination is untouched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile

from .._io import termination_as_exception

__all__ = ["check_output_directory", "write_parquet"]


def check_output_directory(path, *, overwrite: bool = False) -> str:
    """Raise a one-line ``OSError`` when ``path`` cannot become a Parquet directory; the absolute path.

    Examples
    --------
    >>> from datafix.distributed import check_output_directory
    >>> check_output_directory("/no/such/folder/out")
    Traceback (most recent call last):
    ...
    FileNotFoundError: cannot write /no/such/folder/out: the folder /no/such/folder does not exist; create it first
    """
    path = os.fspath(path)
    absolute = os.path.abspath(path)
    parent = os.path.dirname(absolute)
    if not os.path.isdir(parent):
        raise FileNotFoundError(f"cannot write {path}: the folder {parent} does not exist; create it first")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise PermissionError(f"cannot write {path}: the folder {parent} is not writable; choose another output")
    if os.path.exists(absolute):
        if not os.path.isdir(absolute):
            raise FileExistsError(f"cannot write {path}: it is a file; the output is a directory of Parquet files")
        if os.listdir(absolute) and not overwrite:
            raise FileExistsError(f"cannot write {path}: the directory exists and is not empty; choose another "
                                  f"name or pass --overwrite")
    return absolute


def write_parquet(frame, path, *, overwrite: bool = False, write_index: bool = True) -> None:
    """Write a Dask (or pandas) DataFrame as a directory of Parquet files, atomically.

    The files are written into ``.<name>.datafix-tmp-*`` next to ``path``,
    which is renamed to ``path`` once every partition is written (a previous
    ``path`` is replaced only with ``overwrite=True``, and only then).
    ``write_index=False`` leaves the index out.

    Examples
    --------
    >>> import os, tempfile, pandas as pd
    >>> from datafix.distributed import write_parquet
    >>> out = os.path.join(tempfile.mkdtemp(), "out")
    >>> write_parquet(pd.DataFrame({"x": [1, 2]}), out)
    >>> sorted(os.listdir(out))
    ['part.0.parquet']
    """
    absolute = check_output_directory(path, overwrite=overwrite)
    parent, name = os.path.split(absolute)
    with termination_as_exception():
        temporary = tempfile.mkdtemp(prefix=f".{name}.datafix-tmp-", dir=parent)
        try:
            if hasattr(frame, "to_delayed"):
                frame.to_parquet(temporary, write_index=write_index, overwrite=False)
            else:
                frame.to_parquet(os.path.join(temporary, "part.0.parquet"), index=write_index)
            if os.path.exists(absolute):
                old = tempfile.mkdtemp(prefix=f".{name}.datafix-old-", dir=parent)
                os.rename(absolute, os.path.join(old, name))
                os.rename(temporary, absolute)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(temporary, absolute)
            temporary = None
        finally:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    shutil.rmtree(temporary)
