"""The workspace in the window: File ▸ New / Open / Save / Save As / Recent, the modified marker in
the title, autosave to a recovery file, the restore offer after a crash, the question on close,
the question before loading very large files, and the dialog for a moved or changed source.

Every question the controller asks goes through one ``ask_*`` method, so tests (and scripts) can
answer it without a modal dialog.
"""

from __future__ import annotations

import json
import logging
import os
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from atlas import APP_NAME
from atlas.logging_setup import BEFORE_ERROR_DIALOG, data_dir, error_dialog

from atlas.io.atomic import atomic_write_bytes
from .document import SUFFIX, WorkspaceError, read_workspace, write_workspace
from .sources import sha256_file
from .state import Context, capture_all, restore_all
from atlas.ui.feature import Feature

log = logging.getLogger(__name__)

MAX_RECENT = 10
DEFAULT_AUTOSAVE_MIN = 3.0
DEFAULT_ASK_ABOVE_MB = 200.0
#: Every live controller, so the exception hook can write all their recovery files.
CONTROLLERS: weakref.WeakSet[WorkspaceController] = weakref.WeakSet()
_SERIAL = 0


def recovery_dir(create: bool = True) -> Path:
    p = data_dir(create) / "recovery"
    if create:
        p.mkdir(parents=True, exist_ok=True)
    return p


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def orphaned_recoveries() -> list[Path]:
    """Recovery files left by sessions that are no longer running (a crash or a kill)."""
    out = []
    folder = recovery_dir(create=False)
    if not folder.is_dir():
        return []
    for p in sorted(folder.glob("recovery-*.katlas")):
        try:
            pid = int(p.stem.split("-")[1])
        except (ValueError, IndexError):
            continue
        if not _pid_alive(pid):
            out.append(p)
    return out


def write_all_recovery() -> None:
    for c in list(CONTROLLERS):
        c.write_recovery(force=True)


BEFORE_ERROR_DIALOG.append(write_all_recovery)


