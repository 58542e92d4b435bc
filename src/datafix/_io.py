"""File output shared by the command line and the reports: atomic writes and JSON-ready values.

Every file datafix writes goes through :func:`write_atomically`: the content is
written to a temporary file in the destination folder (named
``.datafix-<pid>-<random>.part``), flushed to disk and renamed over the
destination in one step. An interrupted run never leaves a half-written file
in the user's place: the destination is either the old file or the complete
new one.

The temporary file is removed when the write fails, on Ctrl-C (SIGINT) and on
SIGTERM / SIGHUP (the signals are turned into a :class:`Terminated` exception
while the write runs, so the cleanup code runs, and re-delivered afterwards so
the process still ends as the signal asks). SIGKILL cannot be caught: the next
write into the same folder removes the temporary files that a finished
datafix process left behind (:func:`remove_stale_temporaries`).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import tempfile
import threading
import time

import numpy as np
import pandas as pd

__all__ = [
    "jsonable",
    "Terminated",
    "check_writable",
    "remove_stale_temporaries",
    "termination_as_exception",
    "write_atomically",
]

#: Prefix and suffix of the temporary files (``.datafix-<pid>-<random>.part``).
TEMPORARY_PREFIX, TEMPORARY_SUFFIX = ".datafix-", ".part"
_TEMPORARY_NAME = re.compile(r"^\.datafix-(?:(\d+)-)?[A-Za-z0-9_]+\.part$")
#: When this process started (temporary files older than this, of dead processes, are stale).
PROCESS_STARTED = time.time()
#: Signals that end a process by default and are turned into :class:`Terminated` while writing.
TERMINATION_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
#: Text is written in pieces of this many characters.
CHUNK_CHARACTERS = 1 << 20


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived; raised like ``KeyboardInterrupt`` so that cleanup code runs."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum

    @property
    def signal_name(self) -> str:
        try:
            return signal.Signals(self.signum).name
        except ValueError:  # pragma: no cover - an unknown number
            return f"signal {self.signum}"


def _raise_terminated(signum, frame):
    raise Terminated(signum)


@contextlib.contextmanager
def termination_as_exception(*, redeliver: bool = True):
    """Within the block, SIGTERM and SIGHUP raise :class:`Terminated` instead of ending the process at once.

    Only signals still at their default action are taken over (a handler
    the program installed itself is left alone), and only in the main thread
    (the only one Python delivers signals to). With ``redeliver`` a
    :class:`Terminated` leaving the block restores the default action and
    sends the signal again, so the process ends as it would have - after the
    cleanup code between here and the signal has run.

    Examples
    --------
    >>> from datafix._io import termination_as_exception
    >>> with termination_as_exception():
    ...     pass
    """
    installed = {}
    if threading.current_thread() is threading.main_thread():
        for signum in TERMINATION_SIGNALS:
            try:
                if signal.getsignal(signum) == signal.SIG_DFL:
                    installed[signum] = signal.signal(signum, _raise_terminated)
            except (ValueError, OSError):  # pragma: no cover - not allowed here
                pass
    try:
        yield
    except Terminated as terminated:
        for signum, previous in installed.items():
            signal.signal(signum, previous)
        if redeliver and terminated.signum in installed:
            installed = {}
            os.kill(os.getpid(), terminated.signum)  # the default action: the process ends here
        raise
    finally:
        for signum, previous in installed.items():
            signal.signal(signum, previous)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    except OSError:  # pragma: no cover
        return True
    return True


def remove_stale_temporaries(folder) -> list[str]:
    """Remove the temporary files that an earlier datafix run killed mid-write left in ``folder``.

    A file counts as stale when its name has the pattern of
    :func:`write_atomically` (``.datafix-<pid>-<random>.part``), it was last
    changed before this process started, and the process that made it is no
    longer running. Files of running processes are never touched. Returns
    the paths removed; errors (a file that vanished, no permission) are
    ignored.

    Examples
    --------
    >>> import os, tempfile
    >>> from datafix._io import remove_stale_temporaries
    >>> folder = tempfile.mkdtemp()
    >>> stale = os.path.join(folder, ".datafix-999999999-abc123.part")
    >>> _ = open(stale, "w").write("half")
    >>> os.utime(stale, (0, 0))
    >>> [os.path.basename(p) for p in remove_stale_temporaries(folder)]
    ['.datafix-999999999-abc123.part']
    """
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        match = _TEMPORARY_NAME.match(name)
        if match is None:
            continue
        path = os.path.join(folder, name)
        try:
            if os.stat(path).st_mtime >= PROCESS_STARTED:
                continue
            pid = match.group(1)
            if pid is not None and (int(pid) == os.getpid() or _process_alive(int(pid))):
                continue
            os.unlink(path)
            removed.append(path)
        except OSError:
            continue
    return removed


def check_writable(path) -> str:
    """Raise a clear ``OSError`` naming ``path`` when a file cannot be written there; the absolute path.

    The folder must exist and be writable, and ``path`` must not be a
    folder. Checked before any work, so a long computation does not end in an
    error about the output.

    Examples
    --------
    >>> from datafix._io import check_writable
    >>> check_writable("/no/such/folder/out.csv")
    Traceback (most recent call last):
    ...
    FileNotFoundError: cannot write /no/such/folder/out.csv: the folder /no/such/folder does not exist; create it first
    """
    path = os.fspath(path)
    absolute = os.path.abspath(path)
    folder = os.path.dirname(absolute)
    if os.path.isdir(absolute):
        raise IsADirectoryError(f"cannot write {path}: it is a folder; give a file name")
    if not os.path.isdir(folder):
        what = "is not a folder" if os.path.exists(folder) else "does not exist"
        raise FileNotFoundError(f"cannot write {path}: the folder {folder} {what}; create it first")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(f"cannot write {path}: the folder {folder} is not writable; "
                                            f"choose another output folder")
    return absolute


def _write_content(stream, content) -> None:
    if callable(content):
        content(stream)
    elif isinstance(content, str):
        for start in range(0, len(content), CHUNK_CHARACTERS):
            stream.write(content[start : start + CHUNK_CHARACTERS])
    else:
        stream.write(content)


def write_atomically(path, content, mode: str = "w") -> None:
    """Write ``content`` to ``path`` through a temporary file in the same folder and a rename.

    An interrupted write never leaves a half-written file over an existing
    one: the old file stays until the new one is complete, and the temporary
    file is removed on errors, Ctrl-C, SIGTERM and SIGHUP (see the module
    notes; after SIGKILL the next write into the folder removes it).

    Parameters
    ----------
    path : str or path-like
        The destination.
    content : str, bytes or callable(stream)
        The text (or bytes with ``mode="wb"``), or a function that writes
        to the open stream.
    mode : {"w", "wb"}, default="w"
        Text (UTF-8) or binary.

    Raises
    ------
    OSError
        Naming ``path`` (not the temporary file) when its folder is missing
        or not writable.

    Examples
    --------
    >>> import os, tempfile
    >>> from datafix._io import write_atomically
    >>> path = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> write_atomically(path, "hello")
    >>> open(path).read()
    'hello'
    """
    path = os.fspath(path)
    check_writable(path)
    folder = os.path.dirname(os.path.abspath(path))
    remove_stale_temporaries(folder)
    with termination_as_exception():
        temporary = None
        try:
            try:
                handle, temporary = tempfile.mkstemp(
                    prefix=f"{TEMPORARY_PREFIX}{os.getpid()}-", suffix=TEMPORARY_SUFFIX, dir=folder
                )
            except OSError as error:
                raise type(error)(f"cannot write {path}: {error.strerror or error}") from None
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual permissions
            with os.fdopen(handle, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as stream:
                _write_content(stream, content)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, path)
            temporary = None
        except BaseException:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
            raise


def jsonable(value):
    """Plain JSON values from numpy / pandas scalars and containers.

    Dict keys become strings, arrays and tuples lists, numpy scalars Python
    values; NaN, infinities, ``pd.NA`` and ``pd.NaT`` become ``None`` (JSON
    has no such values); anything else becomes its ``str``.

    Examples
    --------
    >>> import numpy as np
    >>> from datafix._io import jsonable
    >>> jsonable({1: np.float32(0.5), "b": np.array([1, 2]), "c": float("nan")})
    {'1': 0.5, 'b': [1, 2], 'c': None}
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray, pd.Index)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)
