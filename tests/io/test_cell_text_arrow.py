"""The CSV writer's Arrow cells (atlas/io/cell_text_arrow.py) are field_text's, cell for cell, on
the awkward values: NaN and integral coordinates, tiny and huge numbers, no date, missing
categories, empty and missing text."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from atlas.io.cell_text_arrow import extra_arrow, field_arrow, float_repr_text, number_text
from atlas.io.csv_events import read_csv
from atlas.io.export import _num_text, csv_columns, field_text, write_csv

AWKWARD = [51.348, 34.6271, 51.0, 0.0, -0.0, 1e-05, -3e-7, 0.0001, 0.00012, 123456789012345.6, 1e16, 1e15,
           999999999999999.0, 2.5e-7, 0.30000000000000004, -179.99999, 180.0, 3.0, float("nan"), 1e300, 5e-324]


def test_float_spelling_is_python_repr() -> None:
    v = np.array(AWKWARD)
    want = ["" if np.isnan(x) else repr(x) for x in v.tolist()]
    assert float_repr_text(v).to_pylist() == want
    assert number_text(v).to_pylist() == _num_text(v)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(width=64), min_size=1, max_size=50))
def test_any_float_is_spelled_as_python_does(values: list[float]) -> None:
    v = np.array(values, dtype=np.float64)
    assert float_repr_text(v).to_pylist() == ["" if np.isnan(x) else repr(x) for x in v.tolist()]
    assert number_text(v).to_pylist() == _num_text(v)


def test_every_column_of_an_awkward_acled_file(tmp_path) -> None:
    from atlas.bench.io_cases import write_acled_csv

    src = write_acled_csv(tmp_path / "a.csv", 300, seed=9)
    lines = src.read_text(encoding="utf-8").splitlines()
    head = lines[0].replace('"', "").split(",")
    rows = [line.split(",") for line in lines[1:]]  # the synthetic file quotes no comma in these columns

    def put(k: int, **cells: str) -> None:
        for name, v in cells.items():
            rows[k][head.index(name)] = v

    put(0, latitude="51", longitude="35")  # integral coordinates
    put(1, latitude="", longitude="")  # none
    put(2, event_date="")  # undated
    put(3, fatalities="", year="")
    put(4, event_type="", actor1="", admin1="")  # missing categories
    put(5, latitude="0.00001", longitude="35.5")
    put(6, fatalities="12.5")
    tables = []
    path = tmp_path / "b.csv"
    path.write_text("\n".join([lines[0], *(",".join(r) for r in rows)]) + "\n", encoding="utf-8")
    table, _ = read_csv(path)
    tables.append(table)
    sel = np.array([6, 0, 1, 2, 3, 4, 5, 7, 8, 250, 3], dtype=np.intp)  # out of order, a row twice
    for header, col in csv_columns(table):
        if col.startswith("extra:"):
            got = extra_arrow(table, col[6:], sel)
            want = table.extras[col[6:]][sel]
        else:
            got = field_arrow(table, col, sel)
            if got is None:
                continue  # the sources: spelled by field_text itself
            want = field_text(table, col, sel)
        assert got.to_pylist() == pa.array(want, pa.string()).to_pylist(), header
    out = tmp_path / "out.csv"
    write_csv(table, out, sel)
    assert out.read_text(encoding="utf-8").count("\n") == len(sel) + 1
