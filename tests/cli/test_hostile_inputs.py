"""Hostile inputs through the real command line: each class of issue 14's hostile-input suite is a
one-line error with its sysexits status (or, for text that no writer can encode, a mended read),
never an internal error, a traceback, a hang or a memory blow-up."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from atlas.io.input_guard import MAX_JSON_INT_DIGITS, mend_text, parse_json
from atlas.io.report import InputError

from .hostile import deep_array, deep_kml, huge_integer, huge_integer_property, lone_surrogate, nan_literal, run_cli


def assert_one_line_refusal(r, status: int, words: str) -> None:
    assert r.returncode == status, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("kursk-atlas") and words in lines[0], lines[0]
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr


@pytest.mark.parametrize("builder, words", [
    (lambda: huge_integer(5000), "an integer of 5,000 digits"),
    (lambda: huge_integer_property(5000), "an integer of 5,000 digits"),
    (lambda: nan_literal("NaN"), "NaN, which is not a JSON number"),
    (lambda: nan_literal("-Infinity"), "-Infinity, which is not a JSON number"),
    (lambda: deep_array(100_000), "nested too deeply"),
])
@pytest.mark.parametrize("command", ["inspect", "convert"])
def test_hostile_json_events_exit_65_in_one_line(tmp_path: Path, builder, words: str, command: str) -> None:
    src = tmp_path / "hostile.geojson"
    src.write_text(builder(), encoding="utf-8")
    args = [command, str(src)] + (["-o", str(tmp_path / "out.csv")] if command == "convert" else [])
    assert_one_line_refusal(run_cli(*args), 65, words)
    assert not (tmp_path / "out.csv").exists()


def test_hostile_annotations_and_control_areas_exit_65(tmp_path: Path, sample_file: Path) -> None:
    ann = tmp_path / "notes.geojson"
    ann.write_text(deep_array(100_000), encoding="utf-8")
    assert_one_line_refusal(run_cli("render", "-o", str(tmp_path / "x.png"), "--annotations", str(ann), str(sample_file)),
                            65, "nested too deeply")
    areas = tmp_path / "areas_20240820.geojson"
    areas.write_text(huge_integer(5000), encoding="utf-8")
    assert_one_line_refusal(run_cli("areas", str(areas)), 65, "an integer of 5,000 digits")


def test_deep_kml_folders_exit_65(tmp_path: Path) -> None:
    src = tmp_path / "deep.kml"
    src.write_text(deep_kml(5000), encoding="utf-8")
    assert_one_line_refusal(run_cli("inspect", str(src)), 65, "nested more than 256 elements deep")
    areas = tmp_path / "areas_20240820.kml"
    areas.write_text(deep_kml(5000), encoding="utf-8")
    assert_one_line_refusal(run_cli("areas", str(areas)), 65, "nested more than 256 elements deep")


@pytest.mark.parametrize("suffix", [".csv", ".kml", ".gpkg", ".geojson"])
def test_lone_surrogates_are_mended_and_every_writer_writes(tmp_path: Path, suffix: str) -> None:
    src = tmp_path / "odd.geojson"
    src.write_text(lone_surrogate("a\\ud800b\\udfffc"), encoding="utf-8")
    out = tmp_path / f"out{suffix}"
    r = run_cli("convert", str(src), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "UnicodeEncodeError" not in r.stderr
    if suffix == ".gpkg":
        con = sqlite3.connect(out)
        text = " ".join(str(v) for row in con.execute("SELECT * FROM events") for v in row)
        con.close()
    else:
        text = out.read_text(encoding="utf-8")
    assert "a\ufffdb\ufffdc" in text


def test_a_newline_in_a_file_name_stays_on_one_line(tmp_path: Path) -> None:
    src = tmp_path / "two\nlines.geojson"
    src.write_text("{ not json", encoding="utf-8")
    r = run_cli("inspect", str(src))
    assert_one_line_refusal(r, 65, "two\\nlines.geojson'")
    assert_one_line_refusal(run_cli("inspect", str(tmp_path / "gone\nfile.csv")), 66, "no such file")


def test_usage_and_output_errors_have_their_own_statuses(tmp_path: Path, sample_file: Path) -> None:
    assert_one_line_refusal(run_cli("convert", str(sample_file), "-o", str(tmp_path / "no" / "x.csv")), 73, "no such folder")
    assert_one_line_refusal(run_cli("inspect", "--no-such-option"), 64, "unrecognized arguments")
    assert_one_line_refusal(run_cli("inspect", "/dev/zero"), 66, "is a device")


def test_parse_json_limits_and_mending() -> None:
    assert parse_json("[" + "7" * MAX_JSON_INT_DIGITS + "]") == [int("7" * MAX_JSON_INT_DIGITS)]
    with pytest.raises(InputError, match="integer of 101 digits"):
        parse_json("[" + "7" * (MAX_JSON_INT_DIGITS + 1) + "]", "x.json")
    with pytest.raises(InputError, match="Infinity"):
        parse_json('{"a": Infinity}')
    assert parse_json('{"k\\udc00": ["\\ud800", {"x": "\\ud83d\\ude00"}]}') == {"k\ufffd": ["\ufffd", {"x": "😀"}]}
    deep: list = []
    node = deep
    for _ in range(50_000):  # deeper than Python's recursion limit: mended without recursion
        node.append([])
        node = node[0]
    node.append("\udfff")
    assert mend_text(deep) is deep and node == ["\ufffd"]
    assert json.loads(json.dumps(parse_json(b'\xef\xbb\xbf{"a": 1.5}'))) == {"a": 1.5}
