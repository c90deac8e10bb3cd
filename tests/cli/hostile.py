"""Hostile input files, one builder per class, shared by the fast tests (tests/cli/test_hostile_inputs.py)
and the fuzz target (tests/fuzz/test_fuzz_hostile.py); and the bounded way to run the real CLI on them."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from ..conftest import ROOT

#: address space for one CLI run: far above what a refusal needs, far below a blow-up
MEMORY_LIMIT = 3 << 30
TIMEOUT_S = 90


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """The real command line in a subprocess, with a timeout and a memory ceiling, so a regression
    fails the test instead of hanging or swapping the suite."""
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=TIMEOUT_S, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"), preexec_fn=_limit_memory)


def point_feature(lon: str, lat: str, props: str = "{}") -> str:
    return ('{"type":"Feature","geometry":{"type":"Point","coordinates":[%s,%s]},"properties":%s}' % (lon, lat, props))


def collection(*features: str) -> str:
    return '{"type":"FeatureCollection","features":[%s]}' % ",".join(features)


def huge_integer(digits: int) -> str:
    return collection(point_feature("1" * digits, "51.2"))


def huge_integer_property(digits: int) -> str:
    return collection(point_feature("35.2", "51.2", '{"event_id":"A","fatalities":%s}' % ("9" * digits)))


def nan_literal(word: str) -> str:
    return collection(point_feature(word, "51.2", '{"event_id":"A","event_date":"2024-08-06"}'))


def deep_array(depth: int) -> str:
    return collection(point_feature("35.2", "51.2", '{"event_id":"A","x":%s}' % ("[" * depth + "]" * depth)))


def lone_surrogate(text: str) -> str:
    props = {"event_id": "A", "event_date": "2024-08-06", "notes": "x", "event_type": "Battles"}
    escaped = json.dumps(props).replace('"notes": "x"', '"notes": "%s"' % text)
    return collection(point_feature("35.27", "51.19", escaped))


def deep_kml(depth: int) -> str:
    return ('<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
            + "<Folder>" * depth + "<Placemark><Point><coordinates>35.2,51.2</coordinates></Point></Placemark>"
            + "</Folder>" * depth + "</Document></kml>")


#: (name, suffix, builder): each file must be refused (or read, mended) in one line with a sysexits status
BUILDERS: dict[str, tuple[str, Callable[[int], str]]] = {
    "integer coordinate": (".geojson", huge_integer),
    "integer property": (".geojson", huge_integer_property),
    "deep JSON array": (".geojson", deep_array),
    "deep KML folders": (".kml", deep_kml),
}
