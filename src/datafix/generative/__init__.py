"""Generated minority rows: a conditional GAN or VAE as a fix, and a quality check for any synthetic rows.

:class:`GenerativeOverSampler` learns the features of every class with one
conditional model (a CTGAN-style GAN or a TVAE-style VAE, written on torch for
datafix) and samples the rows each class needs. :func:`synthetic_quality`
measures synthetic rows from any source against the real ones: per-column
distances, association differences, a classifier two-sample test, and the
distance to the closest real record with the share of near-copies.

torch is imported only when a generator is fitted.
"""

from ._oversampler import GenerativeOverSampler
from ._quality import SyntheticQuality, synthetic_quality

__all__ = ["GenerativeOverSampler", "synthetic_quality", "SyntheticQuality"]
