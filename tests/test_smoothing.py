"""Tests for datafix.smoothing: smooth_labels, LabelSmoother and Mixup."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import optimize, special, stats
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import datafix as dfx


def make_data(n_samples=150, n_classes=3, random_state=0):
    X, y = make_classification(
        n_samples=n_samples, n_features=4, n_informative=3, n_redundant=0, n_classes=n_classes,
        weights=[0.5, 0.3, 0.2][:n_classes] if n_classes == 3 else None, random_state=random_state,
    )
    return StandardScaler().fit_transform(X), y


# --------------------------------------------------------------------------- smooth_labels


def test_smooth_labels_rows_are_distributions_with_the_labelled_class_on_top():
    y = np.array(["b", "a", "c", "a", "a"])
    targets = dfx.smooth_labels(y, epsilon=0.3)
    assert targets.shape == (5, 3)
    np.testing.assert_allclose(targets.sum(axis=1), 1.0)
    np.testing.assert_array_equal(targets.argmax(axis=1), [1, 0, 2, 0, 0])
    np.testing.assert_allclose(targets.max(axis=1), 1 - 0.3 + 0.3 / 3)
    np.testing.assert_allclose(np.sort(targets, axis=1)[:, :2], 0.1)


def test_smooth_labels_epsilon_zero_is_one_hot():
    y = np.array([2, 0, 1, 1])
    np.testing.assert_array_equal(dfx.smooth_labels(y, epsilon=0), np.eye(3)[y])


def test_smooth_labels_class_frequency_prior():
    y = np.array([0] * 6 + [1] * 3 + [2] * 1)
    targets = dfx.smooth_labels(y, epsilon=0.5, prior="class_frequency")
    frequency = np.array([0.6, 0.3, 0.1])
    np.testing.assert_allclose(targets, 0.5 * np.eye(3)[y] + 0.5 * frequency)
    # The mean target equals the class frequencies: this prior keeps the label marginal.
    np.testing.assert_allclose(targets.mean(axis=0), frequency)


def test_smooth_labels_with_classes_orders_columns_and_allows_missing_classes():
    targets = dfx.smooth_labels(["dog", "dog"], epsilon=0.3, classes=["dog", "cat", "bird"])
    np.testing.assert_allclose(targets, [[0.8, 0.1, 0.1], [0.8, 0.1, 0.1]])


def test_smooth_labels_matches_torch_label_smoothing():
    torch = pytest.importorskip("torch")
    rng = np.random.RandomState(0)
    logits = rng.normal(size=(20, 4))
    y = rng.randint(0, 4, size=20)
    y[:4] = [0, 1, 2, 3]
    targets = dfx.smooth_labels(y, epsilon=0.15)
    with torch.no_grad():
        builtin = torch.nn.CrossEntropyLoss(label_smoothing=0.15)(torch.tensor(logits), torch.tensor(y))
        soft = torch.nn.CrossEntropyLoss()(torch.tensor(logits), torch.tensor(targets))
    assert builtin.item() == pytest.approx(soft.item(), rel=1e-12)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"epsilon": 1.5}, "epsilon"),
        ({"epsilon": -0.1}, "epsilon"),
        ({"prior": "balanced"}, "prior"),
        ({"classes": [0, 1]}, r"labels \[2\] that are not in classes"),
        ({"classes": [0, 1, 1, 2]}, r"duplicate entries \[1\]"),
        ({"classes": [0]}, "at least 2 classes"),
    ],
)
def test_smooth_labels_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dfx.smooth_labels([0, 1, 2], **kwargs)


def test_smooth_labels_rejects_bad_labels():
    with pytest.raises(ValueError, match="missing labels"):
        dfx.smooth_labels([0.0, np.nan, 1.0])
    with pytest.raises(ValueError, match="one class|single class"):
        dfx.smooth_labels([1, 1, 1])


# --------------------------------------------------------------------------- LabelSmoother: the expansion


@pytest.mark.parametrize("prior", ["uniform", "class_frequency"])
def test_label_smoother_expansion_equals_smooth_labels_times_weights(prior):
    X, y = make_data()
    weights_in = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    smoother = dfx.LabelSmoother(epsilon=0.2, prior=prior)
    X_out, y_out, weights_out = smoother.fit_resample(X, y, sample_weight=weights_in)
    n, k = len(y), 3
    assert len(y_out) == n * k
    np.testing.assert_array_equal(smoother.source_indices_, np.repeat(np.arange(n), k))
    np.testing.assert_array_equal(y_out, np.tile(smoother.classes_, n))
    np.testing.assert_array_equal(X_out, X[smoother.source_indices_])
    assert not smoother.is_synthetic_.any()
    expected = dfx.smooth_labels(y, epsilon=0.2, prior=prior) * weights_in[:, None]
    np.testing.assert_allclose(weights_out, expected.ravel())
    # Each source row's weights sum to its incoming weight: the total is unchanged.
    np.testing.assert_allclose(np.bincount(smoother.source_indices_, weights=weights_out), weights_in)


@settings(max_examples=40, deadline=None)
@given(
    labels=hnp.arrays(np.int64, st.integers(2, 30), elements=st.integers(0, 4)),
    epsilon=st.floats(0, 1),
    prior=st.sampled_from(["uniform", "class_frequency"]),
    data=st.data(),
)
def test_label_smoother_weights_are_the_soft_targets_for_any_labels(labels, epsilon, prior, data):
    if len(np.unique(labels)) < 2:
        labels = labels.copy()
        labels[0] = (labels[0] + 1) % 5
    weights_in = data.draw(hnp.arrays(np.float64, len(labels), elements=st.sampled_from([0.0, 0.5, 1.0, 3.0])))
    if not weights_in.any():
        weights_in[0] = 1.0
    X = np.arange(len(labels), dtype=float).reshape(-1, 1)
    smoother = dfx.LabelSmoother(epsilon=epsilon, prior=prior)
    X_out, y_out, weights_out = smoother.fit_resample(X, labels, sample_weight=weights_in)
    assert np.all(weights_out > 0)
    np.testing.assert_array_equal(X_out[:, 0], smoother.source_indices_)
    # Rebuild the (n, K) weight table from the output rows: it is smooth_labels x incoming weights.
    table = np.zeros((len(labels), len(smoother.classes_)))
    np.add.at(table, (smoother.source_indices_, np.searchsorted(smoother.classes_, y_out)), weights_out)
    expected = dfx.smooth_labels(labels, epsilon, prior=prior) * weights_in[:, None]
    np.testing.assert_allclose(table, expected, atol=1e-12)


def test_label_smoother_without_weights_produces_weights_summing_to_one_per_row():
    X, y = make_data()
    output = dfx.LabelSmoother(epsilon=0.1).fit_resample(X, y)
    assert len(output) == 3
    smoother = dfx.LabelSmoother(epsilon=0.1).fit(X, y)
    np.testing.assert_allclose(np.bincount(smoother.source_indices_, weights=output[2]), 1.0)


def test_label_smoother_epsilon_zero_returns_the_input_rows():
    X, y = make_data()
    X_out, y_out, weights = dfx.LabelSmoother(epsilon=0).fit_resample(X, y)
    np.testing.assert_array_equal(X_out, X)
    np.testing.assert_array_equal(y_out, y)
    np.testing.assert_array_equal(weights, np.ones(len(y)))


def test_label_smoother_skips_zero_weight_rows():
    X, y = make_data()
    weights_in = np.ones(len(y))
    weights_in[[3, 7, 8]] = 0
    smoother = dfx.LabelSmoother(epsilon=0.3)
    _, _, weights_out = smoother.fit_resample(X, y, sample_weight=weights_in)
    assert np.all(weights_out > 0)
    assert not set(smoother.source_indices_) & {3, 7, 8}
    assert len(weights_out) == (len(y) - 3) * 3


def test_label_smoother_class_frequency_prior_is_learnt_from_row_counts():
    X, y = make_data()
    smoother = dfx.LabelSmoother(prior="class_frequency").fit(X, y, sample_weight=np.linspace(1, 3, len(y)))
    np.testing.assert_allclose(smoother.prior_, np.bincount(y) / len(y))


def test_label_smoother_pandas_repeats_index_labels():
    X, y = make_data()
    frame = pd.DataFrame(X, columns=list("abcd"), index=pd.Index([f"r{i}" for i in range(len(y))]))
    labels = pd.Series(np.array(["ant", "bee", "cat"])[y], index=frame.index, name="species")
    X_out, y_out, _ = dfx.LabelSmoother(epsilon=0.1).fit_resample(frame, labels)
    assert list(X_out.index[:6]) == ["r0", "r0", "r0", "r1", "r1", "r1"]
    assert X_out.index.equals(y_out.index)
    assert list(y_out[:3]) == ["ant", "bee", "cat"]
    assert y_out.name == "species"


def test_label_smoother_sparse_input():
    X, y = make_data()
    X_out, y_out, _ = dfx.LabelSmoother(epsilon=0.1).fit_resample(sp.csr_matrix(X), y)
    assert sp.issparse(X_out)
    np.testing.assert_array_equal(X_out.toarray(), np.repeat(X, 3, axis=0))


def test_label_smoother_memory_bound_raises_before_expanding():
    X, y = make_data()
    with pytest.raises(ValueError, match=r"150 rows x 3 classes into 450 weighted rows.*max_output_rows=400.*smooth_labels"):
        dfx.LabelSmoother(epsilon=0.1, max_output_rows=400).fit_resample(X, y)
    # epsilon=0 does not expand, so the same bound is not reached.
    dfx.LabelSmoother(epsilon=0, max_output_rows=400).fit_resample(X, y)


@pytest.mark.parametrize(
    "params, message",
    [({"epsilon": 2.0}, "epsilon"), ({"prior": "flat"}, "prior"), ({"max_output_rows": 0}, "max_output_rows")],
)
def test_label_smoother_bad_parameters(params, message):
    X, y = make_data()
    with pytest.raises(ValueError, match=message):
        dfx.LabelSmoother(**params).fit_resample(X, y)


# --------------------------------------------------------------------------- LabelSmoother: the models


def _soft_cross_entropy_minimiser(X, targets, C):
    """Minimise sum_i CE(targets_i, softmax(X W^T + b)) + ||W||^2 / (2C) directly with scipy."""
    n_features, n_classes = X.shape[1], targets.shape[1]
    binary = n_classes == 2
    n_outputs = 1 if binary else n_classes

    def objective(params):
        W = params[: n_outputs * n_features].reshape(n_outputs, n_features)
        b = params[n_outputs * n_features:]
        scores = X @ W.T + b
        if binary:
            z = scores[:, 0]
            q = targets[:, 1]
            loss = np.sum(np.logaddexp(0, z) - q * z)
            residual = (special.expit(z) - q)[:, None]
        else:
            log_p = scores - special.logsumexp(scores, axis=1, keepdims=True)
            loss = -np.sum(targets * log_p)
            residual = np.exp(log_p) - targets
        loss += 0.5 / C * np.sum(W**2)
        gradient_W = residual.T @ X + W / C
        gradient_b = residual.sum(axis=0)
        return loss, np.concatenate([gradient_W.ravel(), gradient_b])

    start = np.zeros(n_outputs * (n_features + 1))
    result = optimize.minimize(objective, start, jac=True, method="L-BFGS-B", options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 10_000})
    W = result.x[: n_outputs * n_features].reshape(n_outputs, n_features)
    return W, result.x[n_outputs * n_features:]


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("prior", ["uniform", "class_frequency"])
def test_logistic_regression_through_label_smoother_minimises_the_soft_label_cross_entropy(n_classes, prior):
    X, y = make_data(n_samples=200, n_classes=n_classes, random_state=1)
    if n_classes == 2:  # unbalanced, so that the class_frequency prior differs from the uniform one
        X, y = X[30:], y[30:]
        y[y == 0] = np.where(np.arange((y == 0).sum()) % 3 == 0, 1, 0)
    C = 0.5
    model = LogisticRegression(C=C, tol=1e-12, max_iter=10_000)
    pipe = dfx.make_pipeline(dfx.LabelSmoother(epsilon=0.2, prior=prior), model).fit(X, y)
    fitted = pipe[-1]
    W, b = _soft_cross_entropy_minimiser(X, dfx.smooth_labels(y, 0.2, prior=prior), C)
    np.testing.assert_allclose(fitted.coef_, W, atol=1e-4, rtol=1e-4)
    if n_classes == 2:
        np.testing.assert_allclose(fitted.intercept_, b, atol=1e-4, rtol=1e-4)
    else:  # a multinomial intercept is defined up to a shared constant: compare centred values
        np.testing.assert_allclose(fitted.intercept_ - fitted.intercept_.mean(), b - b.mean(), atol=1e-4, rtol=1e-4)
    # Smoothing changed the model: it is not the hard-label fit.
    hard = LogisticRegression(C=C, tol=1e-12, max_iter=10_000).fit(X, y)
    assert np.abs(hard.coef_ - fitted.coef_).max() > 1e-2


@pytest.mark.parametrize(
    "model",
    [LogisticRegression(max_iter=1000), HistGradientBoostingClassifier(max_iter=15, random_state=0),
     SGDClassifier(loss="log_loss", random_state=0)],
    ids=["LogisticRegression", "HistGradientBoosting", "SGDClassifier"],
)
def test_epsilon_zero_gives_the_same_model_as_no_smoothing(model):
    X, y = make_data()
    with threadpool_limits(1):  # OpenMP contention on a busy machine only slows the boosting down
        smoothed = dfx.make_pipeline(dfx.LabelSmoother(epsilon=0), clone(model)).fit(X, y)
        plain = clone(model).fit(X, y)
    np.testing.assert_array_equal(smoothed.predict_proba(X), plain.predict_proba(X))


def test_smoothing_lowers_confidence():
    X, y = make_data()
    plain = LogisticRegression().fit(X, y)
    smoothed = dfx.make_pipeline(dfx.LabelSmoother(epsilon=0.3), LogisticRegression()).fit(X, y)
    assert smoothed.predict_proba(X).max(axis=1).mean() < plain.predict_proba(X).max(axis=1).mean()


def test_after_class_weighter_the_weights_multiply():
    X, y = make_data()
    user_weights = np.random.RandomState(2).uniform(0.5, 2.0, len(y))
    chain = dfx.make_pipeline(dfx.ClassWeighter(), dfx.LabelSmoother(epsilon=0.2))
    _, y_out, weights_out = chain.fit_resample(X, y, sample_weight=user_weights)
    class_weight = chain[0].class_weight_
    row_class_weight = np.array([class_weight[label] for label in y])
    expected = dfx.smooth_labels(y, 0.2) * (user_weights * row_class_weight)[:, None]
    np.testing.assert_allclose(weights_out, expected.ravel())
    np.testing.assert_array_equal(chain.source_indices_, np.repeat(np.arange(len(y)), 3))


def test_grid_search_over_epsilon_scores_validation_folds_on_hard_labels():
    X, y = make_data(n_samples=120)
    pipe = dfx.make_pipeline(dfx.LabelSmoother(), LogisticRegression(max_iter=1000))
    folds = KFold(3, shuffle=True, random_state=0)
    seen = []

    def hard_log_loss(estimator, X_test, y_test):
        seen.append((len(X_test), np.asarray(y_test).copy()))
        return -log_loss(y_test, estimator.predict_proba(X_test), labels=[0, 1, 2])

    grid = [0.0, 0.1, 0.4]
    search = GridSearchCV(pipe, {"labelsmoother__epsilon": grid}, scoring=hard_log_loss, cv=folds).fit(X, y)
    test_folds = [test for _, test in folds.split(X, y)]
    fold_labels = [y[test] for test in test_folds]
    scored = seen[: len(grid) * len(test_folds)]
    for n_rows, labels in scored:
        assert n_rows == 40 and len(labels) == 40, "validation folds must not be expanded"
        assert any(np.array_equal(labels, expected) for expected in fold_labels), "scored on the original hard labels"
    for position, epsilon in enumerate(grid):
        for split, (train, test) in enumerate(folds.split(X, y)):
            model = clone(pipe).set_params(labelsmoother__epsilon=epsilon).fit(X[train], y[train])
            expected = -log_loss(y[test], model.predict_proba(X[test]), labels=[0, 1, 2])
            assert search.cv_results_[f"split{split}_test_score"][position] == pytest.approx(expected, rel=1e-10)
    assert search.best_params_["labelsmoother__epsilon"] in grid


# --------------------------------------------------------------------------- Mixup


def test_mixup_blends_lie_between_their_pair_and_carry_the_mixed_label():
    X, y = make_data()
    weights_in = np.random.RandomState(3).uniform(0.5, 2.0, len(y))
    mixup = dfx.Mixup(mixup_alpha=0.4, random_state=0)
    X_out, y_out, weights_out = mixup.fit_resample(X, y, sample_weight=weights_in)
    n = len(y)
    np.testing.assert_array_equal(X_out[:n], X)
    np.testing.assert_array_equal(y_out[:n], y)
    np.testing.assert_array_equal(weights_out[:n], weights_in)
    assert not mixup.is_synthetic_[:n].any() and mixup.is_synthetic_[n:].all()
    assert len(mixup.pairs_) == n  # n_samples=1.0: as many blends as rows
    first, second = mixup.pairs_.T
    lam = mixup.lambdas_
    blends = lam[:, None] * X[first] + (1 - lam[:, None]) * X[second]
    # Rebuild every blend's soft label from the output and compare with the pair's.
    synthetic_X, synthetic_y, synthetic_w = X_out[n:], y_out[n:], weights_out[n:]
    blend_ids = np.array([np.flatnonzero(np.all(blends == row, axis=1))[0] for row in synthetic_X])
    np.testing.assert_array_equal(mixup.source_indices_[n:], first[blend_ids])
    soft = np.zeros((n, 3))
    np.add.at(soft, (blend_ids, synthetic_y), synthetic_w)
    expected = (lam[:, None] * np.eye(3)[y[first]] + (1 - lam[:, None]) * np.eye(3)[y[second]]) * weights_in[first][:, None]
    np.testing.assert_allclose(soft, expected, atol=1e-12)
    # One row per blend when the pair agrees, two when it does not (unless lam rounds to 0 or 1).
    assert len(synthetic_y) <= n + np.sum(y[first] != y[second])


def test_mixup_every_row_is_a_source_about_equally_often():
    X, y = make_data()
    mixup = dfx.Mixup(n_samples=2.0, random_state=0).fit(X, y)
    np.testing.assert_array_equal(np.bincount(mixup.pairs_[:, 0], minlength=len(y)), 2)


def test_mixup_lambdas_follow_the_beta_distribution():
    X, y = make_data()
    mixup = dfx.Mixup(mixup_alpha=0.3, n_samples=3000, random_state=0).fit(X, y)
    assert stats.kstest(mixup.lambdas_, stats.beta(0.3, 0.3).cdf).pvalue > 1e-3


@pytest.mark.parametrize("n_samples, expected", [(0.5, 75), (2.0, 300), (10, 10), (0, 0)])
def test_mixup_number_of_blends(n_samples, expected):
    X, y = make_data()
    mixup = dfx.Mixup(n_samples=n_samples, random_state=0).fit(X, y)
    assert len(mixup.lambdas_) == expected


def test_mixup_zero_weight_rows_take_no_part():
    X, y = make_data()
    weights_in = np.ones(len(y))
    weights_in[:50] = 0
    mixup = dfx.Mixup(random_state=0)
    _, _, weights_out = mixup.fit_resample(X, y, sample_weight=weights_in)
    assert mixup.pairs_.min() >= 50
    assert np.all(weights_out[len(y):] > 0)


def test_mixup_sparse_matches_dense():
    X, y = make_data()
    X[np.abs(X) < 0.5] = 0
    dense = dfx.Mixup(random_state=0).fit_resample(X, y)
    sparse = dfx.Mixup(random_state=0).fit_resample(sp.csr_matrix(X), y)
    assert sp.issparse(sparse[0])
    np.testing.assert_allclose(sparse[0].toarray(), dense[0])
    np.testing.assert_array_equal(sparse[1], dense[1])


def test_mixup_pandas_keeps_dtypes_and_gives_synthetic_rows_new_labels():
    X, y = make_data()
    frame = pd.DataFrame(X, columns=list("abcd"))
    frame["a"] = frame["a"].astype(np.float32)
    X_out, y_out, _ = dfx.Mixup(random_state=0).fit_resample(frame, pd.Series(y, name="target"))
    assert X_out.dtypes.equals(frame.dtypes)
    assert X_out.index[: len(y)].equals(frame.index)
    assert X_out.index[len(y):].min() == len(y) and X_out.index.is_unique
    assert X_out.index.equals(y_out.index)


def test_mixup_improves_nothing_it_should_not_break_a_pipeline():
    X, y = make_data()
    pipe = dfx.make_pipeline(dfx.Mixup(random_state=0), LogisticRegression()).fit(X, y)
    assert pipe.score(X, y) > 0.7
    assert len(pipe.source_indices_) > len(y)


@pytest.mark.parametrize(
    "features, message",
    [
        (pd.DataFrame({"size": [1.0, 2.0, 3.0, 4.0], "colour": ["r", "g", "b", "r"]}), r"non-numeric columns \['colour'\]"),
        (pd.DataFrame({"size": [1.0, 2.0, 3.0, 4.0], "count": [1, 2, 3, 4]}), r"non-float features \['count'\].*astype\(float\)"),
        (np.arange(8).reshape(4, 2), r"non-float features \['dtype int64'\]"),
        (np.array([[1.0, np.nan], [2.0, 1.0], [3.0, 0.0], [4.0, 2.0]]), "missing or infinite"),
    ],
    ids=["strings", "integer-column", "integer-array", "nan"],
)
def test_mixup_rejects_features_it_cannot_blend(features, message):
    with pytest.raises(ValueError, match=message):
        dfx.Mixup().fit_resample(features, [0, 1, 0, 1])


@pytest.mark.parametrize(
    "params, message",
    [({"mixup_alpha": 0}, "mixup_alpha"), ({"alpha": 0}, "alpha"), ({"n_samples": -1}, "n_samples"),
     ({"n_samples": "all"}, "n_samples")],
)
def test_mixup_bad_parameters(params, message):
    X, y = make_data()
    with pytest.raises(ValueError, match=message):
        dfx.Mixup(**params).fit_resample(X, y)


def test_mixup_alpha_is_the_deprecated_name_of_mixup_alpha():
    X, y = make_data()
    expected = dfx.Mixup(mixup_alpha=0.4, random_state=0).fit_resample(X, y)
    old = dfx.Mixup(alpha=0.4, random_state=0)
    with pytest.warns(FutureWarning, match="`alpha` was renamed to `mixup_alpha`"):
        result = old.fit_resample(X, y)
    for got, want in zip(result, expected):
        np.testing.assert_array_equal(got, want)
    assert clone(old).get_params()["alpha"] == 0.4
    with pytest.raises(TypeError, match="got both"):
        dfx.Mixup(mixup_alpha=0.3, alpha=0.4).fit_resample(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dfx.Mixup(0.4, random_state=0).fit_resample(X, y)  # the new name, positionally: no warning
