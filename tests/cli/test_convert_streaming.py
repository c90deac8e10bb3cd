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
    assert "RUSDUP#2" in text and "acled-" in text  # the kept duplicate renamed, blank ids named by row


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
