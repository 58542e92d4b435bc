"""Audit and fix datasets larger than memory on a Dask cluster (the ``dask`` extra).

* :func:`datafix.audit` on a ``dask.dataframe.DataFrame`` runs
  :func:`datafix.distributed.audit`: the exact checks as map/reduce over the
  partitions, confident learning in two passes, ``report.issues`` a Dask
  DataFrame;
* :func:`fix_columns` adds ``keep``, ``weight`` and ``label`` columns computed
  with global statistics and applied partition by partition;
* :func:`read_parquet`, :func:`write_parquet` and :func:`connect` are the
  input, the atomic output and the cluster of ``datafix audit|clean|balance``
  on Parquet directories.

Nothing here is imported by ``import datafix``; dask is imported only here.
"""

from __future__ import annotations

from ._cluster import connect
from ._frame import read_parquet
from ._parquet import check_output_directory, write_parquet
from .audit import audit
from .fixes import fix_columns

__all__ = ["audit", "check_output_directory", "connect", "fix_columns", "read_parquet", "write_parquet"]
