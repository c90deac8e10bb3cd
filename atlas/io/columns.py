"""From a table of text columns to an :class:`EventTable`, column-wise, with every problem reported.

CSV, JSON records (the ACLED API envelope, plain arrays of objects) and GeoPackage attribute tables
all arrive here as an Arrow table of *strings* plus a :class:`ColumnMapping` (schema field → source
column). Everything is done on whole columns in Arrow's C++ kernels or NumPy: numbers are cast once,
dates are parsed once per distinct value, categories are built from Arrow's ``dictionary_encode``
(``np.unique`` on a million Python strings takes seconds), and text columns become object arrays
that share one Python string per distinct value. That keeps a million-row ACLED file to about a
second and a half and well under a gigabyte.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from atlas.model.table import CATEGORICAL_FIELDS, TEXT_FIELDS, Categorical, EventTable
from atlas.model.text_column import ArrowText, CodedText, _TextBase

from .country_boxes import COUNTRY_BOXES, far_outside
from .dates import parse_dates
from .progress import tick
from .report import ImportReport

#: Fields a mapping may fill. ``source`` is ACLED's flat ``"Outlet A; Outlet B"``; ``sources`` the
#: atlas's JSON list of {outlet, date, url, title}; ``year`` only helps read two-digit dates.
MAPPABLE_FIELDS: tuple[str, ...] = (
    "event_id", "event_date", "latitude", "longitude", "time_precision", "geo_precision",
    *CATEGORICAL_FIELDS, *TEXT_FIELDS, "fatalities", "coord_approximate", "claim_area_km2",
    "source", "sources", "year",
)
#: At most this many rows are listed for one kind of problem; the rest are counted in one line.
MAX_LISTED = 500

#: Header spellings → schema field, tried in order (first header found wins for each field).
ALIASES: dict[str, tuple[str, ...]] = {
    "event_id": ("event_id_cnty", "event_id", "id", "entry", "uid", "event"),
    "event_date": ("event_date", "date", "datetime", "date_time", "day", "when", "time", "дата"),
    "latitude": ("latitude", "lat", "lat_dd", "y", "decimallatitude"),
    "longitude": ("longitude", "lon", "lng", "long", "lon_dd", "x", "decimallongitude"),
    "time_precision": ("time_precision",),
    "geo_precision": ("geo_precision", "geo_precis"),
    "event_type": ("event_type", "type", "category"),
    "sub_event_type": ("sub_event_type", "subtype"),
    "title": ("title", "headline", "name"),
    "actor1": ("actor1",),
    "actor2": ("actor2",),
    "side": ("side",),
    "country": ("country",),
    "admin1": ("admin1", "province", "oblast", "state"),
    "admin2": ("admin2", "district", "raion"),
    "location": ("location", "place", "town_city", "town", "city", "settlement"),
    "notes": ("notes", "description", "brief_description", "snippet", "summary", "описание"),
    "fatalities": ("fatalities", "deaths", "killed"),
    "confidence": ("confidence",),
    "claimed_by": ("claimed_by",),
    "coord_approximate": ("coord_approximate",),
    "coord_basis": ("coord_basis",),
    "claim_area_km2": ("claim_area_km2",),
    "dataset": ("dataset",),
    "source": ("source",),
    "sources": ("sources",),
    "year": ("year",),
}


def normalise_header(name: str) -> str:
    """``"Town/City "`` → ``"town_city"``: what aliases are matched against."""
    return re.sub(r"[\W_]+", "_", name.strip().lower()).strip("_")


def guess_mapping(headers: Sequence[str]) -> dict[str, str]:
    """Schema field → header, from the header names alone (first alias found wins)."""
    norm = {normalise_header(h): h for h in reversed(headers)}
    out: dict[str, str] = {}
    used: set[str] = set()
    for fld, names in ALIASES.items():
        for a in names:
            h = norm.get(a)
            if h is not None and h not in used:
                out[fld] = h
                used.add(h)
                break
    return out


def merge_mapping(guessed: Mapping[str, str], partial: Mapping[str, str]) -> dict[str, str]:
    """A partial mapping (``--columns latitude=Lat``) laid over the recognised one: the fields it
    names take its columns, a column it gives a field is taken from any other field, ``FIELD=``
    (no column) leaves that field unmapped, and every other recognised field stays."""
    out = dict(guessed)
    for fld, col in partial.items():
        if not col:
            out.pop(fld, None)
            continue
        for other in [g for g, c in out.items() if c == col and g != fld]:
            del out[other]
        out[fld] = col
    return out


#: Properties the schema knows; everything else an import brings is kept as an extra column.
SCHEMA_FIELDS: frozenset[str] = frozenset(
    {"event_id", "event_date", "time_precision", "geo_precision", "coord_approximate", "fatalities",
     "claim_area_km2", "sources", "latitude", "longitude", *CATEGORICAL_FIELDS, *TEXT_FIELDS}
)
#: Column names the feature readers (GeoJSON, KML, GeoPackage, GDAL layers) give a feature's point;
#: the NUL byte keeps them apart from any property a file can name.
POINT_LON, POINT_LAT = "\x00lon", "\x00lat"


def feature_mapping(names: Sequence[str], schema_named: Collection[str]) -> dict[str, str]:
    """The mapping for a layer of features: properties named as schema fields (``schema_named``)
    are those fields; foreign vocabularies (date, title, place, ...) recognised by name fill the
    fields left empty; the geometry, never a property, gives the point."""
    mapping = {f: f for f in SCHEMA_FIELDS if f in schema_named and f not in ("latitude", "longitude")}
    for f, c in guess_mapping([k for k in names if k not in (POINT_LON, POINT_LAT)]).items():
        if f not in mapping and c not in mapping.values() and f not in ("latitude", "longitude"):
            mapping[f] = c
    mapping["longitude"], mapping["latitude"] = POINT_LON, POINT_LAT
    return mapping


def has_coordinates(mapping: Mapping[str, str]) -> bool:
    return bool(mapping.get("latitude")) and bool(mapping.get("longitude"))


@dataclass
class BuildOptions:
    dataset: str
    #: row index (0-based) → "line 12" / "record 3" / "feature 7"
    where: Callable[[int], str]
    #: force the order of nn/nn/yyyy dates (ACLED's are day-first); None: the file decides
    day_first: bool | None = None
    #: for rows without an id
    id_prefix: str = ""
    #: text columns the caller already repaired (e.g. decimal commas) and how
    notes: list[str] = field(default_factory=list)
    #: False: the caller only counts (``inspect`` read in blocks): every row gets the same empty
    #: id instead of one made for it (the id column, if mapped, is still checked by the caller)
    ids: bool = True


class _Lister:
    """Collects per-row problems, at most MAX_LISTED of one kind (then one count line), and adds
    them to the report in row order when the table is done."""

    def __init__(self, report: ImportReport, opts: BuildOptions) -> None:
        self.report, self.opts = report, opts
        self.rows: list[tuple[int, int, str, str]] = []
        self.tail: list[tuple[str, str, str]] = []

    def add(self, rows: Sequence[int] | np.ndarray, what: Callable[[int], str] | str, action: str, kind: str) -> None:
        rows = [int(r) for r in rows]
        for r in rows[:MAX_LISTED]:
            self.rows.append((r, len(self.rows), what(r) if callable(what) else what, action))
        if len(rows) > MAX_LISTED:
            self.tail.append((f"{len(rows) - MAX_LISTED:,} more rows", f"{kind} (first {MAX_LISTED} listed above)", action))

    def flush(self) -> None:
        for r, _, what, action in sorted(self.rows):
            self.report.flag(self.opts.where(r), what, action)
        for where, what, action in self.tail:
            self.report.flag(where, what, action)
        self.rows, self.tail = [], []


def _is_dictionary(col: Any) -> bool:
    return isinstance(col, (pa.Array, pa.ChunkedArray)) and pa.types.is_dictionary(col.type)


def _decoded(col: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """A column the reader dictionary-encoded, as plain strings again (block by block)."""
    if not _is_dictionary(col):
        return col
    if isinstance(col, pa.Array):
        return col.dictionary_decode()
    return pa.chunked_array([c.dictionary_decode() for c in col.chunks], type=col.type.value_type)


def _strings(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    col = _decoded(col)
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if arr.type != pa.string():
        arr = arr.cast(pa.string())
    return pc.utf8_trim_whitespace(pc.fill_null(arr, ""))


def dictionary_parts(col: pa.ChunkedArray | pa.Array) -> tuple[pa.Array, np.ndarray]:
    """(distinct values as Arrow strings, int32 index per row with -1 for null) of a string column
    or of one the reader already dictionary-encoded block by block (then only the blocks'
    dictionaries are unified: no row is hashed again)."""
    if isinstance(col, pa.Array):
        col = pa.chunked_array([col])
    if col.num_chunks == 0:
        return pa.array([], pa.string()), np.zeros(0, np.int32)
    if pa.types.is_dictionary(col.type):
        enc = col.unify_dictionaries() if col.num_chunks > 1 else col
    else:
        if col.type != pa.string():
            col = col.cast(pa.string())
        enc = pc.dictionary_encode(col)
        # Arrow's hash kernel grows one dictionary across chunks; unify only if it did not.
        if enc.num_chunks > 1 and len(enc.chunks[0].dictionary) != len(enc.chunks[-1].dictionary):
            enc = enc.unify_dictionaries()
    dictionary = enc.chunks[-1].dictionary
    if dictionary.type != pa.string():
        dictionary = dictionary.cast(pa.string())
    idx_arr = pa.chunked_array([ch.indices for ch in enc.chunks]).combine_chunks().cast(pa.int32())
    if idx_arr.null_count:
        idx_arr = pc.fill_null(idx_arr, -1)
    return dictionary, np.asarray(idx_arr.to_numpy(zero_copy_only=False), dtype=np.int32)


def _encode(col: pa.ChunkedArray | pa.Array) -> tuple[list[str], np.ndarray]:
    """(distinct values trimmed, int32 index per row): Arrow's hash encoding, chunk by chunk."""
    dictionary, idx = dictionary_parts(col)
    words = pc.utf8_trim_whitespace(pc.fill_null(dictionary, "")).to_pylist()
    if len(idx) == 0:
        return [], idx
    # Values equal once trimmed ("Kursk" and "Kursk ") share one entry; null reads as "".
    first: dict[str, int] = {}
    remap = np.empty(len(words) + 1, dtype=np.int32)
    for i, w in enumerate(words):
        remap[i] = first.setdefault(w, len(first))
    remap[len(words)] = first.setdefault("", len(first))
    if idx.min() >= 0:
        # The usual case: no nulls, and no two values equal once trimmed: the codes as they are.
        if len(first) >= len(words) and np.array_equal(remap[:len(words)], np.arange(len(words))):
            return list(first), idx
        return list(first), remap[idx]
    return list(first), remap[np.where(idx < 0, len(words), idx)]


