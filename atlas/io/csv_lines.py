"""Which line of a CSV file a data row starts on, for a report read in blocks.

Arrow's block reader hands over rows, not lines: a value with a newline in it (ACLED's notes may
have one) makes the file's line numbers run ahead of its row numbers. The whole read labels its
problems with Python's ``csv`` module over the file as one string (atlas/io/csv_events.py,
``_line_labeller``); a streamed read cannot hold the file, and ``csv`` takes ~40 s over ten
million rows. Here the file is scanned in chunks with NumPy: a line break ends a record when an
even number of quote characters come before it (a doubled quote inside a quoted value counts
twice), and lines are counted as ``csv`` counts them (``\\n``, ``\\r\\n`` or a lone ``\\r``).
Blank records and the records Arrow refused as ragged (found by their text) are skipped, as the
whole read skips them.

The scan is checked against what Arrow read (its data rows and ragged rows); a file where a quote
stands inside an unquoted value can fail the check, and is then labelled by ``csv`` after all,
read line by line.
"""

from __future__ import annotations

import csv
import mmap
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import numpy.typing as npt

#: Bytes scanned at a time.
CHUNK_BYTES = 16 << 20
_NL, _CR, _QUOTE = 10, 13, 34


def data_row_lines(path: str | Path, skip: int, rows: Iterable[int], data_rows: int, ragged: list[str],
                   fields: int, delimiter: str = ",") -> tuple[dict[int, int], list[int]]:
    """({data row (0-based) → the line it starts on (1-based)} for each of ``rows``, the line of
    each of the ``ragged`` records Arrow refused, in order). ``skip``: the records before the data
    (the header's); ``data_rows``: the rows Arrow read, to check the scan; ``fields``: the header's
    number of fields (what makes a row ragged to ``csv``)."""
    want = np.unique(np.fromiter((int(r) for r in rows), np.int64))
    if not ragged and _one_line_each(Path(path), skip + data_rows):
        # Every record one line, none blank: row r is on line skip + r + 1.
        return {int(r): skip + int(r) + 1 for r in want}, []
    got = _scan(Path(path), skip, want, data_rows, [t.encode("utf-8") for t in ragged])
    if got is None:
        got = _by_csv(Path(path), skip, want, len(ragged), fields, delimiter)
    return got


def _one_line_each(path: Path, records: int) -> bool:
    """Whether the file has exactly ``records`` lines, each ended by \\n or \\r\\n (the last may
    lack it): then no value holds a line break and no line is blank, since either adds a line.
    (Byte counts only: a tenth of the full scan's time.)"""
    size = path.stat().st_size
    if not size:
        return records == 0
    nl = cr = crlf = 0
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        a = np.frombuffer(mm, np.uint8)
        for base in range(0, size, CHUNK_BYTES):
            b = a[base:base + CHUNK_BYTES + 1]  # one byte more: a \r\n across the edge
            head = b[:CHUNK_BYTES]
            nl += int(np.count_nonzero(head == _NL))
            is_cr = head == _CR
            n_cr = int(np.count_nonzero(is_cr))
            if n_cr:
                cr += n_cr
                crlf += int(np.count_nonzero(is_cr[:len(b) - 1] & (b[1:len(head) + 1] == _NL)))
        last = int(a[-1])
        del a, b, head
    # Every \r must be part of a \r\n (a lone \r is a break of its own).
    return cr == crlf and nl + (last != _NL) == records


