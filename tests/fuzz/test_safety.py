"""Archive and XML guards (atlas/io/safety.py) and the readers wired to them."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from atlas.io.report import InputError
from atlas.io.safety import ZipLimits, check_zip, kml_from_kmz, read_zip_member, safe_xml_parse

KML = (b'<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
       b'<Placemark><name>Sudzha \xd0\xa1\xd1\x83\xd0\xb4\xd0\xb6\xd0\xb0</name><Point><coordinates>35.27,51.19</coordinates></Point></Placemark>'
       b'</Document></kml>')


def _zip(path: Path, members: dict[str, bytes], attrs: dict[str, int] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if attrs and name in attrs:
                info.external_attr = attrs[name] << 16
            z.writestr(info, data)
    return path


def test_safe_xml_parse_equals_elementtree() -> None:
    a, b = safe_xml_parse(KML), ET.fromstring(KML)
    assert ET.tostring(a) == ET.tostring(b)
    assert a.tag == "{http://www.opengis.net/kml/2.2}kml"


@pytest.mark.parametrize("doc", [
    '<!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><kml>&b;</kml>',
    '<!DOCTYPE kml SYSTEM "file:///etc/passwd"><kml/>',
    '<!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]><kml>&x;</kml>',
    '<!DOCTYPE kml [<!ENTITY % p SYSTEM "http://example.invalid/p.dtd"> %p;]><kml/>',
])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-be"])
def test_doctype_and_entities_refused_in_any_encoding(doc: str, encoding: str) -> None:
    decl = f'<?xml version="1.0" encoding="{encoding.upper()[:6]}"?>'
    data = (decl + doc).encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    with pytest.raises(InputError, match="DOCTYPE or ENTITY"):
        safe_xml_parse(data, "bomb.kml")


@pytest.mark.parametrize("data, says", [
    (b"", "not well-formed"), (b"<a><b></a>", "mismatched tag"), (b"\x00\xff\xfe garbage", "not well-formed"),
    (b"<a>" * 10 + b"</a>" * 9, "not well-formed"),
])
def test_malformed_xml_is_an_input_error(data: bytes, says: str) -> None:
    with pytest.raises(InputError, match=says):
        safe_xml_parse(data, "x.kml")


def test_xml_size_limit() -> None:
    with pytest.raises(InputError, match="larger than"):
        safe_xml_parse(KML, "x.kml", max_bytes=10)


def test_zip_checks(tmp_path: Path) -> None:
    good = _zip(tmp_path / "good.kmz", {"doc.kml": KML, "files/icon.png": b"\x89PNG"})
    assert [i.filename for i in check_zip(good)] == ["doc.kml", "files/icon.png"]
    assert kml_from_kmz(good) == KML

    for name in ("../evil.kml", "/etc/evil.kml", "C:/evil.kml", "a/../../evil.kml", "..\\evil.kml"):
        with pytest.raises(InputError, match="absolute path|climbs out"):
            check_zip(_zip(tmp_path / "trav.kmz", {name: KML}))

    with pytest.raises(InputError, match="symbolic link"):
        check_zip(_zip(tmp_path / "link.kmz", {"doc.kml": b"/etc/passwd"}, {"doc.kml": stat.S_IFLNK | 0o777}))

    many = _zip(tmp_path / "many.kmz", {f"m{i}.kml": b"x" for i in range(30)})
    with pytest.raises(InputError, match="30 members"):
        check_zip(many, ZipLimits(max_members=20))

    bomb = _zip(tmp_path / "bomb.kmz", {"doc.kml": b"\0" * (64 << 20)})
    assert bomb.stat().st_size < 200_000
    with pytest.raises(InputError, match="compression bomb"):
        kml_from_kmz(bomb)

    with pytest.raises(InputError, match="more than"):
        check_zip(good, ZipLimits(max_total_bytes=10))

    (tmp_path / "not.kmz").write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(InputError, match="not a valid zip"):
        check_zip(tmp_path / "not.kmz")

    with pytest.raises(InputError, match="no .kml document"):
        kml_from_kmz(_zip(tmp_path / "empty.kmz", {"readme.txt": b"hi"}))
    with pytest.raises(InputError, match="no member"):
        read_zip_member(good, "missing.kml")


def test_member_read_stops_at_the_limit_even_if_the_header_lies(tmp_path: Path) -> None:
    p = _zip(tmp_path / "liar.kmz", {"doc.kml": b"<kml>" + b"a" * 5000 + b"</kml>"})
    raw = bytearray(p.read_bytes())
    # Patch the uncompressed size in both headers down to 10 bytes.
    size = (5011).to_bytes(4, "little")
    for at in [i for i in range(len(raw) - 4) if raw[i:i + 4] == size]:
        raw[at:at + 4] = (10).to_bytes(4, "little")
    p.write_bytes(bytes(raw))
    with pytest.raises(InputError):
        # Either zipfile notices the lie (bad CRC/size) or the reader stops at the limit.
        read_zip_member(p, "doc.kml", ZipLimits(max_member_bytes=1000))


def test_control_area_reader_uses_the_guards(tmp_path: Path) -> None:
    read_control = pytest.importorskip("atlas.control.io").read_control
    bomb = tmp_path / "Control_24_09_01.kml"
    bomb.write_bytes(('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE kml [<!ENTITY a "aaaa">]><kml>&a;</kml>').encode("utf-16"))
    with pytest.raises(InputError, match="DOCTYPE or ENTITY"):
        read_control(bomb)
    trav = _zip(tmp_path / "Control_24_09_01.kmz", {"../doc.kml": KML})
    with pytest.raises(InputError, match="climbs out"):
        read_control(trav)


def test_annotation_reader_uses_the_guards(tmp_path: Path) -> None:
    mod = pytest.importorskip("atlas.io.annotations_io")
    bomb = tmp_path / "notes.kml"
    bomb.write_bytes(('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE kml [<!ENTITY a "aaaa">]><kml>&a;</kml>').encode("utf-16"))
    with pytest.raises(InputError, match="DOCTYPE or ENTITY"):
        mod.read_annotations(bomb)
