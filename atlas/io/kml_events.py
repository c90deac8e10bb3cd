"""Read KML and KMZ Placemark points: name, description, ExtendedData (Data and SchemaData),
TimeStamp and TimeSpan with partial dates and inheritance from enclosing Folders/Documents.

Safety: a document that declares a DTD (``<!DOCTYPE``) or an entity (``<!ENTITY``) is refused
before any parser sees it. KML never needs either, and they are the whole mechanism of
billion-laughs (entity expansion) and XXE (external entity) attacks; the check is a byte scan, so
such a file fails in microseconds with flat memory. (defusedxml would do the same job as a
dependency; the explicit check keeps the rule visible and the install small.) KMZ archives are
checked before anything is decompressed: member count, declared sizes and compression ratio (zip
bombs), and member names that climb out of the archive (``../``, absolute paths); the KML is then
read through a size-capped stream, since declared sizes can lie.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import pyarrow as pa

from atlas.model.palette import event_type_colour
from atlas.model.table import EventTable

from .columns import POINT_LAT, POINT_LON, BuildOptions, build_events, feature_mapping
from .kml_style import ICON_HREF, StyleIndex
from .report import ImportReport, InputError

#: Largest KML document read (uncompressed).
MAX_KML_BYTES = 256 << 20
#: KMZ limits: members, and how much smaller than its content a member may be compressed.
MAX_KMZ_MEMBERS = 2000
MAX_COMPRESSION_RATIO = 200
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class AreasOnlyError(InputError):
    """A KML without point placemarks but with polygons: not an events file, though the window
    imports its polygons as areas of control (``report`` says how many)."""

    def __init__(self, path: Path, what: str, report: ImportReport) -> None:
        super().__init__(path, what)
        self.report = report


def _local(tag: Any) -> str:
    """Tag name without namespace ("{http://www.opengis.net/kml/2.2}Placemark" → "Placemark")."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def check_xml_safe(raw: bytes, path: Path) -> bytes:
    """Refuse DTDs and entity declarations; return UTF-8 bytes to parse."""
    data = raw
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            data = raw.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError as exc:  # an odd byte count: truncated or not UTF-16 at all
            raise InputError(path, f"UTF-16 text that cannot be decoded ({exc.reason} at byte {exc.start})") from None
        data = re.sub(rb"encoding=[\"']utf-16[\"']", b'encoding="utf-8"', data, count=1, flags=re.IGNORECASE)
    m = _DTD.search(data)
    if m:
        kind = m.group(1).decode().upper()
        raise InputError(path, f"the XML declares a {'DTD' if kind == 'DOCTYPE' else 'entity'} (<!{kind} …): refused. "
                               "KML never needs one, and DTD entities are how entity-expansion (billion laughs) and "
                               "external-entity (XXE) attacks work")
    return data


