"""Spreadsheet events: Excel workbooks (``.xlsx``, openpyxl) and OpenDocument spreadsheets (``.ods``, odfpy).

Reading: the first worksheet; the header is the first row among the first 40 that names two or more
known columns (ACLED's ``(Sample)`` preamble, a title row), else the first non-empty row. Cells keep
their types on the way in — a date cell is a date, a number a number (read back as the shortest exact
text) — and the rows go through the same recognition as a CSV file (ACLED and UCDP GED layouts, any
columns recognised by name) and the one column-wise builder. A sheet without recognisable coordinate
columns is listed without points, with a note. Rows are numbered as the spreadsheet numbers them.

Hostile input: both formats are zip archives of XML. Before any XML parser runs the archive is checked
like a KMZ (member names, count, sizes, compression ratio, time: atlas.io.safety) and every XML member
that declares a DTD or an entity is refused (billion laughs, external entities; openpyxl and odfpy
parse through defusedxml as well). An ODS row or cell may say it repeats a billion times
(``number-rows-repeated``): repeats are expanded only while they carry values, and the sheet is
bounded to :data:`MAX_ROWS` rows and :data:`MAX_COLUMNS` columns.

Writing: one sheet ``events`` with the CSV export's columns in its order (ACLED's, then the atlas's,
then the extras; atlas.io.export.csv_columns), typed cells — dates as date cells (``yyyy-mm-dd``),
coordinates, precisions, counts and numeric extras as numbers, ``coord_approximate`` as a boolean —
and text as text, never as a formula (a note starting with ``=`` stays a note). The header row is
frozen and bold. The formats' limits: a cell holds at most 32,767 characters (longer text is cut,
Excel's own limit), a sheet at most 1,048,576 rows (a larger export is refused), and characters XML
cannot carry are dropped.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from atlas.model.table import EventTable

from .atomic import atomic_path
from .columns import BuildOptions, build_events, guess_mapping, has_coordinates, normalise_header
from .feature_events import cell_text
from .input_guard import check_regular_file
from .presets import preset_for
from .report import ImportReport, InputError
from .safety import ZipLimits, check_zip

#: Workbooks are zips of XML: bounded like a KMZ, a little larger (shared strings, styles).
SHEET_ZIP_LIMITS = ZipLimits(max_members=5_000, max_total_bytes=1 << 30, max_member_bytes=512 << 20, max_seconds=60.0)
MAX_ROWS = 1_048_576  # Excel's own sheet limit
MAX_COLUMNS = 16_384  # Excel's XFD
MAX_CELL_CHARS = 32_767  # Excel's own cell limit
#: The header is looked for among the first rows (a title or ACLED's "(Sample)" line may come first).
HEADER_SEARCH_ROWS = 40
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DTD = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


# --------------------------------------------------------------------------- safety
def _check_archive(path: Path, what: str) -> list[zipfile.ZipInfo]:
    check_regular_file(path)
    if not zipfile.is_zipfile(path):
        raise InputError(path, f"is not an {what} file (not a zip archive)")
    infos = check_zip(path, SHEET_ZIP_LIMITS)
    # A DTD can only stand in an XML document's prolog: the first kilobytes of each member say it.
    try:
        with zipfile.ZipFile(path) as zf:
            for info in infos:
                if info.filename.lower().endswith((".xml", ".rels")) and not info.is_dir():
                    with zf.open(info) as fh:
                        if _DTD.search(fh.read(8192)):
                            raise InputError(path, f"{info.filename[:80]!r} declares a DTD or an entity, which no "
                                                   f"{what} needs (entity expansion attacks); refused")
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
        raise InputError(path, f"cannot be unpacked ({type(exc).__name__}: {exc})") from None
    return infos


# --------------------------------------------------------------------------- reading
def _value_text(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, dt.time):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return str(v)
    return cell_text(v)


def _header_row(rows: list[list[str]]) -> int:
    """Index of the header among the first rows: the first naming two or more known columns, else
    the first non-empty one."""
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if len(guess_mapping([c for c in row if c])) >= 2:
            return i
    return next((i for i, row in enumerate(rows) if any(row)), 0)


def _events(path: Path, report: ImportReport, rows: Iterator[tuple[int, list[str]]]) -> EventTable:
    """Rows ``(spreadsheet row number, cell texts)`` → events, recognised as a CSV file's would be."""
    head: list[tuple[int, list[str]]] = []
    for item in rows:
        head.append(item)
        if len(head) >= HEADER_SEARCH_ROWS:
            break
    if not any(any(r) for _, r in head):
        raise InputError(path, "the first sheet is empty")
    h = _header_row([r for _, r in head])
    if h:
        report.notes.append(f"{h} row(s) before the header skipped: {' '.join(c for c in head[0][1] if c)[:60]!r}")
    raw_headers = head[h][1]
    width = max(len(raw_headers), 1)
    headers, seen = [], set()
    for i, name in enumerate(raw_headers):
        name = name.strip() or f"column_{i + 1}"
        while name in seen:
            name = f"{name}_{i + 1}"
        seen.add(name)
        headers.append(name)
    if headers != raw_headers:
        report.notes.append("empty or repeated column names renamed")
    columns: list[list[str]] = [[] for _ in headers]
    numbers: list[int] = []
    for number, cells in [*head[h + 1:], *rows]:
        if not any(cells):
            continue  # blank rows between data are no events
        report.rows_read += 1
        if len(cells) > width and any(cells[width:]):
            report.reject(f"row {number}", f"has values beyond the {width} named columns; rejected rather than shifted")
            continue
        for k in range(width):
            columns[k].append(cells[k] if k < len(cells) else "")
        numbers.append(number)
    if not numbers:
        report.notes.append("the sheet holds a header and no rows")
        return EventTable.empty()
    acled = "event_id_cnty" in {normalise_header(x) for x in headers}
    preset = None if acled else preset_for(headers)
    cols = {name: pa.chunked_array([pa.array(vals, pa.string())]) for name, vals in zip(headers, columns, strict=True)}
    if preset is not None:
        report.format += f", {preset.name}"
        mapping = preset.mapping(headers)
        coded = {c: cols[c] for f, c in mapping.items() if preset.fields.get(f) == normalise_header(c)}
        report.notes.extend(preset.recode_columns(coded, headers))
        cols.update(coded)
    else:
        mapping = guess_mapping(headers)
        if acled:
            report.format += ", ACLED"
    if not has_coordinates(mapping):
        report.notes.append("no latitude/longitude columns recognised: rows listed without a point")
    report.notes.append("columns: " + ", ".join(f"{f}←{c!r}" for f, c in mapping.items() if normalise_header(c) != f))
    opts = BuildOptions(dataset=path.stem, where=lambda r: f"row {numbers[r]}", day_first=True if acled else None)
    return build_events(cols, mapping, report, opts)


