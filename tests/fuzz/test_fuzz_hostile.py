"""Fuzz the hostile-input classes of issue 14 through every JSON/KML reader in process: integers of
any length, NaN/Infinity spellings, nesting of any depth, lone surrogates anywhere in the text.
Each example is read (surrogates mended) or refused with InputError; nothing else, in time.
``make fuzz`` explores fresh sizes; ``make test`` replays a fixed few (the real CLI on each class
runs in tests/cli/test_hostile_inputs.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

from atlas.control.io import UndatedError, read_control
from atlas.io import read_events
from atlas.io.annotations_io import read_annotations
from atlas.io.report import InputError

from ..cli.hostile import deep_array, deep_kml, huge_integer, huge_integer_property, lone_surrogate, nan_literal
from .conftest import DERANDOMIZE, EXAMPLES, record, time_limit

SETTINGS = settings(max_examples=max(EXAMPLES // 4, 10), deadline=None, database=None, derandomize=DERANDOMIZE,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

READERS: dict[str, Callable[[Path], Any]] = {
    "events": read_events,
    "annotations": read_annotations,
    "control areas": lambda p: read_control(p, as_of=__import__("datetime").date(2024, 8, 20)),
}

documents = st.one_of(
    st.integers(1, 20_000).map(lambda n: ("geojson", huge_integer(n), n > 100)),
    st.integers(1, 20_000).map(lambda n: ("geojson", huge_integer_property(n), n > 100)),
    st.sampled_from(["NaN", "Infinity", "-Infinity"]).map(lambda w: ("geojson", nan_literal(w), True)),
    st.integers(1, 200_000).map(lambda n: ("geojson", deep_array(n), None)),
    st.integers(1, 10_000).map(lambda n: ("kml", deep_kml(n), n > 250)),
    st.lists(st.sampled_from(["\\ud800", "\\udfff", "\\udbff", "a", "Суджа", "\\ud83d\\ude00"]), min_size=1, max_size=8)
      .map(lambda parts: ("geojson", lone_surrogate("".join(parts)), False)),
)


@SETTINGS
@given(doc=documents, reader=st.sampled_from(sorted(READERS)))
def test_hostile_documents_are_read_or_refused(doc: tuple[str, str, bool | None], reader: str, tmp_path_factory) -> None:
    suffix, text, must_refuse = doc
    path = tmp_path_factory.mktemp("hostile") / f"areas_20240820.{suffix}"
    path.write_text(text, encoding="utf-8")
    with time_limit():
        try:
            READERS[reader](path)
            outcome = "read"
        except UndatedError:
            outcome = "read"  # the file parsed; only its date was missing
        except InputError as exc:
            outcome = "refused"
            assert "\n" not in str(exc), str(exc)
    if must_refuse is True:
        assert outcome == "refused", (reader, text[:200])
    record(f"hostile ({reader})", outcome)
