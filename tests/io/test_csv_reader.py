"""The CSV reader: every ACLED generation, any CSV with coordinates, and every repair/flag/refusal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from atlas.io import InputError, MappingNeeded, read_events
from atlas.io.csv_events import read_csv
from tests.conftest import fixture_path

ACLED_HEADER = ("event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,"
                "assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,"
                "admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,"
                "tags,timestamp")


def acled_row(eid: str, date: str, lat: str, lon: str, country: str = "Russia", notes: str = "Shelling reported.",
              inter1: str = "8", source: str = "Ministry of Defence of Russia; Kommersant") -> str:
    return (f'{eid},{date},2024,1,Political violence,Explosions/Remote violence,Shelling/artillery/missile attack,'
            f'Military Forces of Ukraine (2019-),,{inter1},Civilians (Russia),,7,17,,643,Europe,{country},Kursk,'
            f'Sudzhanskiy,,Sudzha,{lat},{lon},1,"{source}",National,"{notes}",0,,1723000000')


def write(tmp_path: Path, name: str, text: str | bytes, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return p


def actions(report) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for pr in report.problems:
        out.setdefault(pr.action, []).append(f"{pr.where}: {pr.what}")
    return out


def test_current_acled_layout_reads_every_field(tmp_path: Path) -> None:
    p = write(tmp_path, "acled.csv", "\n".join([ACLED_HEADER,
                                                acled_row("RUS1", "16 February 2024", "51.1914", "35.2706"),
                                                acled_row("RUS2", "2024-08-06", "51.3392", "34.6328", inter1="Political militia")]) + "\n")
    t, r = read_events(p)
    assert r.format == "ACLED CSV" and r.rows_read == 2 and r.rows_loaded == 2 and not r.problems
    assert list(t.ids) == ["RUS1", "RUS2"]
    assert t.date[0] == np.datetime64("2024-02-16") and t.date[1] == np.datetime64("2024-08-06")
    assert t.lon[0] == pytest.approx(35.2706) and t.lat[0] == pytest.approx(51.1914)
    assert t.value("event_type", 0) == "Explosions/Remote violence"
    assert t.value("actor1", 1) == "Military Forces of Ukraine (2019-)"
    assert t.value("country", 0) == "Russia" and t.value("admin1", 0) == "Kursk"
    assert t.value("location", 0) == "Sudzha" and t.value("notes", 0) == "Shelling reported."
    assert [s["outlet"] for s in t.sources[0]] == ["Ministry of Defence of Russia", "Kommersant"]
    assert t.fatalities[0] == 0
    # ACLED-only columns are kept as extras, text or numeric actor codes alike.
    assert list(t.extras["inter1"]) == ["8", "Political militia"]
    assert t.extras["timestamp"][0] == "1723000000" and "disorder_type" in t.extras
    assert t.value("dataset", 0) == "acled"


def test_2020_layout_two_digit_year_month_name(tmp_path: Path) -> None:
    header = ("data_id,iso,event_id_cnty,event_id_no_cnty,event_date,year,time_precision,event_type,sub_event_type,"
              "actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,region,country,admin1,admin2,admin3,"
              "location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,timestamp,iso3")
    row = ("7079168,376,ISR1,1,9-May-20,2020,1,Protests,Peaceful protest,Protesters (Israel),,6,,,0,60,Middle East,"
           "Israel,Haifa,Haifa,,Haifa,32.8184,34.9885,1,Jerusalem Post,National,A protest.,0,1589220519,ISR")
    t, r = read_events(write(tmp_path, "a2020.csv", header + "\r\n" + row + "\r\n"))
    assert r.format == "ACLED CSV (2020 layout)"
    assert t.date[0] == np.datetime64("2020-05-09")
    assert t.extras["iso3"][0] == "ISR" and t.extras["data_id"][0] == "7079168"


def test_1997_uppercase_day_first_and_headerless(tmp_path: Path) -> None:
    header = ("GWNO,EVENT_ID_CNTY,EVENT_ID_NO_CNTY,EVENT_DATE,YEAR,TIME_PRECISION,EVENT_TYPE,ACTOR1,ALLY_ACTOR_1,INTER1,"
              "ACTOR2,ALLY_ACTOR_2,INTER2,INTERACTION,COUNTRY,ADMIN1,ADMIN2,ADMIN3,LOCATION,LATITUDE,LONGITUDE,GEO_PRECIS,"
              "SOURCE,NOTES,FATALITIES")
    row = "615,1ALG,1,02/01/1997,1997,1,Violence against civilians,GIA,,2,Civilians (Algeria),,7,27,Algeria,Blida,Blida,,Blida,36.4686,2.8289,2,Source X,Note.,16"
    t, r = read_events(write(tmp_path, "upper.csv", header + "\n" + row + "\n"))
    assert r.format == "ACLED CSV (1997 layout)"
    # ACLED's slash dates are day-first: 2 January, not 1 February.
    assert t.date[0] == np.datetime64("1997-01-02")
    assert t.geo_precision[0] == 2 and t.fatalities[0] == 16 and t.ids[0] == "1ALG"
    t2, r2 = read_events(write(tmp_path, "headerless.csv", row + "\n" + row.replace("1ALG", "2ALG") + "\n"))
    assert r2.format.startswith("ACLED CSV (1997 layout, no header") and len(t2) == 2
    assert t2.value("country", 1) == "Algeria" and t2.lat[0] == pytest.approx(36.4686)


def test_preamble_bom_and_quoted_values(tmp_path: Path) -> None:
    text = "\ufeff(Sample)\n\n" + ACLED_HEADER + "\n" + acled_row("X1", '"01 November 2024"', "51.2", "35.3", notes="Line one\nline two, with comma") + "\n"
    t, r = read_events(write(tmp_path, "pre.csv", text))
    assert len(t) == 1 and t.date[0] == np.datetime64("2024-11-01")
    assert t.value("notes", 0) == "Line one\nline two, with comma"
    assert any("before the header" in n for n in r.notes)


def test_windows_1251_decoded_and_reported(tmp_path: Path) -> None:
    text = "id,date,lat,lon,title\nA,2024-08-06,51.19,35.27,Суджа занята\n"
    t, r = read_events(write(tmp_path, "cyr.csv", text, encoding="cp1251"))
    assert t.value("title", 0) == "Суджа занята"
    assert any("Windows-1251" in n for n in r.notes)


def test_decimal_comma_with_semicolons_is_repaired(tmp_path: Path) -> None:
    text = "id;date;lat;lon\nA;2024-08-06;51,1914;35,2706\nB;2024-08-07;51.3;35.1\n"
    t, r = read_events(write(tmp_path, "semi.csv", text))
    assert t.lat[0] == pytest.approx(51.1914) and t.lon[0] == pytest.approx(35.2706)
    rep = actions(r)["repaired"]
    assert rep == ["line 2: decimal comma in the coordinates read as a decimal point"]


def test_bad_coordinates_keep_the_row_without_a_point(tmp_path: Path) -> None:
    rows = [("A", "0", "0"), ("B", "95.0", "35.0"), ("C", "nan", "35"), ("D", "51", "inf"), ("E", "abc", "35"),
            ("F", "51.19", "35.27"), ("G", "", "")]
    text = "id,date,lat,lon\n" + "".join(f"{i},2024-08-06,{a},{b}\n" for i, a, b in rows)
    t, r = read_events(write(tmp_path, "bad.csv", text))
    assert len(t) == 7
    assert list(t.has_coords) == [False, False, False, False, False, True, False]
    kept = actions(r)["kept without a point"]
    assert any(k.startswith("line 2: coordinate is (0, 0)") for k in kept)
    assert any(k.startswith("line 3: coordinate out of range") for k in kept)
    assert any(k.startswith("line 4: coordinate is NaN or infinite") for k in kept)
    assert any(k.startswith("line 5: coordinate is NaN or infinite") for k in kept)
    assert any(k.startswith("line 6: coordinate is not a number") for k in kept)
    assert len(kept) == 5
    assert t.geo_precision[0] == 0
    assert any("no coordinate" in n for n in r.notes)  # G: listed, not on the map, and said so


def test_swapped_coordinates_are_flagged_not_fixed(tmp_path: Path) -> None:
    text = ACLED_HEADER + "\n" + acled_row("S1", "2024-08-06", "35.2706", "51.1914") + "\n" + acled_row("S2", "2024-08-06", "51.19", "35.27") + "\n"
    t, r = read_events(write(tmp_path, "swap.csv", text))
    flags = actions(r)["flagged"]
    assert len(flags) == 1 and flags[0].startswith("line 2:") and "swapped" in flags[0] and "Russia" in flags[0]
    assert t.lat[0] == pytest.approx(35.2706)  # kept as given: flagged, not guessed


def test_ambiguous_dates_are_flagged_and_year_resolves(tmp_path: Path) -> None:
    text = "id,date,year,lat,lon\nA,24-11-23,,51,35\nB,24-11-23,2023,51,35\nC,03/04/2024,,51,35\nD,2024-08-06,,51,35\n"
    t, r = read_events(write(tmp_path, "amb.csv", text))
    assert np.isnat(t.date[0]) and t.date[1] == np.datetime64("2023-11-24")
    assert np.isnat(t.date[2])  # dd/mm or mm/dd: nothing in the file tells
    flagged = actions(r)["flagged"]
    assert any(f.startswith("line 2: date '24-11-23' is ambiguous") for f in flagged)
    assert any(f.startswith("line 4: date '03/04/2024' is ambiguous") for f in flagged)
    assert any(f.startswith("line 3: two-digit date") for f in actions(r)["repaired"])


def test_month_first_file_is_recognised_by_its_own_dates(tmp_path: Path) -> None:
    text = "id,date,lat,lon\nA,02/24/2022,50,30\nB,03/04/2022,50,30\n"
    t, r = read_events(write(tmp_path, "us.csv", text))
    assert t.date[0] == np.datetime64("2022-02-24") and t.date[1] == np.datetime64("2022-03-04")
    assert any("month-first" in n for n in r.notes)


def test_ragged_rows_are_rejected_with_their_line_not_shifted(tmp_path: Path) -> None:
    text = "id,date,lat,lon,title\nA,2024-08-06,51,35,ok\nB,2024-08-07,51,35\nC,2024-08-08,51,35,x,extra\nD,2024-08-09,52,36,fine\n"
    t, r = read_events(write(tmp_path, "ragged.csv", text))
    assert list(t.ids) == ["A", "D"] and t.value("title", 1) == "fine" and t.lat[1] == 52
    rej = actions(r)["rejected"]
    assert rej[0].startswith("line 3: has 4 fields where the header has 5")
    assert rej[1].startswith("line 4: has 6 fields where the header has 5")
    assert r.rows_read == 4 and r.rows_loaded == 2


def test_ragged_rows_after_a_two_line_value_and_a_blank_line_are_named_by_their_line(tmp_path: Path) -> None:
    """Arrow numbers a refused row by the records it parsed, which runs behind the file's lines
    after a value with a line break or a blank line: the report names the line the row is on,
    and the rows after it keep their own lines too."""
    text = ("id,date,lat,lon,title\n"                       # line 1
            "A,2024-08-06,51,35,\"two\nlines\"\n"            # lines 2-3
            "\n"                                              # line 4, blank
            "B,2024-08-07,51,35\n"                           # line 5: 4 fields
            "C,2024-08-08,51,35,x,extra\n"                   # line 6: 6 fields
            "D,not a date,52,36,fine\n")                     # line 7
    t, r = read_events(write(tmp_path, "ragged2.csv", text))
    assert list(t.ids) == ["A", "D"]
    rej = actions(r)["rejected"]
    assert rej[0].startswith("line 5: has 4 fields") and rej[1].startswith("line 6: has 6 fields"), rej
    problems = [p.where for p in r.problems]
    assert "line 7" in problems, problems  # D's unreadable date, on its own line


def test_duplicate_ids_are_reported_and_kept_unique(tmp_path: Path) -> None:
    text = "id,date,lat,lon\nA,2024-08-06,51,35\nA,2024-08-07,51,35\nB,2024-08-08,51,35\n"
    t, r = read_events(write(tmp_path, "dup.csv", text))
    assert list(t.ids) == ["A", "A#2", "B"]
    assert actions(r)["flagged"] == ["line 3: duplicate id 'A' (first at line 2); kept as 'A#2'"]


def test_unknown_columns_need_a_mapping(tmp_path: Path) -> None:
    p = write(tmp_path, "odd.csv", "Kennung,Breite,Laenge,Wann\nA,51.19,35.27,2024-08-06\n")
    with pytest.raises(MappingNeeded) as exc:
        read_events(p)
    assert exc.value.headers == ["Kennung", "Breite", "Laenge", "Wann"]
    t, r = read_csv(p, {"event_id": "Kennung", "latitude": "Breite", "longitude": "Laenge", "event_date": "Wann"})
    assert t.ids[0] == "A" and t.lat[0] == pytest.approx(51.19) and t.date[0] == np.datetime64("2024-08-06")
    with pytest.raises(InputError, match="does not have"):
        read_csv(p, {"latitude": "Nope", "longitude": "Laenge"})


def test_empty_and_binary_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        read_events(write(tmp_path, "e.csv", ""))
    with pytest.raises(InputError, match="binary"):
        read_events(write(tmp_path, "b.csv", b"\x00\x01\x02" * 100))


def test_problem_lists_are_capped_with_a_count(tmp_path: Path) -> None:
    text = "id,date,lat,lon\n" + "".join(f"R{i},2024-08-06,0,0\n" for i in range(700))
    t, r = read_events(write(tmp_path, "zeros.csv", text))
    assert len(t) == 700 and not t.has_coords.any()
    assert len(r.problems) == 501 and r.problems[-1].where == "200 more rows"


# ------------------------------------------------------------------ the shared fixtures (skipped when absent)
@pytest.mark.parametrize("name, rows, fmt", [
    ("pynetworkfriction_ACLED_ukraine_2023-2024.csv", 155, "ACLED CSV"),
    ("rpanlilio_acled_global_2020-05.csv", 5071, "ACLED CSV (2020 layout)"),
    ("smitchell_ACLEDtestFile_1997_uppercase.csv", 1, "ACLED CSV (1997 layout)"),
    ("smitchell_small_headerless_1997-2013.csv", 3, "ACLED CSV (1997 layout, no header row)"),
    ("tanisboxed_acled_data_sample_2024_exporttool.csv", 2, "ACLED CSV"),
])
def test_acled_fixtures(name: str, rows: int, fmt: str) -> None:
    t, r = read_events(fixture_path("acled", name))
    assert len(t) == rows and r.format == fmt and not r.rejected
    assert not np.isnat(t.date).any()


def test_acled_fixture_dates_and_coordinates() -> None:
    t, _ = read_events(fixture_path("acled", "pynetworkfriction_ACLED_ukraine_2023-2024.csv"))
    i = t.index_of("UKR148710")
    assert t.date[i] == np.datetime64("2024-02-16") and t.lat[i] == pytest.approx(48.68925)
    t, _ = read_events(fixture_path("acled", "smitchell_small_headerless_1997-2013.csv"))
    assert t.date[0] == np.datetime64("1997-12-24")


def test_monitor_csv_fixture_flags_swapped_points() -> None:
    t, r = read_events(fixture_path("events", "bellingcat_cir_russia_ukraine_monitor_events.csv"))
    assert len(t) == 6650
    assert any("far outside Ukraine" in p.what for p in r.problems)
    assert any("duplicate id" in p.what for p in r.problems)


def _table_rows(table) -> list[tuple]:
    return [tuple(str(v) for v in table.record(r).values()) for r in range(len(table))]


def test_small_blocks_read_the_same_as_one_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reader dictionary-encodes repetitive columns block by block (each block its own
    dictionary); over many tiny blocks the table and every reported problem equal one block's."""
    import atlas.io.csv_events as ce

    lines = [ACLED_HEADER]
    for i in range(400):
        date = "2024-08-1" + str(i % 10) if i % 97 else "13/13/2024"  # some unreadable dates
        lat, lon = ("51.19", "35.27") if i % 53 else ("abc", "35.27")  # some bad coordinates
        eid = f"RUS{i}" if i % 71 else "RUS5"  # some duplicate ids
        lines.append(acled_row(eid, date, lat, lon, notes=f" Note {i} with , comma ", inter1=str(i % 3),
                               source=["A; B", "C", " D "][i % 3]))
    lines.insert(120, "1,2,3")  # a ragged row
    path = write(tmp_path, "blocks.csv", "\n".join(lines) + "\n")
    whole, rep_whole = read_csv(path)
    monkeypatch.setattr(ce, "READ_BLOCK_BYTES", 2048)
    blocks, rep_blocks = read_csv(path)
    assert len(blocks) == len(whole) == 400
    assert _table_rows(blocks) == _table_rows(whole)
    assert [(p.where, p.what, p.action) for p in rep_blocks.problems] == \
        [(p.where, p.what, p.action) for p in rep_whole.problems]
    assert rep_blocks.notes == rep_whole.notes
    assert blocks.text["notes"][3] == "Note 3 with , comma"  # trimmed
    assert any("line 121" in p.where for p in rep_whole.problems)
    assert any("duplicate id" in p.what for p in rep_whole.problems)
