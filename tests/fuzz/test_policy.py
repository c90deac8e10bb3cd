"""Project-wide safety rules: no code is ever built from data, and data is shown as plain text."""

from __future__ import annotations

import io
import json
import re
import tokenize
from pathlib import Path

import pytest
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtGui import Qt as QtGuiNs  # Qt.mightBeRichText lives in QtGui
from PySide6.QtWidgets import QAbstractItemView, QLabel, QWidget

ATLAS = Path(__file__).resolve().parents[2] / "atlas"

#: Calls that turn data into code or run a shell; none may appear in the package.
FORBIDDEN = [
    (r"\beval\s*\(", "eval()"),
    (r"(?<!\.\s)\bexec\s*\(", "exec()"),  # QDialog.exec() is a method call and allowed
    (r"\bpickle\b", "pickle"),
    (r"\bcPickle\b|\bdill\b|\bshelve\b|\bmarshal\s*\.\s*loads?\b", "pickle-like deserialisers"),
    (r"\byaml\s*\.\s*(load|unsafe_load|full_load)\s*\(", "yaml.load"),
    (r"shell\s*=\s*True", "shell=True"),
    (r"\bos\s*\.\s*(system|popen)\s*\(", "os.system/os.popen"),
    (r"\bcompile\s*\(\s*[^)]*['\"]exec['\"]", "compile(..., 'exec')"),
]


def _code_only(path: Path) -> str:
    """The file's code without comments and string literals (docstrings may say 'no pickle')."""
    out = []
    toks = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    for tok in toks:
        if tok.type in (tokenize.COMMENT, tokenize.STRING):
            continue
        if hasattr(tokenize, "FSTRING_MIDDLE") and tok.type == tokenize.FSTRING_MIDDLE:
            continue
        out.append(tok.string)
    return " ".join(out)


def test_no_eval_pickle_yaml_load_or_shell_in_the_package() -> None:
    files = sorted(ATLAS.rglob("*.py"))
    assert len(files) > 20
    found = []
    for f in files:
        code = _code_only(f)
        for pattern, what in FORBIDDEN:
            if re.search(pattern, code):
                found.append(f"{f.relative_to(ATLAS.parent)}: {what}")
    assert not found, "code built from data or a shell: " + "; ".join(found)


