"""Where the events of a view come from: the datasets and publishes behind every row that passes
the filter, for the attribution of the window and of every picture (atlas.model.attribution).

Each stored row keeps its ``dataset`` (one per file read) and the publish that wrote it
(``import_id`` → ``katlas.imports``: the file pushed and, from layout version 5, the credit of each
dataset recognised when it was pushed). The counts per (dataset, publish) under the filter are taken
in the totals' shared scan (atlas/db/facet_counts.py); this module records the credits at a publish
and names the publishes' files and credits for a view.
"""

from __future__ import annotations

import json
from typing import Any

from atlas.model.attribution import dataset_credits
from atlas.model.table import EventTable


def record_credits(cur: Any, import_id: int, table: EventTable) -> None:
    """Keep the credit of each dataset of ``table`` with its publish (layout version 5 or later).
    A publish sent in blocks calls it per block: a dataset keeps the credit its first block gave."""
    has = cur.execute("SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'katlas' "
                      "AND table_name = 'imports' AND column_name = 'credits')").fetchone()[0]
    if has:
        cur.execute("UPDATE katlas.imports SET credits = %s::jsonb || coalesce(credits, '{}') WHERE import_id = %s",
                    (json.dumps(dataset_credits(table), ensure_ascii=False), int(import_id)))


def view_datasets(conn: Any, counts: dict[tuple[str, int | None], int]) -> tuple[tuple[str, str, str, int], ...]:
    """(dataset, file published, credit, events) per dataset of a view, from its counts per
    (dataset, publish), most events first."""
    ids = sorted({i for _d, i in counts if i is not None})
    imports: dict[int, tuple[str, dict[str, str]]] = {}
    if ids:
        # to_jsonb: the credits column exists from layout version 5 on (absent: no credits).
        for import_id, source, credits in conn.execute(
                "SELECT i.import_id, i.source_file, to_jsonb(i) -> 'credits' FROM katlas.imports i "
                "WHERE i.import_id = ANY(%s)", (ids,)).fetchall():
            imports[int(import_id)] = (str(source or ""), credits if isinstance(credits, dict) else {})
    merged: dict[tuple[str, str, str], int] = {}
    for (dataset, import_id), n in counts.items():
        source, credits = imports.get(import_id, ("", {})) if import_id is not None else ("", {})
        key = (dataset, source, str(credits.get(dataset) or ""))
        merged[key] = merged.get(key, 0) + int(n)
    return tuple(sorted(((d, s, c, n) for (d, s, c), n in merged.items()), key=lambda r: (-r[3], r[0], r[1])))
