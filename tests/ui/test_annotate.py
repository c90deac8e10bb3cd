"""Annotation tools fed synthetic gestures, the panel, undo/redo, and the export dialog."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QKeyEvent

from atlas.geo.projection import geodesic_distance_m
from atlas.map.annotate_tools import TOOLS
from atlas.model import AtlasModel
from atlas.model.annotations import Annotation, AnnotationStyle
from atlas.ui.main_window import MainWindow

SUDZHA = (35.2706, 51.1914)


class FakeEv:
    """Just enough of pyqtgraph's MouseClickEvent / MouseDragEvent for the tools."""

    def __init__(self, canvas, pos: tuple[float, float], start: tuple[float, float] | None = None,
                 kind: str = "click", double: bool = False, button=Qt.MouseButton.LeftButton) -> None:
        self.canvas = canvas
        self._pos = pos
        self._start = start or pos
        self._kind = kind
        self._double = double
        self._button = button
        self.accepted = False

    def _scene(self, xy: tuple[float, float]) -> QPointF:
        return QPointF(self.canvas.mapToScene(QPoint(round(xy[0]), round(xy[1]))))

    def scenePos(self) -> QPointF:  # noqa: N802
        return self._scene(self._pos)

    def buttonDownScenePos(self) -> QPointF:  # noqa: N802
        return self._scene(self._start)

    def button(self):
        return self._button

    def modifiers(self):
        return Qt.KeyboardModifier.NoModifier

    def double(self) -> bool:
        return self._double

    def isStart(self) -> bool:  # noqa: N802
        return self._kind == "start"

    def isFinish(self) -> bool:  # noqa: N802
        return self._kind == "finish"

    def accept(self) -> None:
        self.accepted = True


def drag(tool, canvas, a: tuple[float, float], b: tuple[float, float], steps: int = 4) -> None:
    pts = [(a[0] + (b[0] - a[0]) * i / steps, a[1] + (b[1] - a[1]) * i / steps) for i in range(1, steps + 1)]
    tool.drag(canvas, FakeEv(canvas, pts[0], a, "start"))
    for p in pts[1:-1]:
        tool.drag(canvas, FakeEv(canvas, p, a, "move"))
    tool.drag(canvas, FakeEv(canvas, pts[-1], a, "finish"))


def key(k, mods=Qt.KeyboardModifier.NoModifier) -> QKeyEvent:
    return QKeyEvent(QEvent.Type.KeyPress, k, mods)


@pytest.fixture
def win(qtbot, sample_table):
    w = MainWindow(AtlasModel(sample_table))
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    w.canvas.set_view_lonlat(34.8, 50.95, 35.75, 51.45)
    qtbot.wait(20)
    inst = w.feature("annotations")
    inst.controller.ask_text = lambda kind, default: f"{kind} label"
    inst.controller.ask_radius = lambda default: 10.0
    yield w
    # Windows save their dock layout on close; later tests must not start from this one's.
    from PySide6.QtCore import QSettings

    w.close()
    QSettings().remove("window")


def px_of(win, lon: float, lat: float) -> tuple[float, float]:
    (x,), (y,) = win.canvas.map_viewport().lonlat_to_px([lon], [lat])
    return float(x), float(y)


def lonlat_of(win, x: float, y: float) -> tuple[float, float]:
    lon, lat = win.canvas.map_viewport().px_to_lonlat([x], [y])
    return float(lon[0]), float(lat[0])


