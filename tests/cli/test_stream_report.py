"""The streamed report of ``convert``/``inspect`` against the whole read's, on an awkward ACLED
file: every problem labelled by the same line of the file (a value with a newline in it makes
lines run ahead of rows), rows a filter leaves out because a field it tests is empty or
unreadable named (file, line, field) and counted by both; a row the filter refuses on a field it
can read is not."""

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
    """3,000 ACLED rows; the awkward ones by name → their data row (0-based). A ragged row after
    data row 1 (line 4) and a note over two lines in data row 5: data row k ≥ 6 is on line k + 4."""
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

    edit("two_lines", 5, notes="First line of the note,\nand its second line.")
    edit("first_copy", 3, event_id_cnty="TWICE")
    edit("second_copy", 2950, event_id_cnty="TWICE")
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
    w = csv.writer(buf, lineterminator="\n")
    w.writerows([head, *rows[:2]])
    buf.write("a,b,c\n")  # ragged: rejected, not shifted
    w.writerows(rows[2:])
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
    """The label of data row ``row`` (0-based, ≥ 6) of the awkward file."""
    assert row >= 6
    return f"awkward.csv line {row + 4}"


def _as_lines(problems: list[dict]) -> list[tuple[str, str, str]]:
    return sorted((p["where"], p["what"], p["action"]) for p in problems)


def test_problems_are_labelled_by_the_line_as_the_whole_read_labels_them(awkward, small_blocks,
                                                                        monkeypatch) -> None:
    path, at = awkward
    streamed, whole = _summaries(path, [], monkeypatch)
    assert streamed["problems"] == whole["problems"]  # the same labels, the same order
    where = {p["where"]: p["what"] for p in streamed["problems"]}
    assert "has 3 fields" in where["awkward.csv line 4"]  # the ragged row
    assert where[_line(at["second_copy"])].startswith("duplicate id 'TWICE' (first at line 6)")
    assert "coordinate is not a number" in where[_line(at["kept_bad_point"])]
    assert not any(" row " in p["where"] for p in streamed["problems"])


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
        head, *rows = csv.reader(fh)
        source_ids = [r[0] for r in rows if len(r) == len(head)]
    assert source_ids[at["two_digit"]] in ids
    for text in (said_whole, said):
        assert "6 left out by the filter (a field it tests could not be read)" in text.splitlines()[0]
    assert f"{_line(at['no_type']).split()[-2]} {_line(at['no_type']).split()[-1]}: left out by the filter " \
           "(Battles): its event_type is empty" in said


def test_without_a_filter_nothing_is_left_out(awkward, small_blocks, monkeypatch) -> None:
    path, _ = awkward
    streamed, whole = _summaries(path, [], monkeypatch)
    assert streamed["files"][0]["left_out"] == whole["files"][0]["left_out"] == 0


@pytest.mark.parametrize("chunk", [1, 7, 4096])
def test_line_scan_against_csv(tmp_path, chunk, monkeypatch) -> None:
    """atlas/io/csv_lines.py against Python's csv (the whole read's labeller) on random files:
    quoted \\n, \\r\\n and lone \\r, doubled quotes, blank lines, ragged rows, no final break; the
    scan read in chunks that cut every kind of break."""
    import random

    import pyarrow as pa
    import pyarrow.csv as pacsv

    from atlas.io import csv_lines

    monkeypatch.setattr(csv_lines, "CHUNK_BYTES", chunk)
    rnd = random.Random(chunk)
    values = ["a", "b c", "x\ny", "p\r\nq", 'say "hi"', "", "r\rs", "ё"]
    for _ in range(60):
        end = rnd.choice(["\n", "\r\n", "\r"])
        out = ["h1,h2,h3" + end]
        for _ in range(rnd.randint(1, 25)):
            if rnd.random() < 0.1:
                out.append(end)  # a blank line
                continue
            n = 3 if rnd.random() > 0.1 else rnd.choice([2, 4])
            cells = [rnd.choice(values) for _ in range(n)]
            out.append(",".join('"' + v.replace('"', '""') + '"' if set(v) & set(',"\r\n') or rnd.random() < 0.3
                                else v for v in cells) + end)
        text = "".join(out)
        if rnd.random() < 0.3:
            text = text[:-len(end)]
        src = tmp_path / "r.csv"
        src.write_bytes(text.encode("utf-8"))
        want, want_ragged, prev_end = [], [], 0
        reader = csv.reader(io.StringIO(text, newline=""))
        for i, row in enumerate(reader):
            start, prev_end = prev_end + 1, reader.line_num
            if i and row:
                (want if len(row) == 3 else want_ragged).append(start)
        ragged: list[str] = []
        table = pacsv.read_csv(src, parse_options=pacsv.ParseOptions(
            newlines_in_values=True, invalid_row_handler=lambda r: ragged.append(r.text) or "skip"),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in ("h1", "h2", "h3")}))
        lines, ragged_lines = csv_lines.data_row_lines(src, 1, range(table.num_rows), table.num_rows, ragged, 3)
        assert [lines[r] for r in range(table.num_rows)] == want, repr(text)
        assert ragged_lines == want_ragged, repr(text)


