"""Publishing an EventTable to the store: COPY into a staging table, then one INSERT … SELECT.

COPY streams the rows (one statement, not one INSERT per row); the staging step lets a re-push of
an event update it in place (``ON CONFLICT``) and builds the PostGIS point on the server. Each row
records who wrote it, when and from which file; the publish itself is a row of ``katlas.imports``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from atlas.model.table import CATEGORICAL_FIELDS, TEXT_FIELDS, EventTable

#: The event columns written as they are (the point and provenance are built separately).
PLAIN_COLUMNS: tuple[str, ...] = (
    "event_id", "event_date", "time_precision", "geo_precision", "coord_approximate",
    "fatalities", "claim_area_km2", *CATEGORICAL_FIELDS, *TEXT_FIELDS, "search_text",
)


def _floats(a: np.ndarray) -> list[Any]:
    out = a.astype(object)
    out[~np.isfinite(a)] = None
    return out.tolist()  # type: ignore[no-any-return]


def _columns(table: EventTable) -> dict[str, list[Any]]:
    """Every staged column as a Python list (None for missing), built with array operations."""
    cols: dict[str, list[Any]] = {
        "event_id": [str(v) for v in table.ids],
        "event_date": table.date.astype(object).tolist(),  # NaT → None
        "time_precision": table.date_precision.astype(int).tolist(),
        "geo_precision": table.geo_precision.astype(int).tolist(),
        "coord_approximate": table.coord_approximate.astype(bool).tolist(),
        "fatalities": _floats(table.fatalities),
        "claim_area_km2": _floats(table.claim_area_km2),
        "lon": _floats(table.lon),
        "lat": _floats(table.lat),
    }
    for name in CATEGORICAL_FIELDS:
        cat = table.categorical[name]
        lookup = np.array([*cat.categories, None], dtype=object)
        cols[name] = lookup[np.where(cat.codes < 0, len(cat.categories), cat.codes)].tolist()
    for name in TEXT_FIELDS:
        vals = table.text[name]
        cols[name] = [None if v is None or v == "" else str(v) for v in vals]
    cols["search_text"] = table.search_column().to_pylist() if len(table) else []
    return cols


def _sha256(path: Path) -> str | None:
    try:
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()
    except OSError:
        return None


def push(conn: Any, table: EventTable, source_file: str | Path) -> int:
    """Publish ``table`` (read from ``source_file``) in one transaction; returns the import id.

    Events whose id is already in the store are replaced (with their sources); the row's
    provenance then names this publish.
    """
    source = str(source_file)
    cols = _columns(table)
    staged = [*PLAIN_COLUMNS, "lon", "lat"]
    with conn.transaction():
        row = conn.execute(
            "INSERT INTO katlas.imports (source_file, file_sha256, rows_pushed) VALUES (%s, %s, %s) "
            "RETURNING import_id", (source, _sha256(Path(source)), len(table))).fetchone()
        import_id = int(row[0])
        conn.execute(
            "CREATE TEMP TABLE push_stage (LIKE katlas.events INCLUDING DEFAULTS, lon double precision, "
            "lat double precision) ON COMMIT DROP")
        with conn.cursor() as cur:
            with cur.copy(f"COPY push_stage ({', '.join(staged)}) FROM STDIN") as copy:  # fixed names
                for rec in zip(*(cols[c] for c in staged)):
                    copy.write_row(rec)
            names = ", ".join(PLAIN_COLUMNS)
            updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in (*PLAIN_COLUMNS[1:], "geom", "written_by",
                                                                "written_at", "source_file", "import_id"))
            cur.execute(
                f"INSERT INTO katlas.events ({names}, geom, written_by, written_at, source_file, import_id) "
                f"SELECT {names}, CASE WHEN lon IS NULL OR lat IS NULL THEN NULL "
                "ELSE ST_SetSRID(ST_MakePoint(lon, lat), 4326) END, current_user, now(), %s, %s "
                f"FROM push_stage ON CONFLICT (event_id) DO UPDATE SET {updates}",
                (source, import_id))
            cur.execute("DELETE FROM katlas.sources s USING push_stage p WHERE s.event_id = p.event_id")
            with cur.copy("COPY katlas.sources (event_id, ord, outlet, date, url, title) FROM STDIN") as copy:
                for event_id, srcs in zip(cols["event_id"], table.sources):
                    for k, s in enumerate(srcs or ()):
                        copy.write_row((event_id, k, s.get("outlet") or None, s.get("date") or None,
                                        s.get("url") or None, s.get("title") or None))
    return import_id
