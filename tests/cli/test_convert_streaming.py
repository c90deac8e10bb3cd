"""``convert`` of an ACLED CSV streams it in blocks through the filter; the file it writes is the
one the whole read writes (non-timed: the bench compares the speed with DuckDB)."""

from __future__ import annotations

from pathlib import Path

import pytest

from atlas.bench.io_cases import write_acled_csv
from atlas.cli import convert
from atlas.io import csv_stream
from atlas.launcher import main

FILTERS = ["--from", "2024-08-20", "--to", "2024-12-31", "--type", "Battles"]


@pytest.fixture(scope="module")
def acled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """4,000 synthetic ACLED rows, with what the builder repairs or flags on the way: blank ids,
    dates in ACLED's older long form, a bad coordinate, a ragged row, a kept duplicate id."""
    import csv
    import io

    folder = tmp_path_factory.mktemp("acled")
    path = write_acled_csv(folder / "clean.csv", 4000, seed=3)
    with path.open(encoding="utf-8", newline="") as fh:
        head, *rows = list(csv.reader(fh))
    col = {name: i for i, name in enumerate(head)}

    def edit(k: int, **values: str) -> None:
        for name, v in values.items():
            rows[k][col[name]] = v

    edit(0, event_id_cnty="")
    edit(1, event_id_cnty="", event_type="Battles", event_date="2024-09-01")
    edit(2, event_date="5 October 2024", event_type="Battles")
    edit(3, latitude="north", event_type="Battles", event_date="2024-10-01")
    edit(4, event_type="Battles", event_date="2024-11-11", event_id_cnty="RUSDUP")
    edit(3990, event_type="Battles", event_date="2024-11-12", event_id_cnty="RUSDUP")
    # Copies the filter refuses count too: the kept copies are named as the whole read names them.
    edit(2500, event_type="Protests", event_id_cnty="RUSDUP")
    edit(30, event_type="Protests", event_id_cnty="FIRSTOUT")
    edit(3000, event_type="Battles", event_date="2024-10-10", event_id_cnty="FIRSTOUT")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(head)
    w.writerows(rows[:2000])
    buf.write("a,b,c\n")  # a ragged row: rejected, not shifted
    w.writerows(rows[2000:])
    out = folder / "acled.csv"
    out.write_text(buf.getvalue(), encoding="utf-8")
    return out


def run_convert(src: Path, out: Path, *filters: str, stream: bool, monkeypatch: pytest.MonkeyPatch) -> int:
    with monkeypatch.context() as m:
        m.setattr(csv_stream, "BLOCK_BYTES", 64 << 10)  # many blocks from a small file,
        m.setattr(csv_stream, "BUILD_ROWS", 100)  # each built on its own
        if not stream:
            m.setattr(convert, "convert_streaming", lambda *a, **k: None)
        return main(["convert", str(src), "-o", str(out), *(filters or FILTERS)])


@pytest.mark.parametrize("suffix", [".csv", ".geojson"])
def test_streamed_output_is_the_whole_reads(acled: Path, tmp_path: Path, suffix: str, monkeypatch, capsys) -> None:
    whole, streamed = tmp_path / f"whole{suffix}", tmp_path / f"streamed{suffix}"
    assert run_convert(acled, whole, stream=False, monkeypatch=monkeypatch) == 0
    said_whole = capsys.readouterr().out
    calls: list[int] = []
    real = csv_stream.build_events
    monkeypatch.setattr(csv_stream, "build_events", lambda cols, *a, **k: calls.append(1) or real(cols, *a, **k))
    assert run_convert(acled, streamed, stream=True, monkeypatch=monkeypatch) == 0
    said_streamed = capsys.readouterr().out
    assert len(calls) > 3  # it did stream, in blocks
    assert streamed.read_bytes() == whole.read_bytes()
    assert said_streamed.split(" to ")[0] == said_whole.split(" to ")[0]  # "wrote N of M events"
    text = whole.read_text(encoding="utf-8")
    # The kept copies renamed as the whole read renames them (counting the copies not kept),
    # blank ids named by their row.
    assert "RUSDUP#3" in text and "FIRSTOUT#2" in text and "acled-" in text


