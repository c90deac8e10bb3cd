"""Categorical codes are held in the smallest type that fits, and read the same as before."""

from __future__ import annotations

import numpy as np

from atlas.model.table import Categorical


def test_codes_are_narrowed_and_still_decode_count_and_filter() -> None:
    cats = tuple(f"type {i:03d}" for i in range(125))
    codes = np.array([-1, 0, 124, 5, 124, -1], dtype=np.int32)
    c = Categorical(codes, cats)
    assert c.codes.dtype == np.int8
    assert c.decode().tolist() == ["", "type 000", "type 124", "type 005", "type 124", ""]
    assert c.mask_for(["type 124", ""]).tolist() == [True, False, True, False, True, True]
    assert np.bincount(c.codes + 1, minlength=len(cats) + 1)[[0, 125]].tolist() == [2, 2]  # no overflow
    both = Categorical.concat([c, Categorical(np.array([0, 1]), ("a", "b"))])
    assert both.decode().tolist()[-2:] == ["a", "b"] and both.codes.dtype == np.int16  # 127 categories
    wide = Categorical(np.arange(300), tuple(f"w{i:03d}" for i in range(300)))
    assert wide.codes.dtype == np.int16 and wide.value(299) == "w299"
