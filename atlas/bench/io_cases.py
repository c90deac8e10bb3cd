"""Bench cases for import: a synthetic ACLED CSV (current 31-column layout) loaded into a usable table.

The file is generated once per size into a temporary folder (the generation is not timed). The
target from issue 4: 1,000,000 rows in 3 s or less at 1 GB peak RSS or less.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from atlas.bench import BenchContext, Result, case

ACLED_COLUMNS: tuple[str, ...] = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
    "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
    "fatalities", "tags", "timestamp",
)
_SUB = {
    "Battles": ("Armed clash", "Government regains territory", "Non-state actor overtakes territory"),
    "Explosions/Remote violence": ("Shelling/artillery/missile attack", "Air/drone strike", "Remote explosive/landmine/IED"),
    "Strategic developments": ("Disrupted weapons use", "Looting/property destruction", "Other"),
    "Violence against civilians": ("Attack",),
}
_PLACES = (
    ("Sudzha", "Kursk", "Sudzhanskiy", 35.2706, 51.1914), ("Korenevo", "Kursk", "Korenevskiy", 34.9108, 51.4122),
    ("Glushkovo", "Kursk", "Glushkovskiy", 34.6328, 51.3392), ("Tetkino", "Kursk", "Glushkovskiy", 34.2881, 51.2727),
    ("Rylsk", "Kursk", "Rylskiy", 34.6860, 51.5681), ("Sumy", "Sumy", "Sumskyi", 34.7981, 50.9077),
    ("Yunakivka", "Sumy", "Sumskyi", 35.0052, 51.0427), ("Belgorod", "Belgorod", "Belgorodskiy", 36.5873, 50.5977),
)
_ACTORS = ("Military Forces of Russia (2000-)", "Military Forces of Ukraine (2019-)", "Military Forces of North Korea (1948-)",
           "Civilians (Russia)", "Civilians (Ukraine)", "")
_SOURCES = ("Ministry of Defence of Russia", "Ministry of Defence of Ukraine; Suspilne Media", "Kommersant",
            "Ukrainska Pravda", "Rybar; WarGonzo", "Meduza", "Kyiv Independent; Reuters")
_PHRASES = ("Russian forces shelled", "Ukrainian forces attacked positions near", "a drone struck a vehicle near",
            "clashes took place around", "Russian aviation launched guided bombs at", "an ammunition depot exploded near")


def write_acled_csv(path: Path, n: int, seed: int = 11) -> Path:
    """A synthetic ACLED export of ``n`` rows in the current 31-column layout (ISO dates)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    types = np.array(list(_SUB), dtype=object)
    t = rng.integers(0, len(types), n)
    sub = np.array([_SUB[k][0] for k in types], dtype=object)[t]
    for k, name in enumerate(types):
        rows = np.flatnonzero(t == k)
        sub[rows] = np.array(_SUB[name], dtype=object)[rng.integers(0, len(_SUB[name]), rows.size)]
    p = rng.integers(0, len(_PLACES), n)
    places = np.array([x[0] for x in _PLACES], dtype=object)
    admin1 = np.array([x[1] for x in _PLACES], dtype=object)
    admin2 = np.array([x[2] for x in _PLACES], dtype=object)
    lon = np.array([x[3] for x in _PLACES])[p] + rng.normal(0, 0.05, n)
    lat = np.array([x[4] for x in _PLACES])[p] + rng.normal(0, 0.05, n)
    country = np.where(admin1[p] == "Sumy", "Ukraine", "Russia").astype(object)
    day = np.datetime64("2024-08-06") + rng.integers(0, 266, n).astype("timedelta64[D]")
    day_s = day.astype(str).astype(object)
    actors = np.array(_ACTORS, dtype=object)
    phrases = np.array(_PHRASES, dtype=object)
    ph = phrases[rng.integers(0, len(phrases), n)]
    # Notes as ACLED writes them, different on every row (no dictionary can fold them).
    notes = [f"On {d}, {a} {pl}, {a1} region. Casualties unknown. [ref {i}]"
             for i, (d, a, pl, a1) in enumerate(zip(day_s, ph, places[p], admin1[p], strict=True))]
    cols = {
        "event_id_cnty": [f"RUS{i + 100000}" for i in range(n)],
        "event_date": day_s,
        "year": day.astype("datetime64[Y]").astype(int) + 1970,
        "time_precision": rng.choice(np.array([1, 1, 1, 2, 3]), n),
        "disorder_type": np.full(n, "Political violence", dtype=object),
        "event_type": types[t],
        "sub_event_type": sub,
        "actor1": actors[rng.integers(0, 3, n)],
        "assoc_actor_1": np.full(n, "", dtype=object),
        "inter1": rng.integers(1, 9, n),
        "actor2": actors[rng.integers(0, len(actors), n)],
        "assoc_actor_2": np.full(n, "", dtype=object),
        "inter2": rng.integers(0, 9, n),
        "interaction": rng.integers(10, 88, n),
        "civilian_targeting": np.full(n, "", dtype=object),
        "iso": np.where(country == "Russia", 643, 804),
        "region": np.full(n, "Europe", dtype=object),
        "country": country,
        "admin1": admin1[p],
        "admin2": admin2[p],
        "admin3": np.full(n, "", dtype=object),
        "location": places[p],
        "latitude": np.round(lat, 4),
        "longitude": np.round(lon, 4),
        "geo_precision": rng.integers(1, 4, n),
        "source": np.array(_SOURCES, dtype=object)[rng.integers(0, len(_SOURCES), n)],
        "source_scale": np.full(n, "National", dtype=object),
        "notes": notes,
        "fatalities": rng.poisson(0.4, n),
        "tags": np.full(n, "", dtype=object),
        "timestamp": 1723000000 + rng.integers(0, 30_000_000, n),
    }
    tbl = pa.table({k: pa.array(v) for k, v in cols.items()})
    pacsv.write_csv(tbl, path, pacsv.WriteOptions(quoting_style="needed"))
    return path