def test_every_tool_creates_its_annotation_from_gestures(win) -> None:
    c, inst, m = win.canvas, win.feature("annotations"), win.model
    ctl = inst.controller
    sx, sy = px_of(win, *SUDZHA)
    made = []

    def last():
        made.append(m.annotations[-1])
        return m.annotations[-1]

    TOOLS["text"](ctl).click(c, FakeEv(c, (sx, sy)))
    a = last()
    assert a.kind == "text" and a.text == "text label" and a.points[0] == pytest.approx(lonlat_of(win, round(sx), round(sy)), abs=1e-9)

    TOOLS["marker"](ctl).click(c, FakeEv(c, (sx + 40, sy)))
    assert last().kind == "marker"

    TOOLS["ring"](ctl).click(c, FakeEv(c, (sx, sy)))
    a = last()
    assert a.kind == "ring" and a.radius_km == 10.0
    ring_tool = TOOLS["ring"](ctl)
    drag(ring_tool, c, (sx, sy), (sx + 100, sy))
    a = last()
    lon0, lat0 = lonlat_of(win, round(sx), round(sy))
    lon1, lat1 = lonlat_of(win, round(sx + 100), round(sy))
    assert a.radius_km == pytest.approx(geodesic_distance_m(lon0, lat0, lon1, lat1) / 1000, abs=0.06)

    arrow = TOOLS["curved_arrow"](ctl)
    for i, (dx, dy) in enumerate([(-200, 150), (-100, 60), (0, 0)]):
        arrow.click(c, FakeEv(c, (sx + dx, sy + dy)))
    arrow.click(c, FakeEv(c, (sx, sy), double=True))
    a = last()
    assert a.kind == "arrow" and a.curved and len(a.points) == 3

    straight = TOOLS["arrow"](ctl)
    drag(straight, c, (sx - 150, sy + 150), (sx - 20, sy + 20))
    a = last()
    assert a.kind == "arrow" and not a.curved and len(a.points) == 2

    front = TOOLS["frontline"](ctl)
    for dx in (-200, -50, 100, 250):
        front.click(c, FakeEv(c, (sx + dx, sy - 100 + abs(dx) / 5)))
    front.key(c, key(Qt.Key.Key_Backspace))  # drop the last point
    front.key(c, key(Qt.Key.Key_Return))
    a = last()
    assert a.kind == "frontline" and len(a.points) == 3

    poly = TOOLS["polygon"](ctl)
    for dx, dy in ((0, 0), (100, 0), (100, 100), (0, 100)):
        poly.click(c, FakeEv(c, (sx + dx, sy + dy)))
    poly.click(c, FakeEv(c, (sx, sy + 100), double=True))
    a = last()
    assert a.kind == "polygon" and len(a.points) == 4 and a.show_area and a.area_km2() > 1

    free = TOOLS["freehand"](ctl)
    free.drag(c, FakeEv(c, (sx + 1, sy + 1), (sx, sy), "start"))
    for i in range(2, 60):
        free.drag(c, FakeEv(c, (sx + i * 3, sy + 20 * np.sin(i / 6)), (sx, sy), "move"))
    free.drag(c, FakeEv(c, (sx + 180, sy), (sx, sy), "finish"))
    a = last()
    assert a.kind == "freehand" and 3 <= len(a.points) < 40  # simplified, still a curve

    callout = TOOLS["callout"](ctl)
    drag(callout, c, (sx, sy), (sx + 120, sy - 120))
    a = last()
    assert a.kind == "callout" and a.text == "callout label"
    assert a.points[0] == pytest.approx(lonlat_of(win, round(sx), round(sy)), abs=1e-9)

    assert len(m.annotations) == 10
    assert inst.undo_stack.count() == 10
    assert inst.panel.list_model.rowCount() == 10


def test_escape_cancels_a_shape_being_drawn(win) -> None:
    c, ctl, m = win.canvas, win.feature("annotations").controller, win.model
    tool = TOOLS["arrow"](ctl)
    tool.click(c, FakeEv(c, (300, 300)))
    tool.click(c, FakeEv(c, (400, 350)))
    assert tool.key(c, key(Qt.Key.Key_Escape))
    tool.key(c, key(Qt.Key.Key_Return))
    assert m.annotations == ()
    assert ctl.overlay.draft is None


def test_undo_redo_with_the_window_actions(win) -> None:
    c, inst, m = win.canvas, win.feature("annotations"), win.model
    TOOLS["ring"](inst.controller).click(c, FakeEv(c, px_of(win, *SUDZHA)))
    assert len(m.annotations) == 1
    assert inst.act_undo.shortcut().toString() == "Ctrl+Z"
    assert "Ctrl+Shift+Z" in [s.toString() for s in inst.act_redo.shortcuts()]
    inst.act_undo.trigger()
    assert m.annotations == ()
    inst.act_redo.trigger()
    assert len(m.annotations) == 1 and m.annotations[0].kind == "ring"