@pytest.mark.parametrize("filters", [["--text", "shelled", "--type", "Battles"], ["--bbox", "34.5,50.8,35.5,51.6"],
                                     ["--actor", "Military Forces of Russia (2000-)", "--from", "2024-09-01"]])
def test_inspect_of_other_filters_counts_as_the_whole_read(awkward, small_blocks, monkeypatch, filters) -> None:
    """Summary mode makes only the columns the filter tests (or every one, for a text search)."""
    path, _ = awkward
    streamed, whole = _summaries(path, filters, monkeypatch)
    for key in ("events", "with_coordinates", "date_min", "date_max", "bbox", "types"):
        assert streamed[key] == whole[key], key
    assert streamed["events"] > 0
    assert streamed["files"][0]["left_out"] == whole["files"][0]["left_out"]
    assert set(_as_lines(streamed["problems"])) <= set(_as_lines(whole["problems"]))


def test_a_read_error_comes_after_the_rows_before_it_and_a_dropped_reader_stops() -> None:
    """The block reader on its own thread (csv_stream._Prefetching): blocks joined in order, an
    error raised where the reading thread meets it, the thread gone once the reader is dropped."""
    import gc
    import threading
    import time

    import pyarrow as pa

    class Source:
        def __init__(self, n: int, fail_at: int | None = None) -> None:
            self.i, self.n, self.fail_at = 0, n, fail_at

        def read_next_batch(self) -> pa.RecordBatch:
            if self.i == self.fail_at:
                raise pa.ArrowInvalid("CSV parse error: bad bytes")
            if self.i >= self.n:
                raise StopIteration
            self.i += 1
            return pa.record_batch({"x": pa.array([str(self.i)] * 10)})

    reader = csv_stream._Prefetching(Source(7), group_bytes=1)
    got = []
    with pytest.raises(StopIteration):
        while True:
            got += reader.read_next_batch().column("x").to_pylist()
    assert got == [str(i) for i in range(1, 8) for _ in range(10)]
    joined = csv_stream._Prefetching(Source(7), group_bytes=10**9).read_next_batch()
    assert joined.num_rows == 70
    failing = csv_stream._Prefetching(Source(7, fail_at=3), group_bytes=1)
    rows = sum(failing.read_next_batch().num_rows for _ in range(3))
    with pytest.raises(pa.ArrowInvalid):
        failing.read_next_batch()
    assert rows == 30
    before = {t for t in threading.enumerate() if t.name == "csv-blocks"}
    dropped = csv_stream._Prefetching(Source(10**6), group_bytes=1, ahead=2)
    dropped.read_next_batch()
    del dropped
    gc.collect()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and {t for t in threading.enumerate() if t.name == "csv-blocks"} - before:
        time.sleep(0.05)
    assert not {t for t in threading.enumerate() if t.name == "csv-blocks"} - before


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,000 ACLED rows with repeated ids: a newer copy later, a newer copy earlier, a tie (the
    later row stays), a copy with no readable time, three copies, the newest outside the filter."""
    folder = tmp_path_factory.mktemp("copies")
    path = write_acled_csv(folder / "clean.csv", 2000, seed=4)
    with path.open(encoding="utf-8", newline="") as fh:
        head, *rows = list(csv.reader(fh))
    col = {name: i for i, name in enumerate(head)}

    def edit(k: int, **values: str) -> None:
        for c, v in values.items():
            rows[k][col[c]] = v

    battle = {"event_type": "Battles", "event_date": "2024-10-01"}
    edit(10, event_id_cnty="LATER", timestamp="100", **battle)
    edit(1500, event_id_cnty="LATER", timestamp="200", **battle)
    edit(20, event_id_cnty="EARLIER", timestamp="300", **battle)
    edit(1600, event_id_cnty="EARLIER", timestamp="250", **battle)
    edit(30, event_id_cnty="TIE", timestamp="400", **battle)
    edit(1700, event_id_cnty="TIE", timestamp="400", **battle)
    edit(40, event_id_cnty="NOTIME", timestamp="soon", **battle)
    edit(1800, event_id_cnty="NOTIME", timestamp="5", **battle)
    edit(50, event_id_cnty="THRICE", timestamp="1", **battle)
    edit(900, event_id_cnty="THRICE", timestamp="3", event_type="Protests")
    edit(1900, event_id_cnty="THRICE", timestamp="2", **battle)
    out = folder / "copies.csv"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([head, *rows])
    out.write_text(buf.getvalue(), encoding="utf-8")
    return out


@pytest.mark.parametrize("filters", [FILTERS, []])
def test_dedupe_streamed_writes_what_the_whole_read_writes(copies, small_blocks, tmp_path, monkeypatch, capsys,
                                                           filters) -> None:
    whole, streamed = tmp_path / "whole.csv", tmp_path / "streamed.csv"
    with monkeypatch.context() as m:
        m.setattr(convert, "convert_streaming", lambda *a, **k: None)
        assert main(["convert", str(copies), "-o", str(whole), "--dedupe", "newest", *filters]) == 0
    said_whole = capsys.readouterr()
    calls: list[int] = []
    real = csv_stream.build_events
    monkeypatch.setattr(csv_stream, "build_events", lambda cols, *a, **k: calls.append(1) or real(cols, *a, **k))
    assert main(["convert", str(copies), "-o", str(streamed), "--dedupe", "newest", *filters]) == 0
    said = capsys.readouterr()
    assert len(calls) > 3  # it did stream
    assert streamed.read_bytes() == whole.read_bytes()
    assert "--dedupe newest: 6 older duplicate rows dropped" in said.err
    assert said.err.splitlines()[0] == said_whole.err.splitlines()[0]
    assert said.out.split(" to ")[0] == said_whole.out.split(" to ")[0]  # "wrote N of M events"
    text = streamed.read_text(encoding="utf-8")
    assert "#2" not in text and "THRICE" not in text if filters else "THRICE" in text


def test_dedupe_of_ids_that_look_like_copies_is_the_whole_reads(tmp_path, small_blocks, monkeypatch) -> None:
    """An id ending in "#<digits>" is a copy to resolve_duplicates: such a file is read whole."""
    src = write_acled_csv(tmp_path / "hash.csv", 600, seed=2)
    lines = src.read_text(encoding="utf-8").splitlines()
    lines[5] = '"A#3"' + lines[5][lines[5].index(","):]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    called: list[int] = []
    real = csv_stream.stream_csv

    def spy(*a, **k):
        try:
            return real(*a, **k)
        except csv_stream.NotStreamable:
            called.append(1)
            raise

    monkeypatch.setattr(csv_stream, "stream_csv", spy)
    out, whole = tmp_path / "out.csv", tmp_path / "whole.csv"
    assert main(["convert", str(src), "-o", str(out), "--dedupe", "newest"]) == 0
    assert called == [1]
    with monkeypatch.context() as m:
        m.setattr(convert, "convert_streaming", lambda *a, **k: None)
        assert main(["convert", str(src), "-o", str(whole), "--dedupe", "newest"]) == 0
    assert out.read_bytes() == whole.read_bytes()


def test_dedupe_with_two_ids_of_one_hash_is_the_whole_reads(copies, small_blocks, tmp_path, monkeypatch) -> None:
    """Copies are grouped by a 64-bit hash of the id; ids that share one (forced here: a hash of
    the length) must not be taken for copies: the whole read decides."""
    import numpy as np
    import pyarrow.compute as pc

    from atlas.io import duplicate_ids

    def by_length(arr):
        return np.asarray(pc.binary_length(duplicate_ids._one_array(arr)).to_numpy(zero_copy_only=False),
                          np.uint64) + np.uint64(1)

    whole, streamed = tmp_path / "whole.csv", tmp_path / "streamed.csv"
    with monkeypatch.context() as m:
        m.setattr(convert, "convert_streaming", lambda *a, **k: None)
        assert main(["convert", str(copies), "-o", str(whole), "--dedupe", "newest"]) == 0
    monkeypatch.setattr(duplicate_ids, "id_hashes", by_length)
    monkeypatch.setattr(csv_stream, "id_hashes", by_length)
    assert main(["convert", str(copies), "-o", str(streamed), "--dedupe", "newest"]) == 0
    assert streamed.read_bytes() == whole.read_bytes()
