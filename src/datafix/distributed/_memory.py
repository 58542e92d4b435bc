"""Freed memory goes back to the operating system after every partition task.

A worker process reads a Parquet partition through pyarrow, whose memory pool
(mimalloc or jemalloc) keeps the pages it freed, then works on it with pandas
and numpy, whose memory comes from the C library's heap. Each allocator keeps
its own high-water mark, so without help a worker's resident memory grows to
the sum of both peaks plus fragmentation, far above what it holds: measured
on 12 million rows in 250,000-row partitions, 2 workers sat at 0.5-0.75 GiB
between passes while holding nothing, and 0.3-0.37 GiB once trimmed (Dask
reports this as *unmanaged* memory, and pauses or restarts a worker over its
limit for it). :func:`partition_task` wraps every per-partition function of
:mod:`datafix.distributed` so that the task hands its freed pages back when it
ends, as Dask's documentation suggests doing by hand (``client.run`` of
``malloc_trim``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys

__all__ = ["partition_task", "release_memory"]


@functools.lru_cache(maxsize=1)
def _malloc_trim():
    """glibc's ``malloc_trim``, or ``None`` where the C library has none (macOS, musl, Windows)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def release_memory() -> None:
    """Give pyarrow's pool and the C heap's freed pages back to the operating system.

    Examples
    --------
    >>> from datafix.distributed._memory import release_memory
    >>> release_memory()
    """
    if "pyarrow" in sys.modules:
        sys.modules["pyarrow"].default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def partition_task(function):
    """Decorate a per-partition task function: :func:`release_memory` after each call, whatever it raised.

    Examples
    --------
    >>> from datafix.distributed._memory import partition_task
    >>> @partition_task
    ... def rows(part):
    ...     return len(part)
    >>> rows([1, 2, 3])
    3
    """

    @functools.wraps(function)
    def task(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        finally:
            release_memory()

    return task
