"""The dataset's dated area claims (events with ``claim_area_km2``), for the area-over-time chart.

A claim is what someone *said* the held area was; the chart shows it as a mark beside the computed
series, with its sources, so the two are never confused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from atlas.model.table import EventTable

from .model import km2_to_sq_mi


@dataclass(frozen=True)
class AreaClaim:
    event_id: str
    date: dt.date
    km2: float
    title: str
    claimed_by: str
    date_precision: int
    sources: tuple[dict[str, Any], ...]
    #: "held" (the area someone said was held) or "change" (an area said to be taken or retaken,
    #: such as the Russian MoD's "more than 100 km² in a day"): not comparable with a held area.
    kind: str = "held"

    @property
    def sq_mi(self) -> float:
        return km2_to_sq_mi(self.km2)

    def sources_text(self) -> str:
        parts = []
        for s in self.sources:
            bits = [str(s.get("outlet") or "").strip(), str(s.get("date") or "").strip()]
            text = " ".join(b for b in bits if b)
            if s.get("url"):
                text += f" <{s['url']}>"
            if text:
                parts.append(text)
        return "; ".join(parts) or "no source given"

    def tooltip(self) -> str:
        when = self.date.isoformat() + (" (date approximate)" if self.date_precision > 1 else "")
        what = "Claimed held area" if self.kind == "held" else "Claimed change (not a held area)"
        lines = [f"{what}: {self.km2:,.0f} km² ({self.sq_mi:,.0f} sq mi), {when}", self.title]
        if self.claimed_by:
            lines.append(f"Claimed by: {self.claimed_by}")
        lines.append(f"Sources: {self.sources_text()}")
        lines.append(f"Event {self.event_id}")
        return "\n".join(lines)


_CHANGE_WORDS = ("in a day", "retaken", "recaptured", "regained", "retook", "liberated")
_HELD_WORDS = ("control", "held", "hold", "foothold")


#: Sub-event types whose area is ground said to be taken, not ground held.
_CHANGE_TYPES = ("recapture claim",)


def claim_kind(title: str, sub_event_type: str = "") -> str:
    """"held" or "change". The event's sub-type decides when it says (a recapture claim's area is
    ground said to be retaken); otherwise the title's words do."""
    if sub_event_type.strip().lower() in _CHANGE_TYPES:
        return "change"
    t = title.lower()
    if any(w in t for w in _HELD_WORDS):
        return "held"
    return "change" if any(w in t for w in _CHANGE_WORDS) else "held"


def area_claims(table: EventTable, rows: np.ndarray | None = None) -> list[AreaClaim]:
    """Every event with a finite ``claim_area_km2`` and a date, oldest first."""
    idx = np.arange(len(table)) if rows is None else np.asarray(rows)
    if len(idx) == 0:
        return []
    km2 = table.claim_area_km2[idx]
    dates = table.date[idx]
    ok = np.isfinite(km2) & ~np.isnat(dates)
    out = []
    picked = idx[ok]
    sub = table.categorical.get("sub_event_type")
    sub_of = dict(zip(picked.tolist(), (sub.decode(picked) if sub is not None else [""] * len(picked))))
    for r in picked:
        rec_title = table.text["title"][r] if "title" in table.text else ""
        by = table.text["claimed_by"][r] if "claimed_by" in table.text else ""
        out.append(AreaClaim(
            event_id=str(table.ids[r]),
            date=dt.date.fromisoformat(str(table.date[r])),
            km2=float(table.claim_area_km2[r]),
            title=str(rec_title or ""),
            claimed_by=str(by or ""),
            date_precision=int(table.date_precision[r]),
            sources=tuple(table.sources[r] or ()),
            kind=claim_kind(str(rec_title or ""), str(sub_of[int(r)] or "")),
        ))
    out.sort(key=lambda c: (c.date, c.event_id))
    return out
