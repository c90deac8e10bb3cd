"""Dark theme: check boxes (widgets and list items) stand out from the window; the timeline's
hint says what fits at 1280 px instead of being cut."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontMetrics, QImage, QPalette
from PySide6.QtWidgets import QCheckBox, QListWidget, QListWidgetItem, QStyleFactory

from atlas.model import AtlasModel
from atlas.ui.fitting_label import FittingLabel
from atlas.ui.window_theme import DarkIndicatorStyle, dark_palette


def max_contrast(img: QImage, x0: int, y0: int, x1: int, y1: int, against: QColor) -> int:
    """The largest lightness difference from ``against`` in a block of pixels."""
    best = 0
    for y in range(y0, min(y1, img.height())):
        for x in range(x0, min(x1, img.width())):
            best = max(best, abs(QColor(img.pixel(x, y)).lightness() - against.lightness()))
    return best


def test_dark_check_boxes_have_a_visible_edge(qtbot) -> None:
    pal = dark_palette()
    window = pal.color(QPalette.ColorRole.Window)
    base = pal.color(QPalette.ColorRole.Base)
    fusion = QStyleFactory.create("Fusion")
    style = DarkIndicatorStyle(QStyleFactory.create("Fusion"))
    found = {}
    for name, st in (("fusion", fusion), ("dark", style)):
        box = QCheckBox("Dates")
        box.setStyle(st)
        box.setPalette(pal)
        box.setAutoFillBackground(True)
        qtbot.addWidget(box)
        box.resize(120, 24)
        from PySide6.QtWidgets import QStyle, QStyleOptionButton

        opt = QStyleOptionButton()
        box.initStyleOption(opt)
        ind = st.subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, opt, box)
        found[name] = max_contrast(box.grab().toImage(), ind.left(), ind.top(), ind.right() + 1, ind.bottom() + 1, window)
    assert found["dark"] >= 90  # a light edge on the dark window
    assert found["dark"] > found["fusion"] + 40  # what plain Fusion drew could hardly be seen

    lst = QListWidget()
    lst.setStyle(style)
    lst.setPalette(pal)
    qtbot.addWidget(lst)
    for text, state in (("Battles (30)", Qt.CheckState.Unchecked), ("Strategic developments (37)", Qt.CheckState.Checked)):
        it = QListWidgetItem(text)
        it.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
        it.setCheckState(state)
        lst.addItem(it)
    lst.resize(240, 80)
    img = lst.grab().toImage()
    r0, r1 = lst.visualItemRect(lst.item(0)), lst.visualItemRect(lst.item(1))
    assert max_contrast(img, 0, r0.top(), 24, r0.bottom(), base) >= 90  # unchecked: its edge
    assert max_contrast(img, 0, r1.top(), 24, r1.bottom(), base) >= 150  # checked: the white tick


def test_fitting_label_says_what_fits(qtbot) -> None:
    label = FittingLabel()
    qtbot.addWidget(label)
    label.set_wordings(("Drag on the timeline to choose dates; double-click clears.", "Drag to choose dates"))
    fm = QFontMetrics(label.font())
    label.resize(fm.horizontalAdvance("Drag to choose dates") + 12, 20)
    label.show()
    assert label.text() == "Drag to choose dates"
    assert label.toolTip().startswith("Drag on the timeline")
    label.resize(fm.horizontalAdvance(label.full_text()) + 20, 20)
    assert label.text() == label.full_text()


def test_timeline_hint_is_not_cut_at_1280(qtbot) -> None:
    from atlas.ui.main_window import MainWindow

    win = MainWindow(AtlasModel())
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    label = win.feature("workflow").timeline.range_label
    fm = QFontMetrics(label.font())
    # Once the window has laid out its docks, the bar says a whole wording, not a cut one.
    qtbot.waitUntil(lambda: label.width() >= 100 and label.text() in label.wordings(), timeout=3000)
    assert label.text() != label.full_text() or label.width() > 400  # at 1280 px it is a shorter one
    assert fm.horizontalAdvance(label.text()) <= label.contentsRect().width()
