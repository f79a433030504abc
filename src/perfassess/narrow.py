"""The narrowest integer type for codes and positions: at millions of rows, memory matters."""

from __future__ import annotations

import numpy as np


def int_type(largest: int, smallest: type = np.int8) -> type:
    """The narrowest signed type, ``smallest`` or wider, that holds 0 .. ``largest``
    (pandas' own rule for categorical codes, so codes given to it are not copied)."""
    for dtype in (np.int8, np.int16, np.int32):
        if np.iinfo(dtype).bits >= np.iinfo(smallest).bits and largest < np.iinfo(dtype).max:
            return dtype
    return np.int64
