"""Find places by name, typed in Latin or Cyrillic, whatever the transliteration.

``fold`` reduces a name to a rough phonetic skeleton so that the spellings analysts meet in
sources land on the same key: Суджа / Sudzha / Sudja / Sudža / Sudscha → ``sudza``; Тёткино /
Tyotkino / Tjotkino / Tetkino → ``tetkino``; Глушково / Glushkovo → ``gluskovo``. The same function
is applied to the query and to the names, so it only has to be consistent, not reversible.
No Qt here: the UI box (atlas.ui.gazetteer_box) and the tests use it directly.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Cyrillic (Russian and Ukrainian letters) to a plain Latin transliteration.
_CYR = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "ё": "yo", "є": "ye",
    "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "yi", "й": "y", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh",
    "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
}
# Latin spellings of the same sounds (English, German, Polish, scholarly), longest first.
_LATIN_RULES: tuple[tuple[str, str], ...] = (
    ("schtsch", "s"), ("shtsch", "s"), ("shch", "s"), ("dsch", "dz"), ("tsch", "c"), ("sch", "s"),
    ("dzh", "dz"), ("dj", "dz"), ("zh", "z"), ("kh", "h"), ("ch", "c"), ("sh", "s"), ("ts", "c"),
    ("tz", "c"), ("cz", "c"), ("sz", "s"), ("w", "v"), ("x", "ks"),
    # iotated vowels: ya/ja/ia → a after a consonant keeps most spellings together
    ("yo", "e"), ("jo", "e"), ("ye", "e"), ("je", "e"), ("ie", "e"),
    ("yu", "u"), ("ju", "u"), ("iu", "u"), ("ya", "a"), ("ja", "a"), ("ia", "a"),
    ("iy", "i"), ("yi", "i"), ("yy", "i"), ("ij", "i"), ("y", "i"), ("j", "i"),
    # Ukrainian h for Russian g (Hlushkove / Glushkovo)
    ("h", "g"),
)
_NON_ALNUM = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """A lowercase Latin skeleton of ``text`` for matching spellings and scripts."""
    s = text.lower().replace("’", "").replace("'", "").replace("ʼ", "").replace("`", "")
    s = "".join(_CYR.get(ch, ch) for ch in s)
    # Diacritics off: ž → z, č → c, ö → o (NFKD then drop combining marks).
    s = "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))
    s = _NON_ALNUM.sub(" ", s.replace("-", " "))
    for a, b in _LATIN_RULES:
        s = s.replace(a, b)
    # Doubled letters (Sumy/Summy, Glushkovo/Glushkowo after w→v) collapse.
    s = re.sub(r"(.)\1+", r"\1", s)
    return _SPACES.sub(" ", s).strip()


@dataclass(frozen=True)
class Place:
    name: str
    name_local: str
    #: None for a place that events name but whose position no source gives: it is listed so
    #: that Go to place finds it and can say so, never drawn at a guessed point.
    lon: float | None
    lat: float | None
    population: int
    admin1: str
    country: str
    approximate: bool

    @property
    def has_point(self) -> bool:
        return self.lon is not None and self.lat is not None

    @property
    def label(self) -> str:
        bits = [self.name]
        if self.name_local and self.name_local != self.name:
            bits.append(f"({self.name_local})")
        where = ", ".join(b for b in (self.admin1, self.country) if b)
        if where:
            bits.append(f"— {where}")
        if not self.has_point:
            bits.append(f"· {NO_POINT_NOTE}")
        elif self.approximate:
            bits.append("· position approximate")
        return " ".join(bits)


#: What the atlas says of a place it knows by name only.
NO_POINT_NOTE = "no source gives its position"


@dataclass(frozen=True)
class Match:
    place: Place
    score: float  # lower is better


class Gazetteer:
    """Places with folded keys; :meth:`search` ranks exact, prefix, word-prefix, then substring
    matches, larger places first within a rank."""

    def __init__(self, places: Sequence[Place], alternates: dict[str, Sequence[str]] | None = None) -> None:
        self.places = list(places)
        self._alternates: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in (alternates or {}).items()}
        # Folded on the first search, not here: folding every name costs ~0.1 s, and the window
        # builds its gazetteer at startup, before the user has typed anything.
        self._folded: list[tuple[str, ...]] | None = None

    @property
    def _keys(self) -> list[tuple[str, ...]]:
        """The folded spellings of every place (same order as :attr:`places`)."""
        if self._folded is None:
            self._folded = [tuple(sorted({fold(n) for n in self.names(p)})) for p in self.places]
        return self._folded

    def names(self, place: Place) -> set[str]:
        """Every spelling of ``place`` the gazetteer knows: its name, local name and alternates."""
        return {n for n in (place.name, place.name_local, *self._alternates.get(place.name, ())) if n}

    @classmethod
    def from_basemap(cls) -> Gazetteer:
        """The settlements of the bundled basemap and the places of ``gazetteer_extra.csv`` beside it
        (raises BasemapError if the basemap is unreadable)."""
        from .basemap_data import load_basemap

        basemap = load_basemap()
        s = basemap.settlements
        places = [
            Place(s.names[i], s.names_local[i], float(s.lon[i]), float(s.lat[i]), int(s.population[i]),
                  s.admin1[i], s.country[i], bool(s.approximate[i]))
            for i in range(len(s))
        ]
        extra, extra_names = read_extra_places(basemap.data_dir / EXTRA_PLACES_FILE)
        alternates = {k: tuple(v) for k, v in ALTERNATE_NAMES.items()}
        for name, names in extra_names.items():
            alternates[name] = alternates.get(name, ()) + tuple(names)
        return cls(places + extra, alternates)

    def search(self, query: str, limit: int = 20) -> list[Match]:
        q = fold(query)
        if not q:
            return []
        out: list[Match] = []
        for p, keys in zip(self.places, self._keys):
            best = None
            for k in keys:
                if k == q:
                    r = 0.0
                elif k.startswith(q):
                    r = 1.0
                elif any(w.startswith(q) for w in k.split()):
                    r = 2.0
                elif q in k:
                    r = 3.0
                else:
                    continue
                best = r if best is None else min(best, r)
            if best is not None:
                # Within a rank, bigger places first (population 0 = unknown sorts last).
                out.append(Match(p, best - min(p.population, 10_000_000) / 1e8))
        out.sort(key=lambda m: (m.score, m.place.name))
        return out[:limit]


#: Places that are not settlements of the basemap but that events name: facilities (the Kursk NPP,
#: the Khalino airfield, the Sudzha gas metering station), places outside the basemap's region
#: (Vuhledar, Jeddah) and villages the basemap lacks. One CSV row each, with its source;
#: ``alternates`` separated by ``;``. A village no source places has empty ``lat`` and ``lon`` and a
#: ``source`` that starts "NO POINT" and says where it was looked for.
EXTRA_PLACES_FILE = "gazetteer_extra.csv"
EXTRA_PLACES_FIELDS = ["name", "name_local", "lat", "lon", "country", "admin1", "approximate", "alternates", "source"]


def read_extra_places(path: Path) -> tuple[list[Place], dict[str, list[str]]]:
    """The places of ``gazetteer_extra.csv`` and their other spellings (empty if the file is absent)."""
    if not path.exists():
        return [], {}
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if rows and list(rows[0].keys()) != EXTRA_PLACES_FIELDS:
        raise ValueError(f"{path}: header must be {','.join(EXTRA_PLACES_FIELDS)}")
    places: list[Place] = []
    names: dict[str, list[str]] = {}
    for r in rows:
        if not r["source"].strip():
            raise ValueError(f"{path}: {r['name']} has no source")
        lat, lon = r["lat"].strip(), r["lon"].strip()
        if not lat and not lon:
            if not r["source"].startswith("NO POINT"):
                raise ValueError(f"{path}: {r['name']} has no coordinate and its source does not say 'NO POINT'")
            places.append(Place(r["name"], r["name_local"], None, None, 0, r["admin1"], r["country"], True))
        else:
            places.append(Place(r["name"], r["name_local"], float(lon), float(lat), 0, r["admin1"],
                                r["country"], r["approximate"] == "true"))
        names[r["name"]] = [a.strip() for a in r["alternates"].split(";") if a.strip()]
    return places, names


#: Spellings the sources use that neither GeoNames' name nor its Cyrillic form fold to (exonyms,
#: older romanisations, the Ukrainian forms of Russian villages). Keyed by the settlement's name.
ALTERNATE_NAMES: dict[str, tuple[str, ...]] = {
    "Kurchatov": ("Kursk NPP",),  # the plant itself is in gazetteer_extra.csv
    "Kharkiv": ("Kharkov", "Charkiw"),
    "Staryy Oskol": ("Stary Oskol", "Staryi Oskol"),
    "L'gov": ("Lgov",),
    "Lgov": ("L'gov",),
    # Villages of the 2024-25 fighting: the spellings ../shared/reference/places.csv and the reports use;
    # the Ukrainian Cyrillic is written from places.csv's Ukrainian romanisation (Makhnivka → Махнівка).
    "Guyevo": ("Guevo", "Huieve", "Gujewo"),
    "Makhnovka": ("Makhnivka", "Махнівка"),
    "Pogrebki": ("Pohrebky",),
    "Sverdlikovo": ("Sverdlykove", "Свердликове"),
    "Nikolayevo-Daryino": ("Nikolaevo-Darino", "Nikolayevo-Darino", "Mykolaivo-Darino"),
    "Zvannoye": ("Zvannoe", "Zvanne", "Званне"),
    "Veseloye": ("Veseloe",),
    "Olgovka": ("Olhivka", "Ольгівка"),
    "Kazachya Loknya": ("Kozacha Loknia", "Козача Локня"),
    "Oleshnya": ("Oleshnia",),
    "Gornal": ("Hornal",),
    "Plekhovo": ("Plyokhovo", "Plekhove", "Плехове"),
    "Martynovka": ("Martynivka", "Мартинівка"),
    "Malaya Loknya": ("Mala Loknia", "Мала Локня"),
    "Goncharovka": ("Honcharivka", "Гончарівка"),
    "Lyubimovka": ("Liubimovka", "Liubymivka", "Любимівка"),
    "Snagost": ("Snahost",),
    "Karyzh": ("Kariž", "Кариж"),
}
