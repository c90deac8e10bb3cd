"""`render --control DATE|FILE`: the areas of control of a date (the bundled reconstruction) or of
a loaded snapshot file, on every page format and on each day of a series."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from atlas.control.model import MODEL_RANGE_PARTS, MODEL_RANGE_TEXT
from atlas.model.palette import MODEL_RANGE_STYLE, STATUS_STYLE

ROOT = Path(__file__).resolve().parents[2]
SVG_NS = "{http://www.w3.org/2000/svg}"
VIEW = ("--view", "34.8,50.9,35.8,51.5", "--size", "1400x900")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "main.py", "render", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=240, env=env)


def svg_texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    return ["".join(t.itertext()).strip() for t in root.iter(f"{SVG_NS}text")]


def filled_with(path: Path, colour: str) -> int:
    """Elements of the SVG filled with ``colour`` (the areas' status fill)."""
    root = ET.parse(path).getroot()
    return sum(1 for el in root.iter() if (el.get("fill") or "").lower() == colour.lower()
               and any(True for _ in el.iter(f"{SVG_NS}path")))


def test_control_of_a_date_draws_the_reconstruction_in_force(tmp_path: Path) -> None:
    out, plain = tmp_path / "c.svg", tmp_path / "plain.svg"
    res = run_cli("-o", str(out), "--control", "2024-09-10", *VIEW)
    assert res.returncode == 0, res.stderr
    assert run_cli("-o", str(plain), *VIEW).returncode == 0
    texts = svg_texts(out)
    # The latest snapshot on or before the date (2024-08-27), said so in the legend.
    assert "Areas of control, as of 2024-08-27 (shown for 2024-09-10)" in texts, texts
    assert any("approximate reconstruction" in t for t in texts)
    # The model is drawn as its range (inner and outer envelope, in the model's own colour) and
    # labelled a model; never as the one blue polygon a survey's Ukrainian-held area gets.
    assert f"≈ {MODEL_RANGE_TEXT}" in texts
    assert all(part in texts for part in MODEL_RANGE_PARTS.values()), texts
    violet = MODEL_RANGE_STYLE["inner"][0]
    assert filled_with(out, violet) >= 2 and filled_with(plain, violet) == 0
    assert filled_with(out, STATUS_STYLE["ukrainian"][0]) == 0
    assert not any(t.startswith("Areas of control") for t in svg_texts(plain))


def test_control_of_a_loaded_snapshot_file(tmp_path: Path) -> None:
    snap = tmp_path / "held.geojson"
    ring = [[35.15, 51.12], [35.40, 51.12], [35.40, 51.27], [35.15, 51.27], [35.15, 51.12]]
    snap.write_text(json.dumps({"type": "FeatureCollection", "source": "test survey", "features": [
        {"type": "Feature", "properties": {"status": "ukrainian", "date": "2024-08-20"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}]}), encoding="utf-8")
    out = tmp_path / "c.pdf"
    res = run_cli("-o", str(out), "--control", str(snap), *VIEW)
    assert res.returncode == 0, res.stderr
    svg = tmp_path / "c.svg"
    assert run_cli("-o", str(svg), "--control", str(snap), *VIEW).returncode == 0
    texts = svg_texts(svg)
    assert "Areas of control, as of 2024-08-20" in texts and "Source: test survey" in texts
    assert filled_with(svg, STATUS_STYLE["ukrainian"][0]) >= 1
    if (pdftotext := __import__("shutil").which("pdftotext")) is not None:
        text = subprocess.run([pdftotext, str(out), "-"], capture_output=True, text=True, check=True).stdout
        assert "Areas of control, as of 2024-08-20" in text
    # An undated file takes the date given beside it.
    undated = tmp_path / "undated.geojson"
    doc = json.loads(snap.read_text(encoding="utf-8"))
    del doc["features"][0]["properties"]["date"]
    undated.write_text(json.dumps(doc), encoding="utf-8")
    res = run_cli("-o", str(tmp_path / "u.svg"), "--control", str(undated), *VIEW)
    assert res.returncode == 65 and "--control YYYY-MM-DD" in res.stderr
    res = run_cli("-o", str(tmp_path / "u.svg"), "--control", str(undated), "--control", "2024-09-01", *VIEW)
    assert res.returncode == 0, res.stderr
    assert "Areas of control, as of 2024-09-01" in svg_texts(tmp_path / "u.svg")


def test_control_follows_each_day_without_a_date(tmp_path: Path) -> None:
    res = run_cli("-o", str(tmp_path / "{date}.svg"), "--control", "data/control/reconstruction.geojson",
                  "--each-day", "2024-08-26", "2024-08-27", "--format", "svg", *VIEW)
    assert res.returncode == 0, res.stderr
    first, second = svg_texts(tmp_path / "2024-08-26.svg"), svg_texts(tmp_path / "2024-08-27.svg")
    assert any(t.startswith("Areas of control, as of 2024-08-15") for t in first)
    assert "Areas of control, as of 2024-08-27" in second


@pytest.mark.parametrize("args, status, words", [
    (("--control", "2020-01-01"), 65, "no snapshot on or before"),
    (("--control", "2024-09-01", "--control", "2024-10-01"), 64, "at most one date"),
    (("--control", "no/such/areas.geojson"), 66, "areas.geojson"),
    (("--control", "2024-02-30"), 64, "2024-02-30"),
])
def test_control_errors_are_one_line_with_their_status(tmp_path: Path, args: tuple[str, ...], status: int,
                                                        words: str) -> None:
    res = run_cli("-o", str(tmp_path / "x.png"), *args)
    assert res.returncode == status, res.stderr
    assert words in res.stderr and len(res.stderr.strip().splitlines()) == 1
