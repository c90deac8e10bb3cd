"""Build data/control/reconstruction.geojson: the APPROXIMATE reconstruction of the Ukrainian-held
area in Kursk oblast, from data/control/ua_held_settlements.csv (method: atlas/control/reconstruction.py
and data/control/SOURCES.md). Deterministic: the same table gives the same file.

    python tools/build_control_reconstruction.py [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from atlas.control.reconstruction import RECONSTRUCTION, SETTLEMENTS_CSV, build, load_settlements  # noqa: E402
from atlas.control.regions import region_geometry  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--csv", type=Path, default=SETTLEMENTS_CSV)
    ap.add_argument("--out", type=Path, default=RECONSTRUCTION)
    args = ap.parse_args(argv)
    rows = load_settlements(args.csv)
    doc = build(rows, clip=region_geometry("kursk"))
    args.out.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    for f in doc["features"]:
        p = f["properties"]
        if p.get("model_range"):
            print(f"{p['as_of']}  {p['area_km2']:>8,.1f} km²  model range: {p['model_range']}")
            continue
        print(f"{p['as_of']}  {p['area_km2']:>8,.1f} km²  {p['area_sq_mi']:>7,.1f} sq mi  "
              f"{p['n_settlements_held']:>2} settlements")
    print(f"wrote {args.out} (approximate reconstruction, not a survey)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
