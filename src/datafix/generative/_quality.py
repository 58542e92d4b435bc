"""synthetic_quality: how close synthetic rows are to real ones, and how close is too close."""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real

import numpy as np
import pandas as pd

from ..neighbors import kneighbors
from ._transformer import is_categorical

__all__ = ["synthetic_quality", "SyntheticQuality"]


def _as_text(series: pd.Series) -> np.ndarray:
    values = series.astype(object).to_numpy()
    missing = pd.isna(values)
    text = values.astype(str)
    text[missing] = "<missing>"
    return text


class _DistanceEncoder:
    """Rows as points for distances: numbers by their rank among the real values, categories one-hot.

    A numeric value becomes its position in the real column's distribution
    (the empirical CDF, in [0, 1]), so a column's scale and outliers do not
    matter; a missing number is 0.5 plus a missing switch of weight 1. A
    category is a one-hot scaled by 1/sqrt(2), so two different categories are
    at distance 1, like the two ends of a numeric column.
    """

    def fit(self, real: pd.DataFrame) -> "_DistanceEncoder":
        self.columns_ = []
        for name in real.columns:
            series = real[name]
            if is_categorical(series):
                self.columns_.append((name, "categorical", np.unique(_as_text(series))))
            else:
                values = series.to_numpy(dtype=np.float64, na_value=np.nan)
                finite = np.sort(values[np.isfinite(values)])
                self.columns_.append((name, "numeric", finite))
        return self

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        blocks = []
        for name, kind, reference in self.columns_:
            series = frame[name]
            if kind == "categorical":
                text = _as_text(series)
                onehot = (text[:, None] == reference[None, :]).astype(np.float64) / np.sqrt(2.0)
                blocks.append(onehot)
                continue
            values = series.to_numpy(dtype=np.float64, na_value=np.nan)
            missing = ~np.isfinite(values)
            if len(reference) == 0:
                blocks.append(missing[:, None].astype(np.float64))
                continue
            left = np.searchsorted(reference, values, side="left")
            right = np.searchsorted(reference, values, side="right")
            rank = (left + right) / (2.0 * len(reference))
            rank[missing] = 0.5
            blocks.append(rank[:, None])
            blocks.append(missing[:, None].astype(np.float64))
        return np.hstack(blocks) if blocks else np.zeros((len(frame), 0))


def _column_distance(real: pd.Series, synthetic: pd.Series) -> tuple[str, float]:
    """Kolmogorov-Smirnov statistic for numbers (missing values left out), total variation for categories."""
    if is_categorical(real):
        real_share = pd.Series(_as_text(real)).value_counts(normalize=True)
        synthetic_share = pd.Series(_as_text(synthetic)).value_counts(normalize=True)
        both = real_share.index.union(synthetic_share.index)
        difference = real_share.reindex(both, fill_value=0) - synthetic_share.reindex(both, fill_value=0)
        return "total_variation", float(0.5 * difference.abs().sum())
    a = real.to_numpy(dtype=np.float64, na_value=np.nan)
    b = synthetic.to_numpy(dtype=np.float64, na_value=np.nan)
    a, b = np.sort(a[np.isfinite(a)]), np.sort(b[np.isfinite(b)])
    if len(a) == 0 or len(b) == 0:
        return "kolmogorov_smirnov", float(len(a) != len(b))
    grid = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, grid, side="right") / len(a)
    cdf_b = np.searchsorted(b, grid, side="right") / len(b)
    return "kolmogorov_smirnov", float(np.max(np.abs(cdf_a - cdf_b)))


class RealRows:
    """Real rows as points for distances, with the near-copy threshold (shared by
    :func:`synthetic_quality` and :class:`datafix.GenerativeOverSampler`).

    A synthetic row is a *near-copy* when its distance to the closest real row
    (in the space of :class:`_DistanceEncoder`) is at most ``near_copy_ratio``
    times the median distance between a real row and its closest other real
    row (and at most 1e-12 when that median is 0: exact copies only).
    """

    def __init__(self, real: pd.DataFrame, near_copy_ratio: float = 0.1):
        self.encoder = _DistanceEncoder().fit(real)
        self.points = self.encoder.transform(real)
        if len(self.points) > 1:
            among_real, _ = kneighbors(self.points, self.points, 1, exclude=np.arange(len(self.points)))
            self.threshold = float(near_copy_ratio * np.median(among_real[:, 0]))
        else:
            self.threshold = 0.0

    def closest(self, synthetic: pd.DataFrame, rows=None):
        """``(distance, index)`` of each synthetic row's closest real row (among ``rows`` when given)."""
        reference = self.points if rows is None else self.points[rows]
        distances, nearest = kneighbors(reference, self.encoder.transform(synthetic), 1)
        nearest = nearest[:, 0] if rows is None else np.asarray(rows)[nearest[:, 0]]
        return distances[:, 0], nearest

    def is_near_copy(self, distances: np.ndarray) -> np.ndarray:
        return distances <= max(self.threshold, 1e-12)


