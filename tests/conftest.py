"""Shared test setup: headless Qt, isolated settings, small real-looking event files."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Every run gets its own home: Qt's test-mode folders (~/.qttest) and the app's recovery files,
# logs and settings live under it, so a file left by an earlier or killed run (a crash-recovery
# offer, say) can never change what a test sees or leave a modal dialog waiting forever.
_TEST_HOME = tempfile.mkdtemp(prefix="kursk-atlas-tests-")
os.environ["HOME"] = _TEST_HOME
for _var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    os.environ.pop(_var, None)
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
FIXTURES = SHARED / "fixtures"


@pytest.fixture(autouse=True, scope="session")
def _isolated_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never read or write the user's real settings."""
    from PySide6.QtCore import QCoreApplication, QSettings, QStandardPaths

    QStandardPaths.setTestModeEnabled(True)
    cfg = tmp_path_factory.mktemp("settings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(cfg))
    QCoreApplication.setOrganizationName("KurskAtlasTests")
    QCoreApplication.setApplicationName("Kursk Atlas Tests")
    # The first-start welcome panel over the map stays out of the other tests (tests/ui/test_welcome.py
    # removes this to see it).
    QSettings().setValue("welcome/dismissed", "true")


def fixture_path(*parts: str) -> Path:
    """A file of ../shared/fixtures; the calling test is skipped when the folder is absent."""
    p = FIXTURES.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} not available (../shared/fixtures is absent)")
    return p


SAMPLE_FEATURES = [
    # (id, date, type, title, location, lon, lat, side, confidence)
    ("T-1", "2024-08-06", "Battles", "Ukrainian forces cross the border near Sudzha", "Sudzha", 35.2706, 51.1914, "Ukraine", "confirmed"),
    ("T-2", "2024-08-15", "Strategic developments", "Military commandant's office set up in Sudzha", "Sudzha", 35.2706, 51.1914, "Ukraine", "claimed"),
    ("T-3", "2024-08-16", "Explosions/Remote violence", "Bridge over the Seym at Glushkovo destroyed", "Glushkovo", 34.6328, 51.3392, "Ukraine", "confirmed"),
    ("T-4", "2024-09-11", "Battles", "Russian counter-attack at Snagost", "Snagost", 34.8933, 51.3150, "Russia", "claimed"),
    ("T-5", "2025-03-03", "Political developments", "US freezes military aid and intelligence to Ukraine", "Washington", None, None, "Third party", "confirmed"),
    ("T-6", "2025-03-12", "Strategic developments", "Путин посетил командный пункт в Курской области", "Kursk oblast", 36.1874, 51.7373, "Russia", "reported"),
    ("T-7", "2025-03-13", "Battles", "Russian MoD claims recapture of Sudzha", "Sudzha", 35.2706, 51.1914, "Russia", "claimed"),
    ("T-8", "2025-03-13", "Political developments", "Putin press conference on the cease-fire proposal", "Moscow", None, None, "Russia", "confirmed"),
]


def sample_geojson() -> dict:
    feats = []
    for eid, date, etype, title, loc, lon, lat, side, conf in SAMPLE_FEATURES:
        feats.append({
            "type": "Feature",
            "id": eid,
            "geometry": None if lon is None else {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "event_id": eid, "event_date": date, "time_precision": 1, "event_type": etype,
                "sub_event_type": "Armed clash" if etype == "Battles" else "Other", "title": title,
                "actor1": "Military Forces of Ukraine" if side == "Ukraine" else "Military Forces of Russia",
                "actor2": "", "side": side, "country": "Russia", "admin1": "Kursk", "location": loc,
                "geo_precision": None if lon is None else 1, "coord_approximate": False,
                "coord_basis": "test", "notes": f"Test note for {title}.", "fatalities": None,
                "confidence": conf, "claimed_by": "Russian Ministry of Defence" if conf == "claimed" else None,
                "sources": [{"outlet": "Test Outlet", "date": date}],
            },
        })
    return {"type": "FeatureCollection", "schema": "kursk-atlas-events", "schema_version": 1, "features": feats}


@pytest.fixture
def sample_file(tmp_path: Path) -> Path:
    p = tmp_path / "sample.geojson"
    p.write_text(json.dumps(sample_geojson(), ensure_ascii=False), encoding="utf-8")
    return p


@pytest.fixture
def sample_table(sample_file: Path):
    from atlas.io import read_events

    table, _ = read_events(sample_file)
    return table
