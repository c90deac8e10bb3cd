"""Hypothesis strategies: random bytes, mutations of valid seed files, random JSON values."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
import zipfile
from pathlib import Path

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: Byte strings that tend to break parsers: quotes, separators, brackets, NUL, invalid UTF-8, BOMs,
#: huge numbers, NaN, CR/LF mixes, markup, a long line.
TOKENS = [
    b'"', b"'", b",", b";", b"\t", b"\n", b"\r\n", b"\r", b"{", b"}", b"[", b"]", b":", b"\x00", b"\xff", b"\xc3",
    b"\xef\xbb\xbf", b"\xff\xfe", b"NaN", b"Infinity", b"-1e400", b"1e308", b"9" * 40, b"-0", b"null", b"true",
    b"<", b">", b"</", b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b"&a;", b"&amp;", b"<![CDATA[", b"]]>", b"\\", b"\\u0000",
    b"\\ud800", b"2024-02-30", b"0000-00-00", b"99999-01-01", b"180.0000001", b"-90.5", b"\xd0\xa1\xd1\x83\xd0\xb4",
    b"x" * 5000, b"=cmd|' /C calc'!A0", "\u202e".encode("utf-8"),
]


def _csv_seed(sep: str = ",") -> bytes:
    rows = [
        ["event_id_cnty", "event_date", "year", "time_precision", "event_type", "sub_event_type", "actor1", "actor2",
         "country", "admin1", "location", "latitude", "longitude", "source", "notes", "fatalities"],
        ["TST1", "06 August 2024", "2024", "1", "Battles", "Armed clash", "Military Forces of Ukraine",
         "Military Forces of Russia", "Russia", "Kursk", "Sudzha", "51.1914", "35.2706", "Test Outlet",
         "Test note, with a comma", "0"],
        ["TST2", "2024-08-16", "2024", "2", "Explosions/Remote violence", "Air/drone strike", "Military Forces of Ukraine",
         "", "Russia", "Kursk", "Glushkovo", "51.3392", "34.6328", "Outlet A; Outlet B", 'He said "hold"', ""],
        ["TST3", "13-Mar-25", "2025", "1", "Battles", "Armed clash", "Military Forces of Russia", "", "Russia",
         "Kursk", "Kursk oblast", "", "", "Outlet", "no point", "3"],
    ]
    buf = io.StringIO()
    import csv

    csv.writer(buf, delimiter=sep, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


KML_SEED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>test</name>'
    '<Placemark><name>Sudzha</name><description>Бои у Суджи</description><TimeStamp><when>2024-08-06</when></TimeStamp>'
    '<ExtendedData><Data name="date"><value>2024.08.06</value></Data></ExtendedData>'
    '<Point><coordinates>35.2706,51.1914,0</coordinates></Point></Placemark>'
    '<Placemark><name>Area</name><Polygon><outerBoundaryIs><LinearRing><coordinates>34.9,51.0 35.5,51.0 35.5,51.4 34.9,51.0'
    '</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>\n'
).encode("utf-8")


def kmz_of(kml: bytes, name: str = "doc.kml") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, kml)
    return buf.getvalue()


def geojson_seed() -> bytes:
    from tests.conftest import sample_geojson

    return json.dumps(sample_geojson(), ensure_ascii=False).encode("utf-8")


def seeds_for(suffix: str) -> list[bytes]:
    """Valid (or nearly valid) files of a format, made here (never copied from fixtures)."""
    if suffix in (".geojson", ".json"):
        return [geojson_seed(), b'{"type": "FeatureCollection", "features": []}',
                b'{"type": "Feature", "geometry": {"type": "Point", "coordinates": [35.2, 51.2]}, "properties": {}}']
    if suffix in (".csv", ".txt"):
        return [_csv_seed(","), _csv_seed(";"), b"latitude,longitude\n51.1,35.2\n"]
    if suffix == ".tsv":
        return [_csv_seed("\t")]
    if suffix == ".kml":
        return [KML_SEED]
    if suffix == ".kmz":
        return [kmz_of(KML_SEED)]
    if suffix == ".gpkg":
        return [gpkg_seed()]
    return [b""]


def _tmp() -> Path:
    import tempfile

    return Path(tempfile.mkdtemp(prefix="katlas-seed-"))


def gpkg_seed() -> bytes:
    """A GeoPackage of the sample events, written by the project's own writer."""
    from atlas.io import read_events
    from atlas.io.gpkg_events import write_gpkg

    folder = _tmp()
    src = folder / "sample.geojson"
    src.write_bytes(geojson_seed())
    table, _ = read_events(src)
    out = folder / "sample.gpkg"
    write_gpkg(table, out)
    return out.read_bytes()


@st.composite
def gpkg_cells(draw: st.DrawFn) -> bytes:
    """The seed GeoPackage with random cells overwritten by random values of random types (SQLite
    lets any column hold anything): structure intact, content hostile."""
    import sqlite3

    path = _tmp() / "m.gpkg"
    path.write_bytes(gpkg_seed())
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for _ in range(draw(st.integers(1, 6))):
            t = draw(st.sampled_from(tables))
            cols = [r[1] for r in con.execute(f'PRAGMA table_info("{t}")')]
            if not cols:
                continue
            c = draw(st.sampled_from(cols))
            v = draw(st.one_of(st.none(), st.integers(-2**63, 2**63 - 1), st.floats(), st.text(max_size=30),
                               st.binary(max_size=64), st.sampled_from([b"GP\x00\x01", b"GP\x00\x03\x00\x00\x00\x00"])))
            k = draw(st.integers(0, 2))  # deterministic rows: hypothesis must be able to replay a failure
            try:
                con.execute(f'UPDATE "{t}" SET "{c}" = ? WHERE rowid % 3 = ?', (v, k))
            except sqlite3.Error:
                pass
        if draw(st.booleans()):
            t = draw(st.sampled_from(tables))
            con.execute(f'DELETE FROM "{t}" WHERE rowid % 2 = 0')
        con.commit()
    finally:
        con.close()
    return path.read_bytes()


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "delete", "insert", "token", "truncate", "duplicate", "swapcase"]))
        n = len(data)
        at = draw(st.integers(0, max(n - 1, 0)))
        if op == "flip" and n:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "delete" and n:
            del data[at:at + draw(st.integers(1, 64))]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=32))
        elif op == "token":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif op == "truncate":
            del data[at:]
        elif op == "duplicate" and n:
            end = min(n, at + draw(st.integers(1, 2000)))
            data[at:at] = data[at:end] * draw(st.integers(1, 20))
        elif op == "swapcase" and n:
            data[at:at + 16] = bytes(data[at:at + 16]).swapcase()
    return bytes(data)