def test_the_grep_would_catch_them(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import pickle\nx = eval(s)\nsubprocess.run(c, shell=True)\nyaml.load(f)\n", encoding="utf-8")
    code = _code_only(bad)
    hits = {what for pattern, what in FORBIDDEN if re.search(pattern, code)}
    assert hits == {"eval()", "pickle", "shell=True", "yaml.load"}
    ok = tmp_path / "ok.py"
    ok.write_text('"""no pickle, no eval()"""\nbox.exec()\n# shell=True is banned\n', encoding="utf-8")
    assert not any(re.search(p, _code_only(ok)) for p, _ in FORBIDDEN)


# ---------------------------------------------------------------------------- plain text
MARK = "HOSTILE"
HOSTILE = {
    "title": f"<b>{MARK} title</b><img src='file:///etc/passwd'>",
    "location": f"<a href='javascript:alert(1)'>{MARK} place</a>",
    "notes": f"<script>alert(1)</script><h1>{MARK} notes</h1>",
    "actor1": f"<i>{MARK} actor</i>",
    "admin2": f"<u>{MARK} district</u>",
    "claimed_by": f"<font color=red>{MARK} claimant</font>",
}


def _hostile_file(folder: Path) -> Path:
    feats = []
    for i in range(3):
        feats.append({
            "type": "Feature", "id": f"H-{i}",
            "geometry": {"type": "Point", "coordinates": [35.2 + i * 0.05, 51.2]},
            "properties": {"event_id": f"H-{i}", "event_date": "2024-08-10", "event_type": f"<b>{MARK} type</b>",
                           "side": "Ukraine", "confidence": "reported", **HOSTILE,
                           "sources": [{"outlet": f"<b>{MARK} outlet</b>", "url": "javascript:alert(1)", "title": f"<i>{MARK}</i>"}],
                           f"<b>{MARK}_extra</b>": f"<b>{MARK} extra value</b>"},
        })
    # File names are data too (they appear in reports, panels and titles).
    p = folder / f"<b>{MARK}<b> file.geojson"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    return p


def _raw_markup(text: str) -> bool:
    """``text`` would show our injected markup as markup (not escaped) if Qt rendered it as rich text."""
    fragments = [f"<b>{MARK}", f"<i>{MARK}", f"<u>{MARK}", f"{MARK} place</a>", f"<h1>{MARK}", f"red>{MARK}", "<script>", "<img "]
    return any(f in text for f in fragments)


def _rendered_loses_tags(text: str) -> bool:
    doc = QTextDocument()
    doc.setHtml(text)
    return "<b>" not in doc.toPlainText() and _raw_markup(text)


def test_imported_text_is_shown_as_plain_text(qtbot, tmp_path: Path) -> None:
    from atlas.ui.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    assert win.load_files([_hostile_file(tmp_path)])
    win.model.set_current("H-1")
    qtbot.wait(100)
    win.model.select(["H-0", "H-1", "H-2"])
    qtbot.wait(100)

    problems = []
    labels = win.findChildren(QLabel)
    assert labels
    seen = 0
    for lab in labels:
        text = lab.text()
        if MARK not in text:
            continue
        seen += 1
        rich = lab.textFormat() == Qt.TextFormat.RichText or (
            lab.textFormat() == Qt.TextFormat.AutoText and QtGuiNs.mightBeRichText(text))
        if rich and _raw_markup(text):
            problems.append(f"QLabel {lab.objectName() or type(lab.parent()).__name__} renders imported markup: {text[:80]!r}")
        if lab.openExternalLinks():
            problems.append(f"QLabel {lab.objectName()} opens links by itself")
    for w in win.findChildren(QWidget):
        tip = w.toolTip()
        if MARK in tip and QtGuiNs.mightBeRichText(tip) and _raw_markup(tip):
            problems.append(f"tooltip of {type(w).__name__} renders imported markup: {tip[:80]!r}")
    for view in win.findChildren(QAbstractItemView):
        model: QAbstractItemModel | None = view.model()
        if model is None:
            continue
        try:
            rows, cols = model.rowCount(QModelIndex()), model.columnCount(QModelIndex())
        except TypeError:  # list models keep columnCount private
            rows, cols = model.rowCount(QModelIndex()), 1
        for r in range(min(rows, 20)):
            for c in range(cols):
                tip = model.data(model.index(r, c), Qt.ItemDataRole.ToolTipRole)
                if isinstance(tip, str) and MARK in tip and QtGuiNs.mightBeRichText(tip) and _raw_markup(tip):
                    problems.append(f"item tooltip in {type(view).__name__} renders imported markup: {tip[:80]!r}")
    assert not problems, "\n".join(problems)
    assert seen >= 1, "the hostile text should be on screen somewhere (status, details, report)"


def test_the_check_would_catch_a_rich_label(qtbot) -> None:
    lab = QLabel(f"<b>{MARK} title</b>")
    qtbot.addWidget(lab)
    assert lab.textFormat() == Qt.TextFormat.AutoText and QtGuiNs.mightBeRichText(lab.text()) and _raw_markup(lab.text())
    import html

    assert not _raw_markup(html.escape(f"<b>{MARK} title</b>"))


@pytest.mark.parametrize("url, opens", [
    ("https://example.org/a", True), ("http://example.org", True), ("javascript:alert(1)", False),
    ("file:///etc/passwd", False), ("ftp://example.org/x", False), ("data:text/html,x", False), ("", False),
])
def test_links_open_only_for_http_and_https(url: str, opens: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    details = pytest.importorskip("atlas.ui.details_panel")
    from PySide6.QtGui import QDesktopServices

    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda q: opened.append(q.toString()) or True))
    assert details.open_source(url) is opens
    assert (opened == [url]) is opens or (opens and opened and opened[0].rstrip("/") == url.rstrip("/"))
