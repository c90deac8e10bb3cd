"""Rewrite the `sources` column of data/control/ua_held_settlements.csv from the citations of each
row's events (`event_ids` in data/events/kursk_2024_25.geojson), as "outlet YYYY-MM-DD; ...".

The column is a copy for readers of the table alone; the events' citations are the truth, so it is
regenerated from them rather than edited by hand (tests/control/test_reconstruction.py checks it).

    python tools/sync_settlement_sources.py
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETTLEMENTS = ROOT / "data" / "control" / "ua_held_settlements.csv"
EVENTS = ROOT / "data" / "events" / "kursk_2024_25.geojson"


def main() -> int:
    doc = json.loads(EVENTS.read_text(encoding="utf-8"))
    by_id = {f["properties"]["event_id"]: f["properties"] for f in doc["features"]}
    text = SETTLEMENTS.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    for r in rows:
        named: list[str] = []
        for event_id in (e.strip() for e in r["event_ids"].split(";") if e.strip()):
            for s in by_id[event_id]["sources"]:
                entry = f"{s['outlet']} {s['date']}"
                if entry not in named:
                    named.append(entry)
        r["sources"] = "; ".join(named)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n" if "\r\n" in text else "\n")
    writer.writeheader()
    writer.writerows(rows)
    SETTLEMENTS.write_text(out.getvalue(), encoding="utf-8", newline="")
    print(f"wrote {SETTLEMENTS.relative_to(ROOT)} ({len(rows)} rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
