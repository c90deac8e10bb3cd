"""Whether the store's text search index is there, and how far its build has come.

A large publish drops the trigram (GIN) index of ``katlas.events.search_text`` and rebuilds it after
its commit with ``CREATE INDEX CONCURRENTLY`` (atlas/db/push.py), so colleagues read the new rows
at once; at ten million rows the rebuild takes about ten minutes. Meanwhile a text filter is
answered by scanning every row: correct, but seconds instead of milliseconds. The window says so
(atlas/ui/database_feature.py) until the index is valid again, with the build's progress when the
server reports it (``pg_stat_progress_create_index``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: The layout's text search index (atlas/db/schema.py).
TEXT_INDEX = "events_search_trgm"


@dataclass(frozen=True)
class TextIndexState:
    """``state``: "ready", "building" (a build is running; ``done`` its fraction when known) or
    "missing" (absent, or left invalid by an interrupted build)."""

    state: str
    done: float | None = None

    @property
    def ready(self) -> bool:
        return self.state == "ready"

    def short(self) -> str:
        """A few words for the status bar ("" when ready)."""
        if self.state == "building":
            pct = f" {self.done:.0%}" if self.done is not None else ""
            return f"text index building{pct}: text search slower"
        if self.state == "missing":
            return "no text index: text search slower"
        return ""

    def explain(self) -> str:
        """The whole story, for a tooltip ("" when ready)."""
        if self.state == "building":
            return ("The store's text search index is being rebuilt after a large publish"
                    + (f" ({self.done:.0%} done)" if self.done is not None else "")
                    + ". Until it is ready, a text filter scans every stored event: the answers are "
                      "complete, but take seconds instead of milliseconds.")
        if self.state == "missing":
            return ("The store's text search index is missing (a large publish drops it and rebuilds "
                    "it after its commit; a publish that was interrupted leaves it missing or invalid). "
                    "A text filter scans every stored event meanwhile: complete answers, slower. "
                    "`main.py db migrate` recreates a missing index.")
        return ""


def text_index_state(conn: Any) -> TextIndexState:
    """The state of the store's text index, read from the catalogue (any role may read it)."""
    row = conn.execute(
        "SELECT i.indexrelid::oid, i.indisvalid AND i.indisready FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'katlas' AND c.relname = %s", (TEXT_INDEX,)).fetchone()
    if row is not None and row[1]:
        return TextIndexState("ready")
    if row is None:
        return TextIndexState("missing")
    # A concurrent build names its index (index_relid) from its start.
    progress = conn.execute(
        "SELECT blocks_done, blocks_total, tuples_done, tuples_total FROM pg_stat_progress_create_index "
        "WHERE index_relid = %s", (row[0],)).fetchall()
    if not progress:  # an invalid index no build is working on: an interrupted build's remains
        return TextIndexState("missing")
    blocks_done, blocks_total, tuples_done, tuples_total = progress[0]
    done = None
    if blocks_total:
        done = min(1.0, blocks_done / blocks_total)
    elif tuples_total:
        done = min(1.0, tuples_done / tuples_total)
    return TextIndexState("building", done)
