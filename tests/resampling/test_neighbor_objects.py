"""Every ``n_neighbors`` form imbalanced-learn accepts, and the fitted attributes its users read.

A Euclidean ``NearestNeighbors`` / ``KNeighborsClassifier`` (any algorithm)
runs on datafix's engine; any other metric or a custom object runs through the
object itself. Either way the output is imbalanced-learn's.
"""

import numpy as np
import pytest
from imblearn import under_sampling as imblearn_under
from sklearn.datasets import make_classification
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors

from datafix import resampling
from datafix.resampling import _edited
from datafix.resampling._base import editing_neighbourhood, is_euclidean


def _data(n=600, seed=0, n_classes=2, weights=(0.8,)):
    return make_classification(
        n_samples=n, n_features=6, n_informative=4, n_redundant=1, n_classes=n_classes, weights=list(weights),
        flip_y=0.05, random_state=seed,
    )


def _same(anchor, ours, X, y):
    X_a, y_a = anchor.fit_resample(X, y)
    X_o, y_o = ours.fit_resample(X, y)[:2]
    np.testing.assert_array_equal(X_o, X_a)
    np.testing.assert_array_equal(y_o, y_a)
    return anchor, ours


class CountingNeighbors(NearestNeighbors):
    """A custom neighbour object (a subclass: datafix must not assume it is plain Euclidean)."""

    calls = 0

    def kneighbors(self, X=None, n_neighbors=None, return_distance=True):
        CountingNeighbors.calls += 1
        return super().kneighbors(X, n_neighbors, return_distance)


EUCLIDEAN_OBJECTS = [
    NearestNeighbors(n_neighbors=4),
    NearestNeighbors(n_neighbors=4, algorithm="brute"),
    NearestNeighbors(n_neighbors=4, algorithm="kd_tree"),
    NearestNeighbors(n_neighbors=5, algorithm="ball_tree", metric="euclidean"),
    NearestNeighbors(n_neighbors=3, metric="minkowski", p=2),
    NearestNeighbors(n_neighbors=4, metric="l2"),
]
OTHER_OBJECTS = [
    NearestNeighbors(n_neighbors=4, metric="manhattan"),
    NearestNeighbors(n_neighbors=4, metric="minkowski", p=3),
    NearestNeighbors(n_neighbors=4, metric="chebyshev", algorithm="brute"),
    CountingNeighbors(n_neighbors=4),
]


@pytest.mark.parametrize("name", ["EditedNearestNeighbours", "RepeatedEditedNearestNeighbours", "AllKNN"])
@pytest.mark.parametrize("kind_sel", ["all", "mode"])
@pytest.mark.parametrize("nn", EUCLIDEAN_OBJECTS + OTHER_OBJECTS, ids=repr)
def test_editing_with_a_neighbour_object_equals_imblearn(name, kind_sel, nn):
    X, y = _data(n=500, n_classes=3, weights=(0.6, 0.3))
    anchor, ours = _same(
        getattr(imblearn_under, name)(n_neighbors=nn, kind_sel=kind_sel),
        getattr(resampling, name)(n_neighbors=nn, kind_sel=kind_sel), X, y,
    )
    np.testing.assert_array_equal(ours.sample_indices_, ours.source_indices_)
    assert ours.nn_.get_params() == anchor.nn_.get_params()
    assert ours.sampling_strategy_ == anchor.sampling_strategy_
    assert ours.n_neighbors is nn  # the parameter itself is never touched


