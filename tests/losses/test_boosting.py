"""Focal objectives for LightGBM / XGBoost: derivatives against finite differences, boosters against built-ins."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from datafix import ClassWeighter, make_pipeline
from datafix.losses import FocalBoostingClassifier, FocalObjective, lightgbm_focal_objective, xgboost_focal_objective
from datafix.losses.boosting import _binary_derivatives, _binary_loss, _multiclass_derivatives, _multiclass_loss

lightgbm = pytest.importorskip("lightgbm")
xgboost = pytest.importorskip("xgboost")

GAMMAS = [0.0, 0.5, 1.0, 2.0, 3.5]


def _lgbm(**params):
    return lightgbm.LGBMClassifier(n_estimators=25, n_jobs=1, verbosity=-1, **params)


def _xgb(**params):
    return xgboost.XGBClassifier(n_estimators=25, n_jobs=1, **params)


@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize("alpha", [None, 0.25, [2.0, 0.5]])
def test_binary_gradient_and_hessian_match_finite_differences(gamma, alpha):
    rng = np.random.default_rng(0)
    raw = rng.uniform(-6, 6, 200)
    labels = rng.integers(0, 2, 200)
    objective = FocalObjective(gamma, alpha=alpha)
    alpha_checked = objective._alpha_for(2)
    step = 1e-4

    def loss(r):
        return _binary_loss(labels, r, gamma, alpha_checked)

    grad, hess = objective.gradient_hessian(labels, raw, floor=False)
    numeric_grad = (loss(raw + step) - loss(raw - step)) / (2 * step)
    numeric_hess = (loss(raw + step) - 2 * loss(raw) + loss(raw - step)) / step**2
    np.testing.assert_allclose(grad, numeric_grad, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(hess, numeric_hess, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize("alpha", [None, [0.5, 1.0, 2.0, 0.25]])
def test_multiclass_gradient_and_hessian_match_finite_differences(gamma, alpha):
    rng = np.random.default_rng(1)
    raw = rng.normal(0, 3, (100, 4))
    labels = rng.integers(0, 4, 100)
    objective = FocalObjective(gamma, alpha=alpha)
    alpha_checked = objective._alpha_for(4)
    grad, hess = objective.gradient_hessian(labels, raw, floor=False)
    step = 1e-4
    for k in range(4):
        shift = np.zeros(4)
        shift[k] = step
        plus = _multiclass_loss(labels, raw + shift, gamma, alpha_checked)
        minus = _multiclass_loss(labels, raw - shift, gamma, alpha_checked)
        centre = _multiclass_loss(labels, raw, gamma, alpha_checked)
        np.testing.assert_allclose(grad[:, k], (plus - minus) / (2 * step), rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(hess[:, k], (plus - 2 * centre + minus) / step**2, rtol=1e-3, atol=1e-5)


def test_binary_is_two_class_softmax_with_a_zero_score():
    rng = np.random.default_rng(2)
    raw = rng.normal(0, 3, 50)
    labels = rng.integers(0, 2, 50)
    objective = FocalObjective(2.0, alpha=[0.3, 0.7])
    grad, hess = objective.gradient_hessian(labels, raw, floor=False)
    grad2, hess2 = objective.gradient_hessian(labels, np.column_stack([np.zeros(50), raw]), floor=False)
    np.testing.assert_allclose(grad, grad2[:, 1], atol=1e-12)
    np.testing.assert_allclose(hess, hess2[:, 1], atol=1e-12)


def test_losses_equal_torch_focal_loss():
    torch = pytest.importorskip("torch")
    from datafix.losses import focal_loss

    rng = np.random.default_rng(3)
    raw = rng.normal(0, 4, (40, 3))
    labels = rng.integers(0, 3, 40)
    expected = focal_loss(torch.tensor(raw), torch.tensor(labels), 2.0, alpha=[0.2, 0.3, 0.5], reduction="none")
    np.testing.assert_allclose(_multiclass_loss(labels, raw, 2.0, np.array([0.2, 0.3, 0.5])), expected.numpy(), rtol=1e-10)
    binary = rng.integers(0, 2, 40)
    expected = focal_loss(torch.tensor(raw[:, 0]), torch.tensor(binary, dtype=torch.float64), 2.0, alpha=0.25,
                          task="binary", reduction="none")
    np.testing.assert_allclose(_binary_loss(binary, raw[:, 0], 2.0, 0.25), expected.numpy(), rtol=1e-10)


@pytest.mark.parametrize("gamma", [0.5, 2.0, 5.0])
def test_hessian_floor_is_positive_and_exact_where_larger(gamma):
    raw = np.linspace(-30, 30, 601)
    objective = FocalObjective(gamma)
    cases = (
        (np.ones(601, dtype=int), raw, _binary_derivatives),
        (np.zeros(601, dtype=int), raw, _binary_derivatives),
        (np.zeros(601, dtype=int), np.column_stack([raw, -raw, 0 * raw]), _multiclass_derivatives),
    )
    for labels, scores, derivatives in cases:
        exact = objective.gradient_hessian(labels, scores, floor=False)[1]
        floored = objective.gradient_hessian(labels, scores)[1]
        floor = derivatives(labels, scores, gamma, None)[2]
        assert (exact < 0).any(), "the focal Hessian is negative somewhere; the floor must matter"
        np.testing.assert_array_equal(floored, np.maximum(exact, floor))
        assert np.all(floored >= 0) and np.all(np.isfinite(floored))
        assert np.all(floored[np.abs(scores) < 25] > 0)


def test_gamma_zero_is_the_logistic_and_softmax_objective():
    rng = np.random.default_rng(4)
    raw = rng.normal(0, 2, 30)
    labels = rng.integers(0, 2, 30)
    p = 1 / (1 + np.exp(-raw))
    grad, hess = FocalObjective(0.0)(labels.astype(float), raw)
    np.testing.assert_allclose(grad, p - labels, atol=1e-12)
    np.testing.assert_allclose(hess, p * (1 - p), atol=1e-12)
    raw3 = rng.normal(0, 2, (30, 3))
    labels3 = rng.integers(0, 3, 30)
    probabilities = np.exp(raw3) / np.exp(raw3).sum(axis=1, keepdims=True)
    grad, hess = FocalObjective(0.0)(labels3, raw3)
    np.testing.assert_allclose(grad, probabilities - np.eye(3)[labels3], atol=1e-12)
    np.testing.assert_allclose(hess, probabilities * (1 - probabilities), atol=1e-12)


def test_extreme_scores_are_finite():
    raw = np.array([-1e4, -50.0, 0.0, 50.0, 1e4])
    for labels in (np.zeros(5), np.ones(5)):
        for gamma in (0.0, 0.5, 2.0):
            grad, hess = FocalObjective(gamma)(labels, raw)
            assert np.all(np.isfinite(grad)) and np.all(np.isfinite(hess)) and np.all(hess >= 0)
    raw3 = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]])
    grad, hess = FocalObjective(0.5)(np.array([0, 0]), raw3)
    assert np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))


def test_sample_weight_multiplies_gradient_and_hessian_in_every_calling_convention():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(60, 3))
    y = rng.integers(0, 2, 60).astype(float)
    weight = rng.uniform(0.1, 3, 60)
    raw = rng.normal(size=60)
    objective = FocalObjective(2.0, alpha=0.25)
    grad, hess = objective.gradient_hessian(y, raw)
    sklearn_style = objective(y, raw, weight)
    np.testing.assert_allclose(sklearn_style[0], grad * weight)
    np.testing.assert_allclose(sklearn_style[1], hess * weight)
    native_lightgbm = objective(raw, lightgbm.Dataset(X, y, weight=weight).construct())
    native_xgboost = objective(raw, xgboost.DMatrix(X, label=y, weight=weight))
    for got in (native_lightgbm, native_xgboost):
        np.testing.assert_allclose(got[0], sklearn_style[0], rtol=1e-6)
        np.testing.assert_allclose(got[1], sklearn_style[1], rtol=1e-6)
    unweighted = objective(raw, xgboost.DMatrix(X, label=y))
    np.testing.assert_allclose(unweighted[0], grad, rtol=1e-6)


@pytest.mark.parametrize("gamma", [0.0, 2.0])
def test_init_score_minimises_the_loss_of_a_constant(gamma):
    y = np.array([0] * 95 + [1] * 5)
    objective = FocalObjective(gamma)
    start = objective.init_score(y)
    best = objective.loss(y, np.full(100, start))
    for delta in (-0.01, 0.01):
        assert objective.loss(y, np.full(100, start + delta)) > best
    if gamma == 0:
        assert start == pytest.approx(np.log(5 / 95), abs=1e-6)
    y3 = np.array([0] * 70 + [1] * 20 + [2] * 10)
    start3 = objective.init_score(y3)
    assert start3.shape == (3,) and abs(start3.sum()) < 1e-9
    best3 = objective.loss(y3, np.tile(start3, (100, 1)))
    for k in range(3):
        shifted = start3.copy()
        shifted[k] += 0.02
        assert objective.loss(y3, np.tile(shifted, (100, 1))) > best3
    if gamma == 0:
        log_prior = np.log([0.7, 0.2, 0.1])
        np.testing.assert_allclose(start3, log_prior - log_prior.mean(), atol=1e-4)


def test_init_score_follows_sample_weight():
    y = np.array([0, 0, 0, 1])
    objective = FocalObjective(0.0)
    assert objective.init_score(y, sample_weight=[1, 1, 1, 3]) == pytest.approx(0.0, abs=1e-6)


@pytest.fixture(scope="module")
def imbalanced():
    X, y = make_classification(n_samples=600, n_features=8, weights=[0.9], flip_y=0.02, random_state=0)
    return X, y


def test_lightgbm_gamma_zero_matches_builtin_binary_objective(imbalanced):
    X, y = imbalanced
    focal = FocalBoostingClassifier(_lgbm(), gamma=0.0).fit(X, y)
    builtin = _lgbm(objective="binary").fit(X, y)
    np.testing.assert_allclose(focal.predict_proba(X), builtin.predict_proba(X), atol=1e-5)


def test_xgboost_gamma_zero_matches_builtin_logistic_objective(imbalanced):
    X, y = imbalanced
    focal = FocalBoostingClassifier(_xgb(), gamma=0.0).fit(X, y)
    builtin = _xgb(objective="binary:logistic", base_score=float(y.mean())).fit(X, y)
    np.testing.assert_allclose(focal.predict_proba(X), builtin.predict_proba(X), atol=1e-4)


@pytest.mark.parametrize("make_booster", [_lgbm, _xgb], ids=["lightgbm", "xgboost"])
def test_classifier_probabilities_labels_and_multiclass(make_booster):
    X, y = make_classification(n_samples=300, n_classes=3, n_informative=5, weights=[0.7, 0.2], random_state=1)
    labels = np.array(["cat", "dog", "eel"])[y]
    model = FocalBoostingClassifier(make_booster(), gamma=2.0, alpha=[0.5, 1.0, 1.0]).fit(X, labels)
    probabilities = model.predict_proba(X)
    assert probabilities.shape == (300, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    assert list(model.classes_) == ["cat", "dog", "eel"]
    assert set(model.predict(X)) <= set(model.classes_)
    assert model.score(X, labels) > 0.8
    np.testing.assert_array_equal(model.predict(X), model.classes_[probabilities.argmax(axis=1)])


@pytest.mark.parametrize("make_booster", [_lgbm, _xgb], ids=["lightgbm", "xgboost"])
def test_classifier_sample_weight_changes_the_fit(make_booster, imbalanced):
    X, y = imbalanced
    weight = np.where(y == 1, 5.0, 1.0)
    weighted = FocalBoostingClassifier(make_booster(), gamma=2.0).fit(X, y, sample_weight=weight)
    unweighted = FocalBoostingClassifier(make_booster(), gamma=2.0).fit(X, y)
    assert weighted.init_score_ > unweighted.init_score_
    assert weighted.predict_proba(X)[:, 1].mean() > unweighted.predict_proba(X)[:, 1].mean()


def test_xgboost_integer_weights_equal_repeated_rows():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(150, 3))
    y = (X[:, 0] + rng.normal(0, 1, 150) > 0.5).astype(int)
    weight = rng.integers(1, 4, 150)
    booster = _xgb(tree_method="exact", max_depth=3)
    weighted = FocalBoostingClassifier(booster, gamma=2.0).fit(X, y, sample_weight=weight)
    repeated = FocalBoostingClassifier(booster, gamma=2.0).fit(np.repeat(X, weight, axis=0), np.repeat(y, weight))
    np.testing.assert_allclose(weighted.init_score_, repeated.init_score_, atol=1e-6)
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-4)


def test_pipeline_with_class_weighter_and_grid_search(imbalanced):
    X, y = imbalanced
    pipe = make_pipeline(StandardScaler(), ClassWeighter(), FocalBoostingClassifier(_lgbm()))
    search = GridSearchCV(pipe, {"focalboostingclassifier__gamma": [0.0, 2.0]}, cv=3, scoring="average_precision")
    search.fit(X, y)
    assert set(search.cv_results_["param_focalboostingclassifier__gamma"]) == {0.0, 2.0}
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    probabilities = search.predict_proba(X)
    assert probabilities.min() >= 0 and probabilities.max() <= 1


def test_eval_set_gets_the_starting_score(imbalanced):
    X, y = imbalanced
    model = FocalBoostingClassifier(_lgbm(), gamma=2.0).fit(X[:400], y[:400], eval_X=(X[400:],), eval_y=(y[400:],))
    assert "valid_0" in model.estimator_.evals_result_
    model = FocalBoostingClassifier(_xgb(), gamma=2.0).fit(X[:400], y[:400], eval_set=[(X[400:], y[400:])], verbose=False)
    assert "validation_0" in model.estimator_.evals_result()


def test_clone_and_params_and_no_mutation(imbalanced):
    X, y = imbalanced
    booster = _lgbm()
    model = FocalBoostingClassifier(booster, gamma=1.0, alpha=0.75)
    X_before, y_before = X.copy(), y.copy()
    model.fit(X, y)
    assert booster.get_params()["objective"] is None and not hasattr(booster, "booster_")
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    twin = clone(model)
    assert twin.get_params()["gamma"] == 1.0 and not hasattr(twin, "estimator_")


@pytest.mark.parametrize(
    "model, message, error",
    [
        (lambda: FocalBoostingClassifier(_lgbm(), gamma=-1.0), "gamma", ValueError),
        (lambda: FocalBoostingClassifier(_lgbm(), alpha=[1.0, 2.0, 3.0]), "alpha has 3 values but there are 2 classes", ValueError),
        (lambda: FocalBoostingClassifier(_lgbm(), alpha=1.5), "alpha", ValueError),
        (lambda: FocalBoostingClassifier(StandardScaler()), "LightGBM or XGBoost classifier", TypeError),
    ],
)
def test_classifier_bad_input(imbalanced, model, message, error):
    X, y = imbalanced
    with pytest.raises(error, match=message):
        model().fit(X, y)


def test_objective_bad_input():
    with pytest.raises(ValueError, match="gamma must be a finite number >= 0"):
        lightgbm_focal_objective(gamma=-2)
    with pytest.raises(ValueError, match="alpha"):
        xgboost_focal_objective(alpha=[1.0, -1.0])
    with pytest.raises(ValueError, match=r"labels encoded as 0\.\.2"):
        FocalObjective()(np.array([0, 3]), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="alpha has 2 values but there are 3 classes"):
        FocalObjective(alpha=[1.0, 1.0])(np.array([0, 1]), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="single number, the binary convention"):
        FocalObjective(alpha=0.25)(np.array([0, 1]), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="1 labels but raw_score has 2 rows"):
        FocalObjective()(np.array([0.0]), np.zeros(2))


def test_native_apis_train_with_the_objective(imbalanced):
    X, y = imbalanced
    objective = lightgbm_focal_objective(gamma=2.0)
    start = objective.init_score(y)
    params = {"objective": objective, "num_threads": 1, "verbosity": -1, "learning_rate": 0.1}
    dataset = lightgbm.Dataset(X, y, init_score=np.full(len(y), start))
    native = lightgbm.train(params, dataset, num_boost_round=25)
    wrapped = FocalBoostingClassifier(_lgbm(learning_rate=0.1), gamma=2.0).fit(X, y)
    np.testing.assert_allclose(native.predict(X) + start, wrapped.decision_function(X), atol=1e-6)

    objective = xgboost_focal_objective(gamma=2.0)
    margin = np.full(len(y), objective.init_score(y))
    dtrain = xgboost.DMatrix(X, label=y, base_margin=margin)
    booster = xgboost.train({"nthread": 1}, dtrain, num_boost_round=10, obj=objective)
    probabilities = objective.probabilities(booster.predict(xgboost.DMatrix(X, base_margin=margin), output_margin=True))
    assert np.mean((probabilities[:, 1] > 0.5) == y) > 0.9