def read_kmz_bytes(path: Path) -> tuple[bytes, str]:
    """The main KML of a KMZ archive (doc.kml, else the first .kml at the top), safely."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(path, f"not a readable KMZ (zip) archive: {exc}") from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_KMZ_MEMBERS:
            raise InputError(path, f"the KMZ holds {len(infos):,} files (limit {MAX_KMZ_MEMBERS:,}): refused")
        for info in infos:
            name = info.filename
            if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in re.split(r"[/\\]", name):
                raise InputError(path, f"the KMZ member {name!r} points outside the archive (path traversal): refused")
        kmls = [i for i in infos if i.filename.lower().endswith(".kml")]
        if not kmls:
            raise InputError(path, "the KMZ holds no .kml document")
        main = next((i for i in kmls if i.filename.lower() == "doc.kml"), None) or min(kmls, key=lambda i: (i.filename.count("/"), i.filename))
        if main.file_size > MAX_KML_BYTES:
            raise InputError(path, f"{main.filename} would unpack to {main.file_size / 1e6:,.0f} MB (limit {MAX_KML_BYTES >> 20} MB): refused")
        if main.compress_size and main.file_size / max(main.compress_size, 1) > MAX_COMPRESSION_RATIO and main.file_size > 1 << 20:
            raise InputError(path, f"{main.filename} is compressed {main.file_size / max(main.compress_size, 1):,.0f}:1, "
                                   "the signature of a zip bomb: refused")
    # The shared guard (atlas/io/safety.py) also refuses links, huge totals and damaged streams,
    # and reads the member in chunks cut off at the limit.
    from .safety import ZipLimits, check_zip, read_zip_member

    limits = ZipLimits(max_members=MAX_KMZ_MEMBERS, max_member_bytes=MAX_KML_BYTES, max_ratio=MAX_COMPRESSION_RATIO)
    check_zip(path, limits)
    return read_zip_member(path, main.filename, limits), main.filename


def read_kml(path: str | Path) -> tuple[EventTable, ImportReport]:
    path = Path(path)
    is_kmz = path.suffix.lower() == ".kmz"
    report = ImportReport(str(path), "KMZ" if is_kmz else "KML")
    if is_kmz:
        raw, member = read_kmz_bytes(path)
        report.notes.append(f"read {member} from the archive")
    else:
        try:
            if path.stat().st_size > MAX_KML_BYTES:
                raise InputError(path, f"larger than the {MAX_KML_BYTES >> 20} MB the atlas reads as KML")
            raw = path.read_bytes()
        except OSError as exc:
            raise InputError(path, f"cannot read the file: {exc.strerror or exc}") from exc
    data = check_xml_safe(raw, path)
    # Parsed with DOCTYPE/ENTITY refused inside the parser too (UTF-16 without a BOM slips past a byte search).
    from .safety import safe_xml_parse

    root = safe_xml_parse(data, path)
    if _local(root.tag) not in ("kml", "Document", "Folder", "Placemark"):
        raise InputError(path, f"not KML: the root element is <{_local(root.tag)}>")
    return _table(root, path, report)


# --------------------------------------------------------------------------- walking the tree
def _child(el: ET.Element, name: str) -> ET.Element | None:
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _text_of(el: ET.Element | None) -> str:
    return "".join(el.itertext()).strip() if el is not None else ""


def _time_of(el: ET.Element) -> tuple[str, str] | None:
    """(begin-or-when, end) of an element's own TimeStamp/TimeSpan, or None."""
    ts = _child(el, "TimeStamp")
    if ts is not None:
        return _text_of(_child(ts, "when")), ""
    sp = _child(el, "TimeSpan")
    if sp is not None:
        return _text_of(_child(sp, "begin")), _text_of(_child(sp, "end"))
    return None


_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T ].*)?$")


def _kml_date(text: str) -> tuple[str, int, str] | None:
    """KML dateTime (YYYY, YYYY-MM, YYYY-MM-DD, full) → (YYYY-MM-DD, precision, what was assumed)."""
    m = _PARTIAL.match(text.strip())
    if not m:
        return None
    y, mo, d = m.groups()
    if d:
        return f"{y}-{mo}-{d}", 1, ""
    if mo:
        return f"{y}-{mo}-01", 3, "month only: dated the 1st, precision month"
    return f"{y}-01-01", 3, "year only: dated 1 January, precision month (the coarsest the schema has)"


_TAGS = re.compile(r"<[^>]+>")
_BR = re.compile(r"<\s*(br|p|/p|div|/div)\s*/?>", re.IGNORECASE)


def _plain(text: str) -> tuple[str, bool]:
    """Description HTML → plain text (notes are never interpreted as HTML)."""
    if "<" not in text or not _TAGS.search(text):
        return text, False
    return html.unescape(_TAGS.sub("", _BR.sub("\n", text))).strip(), True


def _keep_styles(rows: list[dict[str, str]], report: ImportReport) -> None:
    """Placemark styles as columns, when they say something: a colour that is the atlas's own
    colour of the row's event type (our export) is implied by the type and not kept; any other
    colour (a Google My Maps category, say) is kept as ``kml_colour``, and icons other than the
    plain circle as ``kml_icon``."""
    colours = [r.pop("\x00colour", "") for r in rows]
    icons = [r.pop("\x00icon", "") for r in rows]
    if not any(colours) and not any(icons):
        return
    ours = all(c == event_type_colour(r.get("event_type", "")) for c, r in zip(colours, rows, strict=True))
    if ours and all(i in ("", ICON_HREF) for i in icons):
        report.notes.append("placemark styles are the atlas's colours per event type")
        return
    if any(colours) and not ours:
        for r, c in zip(rows, colours, strict=True):
            r["kml_colour"] = c
    if any(i not in ("", ICON_HREF) for i in icons):
        for r, i in zip(rows, icons, strict=True):
            r["kml_icon"] = i
    kept = [n for n, used in (("kml_colour", any(colours) and not ours),
                              ("kml_icon", any(i not in ("", ICON_HREF) for i in icons))) if used]
    report.notes.append(f"placemark styles read into {' and '.join(kept)}")


