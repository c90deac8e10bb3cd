"""The list's scroll bar can be dragged anywhere in a store's list: the list has the server's count
of rows (a quick estimate first, the exact count later), and the rows at an arbitrary position are
read with one seek (an OFFSET over the keys alone, then keyset pages on from there); a jump to row
N shows the same rows as scrolling there page by page (a real server)."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from atlas.model import AtlasModel, Categories, DateRange


def _ids(model: AtlasModel) -> list[str]:
    return [str(model.table.ids[r]) for r in model.list_rows]


@pytest.mark.parametrize("flt", [None, Categories("event_type", {"Battles", "Riots"})
                                 & DateRange(dt.date(2024, 9, 1), dt.date(2025, 3, 31))])
def test_a_jump_to_row_n_reads_the_rows_scrolling_there_reads(synthetic, flt):
    from atlas.db.remote import PostgresEvents
    from atlas.model import All

    flt = All() if flt is None else flt
    scrolled, jumped = AtlasModel(), AtlasModel()
    a, b = PostgresEvents(synthetic, page_size=100), PostgresEvents(synthetic, page_size=100)
    scrolled.set_remote(a)
    jumped.set_remote(b)
    scrolled.set_filter(flt)
    jumped.set_filter(flt)
    while scrolled.fetch_more():
        pass
    whole = _ids(scrolled)
    assert len(whole) > 250  # a jump two thirds down, a page up from it and two down fit
    n = len(whole) * 2 // 3 + 7
    assert jumped.jump_to(n) and jumped.list_start == n
    assert _ids(jumped) == whole[n:n + 100]
    assert len(jumped.table) < 250  # one page (and the first screen), nothing before it read
    assert jumped.fetch_before() == 100 and jumped.list_start == n - 100  # scrolling up from there
    jumped.fetch_more()  # and down
    assert _ids(jumped) == whole[n - 100:n + 200]
    assert not jumped.jump_to(len(whole) + 5)  # past the end: nothing, the list as it was
    assert _ids(jumped) == whole[n - 100:n + 200]
    assert jumped.jump_to(0) and _ids(jumped) == whole[:100]
    # With a directory of every 37th key (built with the totals of a long list), a jump walks at
    # most 37 rows from the nearest key: the same rows.
    from atlas.db.pager import KeysetPager

    b.directory = KeysetPager(b.conn, flt).directory(37)
    assert len(b.directory.keys) == -(-len(whole) // 37)
    assert [k.event_id for k in b.directory.keys] == whole[::37]
    for m in (0, 36, 37, 38, n, len(whole) - 1):
        assert jumped.jump_to(m) and _ids(jumped) == whole[m:m + 100], m
    assert not jumped.jump_to(len(whole) + 40)
    a.close()
    b.close()


def test_the_window_builds_a_key_directory_with_the_totals_of_a_long_list(window, synthetic, monkeypatch):
    from atlas.db import remote

    monkeypatch.setattr(remote, "DIRECTORY_MIN_ROWS", 1000)
    monkeypatch.setattr(remote, "DIRECTORY_KEYS", 10)
    feature = window.feature("database")
    assert feature.open_database(synthetic) is None
    assert feature.wait_for_aggregates()
    directory = feature.store.directory
    assert directory is not None and directory.filter == window.model.filter
    assert directory.every == 150 and len(directory.keys) == 10


def test_the_list_has_the_servers_count_and_its_scroll_bar_jumps(window, synthetic, qtbot):
    from PySide6.QtWidgets import QAbstractItemView

    feature = window.feature("database")
    assert feature.open_database(synthetic) is None
    model, lst, view = window.model, window.event_list.table_model, window.event_list.view
    # The estimate (exact in a small store) arrives before the totals: the list spans it.
    qtbot.waitUntil(lambda: model.list_total == 1500, timeout=20000)
    qtbot.waitUntil(lambda: lst.rowCount() == 1500, timeout=5000)
    assert len(lst.order) == 200  # one page read
    with psycopg.connect(synthetic) as conn:
        from atlas.db import pager

        whole = [str(i) for i in pager.KeysetPager(conn, model.filter, 1500).first().ids]
    # Drag the scroll bar to row 1,000 (scrolling is per row: the bar's value is the top row).
    assert view.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerItem
    view.verticalScrollBar().setValue(1000)
    qtbot.waitUntil(lambda: lst.is_read(1000) and lst.is_read(view.rowAt(view.viewport().height() - 2)),
                    timeout=10000)
    top = view.rowAt(0)
    assert top == 1000
    shown = [str(model.table.ids[lst.row_at(p)]) for p in range(top, top + 20)]
    assert shown == whole[1000:1020]  # the rows scrolling there shows
    assert lst.index(1005, 2).data() == model.table.value("title", model.table.index_of(whole[1005]))
    assert lst.base >= 800 and len(lst.order) <= 400  # the rows in between were not read
    # A few rows up: the page before is read, the same rows as scrolling.
    view.verticalScrollBar().setValue(990)
    qtbot.waitUntil(lambda: lst.is_read(990), timeout=10000)
    assert [str(model.table.ids[lst.row_at(p)]) for p in range(990, 1000)] == whole[990:1000]
    # Selecting a row there selects that event.
    view.selectRow(995)
    assert model.current_id == whole[995]
    assert lst.rowCount() == 1500
