"""Resolve duplicate event ids, only when the user asks (``convert --dedupe newest``).

The readers never drop a duplicate: the first row keeps the id and later ones are kept as
``<id>#2``, ``<id>#3`` and reported. Resolving keeps one row per id: the one with the newest
``timestamp`` column (ACLED's upload time, Unix seconds), the later row in the file on a tie or
when there is no such column, and gives it back the plain id.
"""

from __future__ import annotations

import re

import numpy as np

from atlas.model.table import EventTable

_SUFFIX = re.compile(r"#\d+$")
_STAMP_COLUMNS = ("timestamp", "TIMESTAMP", "updated", "last_update")


def resolve_duplicates(table: EventTable) -> tuple[EventTable, int]:
    """(table with one row per id, number of rows dropped)."""
    n = len(table)
    if n == 0:
        return table, 0
    base = np.array([_SUFFIX.sub("", str(i)) if "#" in str(i) else str(i) for i in table.ids], dtype=object)
    if len(set(base.tolist())) == n:
        return table, 0
    stamp = np.zeros(n)
    for name in _STAMP_COLUMNS:
        if name in table.extras:
            vals = []
            for v in table.extras[name]:
                try:
                    vals.append(float(v))
                except (TypeError, ValueError):
                    vals.append(-np.inf)
            stamp = np.array(vals)
            break
    # Sort by (id, stamp, row); the last of each id is the newest (later row on a tie).
    order = np.lexsort((np.arange(n), stamp, base))
    b = base[order]
    last = np.ones(n, bool)
    last[:-1] = b[:-1] != b[1:]
    keep = np.sort(order[last])
    out = table.take(keep)
    out.ids = base[keep]
    return out, n - len(keep)