@pytest.mark.parametrize("nn", EUCLIDEAN_OBJECTS, ids=repr)
def test_euclidean_objects_run_on_the_engine(nn, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a Euclidean object must not run through kneighbors of the object")

    monkeypatch.setattr(_edited, "_keep_with_estimator", refuse)
    X, y = _data()
    _same(imblearn_under.EditedNearestNeighbours(n_neighbors=nn),
          resampling.EditedNearestNeighbours(n_neighbors=nn), X, y)
    assert is_euclidean(nn)
    assert editing_neighbourhood(nn, None, "ENN")[1].n_neighbors == nn.n_neighbors - 1


def test_a_custom_object_runs_through_itself():
    X, y = _data()
    CountingNeighbors.calls = 0
    _same(imblearn_under.RepeatedEditedNearestNeighbours(n_neighbors=CountingNeighbors(n_neighbors=4)),
          resampling.RepeatedEditedNearestNeighbours(n_neighbors=CountingNeighbors(n_neighbors=4)), X, y)
    assert CountingNeighbors.calls > 0
    assert not is_euclidean(CountingNeighbors())


def test_manhattan_gives_imblearn_result_through_the_fallback():
    """The issue's must-show: a neighbour object with metric="manhattan" gives imbalanced-learn's result exactly."""
    X, y = _data(n=2500, n_classes=3, weights=(0.5, 0.3))
    nn = NearestNeighbors(n_neighbors=4, metric="manhattan")
    euclidean = resampling.EditedNearestNeighbours().fit_resample(X, y)[1]
    _, ours = _same(imblearn_under.EditedNearestNeighbours(n_neighbors=nn),
                    resampling.EditedNearestNeighbours(n_neighbors=nn), X, y)
    assert len(ours.sample_indices_) != len(euclidean)  # the metric really changed the answer
    assert ours.nn_.metric == "manhattan" and hasattr(ours.nn_, "n_samples_fit_")


def test_enn_nn_is_fitted_like_imblearns():
    X, y = _data()
    anchor, ours = _same(imblearn_under.EditedNearestNeighbours(n_jobs=2),
                         resampling.EditedNearestNeighbours(n_jobs=2), X, y)
    assert ours.nn_.get_params() == anchor.nn_.get_params()
    assert ours.nn_.n_samples_fit_ == anchor.nn_.n_samples_fit_ == len(y)


def test_repeated_editing_attributes():
    X, y = _data()
    anchor, ours = _same(imblearn_under.RepeatedEditedNearestNeighbours(n_neighbors=NearestNeighbors(n_neighbors=4)),
                         resampling.RepeatedEditedNearestNeighbours(n_neighbors=NearestNeighbors(n_neighbors=4)), X, y)
    assert ours.n_iter_ == anchor.n_iter_
    assert isinstance(ours.enn_, resampling.EditedNearestNeighbours)
    assert ours.enn_.n_neighbors.get_params() == anchor.enn_.n_neighbors.get_params()
    anchor, ours = _same(imblearn_under.AllKNN(n_neighbors=5), resampling.AllKNN(n_neighbors=5), X, y)
    assert ours.enn_.n_neighbors == anchor.enn_.n_neighbors
    assert ours.nn_.get_params() == anchor.nn_.get_params()


@pytest.mark.parametrize(
    "n_neighbors",
    [3, 5, NearestNeighbors(n_neighbors=4), NearestNeighbors(n_neighbors=4, metric="manhattan"),
     NearestNeighbors(n_neighbors=6, algorithm="kd_tree")],
    ids=repr,
)
def test_ncr_neighbour_forms_equal_imblearn(n_neighbors):
    X, y = _data(n=700, n_classes=3, weights=(0.6, 0.3))
    anchor, ours = _same(imblearn_under.NeighbourhoodCleaningRule(n_neighbors=n_neighbors),
                         resampling.NeighbourhoodCleaningRule(n_neighbors=n_neighbors), X, y)
    assert ours.nn_.get_params() == anchor.nn_.get_params()
    assert ours.classes_to_clean_ == anchor.classes_to_clean_
    assert isinstance(ours.edited_nearest_neighbours_, resampling.EditedNearestNeighbours)
    np.testing.assert_array_equal(np.sort(ours.edited_nearest_neighbours_.sample_indices_),
                                  np.sort(anchor.edited_nearest_neighbours_.sample_indices_))


@pytest.mark.parametrize(
    "classifier",
    [KNeighborsClassifier(n_neighbors=3), KNeighborsClassifier(n_neighbors=3, metric="manhattan"),
     KNeighborsClassifier(n_neighbors=4, weights="distance"), KNeighborsClassifier(n_neighbors=5, algorithm="kd_tree")],
    ids=repr,
)
def test_ncr_with_a_classifier_and_a_given_editing_equals_imblearn(classifier):
    """imbalanced-learn needs the editing given when n_neighbors is a classifier (its default editing cannot fit one)."""
    X, y = _data(n=700, n_classes=3, weights=(0.6, 0.3))
    anchor, ours = _same(
        imblearn_under.NeighbourhoodCleaningRule(
            n_neighbors=classifier, edited_nearest_neighbours=imblearn_under.EditedNearestNeighbours(kind_sel="mode")),
        resampling.NeighbourhoodCleaningRule(
            n_neighbors=classifier, edited_nearest_neighbours=resampling.EditedNearestNeighbours(kind_sel="mode")),
        X, y,
    )
    assert ours.nn_.get_params() == anchor.nn_.get_params()


def test_ncr_with_a_classifier_and_no_editing_works_where_imblearn_fails():
    X, y = _data()
    with pytest.raises(TypeError):
        imblearn_under.NeighbourhoodCleaningRule(n_neighbors=KNeighborsClassifier(n_neighbors=4)).fit_resample(X, y)
    ncr = resampling.NeighbourhoodCleaningRule(n_neighbors=KNeighborsClassifier(n_neighbors=4)).fit_resample(X, y)
    # documented meaning: the editing examines n_neighbors - 1 = 3 rows, the vote uses 4
    expected = resampling.NeighbourhoodCleaningRule(
        n_neighbors=4, edited_nearest_neighbours=resampling.EditedNearestNeighbours(n_neighbors=3, kind_sel="mode"),
    ).fit_resample(X, y)
    np.testing.assert_array_equal(ncr[0], expected[0])


@pytest.mark.parametrize(
    "n_neighbors",
    [None, 1, 3, KNeighborsClassifier(n_neighbors=1), KNeighborsClassifier(n_neighbors=3, algorithm="ball_tree"),
     KNeighborsClassifier(n_neighbors=1, metric="manhattan"), KNeighborsClassifier(n_neighbors=3, weights="distance")],
    ids=repr,
)
def test_oss_neighbour_forms_and_estimators_equal_imblearn(n_neighbors):
    X, y = _data(n=800, n_classes=4, weights=(0.1, 0.2, 0.2))
    anchor, ours = _same(imblearn_under.OneSidedSelection(n_neighbors=n_neighbors, random_state=0),
                         resampling.OneSidedSelection(n_neighbors=n_neighbors, random_state=0), X, y)
    assert len(ours.estimators_) == len(anchor.estimators_) == len(ours.sampling_strategy_)
    for mine, theirs in zip(ours.estimators_, anchor.estimators_):
        assert mine.get_params() == theirs.get_params()
        np.testing.assert_array_equal(mine.classes_, theirs.classes_)
        assert mine.n_samples_fit_ == theirs.n_samples_fit_


def test_tomek_sampling_strategy_attribute():
    X, y = _data()
    anchor, ours = _same(imblearn_under.TomekLinks(sampling_strategy="all"),
                         resampling.TomekLinks(sampling_strategy="all"), X, y)
    assert ours.sampling_strategy_ == anchor.sampling_strategy_


@pytest.mark.parametrize("name", ["EditedNearestNeighbours", "RepeatedEditedNearestNeighbours", "AllKNN"])
def test_an_object_that_counts_only_the_row_itself_is_a_clear_error(name):
    X, y = _data()
    with pytest.raises(ValueError, match="counts the row itself"):
        getattr(resampling, name)(n_neighbors=NearestNeighbors(n_neighbors=1)).fit_resample(X, y)


def test_oss_refuses_a_neighbour_object_that_cannot_classify():
    X, y = _data()
    with pytest.raises(ValueError, match="pass KNeighborsClassifier"):
        resampling.OneSidedSelection(n_neighbors=NearestNeighbors(n_neighbors=1)).fit_resample(X, y)


@pytest.mark.parametrize("name", ["EditedNearestNeighbours", "AllKNN", "NeighbourhoodCleaningRule", "OneSidedSelection"])
def test_not_a_neighbour_object_is_a_parameter_error(name):
    X, y = _data()
    with pytest.raises(ValueError, match="n_neighbors"):
        getattr(resampling, name)(n_neighbors="rnd").fit_resample(X, y)


@pytest.mark.parametrize("classifier", [KNeighborsClassifier(n_neighbors=4),
                                        KNeighborsClassifier(n_neighbors=4, metric="manhattan")], ids=repr)
def test_editing_accepts_a_classifier_where_imblearn_cannot_fit_it(classifier):
    """imbalanced-learn fits the object without labels and fails; datafix treats it as any neighbour object."""
    X, y = _data()
    with pytest.raises(TypeError):
        imblearn_under.EditedNearestNeighbours(n_neighbors=classifier).fit_resample(X, y)
    as_classifier = resampling.EditedNearestNeighbours(n_neighbors=classifier).fit_resample(X, y)
    as_neighbors = resampling.EditedNearestNeighbours(
        n_neighbors=NearestNeighbors(n_neighbors=4, metric=classifier.metric)
    ).fit_resample(X, y)
    np.testing.assert_array_equal(as_classifier[0], as_neighbors[0])
