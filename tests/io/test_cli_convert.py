"""``main.py convert``: formats, shared filters, column mapping, dedupe and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from atlas.launcher import main
from atlas.io import read_events
from atlas.bench.io_cases import write_acled_csv

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("fmt", ["csv", "geojson", "kml", "kmz", "gpkg"])
def test_convert_each_format_with_filters(fmt: str, sample_file: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / f"out.{fmt}"
    assert main(["convert", "-o", str(out), str(sample_file), "--from", "2024-08-10", "--to", "2025-03-12",
                 "--side", "Russia", "--side", "Ukraine"]) == 0
    assert "wrote 4 of 8 events" in capsys.readouterr().out
    t, _ = read_events(out)
    assert list(t.ids) == ["T-2", "T-3", "T-4", "T-6"]


def test_convert_text_bbox_and_confidence(sample_file: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "o.geojson"
    assert main(["convert", "-o", str(out), str(sample_file), "--text", "sudzha", "--min-confidence", "confirmed"]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert [f["id"] for f in doc["features"]] == ["T-1"]
    assert doc["schema"] == "kursk-atlas-events" and doc["features"][0]["geometry"]["type"] == "Point"
    assert main(["convert", "-o", str(out), str(sample_file), "--bbox", "34.5,51.2,35.0,51.4"]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert sorted(f["id"] for f in doc["features"]) == ["T-3", "T-4"]


def test_convert_with_column_mapping_and_errors(tmp_path: Path, capsys) -> None:
    src = tmp_path / "odd.csv"
    src.write_text("Kennung,Breite,Laenge\nA,51.19,35.27\n", encoding="utf-8")
    out = tmp_path / "o.csv"
    assert main(["convert", "-o", str(out), str(src)]) == 65
    assert "--columns" in capsys.readouterr().err
    assert main(["convert", "-o", str(out), str(src), "--columns", "event_id=Kennung,latitude=Breite,longitude=Laenge"]) == 0
    t, _ = read_events(out)
    assert t.ids[0] == "A" and t.lat[0] == pytest.approx(51.19)
    assert main(["convert", "-o", str(tmp_path / "o.pdf"), str(src)]) == 64
    assert "cannot write .pdf" in capsys.readouterr().err
    assert main(["convert", "-o", str(tmp_path / "nope" / "o.csv"), str(src)]) == 73
    assert main(["convert", "-o", str(out), str(tmp_path / "missing.csv")]) == 66
    with pytest.raises(SystemExit) as exc:  # argparse usage error: one line, exit 64
        main(["convert", "-o", str(out), str(src), "--columns", "bogus=1"])
    assert exc.value.code == 64 and "'bogus' is not a field" in capsys.readouterr().err


def test_convert_dedupe_newest(tmp_path: Path, capsys) -> None:
    src = tmp_path / "dup.csv"
    src.write_text("id,date,lat,lon,timestamp,title\nA,2024-08-06,51,35,100,old\nA,2024-08-06,51,35,300,new\n"
                   "A,2024-08-06,51,35,200,mid\nB,2024-08-07,51,35,1,b\n", encoding="utf-8")
    out = tmp_path / "o.geojson"
    assert main(["convert", "-o", str(out), str(src)]) == 0
    assert len(read_events(out)[0]) == 4  # never dropped unless asked
    assert main(["convert", "-o", str(out), str(src), "--dedupe", "newest", "--report"]) == 0
    err = capsys.readouterr().err
    assert "2 older duplicate rows dropped" in err and "duplicate id 'A'" in err
    t, _ = read_events(out)
    assert list(t.ids) == ["A", "B"] and t.value("title", 0) == "new"


def test_bench_generator_writes_a_readable_acled_file(tmp_path: Path) -> None:
    p = write_acled_csv(tmp_path / "b.csv", 500)
    t, r = read_events(p)
    assert len(t) == 500 and r.format == "ACLED CSV" and not r.rejected
    assert t.has_coords.all() and not np.isnat(t.date).any()
    assert len(t.categorical["event_type"].categories) == 4


def test_convert_runs_as_a_process(sample_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.kmz"
    res = subprocess.run([sys.executable, "main.py", "convert", "-o", str(out), str(sample_file)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "sample.geojson (GeoJSON): 8 of 8 rows loaded" in res.stderr
    assert len(read_events(out)[0]) == 8
