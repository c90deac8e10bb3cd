"""``render --layout``: the boxes of a picture, read back; no name overlaps another name, a marker
or a decoration, at the overview and at Sudzha at 1:50,000."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage

from ..conftest import ROOT

PAGE_DECORATIONS = {"title", "footer", "legend", "scale_bar", "north_arrow", "inset"}


def render_layout(tmp_path: Path, name: str, *args: str) -> dict[str, Any]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    png, lay = tmp_path / f"{name}.png", tmp_path / f"{name}.json"
    r = subprocess.run([sys.executable, "main.py", "render", "-o", str(png), "--layout", str(lay), *args],
                       cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    img = QImage(str(png))
    data = json.loads(lay.read_text(encoding="utf-8"))
    assert data["size"] == [img.width(), img.height()]
    return data


def overlaps(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and a[2] > b[0] and a[1] < b[3] and a[3] > b[1]


def collisions(data: dict[str, Any]) -> list[str]:
    """Every overlap of a name's box with another name, a marker or a decoration."""
    found: list[str] = []
    parts = [(i, lab["text"], box) for i, lab in enumerate(data["labels"]) for box in lab["boxes"]]
    for n, (i, text, box) in enumerate(parts):
        for j, other, box2 in parts[n + 1:]:
            if i != j and overlaps(box, box2):
                found.append(f"name {text!r} on name {other!r}")
        for m in data["markers"]:
            if overlaps(box, m["box"]):
                found.append(f"name {text!r} on marker {m.get('event_id', m['kind'])}")
        for d in data["decorations"]:
            if overlaps(box, d["box"]):
                found.append(f"name {text!r} under the {d['kind']}")
    return found


def check_page(data: dict[str, Any], must_name: str) -> None:
    texts = [lab["text"] for lab in data["labels"]]
    kinds = {d["kind"] for d in data["decorations"]}
    assert PAGE_DECORATIONS <= kinds, kinds
    assert must_name in texts, texts
    assert any(m["kind"] == "event" and m["event_id"] for m in data["markers"])
    mx0, my0, mx1, my1 = data["map"]
    for lab in data["labels"]:
        for b in lab["boxes"]:
            assert mx0 <= b[0] < b[2] <= mx1 and my0 <= b[1] < b[3] <= my1, lab
    assert collisions(data) == []


def test_overview_layout_has_no_collisions(tmp_path: Path) -> None:
    data = render_layout(tmp_path, "overview")
    assert len(data["labels"]) >= 20
    # Sudzha was hidden under its events before names kept clear of markers.
    check_page(data, "Sudzha")
    assert {lab["kind"] for lab in data["labels"]} >= {"place", "country", "river"}
    # the graticule's degree labels are decorations names keep clear of (check_page), and none
    # is cut by the page's legend, title block or inset
    degrees = [d["box"] for d in data["decorations"] if d["kind"] == "degree_label"]
    assert len(degrees) >= 4
    page = [d for d in data["decorations"] if d["kind"] in ("title", "legend", "inset", "scale_bar", "north_arrow")]
    assert not [(d["kind"], b) for b in degrees for d in page if overlaps(b, d["box"])]


def test_sudzha_at_1_to_50000_layout_has_no_collisions(tmp_path: Path) -> None:
    data = render_layout(tmp_path, "sudzha", "--center", "Sudzha", "--scale", "1:50,000")
    check_page(data, "Sudzha")
    assert len(data["markers"]) >= 5
    # Events are stacked here (several reports placed on one village's point): each stack's
    # count badge is a box of its own, and no name covers it (check_page).
    badges = [m for m in data["markers"] if m["kind"] == "badge"]
    assert len(badges) >= 3 and all(int(m["count"]) >= 2 for m in badges)
    events = [m["box"] for m in data["markers"] if m["kind"] == "event"]
    for b in badges:  # each badge sits on its stack's marker
        assert any(overlaps(b["box"], e) for e in events)


def test_spread_stacks_are_in_the_layout_and_names_keep_clear(tmp_path: Path) -> None:
    """Zoomed in beyond 1:22,000 every stack in view is spread out: the spread markers (with
    their event ids), the hub and the legs are boxes, and the names keep clear of them."""
    data = render_layout(tmp_path, "sudzha15k", "--center", "Sudzha", "--scale", "1:15,000")
    check_page(data, "Sudzha")
    kinds = [m["kind"] for m in data["markers"]]
    assert kinds.count("spread") >= 5 and "hub" in kinds and "spread_leg" in kinds
    assert "badge" not in kinds  # a spread stack shows its events, not a count
    spread_ids = [m["event_id"] for m in data["markers"] if m["kind"] == "spread"]
    assert all(spread_ids) and len(set(spread_ids)) == len(spread_ids)
    # Sudzha's name sits beside the spread, not on it
    sudzha = next(lab for lab in data["labels"] if lab["text"] == "Sudzha")
    spread = [m["box"] for m in data["markers"] if m["kind"] in ("spread", "hub", "spread_leg")]
    assert not any(overlaps(b, s) for b in sudzha["boxes"] for s in spread)


def test_layout_with_annotations_focus_and_banner(tmp_path: Path) -> None:
    """The briefing example: arrows, a ring and a marker, a focus event and banners; names keep
    clear of the annotations too."""
    data = render_layout(tmp_path, "briefing", "--view", "34.8,50.95,35.75,51.5", "--size", "1920x1080",
                         "--annotations", "docs/examples/sudzha-briefing.geojson", "--banner", "FOR TRAINING",
                         "--focus", first_event_id())
    check_page(data, "Korenevo")
    assert {m["kind"] for m in data["markers"]} >= {"event", "focus"}
    assert sum(d["kind"] == "banner" for d in data["decorations"]) == 2
    assert data["annotations"]
    for lab in data["labels"]:
        for b in lab["boxes"]:
            for a in data["annotations"]:
                assert not overlaps(b, a["box"]), (lab["text"], a["id"])


def first_event_id() -> str:
    d = json.loads((ROOT / "data" / "events" / "kursk_2024_25.geojson").read_text(encoding="utf-8"))
    return str(d["features"][0]["properties"]["event_id"])


@pytest.mark.parametrize("extra", [["--each-day", "2024-08-06", "2024-08-07"], ["--animate", "x.gif"]])
def test_layout_is_for_one_picture(tmp_path: Path, extra: list[str]) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    r = subprocess.run([sys.executable, "main.py", "render", "-o", str(tmp_path / "out"), "--layout",
                        str(tmp_path / "l.json"), *[str(tmp_path / e) if e.endswith(".gif") else e for e in extra]],
                       cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode != 0 and "--layout" in r.stderr
    assert not (tmp_path / "l.json").exists()


def test_names_keep_out_of_the_areas_of_control_legend(tmp_path: Path) -> None:
    data = render_layout(tmp_path, "control", "--control", "2024-09-01")
    assert "control_legend" in {d["kind"] for d in data["decorations"]}
    check_page(data, "Sudzha")
