"""Bad control-area files never crash the reader: they load, or raise InputError with a message."""

from __future__ import annotations

import io
import json
import random
import zipfile
from pathlib import Path

import pytest

from atlas.control.io import read_control
from atlas.io.report import InputError

from .helpers import deepstate_doc, kml_doc


def _variants(seed: int, base: bytes, n: int) -> list[bytes]:
    rnd = random.Random(seed)
    out = [b"", b"\xff\xfe\x00", base[: len(base) // 2], base.replace(b"51.", b"x1.")]
    for _ in range(n):
        b = bytearray(base)
        for _ in range(rnd.randint(1, 8)):
            i = rnd.randrange(len(b))
            op = rnd.random()
            if op < 0.4:
                b[i] = rnd.randrange(256)
            elif op < 0.7:
                del b[i: i + rnd.randint(1, 20)]
            else:
                b[i:i] = bytes(rnd.randrange(32, 127) for _ in range(rnd.randint(1, 10)))
        out.append(bytes(b))
    return out


def _zip(data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("doc.kml", data)
    return buf.getvalue()


@pytest.mark.parametrize("suffix", [".geojson", ".kml", ".kmz"])
def test_mutated_files_load_or_raise_input_error(tmp_path: Path, suffix: str) -> None:
    if suffix == ".geojson":
        base = json.dumps(deepstate_doc(), ensure_ascii=False).encode("utf-8")
    else:
        base = kml_doc().encode("utf-8")
    variants = _variants(len(suffix), base, 150)
    if suffix == ".kmz":
        variants = [_zip(v) for v in variants[:60]] + _variants(7, _zip(base), 90)
    outcomes = {"loaded": 0, "error": 0}
    for i, data in enumerate(variants):
        p = tmp_path / f"Control_24_09_01_{i}{suffix}"
        p.write_bytes(data)
        try:
            snaps, _report = read_control(p)
        except InputError as exc:
            assert str(exc).strip()
            outcomes["error"] += 1
        else:
            assert snaps and all(s.as_of for s in snaps)
            outcomes["loaded"] += 1
    assert outcomes["error"] > 0


def test_deeply_nested_json(tmp_path: Path) -> None:
    p = tmp_path / "deep_20240820.geojson"
    p.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(InputError):
        read_control(p)
