"""The narrowest integer type: pandas' rule for codes, and a floor for positions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from perfassess.narrow import int_type


def test_codes_get_the_type_pandas_would_keep() -> None:
    for size in (1, 126, 127, 128, 32766, 32767, 70000):
        categorical = pd.Categorical.from_codes(np.zeros(1, dtype=np.int64),
                                                categories=range(size))
        assert int_type(size) == categorical.codes.dtype, size


def test_a_floor_and_the_widest_case() -> None:
    assert int_type(5, np.int32) == np.int32
    assert int_type(40_000, np.int16) == np.int32
    assert int_type(2**31 - 2, np.int32) == np.int32
    assert int_type(2**31) == np.int64
