"""Write examples/data/wine.csv: scikit-learn's bundled wine data with known, injected problems.

The README's first command audits this file::

    datafix audit examples/data/wine.csv --target cultivar --html report.html

Source: ``sklearn.datasets.load_wine`` (178 wines from three cultivars grown
in the same region of Italy, 13 chemical measurements each; bundled with
scikit-learn, no download). The classes are named after the three cultivars
of the original study (Forina et al.): Barolo, Grignolino and Barbera.

Problems injected, all with ``numpy.random.default_rng(SEED)``, in this order:

1. **class imbalance**: only 16 of the 48 Barbera wines are kept
   (146 rows remain; largest/smallest class = 71/16, about 4.4);
2. **flipped labels**: 8 rows get another cultivar, chosen at random;
3. **missing cells**: 12 cells blanked, 6 in ``magnesium`` and 6 in
   ``color_intensity``;
4. **duplicates**: 4 rows are appended again, unchanged (exact copies);
5. **a conflicting pair**: 1 row is appended again with a different label.

Rows are then shuffled. The CSV has no index column; row numbers in the
audit are 0-based positions in the file. ``INJECTED`` (returned by
:func:`make_wine_example`) records which rows got which problem, and the
tests check that the audit finds them.

Run ``python examples/data/make_example_data.py`` to rewrite the CSV; the
output is byte-for-byte reproducible.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pandas as pd
from sklearn.datasets import load_wine

SEED = 20240601
CULTIVARS = np.array(["barolo", "grignolino", "barbera"])
HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUT = os.path.join(HERE, "wine.csv")


def make_wine_example(seed: int = SEED):
    """The example table and a dict of the rows (0-based positions in the output) given each problem."""
    rng = np.random.default_rng(seed)
    data = load_wine(as_frame=True)
    frame = data.frame.rename(columns={"od280/od315_of_diluted_wines": "od280_od315"})
    frame["cultivar"] = CULTIVARS[frame.pop("target").to_numpy()]
    frame = frame.reset_index(drop=True)

    barbera = np.flatnonzero(frame["cultivar"].to_numpy() == "barbera")
    dropped = rng.choice(barbera, size=len(barbera) - 16, replace=False)
    frame = frame.drop(index=dropped).reset_index(drop=True)
    origin = {"flipped": [], "missing": [], "duplicate_copy": [], "conflicting": []}

    flipped = rng.choice(len(frame), size=8, replace=False)
    for row in flipped:
        others = CULTIVARS[CULTIVARS != frame.at[row, "cultivar"]]
        frame.at[row, "cultivar"] = rng.choice(others)
    origin["flipped"] = [int(r) for r in flipped]

    for column in ("magnesium", "color_intensity"):
        rows = rng.choice(len(frame), size=6, replace=False)
        frame[column] = frame[column].astype(float)
        frame.loc[rows, column] = np.nan
        origin["missing"] += [int(r) for r in rows]

    clean_rows = np.setdiff1d(np.arange(len(frame)), np.concatenate([flipped, origin["missing"]]))
    copied = rng.choice(clean_rows, size=5, replace=False)
    duplicates = frame.iloc[copied[:4]]
    conflict = frame.iloc[copied[4:]].copy()
    conflict["cultivar"] = rng.choice(CULTIVARS[CULTIVARS != conflict["cultivar"].iloc[0]])
    n_original = len(frame)
    frame = pd.concat([frame, duplicates, conflict], ignore_index=True)
    origin["duplicate_copy"] = list(range(n_original, n_original + 4))
    origin["duplicate_original"] = [int(r) for r in copied[:4]]
    origin["conflicting"] = [int(copied[4]), n_original + 4]

    order = rng.permutation(len(frame))
    frame = frame.iloc[order].reset_index(drop=True)
    new_position = np.empty(len(order), dtype=int)
    new_position[order] = np.arange(len(order))
    injected = {key: sorted(int(new_position[r]) for r in rows) for key, rows in origin.items()}
    return frame, injected


def main(path: str = OUTPUT) -> None:
    frame, injected = make_wine_example()
    frame.to_csv(path, index=False, float_format="%.6g", lineterminator="\n")
    print(f"wrote {path}: {len(frame)} rows, {frame.shape[1]} columns; injected: "
          + ", ".join(f"{k}={len(v)}" for k, v in injected.items()))


if __name__ == "__main__":
    main(*sys.argv[1:])
