"""The legend dock: event types with counts (click one to hide or show it) and what the marker
shapes, rings and halos mean.

Toggling writes the event-type facet term, so the filters dock, the summary chips and undo all
see the change like any other filter edit.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from atlas.model import AtlasModel
from atlas.model.facets import Facet, facet_index, find_facet, replace_facet
from atlas.model.part_masks import PartMasks
from atlas.render import style
from atlas.render.layers import make_marker
from atlas.render.uncertainty import HALO_MAX_IN_VIEW, HALO_RADIUS_M, LEGEND_TEXT, draw_disc

TYPE_ROLE = Qt.ItemDataRole.UserRole + 1
ICON = 18


def _screen_dpr() -> float:
    """Device pixels per pixel of the screen (2 on a 2× screen): the icons are drawn at it."""
    app = QGuiApplication.instance()
    return max(1.0, float(app.devicePixelRatio())) if isinstance(app, QGuiApplication) else 1.0


def _canvas(dpr: float) -> QPixmap:
    pm = QPixmap(round(ICON * dpr), round(ICON * dpr))
    pm.setDevicePixelRatio(dpr)
    pm.fill(Qt.GlobalColor.transparent)
    return pm


def _icon(pm: QPixmap, dpr: float = 1.0) -> QIcon:
    canvas = _canvas(dpr)
    p = QPainter(canvas)
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    s = min(float(ICON), max(pm.width() / pm.devicePixelRatio(), 1.0))
    p.drawPixmap(QRectF((ICON - s) / 2, (ICON - s) / 2, s, s), pm, QRectF(pm.rect()))
    p.end()
    return QIcon(canvas)


def explanations() -> list[tuple[QIcon, str]]:
    grey = "#5b6670"
    dpr = _screen_dpr()
    halo = _canvas(dpr)
    p = QPainter(halo)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    draw_disc(p, ICON / 2, ICON / 2, ICON / 2 - 1, grey, "confirmed", 1.0)  # the map's own symbol
    dot = make_marker(grey, False, 5, dpr)
    p.drawPixmap(QPointF((ICON - dot.width() / dpr) / 2, (ICON - dot.height() / dpr) / 2), dot)
    p.end()
    radii = ", ".join(f"{'near a place' if k == 2 else 'region only'} ≈ {v / 1000:g} km" for k, v in HALO_RADIUS_M.items())
    return [
        (_icon(make_marker(grey, False, style.MARKER_SIZE_PX, dpr), dpr), "Filled dot: confirmed or reported event"),
        (_icon(make_marker(grey, True, style.MARKER_SIZE_PX, dpr), dpr), "Ring: a claim (claimed or disputed), not confirmed"),
        (_icon(make_marker(grey, False, style.MARKER_SIZE_PX, dpr, shape="diamond"), dpr),
         "Diamond: date known only to the week or month"),
        (QIcon(halo), f"Dashed circle: {LEGEND_TEXT}, the stated radius or by precision ({radii}); "
                      "fill stronger for confirmed, fainter for claims; grows as you zoom in; left out while "
                      f"more than {HALO_MAX_IN_VIEW:,} are in view"),
        (_icon(_density_swatch()), "Colour cells: density view (many events in view); zoom in for points"),
    ]


def _density_swatch() -> QPixmap:
    pm = QPixmap(ICON, ICON)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    for i, c in enumerate(("#fff0aa", "#fec44f", "#f06428", "#be1e2d")):
        p.fillRect((i % 2) * 9, (i // 2) * 9, 9, 9, QColor(c))
    p.end()
    return pm


class LegendPanel(QWidget):
    """Event types with counts; click toggles a type; below, the symbols explained."""

    def __init__(self, model: AtlasModel, part_masks: PartMasks | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.atlas = model
        self.part_masks = part_masks or model.part_masks
        self.types = QListWidget()
        self.types.setIconSize(QSize(14, 14))
        self.types.setToolTip("Click a type to hide or show it")
        self.types.itemClicked.connect(lambda it: self.toggle(str(it.data(TYPE_ROLE))))
        self.symbols = QListWidget()
        self.symbols.setIconSize(QSize(ICON, ICON))
        self.symbols.setWordWrap(True)
        self.symbols.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.symbols.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for icon, text in explanations():
            self.symbols.addItem(QListWidgetItem(icon, text))
        head = QLabel("Event types (shown / with the other filters)")
        head.setTextFormat(Qt.TextFormat.PlainText)
        head.setWordWrap(True)  # the legend shares the narrow filter column
        sym = QLabel("Symbols")
        sym.setTextFormat(Qt.TextFormat.PlainText)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(head)
        lay.addWidget(self.types, 3)
        lay.addWidget(sym)
        lay.addWidget(self.symbols, 2)
        # Counts come just after a filter change, off the path that redraws the list and map.
        self._stale = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.refresh)
        model.table_changed.connect(self._timer.start)
        model.filter_changed.connect(self._timer.start)
        self.refresh()

    def showEvent(self, ev: object) -> None:  # noqa: N802
        super().showEvent(ev)  # type: ignore[arg-type]
        if self._stale:
            self._timer.start()

    def refresh(self) -> None:
        self._timer.stop()
        if not self.isVisible() and self.types.count():
            self._stale = True  # a hidden legend counts nothing; showEvent catches up
            return
        self._refresh_now()

    def _refresh_now(self) -> None:
        self._stale = False
        if self.atlas.filter_pending and self.types.count():
            return  # a search still streaming in: counted when its whole answer is in
        t = self.atlas.table
        idx = facet_index(t, "event_type")
        shown = idx.counts(self.atlas.visible_mask)
        others = idx.counts(self.part_masks.mask_except(t, self.atlas.filter, lambda p: isinstance(p, Facet) and p.field == "event_type"))
        self.types.clear()
        names = list(idx.categories) + [""]
        for i in sorted(range(len(names)), key=lambda i: -int(others[i])):
            if others[i] == 0 and not names[i]:
                continue
            name = names[i]
            pm = QPixmap(14, 14)
            pm.fill(QColor(style.event_type_colour(name)) if shown[i] else QColor("#d5d5d5"))
            it = QListWidgetItem(QIcon(pm), f"{name or '(no type)'}   {int(shown[i]):,} / {int(others[i]):,}")
            it.setData(TYPE_ROLE, name)
            if not shown[i]:
                it.setForeground(QColor("#8a8a8a"))
            self.types.addItem(it)

    def item_for(self, name: str) -> QListWidgetItem | None:
        if self._timer.isActive() or self._stale:
            self._stale = False
            self._timer.stop()
            self._refresh_now()
        for i in range(self.types.count()):
            it = self.types.item(i)
            if it.data(TYPE_ROLE) == name:
                return it
        return None

    def toggle(self, name: str) -> None:
        """Hide ``name`` if it is shown, show it if hidden (through the event-type facet term)."""
        t = self.atlas.table
        every = set(facet_index(t, "event_type").categories)
        if (facet_index(t, "event_type").counts()[-1]) > 0:
            every.add("")
        term = find_facet(self.atlas.filter, "event_type")
        if term is None or term.mode != "any":
            shown = set(every) if term is None else every - set(term.values)
        else:
            shown = set(term.values)
        shown ^= {name}
        if shown >= every:
            new = None
        elif not shown:
            new = Facet("event_type", frozenset(every), "none")  # every type hidden: show nothing
        else:
            new = Facet("event_type", frozenset(shown))
        self.atlas.set_filter(replace_facet(self.atlas.filter, "event_type", new))