def file_bytes(suffix: str) -> st.SearchStrategy[bytes]:
    """Random input for a reader of ``suffix``: pure noise, text, and (mostly) mutated seeds."""
    seeds = seeds_for(suffix)
    parts = [
        st.binary(max_size=2048),
        st.text(max_size=500).map(lambda s: s.encode("utf-8")),
        mutated(seeds),
        mutated(seeds),
        mutated(seeds),
    ]
    if suffix in (".geojson", ".json"):  # valid JSON with the wrong structure reaches deeper
        import json as _json

        doc = _json.loads(geojson_seed())
        parts += [mutated_json(doc).map(lambda d: _json.dumps(d, ensure_ascii=False).encode("utf-8"))] * 3
    if suffix == ".gpkg":  # a valid database with hostile content reaches the reader's own code
        parts += [gpkg_cells()] * 4
    if suffix == ".kmz":  # keep the zip valid and mutate the KML inside it
        parts.append(mutated([KML_SEED]).map(kmz_of))
        parts.append(mutated([KML_SEED]).map(lambda k: kmz_of(k, "../evil.kml")))
    return st.one_of(parts)


#: Arbitrary JSON values (deep enough to reach nested filters and sections).
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=40,
)


@st.composite
def mutated_json(draw: st.DrawFn, doc: object) -> object:
    """``doc`` with a few subtrees replaced, deleted or retyped."""
    doc = json.loads(json.dumps(doc))

    def paths(x: object, prefix: tuple = ()) -> list[tuple]:
        out = [prefix]
        if isinstance(x, dict):
            for k, v in x.items():
                out += paths(v, prefix + (k,))
        elif isinstance(x, list):
            for i, v in enumerate(x):
                out += paths(v, prefix + (i,))
        return out

    for _ in range(draw(st.integers(1, 4))):
        ps = paths(doc)
        path = draw(st.sampled_from(ps))
        if not path:
            continue
        parent = doc
        for k in path[:-1]:
            parent = parent[k]  # type: ignore[index]
        key = path[-1]
        action = draw(st.sampled_from(["replace", "delete", "retype"]))
        if action == "delete":
            del parent[key]  # type: ignore[arg-type, union-attr]
        elif action == "replace":
            parent[key] = draw(json_values)  # type: ignore[index]
        else:
            v = parent[key]  # type: ignore[index]
            parent[key] = str(v) if not isinstance(v, str) else [v]  # type: ignore[index]
    return doc


_num = st.one_of(st.floats(-200, 200, allow_nan=False), st.integers(-200, 200), st.sampled_from([35.2, 51.1, -180, 180, 90, -90]))
_date = st.one_of(st.none(), st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)).map(str), st.sampled_from(["2024-02-30", "", "x"]))
_leaf = st.one_of(
    st.just({"type": "all"}), st.just({"type": "has_coordinates"}),
    st.builds(lambda a, b: {"type": "date_range", "start": a, "end": b}, _date, _date),
    st.builds(lambda f, v: {"type": "categories", "field": f, "values": v},
              st.sampled_from(["side", "event_type", "confidence", "actor1", "nonexistent", "title", "lon"]), st.lists(st.text(max_size=12), max_size=4)),
    st.builds(lambda q: {"type": "text", "query": q}, st.text(max_size=30)),
    st.builds(lambda t, a, b, c, d: {"type": t, "lon1": a, "lat1": b, "lon2": c, "lat2": d},
              st.sampled_from(["bbox", "in_view"]), _num, _num, _num, _num),
    st.builds(lambda lvl: {"type": "min_confidence", "level": lvl}, st.sampled_from(["confirmed", "reported", "claimed", "disputed", "x"])),
    st.builds(lambda ring, t: {"type": t, "geometry": {"type": "Polygon", "coordinates": [ring + ring[:1]]}},
              st.lists(st.tuples(_num, _num).map(list), min_size=2, max_size=8), st.sampled_from(["within", "area"])),
    st.builds(lambda f, v, m: {"type": "facet", "field": f, "values": v, "mode": m},
              st.sampled_from(["actor", "outlet", "side", "x"]), st.lists(st.text(max_size=8), max_size=3), st.sampled_from(["any", "all", "none", "?"])),
)
#: Filter documents that are mostly well-formed, with random values: they reach the mask code.
filter_docs = st.recursive(
    _leaf,
    lambda kids: st.one_of(st.builds(lambda ts: {"type": "and", "terms": ts}, st.lists(kids, max_size=4)),
                           st.builds(lambda ts: {"type": "or", "terms": ts}, st.lists(kids, max_size=4)),
                           st.builds(lambda t: {"type": "not", "term": t}, kids)),
    max_leaves=10,
)
