"""The streamed report of ``convert``/``inspect`` against the whole read's, on an awkward ACLED
file: rows a filter leaves out because a field it tests is empty or unreadable are named (file,
line, field) and counted by both; a row the filter refuses on a field it can read is not."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from atlas.bench.io_cases import write_acled_csv
from atlas.cli import convert, inspect
from atlas.io import csv_stream
from atlas.launcher import main

FILTERS = ["--from", "2024-08-20", "--to", "2024-12-31", "--type", "Battles"]


@pytest.fixture(scope="module")
def awkward(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """3,000 ACLED rows; the awkward ones by name → their data row (0-based)."""
    folder = tmp_path_factory.mktemp("awkward")
    path = write_acled_csv(folder / "clean.csv", 3000, seed=11)
    with path.open(encoding="utf-8", newline="") as fh:
        head, *rows = list(csv.reader(fh))
    col = {name: i for i, name in enumerate(head)}
    at: dict[str, int] = {}

    def edit(name: str, k: int, **values: str) -> None:
        at[name] = k
        for c, v in values.items():
            rows[k][col[c]] = v

    edit("year_zero", 40, event_date="0000-01-01", event_type="Battles")  # ISO-shaped, read by nobody
    edit("month_13", 41, event_date="2024-13-45", event_type="Battles")
    edit("no_date", 42, event_date="", event_type="Battles")
    edit("no_type", 43, event_type="", event_date="2024-09-15")
    edit("neither", 44, event_type="", event_date="")
    # Refused on a field it has (its type): not named, its unreadable date not checked.
    edit("protest_garbage", 45, event_type="Protests", event_date="garbage")
    edit("kept_bad_point", 46, event_type="Battles", event_date="2024-09-15", latitude="north")
    # Two-digit, resolved by the year column to 2024-11-23: kept (ISO-shaped text, year 24).
    edit("two_digit", 47, event_type="Battles", event_date="24-11-23", year="2024")
    edit("refused_bad_point", 48, event_type="Battles", event_date="2023-01-01", latitude="south")
    # Far from the others, in a later block.
    edit("late_no_type", 2900, event_type="", event_date="2024-10-01")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([head, *rows])
    out = folder / "awkward.csv"
    out.write_text(buf.getvalue(), encoding="utf-8")
    return out, at


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_stream, "BLOCK_BYTES", 64 << 10)  # many blocks from a small file,
    monkeypatch.setattr(csv_stream, "BUILD_ROWS", 100)  # each built on its own


def _summaries(path: Path, filters: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[dict, dict]:
    import argparse

    from atlas.cli.common import filter_from_args

    p = argparse.ArgumentParser()
    inspect.add_arguments(p)
    flt = filter_from_args(p.parse_args([str(path), *filters]))
    streamed = inspect.summary([str(path)], flt)
    with monkeypatch.context() as m:
        m.setattr(inspect, "_streamed", lambda *a: None)
        whole = inspect.summary([str(path)], flt)
    return streamed, whole


def _line(row: int) -> str:
    """The whole read's label of data row ``row`` (0-based) in a file without quoted newlines."""
    return f"awkward.csv line {row + 2}"


def _as_lines(problems: list[dict]) -> list[tuple[str, str, str]]:
    import re

    def fix(s: str) -> str:
        return re.sub(r"\brow (\d+)\b", lambda m: f"line {int(m.group(1)) + 1}", s)

    return sorted((fix(p["where"]), fix(p["what"]), p["action"]) for p in problems)


def test_rows_left_out_for_an_unreadable_field_are_named_as_the_whole_read_names_them(
        awkward, small_blocks, monkeypatch) -> None:
    path, at = awkward
    streamed, whole = _summaries(path, FILTERS, monkeypatch)
    for key in ("events", "with_coordinates", "date_min", "date_max", "bbox", "types"):
        assert streamed[key] == whole[key], key
    left = [p for p in whole["problems"] if p["action"] == "left out"]
    named = {p["where"]: p["what"] for p in left}
    want = {_line(at[k]) for k in ("year_zero", "month_13", "no_date", "no_type", "neither", "late_no_type")}
    assert set(named) == want
    assert "its event_date and event_type are empty or could not be read" in named[_line(at["neither"])]
    assert "its event_type is empty" in named[_line(at["no_type"])]
    assert "its event_date is empty" in named[_line(at["no_date"])]
    # Both reads name the same rows the same way, and count them.
    assert _as_lines([p for p in streamed["problems"] if p["action"] == "left out"]) == _as_lines(left)
    assert streamed["files"][0]["left_out"] == whole["files"][0]["left_out"] == 6
    # Every other problem the streamed read lists is the whole read's; the whole read lists more
    # only on the rows the filter refused on a field they have.
    s, w = _as_lines(streamed["problems"]), _as_lines(whole["problems"])
    assert set(s) <= set(w)
    assert {p[0] for p in set(w) - set(s)} == {_line(at["protest_garbage"]), _line(at["refused_bad_point"])}
    assert any(p[0] == _line(at["kept_bad_point"]) for p in s)
    assert any("not checked further" in n for n in streamed["files"][0]["notes"])


def test_the_summary_line_counts_them(awkward, small_blocks, capsys) -> None:
    path, _ = awkward
    assert main(["inspect", str(path), *FILTERS]) == 0
    out = capsys.readouterr().out
    assert "6 rows left out by the filter because a field it tests is empty or could not be read" in out


def test_convert_writes_what_the_whole_read_writes_and_says_what_it_left_out(awkward, small_blocks, tmp_path,
                                                                            monkeypatch, capsys) -> None:
    path, at = awkward
    whole, streamed = tmp_path / "whole.csv", tmp_path / "streamed.csv"
    with monkeypatch.context() as m:
        m.setattr(convert, "convert_streaming", lambda *a, **k: None)
        assert main(["convert", str(path), "-o", str(whole), *FILTERS]) == 0
    said_whole = capsys.readouterr().err
    assert main(["convert", str(path), "-o", str(streamed), "--report", *FILTERS]) == 0
    said = capsys.readouterr().err
    assert streamed.read_bytes() == whole.read_bytes()
    # The two-digit date the year column resolves (ISO-shaped text, year 24) is kept by both.
    ids = [r[0] for r in csv.reader(io.StringIO(streamed.read_text(encoding="utf-8")))]
    with path.open(encoding="utf-8", newline="") as fh:
        source_ids = [r[0] for r in csv.reader(fh)][1:]
    assert source_ids[at["two_digit"]] in ids
    for text in (said_whole, said):
        assert "6 left out by the filter (a field it tests could not be read)" in text.splitlines()[0]
    assert f"row {at['no_type'] + 1}: left out by the filter (Battles): its event_type is empty" in said


def test_without_a_filter_nothing_is_left_out(awkward, small_blocks, monkeypatch) -> None:
    path, _ = awkward
    streamed, whole = _summaries(path, [], monkeypatch)
    assert streamed["files"][0]["left_out"] == whole["files"][0]["left_out"] == 0
    assert _as_lines(streamed["problems"]) == _as_lines(whole["problems"])
