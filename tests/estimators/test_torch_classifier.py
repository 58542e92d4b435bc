"""TorchClassifier: scikit-learn behaviour, weights, reproducibility, user modules, pipelines."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

import datafix as dfx
from datafix import ClassWeighter, TorchClassifier, make_pipeline

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")


def small(**params):
    defaults = dict(hidden_layer_sizes=(8,), max_epochs=4, batch_size=32, random_state=0)
    defaults.update(params)
    return TorchClassifier(**defaults)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=160, n_features=6, n_informative=4, weights=[0.8], random_state=0)
    return StandardScaler().fit_transform(X).astype(np.float64), y


def test_fit_predict_with_string_labels_and_dataframe(data):
    X, y = data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    labels = np.where(y == 1, "rare", "common")
    model = small(max_epochs=20, lr=1e-2).fit(frame, labels)
    probabilities = model.predict_proba(frame)
    assert probabilities.shape == (160, 2) and probabilities.dtype == np.float64
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-6)
    assert list(model.classes_) == ["common", "rare"]
    np.testing.assert_array_equal(model.predict(frame), model.classes_[probabilities.argmax(axis=1)])
    assert model.score(frame, labels) > 0.8
    assert model.n_features_in_ == 6 and list(model.feature_names_in_) == list(frame.columns)
    assert model.n_epochs_ == 20


def test_reproducible_under_random_state_and_global_rng_untouched(data):
    X, y = data
    state = torch.random.get_rng_state()
    first = small(dropout=0.2).fit(X, y).predict_proba(X)
    assert torch.equal(torch.random.get_rng_state(), state)
    second = small(dropout=0.2).fit(X, y).predict_proba(X)
    other = small(dropout=0.2, random_state=1).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first, other)


def test_focal_with_gamma_zero_is_cross_entropy(data):
    X, y = data
    focal = small(loss="focal", gamma=0.0, label_smoothing=0.1, class_weight="balanced").fit(X, y)
    cross_entropy = small(loss="cross_entropy", label_smoothing=0.1, class_weight="balanced").fit(X, y)
    np.testing.assert_allclose(focal.predict_proba(X), cross_entropy.predict_proba(X), atol=1e-5)
    assert isinstance(focal.net_.criterion_, dfx.losses.FocalLoss)
    assert isinstance(cross_entropy.net_.criterion_, torch.nn.CrossEntropyLoss)


def test_integer_sample_weights_equal_repeated_rows_with_full_batches(data):
    X, y = data
    weight = np.random.default_rng(0).integers(1, 4, len(y))
    # one batch per epoch: the weighted loss is the repeated-rows loss times n / sum(w), and Adam's
    # steps do not depend on the loss scale, so both runs take the same steps from the same start
    weighted = small(batch_size=1000, max_epochs=10, lr=0.05).fit(X, y, sample_weight=weight)
    repeated = small(batch_size=1000, max_epochs=10, lr=0.05).fit(np.repeat(X, weight, axis=0), np.repeat(y, weight))
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-4)
    unweighted = small(batch_size=1000, max_epochs=10, lr=0.05).fit(X, y)
    assert not np.allclose(weighted.predict_proba(X), unweighted.predict_proba(X), atol=1e-3)


def test_batch_loss_is_mean_of_weight_times_row_loss(data):
    X, y = data
    model = small(max_epochs=1).fit(X, y)
    logits = torch.randn(5, 2)
    target = torch.tensor([0, 1, 1, 0, 1])
    weight = np.array([0.5, 2.0, 1.0, 0.0, 3.0], dtype=np.float32)
    per_row = dfx.losses.focal_loss(logits, target, 2.0, reduction="none")
    got = model.net_.get_loss(logits, target, X={"data": None, "sample_weight": weight})
    torch.testing.assert_close(got, (torch.as_tensor(weight) * per_row).mean())


def test_pipeline_with_class_weighter_under_grid_search_over_gamma(data):
    X, y = data
    pipe = make_pipeline(StandardScaler(), ClassWeighter(), TorchClassifier(loss="focal", hidden_layer_sizes=(8,),
                                                                              max_epochs=3, random_state=0))
    search = GridSearchCV(pipe, {"torchclassifier__gamma": [0.0, 1.0, 2.0]}, cv=2, scoring="balanced_accuracy")
    search.fit(X, y)
    assert list(search.cv_results_["param_torchclassifier__gamma"]) == [0.0, 1.0, 2.0]
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.predict_proba(X).shape == (160, 2)


@pytest.mark.parametrize("fix_name, make_fix", [
    ("LabelSmoother", lambda: dfx.LabelSmoother(0.1)),
    ("Mixup", lambda: dfx.Mixup(random_state=0)),
])
def test_weight_producing_fixes_in_front(data, fix_name, make_fix):
    X, y = data
    try:
        fix = make_fix()
    except AttributeError:
        pytest.skip(f"{fix_name} is not available")
    pipe = dfx.make_pipeline(fix, ClassWeighter(), small())
    assert pipe.fit(X, y).predict_proba(X).shape == (160, 2)


def test_label_cleaner_downweighting_in_front(data):
    X, y = data
    try:
        from datafix.labels import LabelCleaner
    except ImportError:
        pytest.skip("datafix.labels is not available")
    from sklearn.linear_model import LogisticRegression

    y_noisy = y.copy()
    y_noisy[:8] = 1 - y_noisy[:8]
    cleaner = LabelCleaner(LogisticRegression(), action="downweight", cv=3, random_state=0)
    pipe = dfx.make_pipeline(cleaner, small())
    pipe.fit(X, y_noisy)
    assert pipe.predict_proba(X).shape == (160, 2)


class TinyCNN(torch.nn.Module):
    def __init__(self, n_classes=3):
        super().__init__()
        self.features = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(),
                                            torch.nn.AdaptiveAvgPool2d(4), torch.nn.Flatten())
        self.head = torch.nn.Linear(64, n_classes)

    def forward(self, images):
        return self.head(self.features(images))


def _images(n=90, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    images = rng.normal(0, 0.3, (n, 1, 8, 8)).astype(np.float32)
    for label in range(3):  # a bright band per class
        images[y == label, 0, 2 * label : 2 * label + 2, :] += 2.0
    return images, y


def test_user_module_instance_on_images_is_copied_not_trained_in_place():
    images, y = _images()
    network = TinyCNN()
    before = {k: v.clone() for k, v in network.state_dict().items()}
    model = TorchClassifier(network, max_epochs=15, batch_size=16, lr=1e-2, random_state=0).fit(images, y)
    assert all(torch.equal(before[k], v) for k, v in network.state_dict().items())
    assert model.module_ is not network
    assert model.score(images, y) > 0.8
    with pytest.raises(ValueError, match=r"rows of shape \(1, 4, 4\).*fitted on rows of shape \(1, 8, 8\)"):
        model.predict(images[:, :, :4, :4])


def test_user_module_factory_gets_input_shape_and_n_classes():
    images, y = _images(60)
    seen = {}

    def factory(input_shape, n_classes):
        seen.update(input_shape=input_shape, n_classes=n_classes)
        return TinyCNN(n_classes)

    first = TorchClassifier(factory, max_epochs=2, random_state=3).fit(images, y).predict_proba(images)
    second = TorchClassifier(factory, max_epochs=2, random_state=3).fit(images, y).predict_proba(images)
    assert seen == {"input_shape": (1, 8, 8), "n_classes": 3}
    np.testing.assert_array_equal(first, second)  # built inside the seeded context


def test_module_with_wrong_number_of_outputs_is_a_clear_error():
    images, y = _images(30)
    with pytest.raises(ValueError, match=r"logits of shape \(batch, n_classes\) = \(2, 3\).*got \(2, 5\)"):
        TorchClassifier(TinyCNN(5), max_epochs=1).fit(images, y)


def test_verbose_prints_progress_on_stderr(data, capsys):
    X, y = data
    small(max_epochs=2, verbose=True).fit(X, y)
    captured = capsys.readouterr()
    assert "train_loss" in captured.err and captured.out == ""
    small(max_epochs=2).fit(X, y)
    assert capsys.readouterr().err == ""


def test_early_stopping_keeps_best_and_stops(data):
    X, y = data
    model = small(max_epochs=200, lr=0.05, early_stopping=True, n_iter_no_change=3, validation_fraction=0.2).fit(X, y)
    assert model.n_epochs_ < 200
    valid_losses = model.net_.history[:, "valid_loss"]
    assert np.argmin(valid_losses) == len(valid_losses) - 1 - 3


def test_class_weight_and_alpha_reach_the_criterion(data):
    X, y = data
    model = small(max_epochs=1, class_weight="balanced", alpha=0.75).fit(X, y)
    expected = dfx.compute_class_weights(y, "balanced")
    np.testing.assert_allclose(model.net_.criterion_.weight.numpy(), [expected[0], expected[1]], rtol=1e-6)
    np.testing.assert_allclose(model.net_.criterion_.alpha.numpy(), [0.25, 0.75])


def test_clone_pickle_and_no_mutation(data):
    X, y = data
    weight = np.linspace(0.5, 1.5, len(y))
    X_before, y_before, weight_before = X.copy(), y.copy(), weight.copy()
    model = small().fit(X, y, sample_weight=weight)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    np.testing.assert_array_equal(weight, weight_before)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    twin = clone(model)
    assert twin.get_params() == model.get_params() and not hasattr(twin, "net_")


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(gamma=-1.0), "gamma"),
        (dict(alpha=[0.5, 0.5, 0.5]), "alpha has 3 values but y has 2 classes"),
        (dict(alpha=0.25, loss="cross_entropy"), "alpha is the focal loss balancing factor"),
        (dict(loss="hinge"), "loss"),
        (dict(hidden_layer_sizes=(8, 0)), "hidden_layer_sizes must be positive integers"),
        (dict(class_weight={0: 1.0, 7: 2.0}), r"class_weight has classes \[7\]"),
        (dict(early_stopping=True, validation_fraction=0.01), "early_stopping holds out"),
        (dict(label_smoothing=2.0), "label_smoothing"),
    ],
)
def test_bad_parameters(data, params, message):
    X, y = data
    with pytest.raises(ValueError, match=message):
        small(**params).fit(X, y)


def test_bad_data(data):
    X, y = data
    with pytest.raises(ValueError, match="missing or infinite"):
        small().fit(np.where(np.eye(160, 6) == 1, np.nan, X), y)
    with pytest.raises(ValueError, match="different lengths"):
        small().fit(X, y[:-1])
    with pytest.raises(ValueError, match="at least 2 classes are needed"):
        small().fit(X, np.zeros(160))
    with pytest.raises(ValueError, match="alpha=0.25 is a single number"):
        small(alpha=0.25).fit(X, np.arange(160) % 3)
    with pytest.raises(ValueError, match="non-negative"):
        small().fit(X, y, sample_weight=-np.ones(160))
    model = small(max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="X has 5 features, but TorchClassifier is expecting 6"):
        model.predict(X[:, :5])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu(data):
    X, y = data
    cpu = small(max_epochs=3, batch_size=1000).fit(X, y)
    gpu = small(max_epochs=3, batch_size=1000, device="cuda").fit(X, y)
    assert next(gpu.module_.parameters()).device.type == "cuda"
    np.testing.assert_allclose(gpu.predict_proba(X), cpu.predict_proba(X), atol=1e-3)
