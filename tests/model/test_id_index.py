"""Row lookup by id equals a dict's, with colliding hashes, duplicates and absent ids."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from atlas.model import EventTable
from atlas.model import id_index as I


def ids_with_duplicates() -> np.ndarray:
    ids = [f"UKR{i}" for i in range(500)] + ["Суджа-1", "", "a b", "UKR7", "x" * 40]
    return np.array(ids, dtype=object)


def dict_index(ids: np.ndarray) -> dict[str, int]:
    return {str(e): i for i, e in enumerate(ids)}


@pytest.mark.parametrize("weak", [False, True])
def test_lookup_equals_a_dict(monkeypatch: pytest.MonkeyPatch, weak: bool) -> None:
    if weak:
        monkeypatch.setattr(I, "_hash", lambda s: len(s))  # nearly every id collides
    ids = ids_with_duplicates()
    ref = dict_index(ids)
    idx = I.IdIndex(ids)
    for q in list(ref) + ["UKR500", "nope", "ukr7", "Суджа"]:
        assert idx.row(q) == ref.get(q), q
    queries = list(ref)[::3] + ["absent"] * 70 + ["UKR7"]
    want = sorted({ref[q] for q in queries if q in ref})
    assert idx.rows(queries).tolist() == want
    assert idx.rows(queries[:10]).tolist() == sorted({ref[q] for q in queries[:10] if q in ref})
    assert idx.rows([]).size == 0


def test_built_once_from_many_threads() -> None:
    ids = np.array([f"E{i}" for i in range(20_000)], dtype=object)
    idx = I.IdIndex(ids)
    threads = [threading.Thread(target=idx.build) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert idx.built and idx.row("E19999") == 19999


def test_table_lookups_go_through_the_index() -> None:
    t = EventTable.from_records([{"event_id": f"e{i}", "title": "x"} for i in range(300)])
    assert not t.id_index().built  # lazy: nothing until asked
    assert t.index_of("e250") == 250 and t.index_of("e300") is None
    assert t.rows_of(["e5", "e1", "zz", "e5"]).tolist() == [1, 5]
    assert t.id_index().built
