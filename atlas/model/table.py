"""The columnar event table: one NumPy array per field, never one Python object per event.

Rows are addressed by integer position; each event also carries a stable string id. Categorical
fields are stored as int32 codes into a sorted vocabulary so that filters compare integers, and the
free-text fields searched by the search box are scanned as Arrow strings by RE2, case-insensitively
(no lower-cased copy), so a substring search over a million rows runs in C++ rather than a Python loop.
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from . import sort_order as orders
from .id_index import IdIndex
from .text_column import CodedText, arrow_text, concat_text, take_rows

#: Fields stored as codes into a vocabulary (few distinct values, filtered often).
CATEGORICAL_FIELDS: tuple[str, ...] = (
    "event_type",
    "sub_event_type",
    "side",
    "confidence",
    "country",
    "admin1",
    "actor1",
    "actor2",
    "dataset",
)
#: Free-text fields kept as object arrays of ``str``.
TEXT_FIELDS: tuple[str, ...] = (
    "title",
    "notes",
    "location",
    "admin2",
    "claimed_by",
    "coord_basis",
)
#: Fields the search box looks in (title, notes, location and actors, as the list shows them).
SEARCH_FIELDS: tuple[str, ...] = ("title", "notes", "location", "actor1", "actor2", "admin1")

#: Rows per chunk of the search column.
_SEARCH_STEP = 100_000

#: Confidence grades, strongest first. ``MinConfidence`` uses this order.
CONFIDENCE_LEVELS: tuple[str, ...] = ("confirmed", "reported", "claimed", "disputed")

#: Date precision codes (ACLED ``time_precision``): 1 day, 2 about a week, 3 month.
DATE_PRECISION_LABELS: dict[int, str] = {0: "unknown", 1: "day", 2: "approx. (week)", 3: "month"}
#: Geo precision codes (ACLED ``geo_precision``): 1 the place itself, 2 near it, 3 the region only.
GEO_PRECISION_LABELS: dict[int, str] = {0: "none", 1: "exact place", 2: "near place", 3: "region"}

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Categorical:
    """Integer codes into a vocabulary; code -1 means missing.

    The codes are kept in the smallest signed type that holds every code and one more (int8 below
    127 categories, as event types, actors and countries are): at ten million events nine such
    fields took 36 bytes an event as int32, 9 as int8. One more fits, so ``codes + 1`` (missing
    moved to slot 0) never overflows."""

    codes: npt.NDArray[np.signedinteger[Any]]
    categories: tuple[str, ...]

    def __post_init__(self) -> None:
        n = len(self.categories)
        dtype = np.int8 if n < 126 else np.int16 if n < 32_766 else np.int32
        codes = np.asarray(self.codes)
        if codes.dtype != dtype:
            object.__setattr__(self, "codes", codes.astype(dtype))

    @classmethod
    def from_values(cls, values: Sequence[Any] | np.ndarray) -> Categorical:
        arr = np.asarray(values, dtype=object)
        if arr.size == 0:
            return cls(np.zeros(0, np.int32), ())
        # None and "" are both "missing"; everything else is compared as text.
        text = np.array(["" if v is None else str(v).strip() for v in arr.reshape(-1)], dtype=str)
        cats, inverse = np.unique(text, return_inverse=True)
        codes = inverse.astype(np.int32).reshape(-1)
        categories = tuple(str(c) for c in cats)
        if "" in categories:
            empty = categories.index("")
            codes = np.where(codes == empty, -1, codes - (codes > empty)).astype(np.int32)
            categories = categories[:empty] + categories[empty + 1 :]
        return cls(codes, categories)

    def decode(self, rows: npt.ArrayLike | None = None) -> np.ndarray:
        codes = self.codes if rows is None else self.codes[rows]
        lookup = np.array(list(self.categories) + [""], dtype=object)
        return lookup[np.where(codes < 0, len(self.categories), codes)]

    def value(self, row: int) -> str:
        code = int(self.codes[row])
        return self.categories[code] if code >= 0 else ""

    def codes_for(self, values: Iterable[str]) -> npt.NDArray[np.int32]:
        index = {c: i for i, c in enumerate(self.categories)}
        wanted = [index[v] for v in values if v in index]
        if "" in set(values):
            wanted.append(-1)
        return np.array(sorted(set(wanted)), dtype=np.int32)

    def mask_for(self, values: Iterable[str]) -> npt.NDArray[np.bool_]:
        """Which rows hold one of ``values`` ("" for a missing value): one lookup per row in a
        table of the categories (``np.isin`` on the codes took ~10 ms per million rows)."""
        lut = np.zeros(len(self.categories) + 1, dtype=bool)
        lut[self.codes_for(values) + 1] = True  # missing (-1) is slot 0
        return lut[self.codes + 1]

    def take(self, rows: npt.ArrayLike) -> Categorical:
        return Categorical(self.codes[rows], self.categories)

    def arrow_slice(self, start: int, stop: int) -> Any:
        """Rows ``start:stop`` decoded to Arrow strings ("" where missing), without Python strings."""
        import pyarrow as pa

        words = pa.array(list(self.categories) + [""], type=pa.string())
        codes = self.codes[start:stop]
        idx = np.where(codes < 0, len(self.categories), codes).astype(np.int32)
        return pa.DictionaryArray.from_arrays(pa.array(idx), words).dictionary_decode()

    @staticmethod
    def concat(parts: Sequence[Categorical]) -> Categorical:
        categories = tuple(sorted(set().union(*(p.categories for p in parts))))
        index = {c: i for i, c in enumerate(categories)}
        out = []
        for p in parts:
            remap = np.array([index[c] for c in p.categories] + [-1], dtype=np.int32)
            out.append(remap[np.where(p.codes < 0, len(p.categories), p.codes)])
        return Categorical(np.concatenate(out) if out else np.zeros(0, np.int32), categories)


def _to_dates(values: Sequence[Any] | np.ndarray) -> npt.NDArray[np.datetime64]:
    arr = np.asarray(values)
    if np.issubdtype(arr.dtype, np.datetime64):
        return arr.astype("datetime64[D]")
    out = np.empty(len(arr), dtype="datetime64[D]")
    for i, v in enumerate(arr):
        if v is None or v == "" or (isinstance(v, float) and np.isnan(v)):
            out[i] = np.datetime64("NaT")
        elif isinstance(v, (_dt.date, np.datetime64)):
            out[i] = np.datetime64(v, "D")
        else:
            out[i] = np.datetime64(str(v)[:10], "D")
    return out


def _object_array(values: Sequence[Any] | np.ndarray, n: int) -> np.ndarray:
    arr = np.empty(n, dtype=object)
    if values is None:
        arr[:] = ""
        return arr
    arr[:] = ["" if v is None else v for v in values] if not isinstance(values, np.ndarray) else values
    if isinstance(values, np.ndarray) and values.dtype == object:
        missing = np.equal(arr, None)
        if missing.any():
            arr[missing] = ""
    return arr


class EventTable:
    """Columnar storage of events.

    Build one with :meth:`from_columns` (arrays, fast, used by the readers and the bench) or
    :meth:`from_records` (a list of dicts, for small inputs and tests). The table is treated as
    immutable once built: filters, selections and views refer to its rows by position.
    """

    def __init__(
        self,
        ids: np.ndarray,
        lon: npt.NDArray[np.float64],
        lat: npt.NDArray[np.float64],
        date: npt.NDArray[np.datetime64],
        date_precision: npt.NDArray[np.int8],
        geo_precision: npt.NDArray[np.int8],
        coord_approximate: npt.NDArray[np.bool_],
        fatalities: npt.NDArray[np.float64],
        claim_area_km2: npt.NDArray[np.float64],
        categorical: Mapping[str, Categorical],
        text: Mapping[str, np.ndarray],
        sources: np.ndarray,
        extras: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        n = len(ids)
        for name, col in (("lon", lon), ("lat", lat), ("date", date)):
            if len(col) != n:
                raise ValueError(f"column {name} has {len(col)} rows, expected {n}")
        self.ids = ids
        self.lon = lon
        self.lat = lat
        self.date = date
        self.date_precision = date_precision
        self.geo_precision = geo_precision
        self.coord_approximate = coord_approximate
        self.fatalities = fatalities
        self.claim_area_km2 = claim_area_km2
        self.categorical: dict[str, Categorical] = dict(categorical)
        self.text: dict[str, np.ndarray] = dict(text)
        self.sources = sources
        self.extras: dict[str, np.ndarray] = dict(extras or {})
        self._index: IdIndex | None = None
        self._index_lock = threading.Lock()
        self._search: Any = None
        self._search_lock = threading.Lock()
        self._search_starts: tuple[npt.NDArray[np.intp], ...] = ()
        self._sort_keys: dict[str, npt.NDArray[np.signedinteger[Any]]] = {}
        self._sort_orders: dict[tuple[str, bool], npt.NDArray[np.intp]] = {}
        self._has_coords: BoolArray | None = None

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_columns(cls, n: int, columns: Mapping[str, Any], extras: Mapping[str, Any] | None = None) -> EventTable:
        """Build a table of ``n`` rows from column arrays; missing columns get empty values.

        Categorical columns may be given as values (strings) or as a ready :class:`Categorical`.
        """

        def floats(name: str) -> npt.NDArray[np.float64]:
            v = columns.get(name)
            if v is None:
                return np.full(n, np.nan)
            return np.asarray(v, dtype=np.float64).reshape(n)

        def ints(name: str, default: int) -> npt.NDArray[np.int8]:
            v = columns.get(name)
            if v is None:
                return np.full(n, default, dtype=np.int8)
            return np.asarray(v).astype(np.int8).reshape(n)

        ids_in = columns.get("event_id")
        ids = np.empty(n, dtype=object)
        if ids_in is None:
            ids[:] = [f"E{i + 1}" for i in range(n)]
        else:
            ids[:] = [str(v) for v in ids_in] if not (isinstance(ids_in, np.ndarray) and ids_in.dtype == object) else ids_in
        lon, lat = floats("longitude"), floats("latitude")
        bad = ~(np.isfinite(lon) & np.isfinite(lat))
        lon[bad] = np.nan
        lat[bad] = np.nan
        date_in = columns.get("event_date")
        date = _to_dates(date_in) if date_in is not None else np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        cats: dict[str, Categorical] = {}
        for name in CATEGORICAL_FIELDS:
            v = columns.get(name)
            if isinstance(v, Categorical):
                cats[name] = v
            elif v is None:
                cats[name] = Categorical(np.full(n, -1, np.int32), ())
            else:
                cats[name] = Categorical.from_values(v)
        text = {name: _object_array(columns.get(name), n) for name in TEXT_FIELDS}
        sources = np.empty(n, dtype=object)
        src_in = columns.get("sources")
        sources[:] = [()] * n if src_in is None else [tuple(s) if s else () for s in src_in]
        approx = columns.get("coord_approximate")
        extra_cols = {k: _object_array(v, n) for k, v in (extras or {}).items()}
        return cls(
            ids=ids,
            lon=lon,
            lat=lat,
            date=date,
            date_precision=ints("time_precision", 1),
            geo_precision=np.where(bad, 0, ints("geo_precision", 1)).astype(np.int8),
            coord_approximate=np.zeros(n, bool) if approx is None else np.asarray(approx, dtype=bool).reshape(n),
            fatalities=floats("fatalities"),
            claim_area_km2=floats("claim_area_km2"),
            categorical=cats,
            text=text,
            sources=sources,
            extras=extra_cols,
        )

    @classmethod
    def from_records(cls, records: Sequence[Mapping[str, Any]], extra_fields: Sequence[str] = ()) -> EventTable:
        """Build a table from dicts keyed by schema field names (see docs/schema.md)."""
        n = len(records)
        known = set(CATEGORICAL_FIELDS) | set(TEXT_FIELDS) | {
            "event_id", "longitude", "latitude", "event_date", "time_precision", "geo_precision",
            "coord_approximate", "fatalities", "claim_area_km2", "sources",
        }
        columns: dict[str, Any] = {}
        for name in known:
            if any(name in r for r in records):
                vals = [r.get(name) for r in records]
                if name in ("longitude", "latitude", "fatalities", "claim_area_km2"):
                    vals = [np.nan if v is None or v == "" else v for v in vals]
                elif name in ("time_precision",):
                    vals = [1 if v in (None, "") else v for v in vals]
                elif name in ("geo_precision",):
                    vals = [0 if v in (None, "") else v for v in vals]
                elif name == "coord_approximate":
                    vals = [bool(v) for v in vals]
                columns[name] = vals
        extras = {f: [r.get(f, "") for r in records] for f in extra_fields}
        return cls.from_columns(n, columns, extras)

    @classmethod
    def empty(cls) -> EventTable:
        return cls.from_columns(0, {})

    # ------------------------------------------------------------------ basic access
    def __len__(self) -> int:
        return len(self.ids)

    @property
    def columns(self) -> list[str]:
        """Every field name the table holds, schema fields first, then the imported extras."""
        return [
            "event_id", "event_date", "time_precision", *CATEGORICAL_FIELDS[:2], "title",
            "actor1", "actor2", "side", "country", "admin1", "admin2", "location", "latitude",
            "longitude", "geo_precision", "coord_approximate", "coord_basis", "notes", "fatalities",
            "confidence", "claimed_by", "claim_area_km2", "sources", "dataset", *self.extras,
        ]

    def id_index(self) -> IdIndex:
        """The id → row lookup (atlas/model/id_index.py: hashes sorted once, no dict of every
        id); built on first lookup, or ahead of it by ``id_index().build()`` on a worker."""
        with self._index_lock:
            if self._index is None:
                self._index = IdIndex(self.ids)
            return self._index

    def index_of(self, event_id: str) -> int | None:
        """Row position of an event id (None when the table has no such event)."""
        return self.id_index().row(str(event_id))

    def rows_of(self, ids: Iterable[str]) -> IntArray:
        """The rows of the ``ids`` this table holds, ascending."""
        return self.id_index().rows(ids)

    @property
    def has_coords(self) -> BoolArray:
        if self._has_coords is None:
            self._has_coords = np.isfinite(self.lon) & np.isfinite(self.lat)
        return self._has_coords

    def values(self, field: str, rows: npt.ArrayLike | None = None) -> np.ndarray:
        """A field's values as a NumPy array (categoricals decoded to strings)."""
        sel: Any = slice(None) if rows is None else rows
        if field in self.categorical:
            return self.categorical[field].decode(None if rows is None else rows)
        if field in self.text:
            return self.text[field][sel]
        if field in self.extras:
            return self.extras[field][sel]
        simple = {
            "event_id": self.ids, "longitude": self.lon, "latitude": self.lat, "event_date": self.date,
            "time_precision": self.date_precision, "geo_precision": self.geo_precision,
            "coord_approximate": self.coord_approximate, "fatalities": self.fatalities,
            "claim_area_km2": self.claim_area_km2, "sources": self.sources,
        }
        if field in simple:
            return simple[field][sel]
        raise KeyError(field)

    def value(self, field: str, row: int) -> Any:
        if field in self.categorical:
            return self.categorical[field].value(row)
        # One row of a text column, not the whole column first: a compact column (codes, Arrow)
        # would build every row's string for each cell the list paints.
        if field in self.text:
            return self.text[field][row]
        if field in self.extras:
            return self.extras[field][row]
        if field == "event_id":
            return self.ids[row]
        return self.values(field)[row]

    def record(self, row: int) -> dict[str, Any]:
        """Every field of one row as plain Python values (details panel, exports)."""
        rec: dict[str, Any] = {}
        for name in self.columns:
            v = self.value(name, row)
            if isinstance(v, np.datetime64):
                v = None if np.isnat(v) else str(v)
            elif isinstance(v, np.floating):
                v = None if np.isnan(v) else float(v)
            elif isinstance(v, np.integer):
                v = int(v)
            elif isinstance(v, np.bool_):
                v = bool(v)
            elif isinstance(v, tuple):
                v = [dict(s) for s in v]
            rec[name] = v
        if not self.has_coords[row]:
            rec["latitude"] = rec["longitude"] = None
            rec["geo_precision"] = None
        return rec

    def outlets(self, row: int) -> list[str]:
        return [str(s.get("outlet", "")) for s in self.sources[row] if s.get("outlet")]

    # ------------------------------------------------------------------ derived columns
    def _coded_search_fields(self) -> list[str]:
        """Searched fields held as codes into a vocabulary (categories, coded text such as a
        place): a term is matched against their few distinct values, not against every row."""
        return [f for f in SEARCH_FIELDS if f in self.categorical
                or (f in self.text and hasattr(self.text[f], "codes") and hasattr(self.text[f], "words"))]

    @property
    def search_ready(self) -> bool:
        """Whether the search index is built (a search would not wait for it)."""
        return self._search is not None

    def search_column(self) -> tuple[Any, ...]:
        """The search index: the searched fields that are text of each row (title and notes, not
        the coded ones), each as an Arrow string column in its own case (built once).

        A field the reader kept in Arrow (:class:`ArrowText`: the notes and ids of a CSV) is used
        as it is, with no copy: the search matches case-insensitively (RE2's case folding), so no
        lower-cased second copy of the notes is kept (at 10M ACLED events that copy was ~1 GB, a
        quarter of the window's memory). An object array of ``str`` is converted once, in chunks
        of 100k rows so the transient copies stay small. Fields held as codes (actors, region, a
        coded place) are not in it: :meth:`search_hits` matches their vocabularies. Thread-safe,
        so the GUI can warm it up in the background.
        """
        with self._search_lock:
            if self._search is None:
                import pyarrow as pa
                import pyarrow.compute as pc

                coded = set(self._coded_search_fields())
                cols = []
                for f in SEARCH_FIELDS:
                    if f in coded or f not in self.text:
                        continue
                    col = self.text[f]
                    if hasattr(col, "arrow") and not isinstance(col, np.ndarray):
                        arrow = col.arrow()
                    else:
                        arrow = pa.chunked_array(
                            [arrow_text(col, start, min(start + _SEARCH_STEP, len(self)))
                             for start in range(0, len(self), _SEARCH_STEP)], type=pa.string())
                    if arrow.null_count:
                        arrow = pc.fill_null(arrow, "")
                    cols.append(arrow)
                self._search_starts = tuple(np.cumsum([0] + [len(c) for c in a.chunks]).astype(np.intp)
                                            for a in cols)
                self._search = tuple(cols)
            return self._search

    def search_text(self, start: int, stop: int, fields: Sequence[str] = SEARCH_FIELDS) -> Any:
        """Rows ``start:stop`` of ``fields`` (all searched fields by default: the store's search
        text) joined by "\x1f" and lower-cased, as one Arrow string array."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if not fields:
            return pa.array([""] * (stop - start), type=pa.string())
        parts = [arrow_text(self.text[f], start, stop) if f in self.text
                 else self.categorical[f].arrow_slice(start, stop) for f in fields]
        joined = pc.binary_join_element_wise(*parts, "\x1f") if len(parts) > 1 else parts[0]
        return pc.utf8_lower(joined)

    def search_hits(self, rows: IntArray, pattern: str) -> BoolArray:
        """Whether each of ``rows`` (ascending) matches the RE2 ``pattern`` (lower-case, no
        "\x1f") in any searched field, case-insensitively: one regex scan of the rows of each
        field of the search index, and the coded fields by their matching vocabulary entries.
        The same answer as one scan of every field joined and lower-cased, since no match can
        span two fields."""
        import pyarrow as pa
        import pyarrow.compute as pc

        rows = np.asarray(rows, dtype=np.intp)
        hit = np.zeros(len(rows), dtype=bool)
        for part in self.search_rows(rows):
            # ignore_case: RE2 folds case as it scans, as fast as a scan of lower-cased text
            # (measured at 1M ACLED notes) and with no lower-cased copy held.
            hit |= np.asarray(pc.match_substring_regex(part, pattern, ignore_case=True)
                              .to_numpy(zero_copy_only=False), dtype=bool)
        for f in self._coded_search_fields():
            if f in self.categorical:
                cat = self.categorical[f]
                words, codes = list(cat.categories), cat.codes[rows]
                codes = np.where(codes < 0, len(words), codes)
                words.append("")
            else:
                col = self.text[f]
                words, codes = col.words.tolist(), col.codes[rows]
            lut = np.asarray(pc.match_substring_regex(pa.array(words, type=pa.string()), pattern, ignore_case=True)
                             .to_numpy(zero_copy_only=False), dtype=bool)
            if lut.any():
                hit |= lut[codes]
        return hit

    def search_rows(self, rows: IntArray | None = None) -> list[Any]:
        """Each field of the search index for ``rows`` (ascending row positions), or all of it
        for None: one Arrow string column per field, in the fields' own case.

        Arrow's ``take`` on a chunked array is ~4x slower than on one array, so the subset is
        taken chunk by chunk with chunk-local indices.
        """
        import pyarrow as pa

        cols = self.search_column()
        if rows is None or len(rows) == len(self):
            return list(cols)
        out = []
        for col, starts in zip(cols, self._search_starts, strict=True):
            bounds = np.searchsorted(rows, starts)
            parts = []
            for k, chunk in enumerate(col.chunks):
                lo, hi = bounds[k], bounds[k + 1]
                if hi > lo:
                    parts.append(chunk.take(pa.array(rows[lo:hi] - starts[k])))
            out.append(pa.chunked_array(parts, type=pa.string()))
        return out

    def sort_key(self, field: str) -> npt.NDArray[np.signedinteger[Any]]:
        """An integer rank per row for ``field`` so that sorting a subset is an int argsort."""
        key = self._sort_keys.get(field)
        if key is None:
            if field in self.categorical:
                cat = self.categorical[field]
                order = np.argsort(np.array([c.casefold() for c in cat.categories] + ["\uffff"], dtype=object), kind="stable")
                rank = np.empty(len(order), np.int64)
                rank[order] = np.arange(len(order))
                key = rank[np.where(cat.codes < 0, len(cat.categories), cat.codes)]
            else:
                # Built from the order when a small set of rows is sorted (the first sort of a
                # whole list needs only the order: no rank per row is computed or kept for it).
                key = orders.ranks(self.sort_order(field))
            self._sort_keys[field] = key
        return key

    def _field_order(self, field: str) -> npt.NDArray[np.intp]:
        """Every row in ``field``'s order, stable: dates as day numbers, text by Arrow."""
        # A text column as stored (a compact column hands its Arrow array or codes over as they
        # are; values() would build every row's Python string first).
        vals = self.text.get(field, self.extras.get(field))
        if vals is None:
            vals = self.values(field)
        if np.issubdtype(vals.dtype, np.datetime64):
            return orders.date_order(vals)
        if vals.dtype == object:
            try:
                return orders.text_order(vals)
            except (TypeError, ValueError):  # not all text (sources are tuples): Python below
                vals = np.array([str(v).casefold() if not isinstance(v, tuple)
                                 else ", ".join(s.get("outlet", "") for s in v) for v in vals], dtype=object)
        return np.argsort(vals, kind="stable").astype(np.intp, copy=False)

    def sort_order(self, field: str, descending: bool = False) -> npt.NDArray[np.intp]:
        """Every row in the order of ``field`` (kept per field and direction): ties keep row
        order either way, as a stable sort of :meth:`sort_key` (or of its negation) would. The
        list sorts a large set of rows by picking them out of this, one pass instead of a sort."""
        got = self._sort_orders.get((field, descending))
        if got is None and field not in self.categorical:
            got = self._sort_orders.get((field, False))
            if got is None:
                got = self._field_order(field)
                got.flags.writeable = False
                self._sort_orders[(field, False)] = got
            if descending:
                # Every row has a rank of its own (its place in the ascending order), so the
                # descending order is that one reversed (a view, no copy).
                got = got[::-1]
                self._sort_orders[(field, True)] = got
        if got is None:
            key = self.sort_key(field)
            if descending:
                key = int(key.max(initial=0)) - key
            # Ranks of a categorical are small: as int16 NumPy's stable sort is a radix sort.
            small = key.size and int(key.max(initial=0)) < 32_767
            got = np.argsort(key.astype(np.int16) if small else key, kind="stable").astype(np.intp)
            got.flags.writeable = False
            self._sort_orders[(field, descending)] = got
        return got

    # ------------------------------------------------------------------ combining
    def take(self, rows: npt.ArrayLike) -> EventTable:
        rows = np.asarray(rows, dtype=np.intp)
        return EventTable(
            ids=take_rows(self.ids, rows), lon=self.lon[rows], lat=self.lat[rows], date=self.date[rows],
            date_precision=self.date_precision[rows], geo_precision=self.geo_precision[rows],
            coord_approximate=self.coord_approximate[rows], fatalities=self.fatalities[rows],
            claim_area_km2=self.claim_area_km2[rows],
            categorical={k: c.take(rows) for k, c in self.categorical.items()},
            text={k: take_rows(v, rows) for k, v in self.text.items()}, sources=self.sources[rows],
            extras={k: take_rows(v, rows) for k, v in self.extras.items()},
        )

    @staticmethod
    def concat(tables: Sequence[EventTable]) -> EventTable:
        tables = [t for t in tables if len(t)] or list(tables[:1])
        if not tables:
            return EventTable.empty()
        if len(tables) == 1:
            return tables[0]
        extra_names: list[str] = []
        for t in tables:
            extra_names += [k for k in t.extras if k not in extra_names]

        def cat(name: str) -> np.ndarray:
            return np.concatenate([getattr(t, name) for t in tables])

        extras = {}
        for k in extra_names:
            extras[k] = concat_text([t.extras[k] if k in t.extras else CodedText(np.zeros(len(t), np.int8), [""])
                                     for t in tables])
        return EventTable(
            ids=concat_text([t.ids for t in tables]), lon=cat("lon"), lat=cat("lat"), date=cat("date"),
            date_precision=cat("date_precision"), geo_precision=cat("geo_precision"),
            coord_approximate=cat("coord_approximate"), fatalities=cat("fatalities"),
            claim_area_km2=cat("claim_area_km2"),
            categorical={k: Categorical.concat([t.categorical[k] for t in tables]) for k in CATEGORICAL_FIELDS},
            text={k: concat_text([t.text[k] for t in tables]) for k in TEXT_FIELDS},
            sources=cat("sources"), extras=extras,
        )

    # ------------------------------------------------------------------ summaries
    def date_span(self, rows: npt.ArrayLike | None = None) -> tuple[np.datetime64, np.datetime64] | None:
        d = self.date if rows is None else self.date[rows]
        d = d[~np.isnat(d)]
        if d.size == 0:
            return None
        return d.min(), d.max()

    def bbox(self, rows: npt.ArrayLike | None = None) -> tuple[float, float, float, float] | None:
        ok = self.has_coords if rows is None else self.has_coords[rows]
        lon = (self.lon if rows is None else self.lon[rows])[ok]
        lat = (self.lat if rows is None else self.lat[rows])[ok]
        if lon.size == 0:
            return None
        return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())

    def counts(self, field: str, rows: npt.ArrayLike | None = None) -> dict[str, int]:
        cat = self.categorical[field]
        codes = cat.codes if rows is None else cat.codes[rows]
        counts = np.bincount(codes + 1, minlength=len(cat.categories) + 1)
        out = {c: int(counts[i + 1]) for i, c in enumerate(cat.categories) if counts[i + 1]}
        if counts[0]:
            out[""] = int(counts[0])
        return out
