"""Fast kNN cleaning samplers that match imbalanced-learn, as datafix fixes.

``EditedNearestNeighbours``, ``RepeatedEditedNearestNeighbours``, ``AllKNN``,
``TomekLinks``, ``NeighbourhoodCleaningRule`` and ``OneSidedSelection`` take
imbalanced-learn's parameters and return the same rows in the same order
(up to the ranking of exactly equidistant neighbours), with datafix's
provenance (``source_indices_``) and weights (every kept row keeps its
weight). They share the neighbour engine :mod:`datafix.neighbors` and decide
most rows without a full neighbour search.

Combinations replace imbalanced-learn's combined samplers::

    from imblearn.over_sampling import SMOTE
    import datafix as dfx
    smote_enn = dfx.make_pipeline(SMOTE(), EditedNearestNeighbours(sampling_strategy="all"))    # SMOTEENN
    smote_tomek = dfx.make_pipeline(SMOTE(), TomekLinks(sampling_strategy="all"))               # SMOTETomek
"""

from ._edited import AllKNN, EditedNearestNeighbours, RepeatedEditedNearestNeighbours
from ._ncr import NeighbourhoodCleaningRule
from ._tomek import OneSidedSelection, TomekLinks

__all__ = [
    "AllKNN",
    "EditedNearestNeighbours",
    "NeighbourhoodCleaningRule",
    "OneSidedSelection",
    "RepeatedEditedNearestNeighbours",
    "TomekLinks",
]
