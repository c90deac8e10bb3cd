"""Write events: CSV (ACLED-compatible), GeoJSON (RFC 7946, the project schema), KML, KMZ, GeoPackage;
FlatGeobuf and Shapefile (atlas.io.ogr_events), GeoParquet (atlas.io.geoparquet_events).

Every writer writes every field and every extra column, so that reading an export back gives the
same events (tests/io/test_roundtrip.py checks this per format with hypothesis). Files are written
to a temporary name in the same folder and renamed into place, so a failed export never leaves a
half-written file under the name the user chose.
"""

from __future__ import annotations

import json
import math
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pacsv

from atlas.model.palette import event_type_colour
from atlas.model.table import EventTable

from .atomic import atomic_path
from .kml_style import ICON_HREF, to_kml_colour

#: ACLED's column order (current layout). Columns the atlas has no field for are written only
#: when the table carries them as extra columns (an ACLED import), in their ACLED place.
ACLED_ORDER: tuple[str, ...] = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
    "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
    "fatalities", "tags", "timestamp",
)
#: ACLED column → atlas field, for the columns both have.
ACLED_FIELD = {
    "event_id_cnty": "event_id", "event_date": "event_date", "time_precision": "time_precision",
    "event_type": "event_type", "sub_event_type": "sub_event_type", "actor1": "actor1",
    "actor2": "actor2", "country": "country", "admin1": "admin1", "admin2": "admin2",
    "location": "location", "latitude": "latitude", "longitude": "longitude",
    "geo_precision": "geo_precision", "source": "source", "notes": "notes", "fatalities": "fatalities",
}
#: The atlas's own fields, after the ACLED ones.
ATLAS_COLUMNS: tuple[str, ...] = (
    "title", "side", "confidence", "claimed_by", "coord_approximate", "coord_basis", "claim_area_km2",
    "dataset", "sources",
)
#: Characters XML 1.0 cannot carry at all.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# --------------------------------------------------------------------------- values as text
def _num_text(v: npt.NDArray[np.float64]) -> list[str]:
    """Floats as the shortest text that reads back to the same float; integers without '.0'."""
    out = []
    for x in v.tolist():
        if x is None or (isinstance(x, float) and math.isnan(x)):
            out.append("")
        elif float(x).is_integer() and abs(x) < 1e15:
            out.append(str(int(x)))
        else:
            out.append(repr(float(x)))
    return out


def _dates_text(d: npt.NDArray[np.datetime64]) -> np.ndarray:
    s = d.astype("datetime64[D]").astype(str).astype(object)
    s[np.isnat(d)] = ""
    return s


def field_text(table: EventTable, name: str, rows: npt.NDArray[np.intp]) -> list[str] | np.ndarray:
    """One field of the chosen rows as cell text (the CSV and GeoPackage-text representation)."""
    has = table.has_coords[rows]
    if name == "event_id":
        return table.ids[rows]
    if name == "event_date":
        return _dates_text(table.date[rows])
    if name in ("latitude", "longitude"):
        v = (table.lat if name == "latitude" else table.lon)[rows].copy()
        v[~has] = np.nan
        return [repr(x) if not math.isnan(x) else "" for x in v.tolist()]
    if name == "time_precision":
        return [str(x) for x in table.date_precision[rows].tolist()]
    if name == "geo_precision":
        return [str(x) if h else "" for x, h in zip(table.geo_precision[rows].tolist(), has.tolist(), strict=True)]
    if name == "coord_approximate":
        return ["true" if x else "false" for x in table.coord_approximate[rows].tolist()]
    if name in ("fatalities", "claim_area_km2"):
        return _num_text(getattr(table, name)[rows])
    if name in ("source", "sources"):
        # Rows citing the same sources share one tuple (the reader caches them): each is
        # written out once per call (a JSON dump per row was most of a large export's time).
        memo: dict[int, str] = {}
        out: list[str] = []
        for src in table.sources[rows]:
            text = memo.get(id(src))
            if text is None:
                if name == "source":
                    text = "; ".join(str(s.get("outlet", "")) for s in src if s.get("outlet"))
                else:
                    text = json.dumps([dict(s) for s in src], ensure_ascii=False) if src else ""
                memo[id(src)] = text
            out.append(text)
        return out
    if name == "year":
        years = table.date[rows].astype("datetime64[Y]").astype(np.int64) + 1970
        return [str(y) if not nat else "" for y, nat in zip(years.tolist(), np.isnat(table.date[rows]).tolist(), strict=True)]
    vals = table.values(name, rows)
    return ["" if v is None else str(v) for v in vals] if vals.dtype != object else vals


