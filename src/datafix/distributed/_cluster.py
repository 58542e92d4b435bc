"""Connecting to a Dask cluster: an existing scheduler, or a LocalCluster with the machine's cores."""

from __future__ import annotations

import contextlib
import os

from ._frame import require_dask

__all__ = ["connect"]


@contextlib.contextmanager
def connect(scheduler="local", *, timeout: float = 10.0, memory_limit="auto"):
    """A ``distributed.Client`` for the block: ``"local"`` starts a LocalCluster, an address joins a scheduler.

    Parameters
    ----------
    scheduler : str, default="local"
        ``"local"``: a ``LocalCluster`` of worker processes, one per core,
        on the loopback interface, closed when the block ends. Otherwise the
        address of a running scheduler, e.g. ``"tcp://host:8786"``.
    timeout : float, default=10
        Seconds to wait for the scheduler; an unreachable address is then a
        one-line ``OSError``.
    memory_limit : str or int, default="auto"
        Per worker of a local cluster.

    Examples
    --------
    >>> from datafix.distributed import connect
    >>> with connect("tcp://127.0.0.1:1", timeout=1) as client:
    ...     pass
    Traceback (most recent call last):
    ...
    OSError: cannot reach the Dask scheduler at tcp://127.0.0.1:1 within 1 s; start it, or use --scheduler local
    """
    require_dask()
    from distributed import Client, LocalCluster

    if scheduler == "local":
        cores = os.cpu_count() or 1
        with LocalCluster(n_workers=cores, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None, memory_limit=memory_limit) as cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(scheduler, timeout=f"{timeout}s")
    except (OSError, TimeoutError, ValueError) as error:
        if isinstance(error, ValueError) and "address" not in str(error).lower():
            raise
        raise OSError(f"cannot reach the Dask scheduler at {scheduler} within {timeout:g} s; start it, or use "
                      f"--scheduler local") from None
    try:
        yield client
    finally:
        client.close()
