"""The workspace loader, the filter JSON and the command line under random and mutated input."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atlas.model import AtlasModel, filters as F
from atlas.model.filter_json import FilterJsonError, filter_from_json, filter_to_json
from atlas.workspace import Workspace, WorkspaceError, dump_document, parse_document
from atlas.workspace.state import SECTIONS, Context, using

from .conftest import DERANDOMIZE, EXAMPLES, record, time_limit
from .strategies import TOKENS, filter_docs, json_values, mutated, mutated_json

SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=DERANDOMIZE,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                                           HealthCheck.function_scoped_fixture])

VALID_FILTER = filter_to_json(
    F.And((F.DateRange(dt.date(2024, 8, 6), None), F.Categories("side", frozenset({"Ukraine"})), F.Text("Sudzha"),
           F.Or((F.BBox(34.5, 51.0, 35.5, 51.5), F.Within(shapely.box(35.0, 51.0, 35.4, 51.3)))),
           F.Not(F.MinConfidence("claimed")), F.HasCoordinates(), F.InView(30, 45, 40, 55)))
)

VALID_SECTIONS = {
    "sources": {"embed": False, "files": [{"path": "missing/sample.geojson", "abs": "/nonexistent/sample.geojson",
                                           "name": "sample.geojson", "sha256": "a" * 64, "size": 10}]},
    "filter": VALID_FILTER,
    "selection": {"ids": ["T-1", "T-3"], "current": "T-3"},
    "time_window": {"value": {"$tuple": [{"$date": "2024-08-06"}, {"$date": "2024-09-30"}]}},
    "annotations": {"value": {"$tuple": [{"$obj": "atlas.model.annotations:Annotation", "data": {"$map": {
        "kind": "text", "points": [[35.27, 51.19]], "text": "HQ", "id": "a1"}}}]}},
    "layers": {"order": ["background", "events"], "layers": {"events": {"visible": True, "opacity": 0.5}}},
    "view": {"lonlat": [34.5, 51.0, 35.5, 51.5]},
    "window": {"dock_state": "AAAA/w=="},
    "bookmarks": {"items": [{"name": "Sudzha", "lon1": 35.1, "lat1": 51.1, "lon2": 35.4, "lat2": 51.3}]},
}
VALID_DOC = json.loads(dump_document(VALID_SECTIONS))


def _model(sample_table) -> AtlasModel:
    m = AtlasModel()
    m.set_table(sample_table)
    return m


def check_workspace(raw: bytes, sample_table, target: str) -> None:
    with time_limit():
        try:
            ws = parse_document(raw, "fuzz.katlas")
        except WorkspaceError as exc:
            assert str(exc).startswith("fuzz.katlas: ")
            record(target, "WorkspaceError")
            return
        assert isinstance(ws, Workspace)
        # Validated means restorable: every model-level section applies without an exception.
        model = _model(sample_table)
        with using(Context(folder=Path("/nonexistent-folder"))):
            for key in ("filter", "selection", "time_window", "annotations", "sources", "bookmarks"):
                if key in ws.sections and key in SECTIONS:
                    SECTIONS[key].restore(model, ws.sections[key])
        model.visible_rows  # noqa: B018 - the mask was computed
    record(target, "opened")


@SETTINGS
@given(raw=st.one_of(st.binary(max_size=2048), mutated([json.dumps(VALID_DOC).encode()])))
def test_workspace_loader_random_bytes(raw: bytes, sample_table) -> None:
    check_workspace(raw, sample_table, "workspace (bytes)")


@SETTINGS
@given(doc=mutated_json(VALID_DOC))
def test_workspace_loader_mutated_structure(doc: object, sample_table) -> None:
    check_workspace(json.dumps(doc).encode(), sample_table, "workspace (structure)")


@SETTINGS
@given(doc=st.one_of(json_values, filter_docs, filter_docs, mutated_json(VALID_FILTER), mutated_json({"type": "not", "term": VALID_FILTER})))
def test_filter_json_random(doc: object, sample_table) -> None:
    with time_limit():
        try:
            flt = filter_from_json(doc)
        except FilterJsonError as exc:
            assert str(exc)
            record("filter JSON", "FilterJsonError")
            return
        assert isinstance(flt, F.Filter)
        try:
            mask = flt.mask(sample_table)
        except KeyError as exc:
            # A term about a column this table lacks (a workspace restore drops such terms).
            assert str(exc).strip("'\"").removeprefix("no facet ").strip("'") not in sample_table.columns
            record("filter JSON", "filter on a missing column")
            return
        assert mask.dtype == np.bool_ and len(mask) == len(sample_table)
        flt.describe()
        again = filter_from_json(json.loads(json.dumps(filter_to_json(flt))))
        np.testing.assert_array_equal(again.mask(sample_table), mask)
    record("filter JSON", "filter")


# ---------------------------------------------------------------------------- the command line
OPTION_WORDS = ["--from", "--to", "--type", "--actor", "--side", "--text", "--bbox", "--min-confidence", "--json",
                "--reset-settings", "--help", "--version", "-o", "--", "-", "confirmed", "2024-08-06", "2024-13-45",
                "34,51,35,52", "1,2,3", "nan,nan,1,1", "Battles", "x.katlas", "sample.geojson", "", " ", "\x00"]
ARG = st.one_of(st.sampled_from(OPTION_WORDS), st.text(max_size=20), st.sampled_from([t.decode("utf-8", "replace") for t in TOKENS]))


@pytest.fixture
def no_gui(monkeypatch: pytest.MonkeyPatch):
    import atlas.app

    calls: list[list[str]] = []
    monkeypatch.setattr(atlas.app, "run_gui", lambda files, reset_settings=False: calls.append(list(files)) or 0)
    return calls


def run_cli(argv: list[str], capsys) -> str:
    from atlas.launcher import main

    with time_limit():
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: --help/--version exit 0, usage errors exit 64
            code = exc.code if isinstance(exc.code, int) else 64
    out, err = capsys.readouterr()
    assert code in (0, 64, 65, 66), f"exit {code} for {repr(argv)[:300]}: {err[-300:]}"
    assert "Traceback" not in err and "internal error" not in err, err[-500:]
    if code:
        assert err.strip(), "a usage error must say what is wrong"
    return f"exit {code}"


@SETTINGS
@given(argv=st.lists(ARG, max_size=8))
def test_cli_gui_arguments(argv: list[str], no_gui, capsys, tmp_path_factory) -> None:
    from atlas.cli import SUBCOMMANDS

    if argv and argv[0] in SUBCOMMANDS:
        argv = ["--"] + argv  # subcommands are fuzzed below; bench would just run
    record("CLI (GUI arguments)", run_cli(argv, capsys))


@SETTINGS
@given(argv=st.lists(ARG, max_size=8))
def test_cli_inspect_and_filter_options(argv: list[str], capsys) -> None:
    record("CLI (inspect + filters)", run_cli(["inspect", *argv], capsys))


@SETTINGS
@given(raw=mutated([json.dumps(VALID_DOC).encode()]))
def test_cli_opens_only_readable_workspaces(raw: bytes, no_gui, capsys, tmp_path_factory) -> None:
    p = tmp_path_factory.mktemp("ws") / "fuzz.katlas"
    p.write_bytes(raw)
    outcome = run_cli([str(p)], capsys)
    try:
        parse_document(raw)
        assert outcome == "exit 0" and no_gui[-1] == [str(p)]
    except WorkspaceError:
        assert outcome in ("exit 65", "exit 66")
    record("CLI (.katlas argument)", outcome)
