"""Country names (RUSSIA, UKRAINE) where a cartographer would put them, read from
``render --layout``: beside the border, each on its own side, clear of villages and events; none
when the view at village or district scale is all one country."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from atlas.geo.projection import lonlat_to_merc

from ..conftest import ROOT
from .test_render_layout import collisions, render_layout

BASEMAP = ROOT / "data" / "basemap"


def page_px(data: dict[str, Any], geom: BaseGeometry) -> BaseGeometry:
    """A lon/lat geometry in the picture's pixels, from the layout's map box and map_lonlat."""
    l, t, r, b = data["map"]
    w, s, e, n = data["map_lonlat"]
    (mx0, mx1), (my0, my1) = lonlat_to_merc([w, e], [s, n])

    def f(xy: np.ndarray) -> np.ndarray:
        mx, my = lonlat_to_merc(xy[:, 0], xy[:, 1])
        return np.column_stack([l + (mx - mx0) / (mx1 - mx0) * (r - l), t + (my1 - my) / (my1 - my0) * (b - t)])

    return shapely.transform(geom, f)


def basemap(name: str) -> list[dict[str, Any]]:
    return json.loads((BASEMAP / name).read_text(encoding="utf-8"))["features"]


def countries(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [lab for lab in data["labels"] if lab["kind"] == "country"]


def check_beside_the_border(data: dict[str, Any]) -> list[str]:
    """Each country name lies inside its own country, off the border but within a few lines of it,
    with some open space around it (no marker or other name within half its height)."""
    border = page_px(data, shapely.union_all([shape(f["geometry"]) for f in basemap("border.geojson")]))
    area = {f["properties"]["name_en"]: page_px(data, shape(f["geometry"])) for f in basemap("countries.geojson")}
    named = []
    for lab in countries(data):
        box = shapely.box(*lab["box"])
        h = lab["box"][3] - lab["box"][1]
        assert area[lab["text"]].contains(box), f"{lab['text']} is not on its own side of the border"
        assert 0 < box.distance(border) <= 3.5 * h, f"{lab['text']} is {box.distance(border):.0f} px from the border"
        pad = box.buffer(h / 2, join_style="mitre")
        near = [m for m in data["markers"] if pad.intersects(shapely.box(*m["box"]))]
        near += [o["text"] for o in data["labels"] if o is not lab and pad.intersects(shapely.box(*o["box"]))]
        assert not near, f"{lab['text']} crowds {near}"
        named.append(lab["text"])
    return named


def test_village_scale_names_the_country_beside_the_border_not_over_the_villages(tmp_path: Path) -> None:
    # Sudzha at 1:50,000: before, RUSSIA sat in the middle of the view among the villages.
    data = render_layout(tmp_path, "sudzha", "--center", "Sudzha", "--scale", "1:50,000")
    assert check_beside_the_border(data) == ["Russia"]  # Ukraine is a sliver at the edge here
    assert collisions(data) == []
    # placed after (and so never instead of) the villages around Sudzha
    texts = [lab["text"] for lab in data["labels"]]
    for village in ("Sudzha", "Goncharovka", "Makhnovka", "Nikolayevo-Daryino"):
        assert village in texts


def test_overview_names_both_countries_on_either_side_of_the_border(tmp_path: Path) -> None:
    data = render_layout(tmp_path, "region", "--view", "34.0,50.7,36.3,51.9")
    assert sorted(check_beside_the_border(data)) == ["Russia", "Ukraine"]
    assert collisions(data) == []


def test_no_country_name_when_the_view_is_one_country(tmp_path: Path) -> None:
    # Kursk city and its surroundings at 1:200,000: all Russia, the border 100 km away.
    data = render_layout(tmp_path, "kursk", "--center", "36.19,51.73", "--scale", "1:200,000")
    assert countries(data) == []
    assert "Kursk" in [lab["text"] for lab in data["labels"]]