def test_edit_tool_moves_reshapes_deletes_and_duplicates(win) -> None:
    c, inst, m = win.canvas, win.feature("annotations"), win.model
    a = Annotation("arrow", ((35.0, 51.1), (35.25, 51.18)), style=AnnotationStyle(width=5), id="ax")
    inst.push(__import__("atlas.model.annotations", fromlist=["cmd_add"]).cmd_add(m.annotations, [a]))
    edit = TOOLS["edit"](inst.controller)
    c.set_tool(edit)
    (x0, x1), (y0, y1) = zip(px_of(win, *a.points[0]), px_of(win, *a.points[1]))
    mid = ((x0 + x1) / 2, (y0 + y1) / 2)
    edit.click(c, FakeEv(c, mid))
    assert m.current_annotation == "ax"
    # Drag the body 50 px right: one undoable move.
    drag(edit, c, mid, (mid[0] + 50, mid[1]))
    moved = m.annotation("ax")
    assert px_of(win, *moved.points[0])[0] == pytest.approx(x0 + 50, abs=1.5)
    before_count = inst.undo_stack.count()
    # Drag the head handle somewhere else: a reshape, the tail stays.
    hx, hy = px_of(win, *moved.points[1])
    drag(edit, c, (hx, hy), (hx, hy - 80))
    reshaped = m.annotation("ax")
    assert reshaped.points[0] == moved.points[0]
    assert px_of(win, *reshaped.points[1])[1] == pytest.approx(hy - 80, abs=1.5)
    assert inst.undo_stack.count() == before_count + 1
    inst.undo_stack.undo()
    inst.undo_stack.undo()
    assert m.annotation("ax") == a
    # Esc during a drag puts it back, with nothing on the undo stack.
    n = inst.undo_stack.count()
    edit.drag(c, FakeEv(c, (mid[0] + 5, mid[1]), mid, "start"))
    edit.drag(c, FakeEv(c, (mid[0] + 90, mid[1]), mid, "move"))
    assert m.annotation("ax") != a
    edit.key(c, key(Qt.Key.Key_Escape))
    assert m.annotation("ax") == a and inst.undo_stack.count() == n
    # Ctrl+D duplicates, Delete deletes, both undoable.
    m.set_current_annotation("ax")
    edit.key(c, key(Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier))
    assert len(m.annotations) == 2
    edit.key(c, key(Qt.Key.Key_Delete))
    assert len(m.annotations) == 1
    inst.undo_stack.undo()
    inst.undo_stack.undo()
    assert m.annotations == (a,)
    # A drag that starts on empty map pans (the tool declines it).
    assert edit.drag(c, FakeEv(c, (5, 5), (3, 3), "start")) is False


def test_panel_buttons_and_style_edit(win) -> None:
    inst, m = win.feature("annotations"), win.model
    ring = Annotation("ring", (SUDZHA,), radius_km=10, id="r1")
    inst.push(__import__("atlas.model.annotations", fromlist=["cmd_add"]).cmd_add(m.annotations, [ring]))
    panel = inst.panel
    panel.view.setCurrentIndex(panel.list_model.index(0))
    assert m.current_annotation == "r1"
    assert "Distance ring 10 km" in panel.list_model.index(0).data()
    panel.duplicate_button.click()
    assert len(m.annotations) == 2
    from atlas.ui.annotations_panel import AnnotationDialog

    dlg = AnnotationDialog(m.annotation("r1"))
    dlg.text.setText("Sudzha 10 km")
    dlg.radius.setValue(15)
    dlg.date_from.setText("2024-08-06")
    new = dlg.result_annotation()
    assert new.radius_km == 15 and new.text == "Sudzha 10 km" and str(new.date_from) == "2024-08-06"
    dlg.date_to.setText("not a date")
    with pytest.raises(ValueError, match="not a date"):
        dlg.result_annotation()
    m.set_current_annotation("r1")
    panel.delete_button.click()
    assert [a.id for a in m.annotations] != ["r1"] and m.annotation("r1") is None
    inst.undo_stack.undo()
    assert m.annotation("r1") is not None


def test_annotations_are_drawn_on_the_canvas(win, qtbot) -> None:
    inst, m = win.feature("annotations"), win.model
    ring = Annotation("ring", (SUDZHA,), radius_km=10, style=AnnotationStyle(colour="#ff00ff", width=5, fill_opacity=0))
    inst.push(__import__("atlas.model.annotations", fromlist=["cmd_add"]).cmd_add(m.annotations, [ring]))
    qtbot.wait(30)
    img = win.canvas.grab_map().convertToFormat(QImage.Format.Format_RGB32)
    dpr = img.devicePixelRatio()
    magenta = 0
    for x in range(0, img.width(), 2):
        for y in range(0, img.height(), 2):
            c = QColor(img.pixel(x, y))
            magenta += c.red() > 200 and c.blue() > 200 and c.green() < 80
    assert magenta > 30
    assert dpr >= 1