def test_nothing_kept_still_writes_the_header(acled: Path, tmp_path: Path, monkeypatch) -> None:
    whole, streamed = tmp_path / "whole.csv", tmp_path / "streamed.csv"
    none = ["--from", "2030-01-01", "--type", "Battles"]  # nothing that late
    assert run_convert(acled, whole, *none, stream=False, monkeypatch=monkeypatch) == 0
    assert run_convert(acled, streamed, *none, stream=True, monkeypatch=monkeypatch) == 0
    assert streamed.read_bytes() == whole.read_bytes()
    assert streamed.read_text(encoding="utf-8").count("\n") == 1


def test_a_file_the_blocks_cannot_follow_is_read_whole(tmp_path: Path, monkeypatch, capsys) -> None:
    # Not ACLED (a generic CSV decides its date order from the whole column): the whole read.
    src = tmp_path / "generic.csv"
    src.write_text("id,lat,lon,date,type\na,51.2,35.3,01/02/2024,Battles\nb,51.3,35.2,13/02/2024,Battles\n",
                   encoding="utf-8")
    called: list[int] = []
    monkeypatch.setattr(csv_stream, "build_events", lambda *a, **k: called.append(1))
    out = tmp_path / "out.csv"
    assert main(["convert", str(src), "-o", str(out), "--type", "Battles"]) == 0
    assert called == [] and out.read_text(encoding="utf-8").count("\n") == 3


def _where_free(problems: list[dict]) -> list[tuple[str, str, str]]:
    """Problems without their labels (tests/cli/test_stream_report.py compares the labels);
    the findings themselves must be the same."""
    import re

    strip = lambda s: re.sub(r"\b(line|row) \d+", "#", s)  # noqa: E731
    return sorted((strip(p["where"]), strip(p["what"]), p["action"]) for p in problems)


@pytest.mark.parametrize("filters", [[], FILTERS])
def test_inspect_streamed_summary_is_the_whole_reads(acled: Path, monkeypatch, filters: list[str]) -> None:
    from atlas.cli import inspect
    from atlas.cli.common import filter_from_args

    import argparse

    p = argparse.ArgumentParser()
    inspect.add_arguments(p)  # the same options as the command line
    flt = filter_from_args(p.parse_args([str(acled), *filters]))
    monkeypatch.setattr(csv_stream, "BLOCK_BYTES", 64 << 10)
    monkeypatch.setattr(csv_stream, "BUILD_ROWS", 100)
    calls: list[int] = []
    real = csv_stream.build_events
    monkeypatch.setattr(csv_stream, "build_events", lambda cols, *a, **k: calls.append(1) or real(cols, *a, **k))
    streamed = inspect.summary([str(acled)], flt)
    assert len(calls) > 3  # it did stream
    monkeypatch.setattr(inspect, "_streamed", lambda *a: None)
    whole = inspect.summary([str(acled)], flt)
    for key in ("events", "with_coordinates", "date_min", "date_max", "bbox", "types"):
        assert streamed[key] == whole[key], key
    assert streamed["events"] > 0
    assert _where_free(streamed["problems"][1:]) == _where_free(whole["problems"][1:])  # [0]: the ragged row
    dups = [p["what"] for p in streamed["problems"] if "duplicate id" in p["what"]]
    # The repeated 'RUSDUP' is found across blocks (rows 5, 2501 and 3991, far apart).
    assert any("'RUSDUP#3'" in d for d in dups)
    assert {k: v for k, v in streamed["files"][0].items() if k not in ("notes", "problems")} == \
        {k: v for k, v in whole["files"][0].items() if k not in ("notes", "problems")}


