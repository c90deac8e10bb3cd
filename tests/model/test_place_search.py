"""The event search finds a place by any of its names, as Go to place does (Суджа = Sudzha)."""

from __future__ import annotations

import numpy as np
import pytest

from atlas.io import BUNDLED_EVENTS, read_events
from atlas.model.filters import Text
from atlas.model.place_aliases import alternatives, set_alias_source


@pytest.fixture(scope="module")
def table():  # type: ignore[no-untyped-def]
    return read_events(BUNDLED_EVENTS)[0]


@pytest.mark.parametrize("spellings", [
    ("Sudzha", "Суджа", "sudja", "SUDŽA"),
    ("Glushkovo", "Глушково", "Hlushkove", "Глушкове"),
    ("Korenevo", "Коренево"),
    # Villages known by name only (no sourced position): the search still finds their events.
    ("Krupets", "Крупец", "Крупець"),
    ("Rubanshchina", "Рубанщина"),
    ("Kositsa", "Косица", "Косиця"),
])
def test_every_spelling_finds_the_same_events(table, spellings: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    masks = [Text(s).mask(table) for s in spellings]
    assert masks[0].any(), f"no event at {spellings[0]}"
    for s, m in zip(spellings[1:], masks[1:], strict=True):
        assert np.array_equal(m, masks[0]), f"{s!r} finds {int(m.sum())} events, {spellings[0]!r} {int(masks[0].sum())}"


def test_sudzha_in_cyrillic_finds_the_events_located_there(table) -> None:  # type: ignore[no-untyped-def]
    at_sudzha = np.array(["sudzha" in str(loc).lower() for loc in table.values("location")])
    assert at_sudzha.sum() >= 5
    found = Text("Суджа").mask(table)
    assert found[at_sudzha].all()


def test_ordinary_words_stay_literal() -> None:
    assert alternatives("bridge") == ("bridge",)
    assert alternatives("drone") == ("drone",)
    # "kursk" is the city, not Kurchatov through its alternate "Kursk NPP".
    assert "kurchatov" not in alternatives("kursk")
    assert "курск" in alternatives("kursk")


def test_the_alias_source_can_be_replaced(table) -> None:  # type: ignore[no-untyped-def]
    try:
        set_alias_source(lambda term: ("sudzha",) if term == "zzplace" else ())
        assert Text("zzplace").mask(table).sum() == Text("sudzha").mask(table).sum() > 0
    finally:
        set_alias_source(None)
    assert Text("zzplace").mask(table).sum() == 0


def test_convert_counts_agree_in_both_scripts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The issue's check: ``convert --text Суджа`` writes as many events as ``--text Sudzha``."""
    import os
    import re
    import subprocess
    import sys

    from ..conftest import ROOT

    counts = []
    for term in ("Sudzha", "Суджа"):
        r = subprocess.run([sys.executable, "main.py", "convert", "--text", term, "-o", str(tmp_path / "x.csv")],
                           cwd=ROOT, capture_output=True, text=True, timeout=120,
                           env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
        assert r.returncode == 0, r.stderr
        m = re.search(r"wrote (\d+) of", r.stdout + r.stderr)
        assert m, r.stdout + r.stderr
        counts.append(int(m.group(1)))
    assert counts[0] == counts[1] >= 20, counts
