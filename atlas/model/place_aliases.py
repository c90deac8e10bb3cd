"""Place names in every spelling for the event search: "Суджа" finds the events at Sudzha.

Events name their place once, in one spelling (``location`` is usually the Latin GeoNames name;
notes quote sources in Russian or Ukrainian). A search term that names a place stands for all of
that place's names: its Latin name, its local (Cyrillic) name and the alternates the gazetteer
knows, so Суджа, Sudzha, Sudja and Sudža find the same events, as Go to place does.

The expansion happens once per query term (a handful of strings), never per row: the search stays
one RE2 scan of the index with an alternation. The names come from a *source* function; the
default is the bundled basemap's gazetteer (atlas.geo.gazetteer), loaded on first use. A term
expands only when it folds to a place's name exactly, or is at least four letters and begins a
one-word name, so ordinary words ("bridge", "drone") stay literal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from functools import lru_cache

#: term (lower case) → the other spellings of the places it names (lower case, any order).
AliasSource = Callable[[str], Sequence[str]]

_lock = threading.Lock()
_source: AliasSource | None = None


def set_alias_source(source: AliasSource | None) -> None:
    """Use ``source`` for place names (None: the bundled gazetteer). Clears the memo."""
    global _source
    with _lock:
        _source = source
    alternatives.cache_clear()


def _gazetteer_source() -> AliasSource:
    from atlas.geo.gazetteer import Gazetteer, fold

    try:
        gaz = Gazetteer.from_basemap()
    except Exception:  # an unreadable basemap leaves the search literal, never broken
        return lambda term: ()
    # Every spelling the gazetteer knows, those of gazetteer_extra.csv included (Халино → Khalino).
    names_of = {id(p): gaz.names(p) for p in gaz.places}

    def stem(k: str) -> str:
        # Ukrainian forms of Russian place names differ in the ending (Глушково/Глушкове,
        # Glushkovo/Hlushkove; -ino/-ine): compare one-word names without their final vowels.
        return k.rstrip("aeiou") if " " not in k and len(k) >= 5 else k

    def source(term: str) -> Sequence[str]:
        key = fold(term)
        if not key:
            return ()
        out: list[str] = []
        candidates = gaz.search(term, limit=12)
        if len(stem(key)) >= 4 and stem(key) != key:
            candidates += gaz.search(stem(key), limit=12)
        for match in candidates:
            names = {n for n in names_of[id(match.place)] if n}
            keys = {fold(n) for n in names}
            # A prefix counts only against one-word names: "kursk" must not pull in Kurchatov
            # through its alternate "Kursk NPP".
            if key in keys or (len(key) >= 4 and any(" " not in k and k.startswith(key) for k in keys)) \
                    or (stem(key) != key and any(stem(k) == stem(key) for k in keys)):
                out.extend(n.lower() for n in names)
        return out

    return source


@lru_cache(maxsize=512)
def alternatives(term: str) -> tuple[str, ...]:
    """``term`` (lower-cased) first, then the other spellings of the places it names, each once."""
    global _source
    term = term.lower()
    with _lock:
        if _source is None:
            _source = _gazetteer_source()
        source = _source
    seen = {term}
    out = [term]
    for name in source(term):
        if name and name not in seen:
            seen.add(name)
            out.append(name)
    return tuple(out)
