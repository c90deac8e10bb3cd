"""KML styles: the colours we write (one shared ``<Style>`` per event type or status) and the
styles we read back (shared styles, ``StyleMap`` pairs and inline styles, resolved per placemark).

KML writes colours as ``aabbggrr`` hex; the atlas keeps ``#rrggbb`` (atlas.model.palette).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

#: The icon Google Earth tints with IconStyle's colour; viewers ship it, the atlas never fetches it.
ICON_HREF = "http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png"
_HEX8 = re.compile(r"^[0-9a-fA-F]{8}$")
_HEX6 = re.compile(r"^[0-9a-fA-F]{6}$")


def to_kml_colour(rgb: str, alpha: float = 1.0) -> str:
    """``#rrggbb`` and an opacity (0-1) → KML's ``aabbggrr``."""
    r, g, b = rgb[1:3], rgb[3:5], rgb[5:7]
    return f"{round(max(0.0, min(1.0, alpha)) * 255):02x}{b}{g}{r}".lower()


def from_kml_colour(text: str) -> str | None:
    """KML ``aabbggrr`` (or the 6-digit ``bbggrr`` some tools write) → ``#rrggbb``; None if neither."""
    s = text.strip().lstrip("#")
    if _HEX8.match(s):
        s = s[2:]
    elif not _HEX6.match(s):
        return None
    return f"#{s[4:6]}{s[2:4]}{s[0:2]}".lower()


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(el: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in el if _local(c.tag) == name), None)


@dataclass(frozen=True)
class PointStyle:
    """What a style says about a point: its icon colour (``#rrggbb``) and icon address."""

    colour: str | None = None
    icon: str | None = None


def _point_style(style: ET.Element) -> PointStyle:
    icon_style = _child(style, "IconStyle")
    if icon_style is None:
        return PointStyle()
    colour_el = _child(icon_style, "color")
    icon_el = _child(icon_style, "Icon")
    href_el = _child(icon_el, "href") if icon_el is not None else None
    colour = from_kml_colour(colour_el.text or "") if colour_el is not None else None
    href = (href_el.text or "").strip() if href_el is not None else None
    return PointStyle(colour, href or None)


@dataclass(frozen=True)
class AreaStyle:
    """What a style says about a polygon: fill (``#rrggbb`` and 0-255 opacity; KML's ``<fill>0``
    turns it off) and outline colour. None where the style says nothing."""

    fill: str | None = None
    fill_alpha: int = 255
    edge: str | None = None

    def __bool__(self) -> bool:
        return self.fill is not None or self.edge is not None


def _alpha(text: str) -> int:
    s = text.strip().lstrip("#")
    return int(s[:2], 16) if _HEX8.match(s) else 255


def _area_style(style: ET.Element) -> AreaStyle:
    poly, line = _child(style, "PolyStyle"), _child(style, "LineStyle")
    fill = alpha = edge = None
    if poly is not None:
        c = _child(poly, "color")
        if c is not None and (fill := from_kml_colour(c.text or "")):
            alpha = _alpha(c.text or "")
        f = _child(poly, "fill")
        if f is not None and (f.text or "").strip() in ("0", "false"):
            alpha = 0
            fill = fill or "#000000"
    if line is not None:
        c = _child(line, "color")
        edge = from_kml_colour(c.text or "") if c is not None else None
    return AreaStyle(fill, 255 if alpha is None else alpha, edge)


class StyleIndex:
    """The shared styles of one KML document, by id; resolves a placemark's effective style."""

    def __init__(self, root: ET.Element) -> None:
        self._styles: dict[str, PointStyle] = {}
        self._areas: dict[str, AreaStyle] = {}
        self._maps: dict[str, str] = {}
        for el in root.iter():
            tag = _local(el.tag)
            sid = el.get("id")
            if not sid:
                continue
            if tag == "Style":
                self._styles[sid] = _point_style(el)
                self._areas[sid] = _area_style(el)
            elif tag == "StyleMap":
                for pair in el:
                    key, url = _child(pair, "key"), _child(pair, "styleUrl")
                    if key is not None and (key.text or "").strip() == "normal" and url is not None:
                        self._maps[sid] = (url.text or "").strip()

    def __bool__(self) -> bool:
        return bool(self._styles)

    def _named(self, placemark: ET.Element) -> str | None:
        """The id of the shared Style a placemark's ``styleUrl`` leads to (through a StyleMap)."""
        url_el = _child(placemark, "styleUrl")
        url = (url_el.text or "").strip() if url_el is not None else ""
        for _ in range(4):  # a StyleMap names a Style; anything deeper is a loop or a mistake
            if not url.startswith("#"):
                return None  # a style in another file: not fetched
            sid = url[1:]
            if sid in self._styles:
                return sid
            url = self._maps.get(sid, "")
        return None

    def resolve_area(self, placemark: ET.Element) -> AreaStyle:
        """A polygon placemark's colours: its inline style where it says any, else its shared style."""
        inline = _child(placemark, "Style")
        if inline is not None and (got := _area_style(inline)):
            return got
        sid = self._named(placemark)
        return self._areas.get(sid, AreaStyle()) if sid else AreaStyle()

    def resolve(self, placemark: ET.Element) -> PointStyle:
        """The inline style if it has an IconStyle, else the one its ``styleUrl`` names."""
        inline = _child(placemark, "Style")
        if inline is not None:
            got = _point_style(inline)
            if got.colour or got.icon:
                return got
        sid = self._named(placemark)
        return self._styles[sid] if sid else PointStyle()