def test_export_dialog_writes_what_it_previews(win, tmp_path: Path) -> None:
    from atlas.render.page import render_page
    from atlas.ui.export_dialog import ExportDialog

    inst = win.feature("annotations")
    inst.push(__import__("atlas.model.annotations", fromlist=["cmd_add"]).cmd_add(
        win.model.annotations, [Annotation("ring", (SUDZHA,), radius_km=10, text="Ring")]))
    dlg = ExportDialog(win)
    dlg.preset.setCurrentText("Custom")
    dlg.width_spin.setValue(800)
    dlg.height_spin.setValue(500)
    dlg.dpi.setValue(96)
    dlg.title.setText("Dialog export")
    dlg.banner.setText("FOR TRAINING")
    out = tmp_path / "d.png"
    dlg.export_to(out)
    img = QImage(str(out))
    assert (img.width(), img.height()) == (800, 500)
    ref, _ = render_page(dlg.spec(), win.canvas.scene_layers, win.model, dlg.view)
    assert img.convertToFormat(ref.format()) == ref
    preview = dlg.preview_image()
    assert abs(preview.width() / preview.height() - 800 / 500) < 0.02
    dlg.preset.setCurrentText("Paper: A4")
    dlg.dpi.setValue(300)
    assert (dlg.spec().width, dlg.spec().height) == (3508, 2480)
    dlg.format.setCurrentText("PDF")
    dlg.dpi.setValue(72)
    dlg.export_to(tmp_path / "d.pdf")
    assert (tmp_path / "d.pdf").read_bytes().startswith(b"%PDF")
    dlg.close()


def test_copy_picture_puts_the_decorated_view_on_the_clipboard(win) -> None:
    from PySide6.QtGui import QGuiApplication

    win.feature("export").act_copy_picture.trigger()
    img = QGuiApplication.clipboard().image()
    vp = win.canvas.map_viewport()
    assert (img.width(), img.height()) == (vp.width, vp.height)


def test_import_annotations_file_is_one_undo_step(win, tmp_path: Path) -> None:
    from atlas.io.annotations_io import write_annotations

    p = tmp_path / "a.geojson"
    write_annotations(p, [Annotation("ring", (SUDZHA,), radius_km=10), Annotation("text", (SUDZHA,), text="x")])
    summary = win.feature("annotations").import_file(p)
    assert "2 of 2" in summary and len(win.model.annotations) == 2
    win.feature("annotations").import_file(p)  # same ids again: copies, not a crash
    assert len(win.model.annotations) == 4
    win.feature("annotations").undo_stack.undo()
    win.feature("annotations").undo_stack.undo()
    assert win.model.annotations == ()


def test_annotations_replaced_from_outside_clear_the_undo_history(win) -> None:
    inst, m = win.feature("annotations"), win.model
    TOOLS["ring"](inst.controller).click(win.canvas, FakeEv(win.canvas, px_of(win, *SUDZHA)))
    assert inst.undo_stack.count() == 1
    # e.g. File ▸ Open workspace restores another document's annotations
    m.set_annotations((Annotation("text", (SUDZHA,), text="from a workspace"),))
    assert inst.undo_stack.count() == 0 and not inst.act_undo.isEnabled()
    assert [a.text for a in m.annotations] == ["from a workspace"]


def test_real_key_presses_reach_the_tool_not_the_window_shortcuts(win, qtbot) -> None:
    """Esc is also the window's "Clear selection": while drawing it must cancel the shape."""
    c, inst, m = win.canvas, win.feature("annotations"), win.model
    m.set_current("T-1")
    inst.use_tool("arrow")
    c.setFocus()
    tool = c.tool
    tool.click(c, FakeEv(c, (300, 300)))
    tool.click(c, FakeEv(c, (420, 330)))
    qtbot.keyClick(c, Qt.Key.Key_Escape)
    assert tool.points == [] and m.annotations == ()
    assert m.current_id == "T-1"  # the event selection was not cleared by that Esc
    tool.click(c, FakeEv(c, (300, 300)))
    tool.click(c, FakeEv(c, (420, 330)))
    qtbot.keyClick(c, Qt.Key.Key_Return)
    assert len(m.annotations) == 1
    inst.use_tool("edit")
    m.set_current_annotation(m.annotations[0].id)
    qtbot.keyClick(c, Qt.Key.Key_Delete)
    assert m.annotations == ()
    qtbot.keyClick(c, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(m.annotations) == 1
    inst.use_tool(None)  # back to picking events: Esc clears the selection again
    qtbot.keyClick(c, Qt.Key.Key_Escape)
    assert m.current_id is None
