"""Who to credit for the events that are loaded: the footer of every picture and the status bar.

The credit follows the data, not the app: a picture of an ACLED file credits ACLED (its terms of use
ask for it), a UCDP GED file the Uppsala Conflict Data Program, the bundled dataset the atlas's own
compilation, and any other file is named. Each loaded file is a dataset (the table's ``dataset``
column, one value per file read, see atlas.io); a dataset is recognised by the columns its rows
carry (ACLED's and UCDP's own columns stay in the table as extra columns).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath

import numpy as np

from .table import EventTable

#: The ``dataset`` value of the bundled curated events (the file's stem; tests keep it in step).
CURATED_DATASET = "kursk_2024_25"
CURATED_CREDIT = "Kursk Atlas curated dataset (CC BY 4.0) and the sources each event names"
ACLED_CREDIT = "ACLED, Armed Conflict Location & Event Data (acleddata.com)"
UCDP_CREDIT = "UCDP Georeferenced Event Dataset, Uppsala Conflict Data Program (ucdp.uu.se)"
#: Columns only ACLED's exports have (every generation: current, 2020, 1997), lower-cased.
ACLED_COLUMNS = frozenset({"disorder_type", "inter1", "inter2", "interaction", "iso", "iso3", "source_scale",
                           "timestamp", "civilian_targeting", "data_id", "gwno", "ally_actor_1", "assoc_actor_1"})
#: Columns only UCDP GED has (the ones the reader keeps as extras).
UCDP_COLUMNS = frozenset({"relid", "conflict_new_id", "dyad_new_id", "side_a_new_id", "deaths_a", "deaths_b",
                          "deaths_civilians", "deaths_unknown", "where_prec", "date_prec"})
#: The short credits of the status bar (the full ones are its tooltip and every picture's footer).
SHORT = {CURATED_CREDIT: "Kursk Atlas dataset (CC BY 4.0)", ACLED_CREDIT: "ACLED", UCDP_CREDIT: "UCDP GED"}
#: Named files listed before the rest are counted.
MAX_NAMED = 3


def _kind(table: EventTable, rows: np.ndarray) -> str | None:
    """"acled", "ucdp" or None for the rows of one dataset, by the extra columns that hold values there."""
    telling = [name for name in table.extras if name.lower() in ACLED_COLUMNS | UCDP_COLUMNS]
    # A column filled in the first rows is filled: those settle an ACLED or UCDP file at once, where
    # reading every row of every column took ~0.2 s a million events on each export.
    for part in (rows[:4096], rows):
        filled = {name.lower() for name in telling
                  if any(v not in (None, "") for v in table.extras[name][part].tolist())}
        if len(filled & UCDP_COLUMNS) >= 2:
            return "ucdp"
        if len(filled & ACLED_COLUMNS) >= 2:
            return "acled"
        if part.size == rows.size:
            break
    return None


def dataset_credits(table: EventTable) -> dict[str, str]:
    """The credit of each dataset of ``table`` in the order they first appear ("" for a dataset
    credited by its file's name): also what a publish records in the store, which keeps no ACLED or
    UCDP columns to recognise them by."""
    # The datasets in the order they first appear, by their codes (no Python string per event).
    cat = table.categorical["dataset"]
    present, first = np.unique(cat.codes, return_index=True)
    out: dict[str, str] = {}
    for code in present[np.argsort(first, kind="stable")].tolist():
        d = cat.categories[code] if code >= 0 else ""
        if d == CURATED_DATASET:
            out[d] = CURATED_CREDIT
            continue
        kind = _kind(table, np.flatnonzero(cat.codes == code))
        out[d] = ACLED_CREDIT if kind == "acled" else UCDP_CREDIT if kind == "ucdp" else ""
    return out


def event_credits(table: EventTable, sources: Sequence[str] = (), store: str = "",
                  datasets: Sequence[tuple[str, str, str, int]] | None = None) -> list[str]:
    """One credit per kind of data loaded, in the order the datasets first appear. ``sources`` are
    the files read (AtlasModel.sources): a file's name is shown rather than its dataset's stem.
    ``store`` names the shared store the events were read from (AtlasModel.store_name): it is the
    source, named first (a footer too long for its page is cut at the right), and its events of no
    known dataset are its own, not "an unnamed file". ``datasets``: a store's provenance of every
    event the view shows, not only the rows read (AtlasModel.view_datasets: dataset, the file
    that published it, the credit recorded then, events), which then replaces the rows'."""
    if datasets is not None:
        return _store_credits(store, datasets)
    if len(table) == 0:
        return [f"shared store {store}"] if store else []
    names = {PurePath(s).stem: PurePath(s).name for s in sources}
    credits: list[str] = [f"shared store {store}"] if store else []
    others: list[str] = []
    for d, credit in dataset_credits(table).items():
        if credit:
            if credit not in credits:
                credits.append(credit)
        else:
            name = names.get(d, d)
            if name or not store:  # a store's rows of no dataset are credited to the store below
                others.append(name or "an unnamed file")
    return credits + _named(others, "published" if store else "imported")


def _named(others: list[str], how: str) -> list[str]:
    if not others:
        return []
    shown = ", ".join(others[:MAX_NAMED])
    more = f" and {len(others) - MAX_NAMED} more" if len(others) > MAX_NAMED else ""
    return [f"{shown}{more} ({how} {'file' if len(others) == 1 else 'files'})"]


def _store_credits(store: str, datasets: Sequence[tuple[str, str, str, int]]) -> list[str]:
    """Credits of a store's view from the provenance of its events (most events first)."""
    credits: list[str] = [f"shared store {store}"] if store else []
    others: list[str] = []
    for dataset, source, credit, _events in sorted(datasets, key=lambda d: -d[3]):
        if not credit and dataset == CURATED_DATASET:
            credit = CURATED_CREDIT
        if credit:
            if credit not in credits:
                credits.append(credit)
            continue
        # The file that published it: of a publish of several files, the one the dataset is named after.
        files = [f for f in (source or "").split(", ") if f]
        name = next((PurePath(f).name for f in files if PurePath(f).stem == dataset), "")
        name = name or dataset or (PurePath(files[0]).name if len(files) == 1 else "")
        if name and name not in others:
            others.append(name)
    return credits + _named(others, "published")


def attribution(table: EventTable, sources: Sequence[str] = (), basemap: str = "", short: bool = False,
                store: str = "", datasets: Sequence[tuple[str, str, str, int]] | None = None) -> str:
    """``Events: … · Basemap: …``: the line every picture carries; ``short``: the status bar's.
    ``store``: the shared store the events were read from (named as their source); ``datasets``:
    the provenance of every event its view shows (see :func:`event_credits`)."""
    parts: list[str] = []
    credits = event_credits(table, sources, store, datasets)
    if short:
        credits = [SHORT.get(c, c) for c in credits]
    if credits:
        parts.append("Events: " + "; ".join(credits))
    if basemap:
        parts.append(f"Basemap: {basemap}")
    return " · ".join(parts)
