"""GenerativeOverSampler: new minority rows from a conditional GAN or VAE, as a fix."""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import pandas as pd

from .._compat import Interval, StrOptions
from .._deprecation import keyword_only_after
from .._optional import import_optional
from ..base import BaseFix, Resampled
from ._quality import RealRows
from ._transformer import TableTransformer, generator_column_kinds

__all__ = ["GenerativeOverSampler"]

# optimiser steps that ``epochs=None`` aims for, measured to keep 10k x 20 mixed well under a minute
# on two CPU cores (see benchmarks/generative.py)
_AUTO_STEPS = {"ctgan": 500, "tvae": 1000}
_MAX_AUTO_EPOCHS = 300
#: A generated row this close to a real one is a near-copy (see :class:`RealRows`), drawn again up to
#: ``_MAX_REDRAWS`` times.
_NEAR_COPY_RATIO = 0.1
_MAX_REDRAWS = 10
_BYTES_PER_CELL = 64  # a synthetic cell held as a Python object in the decoded frame, generously


@contextmanager
def _torch_session(torch, device: str, seed: int):
    """A forked torch random state seeded with ``seed`` and, on CPU, one torch thread.

    The networks are small (a few hundred units): on the shared two-core
    machine where they were measured, one thread ran a training step 3-6x
    faster than two, which spent their time waiting for each other. One
    thread also makes CPU results independent of the machine's core count.
    """
    threads = torch.get_num_threads()
    with torch.random.fork_rng(devices=[] if device == "cpu" else None):
        torch.manual_seed(seed)
        if device == "cpu":
            torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(threads)


def _available_memory() -> int | None:
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


