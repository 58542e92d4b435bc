"""Bad input (clear errors, or imbalanced-learn's behaviour) and the SMOTEENN / SMOTETomek recipes."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from imblearn import combine
from imblearn import under_sampling as imblearn_under
from imblearn.over_sampling import SMOTE
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

import datafix as dfx
from datafix import resampling

CLEANERS = {
    "EditedNearestNeighbours": {},
    "RepeatedEditedNearestNeighbours": {},
    "AllKNN": {},
    "TomekLinks": {},
    "NeighbourhoodCleaningRule": {},
    "OneSidedSelection": {"random_state": 0},
}
NAMES = list(CLEANERS)


def _data(n=200, seed=0):
    return make_classification(n_samples=n, n_features=5, n_informative=3, weights=[0.8], random_state=seed)


def _make(name, **extra):
    return getattr(resampling, name)(**{**CLEANERS[name], **extra})


@pytest.mark.parametrize("name", NAMES)
def test_nan_in_X_is_a_clear_error(name):
    """imbalanced-learn raises too (scikit-learn's 'Input X contains NaN'); datafix says what to do."""
    X, y = _data()
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="missing or infinite values.*Impute"):
        _make(name).fit_resample(X, y)


@pytest.mark.parametrize("name", NAMES)
def test_sparse_input_is_a_clear_error(name):
    """imbalanced-learn accepts sparse matrices; datafix's neighbour engine is dense, so it says so."""
    X, y = _data()
    with pytest.raises(ValueError, match="sparse.*toarray"):
        _make(name).fit_resample(sp.csr_matrix(X), y)


@pytest.mark.parametrize("name", NAMES)
def test_string_features_are_a_clear_error(name):
    X, y = _data()
    frame = pd.DataFrame(X, columns=list("abcde"))
    frame["colour"] = np.where(y == 1, "red", "blue")
    with pytest.raises(ValueError, match=r"non-numeric columns \['colour'\].*Encode"):
        _make(name).fit_resample(frame, y)
    with pytest.raises(ValueError, match="non-numeric values"):
        _make(name).fit_resample(X.astype(str).astype(object) + "x", y)


@pytest.mark.parametrize("name", ["EditedNearestNeighbours", "AllKNN", "NeighbourhoodCleaningRule", "TomekLinks"])
def test_class_smaller_than_n_neighbors_is_handled_as_imblearn(name):
    """A class with fewer rows than n_neighbors is fine: neighbours come from all rows, as in imbalanced-learn."""
    X, y = _data(n=120)
    y = y.copy()
    y[np.flatnonzero(y == 1)[2:]] = 0  # class 1 keeps only 2 rows
    params = {} if name == "TomekLinks" else {"n_neighbors": 3}
    anchor_X, anchor_y = getattr(imblearn_under, name)(**params).fit_resample(X, y)
    X_out, y_out = getattr(resampling, name)(**params).fit_resample(X, y)
    np.testing.assert_array_equal(X_out, anchor_X)
    np.testing.assert_array_equal(y_out, anchor_y)


@pytest.mark.parametrize("name", ["EditedNearestNeighbours", "RepeatedEditedNearestNeighbours", "AllKNN",
                                  "NeighbourhoodCleaningRule"])
def test_fewer_rows_than_neighbours_is_a_clear_error(name):
    X = np.arange(8.0).reshape(4, 2)
    y = np.array([0, 0, 1, 1])
    with pytest.raises(ValueError, match="lower n_neighbors to at most 3"):
        _make(name, n_neighbors=4).fit_resample(X, y)


def test_one_sided_selection_needs_enough_reference_rows():
    X, y = _data(n=100)
    y = y.copy()
    y[np.flatnonzero(y == 1)[2:]] = 0  # 2 minority rows + 1 seed = 3 reference rows
    with pytest.raises(ValueError, match="only 3 such rows.*lower n_neighbors"):
        resampling.OneSidedSelection(n_neighbors=5, random_state=0).fit_resample(X, y)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"sampling_strategy": "minority"}, "sampling_strategy"),
        ({"n_neighbors": 0}, "n_neighbors"),
        ({"kind_sel": "any"}, "kind_sel"),
        ({"sampling_strategy": {0: 10}}, "sampling_strategy"),
    ],
)
def test_bad_parameters(params, message):
    X, y = _data()
    with pytest.raises(ValueError, match=message):
        resampling.EditedNearestNeighbours(**params).fit_resample(X, y)


def test_unknown_class_in_strategy_list():
    X, y = _data()
    with pytest.raises(ValueError, match="not present|classes"):
        resampling.TomekLinks(sampling_strategy=[0, 7]).fit_resample(X, y)


def test_inputs_are_not_modified():
    X, y = _data()
    X_before, y_before = X.copy(), y.copy()
    for name in NAMES:
        _make(name).fit_resample(X, y)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)


@pytest.mark.parametrize(
    "anchor, recipe",
    [
        (lambda: combine.SMOTEENN(random_state=0),
         lambda: dfx.make_pipeline(SMOTE(random_state=0), resampling.EditedNearestNeighbours(sampling_strategy="all"))),
        (lambda: combine.SMOTETomek(random_state=0),
         lambda: dfx.make_pipeline(SMOTE(random_state=0), resampling.TomekLinks(sampling_strategy="all"))),
    ],
    ids=["SMOTEENN", "SMOTETomek"],
)
@pytest.mark.parametrize("n_samples", [400, 2500])
def test_recipes_equal_imblearn_combined_samplers(anchor, recipe, n_samples):
    X, y = make_classification(n_samples=n_samples, n_features=8, weights=[0.9], flip_y=0.03, random_state=1)
    anchor_X, anchor_y = anchor().fit_resample(X, y)
    pipe = recipe()
    X_out, y_out = pipe.fit_resample(X, y)
    np.testing.assert_array_equal(X_out, anchor_X)
    np.testing.assert_array_equal(y_out, anchor_y)
    # provenance through the nested fix: original rows point at themselves, SMOTE's rows are synthetic
    original = ~pipe.is_synthetic_
    np.testing.assert_array_equal(X_out[original], X[pipe.source_indices_[original]])


def test_recipe_nests_in_a_model_pipeline():
    X, y = make_classification(n_samples=300, n_features=6, weights=[0.85], random_state=2)
    smote_enn = dfx.make_pipeline(SMOTE(random_state=0), resampling.EditedNearestNeighbours(sampling_strategy="all"))
    model = dfx.make_pipeline(smote_enn, LogisticRegression()).fit(X, y, sample_weight=np.ones(len(y)))
    assert model.predict(X).shape == (300,)