def _codes(series: pd.Series) -> np.ndarray:
    return pd.factorize(_as_text(series))[0]


def _ranks(series: pd.Series) -> np.ndarray:
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    values = np.where(np.isfinite(values), values, np.nanmedian(values) if np.isfinite(values).any() else 0.0)
    return pd.Series(values).rank().to_numpy()


def _cramers_v(a: np.ndarray, b: np.ndarray) -> float:
    table = pd.crosstab(a, b).to_numpy().astype(np.float64)
    if min(table.shape) < 2:
        return 0.0
    n = table.sum()
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / n
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return float(np.sqrt(chi2 / (n * (min(table.shape) - 1))))


def _correlation_ratio(codes: np.ndarray, values: np.ndarray) -> float:
    total = ((values - values.mean()) ** 2).sum()
    if total == 0:
        return 0.0
    counts = np.bincount(codes)
    means = np.bincount(codes, weights=values) / np.maximum(counts, 1)
    between = (counts * (means - values.mean()) ** 2).sum()
    return float(np.sqrt(between / total))


def _association(frame: pd.DataFrame, a, b) -> tuple[str, float]:
    """Spearman for two numbers, Cramer's V for two categories, the correlation ratio for one of each."""
    a_cat, b_cat = is_categorical(frame[a]), is_categorical(frame[b])
    if a_cat and b_cat:
        return "cramers_v", _cramers_v(_codes(frame[a]), _codes(frame[b]))
    if a_cat or b_cat:
        categorical, numeric = (a, b) if a_cat else (b, a)
        return "correlation_ratio", _correlation_ratio(_codes(frame[categorical]), _ranks(frame[numeric]))
    x, z = _ranks(frame[a]), _ranks(frame[b])
    if x.std() == 0 or z.std() == 0:
        return "spearman", 0.0
    return "spearman", float(np.corrcoef(x, z)[0, 1])


