"""GenerativeOverSampler and synthetic_quality: behaviour on mixed tables, provenance, determinism, bad input.

Everything here trains for a handful of epochs on a few hundred rows; the
quality claims live in benchmarks/generative.py.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import datafix as dfx

torch = pytest.importorskip("torch")

GENERATORS = ["ctgan", "tvae"]


def mixed_frame(n_majority=150, n_minority=20, seed=0, missing=0.15):
    """Mixed columns of every supported kind, with missing values, and a 0/1 label."""
    rng = np.random.default_rng(seed)
    n = n_majority + n_minority
    y = np.r_[np.zeros(n_majority, int), np.ones(n_minority, int)]
    frame = pd.DataFrame({
        "amount": np.round(rng.gamma(2.0, 40.0, n) + 60 * y, 2),
        "age": rng.integers(18, 80, n),  # int64
        "channel": rng.choice(["web", "shop", "phone"], n).astype(object),
        "tier": pd.Categorical(rng.choice(["gold", "silver", "bronze"], n), categories=["bronze", "silver", "gold", "unused"]),
        "member": rng.random(n) < 0.4,
        "score": rng.normal(0, 1, n).astype(np.float32),
        "constant": np.full(n, 7.0),
        "nothing": np.full(n, np.nan),
    }, index=pd.Index(np.arange(n) * 2 + 100, name="row"))
    frame.loc[rng.random(n) < missing, "amount"] = np.nan
    frame.loc[rng.random(n) < missing, "channel"] = None
    return frame, pd.Series(np.where(y == 1, "rare", "common"), index=frame.index, name="label")


def sampler(generator, **params):
    params = {"epochs": 3, "batch_size": 64, "random_state": 0, **params}
    return dfx.GenerativeOverSampler(generator, **params)


def test_import_datafix_does_not_import_torch():
    code = "import sys, datafix; datafix.GenerativeOverSampler; datafix.synthetic_quality; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("generator", GENERATORS)
def test_mixed_frame_keeps_dtypes_categories_and_ranges(generator):
    X, y = mixed_frame()
    X_before = X.copy()
    fix = sampler(generator)
    X_out, y_out = fix.fit_resample(X, y)
    pd.testing.assert_frame_equal(X, X_before)  # never mutated
    assert X_out.dtypes.equals(X.dtypes)
    assert (y_out.value_counts() == 150).all()
    new = X_out[fix.is_synthetic_]
    assert len(new) == 130
    assert set(new["channel"].dropna()) <= {"web", "shop", "phone"}
    assert set(new["tier"].dropna()) <= {"gold", "silver", "bronze"}  # "unused" was never seen
    assert list(new["tier"].cat.categories) == list(X["tier"].cat.categories)
    assert new["age"].between(X["age"].min(), X["age"].max()).all()
    amounts = new["amount"].dropna()
    assert amounts.between(X["amount"].min(), X["amount"].max()).all()
    assert (new["constant"] == 7.0).all()
    assert new["nothing"].isna().all()
    assert new["member"].dtype == bool
    assert fix.column_kinds_ == {"amount": "continuous", "age": "continuous", "channel": "categorical",
                                 "tier": "categorical", "member": "categorical", "score": "continuous",
                                 "constant": "constant", "nothing": "empty"}
    # kept rows keep their index labels; new ones get labels that cannot collide
    assert X_out.index[~fix.is_synthetic_].equals(X.index)
    assert not set(X_out.index[fix.is_synthetic_]) & set(X.index)


@pytest.mark.parametrize("generator", GENERATORS)
def test_missing_values_are_generated_not_crashed_on(generator):
    X, y = mixed_frame(missing=0.4)
    fix = sampler(generator, epochs=10)
    X_out, _ = fix.fit_resample(X, y)
    new = X_out[fix.is_synthetic_]
    assert new["amount"].isna().any() and new["amount"].notna().any()
    assert new["channel"].isna().any() and new["channel"].notna().any()


def test_whole_number_floats_stay_whole():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"rooms": rng.integers(1, 6, 120).astype(float), "area": rng.normal(80, 20, 120)})
    y = np.r_[np.zeros(100, int), np.ones(20, int)]
    X_out, _ = sampler("tvae").fit_resample(X, y)
    assert np.array_equal(X_out["rooms"], X_out["rooms"].round())
    assert X_out["rooms"].dtype == np.float64


@pytest.mark.parametrize("generator", GENERATORS)
def test_provenance_and_weights(generator):
    X, y = mixed_frame()
    weights = np.linspace(0.5, 2.0, len(y))
    fix = sampler(generator)
    X_out, y_out, w_out = fix.fit_resample(X, y, sample_weight=weights)
    n = len(y)
    synthetic = fix.is_synthetic_
    assert not synthetic[:n].any() and synthetic[n:].all()
    np.testing.assert_array_equal(fix.source_indices_[:n], np.arange(n))
    # a generated row points at a real row of its own class
    assert (y.to_numpy()[fix.source_indices_[n:]] == "rare").all()
    np.testing.assert_array_equal(w_out[:n], weights)
    np.testing.assert_allclose(w_out[n:], weights[y.to_numpy() == "rare"].mean())
    assert fix.sampling_strategy_ == {"rare": 130}


@pytest.mark.parametrize("generator", GENERATORS)
def test_same_random_state_gives_identical_rows(generator):
    X, y = mixed_frame()
    first = sampler(generator, random_state=3).fit_resample(X, y)[0]
    second = sampler(generator, random_state=3).fit_resample(X, y)[0]
    pd.testing.assert_frame_equal(first, second)
    other = sampler(generator, random_state=4).fit_resample(X, y)[0]
    assert not first.equals(other)


def test_caller_torch_state_is_untouched():
    X, y = mixed_frame()
    threads = torch.get_num_threads()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    sampler("ctgan").fit_resample(X, y)
    np.testing.assert_array_equal(torch.rand(3), expected)
    assert torch.get_num_threads() == threads


def test_sampling_strategy_dict_and_numpy_input():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(130, 3))
    y = np.repeat(["a", "b", "c"], [100, 20, 10])
    fix = sampler("tvae", sampling_strategy={"b": 50, "c": 40})
    X_out, y_out = fix.fit_resample(X, y)
    assert isinstance(X_out, np.ndarray) and X_out.dtype == X.dtype
    assert dict(zip(*np.unique(y_out, return_counts=True))) == {"a": 100, "b": 50, "c": 40}
    assert np.isfinite(X_out).all()


@pytest.mark.parametrize("generator", GENERATORS)
def test_a_class_of_ten_rows_is_enough(generator):
    X, y = mixed_frame(n_majority=200, n_minority=10)
    X_out, y_out = sampler(generator).fit_resample(X, y)
    assert (y_out == "rare").sum() == 200


def test_sample_after_fit():
    X, y = mixed_frame()
    fix = sampler("tvae")
    fix.fit_resample(X, y)
    rows = fix.sample(25, "rare", random_state=0)
    assert len(rows) == 25 and list(rows.columns) == list(X.columns)
    pd.testing.assert_frame_equal(rows, fix.sample(25, "rare", random_state=0))
    with pytest.raises(ValueError, match="not one of the classes"):
        fix.sample(5, "unknown")
    with pytest.raises(ValueError, match="not fitted"):
        sampler("tvae").sample(5, "rare")


def test_nothing_to_generate_returns_the_input():
    X, y = mixed_frame(n_majority=20, n_minority=20)
    fix = sampler("ctgan")
    X_out, y_out = fix.fit_resample(X, y)
    pd.testing.assert_frame_equal(X_out, X)
    assert not fix.is_synthetic_.any()


def test_inside_a_pipeline_with_preprocessing():
    from sklearn.linear_model import LogisticRegression

    from datafix.preprocessing import make_preprocessing

    X, y = mixed_frame()
    X = X.drop(columns=["nothing"])
    imputer, encoder = make_preprocessing(X, LogisticRegression())
    pipe = dfx.make_pipeline(imputer, sampler("ctgan"), encoder, LogisticRegression(max_iter=500))
    pipe.fit(X, y)
    assert pipe.predict(X).shape == (len(y),)
    assert pipe.is_synthetic_.sum() == 130


# ---------------------------------------------------------------- bad input: one line, before any work


def test_a_class_with_one_row_is_an_error():
    X, y = mixed_frame(n_majority=30, n_minority=1)
    with pytest.raises(ValueError, match="class 'rare' has 1 row but GenerativeOverSampler needs at least 2"):
        sampler("ctgan").fit_resample(X, y)


def test_one_row_class_left_out_by_the_strategy_is_fine():
    X, y = mixed_frame(n_majority=30, n_minority=1)
    y = y.copy()
    y.iloc[:10] = "middle"
    X_out, y_out = sampler("tvae", sampling_strategy={"middle": 20}).fit_resample(X, y)
    assert (y_out == "middle").sum() == 20 and (y_out == "rare").sum() == 1


def test_infinite_values_are_an_error():
    X, y = mixed_frame()
    X = X.copy()
    X.iloc[3, 0] = np.inf
    with pytest.raises(ValueError, match="column 'amount' has 1 infinite values"):
        sampler("ctgan").fit_resample(X, y)


def test_dates_are_an_error():
    X, y = mixed_frame()
    X = X.assign(when=pd.Timestamp("2024-01-01"))
    with pytest.raises(ValueError, match="column 'when' holds dates"):
        sampler("ctgan").fit_resample(X, y)


def test_too_many_requested_rows_is_an_error_before_training(monkeypatch):
    from datafix.generative import _oversampler

    monkeypatch.setattr(_oversampler, "_available_memory", lambda: 10_000)
    X, y = mixed_frame()
    with pytest.raises(ValueError, match="asks for 1000000 new rows .* of memory is free"):
        sampler("ctgan", sampling_strategy={"rare": 1_000_020}).fit_resample(X, y)


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_cuda_without_a_gpu_is_an_error():
    X, y = mixed_frame()
    with pytest.raises(ValueError, match="torch sees no CUDA GPU"):
        sampler("ctgan", device="cuda").fit_resample(X, y)


def test_bad_parameters():
    X, y = mixed_frame()
    with pytest.raises(ValueError, match="generator"):
        dfx.GenerativeOverSampler("gpt").fit_resample(X, y)
    with pytest.raises(ValueError, match="epochs"):
        dfx.GenerativeOverSampler(epochs=0).fit_resample(X, y)
    with pytest.raises(ValueError, match="device must be"):
        sampler("ctgan", device="tpu").fit_resample(X, y)


def test_all_missing_and_single_value_columns_only():
    X = pd.DataFrame({"empty": np.full(40, np.nan), "same": np.full(40, 3), "same_or_missing": [1.5, np.nan] * 20})
    y = np.r_[np.zeros(30, int), np.ones(10, int)]
    X_out, _ = sampler("ctgan").fit_resample(X, y)
    assert X_out["empty"].isna().all() and (X_out["same"] == 3).all()
    assert set(X_out["same_or_missing"].dropna()) == {1.5}


# ---------------------------------------------------------------- synthetic_quality


def test_quality_flags_copies_and_shifted_columns():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(size=400), "z": rng.normal(size=400),
                         "colour": rng.choice(["red", "blue"], 400)})
    copies = real.sample(100, replace=True, random_state=0)
    assert dfx.synthetic_quality(real, copies).near_copy_share == 1.0
    fresh = pd.DataFrame({"x": rng.normal(size=200), "z": rng.normal(size=200),
                          "colour": rng.choice(["red", "blue"], 200)})
    shifted = fresh.assign(x=fresh["x"] + 2, colour="red")
    good, bad = dfx.synthetic_quality(real, fresh), dfx.synthetic_quality(real, shifted)
    assert good.near_copy_share < 0.05
    assert good.columns.loc["x", "distance"] < 0.2 < bad.columns.loc["x", "distance"]
    assert bad.columns.loc["colour", "metric"] == "total_variation"
    assert bad.columns.loc["colour", "distance"] == pytest.approx(1 - (real["colour"] == "red").mean())
    assert good.two_sample_auc < 0.7 < bad.two_sample_auc
    assert set(good.summary.index) >= {"near_copy_share", "two_sample_auc", "mean_column_distance"}
    assert "SyntheticQuality(200 synthetic rows" in repr(good)


def test_quality_with_target_compares_class_by_class():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": np.r_[rng.normal(0, 1, 300), rng.normal(5, 1, 40)],
                         "y": ["a"] * 300 + ["b"] * 40})
    synthetic = pd.DataFrame({"x": rng.normal(5, 1, 100), "y": ["b"] * 100})
    per_class = dfx.synthetic_quality(real, synthetic, target="y")
    pooled = dfx.synthetic_quality(real.drop(columns="y"), synthetic.drop(columns="y"))
    assert per_class.columns.loc["x", "distance"] < 0.3 < pooled.columns.loc["x", "distance"]
    assert list(per_class.columns.index) == ["x"]


def test_quality_of_smote_rows():
    from imblearn.over_sampling import SMOTE

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    y = np.r_[np.zeros(270, int), np.ones(30, int)]
    X_out, y_out = SMOTE(random_state=0).fit_resample(X, y)
    real = X.assign(label=y)
    synthetic = X_out.iloc[300:].assign(label=y_out[300:])
    report = dfx.synthetic_quality(real, synthetic, target="label")
    assert 0 <= report.near_copy_share <= 1 and len(report.distance_to_closest_real) == 240


def test_quality_bad_input():
    real = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="same columns"):
        dfx.synthetic_quality(real, pd.DataFrame({"z": [1.0]}))
    with pytest.raises(ValueError, match="synthetic is empty"):
        dfx.synthetic_quality(real, real.iloc[:0])
    with pytest.raises(ValueError, match="target 'label' is not a column"):
        dfx.synthetic_quality(real, real, target="label")
    with pytest.raises(ValueError, match="near_copy_ratio"):
        dfx.synthetic_quality(real, real, near_copy_ratio=-1)


@pytest.mark.slow
@pytest.mark.parametrize("generator", GENERATORS)
def test_generated_rows_are_not_near_copies(generator):
    X, y = mixed_frame(n_majority=400, n_minority=40, missing=0.05)
    X = X.drop(columns=["nothing", "constant"])
    fix = dfx.GenerativeOverSampler(generator, random_state=0)
    X_out, y_out = fix.fit_resample(X, y)
    real = X.assign(label=y)
    synthetic = X_out[fix.is_synthetic_].assign(label=y_out[fix.is_synthetic_])
    assert dfx.synthetic_quality(real, synthetic, target="label").near_copy_share <= 0.01


def test_the_default_generator_is_the_vae():
    """Chosen on the tuning half of benchmarks/generative.py (see docs/guide/generative.md)."""
    assert dfx.GenerativeOverSampler().generator == "tvae"


def test_near_copies_of_training_rows_are_drawn_again(monkeypatch):
    """A generator that returns copies of real rows: every copy is redrawn until it is not one."""
    import datafix.generative._oversampler as oversampler

    rng = np.random.default_rng(3)
    X = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200), "c": rng.choice(["u", "v"], 200)})
    y = np.where(np.arange(200) < 20, "rare", "common")
    fix = dfx.GenerativeOverSampler(epochs=1, batch_size=50, random_state=0)
    original = oversampler.GenerativeOverSampler._sample_without_near_copies
    calls = {"first": True}

    def copying(self, label, n_rows, real_rows):
        sample = self.generator_.sample

        def copies_first(code, n, rng):  # the first draw copies real rows; later draws are the model's
            if calls["first"]:
                calls["first"] = False
                return X.iloc[np.arange(n) % len(X)].reset_index(drop=True)
            return sample(code, n, rng)

        self.generator_.sample = copies_first
        try:
            return original(self, label, n_rows, real_rows)
        finally:
            self.generator_.sample = sample

    monkeypatch.setattr(oversampler.GenerativeOverSampler, "_sample_without_near_copies", copying)
    X_out, y_out = fix.fit_resample(X, y)
    synthetic = X_out.iloc[len(X):].reset_index(drop=True)
    quality = dfx.synthetic_quality(X, synthetic)
    assert not calls["first"] and fix.n_near_copies_ == 0 and quality.near_copy_share == 0.0
