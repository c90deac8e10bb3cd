"""The command-line contract: render, inspect, bench, help, and sysexits statuses without a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage

from atlas.render import style

from ..conftest import ROOT


def run(*args: str, timeout: int = 180) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env)


def colour_near(c: QColor, ref: str, tol: int = 40) -> bool:
    r = QColor(ref)
    return abs(c.red() - r.red()) <= tol and abs(c.green() - r.green()) <= tol and abs(c.blue() - r.blue()) <= tol


def test_render_centres_and_highlights_the_focus_event(tmp_path: Path, sample_file: Path) -> None:
    out = tmp_path / "focus.png"
    r = run("render", "-o", str(out), str(sample_file), "--focus", "T-3", "--size", "800x600", "--title", "Glushkovo bridge")
    assert r.returncode == 0, r.stderr
    img = QImage(str(out))
    assert (img.width(), img.height()) == (800, 600)
    # The focus ring (yellow) surrounds the centre: look for its colour on a circle around it.
    cx, cy = 400, 300
    ring_hits = 0
    for dx in range(-30, 31):
        for dy in range(-30, 31):
            if colour_near(img.pixelColor(cx + dx, cy + dy), style.FOCUS_COLOUR, 50):
                ring_hits += 1
    assert ring_hits > 40
    # and the event's own marker (Explosions: orange) is right at the centre
    centre = [img.pixelColor(cx + dx, cy + dy) for dx in range(-3, 4) for dy in range(-3, 4)]
    assert any(colour_near(c, style.event_type_colour("Explosions/Remote violence"), 40) for c in centre)
    # nowhere far from the centre is there a focus ring
    far = sum(colour_near(img.pixelColor(x, y), style.FOCUS_COLOUR, 30) for x in range(0, 800, 7) for y in range(400, 600, 7))
    assert far == 0


def test_render_filters_by_date_and_text(tmp_path: Path, sample_file: Path) -> None:
    out = tmp_path / "march.png"
    r = run("render", "-o", str(out), str(sample_file), "--from", "2025-03-01", "--to", "2025-03-31", "--text", "sudzha")
    assert r.returncode == 0, r.stderr
    assert "1 of 8 events" in r.stdout
    assert QImage(str(out)).width() == 1600


@pytest.mark.parametrize(
    "args, message, status",
    [
        (("render", "-o", "x.png", "missing.geojson"), "missing.geojson: no such file", 66),
        (("render", "-o", "x.png", "--focus", "NOPE", "{sample}"), "unknown event id 'NOPE'", 64),
        (("render", "-o", "x.png", "--from", "2025-13-01", "{sample}"), "not a date", 64),
        (("render", "-o", "x.png", "--view", "1,2,3", "{sample}"), "four numbers", 64),
        (("render", "{sample}"), "required: -o", 64),
        (("inspect", "{bad}"), "not valid JSON", 65),
        (("bench", "--sizes", "ten"), "not a comma-separated list", 64),
        (("frobnicate.geojson",), "frobnicate.geojson: no such file", 66),
        (("--frobnicate",), "unrecognized arguments", 64),
    ],
)
def test_errors_exit_with_their_sysexits_status_in_one_line(tmp_path: Path, sample_file: Path, args, message, status: int) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_text("{ not json", encoding="utf-8")
    argv = [a.replace("{sample}", str(sample_file)).replace("{bad}", str(bad)) for a in args]
    argv = [str(tmp_path / a) if a == "x.png" else a for a in argv]
    r = run(*argv)
    assert r.returncode == status, (r.stdout, r.stderr)
    assert r.stderr.startswith("kursk-atlas"), r.stderr
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert message in r.stderr


def test_inspect_json_reports_contents_and_problems(tmp_path: Path) -> None:
    from ..conftest import sample_geojson

    doc = sample_geojson()
    doc["features"][0]["geometry"]["coordinates"] = [0, 0]
    doc["features"][1]["geometry"] = {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}
    p = tmp_path / "mixed.geojson"
    p.write_text(json.dumps(doc), encoding="utf-8")
    r = run("inspect", str(p), "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["events"] == 7
    assert info["with_coordinates"] == 4
    assert info["date_min"] == "2024-08-06" and info["date_max"] == "2025-03-13"
    assert info["types"]["Battles"] == 3
    assert len(info["bbox"]) == 4 and info["bbox"][0] == pytest.approx(34.6328)
    whats = {(pr["where"], pr["action"]) for pr in info["problems"]}
    assert ("mixed.geojson feature 1", "kept without a point") in whats
    assert ("mixed.geojson feature 2", "rejected") in whats


def test_help_and_version() -> None:
    for args in (("--help",), ("render", "--help"), ("inspect", "--help"), ("bench", "--help")):
        r = run(*args)
        assert r.returncode == 0 and "usage" in r.stdout.lower(), args
    r = run("--version")
    assert r.returncode == 0 and "Kursk Atlas" in r.stdout


def test_bench_writes_json_with_floors(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    r = run("bench", "--events", "2000", "--json", str(out),
            "--cases", "build_table,filter_date_type_text,filter_clear,workflow_filter_change,workflow_filter_clear,"
            "workflow_list_reset,workflow_select_100k,workflow_select_clear,workflow_map_redraw_points,"
            "workflow_map_redraw_auto,import_acled_csv")
    assert r.returncode == 0, r.stderr
    rep = json.loads(out.read_text())
    assert rep["sizes"] == [2000]
    cases = rep["cases"]
    names = {c["case"] for c in cases}
    assert {"build_table", "filter_date_type_text", "filter_clear", "workflow_filter_change", "workflow_filter_clear",
            "workflow_list_reset", "workflow_select_100k", "workflow_select_clear", "workflow_map_redraw_points",
            "workflow_map_redraw_auto", "import_acled_csv"} == names
    for c in cases:
        assert c["n"] == 2000 and c["median_s"] >= 0 and c["peak_rss_mb"] > 0
        assert c["floor_s"] is not None, c
        # The report rounds times to microseconds and ratios to three decimals: the ratio of the
        # rounded times is checked only where both roundings are small (a 30 us median rounds by
        # up to 1.7 %, and a 0.0403 ratio is written 0.04).
        if c["floor_s"] >= 1e-4 and c["median_s"] >= 1e-4:
            assert c["ratio_to_floor"] == pytest.approx(c["median_s"] / c["floor_s"], rel=0.02, abs=1e-3), c
    (imp,) = [c for c in cases if c["case"] == "import_acled_csv"]
    assert imp["bytes_per_event"] > 0
    # every printed line carries its ratio to the floor
    assert all("×" in line for line in r.stdout.splitlines() if line.startswith("workflow_"))
