"""DuplicateRemover: drop exact copies of rows and resolve conflicting labels, as a fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._compat import StrOptions
from ._tabular import row_hashes
from .base import BaseFix, Resampled

__all__ = ["DuplicateRemover"]


def _feature_hashes(X) -> np.ndarray:
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
    return row_hashes(frame)


class DuplicateRemover(BaseFix):
    """Drop exact copies of rows and resolve rows with identical features but different labels.

    Rows are compared on their feature values (numbers by value whatever
    their dtype, missing values equal to each other, other values as text);
    the labels decide what is a copy and what is a conflict. This is the fix
    for what ``datafix.audit`` reports as ``duplicates`` and
    ``conflicting_labels``.

    Parameters
    ----------
    conflicts : {"majority", "drop", "keep"}, default="majority"
        What to do with a set of rows that share their features but not
        their label:

        ``"majority"``
            keep one row, of the set's most common label (ties: the label
            that occurs first);
        ``"drop"``
            drop the whole set;
        ``"keep"``
            keep one row per label.

        Exact copies (same features, same label) always shrink to their
        first row.

    Attributes
    ----------
    n_duplicates_ : int
        Rows dropped as exact copies.
    n_conflicting_ : int
        Rows in sets with conflicting labels.
    source_indices_, is_synthetic_, classes_
        As for every fix. Kept rows keep their own weight and index label.

    Examples
    --------
    >>> import numpy as np
    >>> from datafix import DuplicateRemover
    >>> X = np.array([[0, 0], [0, 0], [1, 1], [1, 1], [1, 1], [2, 2]])
    >>> y = np.array(["a", "a", "b", "b", "c", "c"])
    >>> fix = DuplicateRemover()
    >>> X_out, y_out = fix.fit_resample(X, y)
    >>> fix.source_indices_, y_out
    (array([0, 2, 5]), array(['a', 'b', 'c'], dtype='<U1'))
    >>> DuplicateRemover(conflicts="drop").fit_resample(X, y)[1]
    array(['a', 'c'], dtype='<U1')
    """

    _parameter_constraints = {"conflicts": [StrOptions({"majority", "drop", "keep"})]}
    _allow_sparse = False

    def __init__(self, conflicts="majority"):
        self.conflicts = conflicts

    def _fit_resample(self, X, y, sample_weight):
        if sp.issparse(X):  # pragma: no cover - refused by _allow_sparse
            raise ValueError("DuplicateRemover needs dense features.")
        group = pd.factorize(_feature_hashes(X))[0]
        label = pd.factorize(y)[0]
        position = np.arange(len(y))
        pairs = pd.DataFrame({"group": group, "label": label, "position": position})
        per_pair = pairs.groupby(["group", "label"], sort=False).agg(
            count=("position", "size"), first=("position", "min")
        ).reset_index()
        labels_per_group = per_pair.groupby("group")["label"].transform("size")
        conflicting = labels_per_group.to_numpy() > 1
        self.n_conflicting_ = int(per_pair.loc[conflicting, "count"].sum())
        if self.conflicts == "keep":
            kept = per_pair
        elif self.conflicts == "drop":
            kept = per_pair[~conflicting]
        else:
            ranked = per_pair.sort_values(["group", "count", "first"], ascending=[True, False, True])
            kept = ranked.drop_duplicates("group")
        source = np.sort(kept["first"].to_numpy())
        self.n_duplicates_ = int(per_pair["count"].sum() - len(per_pair))
        return Resampled(source_indices=source.astype(np.intp))