class WorkspaceController(QObject, Feature):
    """The workspace feature (``window.feature("workspace")``): File ▸ New / Open / Save, recent
    files, autosave and recovery, and the import check that opens a dropped .katlas as a workspace,
    asks before very large files and records each file's hash as it is read."""

    name = "workspace"

    def __init__(self, window: Any) -> None:
        QObject.__init__(self, window)
        self.host = window
        self.window = window
        self.model = window.model
        self.path: Path | None = None
        self.dirty = False
        self.embed = False
        self.confirm_close = False  # armed by start_session (the real app), not by tests
        self.source_hashes: dict[str, dict[str, Any]] = {}
        self.preserved: dict[str, Any] = {}
        self.last_notes: list[str] = []
        self._restoring = 0
        global _SERIAL
        _SERIAL += 1
        # One file per window and process: a second running atlas never takes this one for a crash.
        # (the folder is created on the first write: a window that never autosaves leaves no trace)
        self.recovery_path = recovery_dir(create=False) / f"recovery-{os.getpid()}-{_SERIAL}.katlas"
        window.add_import_check(self._check_files)
        self._build_actions()
        self._track_changes()
        self.autosave = QTimer(self)
        self.autosave.timeout.connect(lambda: self.write_recovery())
        window.installEventFilter(self)
        self._update_title()
        CONTROLLERS.add(self)

    # ------------------------------------------------------------------ menus
    def _build_actions(self) -> None:
        w = self.window
        self.act_new = w.action("&New workspace", QKeySequence.StandardKey.New, self.new, "Start an empty workspace")
        self.act_open_ws = w.action("Open &workspace…", "Ctrl+Shift+O", self.open_dialog, "Open a .katlas workspace")
        self.act_save = w.action("&Save workspace", QKeySequence.StandardKey.Save, self.save, "Save the workspace")
        self.act_save_as = w.action("Save workspace &as…", "Ctrl+Shift+S", self.save_as, "Save the workspace under a new name")
        self.act_embed = w.action("&Embed source data when saving", "Ctrl+Alt+E", self._toggle_embed,
                                   "Store the event files inside the workspace, so it opens anywhere")
        self.act_embed.setCheckable(True)
        self.recent_menu = QMenu("Open &recent", w)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        menu = w.menu("file")
        first = menu.actions()[0] if menu.actions() else None
        for a in (self.act_new, self.act_open_ws):
            menu.insertAction(first, a)
        menu.insertMenu(first, self.recent_menu)
        for a in (self.act_save, self.act_save_as, self.act_embed):
            menu.insertAction(first, a)
        menu.insertSeparator(first)
        self._fill_recent()

    def _toggle_embed(self, on: bool) -> None:
        if self.embed != bool(on):
            self.embed = bool(on)
            self.mark_dirty()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        paths = recent_files()
        for i, p in enumerate(paths):
            act = QAction(f"&{(i + 1) % 10} {Path(p).name}", self.recent_menu)
            act.setToolTip(p)
            act.setStatusTip(p)
            act.triggered.connect(lambda _=False, p=p: self.open(p))
            self.recent_menu.addAction(act)
        if not paths:
            empty = self.recent_menu.addAction("(no recent workspaces)")
            empty.setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear the list", lambda: (QSettings().remove("workspace/recent"), self._fill_recent()))

    # ------------------------------------------------------------------ dirty tracking
    def _track_changes(self) -> None:
        mo = self.model.metaObject()
        seen: set[str] = set()
        for i in range(mo.methodCount()):  # not methodOffset: PySide adds dynamic slots
            m = mo.method(i)
            name = bytes(m.name().data()).decode()
            # Panning is not editing: a workspace is not "modified" by looking around (the view
            # is saved with it all the same).
            if name == "view_changed":
                continue
            if m.methodType() == m.MethodType.Signal and name.endswith("_changed") and name not in seen:
                seen.add(name)
                getattr(self.model, name).connect(self.mark_dirty)

    def mark_dirty(self, *_args: object) -> None:
        if self._restoring or self.dirty:
            return
        self.dirty = True
        self._update_title()

    def mark_clean(self) -> None:
        self.dirty = False
        self._update_title()

    def _update_title(self) -> None:
        name = self.path.name if self.path else "Untitled"
        self.window.setWindowTitle(f"{name}[*] — {APP_NAME}")
        self.window.setWindowModified(self.dirty)
        self.act_embed.setChecked(self.embed)

    # ------------------------------------------------------------------ loading files
    def _check_files(self, paths: list[Path]) -> list[Path] | bool:
        """The window's import check: a workspace among the files is opened as such (and nothing
        else read); very large files only after a yes; each file's hash recorded."""
        workspaces = [p for p in paths if p.suffix.lower() == SUFFIX]
        if workspaces:
            return self.open(workspaces[0])
        return self._admit(paths)

    def load_files(self, paths: Sequence[str | Path]) -> bool:
        """Open files as the window does (workspaces as such, the size question, hashes)."""
        return bool(self.window.load_files(paths))

    def _admit(self, paths: list[Path]) -> list[Path]:
        """The files to read: very large ones only after a yes; each one's hash recorded."""
        limit = ask_above_bytes()
        keep = []
        for p in paths:
            try:
                size = p.stat().st_size
            except OSError:
                keep.append(p)  # the reader reports it properly
                continue
            if limit and size > limit and not self.ask_large_file(p, size):
                continue
            keep.append(p)
            try:
                sha, n = sha256_file(p)
                self.source_hashes[str(p.resolve())] = {"sha256": sha, "size": n}
            except OSError:
                pass
        return keep

    # ------------------------------------------------------------------ new / open / save
    def new(self) -> bool:
        if not self.maybe_save():
            return False
        from atlas.model import All, EventTable
        from atlas.model.session import LayerStack

        self._restoring += 1
        try:
            m = self.model
            m.set_table(EventTable.empty(), sources=())
            m.set_filter(All())
            m.clear_selection()
            m.set_time_window(None)
            m.set_annotations(())
            m.set_layers(LayerStack())
            self.window.canvas.show_region()
        finally:
            self._restoring -= 1
        self.path, self.preserved, self.embed = None, {}, False
        self.window.undo_stack.clear()  # undoing into the previous document is no undo
        self.mark_clean()
        return True

    def open_dialog(self) -> bool:
        if not self.maybe_save():
            return False
        path = self.choose_open_path()
        return self.open(path, ask=False) if path else False

    def open(self, path: str | Path, ask: bool = True, recovered: bool = False) -> bool:
        """Open a workspace. A file that cannot be read changes nothing and shows why."""
        if ask and not self.maybe_save():
            return False
        path = Path(path)
        try:
            ws = read_workspace(path)
        except WorkspaceError as exc:
            self.show_error("Cannot open the workspace", str(exc), "")
            if not recovered:
                forget_recent(path)
            return False
        ctx = Context(folder=ws.folder, embed=False, resolve_source=self.resolve_source,
                      source_hashes=self.source_hashes, embedded_dir=data_dir() / "embedded",
                      load_events=lambda paths: bool(self.window.load_files(paths)),
                      open_store=self._store_opener())
        self._restoring += 1
        try:
            notes = restore_all(self.model, ws.sections, ctx)
        finally:
            self._restoring -= 1
        self.embed = ctx.embed
        self.preserved = dict(ws.sections)
        self.window.undo_stack.clear()  # the steps before belong to the document that was replaced
        self.last_notes = list(notes)
        if not recovered:
            self.path = ws.path
            add_recent(ws.path)
            self.mark_clean()
        if ws.migrated:
            notes.insert(0, f"Migrated from workspace version {ws.read_version}; saving writes the current version.")
        if notes:
            self.show_notes("Workspace opened with notes", notes)
        self.window.statusBar().showMessage("Restored the unsaved work of the last session" if recovered else f"Opened {path.name}", 8000)
        return True

    def _store_opener(self) -> Callable[[str], str | None] | None:
        """The window's way of opening a shared store (None: a window without the database feature)."""
        feature = self.window.feature("database") if hasattr(self.window, "feature") else None
        return getattr(feature, "open_database", None)

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        path = self.choose_save_path()
        if path is None:
            return False
        if path.suffix.lower() != SUFFIX:
            path = path.with_name(path.name + SUFFIX)
        return self.save_to(path)

    def capture(self, folder: Path | None) -> tuple[dict[str, Any], list[str]]:
        ctx = Context(folder=folder, embed=self.embed, source_hashes=self.source_hashes)
        sections = capture_all(self.model, ctx, self.preserved)
        return sections, ctx.notes

    def save_to(self, path: str | Path) -> bool:
        path = Path(path).resolve()
        try:
            sections, notes = self.capture(path.parent)
            write_workspace(path, sections)
        except OSError as exc:
            self.show_error("Cannot save the workspace", f"{path}: {exc.strerror or exc}", "")
            return False
        self.path = path
        self.preserved = {k: v for k, v in self.preserved.items() if k not in sections} | sections
        add_recent(path)
        self.mark_clean()
        self.discard_recovery()
        self.last_notes = notes
        if notes:
            self.show_notes("Workspace saved with notes", notes)
        self.window.statusBar().showMessage(f"Saved {path.name}", 5000)
        return True

    def maybe_save(self) -> bool:
        """True when it is fine to drop the current state (saved, discarded or clean)."""
        if not self.dirty:
            return True
        answer = self.ask_save_changes()
        if answer == "save":
            return self.save()
        return answer == "discard"

    # ------------------------------------------------------------------ recovery
    def start_autosave(self, minutes: float | None = None) -> None:
        if minutes is None:
            try:
                minutes = float(QSettings().value("workspace/autosave_minutes", DEFAULT_AUTOSAVE_MIN))
            except (TypeError, ValueError):
                minutes = DEFAULT_AUTOSAVE_MIN
        if minutes > 0:
            self.autosave.start(max(1000, int(minutes * 60_000)))

    def write_recovery(self, force: bool = False) -> Path | None:
        """Write the unsaved state to the recovery file (only when dirty, unless forced)."""
        if not (self.dirty or force):
            return None
        try:
            sections, _notes = self.capture(None)  # absolute paths: the recovery folder is elsewhere
            self.recovery_path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(self.recovery_path.with_suffix(".json"), json.dumps(
                {"workspace": str(self.path) if self.path else None}).encode())
            write_workspace(self.recovery_path, sections)
        except Exception:
            log.exception("could not write the recovery file %s", self.recovery_path)
            return None
        return self.recovery_path

    def discard_recovery(self) -> None:
        for p in (self.recovery_path, self.recovery_path.with_suffix(".json")):
            try:
                p.unlink()
            except FileNotFoundError:
                pass
            except OSError:
                log.warning("could not remove %s", p)

    def offer_recovery(self) -> bool:
        """After a crash: offer the newest orphaned recovery file. True when one was restored."""
        found = orphaned_recoveries()
        if not found:
            return False
        newest = max(found, key=lambda p: p.stat().st_mtime)
        meta: dict[str, Any] = {}
        try:
            meta = json.loads(newest.with_suffix(".json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
        restored = False
        if self.ask_restore_recovery(newest, meta.get("workspace") if isinstance(meta, dict) else None):
            restored = self.open(newest, ask=False, recovered=True)
            if restored:
                orig = meta.get("workspace") if isinstance(meta, dict) else None
                self.path = Path(orig) if isinstance(orig, str) and orig else None
                self.dirty = False
                self.mark_dirty()  # recovered work is unsaved until the user saves it
                self.write_recovery()
        for p in found:
            for q in (p, p.with_suffix(".json")):
                try:
                    q.unlink()
                except OSError:
                    pass
        return restored

    # ------------------------------------------------------------------ closing
    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:  # noqa: N802
        if obj is self.window and ev.type() == QEvent.Type.Close:
            if self.confirm_close and self.dirty and not self.maybe_save():
                ev.ignore()
                return True
            self.autosave.stop()
            self.discard_recovery()
        return False

    # ------------------------------------------------------------------ questions (tests override these)
    def ask_save_changes(self) -> str:
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Unsaved changes")
        box.setTextFormat(Qt.TextFormat.PlainText)
        name = self.path.name if self.path else "The workspace"
        box.setText(f"{name} has unsaved changes. Save them?")
        box.setStandardButtons(QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        res = box.exec()
        return {QMessageBox.StandardButton.Save: "save", QMessageBox.StandardButton.Discard: "discard"}.get(
            QMessageBox.StandardButton(res), "cancel")

    def ask_restore_recovery(self, path: Path, workspace: str | None) -> bool:
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Restore unsaved work?")
        box.setTextFormat(Qt.TextFormat.PlainText)
        what = f"of {Path(workspace).name} " if workspace else ""
        box.setText(f"Kursk Atlas did not close properly last time. Unsaved work {what}was recovered. Restore it?")
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Discard)
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        return box.exec() == QMessageBox.StandardButton.Yes

    def ask_large_file(self, path: Path, size: int) -> bool:
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Large file")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(f"{path.name} is {size / 2**20:,.0f} MB. Loading it may take a while and use a lot of memory. Load it?")
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes

    def resolve_source(self, entry: dict[str, Any], problem: str, found: Path | None) -> Path | None:
        """Ask what to do about a missing or changed source; never relinks on its own."""
        name = entry.get("name") or entry.get("bundled") or entry.get("path")
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setWindowTitle("Source file " + ("changed" if problem == "changed" else "not found"))
        if problem == "changed":
            text = (f"{name} has changed since the workspace was saved (its content differs): the events, "
                    f"and so the selection and counts, may differ from what was saved.\n\n{found}")
            use = box.addButton("Load the changed file", QMessageBox.ButtonRole.AcceptRole)
        else:
            text = f"{name} was not found where the workspace expects it ({entry.get('path') or entry.get('abs')})."
            use = None
            if found is not None:
                text += f"\n\nA file with exactly the same content is at:\n{found}"
                use = box.addButton("Use that file", QMessageBox.ButtonRole.AcceptRole)
        box.setText(text)
        locate = box.addButton("Locate…", QMessageBox.ButtonRole.ActionRole)
        box.addButton("Skip it", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        clicked = box.clickedButton()
        if use is not None and clicked is use:
            return found
        if clicked is locate:
            chosen, _ = QFileDialog.getOpenFileName(self.window, f"Locate {name}", str(found.parent if found else Path.home()))
            if not chosen:
                return None
            if entry.get("sha256") and sha256_file(chosen)[0] != entry["sha256"]:
                ok = QMessageBox.question(self.window, "Different file",
                                          f"{Path(chosen).name} does not hold the same content as the saved source. Use it anyway?")
                if ok != QMessageBox.StandardButton.Yes:
                    return None
            return Path(chosen)
        return None

    def choose_open_path(self) -> Path | None:
        start = QSettings().value("paths/last_workspace_dir", str(Path.home()))
        p, _ = QFileDialog.getOpenFileName(self.window, "Open workspace", str(start), f"Kursk Atlas workspaces (*{SUFFIX});;All files (*)")
        if p:
            QSettings().setValue("paths/last_workspace_dir", str(Path(p).parent))
        return Path(p) if p else None

    def choose_save_path(self) -> Path | None:
        start = str(self.path) if self.path else str(Path(QSettings().value("paths/last_workspace_dir", str(Path.home()))) / f"Untitled{SUFFIX}")
        p, _ = QFileDialog.getSaveFileName(self.window, "Save workspace", start, f"Kursk Atlas workspaces (*{SUFFIX})")
        if p:
            QSettings().setValue("paths/last_workspace_dir", str(Path(p).parent))
        return Path(p) if p else None

    def show_error(self, title: str, text: str, details: str) -> None:
        log.warning("%s: %s", title, text)
        error_dialog(self.window, title, text, details, modal=False)

    def show_notes(self, title: str, notes: list[str]) -> None:
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle(title)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText("\n".join(notes[:12]) + (f"\n… and {len(notes) - 12} more" if len(notes) > 12 else ""))
        box.setModal(False)
        box.show()


# ---------------------------------------------------------------------------- settings helpers
def recent_files() -> list[str]:
    v = QSettings().value("workspace/recent", [])
    if isinstance(v, str):
        v = [v]
    return [str(p) for p in (v or []) if isinstance(p, str)][:MAX_RECENT]


def add_recent(path: Path | str) -> None:
    p = str(Path(path).resolve())
    items = [p] + [x for x in recent_files() if x != p]
    QSettings().setValue("workspace/recent", items[:MAX_RECENT])


def forget_recent(path: Path | str) -> None:
    p = str(Path(path).resolve())
    QSettings().setValue("workspace/recent", [x for x in recent_files() if x != p])


def ask_above_bytes() -> int:
    """Files above this many bytes are loaded only after the user agrees (0: never ask)."""
    try:
        mb = float(QSettings().value("limits/ask_above_mb", DEFAULT_ASK_ABOVE_MB))
    except (TypeError, ValueError):
        mb = DEFAULT_ASK_ABOVE_MB
    return int(mb * 2**20) if mb > 0 else 0


def start_session(window: Any, files: Sequence[str], bundled: bool = True) -> None:
    """The real app's start: arm the close question and autosave, offer a crash recovery, then open
    the workspace or files given on the command line (or the bundled dataset, unless not
    ``bundled``: a start on a database shows the store's events instead)."""
    ctl = window.feature("workspace")
    assert isinstance(ctl, WorkspaceController), "the window has no workspace feature"
    ctl.confirm_close = True
    restored = ctl.offer_recovery()
    if not restored:
        if files:
            window.load_files(files)
        elif bundled:
            window.load_bundled()
        if not any(Path(f).suffix.lower() == SUFFIX for f in files):
            ctl.mark_clean()  # what the app opened by itself is not unsaved work
    ctl.start_autosave()