def _bounded(rows: Iterator[tuple[int, list[str]]], path: Path) -> Iterator[tuple[int, list[str]]]:
    for number, cells in rows:
        if number > MAX_ROWS:
            raise InputError(path, f"the sheet has more than {MAX_ROWS:,} rows; refused")
        yield number, cells


def read_xlsx(path: str | Path) -> tuple[EventTable, ImportReport]:
    """Events of the first worksheet of an Excel workbook (values, not formulas: the values Excel
    saved with the file)."""
    path = Path(path)
    _check_archive(path, "Excel workbook")
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    report = ImportReport(str(path), "Excel workbook")
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, EOFError) as exc:
        raise InputError(path, f"is not a readable Excel workbook ({type(exc).__name__}: {str(exc)[:120]})") from None
    except Exception as exc:  # defusedxml's refusals and XML parse errors have their own classes
        raise InputError(path, f"is not a readable Excel workbook ({type(exc).__name__}: {str(exc)[:120]})") from None
    try:
        if not wb.worksheets:
            raise InputError(path, "the workbook has no worksheets")
        ws = wb.worksheets[0]
        if len(wb.worksheets) > 1:
            report.notes.append(f"{len(wb.worksheets)} sheets; the first, {ws.title!r}, read")

        def rows() -> Iterator[tuple[int, list[str]]]:
            for number, row in enumerate(ws.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
                cells = ["" if v is None else _value_text(v) for v in row]
                while cells and cells[-1] == "":
                    cells.pop()
                yield number, cells

        try:
            return _events(path, report, _bounded(rows(), path)), report
        except InputError:
            raise
        except Exception as exc:  # a damaged sheet part surfaces only while iterating
            raise InputError(path, f"damaged worksheet ({type(exc).__name__}: {str(exc)[:120]})") from None
    finally:
        wb.close()


def _name(node: Any) -> str:
    """An ODF element's local name; "" for text and other nodes."""
    qname = getattr(node, "qname", None)
    return str(qname[1]) if qname else ""


def _ods_cell(cell: Any) -> str:
    from odf import teletype
    from odf.namespaces import OFFICENS

    kind = cell.attributes.get((OFFICENS, "value-type"))
    if kind in ("float", "percentage", "currency"):
        raw = cell.attributes.get((OFFICENS, "value"))
        try:
            return cell_text(float(raw)) if raw is not None else ""
        except ValueError:
            return str(raw)
    if kind == "date":
        return str(cell.attributes.get((OFFICENS, "date-value")) or "").removesuffix("T00:00:00")
    if kind == "boolean":
        return "true" if str(cell.attributes.get((OFFICENS, "boolean-value"))).lower() == "true" else "false"
    if kind == "time":
        return str(cell.attributes.get((OFFICENS, "time-value")) or "")
    return "\n".join(teletype.extractText(p) for p in cell.childNodes if _name(p) == "p")


def _ods_rows(table: Any, path: Path) -> Iterator[tuple[int, list[str]]]:
    from odf.namespaces import TABLENS

    number = 0
    for row in table.childNodes:
        name = _name(row)
        if name in ("table-header-rows", "table-row-group", "table-rows"):
            yield from ((number + n, c) for n, c in _ods_rows(row, path))  # nested groups: rare, shallow
            continue
        if name != "table-row":
            continue
        repeat_rows = int(row.attributes.get((TABLENS, "number-rows-repeated"), 1) or 1)
        cells: list[str] = []
        for cell in row.childNodes:
            if _name(cell) not in ("table-cell", "covered-table-cell"):
                continue
            text = _ods_cell(cell)
            repeat = int(cell.attributes.get((TABLENS, "number-columns-repeated"), 1) or 1)
            if text == "":
                # Empty cells repeated to the end of a row (LibreOffice writes 1,024 or 16,384 of them)
                # are expanded only if a value follows them.
                cells.extend([""] * min(repeat, MAX_COLUMNS + 1))
            else:
                if len(cells) + repeat > MAX_COLUMNS:
                    raise InputError(path, f"a row has more than {MAX_COLUMNS:,} columns; refused")
                cells.extend([text] * repeat)
            if len(cells) > MAX_COLUMNS:
                cells = cells[:MAX_COLUMNS + 1]
        while cells and cells[-1] == "":
            cells.pop()
        if len(cells) > MAX_COLUMNS:
            raise InputError(path, f"a row has more than {MAX_COLUMNS:,} columns; refused")
        if not cells:
            number += repeat_rows  # empty rows repeated a million times cost nothing
            continue
        if number + repeat_rows > MAX_ROWS:
            raise InputError(path, f"the sheet has more than {MAX_ROWS:,} rows; refused")
        for _ in range(repeat_rows):
            number += 1
            yield number, cells


def read_ods(path: str | Path) -> tuple[EventTable, ImportReport]:
    """Events of the first sheet of an OpenDocument spreadsheet."""
    path = Path(path)
    infos = _check_archive(path, "OpenDocument spreadsheet")
    if "content.xml" not in {i.filename for i in infos}:
        raise InputError(path, "is not an OpenDocument spreadsheet (no content.xml)")
    from odf.opendocument import load
    from odf.table import Table

    report = ImportReport(str(path), "OpenDocument spreadsheet")
    try:
        doc = load(str(path))
    except Exception as exc:  # odfpy raises whatever its XML parser and zipfile raise
        raise InputError(path, f"is not a readable OpenDocument spreadsheet ({type(exc).__name__}: {str(exc)[:120]})") from None
    tables = doc.spreadsheet.getElementsByType(Table) if doc.spreadsheet is not None else []
    if not tables:
        raise InputError(path, "the document has no sheets")
    if len(tables) > 1:
        report.notes.append(f"{len(tables)} sheets; the first, {tables[0].getAttribute('name')!r}, read")
    try:
        return _events(path, report, _ods_rows(tables[0], path)), report
    except (ValueError, TypeError) as exc:  # a repeat count that is no number, and the like
        raise InputError(path, f"damaged sheet ({type(exc).__name__}: {str(exc)[:120]})") from None


# --------------------------------------------------------------------------- writing
def _typed_rows(table: EventTable, sel: npt.NDArray[np.intp]) -> tuple[list[str], list[list[Any]]]:
    """The CSV export's columns with typed values: (headers, columns of values)."""
    from .export import csv_columns, field_text
    from .gpkg_events import _column_type, _typed

    headers: list[str] = []
    cols: list[list[Any]] = []
    has = table.has_coords[sel]
    for header, src in csv_columns(table):
        headers.append(header)
        if src.startswith("extra:"):
            vals = table.extras[src[6:]][sel]
            kind = _column_type(vals)
            cols.append([_typed(v, kind) for v in vals.tolist()])
            continue
        if src == "event_date":
            d = table.date[sel]
            cols.append([None if np.isnat(x) else x.astype("datetime64[D]").item() for x in d])
        elif src in ("latitude", "longitude"):
            v = (table.lat if src == "latitude" else table.lon)[sel]
            cols.append([float(x) if h else None for x, h in zip(v.tolist(), has.tolist(), strict=True)])
        elif src in ("time_precision", "geo_precision", "year"):
            cols.append([int(t) if t != "" else None for t in field_text(table, src, sel)])
        elif src in ("fatalities", "claim_area_km2"):
            cols.append([None if math.isnan(x) else (int(x) if x.is_integer() and abs(x) < 1e15 else x)
                         for x in getattr(table, src)[sel].tolist()])
        elif src == "coord_approximate":
            cols.append(table.coord_approximate[sel].tolist())
        else:
            cols.append([t if t != "" else None for t in (str(x) for x in field_text(table, src, sel))])
    return headers, cols


def _clean(text: str) -> str:
    text = _XML_ILLEGAL.sub("", text)
    if len(text) > MAX_CELL_CHARS:
        text = text[:MAX_CELL_CHARS]
    return text


def _select(table: EventTable, rows: npt.ArrayLike | None, what: str) -> npt.NDArray[np.intp]:
    sel = np.arange(len(table), dtype=np.intp) if rows is None else np.asarray(rows, dtype=np.intp)
    if len(sel) >= MAX_ROWS:
        raise ValueError(f"{len(sel):,} events do not fit in one {what} sheet ({MAX_ROWS - 1:,} rows below the header)")
    return sel


def write_xlsx(table: EventTable, path: str | Path, rows: npt.ArrayLike | None = None, **_: Any) -> int:
    """An Excel workbook: one sheet ``events``, typed cells, text never a formula."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    sel = _select(table, rows, "Excel")
    headers, cols = _typed_rows(table, sel)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("events")
    ws.freeze_panes = "A2"
    bold = Font(bold=True)

    def cell(v: Any) -> Any:
        if isinstance(v, str):
            c = WriteOnlyCell(ws, value=None)
            c.value = _clean(v)
            c.data_type = "s"  # set after the value: openpyxl takes text starting with '=' as a formula
            return c
        c = WriteOnlyCell(ws, value=v)
        if isinstance(v, dt.date):
            c.number_format = "yyyy-mm-dd"
        return c

    head = []
    for h in headers:
        c = cell(h)
        c.font = bold
        head.append(c)
    ws.append(head)
    for i in range(len(sel)):
        ws.append([cell(col[i]) if col[i] is not None else None for col in cols])
    with atomic_path(Path(path)) as tmp:
        wb.save(tmp)
    return len(sel)


def write_ods(table: EventTable, path: str | Path, rows: npt.ArrayLike | None = None, **_: Any) -> int:
    """An OpenDocument spreadsheet: one sheet ``events``, typed cells (text stays text)."""
    from odf import teletype
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TableCellProperties, TextProperties
    from odf.number import DateStyle, Day, Month, Text as NumberText, Year
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import P

    sel = _select(table, rows, "OpenDocument")
    headers, cols = _typed_rows(table, sel)
    doc = OpenDocumentSpreadsheet()
    date_style = DateStyle(name="isodate")
    date_style.addElement(Year(style="long"))
    date_style.addElement(NumberText(text="-"))
    date_style.addElement(Month(style="long"))
    date_style.addElement(NumberText(text="-"))
    date_style.addElement(Day(style="long"))
    doc.automaticstyles.addElement(date_style)
    date_cell = Style(name="datecell", family="table-cell", datastylename="isodate")
    doc.automaticstyles.addElement(date_cell)
    head_cell = Style(name="headcell", family="table-cell")
    head_cell.addElement(TextProperties(fontweight="bold"))
    head_cell.addElement(TableCellProperties())
    doc.automaticstyles.addElement(head_cell)
    sheet = Table(name="events")
    sheet.addElement(TableColumn(numbercolumnsrepeated=len(headers)))

    def cell(v: Any, style: Any = None) -> Any:
        if v is None:
            return TableCell()
        if isinstance(v, bool):
            c = TableCell(valuetype="boolean", booleanvalue="true" if v else "false")
            c.addElement(P(text="TRUE" if v else "FALSE"))
        elif isinstance(v, (int, float)):
            c = TableCell(valuetype="float", value=repr(v) if isinstance(v, float) else str(v))
            c.addElement(P(text=repr(v) if isinstance(v, float) else str(v)))
        elif isinstance(v, dt.date):
            c = TableCell(valuetype="date", datevalue=v.isoformat(), stylename=date_cell)
            c.addElement(P(text=v.isoformat()))
        else:
            text = _clean(str(v))
            c = TableCell(valuetype="string", stylename=style) if style is not None else TableCell(valuetype="string")
            for line in text.split("\n"):
                para = P()
                # Runs of spaces and tabs as <text:s>/<text:tab>: plain XML whitespace would be
                # collapsed by every ODF reader.
                teletype.addTextToElement(para, line)
                c.addElement(para)
        return c

    tr = TableRow()
    for h in headers:
        tr.addElement(cell(h, head_cell))
    sheet.addElement(tr)
    for i in range(len(sel)):
        tr = TableRow()
        for col in cols:
            tr.addElement(cell(col[i]))
        sheet.addElement(tr)
    doc.spreadsheet.addElement(sheet)
    with atomic_path(Path(path)) as tmp, open(tmp, "wb") as fh:
        doc.write(fh)
    return len(sel)


__all__ = ["read_ods", "read_xlsx", "write_ods", "write_xlsx"]