def test_inspect_reports_duplicates_across_the_whole_file(tmp_path: Path, monkeypatch) -> None:
    """Summary mode checks every id at the end (no lookup per block): an id seen three times in
    three blocks is flagged twice, '#2' then '#3', each pointing at its first row."""
    from atlas.cli import inspect

    src = write_acled_csv(tmp_path / "a.csv", 3000, seed=5)
    lines = src.read_text(encoding="utf-8").splitlines()
    for k in (10, 1500, 2900):
        lines[k] = '"TWICE"' + lines[k][lines[k].index(","):]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(csv_stream, "BLOCK_BYTES", 64 << 10)
    monkeypatch.setattr(csv_stream, "BUILD_ROWS", 300)
    info = inspect.summary([str(src)])
    dups = [(p["where"], p["what"]) for p in info["problems"] if "duplicate" in p["what"]]
    assert dups == [("a.csv line 1501", "duplicate id 'TWICE' (first at line 11); kept as 'TWICE#2'"),
                    ("a.csv line 2901", "duplicate id 'TWICE' (first at line 11); kept as 'TWICE#3'")]
    assert info["events"] == 3000


def test_render_of_a_filter_reads_only_the_kept_rows_and_draws_the_same(acled: Path, tmp_path: Path, monkeypatch,
                                                                       capsys, qapp) -> None:
    # qapp: render in this process must find the tests' QApplication; a QGuiApplication of its
    # own would outlive the test and crash later tests that make widgets.
    from atlas.cli import render

    whole, streamed = tmp_path / "whole.png", tmp_path / "streamed.png"
    args = ["render", str(acled), "--size", "480x300", *FILTERS]
    with monkeypatch.context() as m:
        m.setattr(render, "_read_filtered", lambda *a: None)
        assert main([*args, "-o", str(whole)]) == 0
    said_whole = capsys.readouterr().out
    kept: list[int] = []
    real = render._read_filtered

    def spy(*a):
        out = real(*a)
        kept.append(len(out[0]))
        return out

    monkeypatch.setattr(render, "_read_filtered", spy)
    assert main([*args, "-o", str(streamed)]) == 0
    said_streamed = capsys.readouterr().out
    assert 0 < kept[0] < 4000  # only the rows the filter passes were held
    assert streamed.read_bytes() == whole.read_bytes()  # the same picture, footer's "N of 4,000" included
    assert said_streamed.split("(")[1] == said_whole.split("(")[1]


def test_copies_are_counted_exactly_over_every_row() -> None:
    """The second read's naming (atlas/io/duplicate_ids.py) against a plain count: every later
    copy "X#k" in file order, its first copy's row; hashes of short ASCII ids, non-ASCII and long
    ones (the byte-by-byte hash) alike."""
    import collections

    import numpy as np
    import pyarrow as pa

    from atlas.io.duplicate_ids import Copies, id_hashes, repeated

    h = id_hashes(pa.array(["a", "b", "", "a", "ё", "ё", "x" * 70, "x" * 70, "a "]))
    assert h[0] == h[3] and h[4] == h[5] and h[6] == h[7] and len(set(h.tolist())) == 6
    rng = np.random.default_rng(1)
    blocks = [pa.array([str(rng.choice(["X", "ё", "", "L" * 70])) + str(v) for v in rng.integers(0, 900, 300)])
              for _ in range(20)]
    hashes = [id_hashes(b) for b in blocks]
    copies = Copies(repeated(hashes))
    count: collections.Counter[str] = collections.Counter()
    first: dict[str, int] = {}
    row = 0
    for block in blocks:
        told: list[tuple[int, str, int, str]] = []
        out = copies.rename(block, np.arange(row, row + len(block)), lambda *a: told.append(a))
        want, want_told = [], []
        for i, name in enumerate(block.to_pylist()):
            count[name] += 1
            first.setdefault(name, row + i)
            new = name if count[name] == 1 else f"{name}#{count[name]}"
            want.append(new)
            if count[name] > 1:
                want_told.append((row + i, name, first[name], new))
        assert out.to_pylist() == want and told == want_told
        row += len(block)
