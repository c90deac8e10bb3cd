"""Rough bounding boxes of the countries event files name, for one check: is a row's point
anywhere near the country the row itself names? A point far outside it, and inside it once
latitude and longitude are swapped, is the classic swapped-column mistake.

The boxes are deliberately coarse (whole degrees, generous) and the check adds a margin on top:
it exists to catch points hundreds of kilometres off, never to judge borders. Countries not
listed here are not checked (the import report says so).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

#: name (as ACLED and most event files write it) -> (min lon, min lat, max lon, max lat)
COUNTRY_BOXES: dict[str, tuple[float, float, float, float]] = {
    "Ukraine": (22.1, 44.3, 40.3, 52.4),
    "Russia": (19.6, 41.1, 180.0, 81.9),
    "Russia (Soviet Union)": (19.6, 41.1, 180.0, 81.9),  # UCDP GED's name
    "Belarus": (23.1, 51.2, 32.8, 56.2),
    "Poland": (14.1, 49.0, 24.2, 54.9),
    "Moldova": (26.6, 45.4, 30.2, 48.5),
    "Romania": (20.2, 43.6, 29.7, 48.3),
    "Georgia": (40.0, 41.0, 46.7, 43.6),
    "Kazakhstan": (46.5, 40.6, 87.4, 55.4),
    "Turkey": (25.6, 35.8, 44.8, 42.1),
    "Israel": (34.2, 29.4, 35.9, 33.4),
    "Palestine": (34.2, 31.2, 35.6, 32.6),
    "Lebanon": (35.1, 33.0, 36.7, 34.7),
    "Syria": (35.7, 32.3, 42.4, 37.3),
    "Iraq": (38.8, 29.0, 48.6, 37.4),
    "Iran": (44.0, 25.0, 63.4, 39.8),
    "Yemen": (42.5, 12.1, 54.6, 19.0),
    "Saudi Arabia": (34.5, 16.3, 55.7, 32.2),
    "Qatar": (50.7, 24.5, 51.7, 26.2),
    "Egypt": (24.7, 22.0, 36.9, 31.7),
    "Libya": (9.3, 19.5, 25.2, 33.2),
    "Tunisia": (7.5, 30.2, 11.6, 37.6),
    "Algeria": (-8.7, 18.9, 12.0, 37.1),
    "Morocco": (-17.1, 21.4, -1.0, 35.9),
    "Nigeria": (2.7, 4.2, 14.7, 13.9),
    "Sudan": (21.8, 8.6, 38.6, 22.2),
    "Somalia": (40.9, -1.7, 51.5, 12.0),
    "Ethiopia": (33.0, 3.4, 48.0, 14.9),
    "Kenya": (33.9, -4.7, 41.9, 5.0),
    "Democratic Republic of Congo": (12.2, -13.5, 31.3, 5.4),
    "Afghanistan": (60.5, 29.3, 74.9, 38.5),
    "Pakistan": (60.8, 23.6, 77.8, 37.1),
    "India": (68.1, 6.7, 97.4, 35.7),
    "Myanmar": (92.2, 9.8, 101.2, 28.5),
    "Philippines": (116.9, 4.6, 126.6, 21.1),
    "North Korea": (124.2, 37.7, 130.7, 43.0),
    "Germany": (5.8, 47.2, 15.1, 55.1),
    "United Kingdom": (-8.7, 49.8, 1.8, 60.9),
    "Mexico": (-118.5, 14.5, -86.7, 32.7),
    "United States": (-179.2, 18.9, -66.9, 71.4),
    "Colombia": (-79.0, -4.2, -66.9, 12.5),
    "Venezuela": (-73.4, 0.6, -59.8, 12.2),
    "Brazil": (-74.0, -33.8, -34.8, 5.3),
}
#: Degrees added around every box before a point counts as "far outside".
MARGIN_DEG = 1.5


def far_outside(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], codes: npt.NDArray[np.int32],
    categories: tuple[str, ...],
) -> list[tuple[int, str]]:
    """Rows whose point is far outside the country they name (``codes`` into ``categories``),
    with why (swapped or just far)."""
    out: list[tuple[int, str]] = []
    ok = np.isfinite(lon) & np.isfinite(lat)
    for code, name in enumerate(categories):
        if name not in COUNTRY_BOXES:
            continue
        x0, y0, x1, y1 = COUNTRY_BOXES[name]
        rows = np.flatnonzero(ok & (codes == code))
        if rows.size == 0:
            continue
        x, y = lon[rows], lat[rows]
        inside = (x >= x0 - MARGIN_DEG) & (x <= x1 + MARGIN_DEG) & (y >= y0 - MARGIN_DEG) & (y <= y1 + MARGIN_DEG)
        swapped = (y >= x0 - MARGIN_DEG) & (y <= x1 + MARGIN_DEG) & (x >= y0 - MARGIN_DEG) & (x <= y1 + MARGIN_DEG)
        for i in np.flatnonzero(~inside):
            r = int(rows[i])
            if swapped[i]:
                out.append((r, f"point (lon {x[i]:g}, lat {y[i]:g}) is far outside {name}, which the row names; "
                               "with latitude and longitude swapped it would be inside (not swapped: check the source)"))
            else:
                out.append((r, f"point (lon {x[i]:g}, lat {y[i]:g}) is far outside {name}, which the row names"))
    out.sort()
    return out
