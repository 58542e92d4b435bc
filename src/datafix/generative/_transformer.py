"""The table <-> matrix transform shared by the GAN and the VAE.

Each column of a mixed DataFrame becomes a block of the matrix the networks
see, and back:

``continuous`` (numbers with at least two distinct values)
    Mode-specific normalisation (Xu et al., 2019): a Gaussian mixture (EM
    with small components pruned, on at most 2000 values) finds the column's
    modes; a value becomes the one-hot of a mode
    drawn from its posterior plus a scalar ``(x - mean) / (4 * std)`` of that
    mode, in ``[-1, 1]``. Back: the scalar is mapped through the chosen
    mode, clipped to the column's seen range, and rounded for integer
    columns (and for float columns whose seen values are all whole numbers).
``categorical`` (object, string, category, bool)
    One-hot of the seen values; missing values are a category of their own.
    Back: the category, so values never leave the seen set.
``constant`` (numbers with a single distinct value)
    Nothing to learn: the value is written back.
``empty`` (every value missing)
    Nothing to learn: synthetic rows are missing there too.

A numeric column with missing values also gets a two-way block
``[present, missing]``; a synthetic value is missing when that block says so,
so the share of missing values is learnt per class like any other feature.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["TableTransformer", "Span"]

_MAX_MODES = 10
_MODE_FIT_ROWS = 2000  # the mixture is fitted on at most this many values per column
_MIN_MODE_WEIGHT = 0.005


@dataclass
class Span:
    """A block of the encoded matrix: ``start:start + width``, ``"tanh"`` or ``"softmax"``."""

    start: int
    width: int
    activation: str
    column: object
    role: str  # "value", "mode", "category", "missing"


@dataclass
class _Column:
    name: object
    kind: str  # "continuous", "categorical", "constant", "empty"
    dtype: object
    has_missing: bool = False
    categories: list = field(default_factory=list)
    value: object = None
    means: np.ndarray | None = None
    stds: np.ndarray | None = None
    weights: np.ndarray | None = None
    kept_modes: np.ndarray | None = None
    low: float = 0.0
    high: float = 0.0
    whole: bool = False


def is_categorical(series: pd.Series) -> bool:
    """Whether the generators model ``series`` as categories: text, categoricals and booleans (unlike the
    encoder's rule in :func:`datafix._tabular.is_numeric_column`, a boolean is two categories here)."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dtype):
        return True
    return not pd.api.types.is_numeric_dtype(dtype)


def generator_column_kinds(frame: pd.DataFrame) -> dict:
    """``column -> "continuous" | "categorical" | "constant" | "empty"``, as the transformer sees them.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from datafix.generative._transformer import generator_column_kinds
    >>> generator_column_kinds(pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"], "c": [3, 3], "d": [np.nan, np.nan]}))
    {'a': 'continuous', 'b': 'categorical', 'c': 'constant', 'd': 'empty'}
    """
    kinds = {}
    for name in frame.columns:
        series = frame[name]
        missing = series.isna().to_numpy()
        if missing.all():
            kinds[name] = "empty"
        elif is_categorical(series):
            kinds[name] = "categorical"
        elif series[~missing].nunique() == 1:
            kinds[name] = "constant"
        else:
            kinds[name] = "continuous"
    return kinds


def _posterior(values: np.ndarray, means: np.ndarray, stds: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Each value's probability of belonging to each mode, shape (n_values, n_modes)."""
    z = (values[:, None] - means[None, :]) / stds[None, :]
    log_density = np.log(weights)[None, :] - np.log(stds)[None, :] - 0.5 * z**2
    log_density -= log_density.max(axis=1, keepdims=True)
    probabilities = np.exp(log_density) + 1e-9
    return probabilities / probabilities.sum(axis=1, keepdims=True)


def _fit_modes(values: np.ndarray, n_iterations: int = 60):
    """The modes of a 1-D sample: a Gaussian mixture fitted by EM, small components pruned.

    Up to ``_MAX_MODES`` components start at evenly spaced quantiles; after
    each EM step a component whose weight falls under ``_MIN_MODE_WEIGHT`` is
    removed (a sparse EM, the role the Dirichlet-process prior plays in
    CTGAN's variational mixture), so a column keeps only the modes it has.
    Vectorised numpy: a few milliseconds per column.
    """
    values = np.asarray(values, dtype=np.float64)
    spread = float(values.max() - values.min())
    floor = max(1e-3 * (float(np.std(values)) or spread), 1e-9 * max(spread, 1.0), 1e-12)
    n_modes = int(min(_MAX_MODES, len(np.unique(values))))
    means = np.quantile(values, (np.arange(n_modes) + 0.5) / n_modes)
    means = np.unique(means)
    stds = np.full(len(means), max(float(np.std(values)) / len(means), floor))
    weights = np.full(len(means), 1.0 / len(means))
    for _ in range(n_iterations):
        responsibility = _posterior(values, means, stds, weights)
        mass = responsibility.sum(axis=0)
        keep = mass / len(values) >= _MIN_MODE_WEIGHT
        if not keep.all():
            keep[np.argmax(mass)] = True
            means, stds, weights = means[keep], stds[keep], weights[keep] / weights[keep].sum()
            continue
        weights = mass / len(values)
        means = responsibility.T @ values / mass
        variance = (responsibility * (values[:, None] - means[None, :]) ** 2).sum(axis=0) / mass
        stds = np.sqrt(np.maximum(variance, floor**2))
    return means, stds, weights


class TableTransformer:
    """Encode a mixed DataFrame for the networks and decode their output.

    Parameters
    ----------
    random_state : numpy Generator
        Draws the mode of each value and seeds the mixtures.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from datafix.generative._transformer import TableTransformer
    >>> frame = pd.DataFrame({"size": np.r_[np.zeros(50), np.full(50, 10.0)] + np.arange(100) / 100,
    ...                       "colour": ["red", "blue"] * 50})
    >>> transformer = TableTransformer(np.random.default_rng(0)).fit(frame)
    >>> matrix = transformer.transform(frame)
    >>> back = transformer.inverse_transform(matrix, np.random.default_rng(0))
    >>> bool(np.allclose(back["size"], frame["size"], atol=1e-6)), bool((back["colour"] == frame["colour"]).all())
    (True, True)
    """

    def __init__(self, random_state):
        self.random_state = random_state

    def fit(self, frame: pd.DataFrame) -> "TableTransformer":
        rng = self.random_state
        self.columns_ = []
        self.spans_ = []
        self.conditional_spans_ = []  # categorical blocks the GAN can condition on
        width = 0
        for name, kind in generator_column_kinds(frame).items():
            series = frame[name]
            missing = series.isna().to_numpy()
            column = _Column(name=name, kind=kind, dtype=series.dtype, has_missing=bool(missing.any()))
            if kind == "categorical":
                values = series[~missing]
                if isinstance(series.dtype, pd.CategoricalDtype):
                    seen = set(values.tolist())
                    column.categories = [c for c in series.dtype.categories if c in seen]
                else:
                    column.categories = sorted(pd.unique(values).tolist(), key=lambda v: (str(type(v)), v))
                n_categories = len(column.categories) + int(column.has_missing)
                span = Span(width, n_categories, "softmax", name, "category")
                self.spans_.append(span)
                if n_categories > 1:
                    self.conditional_spans_.append(span)
                width += n_categories
            elif kind == "constant":
                column.value = series[~missing].iloc[0]
            elif kind == "continuous":
                values = series[~missing].to_numpy(dtype=np.float64)
                column.low, column.high = float(values.min()), float(values.max())
                column.whole = bool(pd.api.types.is_integer_dtype(series.dtype) or np.all(values == np.round(values)))
                sample = values if len(values) <= _MODE_FIT_ROWS else rng.choice(values, _MODE_FIT_ROWS, replace=False)
                column.means, column.stds, column.weights = _fit_modes(sample)
                kept = np.arange(len(column.means))
                column.kept_modes = kept
                self.spans_.append(Span(width, 1, "tanh", name, "value"))
                self.spans_.append(Span(width + 1, len(kept), "softmax", name, "mode"))
                width += 1 + len(kept)
            if kind in ("continuous", "constant") and column.has_missing:
                self.spans_.append(Span(width, 2, "softmax", name, "missing"))
                width += 2
            self.columns_.append(column)
        self.width_ = width
        return self

    def _mode_probabilities(self, column: _Column, values: np.ndarray) -> np.ndarray:
        return _posterior(values, column.means, column.stds, column.weights)

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """The encoded float32 matrix of ``frame`` (the columns seen in ``fit``)."""
        rng = self.random_state
        n_rows = len(frame)
        matrix = np.zeros((n_rows, self.width_), dtype=np.float32)
        spans = iter(self.spans_)
        rows = np.arange(n_rows)
        for column in self.columns_:
            series = frame[column.name]
            missing = series.isna().to_numpy()
            if column.kind == "categorical":
                span = next(spans)
                codes = pd.Index(column.categories, dtype=object).get_indexer(series[~missing].astype(object))
                full = np.full(n_rows, len(column.categories), dtype=np.intp)
                full[~missing] = codes
                matrix[rows, span.start + full] = 1.0
                continue
            if column.kind == "continuous":
                value_span, mode_span = next(spans), next(spans)
                values = series.to_numpy(dtype=np.float64, na_value=np.nan)
                filled = np.where(missing, column.means[0], values)
                probabilities = self._mode_probabilities(column, filled)
                cumulative = probabilities.cumsum(axis=1)
                draws = rng.random((n_rows, 1))
                modes = np.minimum((cumulative < draws).sum(axis=1), len(column.kept_modes) - 1)
                scaled = (filled - column.means[modes]) / (4 * column.stds[modes])
                scaled = np.where(missing, 0.0, np.clip(scaled, -0.99, 0.99))
                matrix[:, value_span.start] = scaled
                matrix[rows, mode_span.start + modes] = 1.0
            if column.kind in ("continuous", "constant") and column.has_missing:
                span = next(spans)
                matrix[rows, span.start + missing.astype(np.intp)] = 1.0
        return matrix

    def inverse_transform(self, matrix: np.ndarray, rng, sigmas=None) -> pd.DataFrame:
        """A DataFrame with the fitted columns and dtypes from an activated matrix.

        ``matrix`` holds values in ``[-1, 1]`` for value blocks and
        probabilities (or one-hots) for the other blocks; a category is drawn
        from each block's probabilities. ``sigmas`` (one per matrix column),
        when given, adds Gaussian noise to the value blocks (the VAE's
        decoder variance).
        """
        n_rows = len(matrix)
        output = {}
        spans = iter(self.spans_)
        for column in self.columns_:
            if column.kind == "categorical":
                span = next(spans)
                codes = _draw(matrix[:, span.start:span.start + span.width], rng)
                values = np.empty(n_rows, dtype=object)
                lookup = np.array(list(column.categories) + [None], dtype=object)
                values[:] = lookup[codes]
                if column.has_missing:
                    values[codes == len(column.categories)] = np.nan
                output[column.name] = values
                continue
            if column.kind == "empty":
                output[column.name] = np.full(n_rows, np.nan)
                continue
            if column.kind == "constant":
                values = np.full(n_rows, column.value, dtype=object)
            else:
                value_span, mode_span = next(spans), next(spans)
                scaled = matrix[:, value_span.start].astype(np.float64)
                if sigmas is not None:
                    scaled = rng.normal(scaled, sigmas[value_span.start])
                scaled = np.clip(scaled, -1.0, 1.0)
                modes = np.argmax(matrix[:, mode_span.start:mode_span.start + mode_span.width], axis=1)
                values = scaled * 4 * column.stds[modes] + column.means[modes]
                values = np.clip(values, column.low, column.high)
                if column.whole:
                    values = np.round(values)
                values = values.astype(object)
            if column.has_missing:
                span = next(spans)
                is_missing = _draw(matrix[:, span.start:span.start + 2], rng) == 1
                values[is_missing] = np.nan
            output[column.name] = values
        frame = pd.DataFrame(output)
        return _restore_dtypes(frame, self.columns_)


def _draw(probabilities: np.ndarray, rng) -> np.ndarray:
    """One index per row, drawn from each row's (unnormalised, non-negative) weights."""
    probabilities = np.clip(np.asarray(probabilities, dtype=np.float64), 0.0, None) + 1e-12
    cumulative = probabilities.cumsum(axis=1)
    draws = rng.random((len(probabilities), 1)) * cumulative[:, -1:]
    return np.minimum((cumulative < draws).sum(axis=1), probabilities.shape[1] - 1)


def _restore_dtypes(frame: pd.DataFrame, columns) -> pd.DataFrame:
    for column in columns:
        dtype = column.dtype
        values = frame[column.name]
        if isinstance(dtype, pd.CategoricalDtype):
            frame[column.name] = pd.Categorical(values, dtype=dtype)
        elif pd.api.types.is_bool_dtype(dtype) and not values.isna().any():
            frame[column.name] = values.astype(dtype)
        elif pd.api.types.is_integer_dtype(dtype):
            frame[column.name] = values.astype(np.float64).round().astype(dtype)
        elif pd.api.types.is_float_dtype(dtype):
            frame[column.name] = values.astype(dtype)
        elif pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
            frame[column.name] = values.astype(dtype)
    return frame
