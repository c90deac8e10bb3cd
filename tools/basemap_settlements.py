"""Settlements: GeoNames cities500 in the ROI, corrected and completed by settlement_overrides.csv.

The overrides file is hand-written and committed; it is the source of truth for fixes. Actions:
  drop     remove a GeoNames entry (geonameid required)
  replace  correct a GeoNames entry (geonameid required; every non-empty field replaces GeoNames')
  add      a place GeoNames lacks (no geonameid)
Every row needs a `source`; `approximate` is true where no source gives the coordinate and it was
estimated from a description (the `source` then says how).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

OVERRIDE_FIELDS = ["action", "geonameid", "name", "name_local", "lat", "lon", "population",
                   "country", "approximate", "source", "note"]

A2_TO_A3 = {"RU": "RUS", "UA": "UKR", "BY": "BLR"}


@dataclass
class Settlement:
    name: str
    name_local: str
    lon: float
    lat: float
    population: int
    country: str  # ISO A3
    geonameid: int | None
    origin: str  # "geonames" or "override"
    approximate: bool
    source: str
    note: str = ""
    admin1: str = ""
    admin1_hasc: str = ""


def _is_cyrillic(s: str) -> bool:
    letters = [c for c in s if c.isalpha()]
    return bool(letters) and all("\u0400" <= c <= "\u04ff" for c in letters)


UKRAINIAN_ONLY = set("іїєґІЇЄҐ")
RUSSIAN_ONLY = set("ыэъёЫЭЪЁ")
_COMMON = set("абвгдежзийклмнопрстуфхцчшщьюяАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЬЮЯ -'’.()0123456789")
#: Each language's alphabet: a name with any other letter (Belarusian ў, Serbian њ/ј, ...) is not it.
ALPHABET = {"RUS": _COMMON | RUSSIAN_ONLY, "UKR": _COMMON | UKRAINIAN_ONLY}
_TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґў",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p",
                      "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya",
                      "i", "yi", "ye", "h", "u"]))


#: Ukrainian romanisation differs from Russian where it matters for matching (г h, и y).
_TRANSLIT_UKR = {**_TRANSLIT, "г": "h", "и": "y"}


def _latin(s: str, country: str = "") -> str:
    table = _TRANSLIT_UKR if country == "UKR" else _TRANSLIT
    return "".join(table.get(c, c) for c in s.lower())


def local_name(alternates: list[str], country: str, latin: str = "") -> str:
    """The Cyrillic alternate name in the country's own language.

    GeoNames' alternates carry no language tags, and Belarusian spellings (Коранева for Korenevo,
    Тамароўка for Tomarovka) come first for some Russian towns. Keep the names written in the
    country's alphabet, then prefer the one whose transliteration is closest to the Latin name
    (GeoNames' Latin names follow the local language)."""
    import difflib

    cyr = [a for a in alternates if _is_cyrillic(a)]
    if not cyr:
        return ""
    alphabet = ALPHABET.get(country)
    pref = [a for a in cyr if alphabet is None or set(a) <= alphabet] or cyr
    if country == "UKR":
        pref = [a for a in pref if set(a) & UKRAINIAN_ONLY] or pref
    # Abbreviations ("Нов.Таволжанка") and GeoNames' underscores are not names to show.
    pref = [a for a in pref if not set(a) & set("._")] or pref
    if latin and len(pref) > 1:
        target = latin.lower()
        pref = sorted(pref, key=lambda a: -difflib.SequenceMatcher(None, _latin(a, country), target).ratio())
    return pref[0]


def from_geonames(cities: dict, window: tuple[float, float, float, float]) -> list[Settlement]:
    x0, y0, x1, y1 = window
    out = []
    for v in cities.values():
        lon, lat = float(v["longitude"]), float(v["latitude"])
        if not (x0 <= lon <= x1 and y0 <= lat <= y1):
            continue
        a3 = A2_TO_A3.get(v["countrycode"], v["countrycode"])
        out.append(Settlement(
            name=v["name"], name_local=local_name(v.get("alternatenames", []), a3, v["name"]), lon=lon, lat=lat,
            population=int(v.get("population") or 0), country=a3, geonameid=int(v["geonameid"]),
            origin="geonames", approximate=False, source="GeoNames"))
    out.sort(key=lambda s: s.geonameid or 0)
    return out


class OverrideError(ValueError):
    pass


def read_overrides(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if rows and list(rows[0].keys()) != OVERRIDE_FIELDS:
        raise OverrideError(f"{path}: header must be {','.join(OVERRIDE_FIELDS)}")
    for n, r in enumerate(rows, start=2):
        if r["action"] not in ("drop", "replace", "add"):
            raise OverrideError(f"{path}:{n}: unknown action {r['action']!r}")
        if not r["source"].strip():
            raise OverrideError(f"{path}:{n}: every override needs a source")
        if r["approximate"] not in ("true", "false"):
            raise OverrideError(f"{path}:{n}: approximate must be true or false")
        if r["action"] in ("drop", "replace") and not r["geonameid"].strip():
            raise OverrideError(f"{path}:{n}: {r['action']} needs a geonameid")
        if r["action"] == "add":
            if r["geonameid"].strip():
                raise OverrideError(f"{path}:{n}: add must not carry a geonameid")
            for k in ("name", "name_local", "lat", "lon", "country"):
                if not r[k].strip():
                    raise OverrideError(f"{path}:{n}: add needs {k}")
    return rows


def apply_overrides(base: list[Settlement], rows: list[dict[str, str]]) -> tuple[list[Settlement], list[str]]:
    by_id = {s.geonameid: s for s in base}
    report: list[str] = []
    dropped: set[int] = set()
    added: list[Settlement] = []
    for r in rows:
        act = r["action"]
        approx = r["approximate"] == "true"
        if act in ("drop", "replace"):
            gid = int(r["geonameid"])
            if gid not in by_id:
                raise OverrideError(f"override {act} {gid}: no such GeoNames entry in the ROI")
            if act == "drop":
                dropped.add(gid)
                report.append(f"drop    {gid} {by_id[gid].name}")
                continue
            s = by_id[gid]
            if r["name"]:
                s.name = r["name"]
            if r["name_local"]:
                s.name_local = r["name_local"]
            if r["lat"]:
                s.lat = float(r["lat"])
            if r["lon"]:
                s.lon = float(r["lon"])
            if r["population"]:
                s.population = int(r["population"])
            if r["country"]:
                s.country = r["country"]
            s.origin = "override"
            s.approximate = approx
            s.source = r["source"]
            s.note = r["note"]
            report.append(f"replace {gid} -> {s.name} {s.lat:.4f},{s.lon:.4f}")
        else:
            added.append(Settlement(
                name=r["name"], name_local=r["name_local"], lon=float(r["lon"]), lat=float(r["lat"]),
                population=int(r["population"] or 0), country=r["country"], geonameid=None,
                origin="override", approximate=approx, source=r["source"], note=r["note"]))
            report.append(f"add     {r['name']} {float(r['lat']):.4f},{float(r['lon']):.4f}"
                          + ("  (approximate)" if approx else ""))
    out = [s for s in base if s.geonameid not in dropped] + added
    return out, report