def _mostly_distinct(col: pa.ChunkedArray | pa.Array) -> bool:
    sample = col.slice(0, 20_000)
    n = len(sample)
    return n > 1000 and pc.count_distinct(sample).as_py() > 0.5 * n


def objects(col: pa.ChunkedArray | pa.Array, distinct: bool | None = None) -> np.ndarray:
    """A string column as an object array of ``str`` ("" for missing), trimmed.

    For a column with few distinct values (``distinct=True``; None decides from a sample) the rows
    share one Python string per value: 8 bytes a row instead of ~60."""
    if isinstance(col, np.ndarray):
        return col  # already converted while the file was parsed
    if isinstance(col, _TextBase):
        return np.asarray(col)
    if _is_dictionary(col):
        distinct = True
    if distinct is None:
        distinct = not _mostly_distinct(col)
    if not distinct:
        # Mostly one value per row (notes, ids): straight to Python strings, chunk by chunk.
        if col.null_count:
            col = pc.fill_null(col, "")
        # Trimmed like every other column, so a value reads the same from every format.
        return np.asarray(pc.utf8_trim_whitespace(col).to_numpy(zero_copy_only=False), dtype=object)
    words, idx = _encode(col)
    table = np.empty(len(words), dtype=object)
    table[:] = words
    return table[idx]