def _table(root: ET.Element, path: Path, report: ImportReport) -> tuple[EventTable, ImportReport]:
    rows: list[dict[str, str]] = []
    numbers: list[int] = []
    kinds: dict[str, int] = {}
    styles = StyleIndex(root)
    counter = [0]
    html_count = [0]
    multi = [0]
    areas = [0]

    def walk(el: ET.Element, inherited: tuple[str, str] | None, folders: tuple[str, ...]) -> None:
        for c in el:
            tag = _local(c.tag)
            if tag in ("Document", "Folder"):
                own = _time_of(c)
                name = _text_of(_child(c, "name"))
                walk(c, own or inherited, folders + ((name,) if name and tag == "Folder" else ()))
            elif tag == "Placemark":
                counter[0] += 1
                _placemark(c, counter[0], inherited, folders)

    def _placemark(pm: ET.Element, no: int, inherited: tuple[str, str] | None, folders: tuple[str, ...]) -> None:
        where = f"placemark {no}"
        report.rows_read += 1
        row: dict[str, str] = {}
        geom = None
        for c in pm:
            tag = _local(c.tag)
            if tag in ("Point", "Polygon", "LineString", "LinearRing", "MultiGeometry", "Model", "Track", "MultiTrack"):
                geom = c
        points: list[ET.Element] = []
        if geom is not None:
            kind = _local(geom.tag)
            if kind == "Point":
                points = [geom]
            elif kind == "MultiGeometry":
                # Every point part is an event of its own (nested MultiGeometry included); parts
                # that are lines or areas cannot be events and are named in the report.
                points = [g for g in geom.iter() if _local(g.tag) == "Point"]
                others = sorted({_local(g.tag) for g in geom.iter()
                                 if _local(g.tag) in ("LineString", "LinearRing", "Polygon", "Model", "Track")})
                if not points:
                    kind = "MultiGeometry of " + "/".join(others or ["nothing"])
                elif others:
                    report.flag(where, f"MultiGeometry: its {'/'.join(others)} parts are not events; "
                                       f"its {len(points)} point(s) are read")
                if "Polygon" in others:
                    areas[0] += 1
            elif kind == "Polygon":
                areas[0] += 1
            if not points:
                kinds[kind] = kinds.get(kind, 0) + 1
                if "Polygon" in kind:
                    # An area, not an event and not a fault of the file: counted for the window,
                    # which reads the polygons as areas of control.
                    report.rows_read -= 1
                    return
                report.reject(where, f"geometry is {kind}, not a point")
                return
        if len(points) > 1:
            report.rows_read += len(points) - 1  # each part is a row of its own
            multi[0] += 1
            report.flag(where, f"MultiGeometry of {len(points)} points: one event per point "
                               f"(ids with #1 to #{len(points)})")
        name = _text_of(_child(pm, "name"))
        if name:
            row["title"] = name
        desc = _text_of(_child(pm, "description"))
        if desc:
            plain, was_html = _plain(desc)
            row["notes"] = plain
            html_count[0] += was_html
        pid = pm.get("id")
        if pid:
            row["\x00id"] = pid
        ext = _child(pm, "ExtendedData")
        if ext is not None:
            for d in ext.iter():
                t = _local(d.tag)
                if t == "Data" and d.get("name"):
                    row[d.get("name", "")] = _text_of(_child(d, "value"))
                elif t == "SimpleData" and d.get("name"):
                    row[d.get("name", "")] = (d.text or "").strip()
        if folders:
            row.setdefault("folder", " / ".join(folders))
        # ExtendedData event_date (the atlas's own export) is exact; the TimeStamp is for viewers.
        time = None if row.get("event_date") else (_time_of(pm) or inherited)
        if time is not None:
            begin, end = time
            b = _kml_date(begin) if begin else None
            e = _kml_date(end) if end else None
            if begin and b is None:
                report.flag(where, f"TimeStamp/TimeSpan {begin!r} is not a KML date; kept undated")
            start = b or e
            if start is not None:
                row["\x00date"] = start[0]
                prec = start[1]
                if b and e:
                    import datetime as dt

                    days = (dt.date.fromisoformat(e[0]) - dt.date.fromisoformat(b[0])).days
                    prec = max(prec, 1 if days <= 1 else 2 if days <= 7 else 3)
                    row["time_end"] = end
                elif e and not b:
                    report.flag(where, f"TimeSpan has only an end ({end}); dated by it")
                if start[2]:
                    report.flag(where, f"{begin or end}: {start[2]}", "repaired")
                row["\x00prec"] = str(prec)
        colour_icon = styles.resolve(pm) if styles else None
        if colour_icon is not None:
            row["\x00colour"] = colour_icon.colour or ""
            row["\x00icon"] = colour_icon.icon or ""
        if not points:
            row[POINT_LON] = row[POINT_LAT] = ""
            rows.append(row)
            numbers.append(no)
            return
        for k, point in enumerate(points, start=1):
            part = dict(row)
            coords = _text_of(_child(point, "coordinates")).split()
            xy = coords[0].split(",") if coords else []
            if len(xy) < 2:
                report.flag(where, f"Point coordinates {' '.join(coords)[:40]!r} are not 'lon,lat'", "kept without a point")
                part[POINT_LON] = part[POINT_LAT] = ""
            else:
                part[POINT_LON], part[POINT_LAT] = xy[0].strip(), xy[1].strip()
            if len(points) > 1:
                for key in ("event_id", "\x00id"):
                    if part.get(key):
                        part[key] = f"{part[key]}#{k}"
            rows.append(part)
            numbers.append(no)

    if _local(root.tag) == "Placemark":
        counter[0] += 1
        _placemark(root, 1, _time_of(root), ())
    else:
        walk(root if _local(root.tag) != "kml" else root, _time_of(root), ())
    report.area_placemarks = areas[0]
    if areas[0]:
        report.notes.append(f"{areas[0]:,} polygon placemark{'s' if areas[0] != 1 else ''} (areas, not events)")
    if not rows:
        if kinds:
            listed = ", ".join(f"{v:,} {k}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]))
            what = f"no point placemarks to import as events ({listed}): an area or line layer, not an events file"
            if areas[0]:
                raise AreasOnlyError(path, what, report)
            raise InputError(path, what)
        others = sorted({_local(e.tag) for e in root.iter() if _local(e.tag) in ("GroundOverlay", "ScreenOverlay", "PhotoOverlay", "NetworkLink")})
        if others or counter[0]:
            raise InputError(path, "no placemarks in the document" + (f" (only {', '.join(others)})" if others else ""))
        report.notes.append("the document holds no placemarks")
        return EventTable.empty(), report
    if html_count[0]:
        report.notes.append(f"{html_count[0]:,} descriptions were HTML; reduced to plain text")
    if multi[0]:
        report.notes.append(f"{multi[0]:,} MultiGeometry placemarks of several points: one event per point")
    _keep_styles(rows, report)
    names: list[str] = []
    seen: set[str] = set()
    for r in rows:
        for k in r:
            if k not in seen:
                seen.add(k)
                names.append(k)
    # The KML's own time and id fill the schema fields unless ExtendedData already carries them.
    renames = {"\x00date": "event_date", "\x00prec": "time_precision", "\x00id": "event_id"}
    for internal, fld in renames.items():
        if internal in seen and fld in seen:
            for r in rows:
                r.pop(internal, None)
            names.remove(internal)
            seen.discard(internal)
        elif internal in seen:
            for r in rows:
                if internal in r:
                    r[fld] = r.pop(internal)
            names[names.index(internal)] = fld
            seen.discard(internal)
            seen.add(fld)
    cols = {k: pa.chunked_array([pa.array([r.get(k, "") for r in rows], pa.string())]) for k in names}
    mapping = feature_mapping(names, seen)
    opts = BuildOptions(dataset=path.stem, where=lambda r: f"placemark {numbers[r]}")
    table = build_events(cols, mapping, report, opts)
    return table, report
