"""fix_columns: the global statistics of the collected data, applied partition by partition."""

import cleanlab.filter
import numpy as np
import pandas as pd
import pytest

import datafix as dfx
from datafix.distributed import fix_columns

from .conftest import PROBA_COLUMNS, make_frame

dd = pytest.importorskip("dask.dataframe")


@pytest.fixture(scope="module")
def frame():
    return make_frame(200_000, seed=2)[0]


def test_weights_equal_compute_class_weights(client, frame):
    data = dd.from_pandas(frame, npartitions=9)
    fixed = fix_columns(data, "target", ["weights"]).compute()
    expected = dfx.compute_class_weights(frame["target"].to_numpy())
    assert np.allclose(fixed["weight"].to_numpy(), frame["target"].map(expected).to_numpy())
    assert fixed["keep"].all() and (fixed["label"] == frame["target"]).all()
    assert list(fixed.columns[: frame.shape[1]]) == list(frame.columns)


def test_undersampling_does_not_depend_on_the_partitioning(client, frame):
    keeps = [fix_columns(dd.from_pandas(frame, npartitions=n), "target", ["undersample", "weights"],
                         random_state=3).compute()
             for n in (8, 13)]
    assert keeps[0]["keep"].equals(keeps[1]["keep"]) and keeps[0]["weight"].equals(keeps[1]["weight"])
    kept = keeps[0][keeps[0]["keep"]]
    counts = kept["target"].value_counts()
    smallest = frame["target"].value_counts().min()
    assert (abs(counts - smallest) < 5 * np.sqrt(smallest)).all()  # a Bernoulli draw per row around the smallest
    weight_by_class = kept.groupby("target")["weight"].sum()
    assert np.allclose(weight_by_class, weight_by_class.mean())  # the weights balance the kept rows exactly
    assert (keeps[0].loc[~keeps[0]["keep"], "weight"] == 0).all()


def test_clean_drops_exactly_the_confident_learning_flags(client, frame):
    fixed = fix_columns(dd.from_pandas(frame, npartitions=8), "target", ["clean"],
                        pred_proba=PROBA_COLUMNS).compute()
    _, codes = np.unique(frame["target"].to_numpy(), return_inverse=True)
    flags = cleanlab.filter.find_label_issues(codes, frame[PROBA_COLUMNS].to_numpy(), filter_by="confident_learning")
    assert np.array_equal(~fixed["keep"].to_numpy(), flags)
    relabelled = fix_columns(dd.from_pandas(frame, npartitions=8), "target", ["clean"], clean_action="relabel",
                             pred_proba=PROBA_COLUMNS).compute()
    changed = relabelled["label"].to_numpy() != frame["target"].to_numpy()
    assert np.array_equal(changed, flags) and relabelled["keep"].all()


def test_the_callers_frame_is_not_modified(client, frame):
    small = frame.iloc[:1000].copy()
    before = small.copy()
    fix_columns(dd.from_pandas(small, npartitions=2), "target", ["weights", "undersample"]).compute()
    pd.testing.assert_frame_equal(small, before)


@pytest.mark.parametrize("kwargs, message", [
    ({"fixes": ["smote"]}, "unknown fixes"),
    ({"fixes": ["clean"], "clean_action": "fix"}, "clean_action"),
    ({"fixes": ["weights"], "weight_column": "x0"}, "already has the columns"),
])
def test_bad_arguments_fail_before_any_work(frame, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fix_columns(dd.from_pandas(frame.iloc[:100], npartitions=2), "target", **kwargs)