def csv_columns(table: EventTable) -> list[tuple[str, str]]:
    """(CSV header, source) pairs: source is an atlas field or ``extra:<name>``."""
    out: list[tuple[str, str]] = []
    used_extras: set[str] = set()
    for col in ACLED_ORDER:
        if col in ACLED_FIELD:
            out.append((col, ACLED_FIELD[col]))
        elif col in table.extras:
            out.append((col, f"extra:{col}"))
            used_extras.add(col)
    out += [(c, c) for c in ATLAS_COLUMNS]
    taken = {h for h, _ in out}
    for name in table.extras:
        if name in used_extras:
            continue
        header = name
        while header in taken:
            header = f"{header}_extra"
        taken.add(header)
        out.append((header, f"extra:{name}"))
    return out


def _rows(table: EventTable, rows: npt.ArrayLike | None) -> npt.NDArray[np.intp]:
    return np.arange(len(table), dtype=np.intp) if rows is None else np.asarray(rows, dtype=np.intp)


# --------------------------------------------------------------------------- CSV
#: What makes a spreadsheet treat a cell as a formula (OWASP's CSV-injection list).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def _excel_safe(vals: list[Any]) -> list[Any]:
    """Text a spreadsheet would run as a formula (``=HYPERLINK(...)`` in an imported note) gets a
    leading apostrophe, which Excel and LibreOffice show as text and do not display; numbers such as
    ``-12.5`` are left alone."""
    return [f"'{v}" if isinstance(v, str) and v.startswith(_FORMULA_START) and not _NUMBER.fullmatch(v) else v
            for v in vals]


def csv_arrow_table(table: EventTable, sel: npt.NDArray[np.intp], excel: bool = False) -> pa.Table:
    """The chosen rows as the CSV's text columns (every column a string)."""
    from .cell_text_arrow import extra_arrow, field_arrow

    cols = {}
    for header, src in csv_columns(table):
        # Arrow's casts and takes, not a Python string per cell (atlas/io/cell_text_arrow.py).
        arr = extra_arrow(table, src[6:], sel) if src.startswith("extra:") else field_arrow(table, src, sel)
        if arr is None:
            arr = pa.array(field_text(table, src, sel), pa.string())
        if excel:
            arr = pa.array(_excel_safe(arr.to_pylist()), pa.string())
        cols[header] = arr
    return pa.table(cols)


_CSV_OPTIONS = pacsv.WriteOptions(quoting_style="needed")


def write_csv(table: EventTable, path: str | Path, rows: npt.ArrayLike | None = None, excel: bool = False,
              **_: Any) -> int:
    """ACLED-compatible CSV: ACLED's columns in ACLED's order, then the atlas's, then the extras.

    ``source`` is the outlets joined by ``; `` (as ACLED writes it); ``sources`` the full list as JSON.
    ``excel``: the Excel dialect, UTF-8 with a byte-order mark (without one Excel reads UTF-8 as the
    system's ANSI code page and Cyrillic comes out as mojibake) and formula-like text defused."""
    sel = _rows(table, rows)
    tbl = csv_arrow_table(table, sel, excel)
    with atomic_path(Path(path)) as tmp:
        if excel:
            with tmp.open("wb") as fh:
                fh.write(b"\xef\xbb\xbf")
                pacsv.write_csv(tbl, fh, _CSV_OPTIONS)
        else:
            pacsv.write_csv(tbl, tmp, _CSV_OPTIONS)
    return len(sel)


