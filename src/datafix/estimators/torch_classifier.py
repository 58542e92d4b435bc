"""TorchClassifier: a scikit-learn classifier that trains a torch module through skorch.

torch and skorch are imported when the classifier is fitted, never when this
module is imported.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._compat import Interval, StrOptions, validate_params
from .._optional import import_optional
from ..validation import check_features, check_labels, check_sample_weight
from ..weighting import compute_class_weights

__all__ = ["TorchClassifier", "LOSSES"]

LOSSES = ("focal", "cross_entropy")


def _reject_complex(X, name="X") -> None:
    if getattr(X, "dtype", None) is not None and np.dtype(X.dtype).kind == "c":
        raise ValueError(f"Complex data not supported: {name} has complex values; pass real numbers.")


def _check_nd_features(X, name="X") -> np.ndarray:
    """Features for a user's module: 2-D tables as usual, or numeric arrays of any rank (images)."""
    _reject_complex(X, name)
    if isinstance(X, pd.DataFrame) or np.ndim(X) <= 2 or hasattr(X, "tocsr"):
        X = check_features(X, name=name, numeric=True, allow_nan=False, allow_sparse=False)
        return np.array(X.to_numpy(dtype=np.float32) if isinstance(X, pd.DataFrame) else X, dtype=np.float32, copy=True)
    values = np.asarray(X)
    if values.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric, got dtype {values.dtype}; convert it (e.g. X.astype('float32')).")
    if values.shape[0] == 0:
        raise ValueError(f"{name} is empty: it has no rows.")
    values = values.astype(np.float32)  # a new array: the caller's is never touched
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name} has NaN or infinite values; the network needs finite inputs.")
    return values


