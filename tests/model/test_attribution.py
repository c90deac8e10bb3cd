"""Attribution follows the loaded data (atlas.model.attribution): no display needed."""

from __future__ import annotations

from pathlib import Path

from atlas.model.attribution import (
    ACLED_CREDIT,
    CURATED_CREDIT,
    CURATED_DATASET,
    UCDP_CREDIT,
    attribution,
    event_credits,
)
from atlas.model.table import EventTable


def _acled(n: int = 3, dataset: str = "acled_ukraine") -> EventTable:
    recs = [{"event_id": f"UKR{i}", "event_date": "2024-08-06", "longitude": 35.2, "latitude": 51.2,
             "dataset": dataset, "inter1": "1", "iso": "643", "timestamp": "1722988800", "region": "Europe"}
            for i in range(n)]
    return EventTable.from_records(recs, extra_fields=["inter1", "iso", "timestamp", "region"])


def _curated() -> EventTable:
    return EventTable.from_records([{"event_id": "KA-1", "event_date": "2024-08-06", "dataset": CURATED_DATASET}])


def test_the_curated_dataset_name_is_the_bundled_files_stem() -> None:
    from atlas.io import BUNDLED_EVENTS

    assert BUNDLED_EVENTS.stem == CURATED_DATASET


def test_an_acled_file_credits_acled_and_not_the_curated_dataset() -> None:
    line = attribution(_acled(), ["/data/acled_ukraine.csv"], "© OpenStreetMap contributors")
    assert line == f"Events: {ACLED_CREDIT} · Basemap: © OpenStreetMap contributors"
    assert "curated" not in line


def test_the_bundled_dataset_credits_the_atlas() -> None:
    assert event_credits(_curated()) == [CURATED_CREDIT]


def test_a_ucdp_file_credits_ucdp() -> None:
    recs = [{"event_id": "1", "event_date": "2024-08-06", "dataset": "ged", "relid": "UKR-1", "deaths_a": "0",
             "deaths_b": "2"}]
    assert event_credits(EventTable.from_records(recs, extra_fields=["relid", "deaths_a", "deaths_b"])) == [UCDP_CREDIT]


def test_other_files_are_named_and_mixed_loads_credit_each_kind_once() -> None:
    mine = EventTable.from_records([{"event_id": f"M{i}", "dataset": f"file{i}"} for i in range(5)])
    table = EventTable.concat([_curated(), _acled(2, "acled_a"), _acled(2, "acled_b"), mine])
    sources = [str(Path("/x") / f"file{i}.xlsx") for i in range(5)]
    assert event_credits(table, sources) == [
        CURATED_CREDIT, ACLED_CREDIT, "file0.xlsx, file1.xlsx, file2.xlsx and 2 more (imported files)"]
    short = attribution(table, sources, "OSM", short=True)
    assert short.startswith("Events: Kursk Atlas dataset (CC BY 4.0); ACLED; file0.xlsx")


def test_nothing_loaded_credits_only_the_basemap() -> None:
    assert attribution(EventTable.empty(), (), "OSM") == "Basemap: OSM"
