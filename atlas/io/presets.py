"""Known event-data layouts that need more than header aliases: the column mapping *and* the
recoding of their codes into the atlas's schema. ACLED's layouts (current, 2020, 1997) map by
aliases alone (atlas.io.csv_events recognises them); UCDP GED does not: its dates are in
``date_start``, its fatalities in ``best``, and its precision and violence-type columns are codes.

UCDP Georeferenced Event Dataset (GED, Uppsala Conflict Data Program), columns as in its codebook:
``date_prec`` 1 exact day, 2 within 2-6 days, 3 within a week, 4 within a month, 5 longer;
``where_prec`` 1 exact place, 2 within 25 km, 3 second-order and 4 first-order administrative
area, 5 a line or an ambiguous place, 6 the country, 7 international waters or air space;
``type_of_violence`` 1 state-based, 2 non-state, 3 one-sided violence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from .columns import normalise_header


@dataclass(frozen=True)
class Preset:
    """A layout: the headers that identify it, schema field → its header, and per header a code
    table (value as written → value the schema takes; codes not listed are kept as written, and
    the field's own check reports them)."""

    name: str
    signature: frozenset[str]
    fields: Mapping[str, str]
    recode: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def matches(self, headers: Sequence[str]) -> bool:
        return self.signature <= {normalise_header(h) for h in headers}

    def mapping(self, headers: Sequence[str]) -> dict[str, str]:
        """Schema field → the file's own spelling of the header."""
        by_norm = {normalise_header(h): h for h in reversed(headers)}
        return {f: by_norm[h] for f, h in self.fields.items() if h in by_norm}

    def recode_columns(self, columns: dict[str, Any], headers: Sequence[str]) -> list[str]:
        """Rewrite the coded columns in place (Arrow or object arrays); returns notes."""
        by_norm = {normalise_header(h): h for h in headers}
        notes = []
        for norm, table in self.recode.items():
            name = by_norm.get(norm)
            if name is None or name not in columns:
                continue
            col = columns[name]
            values = col.to_pylist() if isinstance(col, (pa.Array, pa.ChunkedArray)) else list(col)
            out = [table.get(str(v).strip(), v) if v is not None else None for v in values]
            if isinstance(col, (pa.Array, pa.ChunkedArray)):
                columns[name] = pa.chunked_array([pa.array(out, pa.string())])
            else:
                columns[name] = np.array(out, dtype=object)
            notes.append(f"{self.name}: {name} recoded ({', '.join(f'{k}→{v}' for k, v in table.items())})")
        return notes


UCDP_GED = Preset(
    name="UCDP GED",
    signature=frozenset({"relid", "type_of_violence", "date_start", "date_prec", "where_prec", "best"}),
    fields={
        "event_id": "id", "event_date": "date_start", "time_precision": "date_prec",
        "latitude": "latitude", "longitude": "longitude", "geo_precision": "where_prec",
        "event_type": "type_of_violence", "sub_event_type": "conflict_name", "title": "dyad_name",
        "actor1": "side_a", "actor2": "side_b", "country": "country", "admin1": "adm_1", "admin2": "adm_2",
        "location": "where_coordinates", "notes": "where_description", "fatalities": "best",
        "source": "source_original", "year": "year",
    },
    recode={
        # The atlas's precisions are ACLED's: 1 day, 2 week, 3 month (or coarser).
        "date_prec": {"1": "1", "2": "2", "3": "2", "4": "3", "5": "3"},
        # 1 exact, 2 near (25 km, a district), 3 a region or coarser.
        "where_prec": {"1": "1", "2": "2", "3": "2", "4": "3", "5": "3", "6": "3", "7": "3"},
        "type_of_violence": {"1": "State-based conflict", "2": "Non-state conflict", "3": "One-sided violence"},
    },
)

#: Layouts tried in order.
PRESETS: tuple[Preset, ...] = (UCDP_GED,)


def preset_for(headers: Sequence[str]) -> Preset | None:
    return next((p for p in PRESETS if p.matches(headers)), None)
