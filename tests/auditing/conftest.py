import numpy as np
import pandas as pd
import pytest


@pytest.fixture
def mixed_frame():
    """300 rows: numeric, categorical (with NaN) and boolean features, a learnable 3-class target."""
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "colour": rng.choice(["red", "green", "blue"], size=n).astype(object),
            "flag": rng.random(n) > 0.5,
        },
        index=pd.Index([f"row{i}" for i in range(n)], name="id"),
    )
    frame.loc[frame.index[::25], "colour"] = None
    frame.loc[frame.index[3::40], "a"] = np.nan
    score = frame["a"].fillna(0) + 0.5 * frame["b"]
    frame["label"] = np.where(score > 0.4, "high", np.where(score < -0.4, "low", "mid"))
    return frame