def _two_sample_auc(real: pd.DataFrame, synthetic: pd.DataFrame, groups_real, groups_synthetic, seed: int) -> float:
    """Cross-validated ROC-AUC of a gradient-boosting model telling real rows from synthetic ones.

    Real and synthetic rows are balanced within each group (class) by
    sub-sampling the larger side, so the model cannot win by counting.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    rng = np.random.default_rng(seed)
    keep_real, keep_synthetic = [], []
    for group in np.unique(groups_synthetic):
        real_rows = np.flatnonzero(groups_real == group)
        synthetic_rows = np.flatnonzero(groups_synthetic == group)
        n = min(len(real_rows), len(synthetic_rows))
        keep_real.append(rng.choice(real_rows, n, replace=False))
        keep_synthetic.append(rng.choice(synthetic_rows, n, replace=False))
    keep_real, keep_synthetic = np.concatenate(keep_real), np.concatenate(keep_synthetic)
    if min(len(keep_real), len(keep_synthetic)) < 5:
        return float("nan")
    encoder = _DistanceEncoder().fit(real)
    features = np.vstack([encoder.transform(real.iloc[keep_real]), encoder.transform(synthetic.iloc[keep_synthetic])])
    group_codes = np.r_[groups_real[keep_real], groups_synthetic[keep_synthetic]]
    features = np.hstack([features, pd.factorize(group_codes.astype(str))[0][:, None]])
    is_synthetic = np.r_[np.zeros(len(keep_real), int), np.ones(len(keep_synthetic), int)]
    folds = StratifiedKFold(n_splits=min(5, len(keep_real)), shuffle=True, random_state=seed)
    # leaves of at most 5% of the rows, so the test also works on a few dozen rows of a small class
    leaf = int(np.clip(len(is_synthetic) // 20, 2, 20))
    model = HistGradientBoostingClassifier(max_iter=100, min_samples_leaf=leaf, random_state=seed)
    scores = cross_val_predict(model, features, is_synthetic, cv=folds, method="predict_proba")[:, 1]
    return float(roc_auc_score(is_synthetic, scores))


@dataclass(kw_only=True)
class SyntheticQuality:
    """What :func:`synthetic_quality` measured.

    Attributes
    ----------
    columns : DataFrame
        One row per column: ``kind``, ``metric`` (``"kolmogorov_smirnov"`` or
        ``"total_variation"``), ``distance`` (0 = same distribution, 1 =
        disjoint), ``missing_real`` and ``missing_synthetic`` (shares).
    correlations : DataFrame
        One row per pair of columns: ``measure`` (Spearman, Cramer's V or the
        correlation ratio), its value on ``real`` and ``synthetic`` rows and
        the absolute ``difference``.
    two_sample_auc : float
        Cross-validated ROC-AUC of a gradient-boosting model telling real rows
        from synthetic ones: 0.5 means it cannot, 1.0 means it always can.
        NaN when there are fewer than 5 rows on a side.
    distance_to_closest_real : ndarray
        For each synthetic row, the distance to the nearest real row (numbers
        by rank in [0, 1], categories 1 apart).
    near_copy_threshold : float
        A synthetic row at or below this distance is a near-copy.
    near_copy_share : float
        The share of synthetic rows that are near-copies of a real row.
    """

    columns: pd.DataFrame
    correlations: pd.DataFrame
    two_sample_auc: float
    distance_to_closest_real: np.ndarray
    near_copy_threshold: float
    near_copy_share: float
    n_real: int
    n_synthetic: int

    @property
    def summary(self) -> pd.Series:
        """The headline numbers in one Series."""
        return pd.Series({
            "mean_column_distance": float(self.columns["distance"].mean()) if len(self.columns) else np.nan,
            "max_column_distance": float(self.columns["distance"].max()) if len(self.columns) else np.nan,
            "mean_correlation_difference": (float(self.correlations["difference"].mean())
                                            if len(self.correlations) else np.nan),
            "two_sample_auc": self.two_sample_auc,
            "median_distance_to_closest_real": (float(np.median(self.distance_to_closest_real))
                                                if len(self.distance_to_closest_real) else np.nan),
            "near_copy_share": self.near_copy_share,
            "n_real": self.n_real,
            "n_synthetic": self.n_synthetic,
        })

    def __repr__(self) -> str:
        lines = [f"SyntheticQuality({self.n_synthetic} synthetic rows vs {self.n_real} real rows)"]
        lines += [f"  {name}: {value:.4g}" for name, value in self.summary.items() if name not in ("n_real", "n_synthetic")]
        return "\n".join(lines)


def _check_frames(real, synthetic, target):
    frames = []
    for name, frame in (("real", real), ("synthetic", synthetic)):
        if isinstance(frame, pd.Series):
            raise ValueError(f"{name} must be 2-D, got a Series; use {name}.to_frame().")
        if not isinstance(frame, pd.DataFrame):
            array = np.asarray(frame)
            if array.ndim != 2:
                raise ValueError(f"{name} must be a 2-D table (DataFrame or array), got shape {array.shape}.")
            frame = pd.DataFrame(array)
        if len(frame) == 0:
            raise ValueError(f"{name} is empty: it has no rows.")
        frames.append(frame.reset_index(drop=True))
    real, synthetic = frames
    if list(real.columns) != list(synthetic.columns):
        missing = [c for c in real.columns if c not in set(synthetic.columns)]
        extra = [c for c in synthetic.columns if c not in set(real.columns)]
        raise ValueError(
            f"real and synthetic must have the same columns in the same order; missing from synthetic: "
            f"{missing[:5]}, not in real: {extra[:5]}."
        )
    if target is not None and target not in real.columns:
        raise ValueError(f"target {target!r} is not a column of real; the columns are {list(real.columns)[:10]}.")
    return real, synthetic


def synthetic_quality(real, synthetic, target=None, *, near_copy_ratio=0.1, random_state=0) -> SyntheticQuality:
    """Measure how well synthetic rows imitate real ones, and whether they copy them.

    Works on any synthetic rows - from :class:`GenerativeOverSampler`, SMOTE,
    random over-sampling or another tool.

    * **Per-column distances**: the Kolmogorov-Smirnov statistic for numeric
      columns (missing values left out; the missing shares are reported
      beside it), the total variation distance for the others (missing values
      as a category). 0 is the same distribution.
    * **Pairwise associations**: Spearman correlation (two numbers), Cramer's
      V (two categories) or the correlation ratio (one of each), on real and
      on synthetic rows, and the absolute difference.
    * **Classifier two-sample test**: the cross-validated ROC-AUC of a
      gradient-boosting model asked to tell real rows from synthetic ones
      (0.5: it cannot).
    * **Distance to the closest real record** for each synthetic row, with
      numbers measured by rank (each column spans [0, 1]) and categories one
      apart; a synthetic row is a **near-copy** when that distance is at most
      ``near_copy_ratio`` times the median distance between a real row and its
      nearest other real row (exact copies always count). Near-copies leak the
      real rows they copy - a privacy risk - and add nothing a copy would not.

    With ``target``, the rows are compared class by class: each synthetic
    row's class is compared with the real rows of that class (distances and
    associations are averaged over the synthetic classes, weighted by their
    synthetic rows; the two-sample test knows the class). Distances to the
    closest real record are always to *any* real row.

    Parameters
    ----------
    real, synthetic : DataFrame or 2-D array
        The same columns in the same order.
    target : column name, optional
        The class column of both tables.
    near_copy_ratio : float, default=0.1
        See above.
    random_state : int, default=0
        Seeds the two-sample test's folds and sub-sampling.

    Returns
    -------
    SyntheticQuality
        With ``summary``, a Series of the headline numbers.

    Examples
    --------
    Random over-sampling copies rows, which the near-copy share shows:

    >>> import numpy as np, pandas as pd
    >>> from datafix import synthetic_quality
    >>> rng = np.random.default_rng(0)
    >>> real = pd.DataFrame({"x": rng.normal(size=300), "colour": rng.choice(["red", "blue"], 300)})
    >>> copies = real.sample(100, replace=True, random_state=0)
    >>> fresh = pd.DataFrame({"x": rng.normal(size=100), "colour": rng.choice(["red", "blue"], 100)})
    >>> synthetic_quality(real, copies).near_copy_share
    1.0
    >>> report = synthetic_quality(real, fresh)
    >>> report.near_copy_share < 0.2, 0.3 < report.two_sample_auc < 0.7
    (True, True)
    """
    if not isinstance(near_copy_ratio, Real) or not 0 <= near_copy_ratio:
        raise ValueError(f"near_copy_ratio must be a non-negative number, got {near_copy_ratio!r}.")
    real, synthetic = _check_frames(real, synthetic, target)

    if target is not None:
        real_groups = _as_text(real[target])
        synthetic_groups = _as_text(synthetic[target])
        unknown = sorted(set(synthetic_groups) - set(real_groups))
        if unknown:
            raise ValueError(f"synthetic has classes {unknown[:5]} that real does not; both need the same labels.")
        features = [c for c in real.columns if c != target]
    else:
        real_groups = np.zeros(len(real), dtype=object).astype(str)
        synthetic_groups = np.zeros(len(synthetic), dtype=object).astype(str)
        features = list(real.columns)
    real_features, synthetic_features = real[features], synthetic[features]

    groups, group_sizes = np.unique(synthetic_groups, return_counts=True)
    group_weights = group_sizes / group_sizes.sum()
    column_rows = []
    for name in features:
        distances, missing_real, missing_synthetic, metric = [], [], [], None
        for group in groups:
            real_part = real_features.loc[real_groups == group, name]
            synthetic_part = synthetic_features.loc[synthetic_groups == group, name]
            metric, distance = _column_distance(real_part, synthetic_part)
            distances.append(distance)
            missing_real.append(real_part.isna().mean())
            missing_synthetic.append(synthetic_part.isna().mean())
        column_rows.append({
            "column": name, "kind": "categorical" if is_categorical(real[name]) else "numeric", "metric": metric,
            "distance": float(np.dot(group_weights, distances)),
            "missing_real": float(np.dot(group_weights, missing_real)),
            "missing_synthetic": float(np.dot(group_weights, missing_synthetic)),
        })
    columns = pd.DataFrame(column_rows, columns=["column", "kind", "metric", "distance", "missing_real",
                                                 "missing_synthetic"]).set_index("column")

    pair_rows = []
    for i, a in enumerate(features):
        for b in features[i + 1:]:
            real_values, synthetic_values, measure = [], [], None
            for group in groups:
                measure, r = _association(real_features.loc[real_groups == group], a, b)
                _, s = _association(synthetic_features.loc[synthetic_groups == group], a, b)
                real_values.append(r)
                synthetic_values.append(s)
            r, s = float(np.dot(group_weights, real_values)), float(np.dot(group_weights, synthetic_values))
            difference = float(np.dot(group_weights, np.abs(np.subtract(real_values, synthetic_values))))
            pair_rows.append({"column_a": a, "column_b": b, "measure": measure, "real": r, "synthetic": s,
                              "difference": difference})
    correlations = pd.DataFrame(pair_rows, columns=["column_a", "column_b", "measure", "real", "synthetic",
                                                    "difference"])

    auc = _two_sample_auc(real_features, synthetic_features, real_groups, synthetic_groups, random_state)

    real_rows = RealRows(real_features, near_copy_ratio)
    closest, _ = real_rows.closest(synthetic_features)
    near_copies = real_rows.is_near_copy(closest)
    return SyntheticQuality(columns=columns, correlations=correlations, two_sample_auc=auc,
                            distance_to_closest_real=closest, near_copy_threshold=real_rows.threshold,
                            near_copy_share=float(near_copies.mean()), n_real=len(real), n_synthetic=len(synthetic))
