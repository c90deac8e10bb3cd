"""The stale mark of an export: events that are an out-of-date copy of a shared store say so in the file.

When the window shows a store's events while its server cannot be reached (the rows read before it
went away, or its local cache: atlas/ui/database_feature.py), the model's ``stale_note`` names the
store and when the events were read. A file exported from that view must tell its recipient the
same, whatever program opens it, so the note goes where every format can carry it:

- a column, :data:`STALE_FIELD`, with the note in every row: shown by a spreadsheet (CSV, XLSX,
  ODS), by QGIS's attribute table and by ``ogrinfo`` for every GIS format, and it survives a
  Shapefile (10 characters, the dBase limit) and any later conversion of the rows;
- and, where the format has a place for a description of the whole file, there too: GeoJSON's
  top-level ``description`` (GDAL shows it as the layer's DESCRIPTION), the GeoPackage layer's
  ``gpkg_contents.description``, the KML Document's ``description``, FlatGeobuf's header
  description, and a GeoParquet key/value metadata entry (:data:`PARQUET_KEY`).

No comment line in a CSV: ACLED-compatible readers (and spreadsheets) take the first line as the
header, and a sidecar file is lost as soon as the CSV is mailed on its own.
"""

from __future__ import annotations

import numpy as np

from atlas.model.table import EventTable
from atlas.model.text_column import CodedText

#: The column carrying the note (<= 10 characters: a Shapefile's field names are).
STALE_FIELD = "stale_copy"
#: The GeoParquet file's key/value metadata entry holding the note.
PARQUET_KEY = b"kursk_atlas:stale"


def with_stale_column(table: EventTable, note: str) -> EventTable:
    """``table`` with :data:`STALE_FIELD` = ``note`` in every row (the arrays are shared, not copied;
    the column costs a byte per row). An existing column of that name (an earlier stale export read
    back) is replaced: the note of this view is the one that holds."""
    column = CodedText(np.zeros(len(table), dtype=np.int8), [note])
    return EventTable(
        ids=table.ids, lon=table.lon, lat=table.lat, date=table.date, date_precision=table.date_precision,
        geo_precision=table.geo_precision, coord_approximate=table.coord_approximate,
        fatalities=table.fatalities, claim_area_km2=table.claim_area_km2, categorical=table.categorical,
        text=table.text, sources=table.sources, extras={**table.extras, STALE_FIELD: column})
