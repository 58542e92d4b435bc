"""The cleaners' datafix-only and renamed parameters: ``algorithm`` (formerly ``method``) and ``n_jobs``."""

import unittest.mock

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification

from datafix import neighbors, resampling
from datafix._deprecation import DEPRECATED

EDITING = ["EditedNearestNeighbours", "RepeatedEditedNearestNeighbours", "AllKNN"]
ALL_CLEANERS = EDITING + ["TomekLinks", "NeighbourhoodCleaningRule", "OneSidedSelection"]


def _data(n=3000, n_classes=2, weights=(0.9,)):
    X, y = make_classification(n_samples=n, n_features=8, n_informative=4, n_classes=n_classes,
                               weights=list(weights), flip_y=0.05, random_state=0)
    X[n // 2 : n // 2 + 100] = X[:100]  # exact duplicates (ties), some with another label
    return X, y


def _cleaner(name, **params):
    if name == "OneSidedSelection":
        params.setdefault("random_state", 0)
    return getattr(resampling, name)(**params)


@pytest.mark.parametrize("name", EDITING)
def test_method_is_the_deprecated_name_of_algorithm(name):
    X, y = _data()
    cleaner = _cleaner(name, method="approximate")
    assert cleaner.get_params()["method"] == "approximate" and cleaner.get_params()["algorithm"] == "exact"
    assert clone(cleaner).method == "approximate"
    with pytest.warns(FutureWarning, match="`method` was renamed to `algorithm`"):
        old = cleaner.fit_resample(X, y)
    new = _cleaner(name, algorithm="approximate").fit_resample(X, y)
    np.testing.assert_array_equal(old[0], new[0])
    np.testing.assert_array_equal(old[1], new[1])
    with pytest.raises(TypeError, match="got both"):
        _cleaner(name, algorithm="approximate", method="exact").fit_resample(X, y)
    assert _cleaner(name).method == DEPRECATED


@pytest.mark.parametrize("name", EDITING)
def test_unknown_algorithm_is_a_clear_error(name):
    X, y = _data(n=200)
    with pytest.raises(ValueError, match="algorithm"):
        _cleaner(name, algorithm="fast").fit_resample(X, y)


@pytest.mark.parametrize("name", ALL_CLEANERS)
@pytest.mark.parametrize("n_classes, weights", [(2, (0.9,)), (4, (0.25, 0.25, 0.25))])
def test_n_jobs_sets_the_search_threads_and_not_the_output(name, n_classes, weights):
    X, y = _data(n_classes=n_classes, weights=weights)
    requested = []
    original = neighbors._CHUNK_THREADS.requested

    def spy(n_jobs):
        requested.append(n_jobs)
        return original(n_jobs)

    outputs = {}
    with unittest.mock.patch.object(neighbors._CHUNK_THREADS, "requested", spy):
        for n_jobs in (1, 2):
            requested.clear()
            outputs[n_jobs] = _cleaner(name, n_jobs=n_jobs).fit_resample(X, y)
            assert requested[0] == n_jobs and set(requested) <= {n_jobs, None}  # None: inner calls keep it
    np.testing.assert_array_equal(outputs[1][0], outputs[2][0])
    np.testing.assert_array_equal(outputs[1][1], outputs[2][1])
