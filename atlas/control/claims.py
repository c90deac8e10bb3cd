"""The dataset's dated area claims (events with ``claim_area_km2``), for the area-over-time chart.

A claim is what someone *said* the held area was, dated by when it was said. The chart draws one
series per kind of source (:data:`SOURCE_KINDS`): the Ukrainian side's claims, the Russian side's, and
independent estimates (intelligence services, outlets, analysts); each point is labelled with who said
it, and its tooltip gives the sources. Claims are never confused with areas computed from maps.
"""

from __future__ import annotations

import datetime as dt
import re
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
    #: The event's ``side`` (Ukraine, Russia, Third party): which series of the chart the claim is on.
    side: str = ""

    @property
    def source_kind(self) -> str:
        return source_kind(self.side)

    @property
    def label(self) -> str:
        """Who said it, short enough to print beside a point."""
        return short_source(self.claimed_by, self.sources)

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
        what = ("Claimed held area" if self.kind == "held" else "Claimed change (not a held area)") + \
            f" ({SOURCE_KIND_LABELS[self.source_kind].rstrip('s')})"
        lines = [f"{what}: {self.km2:,.0f} km² ({self.sq_mi:,.0f} sq mi), {when}", self.title]
        if self.claimed_by:
            lines.append(f"Claimed by: {self.claimed_by}")
        lines.append(f"Sources: {self.sources_text()}")
        lines.append(f"Event {self.event_id}")
        return "\n".join(lines)


#: The kinds of source the area chart draws as separate series: who said how much ground was held.
SOURCE_KINDS = ("ukrainian", "russian", "independent")
SOURCE_KIND_LABELS = {"ukrainian": "Ukrainian claims", "russian": "Russian claims",
                      "independent": "independent estimates"}
_SIDE_KIND = {"ukraine": "ukrainian", "russia": "russian", "third party": "independent"}
#: Words that mark a claimant as an institution rather than a person (whose surname labels a point).
_INSTITUTION_WORDS = {"ministry", "defence", "defense", "intelligence", "staff", "service", "officials",
                      "source", "government", "agency", "reuters", "times", "press", "nato", "un"}
_SHORT_NAMES = {"UK Defence Intelligence": "UK DI", "Russian Ministry of Defence": "Russian MoD",
                "Senior Ukrainian General Staff source": "General Staff source",
                "Ukrainian officials": "Ukrainian officials"}


def source_kind(side: str) -> str:
    """The chart series a claim belongs to, from the event's ``side``: a side's own statement is that
    side's claim; a third party's (an intelligence service, an outlet, analysts) an independent estimate."""
    return _SIDE_KIND.get(side.strip().lower(), "independent")


def short_source(claimed_by: str, sources: tuple[dict[str, Any], ...] = ()) -> str:
    """A point's label on the chart: the claimant's surname (``Oleksandr Syrskyi`` -> ``Syrskyi``), an
    institution's short name, or the first outlet when nobody is named (an outlet's own finding)."""
    text = re.sub(r"\s*\(.*?\)", "", claimed_by or "").strip()
    if not text:
        text = str(next((s.get("outlet") for s in sources if s.get("outlet")), "") or "")
        # A syndicated copy ("Vårt Land (AFP)") carries the agency's finding: the agency says it.
        # A relay of a relay ("UrduPoint (APP/AFP)": APP carrying AFP) names the agency last.
        agency = re.search(r"\(([^()]+)\)\s*$", text)
        return agency.group(1).split("/")[-1].strip() if agency else text.strip()
    if text in _SHORT_NAMES:
        return _SHORT_NAMES[text]
    words = text.split()
    if 2 <= len(words) <= 3 and all(w[:1].isupper() for w in words) \
            and not {w.lower() for w in words} & _INSTITUTION_WORDS:
        return words[-1]
    return text if len(text) <= 24 else text[:23] + "…"


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
    side = table.categorical.get("side")
    side_of = dict(zip(picked.tolist(), (side.decode(picked) if side is not None else [""] * len(picked))))
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
            # 0 km² is a claim that nothing is held any more (Russia's full-recapture claim): a
            # held area of zero, drawn at 0 on the held series, whatever the sub-type says.
            kind="held" if float(table.claim_area_km2[r]) == 0 else claim_kind(str(rec_title or ""),
                                                                              str(sub_of[int(r)] or "")),
            side=str(side_of[int(r)] or ""),
        ))
    out.sort(key=lambda c: (c.date, c.event_id))
    return out


def claim_series(claims: list[AreaClaim]) -> dict[str, list[AreaClaim]]:
    """The held-area claims of each kind of source, oldest first (what the chart draws as lines)."""
    out: dict[str, list[AreaClaim]] = {k: [] for k in SOURCE_KINDS}
    for c in claims:
        if c.kind == "held":
            out[c.source_kind].append(c)
    for cs in out.values():
        cs.sort(key=lambda c: (c.date, c.event_id))
    return {k: v for k, v in out.items() if v}


def label_groups(claims: list[AreaClaim], within_days: int = 12) -> list[list[AreaClaim]]:
    """Consecutive claims of one series less than ``within_days`` apart share one label on the chart
    (the claims of one week of August 2024 would otherwise print over each other)."""
    groups: list[list[AreaClaim]] = []
    for c in claims:
        if groups and (c.date - groups[-1][-1].date).days < within_days:
            groups[-1].append(c)
        else:
            groups.append([c])
    return groups


def group_label(group: list[AreaClaim]) -> str:
    """The claimants of a label group, each once, in the order they spoke, and the area or the range
    of areas they gave (``Syrskyi, Zelensky 1,000–1,300``)."""
    who = ", ".join(dict.fromkeys(c.label for c in group if c.label))
    lo, hi = min(c.km2 for c in group), max(c.km2 for c in group)
    value = f"{lo:,.0f}" if lo == hi else f"{lo:,.0f}–{hi:,.0f}"
    return f"{who} {value}".strip()
