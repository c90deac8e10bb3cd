"""The home view's quantiles (atlas.render.extent) are np.quantile's numbers, without importing
numpy.ma at startup (np.quantile does, through np.unique)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from atlas.render.extent import main_extent, quantiles


@pytest.mark.parametrize("n", [10, 11, 19, 20, 21, 101, 997, 5000])
def test_quantiles_are_numpys_bit_for_bit(n: int) -> None:
    rng = np.random.default_rng(n)
    for values in (rng.normal(35.0, 2.0, n), np.round(rng.uniform(30, 40, n), 2), np.full(n, 51.3),
                   rng.choice([33.1, 34.7, 35.2], n)):
        qs = (0.05, 0.95, 0.5, 0.0, 0.25)
        got = quantiles(values.copy(), qs)
        want = np.quantile(values, qs)
        assert got == want.tolist()


def test_main_extent_leaves_numpy_ma_unimported() -> None:
    code = ("import sys, numpy as np\n"
            "from atlas.render.extent import main_extent\n"
            "rng = np.random.default_rng(1)\n"
            "box = main_extent(rng.normal(35, 1, 500), rng.normal(51, 1, 500))\n"
            "assert box is not None\n"
            "print('numpy.ma' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_main_extent_drops_a_far_outlier() -> None:
    rng = np.random.default_rng(3)
    lon = np.append(rng.uniform(34.5, 36.0, 200), 39.5)  # a claim far to the south-east
    lat = np.append(rng.uniform(51.0, 51.8, 200), 47.9)
    x0, y0, x1, y1 = main_extent(lon, lat)
    assert (x0, y0, x1, y1) == (lon[:-1].min(), lat[:-1].min(), lon[:-1].max(), lat[:-1].max())
