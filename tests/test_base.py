"""The fix contract: pandas round trip, index policy for synthetic rows, lazy imports."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from datafix.base import BaseFix, Resampled, _synthetic_index, assemble_rows


class DuplicateAndInvent(BaseFix):
    """Keeps every row, then appends one synthetic row per class (the class mean)."""

    _requires_numeric = True

    def _fit_resample(self, X, y, sample_weight):
        values = X.to_numpy(dtype=float) if isinstance(X, pd.DataFrame) else np.asarray(X.todense() if sp.issparse(X) else X, dtype=float)
        classes = np.unique(y)
        means = np.vstack([values[y == label].mean(axis=0) for label in classes])
        first_rows = np.array([np.flatnonzero(y == label)[0] for label in classes])
        source = np.concatenate([np.arange(len(y)), first_rows])
        synthetic = np.r_[np.zeros(len(y), bool), np.ones(len(classes), bool)]
        return Resampled(source, is_synthetic=synthetic, X_synthetic=means)


def test_synthetic_index_labels_never_collide():
    assert list(_synthetic_index(pd.Index([5, 2, 9]), 2)) == [10, 11]
    assert list(_synthetic_index(pd.Index(["a", "b"]), 2)) == ["synthetic_0", "synthetic_1"]
    taken = pd.Index(["synthetic_0", "x"])
    new = _synthetic_index(taken, 3)
    assert not set(new) & set(taken) and len(set(new)) == 3


def test_dataframe_round_trip_keeps_columns_dtypes_and_index():
    frame = pd.DataFrame({"a": [1, 2, 3, 4], "b": np.array([0.5, 1.5, 2.5, 3.5], dtype=np.float32)}, index=[10, 20, 30, 40])
    labels = pd.Series(["x", "x", "y", "y"], index=frame.index, name="target")
    X_out, y_out = DuplicateAndInvent().fit_resample(frame, labels)
    assert list(X_out.index) == [10, 20, 30, 40, 41, 42]
    assert X_out.dtypes.to_dict() == frame.dtypes.to_dict()
    assert y_out.name == "target" and list(y_out) == ["x", "x", "y", "y", "x", "y"]
    assert y_out.index.equals(X_out.index)


def test_series_labels_with_array_features_get_an_index_too():
    labels = pd.Series([0, 1, 0, 1], index=list("abcd"))
    X_out, y_out = DuplicateAndInvent().fit_resample(np.eye(4), labels)
    assert isinstance(X_out, np.ndarray)
    assert list(y_out.index) == ["a", "b", "c", "d", "synthetic_0", "synthetic_1"]


def test_sparse_input_stays_sparse():
    X = sp.random(6, 3, density=0.5, random_state=0, format="csc")
    X_out, _ = DuplicateAndInvent().fit_resample(X, [0, 0, 0, 1, 1, 1])
    assert sp.issparse(X_out) and X_out.shape == (8, 3)
    np.testing.assert_allclose(X_out[:6].toarray(), X.toarray())


def test_take_rows_orders_synthetic_rows_where_the_fix_put_them():
    X = np.array([[0.0], [1.0]])
    out = assemble_rows(X, [0, 1, 1], is_synthetic=[False, True, False], X_synthetic=[[9.0]])
    np.testing.assert_array_equal(out.ravel(), [0.0, 9.0, 1.0])


def test_numeric_fix_rejects_string_columns_before_work():
    frame = pd.DataFrame({"a": [1, 2], "b": ["u", "v"]})
    with pytest.raises(ValueError, match=r"non-numeric columns \['b'\]"):
        DuplicateAndInvent().fit_resample(frame, [0, 1])


def test_import_datafix_does_not_import_optional_dependencies():
    code = (
        "import sys, datafix; "
        "heavy = [m for m in ('torch', 'albumentations', 'lightgbm', 'xgboost', 'matplotlib', 'skorch') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_every_public_name_resolves():
    import datafix

    for name in datafix.__all__:
        assert getattr(datafix, name) is not None, name


def test_take_rows_is_assemble_rows_under_its_old_name_for_one_release():
    import datafix.base as base

    with pytest.warns(FutureWarning, match="renamed to assemble_rows"):
        old = base.take_rows
    assert old is assemble_rows
