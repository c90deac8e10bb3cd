"""Workspaces end to end: save and reopen every section, versions and migration, sources found by
hash (or the user asked), embedding, dirty tracking, the close question, autosave and recovery."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from atlas.model import BBox, DateRange, Selection, Text
from atlas.workspace import FORMAT, VERSION, WorkspaceError, parse_document, read_workspace
from atlas.workspace import gui as wsgui
from atlas.workspace.document import MIGRATIONS, dump_document


@pytest.fixture
def window(qtbot):
    from atlas.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1000, 700)
    return w


def _new_window(qtbot):
    from atlas.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1000, 700)
    return w


def _state(w) -> dict[str, Any]:
    return {
        "n": len(w.model.table),
        "filter": w.model.filter,
        "selection": w.model.selection,
        "time_window": w.model.time_window,
        "annotations": w.model.annotations,
        "view_state": w.model.view_state(),
        "layers": [(lyr.key, lyr.visible, lyr.opacity) for lyr in w.canvas.scene_layers.layers],
    }


def _setup_state(w, sample_file: Path) -> None:
    assert w.load_files([sample_file])
    w.model.set_filter(DateRange(dt.date(2024, 8, 1), dt.date(2025, 3, 31)) & Text("sudzha"))
    w.model.select(["T-1", "T-7"])
    w.model.set_time_window((dt.date(2024, 8, 6), dt.date(2024, 9, 30)))
    from atlas.model.annotations import Annotation

    w.model.set_annotations((Annotation(kind="text", points=((35.27, 51.19),), text="Sudzha <b>HQ</b>"),))
    # Session state goes to the model; the scene follows it (layer objects are not written to).
    w.model.set_layers(w.model.layers.with_layer("graticule", visible=False).with_layer("events", opacity=0.6))
    w.canvas.set_view_lonlat(34.8, 51.0, 35.6, 51.5)


def test_save_and_reopen_restores_every_section(window, qtbot, tmp_path: Path, sample_file: Path) -> None:
    _setup_state(window, sample_file)
    before = _state(window)
    view_before = window.canvas.map_viewport().lonlat_bounds()
    assert window.feature("workspace").dirty and window.isWindowModified()
    ws_path = tmp_path / "kursk.katlas"
    assert window.feature("workspace").save_to(ws_path)
    assert not window.feature("workspace").dirty
    assert window.windowTitle().startswith("kursk.katlas")

    doc = json.loads(ws_path.read_text(encoding="utf-8"))
    assert doc["format"] == FORMAT and doc["version"] == VERSION
    src = doc["sections"]["sources"]["files"][0]
    assert src["path"] == "sample.geojson"  # relative to the workspace
    assert len(src["sha256"]) == 64 and src["size"] == sample_file.stat().st_size
    assert doc["sections"]["filter"]["type"] == "and"

    other = _new_window(qtbot)
    assert other.feature("workspace").open(ws_path)
    assert _state(other) == before
    assert other.model.selection == Selection(frozenset({"T-1", "T-7"}), "T-7")
    got = other.canvas.map_viewport().lonlat_bounds()
    # The saved box is fitted into the other window's aspect: the centre and the box both hold.
    assert abs((got[0] + got[2]) / 2 - (view_before[0] + view_before[2]) / 2) < 0.01
    assert got[0] <= view_before[0] + 1e-3 and got[2] >= view_before[2] - 1e-3
    assert not other.feature("workspace").dirty
    assert str(ws_path.resolve()) in wsgui.recent_files()


def test_workspace_and_sources_moved_together_still_open(window, qtbot, tmp_path: Path, sample_file: Path) -> None:
    _setup_state(window, sample_file)
    assert window.feature("workspace").save_to(tmp_path / "w.katlas")
    moved = tmp_path.parent / (tmp_path.name + "-moved")
    shutil.move(str(tmp_path), str(moved))
    try:
        w2 = _new_window(qtbot)
        asked: list[str] = []
        w2.feature("workspace").resolve_source = lambda e, problem, found: asked.append(problem)  # type: ignore[method-assign]
        assert w2.feature("workspace").open(moved / "w.katlas")
        assert asked == [] and len(w2.model.table) == 8
    finally:
        shutil.rmtree(moved, ignore_errors=True)


def test_missing_source_is_never_silently_relinked(window, qtbot, tmp_path: Path, sample_file: Path) -> None:
    _setup_state(window, sample_file)
    assert window.feature("workspace").save_to(tmp_path / "w.katlas")
    renamed = sample_file.with_name("renamed.geojson")
    sample_file.rename(renamed)
    w2 = _new_window(qtbot)
    calls: list[tuple[str, Path | None]] = []

    def skip(entry: dict, problem: str, found: Path | None) -> Path | None:
        calls.append((problem, found))
        return None

    w2.feature("workspace").resolve_source = skip  # type: ignore[method-assign]
    assert w2.feature("workspace").open(tmp_path / "w.katlas")
    # The same content was found under another name and offered, but not used without a yes.
    assert calls == [("missing", renamed)]
    assert len(w2.model.table) == 0
    assert any("not found" in n and "renamed.geojson" in n for n in w2.feature("workspace").last_notes)

    w3 = _new_window(qtbot)
    w3.feature("workspace").resolve_source = lambda e, p, found: found  # type: ignore[method-assign]
    assert w3.feature("workspace").open(tmp_path / "w.katlas")
    assert len(w3.model.table) == 8 and w3.model.selection.ids == {"T-1", "T-7"}


def test_changed_source_asks(window, qtbot, tmp_path: Path, sample_file: Path) -> None:
    _setup_state(window, sample_file)
    assert window.feature("workspace").save_to(tmp_path / "w.katlas")
    doc = json.loads(sample_file.read_text(encoding="utf-8"))
    del doc["features"][0]
    sample_file.write_text(json.dumps(doc), encoding="utf-8")
    w2 = _new_window(qtbot)
    calls: list[str] = []
    w2.feature("workspace").resolve_source = lambda e, problem, found: (calls.append(problem), found)[1]  # type: ignore[method-assign]
    assert w2.feature("workspace").open(tmp_path / "w.katlas")
    assert calls == ["changed"]
    assert len(w2.model.table) == 7
    assert w2.model.selection.ids == {"T-7"}  # T-1 no longer exists: only what still does


def test_embedded_sources_open_without_the_file(window, qtbot, tmp_path: Path, sample_file: Path) -> None:
    _setup_state(window, sample_file)
    window.feature("workspace").act_embed.trigger()
    assert window.feature("workspace").embed
    ws = tmp_path / "embedded.katlas"
    assert window.feature("workspace").save_to(ws)
    entry = json.loads(ws.read_text(encoding="utf-8"))["sections"]["sources"]["files"][0]
    assert entry["encoding"] == "zlib+base64" and entry["embedded"]
    sample_file.unlink()
    w2 = _new_window(qtbot)
    w2.feature("workspace").resolve_source = lambda *a: pytest.fail("an embedded source needs no question")  # type: ignore[method-assign]
    assert w2.feature("workspace").open(ws)
    assert len(w2.model.table) == 8 and w2.feature("workspace").embed

    # A damaged embedded copy (hash mismatch) is refused with a note, not loaded.
    doc = json.loads(ws.read_text(encoding="utf-8"))
    doc["sections"]["sources"]["files"][0]["sha256"] = "0" * 64
    ws.write_text(json.dumps(doc), encoding="utf-8")
    w3 = _new_window(qtbot)
    assert w3.feature("workspace").open(ws)
    assert len(w3.model.table) == 0
    assert any("does not match its hash" in n for n in w3.feature("workspace").last_notes)


def test_newer_version_is_refused_clearly(tmp_path: Path) -> None:
    p = tmp_path / "future.katlas"
    p.write_text(json.dumps({"format": FORMAT, "version": VERSION + 1, "sections": {}}), encoding="utf-8")
    with pytest.raises(WorkspaceError) as info:
        read_workspace(p)
    msg = str(info.value)
    assert "newer Kursk Atlas" in msg and f"version {VERSION + 1}" in msg and "Update" in msg


def test_version_0_is_migrated(tmp_path: Path, sample_file: Path) -> None:
    assert 0 in MIGRATIONS
    v0 = {"format": FORMAT, "version": 0, "files": ["sample.geojson"], "filter": {"type": "text", "query": "bridge"},
          "selection": ["T-3"], "view": [34.5, 51.0, 35.5, 51.5]}
    p = sample_file.parent / "old.katlas"
    p.write_text(json.dumps(v0), encoding="utf-8")
    ws = read_workspace(p)
    assert ws.migrated and ws.read_version == 0
    assert ws.sections["sources"]["files"] == [{"path": "sample.geojson"}]
    assert ws.sections["selection"] == {"ids": ["T-3"], "current": None}
    assert ws.sections["view"] == {"lonlat": [34.5, 51.0, 35.5, 51.5]}
    # A broken v0 document is a WorkspaceError, not a crash in the migration.
    with pytest.raises(WorkspaceError, match="cannot migrate"):
        parse_document(json.dumps({**v0, "files": 3}).encode())


def test_migrated_workspace_opens_in_the_window(window, sample_file: Path) -> None:
    v0 = {"format": FORMAT, "version": 0, "files": ["sample.geojson"], "filter": {"type": "text", "query": "bridge"},
          "selection": ["T-3"]}
    p = sample_file.parent / "old.katlas"
    p.write_text(json.dumps(v0), encoding="utf-8")
    assert window.feature("workspace").open(p)
    assert window.model.filter == Text("bridge")
    assert window.model.selection.ids == {"T-3"}
    assert len(window.model.visible_rows) == 1


@pytest.mark.parametrize("raw, says", [
    (b"", "not valid JSON"),
    (b"\xff\xfe{", "not UTF-8"),
    (b"[1, 2]", "not a workspace"),
    (b'{"format": "something-else", "version": 1}', "not a Kursk Atlas workspace"),
    (b'{"format": "kursk-atlas-workspace"}', "no integer 'version'"),
    (b'{"format": "kursk-atlas-workspace", "version": true}', "no integer 'version'"),
    (b'{"format": "kursk-atlas-workspace", "version": -3}', "older than any"),
    (b'{"format": "kursk-atlas-workspace", "version": 1, "sections": []}', "'sections' is not an object"),
    (b'{"format": "kursk-atlas-workspace", "version": 1, "sections": {"filter": {"type": "x"}}}', "section 'filter' is damaged"),
    (b'{"format": "kursk-atlas-workspace", "version": 1, "sections": {"view": {"lonlat": [1, 2]}}}', "section 'view'"),
    (b'{"format": "kursk-atlas-workspace", "version": 1, "sections": {"sources": {"files": [{"path": 1}]}}}', "section 'sources'"),
    (b'{"format": "kursk-atlas-workspace", "version": 1, "sections": {"selection": {"ids": "T-1"}}}', "section 'selection'"),
    (b'{"format": "kursk-atlas-workspace", "version": 1, "sections": {"sources": {"files": [{"path": "a", "abs": "/x\\u0000y"}]}}}', "not a usable file name"),
    (b'{"format": "kursk-atlas-workspace", "version": 1, "sections": {"sources": {"files": [{"path": "\\ud800.geojson"}]}}}', "not a usable file name"),
    (b"[" * 100_000, "nested too deeply"),
    (b'{"format": "kursk-atlas-workspace", "version": ' + b"9" * 5000 + b"}", "not a readable workspace"),
])
def test_damaged_workspaces_are_workspace_errors(raw: bytes, says: str) -> None:
    with pytest.raises(WorkspaceError) as info:
        parse_document(raw, "x.katlas")
    assert says in str(info.value)
    assert str(info.value).startswith("x.katlas: ")


def test_unknown_sections_survive_a_resave(window, tmp_path: Path, sample_file: Path) -> None:
    doc = json.loads(dump_document({"sources": {"files": [{"path": "sample.geojson"}]},
                                    "a_future_feature": {"date": "2024-09-01", "opacity": 0.4}}))
    p = sample_file.parent / "future-feature.katlas"
    p.write_text(json.dumps(doc), encoding="utf-8")
    assert window.feature("workspace").open(p)
    assert window.feature("workspace").save_to(tmp_path / "again.katlas")
    again = json.loads((tmp_path / "again.katlas").read_text(encoding="utf-8"))
    assert again["sections"]["a_future_feature"] == {"date": "2024-09-01", "opacity": 0.4}


def test_failed_open_changes_nothing(window, sample_file: Path, tmp_path: Path) -> None:
    window.load_files([sample_file])
    window.model.set_filter(Text("bridge"))
    bad = tmp_path / "bad.katlas"
    bad.write_bytes(b'{"format": "kursk-atlas-workspace", "version": 1, "sections": {"filter": 7}}')
    errors: list[str] = []
    window.feature("workspace").show_error = lambda title, text, details: errors.append(text)  # type: ignore[method-assign]
    assert not window.feature("workspace").open(bad, ask=False)
    assert errors and "section 'filter' is damaged" in errors[0]
    assert window.model.filter == Text("bridge") and len(window.model.table) == 8


def test_close_with_unsaved_changes_asks(window, qtbot, sample_file: Path, tmp_path: Path) -> None:
    window.show()
    ctl = window.feature("workspace")
    ctl.confirm_close = True
    window.load_files([sample_file])
    assert ctl.dirty
    answers = ["cancel"]
    ctl.ask_save_changes = lambda: answers.pop(0)  # type: ignore[method-assign]
    assert not window.close()
    assert window.isVisible() and ctl.dirty

    answers.append("save")
    ctl.choose_save_path = lambda: tmp_path / "chosen"  # type: ignore[method-assign]
    assert window.close()
    assert (tmp_path / "chosen.katlas").is_file()
    assert read_workspace(tmp_path / "chosen.katlas").sections["sources"]["files"][0]["name"] == "sample.geojson"


def test_close_discard_and_clean_close_asks_nothing(qtbot, sample_file: Path) -> None:
    w = _new_window(qtbot)
    w.show()
    w.feature("workspace").confirm_close = True
    w.feature("workspace").ask_save_changes = lambda: pytest.fail("a clean workspace needs no question")  # type: ignore[method-assign]
    w.feature("workspace").mark_clean()
    assert w.close()
    w2 = _new_window(qtbot)
    w2.show()
    w2.feature("workspace").confirm_close = True
    w2.load_files([sample_file])
    w2.feature("workspace").ask_save_changes = lambda: "discard"  # type: ignore[method-assign]
    assert w2.close()


def test_new_asks_then_empties(window, sample_file: Path) -> None:
    window.load_files([sample_file])
    window.model.set_filter(Text("bridge"))
    window.feature("workspace").ask_save_changes = lambda: "cancel"  # type: ignore[method-assign]
    assert not window.feature("workspace").new()
    assert len(window.model.table) == 8
    window.feature("workspace").ask_save_changes = lambda: "discard"  # type: ignore[method-assign]
    assert window.feature("workspace").new()
    assert len(window.model.table) == 0 and window.feature("workspace").path is None and not window.feature("workspace").dirty


def test_crash_recovery_offers_and_restores(window, qtbot, sample_file: Path) -> None:
    _setup_state(window, sample_file)
    before = _state(window)
    rec = window.feature("workspace").write_recovery()
    assert rec is not None and rec.is_file()
    # Pretend the process that wrote it died: rename it to a pid that is not running.
    dead_pid = 2**22 + 12345
    orphan = rec.with_name(f"recovery-{dead_pid}-1.katlas")
    rec.rename(orphan)
    rec.with_suffix(".json").rename(orphan.with_suffix(".json"))
    assert orphan in wsgui.orphaned_recoveries()

    w2 = _new_window(qtbot)
    offered: list[Path] = []
    w2.feature("workspace").ask_restore_recovery = lambda p, ws: (offered.append(p), True)[1]  # type: ignore[method-assign]
    assert w2.feature("workspace").offer_recovery()
    assert offered == [orphan]
    assert _state(w2) == before
    assert w2.feature("workspace").dirty  # recovered work is unsaved until saved
    assert not orphan.exists()
    assert w2.feature("workspace").recovery_path.is_file()  # and already protected again
    w2.feature("workspace").discard_recovery()


def test_autosave_writes_only_when_dirty(window, qtbot, sample_file: Path) -> None:
    ctl = window.feature("workspace")
    ctl.mark_clean()
    ctl.discard_recovery()
    ctl.start_autosave(minutes=0.001)  # the floor is one second
    qtbot.wait(1300)
    assert not ctl.recovery_path.exists()
    window.load_files([sample_file])
    qtbot.waitUntil(ctl.recovery_path.is_file, timeout=3000)
    assert len(read_workspace(ctl.recovery_path).sections["sources"]["files"]) == 1
    ctl.autosave.stop()
    ctl.discard_recovery()


def test_exception_hook_writes_recovery_first(window, sample_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from atlas import logging_setup

    window.load_files([sample_file])
    shown: list[str] = []
    monkeypatch.setattr(logging_setup, "error_dialog", lambda parent, title, text, details="", modal=True: shown.append(details))
    try:
        raise RuntimeError("boom in a slot")
    except RuntimeError as exc:
        logging_setup.handle_exception(type(exc), exc, exc.__traceback__)
    assert window.feature("workspace").recovery_path.is_file()
    assert shown and "boom in a slot" in shown[0] and "Traceback" in shown[0]
    window.feature("workspace").discard_recovery()


def test_large_files_ask_before_loading(window, sample_file: Path) -> None:
    QSettings().setValue("limits/ask_above_mb", 0.001)  # ~1 kB
    try:
        asked: list[int] = []
        window.feature("workspace").ask_large_file = lambda p, size: (asked.append(size), False)[1]  # type: ignore[method-assign]
        assert not window.load_files([sample_file])
        assert asked == [sample_file.stat().st_size] and len(window.model.table) == 0
        window.feature("workspace").ask_large_file = lambda p, size: True  # type: ignore[method-assign]
        assert window.load_files([sample_file]) and len(window.model.table) == 8
    finally:
        QSettings().remove("limits/ask_above_mb")


def test_file_menu_actions_and_recent(window, tmp_path: Path, sample_file: Path) -> None:
    ctl = window.feature("workspace")
    texts = [a.text() for a in window.file_menu.actions()]
    for t in ("&New workspace", "Open &workspace…", "&Save workspace", "Save workspace &as…"):
        assert t in texts
    assert ctl.act_open_ws.shortcut().toString() == "Ctrl+Shift+O"
    assert ctl.act_save_as.shortcut().toString() == "Ctrl+Shift+S"
    window.load_files([sample_file])
    ctl.save_to(tmp_path / "r.katlas")
    ctl._fill_recent()
    names = [a.text() for a in ctl.recent_menu.actions()]
    assert "&1 r.katlas" in names


def test_dropping_a_workspace_opens_it(window, tmp_path: Path, sample_file: Path) -> None:
    window.load_files([sample_file])
    window.model.set_filter(BBox(34.0, 50.0, 35.0, 52.0))
    window.feature("workspace").save_to(tmp_path / "d.katlas")
    window.feature("workspace").new()
    assert window.load_files([tmp_path / "d.katlas"])  # what drag-and-drop and the CLI call
    assert window.model.filter == BBox(34.0, 50.0, 35.0, 52.0)


def test_save_error_is_reported_and_keeps_work(window, sample_file: Path, tmp_path: Path) -> None:
    window.load_files([sample_file])
    errors: list[str] = []
    window.feature("workspace").show_error = lambda title, text, details: errors.append(text)  # type: ignore[method-assign]
    assert not window.feature("workspace").save_to(tmp_path / "no-such-folder" / "x.katlas")
    assert errors and window.feature("workspace").dirty


@pytest.mark.skipif(os.name != "posix", reason="permissions")
def test_read_workspace_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="no such file"):
        read_workspace(tmp_path / "nope.katlas")
    with pytest.raises(WorkspaceError, match="is a folder"):
        read_workspace(tmp_path)


def test_bookmarks_come_back_from_the_workspace(window, qtbot, tmp_path: Path, sample_file: Path) -> None:
    store = window.feature("navigation").store
    window.load_files([sample_file])
    mine = [{"name": "Sudzha <b>bridge</b>", "lon1": 35.2, "lat1": 51.15, "lon2": 35.3, "lat2": 51.22}]
    store.replace(mine)
    assert window.feature("workspace").save_to(tmp_path / "b.katlas")
    store.replace([{"name": "Other", "lon1": 30.0, "lat1": 50.0, "lon2": 31.0, "lat2": 51.0}])  # also the QSettings copy
    w2 = _new_window(qtbot)
    assert w2.feature("workspace").open(tmp_path / "b.katlas")
    assert [b.name for b in w2.model.bookmarks] == ["Sudzha <b>bridge</b>"]
    assert not any("bookmarks" in n for n in w2.feature("workspace").last_notes)


def test_background_import_gets_the_same_admission(window, qtbot, tmp_path: Path, sample_file: Path) -> None:
    """File ▸ Open/Add events and drops go through the background importer: a dropped .katlas opens
    as a workspace, big files are asked about, and what was read is hashed for the next save."""
    window.load_files([sample_file])
    window.model.set_filter(Text("bridge"))
    assert window.feature("workspace").save_to(tmp_path / "i.katlas")
    window.feature("workspace").new()
    window.import_files([str(tmp_path / "i.katlas")])
    assert window.model.filter == Text("bridge") and len(window.model.table) == 8

    QSettings().setValue("limits/ask_above_mb", 0.001)
    try:
        window.feature("workspace").ask_large_file = lambda p, size: False  # type: ignore[method-assign]
        assert window.import_files([sample_file], append=True) is False
        assert not window.feature("import").importer.busy and len(window.model.table) == 8
    finally:
        QSettings().remove("limits/ask_above_mb")