_TMP: list[Path] = []
#: ``bench --csv-dir``: where the synthetic files are kept and reused (None: a temporary folder).
CSV_DIR: Path | None = None


def _csv_for(ctx: BenchContext) -> Path:
    if "acled_csv" not in ctx.cache:
        if CSV_DIR is not None:
            path = CSV_DIR / f"acled_{ctx.n}.csv"
            if not path.exists():
                # Written under a name of this process, then moved: a reader never sees half a file.
                part = CSV_DIR / f".acled_{ctx.n}.{os.getpid()}.part"
                write_acled_csv(part, ctx.n)
                os.replace(part, path)
            ctx.cache["acled_csv"] = path
        else:
            tmp = Path(tempfile.mkdtemp(prefix="atlas-bench-"))
            _TMP.append(tmp)
            ctx.cache["acled_csv"] = write_acled_csv(tmp / f"acled_{ctx.n}.csv", ctx.n)
    return ctx.cache["acled_csv"]


@atexit.register
def _cleanup() -> None:
    for p in _TMP:
        shutil.rmtree(p, ignore_errors=True)


_CHILD = """
import gc, json, resource, sys, time
from atlas.io import read_events  # the app has its modules loaded before anyone opens a file
def rss_now():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0
before = rss_now()
t0 = time.perf_counter()
table, report = read_events(sys.argv[1])
loaded = time.perf_counter() - t0
table.search_column()
usable = time.perf_counter() - t0
gc.collect()
held = rss_now() - before  # what the loaded table keeps resident, the parse's garbage gone
assert len(table) == int(sys.argv[2]), len(table)
t1 = time.perf_counter()
import pyarrow.csv as pacsv
if sys.argv[3] == "floor":
    pacsv.read_csv(sys.argv[1])
floor = time.perf_counter() - t1
ru = resource.getrusage(resource.RUSAGE_SELF)
# VmHWM is this process's own peak: ru_maxrss carries the parent's peak across fork+exec on Linux.
rss = ru.ru_maxrss / 1024
try:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            rss = int(line.split()[1]) / 1024
except OSError:
    pass
print(json.dumps({"loaded": loaded, "usable": usable, "floor": floor, "cpu": ru.ru_utime + ru.ru_stime, "rss": rss, "held_bytes": held}))
"""


def _child(path: Path, n: int, floor: bool) -> dict[str, float]:
    import json
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(n), "floor" if floor else "-"],
                         capture_output=True, text=True, cwd=str(root), check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@case
def import_acled_csv(ctx: BenchContext) -> Result:
    """Load the ACLED CSV into a usable table (parsed, checked, search index built), each run in a
    fresh process so that the peak RSS is the import's own (including interpreter and imports).
    Memory after load: the resident growth from before the read to after it (garbage collected),
    per event. Floor: pyarrow's CSV reader on the same file."""
    path = _csv_for(ctx)
    repeats = 3 if ctx.n >= 500_000 else 5
    runs = [_child(path, ctx.n, floor=False) for _ in range(repeats)]
    floor = _child(path, ctx.n, floor=True)["floor"]
    med = float(np.median([r["usable"] for r in runs]))
    ctx.cache["import_acled_csv_runs"] = runs
    print(f"  import_acled_csv: loaded {np.median([r['loaded'] for r in runs]):.2f} s, usable (search index) "
          f"{med:.2f} s, CPU {np.median([r['cpu'] for r in runs]):.2f} s, peak RSS {max(r['rss'] for r in runs):.0f} MB "
          "(child process; a loaded machine inflates the wall times)", flush=True)
    held = float(np.median([r["held_bytes"] for r in runs]))
    return Result("import_acled_csv", ctx.n, med, floor, max(r["rss"] for r in runs),
                  extra={"bytes_per_event": held / ctx.n, "resident_after_load_mb": held / 2**20,
                         "peak_mb": max(r["rss"] for r in runs)})