class GenerativeOverSampler(BaseFix):
    """Over-sample classes with rows drawn from a conditional generative model.

    One model learns the joint distribution of the features conditioned on the
    class, from the rows of **every** class, and then draws the rows each class
    needs. Because the model is shared, a class with a dozen rows borrows the
    column structure (modes, categories, missing values) learnt from the
    others - where SMOTE, which interpolates between a row and its
    neighbours, needs more rows in the class than neighbours and copies the
    categorical values of neighbours.

    Two generators, both written for datafix on torch (MIT):

    ``"ctgan"``
        A conditional GAN in the manner of CTGAN (Xu et al., 2019, "Modeling
        Tabular Data using Conditional GAN"): mode-specific normalisation of
        numeric columns, one-hot categorical columns with a conditional vector
        and training-by-sampling, a PacGAN critic with the WGAN-GP gradient
        penalty.
    ``"tvae"``
        A conditional variational autoencoder in the manner of TVAE (same
        paper): usually faster and steadier on small tables.

    Mixed DataFrames go in as they are. Numeric, integer, categorical
    (object, string, category) and boolean columns come back with their dtypes;
    categories stay within the seen set; numbers stay within each column's
    seen range; integer columns (and float columns whose seen values are all
    whole numbers) get whole numbers. Missing values are learnt per class and
    generated (a numeric column gets a "missing" switch, a categorical one a
    "missing" category). A column with a single value is written back as that
    value; a column with no values at all stays missing in synthetic rows.
    ``inf`` is an error (replace it with NaN first).

    Generated rows never copy a training row: a row that lands as close to a
    real row as :func:`datafix.synthetic_quality` calls a near-copy (at most
    a tenth of the median distance between neighbouring real rows) is drawn
    again, up to 10 times; ``n_near_copies_`` counts any left after that.

    Parameters
    ----------
    generator : {"tvae", "ctgan"}, default="tvae"
        The model. The VAE is the default because it was the better of the
        two on the tuning half of ``benchmarks/generative.py`` (downstream
        balanced accuracy and PR-AUC on mixed-type tables, fewer rows a
        classifier can tell from real ones) and trains in less than half the
        GAN's time; see the user guide for both halves.
    sampling_strategy : float, str, dict or callable, default="auto"
        How many rows each class should have after over-sampling, as in
        imbalanced-learn: ``"auto"`` / ``"not majority"`` (every class up to the
        majority's count), ``"minority"``, ``"not minority"``, ``"all"``, a
        float (minority / majority ratio, two classes only), a dict
        ``{class: target count}`` or a callable ``y -> dict``.
    epochs : int or None, default=None
        Passes over the training rows (one pass is ``ceil(n_rows /
        batch_size)`` optimiser steps). ``None`` picks enough passes for about
        500 steps (``"ctgan"``) or 1000 steps (``"tvae"``), at most 300
        passes (training times: ``benchmarks/generative.py timing`` and the
        user guide).
    batch_size : int, default=500
        Rows per optimiser step and per generation chunk. It is lowered to the
        number of training rows on small tables and, for ``"ctgan"``, rounded
        down to a multiple of 10 (the critic scores packs of 10 rows). Rows
        are generated ``batch_size`` at a time, so a large request never
        needs more network memory than one batch.
    random_state : int, RandomState instance or None, default=None
        Seeds numpy and torch (in a forked torch random state, so the caller's
        global torch seed is untouched). On CPU the same seed gives identical
        rows.
    device : str, default="cpu"
        Where torch trains: ``"cpu"``, ``"cuda"`` (``"cuda:1"``...) or
        ``"auto"`` (CUDA when torch sees a GPU, else CPU). ``"cuda"`` without a
        GPU is an error. GPU runs are not bit-for-bit reproducible.
    verbose : bool, default=False
        Progress (one line per epoch) on stderr.

    Attributes
    ----------
    sampling_strategy_ : dict
        ``{class: number of rows generated}``.
    generator_ : object
        The fitted network (``ConditionalGAN`` or ``ConditionalVAE``).
    column_kinds_ : dict
        How each column was modelled: ``"continuous"``, ``"categorical"``,
        ``"constant"`` or ``"empty"``.
    epochs_ : int
        The number of passes trained.
    fit_time_ : float
        Seconds spent training the network (the mixtures of the numeric
        columns included).
    n_near_copies_ : int
        Generated rows still near-copies of a training row after 10 draws
        (usually 0).
    source_indices_ : ndarray of int
        Provenance. Input rows first, in order, then the synthetic rows. A
        generated row has no source row; its entry is the **nearest real row
        of its class** (in the distance of :func:`synthetic_quality`), so it
        always points at a row of the right class.
    is_synthetic_ : ndarray of bool
        True for generated rows.

    Notes
    -----
    **Weights.** Input rows keep their weights. A generated row has no
    source row, so it follows datafix's unknown-source rule: it gets the mean
    weight of the input rows of its class (a class's mean weight is
    unchanged). Weights also steer training: within a class, a row is drawn
    into a batch with probability proportional to its weight.

    **Few rows.** Every class to over-sample needs at least 2 rows (1 row is
    an error: anything generated would be that row or noise). From about 10
    rows up the shared model gives usable rows; check them with
    :func:`synthetic_quality`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from datafix import GenerativeOverSampler
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"amount": rng.gamma(2.0, 50.0, 200).round(2),
    ...                   "channel": rng.choice(["web", "shop", "phone"], 200),
    ...                   "items": rng.integers(1, 6, 200)})
    >>> y = np.r_[np.zeros(180, int), np.ones(20, int)]
    >>> sampler = GenerativeOverSampler(generator="tvae", epochs=5, random_state=0)
    >>> X_out, y_out = sampler.fit_resample(X, y)
    >>> np.bincount(y_out), int(sampler.is_synthetic_.sum())
    (array([180, 180]), 160)
    >>> X_out.dtypes.equals(X.dtypes), set(X_out["channel"]) <= {"web", "shop", "phone"}
    (True, True)
    """

    _parameter_constraints = {
        "generator": [StrOptions({"ctgan", "tvae"})],
        "sampling_strategy": [Interval(Real, 0, 1, closed="right"), str, dict, callable],
        "epochs": [Interval(Integral, 1, None, closed="left"), None],
        "batch_size": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
        "device": [str],
        "verbose": ["boolean"],
    }
    _allow_sparse = False

    @keyword_only_after
    def __init__(self, generator="tvae", *, sampling_strategy="auto", epochs=None, batch_size=500,
                 random_state=None, device="cpu", verbose=False):
        self.generator = generator
        self.sampling_strategy = sampling_strategy
        self.epochs = epochs
        self.batch_size = batch_size
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    # ------------------------------------------------------------------ checks (before any work)

    def _check_device(self, torch):
        device = self.device
        if device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        if device.startswith("cuda"):
            if not torch.cuda.is_available():
                raise ValueError(f"device={device!r} but torch sees no CUDA GPU; use device='cpu' or 'auto'.")
            return device
        if device in ("cpu", "mps"):
            return device
        raise ValueError(f"device must be 'cpu', 'cuda', 'cuda:<n>', 'mps' or 'auto', got {device!r}.")

    @staticmethod
    def _as_frame(X) -> pd.DataFrame:
        if isinstance(X, pd.DataFrame):
            return X.reset_index(drop=True)
        return pd.DataFrame(np.asarray(X))

    @staticmethod
    def _check_columns(frame: pd.DataFrame):
        for name in frame.columns:
            series = frame[name]
            dtype = series.dtype
            if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
                raise ValueError(
                    f"X column {name!r} holds dates or durations ({dtype}), which GenerativeOverSampler does not "
                    f"model; convert it to numbers (e.g. days since a reference date) first."
                )
            if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
                values = series.to_numpy(dtype=np.float64, na_value=np.nan)
                if np.isinf(values).any():
                    raise ValueError(
                        f"X column {name!r} has {int(np.isinf(values).sum())} infinite values, which cannot be "
                        f"generated; replace them with NaN (missing values are modelled) or a finite number."
                    )

    def _targets(self, y) -> dict:
        from imblearn.utils import check_sampling_strategy

        targets = check_sampling_strategy(self.sampling_strategy, y, "over-sampling")
        return {label: int(count) for label, count in targets.items()}

    # ------------------------------------------------------------------ the hook

    def _fit_resample(self, X, y, sample_weight):
        targets = self._targets(y)
        classes, counts = np.unique(y, return_counts=True)
        count_of = dict(zip(classes.tolist(), counts.tolist()))
        too_small = [label for label, n_new in targets.items() if n_new > 0 and count_of[label] < 2]
        if too_small:
            label = too_small[0]
            raise ValueError(
                f"class {label!r} has {count_of[label]} row but GenerativeOverSampler needs at least 2 rows in each "
                f"class it over-samples; drop the class or leave it out (sampling_strategy={{class: count}})."
            )
        frame = self._as_frame(X)
        self._check_columns(frame)
        n_new_total = sum(targets.values())
        memory = _available_memory()
        needed = n_new_total * max(frame.shape[1], 1) * _BYTES_PER_CELL
        if memory is not None and needed > memory:
            raise ValueError(
                f"sampling_strategy asks for {n_new_total} new rows x {frame.shape[1]} columns (about "
                f"{needed / 2**30:.1f} GiB as decoded rows) but about {memory / 2**30:.1f} GiB of memory is free; "
                f"ask for fewer rows (a dict sampling_strategy) or generate in parts with sample()."
            )
        torch = import_optional("torch", "torch")
        device = self._check_device(torch)
        self.column_kinds_ = generator_column_kinds(frame)
        self.sampling_strategy_ = targets
        if n_new_total == 0:
            self.epochs_ = 0
            self.fit_time_ = 0.0
            return Resampled(np.arange(len(y)))

        self._fit_generator(frame, y, sample_weight, device, torch)
        self._classes_list = classes.tolist()
        parts, labels = [], []
        real_rows = RealRows(frame, _NEAR_COPY_RATIO)
        self.n_near_copies_ = 0
        with _torch_session(torch, device, int(self._rng.integers(2**63 - 1))):
            for label, n_new in targets.items():
                if n_new:
                    part, redrawn = self._sample_without_near_copies(label, n_new, real_rows)
                    parts.append(part)
                    labels.append(np.full(n_new, label, dtype=object))
                    self.n_near_copies_ += redrawn
        synthetic = pd.concat(parts, ignore_index=True)
        y_new = np.concatenate(labels).astype(y.dtype)
        sources = self._nearest_real_rows(real_rows, y, synthetic, y_new)
        n_in = len(y)
        source_indices = np.r_[np.arange(n_in), sources]
        is_synthetic = np.r_[np.zeros(n_in, bool), np.ones(len(sources), bool)]
        weights_out = None
        if sample_weight is not None:
            class_codes = np.searchsorted(classes, y)
            class_means = np.bincount(class_codes, weights=sample_weight) / np.bincount(class_codes)
            weights_out = np.r_[sample_weight, class_means[np.searchsorted(classes, y_new)]]
        X_synthetic = synthetic if isinstance(X, pd.DataFrame) else synthetic.to_numpy()
        return Resampled(source_indices, y=np.r_[y, y_new], sample_weight=weights_out, is_synthetic=is_synthetic,
                         X_synthetic=X_synthetic)

    def _fit_generator(self, frame, y, sample_weight, device, torch):
        from sklearn.utils import check_random_state

        from ._networks import ConditionalGAN, ConditionalVAE  # imports torch, an optional dependency

        seed = check_random_state(self.random_state).randint(2**31 - 1)
        self._rng = np.random.default_rng(seed)
        start = time.perf_counter()
        classes, codes = np.unique(y, return_inverse=True)
        transformer = TableTransformer(self._rng).fit(frame)
        data = transformer.transform(frame)
        n_rows = len(frame)
        batch = min(self.batch_size, n_rows)
        if self.generator == "ctgan":
            pac = ConditionalGAN.pac
            batch = max(pac, batch // pac * pac)
        steps_per_epoch = int(np.ceil(n_rows / batch))
        epochs = self.epochs
        if epochs is None:
            epochs = int(np.clip(round(_AUTO_STEPS[self.generator] / steps_per_epoch), 1, _MAX_AUTO_EPOCHS))
        model_class = ConditionalGAN if self.generator == "ctgan" else ConditionalVAE
        model = model_class(transformer, len(classes), epochs=epochs, batch_size=batch, device=device,
                            rng=self._rng, verbose=self.verbose)
        with _torch_session(torch, device, int(self._rng.integers(2**63 - 1))):
            model.fit(data, codes, sample_weight)
        self.generator_ = model
        self.epochs_ = epochs
        self.fit_time_ = time.perf_counter() - start

    def _sample_without_near_copies(self, label, n_rows, real_rows):
        """``n_rows`` generated rows of ``label``; near-copies of real rows are drawn again, up to
        ``_MAX_REDRAWS`` times. Returns the rows and how many near-copies remain after the last draw."""
        code = self._classes_list.index(label)
        rows = self.generator_.sample(code, n_rows, self._rng)
        near = real_rows.is_near_copy(real_rows.closest(rows)[0])
        for _ in range(_MAX_REDRAWS):
            if not near.any():
                break
            fresh = self.generator_.sample(code, int(near.sum()), self._rng)
            rows = pd.concat([rows[~near], fresh], ignore_index=True)
            near = np.r_[np.zeros(int((~near).sum()), bool), real_rows.is_near_copy(real_rows.closest(fresh)[0])]
        return rows, int(near.sum())

    def _nearest_real_rows(self, real_rows, y, synthetic, y_new) -> np.ndarray:
        sources = np.empty(len(y_new), dtype=np.intp)
        for label in pd.unique(y_new):  # a loop over classes
            where = np.flatnonzero(y_new == label)
            sources[where] = real_rows.closest(synthetic.iloc[where], rows=np.flatnonzero(y == label))[1]
        return sources

    # ------------------------------------------------------------------ more rows after fitting

    def sample(self, n_rows, label, random_state=None):
        """Draw ``n_rows`` new rows of class ``label`` from the fitted generator.

        The rows are the model's draws as they come: ``fit_resample``'s redraw
        of near-copies does not apply here (the sampler keeps no training
        rows); check them with :func:`datafix.synthetic_quality`.

        Parameters
        ----------
        n_rows : int
            How many rows; they are generated ``batch_size`` at a time.
        label : a class seen in ``fit_resample``
        random_state : int or None
            Seed for these rows; ``None`` continues the fitted sampler's stream.

        Returns
        -------
        DataFrame with the training columns and dtypes (for array input, the
        columns are numbered).
        """
        if not hasattr(self, "generator_"):
            raise ValueError("GenerativeOverSampler is not fitted (or generated no rows); call fit_resample first.")
        if label not in self._classes_list:
            raise ValueError(f"label {label!r} is not one of the classes seen in fit: {self._classes_list}.")
        if not isinstance(n_rows, Integral) or n_rows < 0:
            raise ValueError(f"n_rows must be a non-negative integer, got {n_rows!r}.")
        torch = import_optional("torch", "torch")
        rng = self._rng if random_state is None else np.random.default_rng(random_state)
        device = str(self.generator_.device)
        with _torch_session(torch, device, int(rng.integers(2**63 - 1))):
            return self.generator_.sample(self._classes_list.index(label), int(n_rows), rng)