def _scan(path: Path, skip: int, want: npt.NDArray[np.int64], data_rows: int,
          ragged: list[bytes]) -> tuple[dict[int, int], list[int]] | None:
    out: dict[int, int] = {}
    ragged_lines: list[int] = []
    size = path.stat().st_size
    quotes = breaks = record = data = 0  # all before the current chunk
    start, start_line = 0, 1  # the unfinished record: its first byte and line
    prev_byte = -1  # the last byte of the previous chunk
    pending_cr = False  # the previous chunk ended with \r: lone unless this one starts with \n
    fd = os.open(path, os.O_RDONLY)
    try:
        base = 0
        while base < size:
            buf = os.pread(fd, CHUNK_BYTES, base)
            if not buf:
                break
            b = np.frombuffer(buf, np.uint8)
            nl = np.flatnonzero(b == _NL)
            cr = np.flatnonzero(b == _CR)
            q = np.flatnonzero(b == _QUOTE)
            ends = [nl]
            if pending_cr and b[0] != _NL:
                ends.append(np.array([-1], np.int64))  # the lone \r just before this chunk
            pending_cr = False
            if len(cr):
                if cr[-1] == len(b) - 1 and base + len(b) < size:
                    pending_cr, cr = True, cr[:-1]
                if len(cr):
                    ends.append(cr[b[np.minimum(cr + 1, len(b) - 1)] != _NL] if cr[-1] < len(b) - 1
                                else np.append(cr[:-1][b[cr[:-1] + 1] != _NL], cr[-1]))
            brk = np.sort(np.concatenate(ends)) if len(ends) > 1 else nl
            # Every break is a line; a break after an even number of quotes ends a record.
            closes = ((quotes + np.searchsorted(q, brk)) & 1) == 0
            line_of = breaks + np.arange(1, len(brk) + 1)
            term, term_line = base + brk[closes], line_of[closes]
            m = len(term)
            if m:
                first = np.empty(m, np.int64)
                first[0], first[1:] = start, term[:-1] + 1
                first_line = np.empty(m, np.int64)
                first_line[0], first_line[1:] = start_line, term_line[:-1] + 1
                length = term - first
                # The byte before a \n terminator: \r for a CRLF line (it belongs to the break).
                before = term - 1 - base
                last = np.where(before >= 0, b[np.maximum(before, 0)], prev_byte)
                crlf = (last == _CR) & (b[np.maximum(term - base, 0)] == _NL) & (term >= base)
                length = length - crlf
                blank = length <= 0
                is_data = ((record + np.arange(m)) >= skip) & ~blank
                if ragged:
                    for i in np.flatnonzero(is_data).tolist():
                        if not ragged:
                            break
                        if int(length[i]) == len(ragged[0]) and os.pread(fd, int(length[i]), int(first[i])) == ragged[0]:
                            ragged.pop(0)
                            ragged_lines.append(int(first_line[i]))
                            is_data[i] = False
                d = np.flatnonzero(is_data)
                lo, hi = np.searchsorted(want, [data, data + len(d)])
                for r in want[lo:hi].tolist():
                    out[r] = int(first_line[d[r - data]])
                data += len(d)
                record += m
                start, start_line = int(term[-1]) + 1, int(term_line[-1]) + 1
            quotes += len(q)
            breaks += len(brk)
            prev_byte = int(b[-1])
            base += len(b)
        if start < size:  # the last record, without a line break after it
            tail = os.pread(fd, size - start, start)
            if record >= skip and tail:
                if ragged and tail == ragged[0]:
                    ragged.pop(0)
                    ragged_lines.append(start_line)
                else:
                    if len(want) and want[-1] == data:
                        out[data] = start_line
                    data += 1
    finally:
        os.close(fd)
    if ragged or data != data_rows:
        return None
    return out, ragged_lines


def _by_csv(path: Path, skip: int, want: npt.NDArray[np.int64], n_ragged: int, fields: int,
            delimiter: str) -> tuple[dict[int, int], list[int]]:
    """The same labels from Python's csv reader, line by line (slow, exact)."""
    out: dict[int, int] = {}
    ragged_lines: list[int] = []
    wanted = set(want.tolist())
    last = int(want[-1]) if len(want) else -1
    data = 0
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        prev_end = 0
        try:
            for i, row in enumerate(reader):
                line_start = prev_end + 1
                prev_end = reader.line_num
                if i < skip or not row:
                    continue
                if len(row) != fields:
                    ragged_lines.append(line_start)
                    continue
                if data in wanted:
                    out[data] = line_start
                data += 1
                if data > last and len(ragged_lines) >= n_ragged:
                    break
        except csv.Error:
            pass  # e.g. a field over csv's size limit: the later rows keep their row labels
    return out, ragged_lines
