"""Population events staged whole (here a month delivered with an earlier file loaded again;
a month alone is appended, tests/e2e/test_events_append.py) start from their typed rows kept
per file (quality/sql/stage_events.sql, warehouse/incremental.keep_typed_rows): a new month's
file is typed on its own, a file loaded again is typed again, and anything else that changed
(here the register's snapshot) types every row again. Each time staging and quarantine equal a staging
of the same files in a new warehouse, row for row (the load batch aside), on the committed
sample's population extracts."""

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.e2e.test_timeline_update import SAMPLE, _landing, materialized
from warehouse.resource import Warehouse

pytestmark = pytest.mark.e2e

SELECTION = (
    dg.AssetSelection.assets(["staging", "events"]).upstream().required_multi_asset_neighbors()
)


def _stage(warehouse: Warehouse, last_month: str) -> bool:
    """Raw and staging of the population; whether the events' typed rows were kept."""
    key = dg.AssetKey(["staging", "events"])
    return materialized(warehouse, last_month, SELECTION, key, "incremental/typed_rows_kept")


def _staged(warehouse: Warehouse) -> dict[str, list]:
    with duckdb.connect(str(warehouse.database_path), read_only=True) as con:
        return {
            table: sorted(
                con.execute(f"SELECT * EXCLUDE (_batch_id) FROM {table}").fetchall(), key=repr
            )
            for table in ("staging.events", "quarantine.events")
        }


def _whole(landing: Path, data: Path, last_month: str) -> dict[str, list]:
    warehouse = Warehouse(landing_dir=str(landing), data_dir=str(data))
    assert _stage(warehouse, last_month) is False  # a new warehouse types every row
    return _staged(warehouse)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("events_typed_rows")
    landing = _landing(root / "landing", "2025-09")
    kept = Warehouse(landing_dir=str(landing), data_dir=str(root / "kept"))
    out = {"first": _stage(kept, "2025-09")}

    folder = landing / "population"
    # a new month holding a copy of an earlier month's event (the same event id: a DUPLICATE
    # of a kept row), and September's file delivered again without its last row
    september = (folder / "events_2025-09.csv").read_text(encoding="utf-8").splitlines()
    october = (SAMPLE / "events_2025-10.csv").read_text(encoding="utf-8").splitlines()
    (folder / "events_2025-10.csv").write_text(
        "\n".join([*october, september[1]]) + "\n", encoding="utf-8"
    )
    (folder / "events_2025-09.csv").write_text("\n".join(september[:-1]) + "\n", encoding="utf-8")
    out["month"] = _stage(kept, "2025-10")
    out["month_staged"], out["month_whole"] = _staged(kept), _whole(landing, root / "w1", "2025-10")
    out["copied_id"] = september[1].split(",")[0].lstrip("\ufeff")

    # a corrected snapshot (one resident fewer): every row is typed again
    (residents,) = folder.glob("residents_*.csv")
    lines = residents.read_text(encoding="utf-8-sig").splitlines()
    residents.write_text("\ufeff" + "\n".join(lines[:-1]) + "\n", encoding="utf-8")
    shutil.copy(SAMPLE / "events_2025-11.csv", folder)
    out["snapshot"] = _stage(kept, "2025-11")
    out["snapshot_staged"], out["snapshot_whole"] = (
        _staged(kept),
        _whole(landing, root / "w2", "2025-11"),
    )
    return out


def test_a_new_month_and_a_reloaded_file_are_typed_on_their_own(runs):
    assert runs["first"] is False and runs["month"] is True
    assert runs["month_staged"] == runs["month_whole"]
    duplicates = [r for r in runs["month_staged"]["quarantine.events"] if r[0] == runs["copied_id"]]
    assert [r[-1] for r in duplicates] == [["DUPLICATE"]]  # the copy, in October's file
    assert len(runs["month_staged"]["staging.events"]) > 1000


def test_a_new_snapshot_types_every_row_again(runs):
    assert runs["snapshot"] is False
    assert runs["snapshot_staged"] == runs["snapshot_whole"]