class CsvAppender:
    """:func:`write_csv` block by block (``convert`` streaming a large file): the same bytes as
    one ``write_csv`` of all the blocks' rows, written atomically when the ``with`` ends without
    an error (or :meth:`discard` was called: then nothing is written)."""

    def __init__(self, path: str | Path, excel: bool = False) -> None:
        self.path, self.excel = Path(path), excel
        self.rows = 0
        self._writer: pacsv.CSVWriter | None = None
        self._discard = False

    def __enter__(self) -> CsvAppender:
        self._atomic = atomic_path(self.path)
        tmp = self._atomic.__enter__()
        self._fh = tmp.open("wb")
        if self.excel:
            self._fh.write(b"\xef\xbb\xbf")
        return self

    def write(self, table: EventTable, rows: npt.ArrayLike | None = None) -> None:
        tbl = csv_arrow_table(table, _rows(table, rows), self.excel)
        if self._writer is None:
            self._schema = tbl.schema
            self._writer = pacsv.CSVWriter(self._fh, tbl.schema, write_options=_CSV_OPTIONS)
        elif tbl.schema.names != self._schema.names:
            raise ValueError("a block's columns differ from the first block's")
        self._writer.write_table(tbl)
        self.rows += tbl.num_rows

    def discard(self) -> None:
        self._discard = True

    def restart(self) -> None:
        """Forget the blocks written so far (a streamed read that starts again)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._fh.seek(0)
        self._fh.truncate()
        if self.excel:
            self._fh.write(b"\xef\xbb\xbf")
        self.rows = 0

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool | None:
        try:
            if self._writer is not None:
                self._writer.close()
            elif exc_type is None and not self._discard:
                # No block: the header of an empty table, as write_csv writes it.
                pacsv.write_csv(csv_arrow_table(EventTable.empty(), np.zeros(0, np.intp), self.excel), self._fh,
                                _CSV_OPTIONS)
            self._fh.close()
        finally:
            if self._discard and exc_type is None:
                exc_type, exc = _Discarded, _Discarded()
            try:
                self._atomic.__exit__(exc_type, exc, tb)
            except _Discarded:
                pass
        return None


class _Discarded(Exception):
    pass


# --------------------------------------------------------------------------- GeoJSON
def _json_number(x: float) -> int | float | None:
    if math.isnan(x):
        return None
    return int(x) if x.is_integer() and abs(x) < 1e15 else x


def feature_properties(table: EventTable, row: int) -> dict[str, Any]:
    """The schema properties of one row (docs/schema.md), extras after them."""
    rec = table.record(row)
    props: dict[str, Any] = {}
    for name in table.columns:
        if name in ("latitude", "longitude") or name in table.extras:
            continue
        props[name] = rec.get(name)
    props["time_precision"] = int(table.date_precision[row])
    props["geo_precision"] = int(table.geo_precision[row]) if table.has_coords[row] else None
    props["fatalities"] = _json_number(float(table.fatalities[row]))
    props["claim_area_km2"] = _json_number(float(table.claim_area_km2[row]))
    for name in ("claimed_by",):
        if props.get(name) == "":
            props[name] = None
    for name, col in table.extras.items():
        props[name] = "" if col[row] is None else str(col[row])
    return props


def write_geojson(table: EventTable, path: str | Path, rows: npt.ArrayLike | None = None,
                  name: str = "Kursk Atlas export", stale: str = "") -> int:
    """RFC 7946 FeatureCollection in the project schema; events without coordinates have
    ``"geometry": null``. Written feature by feature (no second copy of a large table in memory).
    ``stale``: the events are a stale copy of a store; the top-level ``description`` says so
    (GDAL and QGIS show it as the layer's description; atlas.io.stale_mark)."""
    sel = _rows(table, rows)
    with atomic_path(Path(path)) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as fh:
        head = {"type": "FeatureCollection", "schema": "kursk-atlas-events", "schema_version": 1, "name": name}
        if stale:
            head["description"] = stale
        fh.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [\n')
        for k, r in enumerate(sel.tolist()):
            geom = ({"type": "Point", "coordinates": [float(table.lon[r]), float(table.lat[r])]}
                    if table.has_coords[r] else None)
            feat = {"type": "Feature", "id": str(table.ids[r]), "geometry": geom, "properties": feature_properties(table, r)}
            fh.write((",\n" if k else "") + json.dumps(feat, ensure_ascii=False, allow_nan=False))
        fh.write("\n]}\n")
    return len(sel)


# --------------------------------------------------------------------------- KML / KMZ
def _x(text: Any) -> str:
    # A literal CR would be normalised to LF by every XML parser; a character reference survives.
    return escape(_XML_ILLEGAL.sub("", str(text))).replace("\r", "&#13;")


def _kml_when(day: np.datetime64, precision: int) -> str:
    s = str(day.astype("datetime64[D]"))
    return s[:7] if precision == 3 else s


#: KML SimpleField types of the typed fields (LIBKML gives them as Integer/Real columns); the
#: rest are strings.
_KML_TYPES = {"time_precision": "int", "geo_precision": "int", "fatalities": "double",
              "claim_area_km2": "double", "coord_approximate": "bool"}
KML_SCHEMA_ID = "kursk_atlas_event"


def _event_type_styles(table: EventTable, sel: npt.NDArray[np.intp]) -> dict[str, str]:
    """event type → style id, for the types among the chosen rows (in order of first use)."""
    ids: dict[str, str] = {}
    for r in sel.tolist():
        t = str(table.value("event_type", r) or "")
        if t not in ids:
            ids[t] = f"event-type-{len(ids) + 1}"
    return ids


def _write_kml_stream(table: EventTable, sel: npt.NDArray[np.intp], fh: IO[str], name: str,
                      stale: str = "") -> None:
    fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">\n<Document>\n')
    fh.write(f"<name>{_x(name)}</name>\n")
    if stale:  # Google Earth shows the Document's description beside its name
        fh.write(f"<description>{_x(stale)}</description>\n")
    text_fields = [c for c in table.columns if c not in ("latitude", "longitude") and c not in table.extras]
    extra_names = {f: _XML_ILLEGAL.sub("", f) for f in table.extras}
    # A typed schema: LIBKML (and so QGIS) reads the fields as typed columns, not all strings.
    fh.write(f'<Schema name="{KML_SCHEMA_ID}" id="{KML_SCHEMA_ID}">\n')
    for f in text_fields:
        fh.write(f'<SimpleField name={quoteattr(f)} type="{_KML_TYPES.get(f, "string")}"/>\n')
    for f in table.extras:
        fh.write(f'<SimpleField name={quoteattr(extra_names[f])} type="string"/>\n')
    fh.write("</Schema>\n")
    # One shared style per event type: the map's colour on Google Earth's tintable circle.
    styles = _event_type_styles(table, sel)
    for etype, sid in styles.items():
        fh.write(f'<Style id="{sid}"><!-- {_x(etype or "no event type").replace("--", "- -")} -->'
                 f"<IconStyle><color>{to_kml_colour(event_type_colour(etype))}</color>"
                 f"<Icon><href>{ICON_HREF}</href></Icon></IconStyle></Style>\n")
    for r in sel.tolist():
        rec = table.record(r)
        fh.write(f"<Placemark id={quoteattr(_XML_ILLEGAL.sub('', str(table.ids[r])))}>\n")
        if rec.get("title"):
            fh.write(f"<name>{_x(rec['title'])}</name>\n")
        if rec.get("notes"):
            fh.write(f"<description>{_x(rec['notes'])}</description>\n")
        if not np.isnat(table.date[r]):
            fh.write(f"<TimeStamp><when>{_kml_when(table.date[r], int(table.date_precision[r]))}</when></TimeStamp>\n")
        fh.write(f"<styleUrl>#{styles[str(rec.get('event_type') or '')]}</styleUrl>\n")
        fh.write(f'<ExtendedData><SchemaData schemaUrl="#{KML_SCHEMA_ID}">\n')
        for f in text_fields:
            v = field_text(table, f, np.array([r]))[0]
            if f == "coord_approximate":  # xsd:boolean as 1/0, which GDAL's integer column takes as is
                v = "1" if v == "true" else "0"
            if v != "":
                fh.write(f"<SimpleData name={quoteattr(f)}>{_x(v)}</SimpleData>\n")
        for f, col in table.extras.items():
            # Empty extras are written too: a column empty in every row must still come back.
            v = "" if col[r] is None else col[r]
            fh.write(f"<SimpleData name={quoteattr(extra_names[f])}>{_x(v)}</SimpleData>\n")
        fh.write("</SchemaData></ExtendedData>\n")
        if table.has_coords[r]:
            fh.write(f"<Point><coordinates>{float(table.lon[r])!r},{float(table.lat[r])!r}</coordinates></Point>\n")
        fh.write("</Placemark>\n")
    fh.write("</Document>\n</kml>\n")


def write_kml(table: EventTable, path: str | Path, rows: npt.ArrayLike | None = None,
              name: str = "Kursk Atlas export", stale: str = "") -> int:
    """KML 2.2: one Placemark per event with TimeStamp (month precision written as YYYY-MM), a
    shared style per event type (the map's colour) and every field in typed ExtendedData
    (a Schema); events without coordinates are Placemarks without geometry."""
    sel = _rows(table, rows)
    with atomic_path(Path(path)) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as fh:
        _write_kml_stream(table, sel, fh, name, stale)
    return len(sel)


def write_kmz(table: EventTable, path: str | Path, rows: npt.ArrayLike | None = None,
              name: str = "Kursk Atlas export", stale: str = "") -> int:
    """KMZ: the KML above as ``doc.kml`` in a zip archive."""
    import io

    sel = _rows(table, rows)
    buf = io.StringIO()
    _write_kml_stream(table, sel, buf, name, stale)
    with atomic_path(Path(path)) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("doc.kml", buf.getvalue().encode("utf-8"))
    return len(sel)


Writer = Callable[..., int]


def _gpkg_writer(table: EventTable, path: str | Path, rows: npt.ArrayLike | None = None, **kw: Any) -> int:
    from .gpkg_events import write_gpkg

    return write_gpkg(table, path, rows, stale=str(kw.get("stale") or ""))


def _fgb_writer(table: EventTable, path: str | Path, rows: npt.ArrayLike | None = None, **kw: Any) -> int:
    from .ogr_events import write_fgb

    return write_fgb(table, path, rows, stale=str(kw.get("stale") or ""))


def _shp_writer(table: EventTable, path: str | Path, rows: npt.ArrayLike | None = None, **kw: Any) -> int:
    from .ogr_events import write_shp

    return write_shp(table, path, rows)


def _shp_zip_writer(table: EventTable, path: str | Path, rows: npt.ArrayLike | None = None, **kw: Any) -> int:
    from .ogr_events import write_shp_zip

    return write_shp_zip(table, path, rows)


def _geoparquet_writer(table: EventTable, path: str | Path, rows: npt.ArrayLike | None = None, **kw: Any) -> int:
    from .geoparquet_events import write_geoparquet

    return write_geoparquet(table, path, rows, stale=str(kw.get("stale") or ""))


def _xlsx_writer(table: EventTable, path: str | Path, rows: npt.ArrayLike | None = None, **kw: Any) -> int:
    from .spreadsheet_events import write_xlsx

    return write_xlsx(table, path, rows)


def _ods_writer(table: EventTable, path: str | Path, rows: npt.ArrayLike | None = None, **kw: Any) -> int:
    from .spreadsheet_events import write_ods

    return write_ods(table, path, rows)


#: Output suffix → writer(table, path, rows) -> rows written. A two-part suffix (``.shp.zip``)
#: is looked up before the last one.
WRITERS: dict[str, Writer] = {
    ".csv": write_csv,
    ".geojson": write_geojson,
    ".json": write_geojson,
    ".kml": write_kml,
    ".kmz": write_kmz,
    ".gpkg": _gpkg_writer,
    ".fgb": _fgb_writer,
    ".shp": _shp_writer,
    ".shp.zip": _shp_zip_writer,
    ".zip": _shp_zip_writer,
    ".parquet": _geoparquet_writer,
    ".geoparquet": _geoparquet_writer,
    ".xlsx": _xlsx_writer,
    ".ods": _ods_writer,
}


def writer_for(path: str | Path) -> Writer | None:
    """The writer of a file name's suffix (``.shp.zip`` before ``.zip``), or None."""
    p = Path(path)
    return WRITERS.get("".join(p.suffixes[-2:]).lower()) or WRITERS.get(p.suffix.lower())


def write_events(table: EventTable, path: str | Path, rows: npt.ArrayLike | None = None,
                 excel: bool = False, stale: str = "") -> int:
    """Write the rows (all when None) in the format of the path's suffix. Returns rows written.
    ``excel`` asks for the Excel dialect of CSV (:func:`write_csv`); other formats refuse it.
    ``stale``: the events are a stale copy of a shared store (the model's ``stale_note``): every
    format says so, in a column and where it has one in the file's description (atlas.io.stale_mark)."""
    path = Path(path)
    writer = writer_for(path)
    if writer is None:
        raise ValueError(f"cannot write {path.suffix or 'files without a suffix'}; writable: {', '.join(sorted(WRITERS))}")
    if not path.parent.exists():
        raise FileNotFoundError(f"{path.parent}: no such folder")
    kw: dict[str, Any] = {}
    if stale:
        from .stale_mark import with_stale_column

        table, kw = with_stale_column(table, stale), {"stale": stale}
    if excel:
        if writer is not write_csv:
            raise ValueError(f"the Excel dialect is a CSV option; {path.suffix} has none")
        return write_csv(table, path, rows, excel=True)
    return writer(table, path, rows, **kw)
