"""Label errors: out-of-fold probabilities, :func:`find_label_issues` and :class:`LabelCleaner`."""

from ._encoding import encode_for_neighbors, make_default_estimator
from .cleaner import LabelCleaner
from .issues import find_label_issues
from .out_of_fold import out_of_fold_proba

__all__ = [
    "LabelCleaner",
    "encode_for_neighbors",
    "find_label_issues",
    "make_default_estimator",
    "out_of_fold_proba",
]
