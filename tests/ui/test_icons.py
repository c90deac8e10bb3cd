"""The window and its tools show icons from resources/, with tooltips that name the shortcut."""

from __future__ import annotations

from importlib import resources

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QToolBar

from atlas.model import AtlasModel
from atlas.ui.icons import ACTION_ICONS, icon, icon_names
from atlas.ui.main_window import MainWindow


def test_every_icon_file_reads_and_every_named_icon_exists(qapp: object) -> None:
    names = icon_names()
    assert len(names) >= 40
    for name in names:
        assert not icon(name).isNull(), name
        assert not icon(name).pixmap(24, 24).isNull(), name
    assert set(ACTION_ICONS.values()) <= set(names), set(ACTION_ICONS.values()) - set(names)


def test_desktop_file_and_appstream_metadata_ship(qapp: object) -> None:
    app = resources.files("atlas.resources") / "app"
    desktop = (app / "org.kurskatlas.KurskAtlas.desktop").read_text(encoding="utf-8")
    assert "Exec=kursk-atlas" in desktop and "Icon=kursk-atlas" in desktop
    meta = (app / "org.kurskatlas.KurskAtlas.metainfo.xml").read_text(encoding="utf-8")
    assert "<id>org.kurskatlas.KurskAtlas</id>" in meta
    for size in (16, 24, 32, 48, 64, 128, 256):
        assert (app / f"kursk-atlas-{size}.png").is_file(), size


def test_window_actions_have_icons_and_shortcut_tooltips(qtbot) -> None:  # type: ignore[no-untyped-def]
    win = MainWindow(AtlasModel())
    qtbot.addWidget(win)
    assert not win.windowIcon().isNull()
    actions = {a.text(): a for a in win.findChildren(QAction) if a.text()}
    # Every action the icon table names still exists (a renamed action must keep its icon).
    missing = sorted(t for t in ACTION_ICONS if t not in actions)
    assert not missing, missing
    for text, act in actions.items():
        if text in ACTION_ICONS:
            assert not act.icon().isNull(), text
        keys = act.shortcut().toString()
        if keys and act.toolTip():
            assert f"({act.shortcut().toString(act.shortcut().SequenceFormat.NativeText)}" in act.toolTip(), (text, act.toolTip())
    # Toolbar buttons are icons, never bare text.
    toolbars = win.findChildren(QToolBar)
    assert {tb.objectName() for tb in toolbars} >= {"map_toolbar", "annotate_toolbar"}
    for tb in toolbars:
        for act in tb.actions():
            if not act.isSeparator():
                assert not act.icon().isNull(), (tb.objectName(), act.text())
    tip = actions["&Export picture…"].toolTip()
    assert tip.endswith("(Ctrl+E)"), tip