def trimmed(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """``col`` with "" for null and its values trimmed; a chunk that needs no trimming is kept as it
    is (trimming copies the text: a gigabyte of notes at ten million rows)."""
    out = []
    for chunk in col.chunks:
        if chunk.null_count:
            chunk = pc.fill_null(chunk, "")
        # Looking at each value's first and last character is far cheaper than a regex over the text.
        ends = pc.or_(pc.utf8_is_space(pc.utf8_slice_codeunits(chunk, 0, 1)),
                      pc.utf8_is_space(pc.utf8_slice_codeunits(chunk, -1)))
        if pc.any(ends).as_py():
            chunk = pc.utf8_trim_whitespace(chunk)
        out.append(chunk)
    return pa.chunked_array(out, type=col.type)


def compact_text(col: Any, distinct: bool | None = None) -> Any:
    """A text column in the table's compact form (atlas/model/text_column.py), trimmed: codes into
    its distinct values when it has few (``distinct=True``; None decides from a sample), else
    Arrow's strings as parsed. Nothing is turned into a Python string per row."""
    if isinstance(col, (np.ndarray, _TextBase)):
        return col
    if isinstance(col, pa.Array):
        col = pa.chunked_array([col])
    if _is_dictionary(col):
        distinct = True
    if distinct is None:
        distinct = not _mostly_distinct(col)
    if distinct or col.num_chunks == 0:
        words, idx = _encode(col)
        return CodedText(idx, words or [""])
    if col.type != pa.string():
        col = col.cast(pa.string())
    return ArrowText(trimmed(col))


def categorical(col: pa.ChunkedArray | pa.Array) -> Categorical:
    """Codes into a sorted vocabulary straight from Arrow's dictionary encoding ("" → -1)."""
    words, idx = _encode(col)
    order = sorted(range(len(words)), key=words.__getitem__)
    remap = np.full(len(words) + 1, -1, dtype=np.int32)
    kept = [i for i in order if words[i] != ""]
    remap[kept] = np.arange(len(kept), dtype=np.int32)
    return Categorical(remap[idx] if len(idx) else np.zeros(0, np.int32), tuple(words[i] for i in kept))


_LAST_EMPTY: list[np.ndarray] = [np.zeros(0, bool)]


def numbers_and_empty(col: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`numbers` plus the mask of empty cells (a literal "nan" is not empty)."""
    vals, bad, comma = numbers(col)
    return vals, bad, comma, _LAST_EMPTY[0]


_NUMBER = r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$"
_DECIMAL_COMMA = r"^[-+]?\d+,\d+$"


def numbers(col: pa.ChunkedArray | pa.Array) -> tuple[npt.NDArray[np.float64], np.ndarray, np.ndarray]:
    """(values, unreadable mask, decimal-comma mask): NaN where empty or unreadable.
    See :func:`numbers_and_empty` for the empty-cell mask too.

    The fast path is one Arrow cast; only a column with a bad value pays for the regexes. A column
    the reader dictionary-encoded is read once per distinct value."""
    if _is_dictionary(col):
        dictionary, idx = dictionary_parts(col)
        d_vals, d_bad, d_comma = numbers(dictionary)
        d_empty = _LAST_EMPTY[0]
        k = np.where(idx < 0, len(dictionary), idx)
        _LAST_EMPTY[0] = np.append(d_empty, True)[k]
        return np.append(d_vals, np.nan)[k], np.append(d_bad, False)[k], np.append(d_comma, False)[k]
    raw = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if raw.type == pa.string() and not raw.null_count:
        # The common case, a column of plain numbers: one cast of the text as it is. It refuses
        # "" and any space, so it stands only where trimming and emptiness change nothing.
        try:
            vals = np.array(pc.cast(raw, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        else:
            none = np.zeros(len(raw), bool)
            _LAST_EMPTY[0] = none
            return vals, none, none.copy()
    arr = _strings(raw)
    empty = np.asarray(pc.equal(arr, "").to_numpy(zero_copy_only=False), dtype=bool)
    nulled = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
    n = len(arr)
    comma = np.zeros(n, bool)
    _LAST_EMPTY[0] = empty
    try:
        vals = np.asarray(pc.cast(nulled, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
        return np.where(empty, np.nan, vals), np.zeros(n, bool), comma
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    is_comma = pc.fill_null(pc.match_substring_regex(nulled, _DECIMAL_COMMA), False)
    comma = np.asarray(is_comma.to_numpy(zero_copy_only=False), dtype=bool)
    fixed = pc.if_else(is_comma, pc.replace_substring(nulled, ",", "."), nulled)
    # "nan" and "inf" are numbers to Arrow; keep them so the caller can refuse them by name.
    ok = pc.or_(pc.match_substring_regex(fixed, _NUMBER), pc.match_substring_regex(pc.utf8_lower(fixed), r"^[-+]?(nan|inf|infinity)$"))
    ok_np = np.asarray(pc.fill_null(ok, False).to_numpy(zero_copy_only=False), dtype=bool)
    clean = pc.if_else(pc.fill_null(ok, False), fixed, pa.scalar(None, pa.string()))
    vals = np.array(pc.cast(clean, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
    vals[empty] = np.nan
    bad = ~ok_np & ~empty
    return vals, bad, comma


def _sources_of(flat: pa.ChunkedArray | None, full: pa.ChunkedArray | None, lister: _Lister, n: int) -> np.ndarray:
    """One tuple of source dicts per row, built once per distinct (flat, JSON) cell pair:
    a million ACLED rows carry a few thousand distinct source strings."""
    out = np.empty(n, dtype=object)
    if flat is None and full is None:
        out.fill(())
        return out
    w_flat, i_flat = _encode(flat) if flat is not None else ([""], np.zeros(n, np.int32))
    if full is None:
        # ACLED: only the flat column; one tuple per distinct text, spread by its index.
        cache0: dict[tuple[str, str], tuple[dict[str, str], ...]] = {}
        words = np.empty(len(w_flat), dtype=object)
        words[:] = [_one_sources(w, "", cache0, [], 0) for w in w_flat]
        out[:] = words[i_flat]
        return out
    w_full, i_full = _encode(full)
    key = i_flat.astype(np.int64) * max(len(w_full), 1) + i_full
    _, first, inv = np.unique(key, return_index=True, return_inverse=True)
    cache: dict[tuple[str, str], tuple[dict[str, str], ...]] = {}
    bad_rows: list[int] = []
    table = np.empty(len(first), dtype=object)
    table[:] = [_one_sources(w_flat[i_flat[i]], w_full[i_full[i]], cache, bad_rows, int(i)) for i in first]
    out[:] = table[inv.reshape(-1)]
    if bad_rows:
        # Only the first row of each distinct bad value is known here; list every row that has one.
        bad_keys = set(key[bad_rows].tolist())
        rows = np.flatnonzero(np.isin(key, list(bad_keys)))
        lister.add(rows, "sources column is not a JSON list of sources; its text kept as one outlet", "repaired", "unreadable sources")
    return out


_URL_KEYS = ("url", "path", "link", "href")
_OUTLET_KEYS = ("outlet", "name", "source", "publisher")


def source_dict(s: Mapping[str, Any]) -> dict[str, str]:
    """A source object from any tool, in the atlas's {outlet, date, url, title} terms (others kept)."""
    d = {str(k): str(v) for k, v in s.items() if v not in (None, "") and not isinstance(v, (dict, list))}
    if "url" not in d:
        for k in _URL_KEYS:
            if d.get(k, "").startswith(("http://", "https://")):
                d["url"] = d.pop(k)
                break
    if "outlet" not in d:
        for k in _OUTLET_KEYS[1:]:
            if d.get(k):
                d["outlet"] = d.pop(k)
                break
        else:
            m = re.match(r"https?://(?:www\.)?([^/]+)", d.get("url", ""))
            if m:
                d["outlet"] = m.group(1)
    return d


def _one_sources(flat: str, full: str, cache: dict, bad_rows: list[int], row: int) -> tuple[dict[str, str], ...]:
    key = (flat, full)
    if key in cache:
        return cache[key]
    result: tuple[dict[str, str], ...] = ()
    if full:
        try:
            doc = json.loads(full)
            if not isinstance(doc, list):
                raise ValueError
            items = []
            for s in doc:
                if isinstance(s, dict):
                    items.append(source_dict(s))
                elif isinstance(s, str) and s.strip():
                    items.append({"outlet": s.strip()})
            result = tuple(items)
        except ValueError:
            bad_rows.append(row)
            result = ({"outlet": full},)
    elif flat:
        result = tuple({"outlet": s.strip()} for s in flat.split(";") if s.strip())
    cache[key] = result
    return result


_TRUE = {"true", "1", "yes", "y", "t"}
_SCHEMA_NAMES = frozenset(EventTable.empty().columns) | {"longitude", "latitude"}


class _Store:
    """The source columns, each dropped as soon as nothing more needs it (keeps the peak low)."""

    def __init__(self, columns: dict[str, pa.ChunkedArray], mapping: Mapping[str, str]) -> None:
        self.columns = columns
        self.mapping = {f: c for f, c in mapping.items() if c and c in columns}
        self.order = list(columns)

    def get(self, fld: str) -> pa.ChunkedArray | None:
        name = self.mapping.get(fld)
        return self.columns.get(name) if name else None

    def release(self, fld: str) -> None:
        name = self.mapping.pop(fld, None)
        if name and fld != "year" and name not in self.mapping.values():
            self.columns.pop(name, None)


def build_events(
    source: pa.Table | dict[str, pa.ChunkedArray], mapping: Mapping[str, str], report: ImportReport,
    opts: BuildOptions,
) -> EventTable:
    """Turn text columns into events; every unmapped column is kept as an extra.

    ``source`` may be a dict of columns, which is emptied as the columns are converted: each step
    below releases the columns it has read, so memory falls as the table is built."""
    if isinstance(source, pa.Table):
        n = source.num_rows
        columns = {name: source.column(i) for i, name in enumerate(source.column_names)}
    else:
        columns = source
        n = len(next(iter(columns.values()))) if columns else 0
    store = _Store(columns, mapping)
    lister = _Lister(report, opts)
    empty = _EmptyText(n)

    ids = _ids(store, n, opts, report, lister) if opts.ids else empty()
    lon, lat = _coordinates(store, n, report, lister)
    tick(0.85)
    cats, text = _categories_and_text(store, n, opts, empty)
    tick(0.9)
    _check_countries(lon, lat, cats["country"], report, lister)
    date = _dates(store, n, opts, report, lister)
    small, floats, approx = _numbers_and_flags(store, n, np.isfinite(lon) & np.isfinite(lat), lister)
    sources = _sources_of(store.get("source"), store.get("sources"), lister, n)
    store.release("source")
    store.release("sources")
    tick(0.95)
    extras = _extras(store, n, empty)
    report.notes.extend(opts.notes)
    lister.flush()
    table = EventTable(
        ids=ids, lon=lon, lat=lat, date=date, date_precision=small["time_precision"],
        geo_precision=small["geo_precision"], coord_approximate=approx, fatalities=floats["fatalities"],
        claim_area_km2=floats["claim_area_km2"], categorical=cats, text=text, sources=sources, extras=extras,
    )
    report.rows_loaded = len(table)
    return table


class _EmptyText:
    """Columns with nothing in them share one column (the table is immutable): a byte a row."""

    def __init__(self, n: int) -> None:
        self.n = n
        self._array: CodedText | None = None

    def __call__(self) -> CodedText:
        if self._array is None:
            self._array = CodedText(np.zeros(self.n, np.int8), [""])
        return self._array


def _ids(store: _Store, n: int, opts: BuildOptions, report: ImportReport, lister: _Lister) -> ArrowText:
    """The file's own ids; "<stem>-<row>" where missing; duplicates reported and made unique."""
    col = store.get
    id_col = col("event_id")
    prefix = opts.id_prefix or opts.dataset
    if id_col is not None and isinstance(id_col, np.ndarray):
        id_col = pa.chunked_array([pa.array(id_col, pa.string())])
    if isinstance(id_col, pa.Array):
        id_col = pa.chunked_array([id_col])
    if id_col is not None:
        id_col = _decoded(id_col)
        if id_col.type != pa.string():
            id_col = id_col.cast(pa.string())
        clean = trimmed(id_col)
        n_blank = pc.sum(pc.equal(clean, "")).as_py() or 0 if n else 0
        # The common case, every id present and distinct, costs one C++ hash pass and keeps the
        # parsed text as it is (no Python string per id).
        all_distinct = not n_blank and pc.count_distinct(clean).as_py() == n
        store.release("event_id")
        if all_distinct:
            return ArrowText(clean)
        ids = np.asarray(clean.to_numpy(zero_copy_only=False), dtype=object)
        del clean
        blank = np.flatnonzero(ids == "") if n_blank else np.zeros(0, np.intp)
        for r in blank:
            ids[r] = f"{prefix}-{r + 1}"
        if blank.size:
            report.notes.append(f"{blank.size:,} rows had no id and got '{prefix}-<row>'")
        id_arr = pa.array(ids, pa.string()) if not all_distinct else None
        if id_arr is not None and pc.count_distinct(id_arr).as_py() < n:
            idx = np.asarray(pc.dictionary_encode(id_arr).indices.to_numpy(zero_copy_only=False), dtype=np.int64)
            counts = np.bincount(idx)
            dup_rows = np.flatnonzero(counts[idx] > 1)
        else:
            dup_rows = np.zeros(0, np.intp)
        if dup_rows.size:
            first: dict[int, int] = {}
            seen: dict[int, int] = {}
            later = []
            for r in dup_rows:
                k = int(idx[r])
                if k in first:
                    later.append(int(r))
                else:
                    first[k] = int(r)
            originals = {r: ids[r] for r in later}
            for r in later:
                k = int(idx[r])
                seen[k] = seen.get(k, 1) + 1
                ids[r] = f"{ids[r]}#{seen[k]}"
            lister.add(later, lambda r: (f"duplicate id {originals[r]!r} (first at {opts.where(first[int(idx[r])])}); "
                                         f"kept as {ids[r]!r}"), "flagged", "duplicate ids")
        return ArrowText(pa.array(ids, pa.string()))
    seq = pa.array(np.arange(1, n + 1, dtype=np.int64)).cast(pa.string())
    return ArrowText(pc.binary_join_element_wise(f"{prefix}-", seq, ""))


def _coordinates(store: _Store, n: int, report: ImportReport, lister: _Lister) -> tuple[np.ndarray, np.ndarray]:
    """Numbers, then the checks that refuse a point but keep the row (NaN, half, out of range, 0/0)."""
    col = store.get
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    lon_c, lat_c = col("longitude"), col("latitude")
    if lon_c is not None and lat_c is not None:
        lon, bad_x, comma_x, empty_x = numbers_and_empty(lon_c)
        lat, bad_y, comma_y, empty_y = numbers_and_empty(lat_c)
        comma = np.flatnonzero(comma_x | comma_y)
        if comma.size:
            lister.add(comma, "decimal comma in the coordinates read as a decimal point", "repaired", "decimal commas")
        bad = np.flatnonzero(bad_x | bad_y)
        if bad.size:
            xs, ys = objects(lon_c, False), objects(lat_c, False)
            lister.add(bad, lambda r: f"coordinate is not a number (lat {ys[r]!r}, lon {xs[r]!r})", "kept without a point", "coordinates that are not numbers")
        store.release("longitude")
        store.release("latitude")
        unreadable = bad_x | bad_y
        with np.errstate(invalid="ignore"):
            nonfinite = ~unreadable & ((~empty_x & ~np.isfinite(lon)) | (~empty_y & ~np.isfinite(lat)))
            # One side empty: half a coordinate is no coordinate.
            half = ~unreadable & ~nonfinite & (empty_x ^ empty_y)
            given = ~unreadable & ~nonfinite & ~half & ~empty_x & ~empty_y
            rng = given & ((np.abs(lon) > 180) | (np.abs(lat) > 90))
            zero = given & (lon == 0) & (lat == 0)
        for mask, what, kind in (
            (nonfinite, lambda r: f"coordinate is NaN or infinite (lat {lat[r]}, lon {lon[r]})", "NaN/infinite coordinates"),
            (half, "only one of latitude and longitude is given", "half coordinates"),
            (rng, lambda r: f"coordinate out of range (lat {lat[r]:g}, lon {lon[r]:g})", "out-of-range coordinates"),
            (zero, "coordinate is (0, 0), a common placeholder for 'unknown'", "(0, 0) coordinates"),
        ):
            rows = np.flatnonzero(mask)
            if rows.size:
                lister.add(rows, what, "kept without a point", kind)
        refuse = nonfinite | half | rng | zero | unreadable
        lon = np.where(refuse, np.nan, lon)
        lat = np.where(refuse, np.nan, lat)
        none = int((empty_x & empty_y).sum())
        if none:
            report.notes.append(f"{none:,} rows have no coordinate (listed, not on the map)")
    else:
        report.notes.append("no coordinate columns: every row is listed without a point")
    return lon, lat


def _categories_and_text(store: _Store, n: int, opts: BuildOptions,
                         empty_text: _EmptyText) -> tuple[dict[str, Categorical], dict[str, np.ndarray]]:
    """Category columns as codes (the dataset named by the file when no column says), text as is."""
    col = store.get
    cats: dict[str, Categorical] = {}
    for name in CATEGORICAL_FIELDS:
        c = col(name)
        if c is not None:
            cats[name] = categorical(c)
            store.release(name)
        else:
            cats[name] = Categorical(np.full(n, -1, np.int32), ())
    if not cats["dataset"].categories:
        cats["dataset"] = Categorical(np.zeros(n, np.int32), (opts.dataset,)) if n else Categorical(np.zeros(0, np.int32), ())
    text: dict[str, np.ndarray] = {}
    for name in TEXT_FIELDS:
        c = col(name)
        if c is not None:
            text[name] = compact_text(c)
            store.release(name)
        else:
            text[name] = empty_text()
    return cats, text


def _check_countries(lon: np.ndarray, lat: np.ndarray, cc: Categorical, report: ImportReport,
                     lister: _Lister) -> None:
    """Flag points far outside their country (swapped coordinates); say which were not checked."""
    if cc.categories:
        flagged = far_outside(lon, lat, cc.codes, cc.categories)
        if flagged:
            lister.add([r for r, _ in flagged], dict(flagged).__getitem__, "flagged", "points far outside their country")
        unchecked = sorted(set(cc.categories) - set(COUNTRY_BOXES))
        if unchecked:
            report.notes.append("points not checked against their country (no outline for: "
                                + ", ".join(unchecked[:12]) + (" …" if len(unchecked) > 12 else "") + ")")


def _dates(store: _Store, n: int, opts: BuildOptions, report: ImportReport, lister: _Lister) -> np.ndarray:
    """Days (NaT when unreadable), two-digit years resolved by a year column where there is one."""
    col = store.get
    date = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    d = col("event_date")
    if d is not None:
        years = None
        yc = col("year")
        if yc is not None:
            yv, _, _ = numbers(yc)
            years = np.where(np.isfinite(yv), yv, 0).astype(np.int64)
        parsed = parse_dates(d, day_first=opts.day_first, years=years)
        store.release("event_date")
        date = parsed.days
        report.notes.extend(parsed.notes)
        if parsed.resolved:
            lister.add(sorted(parsed.resolved), parsed.resolved.__getitem__, "repaired", "two-digit dates resolved by the year column")
        if parsed.unreadable:
            lister.add(sorted(parsed.unreadable), parsed.unreadable.__getitem__, "flagged", "unreadable or ambiguous dates")
    elif n:
        report.notes.append("no date column: every row is undated")
    return date


def _numbers_and_flags(store: _Store, n: int, has: np.ndarray,
                       lister: _Lister) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray]:
    """Precisions (small integers, repaired to their default), numbers, the approximate flag."""
    col = store.get
    small: dict[str, np.ndarray] = {}
    for name, lo, hi, default in (("time_precision", 1, 3, 1), ("geo_precision", 0, 3, 1)):
        c = col(name)
        if c is None:
            small[name] = np.full(n, default, dtype=np.int8)
            continue
        v, bad, _ = numbers(c)
        with np.errstate(invalid="ignore"):
            wrong = np.flatnonzero(bad | (np.isfinite(v) & ((v < lo) | (v > hi) | (v != np.round(v)))))
        if wrong.size:
            raw = objects(c, False)
            lister.add(wrong, lambda r: f"{name} {raw[r]!r} is not {lo}..{hi}; set to {default}", "repaired", f"bad {name}")
        store.release(name)
        v[wrong] = default
        small[name] = np.where(np.isfinite(v), v, default).astype(np.int8)
    small["geo_precision"][~has] = 0
    floats: dict[str, np.ndarray] = {}
    for name in ("fatalities", "claim_area_km2"):
        c = col(name)
        if c is None:
            floats[name] = np.full(n, np.nan)
            continue
        v, bad, _ = numbers(c)
        if bad.any():
            raw = objects(c, False)
            lister.add(np.flatnonzero(bad), lambda r: f"{name} {raw[r]!r} is not a number; cleared", "repaired", f"bad {name}")
        store.release(name)
        floats[name] = v
    approx = np.zeros(n, bool)
    c = col("coord_approximate")
    if c is not None:
        low = pc.utf8_lower(_strings(c))
        approx = np.asarray(pc.is_in(low, value_set=pa.array(sorted(_TRUE))).to_numpy(zero_copy_only=False), dtype=bool)
        store.release("coord_approximate")
    return small, floats, approx


def _extras(store: _Store, n: int, empty_text: _EmptyText) -> dict[str, np.ndarray]:
    """Everything else, kept as extra columns under the file's own names."""
    extras: dict[str, np.ndarray] = {}
    for name in store.order:
        if name not in store.columns:
            continue
        key = name
        # An unmapped column must not shadow a schema field ("latitude" when another column was chosen).
        while key in extras or key in _SCHEMA_NAMES:
            key = f"{key}_original"
        col_values = compact_text(store.columns.pop(name))
        # _encode's words are the values that occur (and ""): no other word means an empty column.
        if isinstance(col_values, CodedText) and not any(col_values.words.tolist()):
            col_values = empty_text()
        extras[key] = col_values
    return extras
