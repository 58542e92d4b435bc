"""Exact duplicates and conflicting labels on a Dask DataFrame: row hashes, then a hash-partitioned group-by.

Each partition hashes its rows with :func:`datafix._tabular.row_hashes` (a
row's hash depends on its values only, never on its partition) and splits
them into buckets by hash; bucket ``b`` of every partition meets in one task,
which groups equal hashes and returns only the groups with more than one row
(duplicates) or more than one label (conflicts). Memory is one bucket per
task; the client receives the duplicated and conflicting groups only.

A row's order key is its global position (partition offset plus position in
the partition), so "the first row of a set" and the group numbers are those
of the in-memory checks on the collected data, whatever the partitioning.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._tabular import row_hashes
from ._frame import label_codes
from ._memory import partition_task

__all__ = ["HashGroups", "find_hash_groups", "label_hash", "partition_hashes"]

#: Mixes the label's hash into the feature hash, as :class:`datafix.auditing.duplicates.DuplicatesCheck` does.
LABEL_MIX = np.uint64(0x9E3779B97F4A7C15)


def label_hash(labels) -> np.ndarray:
    """The hash of each label, as the in-memory duplicates check computes it."""
    return row_hashes(pd.DataFrame({"label": np.asarray(labels)}))


def partition_hashes(part: pd.DataFrame, features, target, class_codes: dict, offset: int) -> pd.DataFrame:
    """Per row: feature hash, row hash (features and label), label code and global position."""
    feature_hash = row_hashes(part[features])
    labels = part[target].to_numpy()
    codes = label_codes(labels, class_codes)
    return pd.DataFrame({
        "feature_hash": feature_hash,
        "row_hash": feature_hash ^ (label_hash(labels) * LABEL_MIX),
        "label": codes,
        "position": offset + np.arange(len(part), dtype=np.int64),
    })


@partition_task
def _split(part: pd.DataFrame, features, target, class_codes, offset, n_buckets) -> list:
    hashes = partition_hashes(part, features, target, class_codes, offset)
    bucket = (hashes["feature_hash"].to_numpy() % np.uint64(n_buckets)).astype(np.int64)
    return [hashes[bucket == b] for b in range(n_buckets)]


@partition_task
def _groups_in_bucket(pieces: list, n_classes: int) -> tuple:
    """Duplicated row hashes and conflicting feature hashes of one bucket."""
    rows = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(
        columns=["feature_hash", "row_hash", "label", "position"])
    by_row = rows.groupby("row_hash", sort=False)["position"].agg(["size", "min"])
    duplicated = by_row[by_row["size"] > 1].rename(columns={"min": "first"})
    pairs = rows.groupby(["feature_hash", "label"], sort=False)["position"].agg(["size", "min"]).reset_index()
    n_labels = pairs.groupby("feature_hash", sort=False)["label"].transform("size")
    conflicting = pairs[n_labels.to_numpy() > 1]
    return duplicated.reset_index(), conflicting


@dataclass
class HashGroups:
    """The duplicated and conflicting groups of a whole dataset (small tables, indexed by hash).

    ``duplicates``: row_hash -> size, first (global position of its first
    row), group (numbered by first appearance, as the in-memory check).
    ``conflicts``: feature_hash -> size, group, majority (label code: the
    most common label, ties to the smaller code), and ``label_counts``:
    (feature_hash, label) -> rows.
    """

    duplicates: pd.DataFrame
    conflicts: pd.DataFrame
    label_counts: pd.Series

    @property
    def duplicate_rows(self) -> int:
        """Rows that are later copies of an earlier row (the duplicates check's issues)."""
        return int((self.duplicates["size"] - 1).sum())

    @property
    def conflicting_rows(self) -> int:
        return int(self.conflicts["size"].sum())


def find_hash_groups(data, stats, *, n_buckets=None) -> HashGroups:
    """The duplicated and conflicting groups of ``data`` (see :class:`HashGroups`)."""
    import dask

    n_buckets = int(n_buckets or max(data.npartitions, 1))
    class_codes = {c: i for i, c in enumerate(stats.classes.tolist())}
    parts = data.to_delayed()
    split = [dask.delayed(_split, nout=n_buckets)(part, stats.features, stats.target, class_codes, int(offset),
                                                   n_buckets)
             for part, offset in zip(parts, stats.offsets)]
    buckets = [dask.delayed(_groups_in_bucket)([s[b] for s in split], len(stats.classes)) for b in range(n_buckets)]
    found = dask.compute(*buckets)
    duplicates = pd.concat([d for d, _ in found], ignore_index=True).sort_values("first", ignore_index=True)
    duplicates["group"] = np.arange(len(duplicates), dtype=np.int64)
    duplicates = duplicates.set_index("row_hash")
    pairs = pd.concat([c for _, c in found], ignore_index=True)
    if len(pairs):
        sets = pairs.groupby("feature_hash").agg(size=("size", "sum"), first=("min", "min"))
        sets = sets.sort_values("first")
        sets["group"] = np.arange(len(sets), dtype=np.int64)
        top = pairs.sort_values(["feature_hash", "size", "label"], ascending=[True, False, True])
        sets["majority"] = top.drop_duplicates("feature_hash").set_index("feature_hash")["label"]
        label_counts = pairs.set_index(["feature_hash", "label"])["size"]
    else:
        sets = pd.DataFrame({"size": np.zeros(0, np.int64), "first": np.zeros(0, np.int64),
                             "group": np.zeros(0, np.int64), "majority": np.zeros(0, np.int64)},
                            index=pd.Index(np.zeros(0, np.uint64), name="feature_hash"))
        label_counts = pd.Series(np.zeros(0, np.int64), index=pd.MultiIndex.from_arrays(
            [np.zeros(0, np.uint64), np.zeros(0, np.int64)], names=["feature_hash", "label"]))
    return HashGroups(duplicates=duplicates, conflicts=sets, label_counts=label_counts)


def duplicate_columns(hashes: pd.DataFrame, groups: HashGroups) -> pd.DataFrame:
    """The duplicates and conflicting_labels per-row columns of one partition, from its hashes."""
    n = len(hashes)
    dup = groups.duplicates.reindex(hashes["row_hash"].to_numpy())
    in_set = dup["size"].notna().to_numpy()
    group = np.where(in_set, dup["group"].fillna(-1).to_numpy(), -1).astype(np.int64)
    later = in_set & (dup["first"].fillna(-1).to_numpy() != hashes["position"].to_numpy())
    conflict = groups.conflicts.reindex(hashes["feature_hash"].to_numpy())
    in_conflict = conflict["size"].notna().to_numpy()
    score = np.ones(n)
    if in_conflict.any():
        keys = pd.MultiIndex.from_arrays([hashes["feature_hash"].to_numpy()[in_conflict],
                                          hashes["label"].to_numpy()[in_conflict]])
        agreeing = groups.label_counts.reindex(keys).to_numpy(dtype=np.float64)
        score[in_conflict] = agreeing / conflict["size"].to_numpy()[in_conflict]
    return pd.DataFrame({
        "is_duplicates_issue": later,
        "duplicates_score": np.where(later, 0.0, 1.0),
        "duplicates_group": group,
        "is_conflicting_labels_issue": in_conflict,
        "conflicting_labels_score": score,
        "conflicting_labels_group": np.where(in_conflict, conflict["group"].fillna(-1).to_numpy(), -1).astype(
            np.int64),
        "conflicting_labels_majority": np.where(in_conflict, conflict["majority"].fillna(-1).to_numpy(), -1).astype(
            np.int64),
    })
