"""The preprocessing a raw table needs before a model: column kinds, imputation, encoding, scaling.

:func:`make_preprocessing` builds it from scikit-learn's ``ColumnTransformer``
in two stages, so fixes can sit between them:

1. **cleaning** (``imputer``): numeric and boolean columns become float with
   ``inf`` turned into missing and missing values replaced by the column's
   training median; every other column becomes text with missing values as a
   category of their own (``"<missing>"``). The output is a DataFrame with the
   input's column names and no missing values, so every fix can read it:
   :class:`~datafix.LabelCleaner`, class weights, random samplers and the
   SMOTE family (SMOTE-NC and SMOTE-N get the text columns by name).
2. **encoding** (``encoder``): categorical columns one-hot encoded (at most
   ``MAX_ONE_HOT`` categories per column, rarer ones pooled as infrequent,
   unseen ones ignored at predict time) and numeric columns standardised
   unless the model is a tree ensemble, for which scaling changes nothing.

A NumPy array gets median imputation (``inf`` as missing) and, for models
that need it, scaling.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, MaxAbsScaler, OneHotEncoder, StandardScaler

from ._tabular import MAX_ONE_HOT, is_numeric_column

__all__ = ["make_preprocessing", "split_columns", "categories_as_text", "needs_scaling", "MAX_ONE_HOT"]

MISSING_CATEGORY = "<missing>"

# Model families whose fitted function does not change when a numeric column is rescaled.
_SCALE_FREE_MODULES = ("sklearn.tree", "sklearn.ensemble", "lightgbm", "xgboost", "catboost")


def split_columns(frame: pd.DataFrame):
    """Numeric (and boolean) columns, and every other column (treated as categorical).

    Examples
    --------
    >>> import pandas as pd
    >>> from datafix.preprocessing import split_columns
    >>> split_columns(pd.DataFrame({"a": [1.0], "b": ["x"], "c": [True]}))
    (['a', 'c'], ['b'])
    """
    numeric = [column for column in frame.columns if is_numeric_column(frame[column])]
    categorical = [column for column in frame.columns if column not in set(numeric)]
    return numeric, categorical


def categories_as_text(frame):
    """Categorical values as text, missing values as one category of their own (``"<missing>"``).

    Examples
    --------
    >>> import pandas as pd
    >>> from datafix.preprocessing import categories_as_text
    >>> categories_as_text(pd.DataFrame({"c": ["a", None, 3]}))["c"].tolist()
    ['a', '<missing>', '3']
    """
    frame = pd.DataFrame(frame)
    result = {}
    for column in frame.columns:
        values = frame[column].astype(object)
        missing = values.isna().to_numpy()
        text = values.astype(str).to_numpy(dtype=object)
        text[missing] = MISSING_CATEGORY
        result[column] = text
    return pd.DataFrame(result, index=frame.index)


def numeric_as_float(frame):
    """Numeric columns as float64, with ``inf`` and ``-inf`` turned into missing values."""
    values = pd.DataFrame(frame).astype("float64")
    return values.mask(np.isinf(values.to_numpy()))


def needs_scaling(estimator) -> bool:
    """Whether ``estimator``'s fit depends on the scale of numeric columns (tree models do not).

    Examples
    --------
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from sklearn.linear_model import LogisticRegression
    >>> from datafix.preprocessing import needs_scaling
    >>> needs_scaling(LogisticRegression()), needs_scaling(RandomForestClassifier())
    (True, False)
    """
    if estimator is None:
        return True
    final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    return not type(final).__module__.startswith(_SCALE_FREE_MODULES)


def _numeric_cleaner():
    return make_pipeline(
        FunctionTransformer(numeric_as_float, feature_names_out="one-to-one"),
        SimpleImputer(strategy="median", keep_empty_features=True),
    )


def make_preprocessing(X, estimator=None, *, scale=None):
    """The two preprocessing steps a raw table needs before ``estimator``: ``(imputer, encoder)``.

    Put fixes between them: ``make_pipeline(imputer, *fixes, encoder, estimator)``
    fits the raw DataFrame, strings and missing values included, and every
    fix sees complete rows with the original columns (see the module
    documentation for what each stage does).

    Parameters
    ----------
    X : DataFrame, ndarray or sparse matrix
        The data the pipeline will be fitted on; only its column names and
        types are read.
    estimator : estimator, optional
        The model that follows; decides whether numeric columns are scaled.
    scale : bool, optional
        Force scaling on or off; ``None`` decides by ``estimator``
        (:func:`needs_scaling`).

    Returns
    -------
    imputer, encoder : transformers
        Unfitted. ``encoder`` is ``"passthrough"`` where nothing is left to do.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> import datafix as dfx
    >>> from datafix.preprocessing import make_preprocessing
    >>> frame = pd.DataFrame({"size": [1.0, np.nan, 3.0, np.inf] * 5, "colour": ["red", "blue", None, "red"] * 5})
    >>> y = [0, 1, 0, 1] * 5
    >>> imputer, encoder = make_preprocessing(frame, LogisticRegression())
    >>> pipe = dfx.make_pipeline(imputer, dfx.ClassWeighter(), encoder, LogisticRegression())
    >>> pipe.fit(frame, y).predict(frame).shape
    (20,)
    """
    scale = needs_scaling(estimator) if scale is None else bool(scale)
    if sp.issparse(X):
        return "passthrough", MaxAbsScaler() if scale else "passthrough"
    if not isinstance(X, pd.DataFrame):
        imputer = _numeric_cleaner()
        return imputer, StandardScaler() if scale else "passthrough"
    numeric, categorical = split_columns(X)
    cleaning, encoding = [], []
    if numeric:
        cleaning.append(("numeric", _numeric_cleaner(), numeric))
        encoding.append(("numeric", StandardScaler() if scale else "passthrough", numeric))
    if categorical:
        cleaning.append(("categorical", FunctionTransformer(categories_as_text, feature_names_out="one-to-one"),
                         categorical))
        encoding.append((
            "categorical",
            OneHotEncoder(handle_unknown="infrequent_if_exist", max_categories=MAX_ONE_HOT, sparse_output=False),
            categorical,
        ))
    imputer = ColumnTransformer(cleaning, verbose_feature_names_out=False).set_output(transform="pandas")
    encoder = ColumnTransformer(encoding, sparse_threshold=0, verbose_feature_names_out=False)
    return imputer, encoder