class TorchClassifier(ClassifierMixin, BaseEstimator):
    """A neural-network classifier for scikit-learn pipelines, trained with focal loss or cross-entropy.

    Built on skorch (training loop, batching, early stopping, devices). By
    default it trains a multi-layer perceptron on a 2-D feature table; pass
    ``module`` to train your own torch network (a CNN on images of shape
    ``(n, channels, height, width)``, say). ``fit`` takes ``sample_weight``,
    so weight-producing fixes (:class:`~datafix.ClassWeighter`, label
    cleaning with down-weighting, label smoothing, mixup) work in front of
    it inside :class:`datafix.Pipeline`; ``predict_proba`` always returns
    softmax probabilities.

    Each batch's loss is ``mean(sample_weight * loss_per_row)``: an unbiased
    estimate of the weighted training loss, so weights with mean 1 (as
    :class:`~datafix.ClassWeighter` produces) keep the learning rate's
    meaning. ``class_weight`` and ``alpha`` multiply each row's loss on top.

    Parameters
    ----------
    module : torch.nn.Module, callable or None, default=None
        ``None``: an MLP with ``hidden_layer_sizes`` and ReLU. A module
        instance is deep-copied at ``fit`` (the original is never trained).
        A callable is called as ``module(input_shape=X.shape[1:],
        n_classes=K)`` inside the seeded context and must return a module.
        Either way the module maps a float32 batch to logits of shape
        ``(batch, n_classes)``.
    loss : {"focal", "cross_entropy"}, default="focal"
        :class:`datafix.losses.FocalLoss` or :class:`torch.nn.CrossEntropyLoss`.
    gamma : float >= 0, default=2.0
        Focal loss focusing parameter (ignored for cross-entropy).
    alpha : float in [0, 1], sequence or None, default=None
        Focal loss balancing factor: one per class (in the order of
        ``classes_``), or a float for two classes (the second class gets
        ``alpha``, the first ``1 - alpha``). Focal loss only.
    label_smoothing : float in [0, 1], default=0.0
        torch's label smoothing, for both losses.
    class_weight : "balanced", dict or None, default=None
        Per-class weights of the loss (torch's ``weight``); "balanced" as in
        :func:`datafix.compute_class_weights`.
    hidden_layer_sizes : tuple of int, default=(100,)
        The default MLP's hidden layers; ``()`` gives a linear model.
    dropout : float in [0, 1), default=0.0
        Dropout after each hidden layer of the default MLP.
    max_epochs : int, default=100
    batch_size : int, default=128
    lr : float, default=1e-3
        Adam's learning rate.
    weight_decay : float, default=0.0
        Adam's weight decay (L2 penalty).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training rows (stratified) and
        stop when the validation loss has not improved for
        ``n_iter_no_change`` epochs; the best epoch's weights are kept.
    validation_fraction : float in (0, 1), default=0.1
    n_iter_no_change : int, default=10
    device : str, default="cpu"
        A torch device, e.g. "cuda".
    random_state : int, RandomState or None, default=None
        Seeds weight initialisation, shuffling, dropout and the validation
        split; the global torch random state is left as it was.
    verbose : bool, default=False
        Print a table of losses per epoch on stderr.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    net_ : skorch.NeuralNet
        The fitted skorch net (its ``history`` holds the losses per epoch).
    module_ : torch.nn.Module
        The trained network.
    n_epochs_ : int
        Epochs run (fewer than ``max_epochs`` after early stopping).
    n_features_in_ : int
        For 2-D inputs.
    feature_names_in_ : ndarray of str
        When fitted on a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.preprocessing import StandardScaler
    >>> from datafix import ClassWeighter, TorchClassifier, make_pipeline
    >>> X, y = make_classification(n_samples=200, weights=[0.9], random_state=0)
    >>> model = make_pipeline(
    ...     StandardScaler(), ClassWeighter(),
    ...     TorchClassifier(loss="focal", hidden_layer_sizes=(16,), max_epochs=3, random_state=0),
    ... )
    >>> probabilities = model.fit(X, y).predict_proba(X)
    >>> probabilities.shape, bool(np.allclose(probabilities.sum(axis=1), 1))
    ((200, 2), True)
    """

    _parameter_constraints = {
        "module": [None, callable],
        "loss": [StrOptions(set(LOSSES))],
        "gamma": [Interval(Real, 0, None, closed="left")],
        "alpha": [None, Interval(Real, 0, 1, closed="both"), "array-like"],
        "label_smoothing": [Interval(Real, 0, 1, closed="both")],
        "class_weight": [None, StrOptions({"balanced"}), dict],
        "hidden_layer_sizes": ["array-like"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        module=None,
        *,
        loss="focal",
        gamma=2.0,
        alpha=None,
        label_smoothing=0.0,
        class_weight=None,
        hidden_layer_sizes=(100,),
        dropout=0.0,
        max_epochs=100,
        batch_size=128,
        lr=1e-3,
        weight_decay=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        device="cpu",
        random_state=None,
        verbose=False,
    ):
        self.module = module
        self.loss = loss
        self.gamma = gamma
        self.alpha = alpha
        self.label_smoothing = label_smoothing
        self.class_weight = class_weight
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # --- validation ------------------------------------------------------------------------

    def _check_X(self, X, *, fitting: bool) -> np.ndarray:
        if self.module is None:
            _reject_complex(X)
            checked = check_features(X, numeric=True, allow_nan=False, allow_sparse=False)
            values = checked.to_numpy(dtype=np.float32) if isinstance(checked, pd.DataFrame) else checked
            values = np.array(values, dtype=np.float32, copy=True)  # writable, and never the caller's
        else:
            values = _check_nd_features(X)
        if fitting:
            self._input_shape = values.shape[1:]
            if values.ndim == 2:
                self.n_features_in_ = values.shape[1]
            columns = getattr(X, "columns", None)
            if columns is not None and all(isinstance(c, str) for c in columns):
                self.feature_names_in_ = np.asarray(columns, dtype=object)
            elif hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
        elif values.ndim == 2 and len(self._input_shape) == 1 and values.shape[1] != self._input_shape[0]:
            raise ValueError(
                f"X has {values.shape[1]} features, but TorchClassifier is expecting {self._input_shape[0]} "
                f"features as input; pass the same columns as in fit."
            )
        elif values.shape[1:] != self._input_shape:
            raise ValueError(
                f"X has rows of shape {values.shape[1:]} but the classifier was fitted on rows of shape "
                f"{self._input_shape}; pass the same features as in fit."
            )
        return values

    def _check_options(self, n_classes: int, y):
        hidden = tuple(self.hidden_layer_sizes)
        if any(isinstance(size, bool) or not isinstance(size, Integral) or size < 1 for size in hidden):
            raise ValueError(f"hidden_layer_sizes must be positive integers, got {self.hidden_layer_sizes!r}.")
        if self.loss == "cross_entropy" and self.alpha is not None:
            raise ValueError("alpha is the focal loss balancing factor; use class_weight with loss='cross_entropy'.")
        alpha = self.alpha
        if alpha is not None:
            if isinstance(alpha, Real) and not isinstance(alpha, bool):
                if n_classes != 2:
                    raise ValueError(
                        f"alpha={alpha!r} is a single number, the binary convention; with {n_classes} classes "
                        f"give one alpha per class in the order of classes_."
                    )
                alpha = [1.0 - float(alpha), float(alpha)]
            alpha = np.asarray(alpha, dtype=np.float64)
            if alpha.ndim != 1 or len(alpha) != n_classes:
                raise ValueError(
                    f"alpha has {alpha.size} values but y has {n_classes} classes; give one alpha per class "
                    f"in the order of classes_ ({self.classes_.tolist()[:10]})."
                )
            if not np.all(np.isfinite(alpha)) or np.any(alpha < 0):
                raise ValueError(f"alpha must be finite and non-negative, got {self.alpha!r}.")
        class_weight = None
        if self.class_weight is not None:
            if isinstance(self.class_weight, Mapping):
                unknown = [c for c in self.class_weight if c not in set(self.classes_.tolist())]
                if unknown:
                    raise ValueError(f"class_weight has classes {unknown[:5]} that are not in y ({self.classes_.tolist()[:10]}).")
            weights = compute_class_weights(y, self.class_weight)
            class_weight = np.array([weights[c.item() if hasattr(c, "item") else c] for c in self.classes_])
        if self.early_stopping:
            counts = np.bincount(np.searchsorted(self.classes_, y))
            if counts.min() * self.validation_fraction < 1:
                raise ValueError(
                    f"early_stopping holds out validation_fraction={self.validation_fraction} of each class, but "
                    f"class {self.classes_[counts.argmin()]!r} has only {counts.min()} rows; raise "
                    f"validation_fraction, or set early_stopping=False."
                )
        return alpha, class_weight

    # --- fitting ---------------------------------------------------------------------------

    def _build_module(self, torch, skorch_net, n_classes: int):
        if self.module is None:
            return skorch_net.make_mlp(self._input_shape[0], n_classes, tuple(self.hidden_layer_sizes), self.dropout)
        if isinstance(self.module, torch.nn.Module):
            return copy.deepcopy(self.module)
        built = self.module(input_shape=self._input_shape, n_classes=n_classes)
        if not isinstance(built, torch.nn.Module):
            raise TypeError(
                f"module(input_shape, n_classes) must return a torch.nn.Module, got {type(built).__name__}."
            )
        return built

    def _make_net(self, torch, skorch, skorch_net, network, alpha, class_weight, seed):
        from ..losses.focal import FocalLoss  # imports torch, an optional dependency

        criterion_params = {"label_smoothing": float(self.label_smoothing), "reduction": "none"}
        if class_weight is not None:
            criterion_params["weight"] = torch.as_tensor(class_weight, dtype=torch.float32)
        if self.loss == "focal":
            criterion = FocalLoss
            criterion_params["gamma"] = float(self.gamma)
            if alpha is not None:
                criterion_params["alpha"] = alpha.tolist()
        else:
            criterion = torch.nn.CrossEntropyLoss
        callbacks = []
        train_split = None
        if self.early_stopping:
            train_split = skorch.dataset.ValidSplit(self.validation_fraction, stratified=True, random_state=seed)
            callbacks.append(
                ("early_stopping", skorch.callbacks.EarlyStopping(
                    monitor="valid_loss", patience=self.n_iter_no_change, load_best=True,
                    sink=skorch_net.print_to_stderr if self.verbose else skorch_net.discard,
                ))
            )
        return skorch_net.WeightedNeuralNet(
            module=skorch_net.InputAdapter(network),
            criterion=criterion,
            optimizer=torch.optim.Adam,
            lr=self.lr,
            optimizer__weight_decay=self.weight_decay,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            iterator_train__shuffle=True,
            train_split=train_split,
            callbacks=callbacks,
            predict_nonlinearity=skorch_net.softmax_last_dim,
            verbose=int(bool(self.verbose)),
            device=self.device,
            # skorch calls a custom sink even when not verbose: set it only when progress is wanted
            **({"callbacks__print_log__sink": skorch_net.print_to_stderr} if self.verbose else {}),
            **{f"criterion__{key}": value for key, value in criterion_params.items()},
        )

    def _check_output_shape(self, torch, X, n_classes):
        module = self.net_.module_
        was_training = module.training
        module.eval()
        with torch.no_grad():
            sample = torch.from_numpy(np.array(X[:2])).to(self.device)
            output = module(data=sample)
        module.train(was_training)
        expected = (len(sample), n_classes)
        if not isinstance(output, torch.Tensor) or tuple(output.shape) != expected:
            found = tuple(output.shape) if isinstance(output, torch.Tensor) else type(output).__name__
            raise ValueError(
                f"the module must return logits of shape (batch, n_classes) = {expected} for {len(sample)} rows "
                f"of y's {n_classes} classes, got {found}. Give the last layer {n_classes} outputs."
            )

    def fit(self, X, y, sample_weight=None):
        """Train the network on ``X``, ``y`` (and per-row weights).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features), or an array of shape (n_samples, ...)
            Any rank above 2 (images) needs a ``module`` that accepts it.
        y : array-like of shape (n_samples,)
            Class labels of any type.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weight per row; each row's loss is multiplied by it.

        Returns
        -------
        self
        """
        validate_params(self)
        torch = import_optional("torch", "torch")
        skorch = import_optional("skorch", "torch")
        from . import _skorch_net as skorch_net  # imports torch and skorch, optional dependencies

        X_values = self._check_X(X, fitting=True)
        y_values = check_labels(y, n_rows=len(X_values))
        weights = check_sample_weight(sample_weight, len(y_values))
        self.classes_, codes = np.unique(y_values, return_inverse=True)
        n_classes = len(self.classes_)
        alpha, class_weight = self._check_options(n_classes, y_values)
        if weights is None:
            weights = np.ones(len(codes))
        seed = None if self.random_state is None else int(check_random_state(self.random_state).randint(2**31 - 1))
        data = {"data": X_values, "sample_weight": weights.astype(np.float32)}
        with self._own_random_state(torch):
            if seed is not None:
                torch.manual_seed(seed)
            network = self._build_module(torch, skorch_net, n_classes)
            self.net_ = self._make_net(torch, skorch, skorch_net, network, alpha, class_weight, seed)
            self.net_.initialize()
            self._check_output_shape(torch, X_values, n_classes)
            self.net_.partial_fit(data, codes.astype(np.int64))
        self.module_ = self.net_.module_.inner
        self.n_epochs_ = len(self.net_.history)
        return self

    def _own_random_state(self, torch):
        """A context in which torch's global random state may be used and is restored afterwards."""
        cuda_devices = [torch.device(self.device).index or 0] if str(self.device).startswith("cuda") else []
        return torch.random.fork_rng(devices=cuda_devices)

    # --- prediction ------------------------------------------------------------------------

    def predict_proba(self, X):
        """Class probabilities (softmax of the logits), shape (n_samples, n_classes), in the order of ``classes_``."""
        check_is_fitted(self, "net_")
        X_values = self._check_X(X, fitting=False)
        torch = import_optional("torch", "torch")
        with self._own_random_state(torch):  # torch's DataLoader draws a seed even without shuffling
            probabilities = self.net_.predict_proba({"data": X_values})
        return np.asarray(probabilities, dtype=np.float64)

    def predict(self, X):
        """The most probable class of each row."""
        check_is_fitted(self, "net_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
