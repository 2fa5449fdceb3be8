"""A new month updates the population timeline (marts/population_timeline.sql, run by
assets/population.population_timeline with the first changed day): the persons it names get
their states again, the stocks after that day are counted again. The tables equal those built
whole from the same files, row for row and type for type, on the committed sample's population
extracts: a month with a late-registered event (months earlier: the first changed day is its
month's), then an empty month (nothing changed but the last reference date); a corrected
snapshot builds them whole."""

import csv
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets import population, reference
from dagster_project.jobs import range_tags
from warehouse.resource import REPO_ROOT, Warehouse

pytestmark = pytest.mark.e2e

SAMPLE = REPO_ROOT / "data_samples" / "landing" / "population"
TABLES = (
    "intermediate.person_states",
    "intermediate.population_flows",
    "intermediate.population_ages",
    "intermediate.population_households",
    "marts.reference_dates",
    "intermediate.calendar_years",
)
SELECTION = (
    dg.AssetSelection.assets(population.population_timeline)
    .upstream()
    .required_multi_asset_neighbors()
)
DEFINITIONS = [reference.admin_units_reference, *dg.load_assets_from_modules([population])]


def _landing(root: Path, last_month: str) -> Path:
    folder = root / "population"
    folder.mkdir(parents=True)
    for path in SAMPLE.iterdir():
        month = path.stem.removeprefix("events_")
        if path.name.startswith("residents_") or month <= last_month:
            shutil.copy(path, folder / path.name)
    return root


def _late_death(landing: Path) -> None:
    """A death dated in December 2024, registered in October 2025 (the stock of 1 January 2025
    changes): a resident whom no event names."""
    named = set()
    for path in SAMPLE.glob("events_*.csv"):
        with open(path, encoding="utf-8-sig") as fh:
            named |= {row[2].strip() for row in csv.reader(fh)}  # person_id, by position
    (residents,) = SAMPLE.glob("residents_*.csv")
    with open(residents, encoding="utf-8-sig") as fh:
        rows = csv.reader(fh)
        next(rows)
        person, commune = next(
            (r[0], r[11]) for r in rows if r[13] == "alive" and r[0] not in named
        )
    path = landing / "population" / "events_2025-10.csv"
    text = path.read_text(encoding="utf-8").rstrip("\r\n")
    row = f"EVLATE00000001,death,{person},15/12/2024,02/10/2025,{commune},,,,,"
    path.write_text(f"{text}\n{row}\n", encoding="utf-8")


def materialized(
    warehouse: Warehouse, last_month: str, selection, key: dg.AssetKey, name: str
) -> object:
    """Materialize `selection` on the months up to `last_month`; the metadata value `name` of
    asset `key`."""
    result = dg.materialize(
        DEFINITIONS,
        resources={"warehouse": warehouse},
        tags=range_tags(["2024-01", last_month]),
        selection=selection,
    )
    (event,) = [m for m in result.get_asset_materialization_events() if m.asset_key == key]
    return event.materialization.metadata[name].value


def _run(warehouse: Warehouse, last_month: str) -> str:
    """Raw, staging and the timeline; the timeline's `updated_from`."""
    return materialized(
        warehouse, last_month, SELECTION, population.population_timeline.key, "updated_from"
    )


def _tables(warehouse: Warehouse) -> dict:
    out = {}
    with duckdb.connect(str(warehouse.database_path), read_only=True) as con:
        for table in TABLES:
            schema, name = table.split(".")
            columns = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                [schema, name],
            ).fetchall()
            rows = sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            out[table] = (columns, rows)
    return out


def _equal(updated: dict, whole: dict) -> None:
    for table in TABLES:
        assert updated[table][0] == whole[table][0], table  # columns and types
        assert updated[table][1] == whole[table][1], table  # rows, as multisets


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("timeline")
    landing = _landing(root / "landing", "2025-09")
    updated = Warehouse(landing_dir=str(landing), data_dir=str(root / "updated"))
    first = _run(updated, "2025-09")

    shutil.copy(SAMPLE / "events_2025-10.csv", landing / "population")
    _late_death(landing)
    late = _run(updated, "2025-10")
    after_late = _tables(updated)
    whole_late = Warehouse(landing_dir=str(landing), data_dir=str(root / "whole_late"))
    late_whole_build = _run(whole_late, "2025-10")

    header = (SAMPLE / "events_2025-11.csv").read_text(encoding="utf-8").splitlines()[0]
    (landing / "population" / "events_2025-11.csv").write_text(header + "\n", encoding="utf-8")
    empty = _run(updated, "2025-11")
    whole_empty = Warehouse(landing_dir=str(landing), data_dir=str(root / "whole_empty"))
    _run(whole_empty, "2025-11")
    after_empty = _tables(updated)

    # a corrected snapshot (one resident fewer): the states of everyone may change
    (residents,) = (landing / "population").glob("residents_*.csv")
    lines = residents.read_text(encoding="utf-8-sig").splitlines()
    residents.write_text("\ufeff" + "\n".join(lines[:-1]) + "\n", encoding="utf-8")
    new_snapshot = _run(updated, "2025-11")
    return {
        "first": first,
        "late": late,
        "late_whole_build": late_whole_build,
        "after_late": after_late,
        "whole_late": _tables(whole_late),
        "empty": empty,
        "after_empty": after_empty,
        "new_snapshot": new_snapshot,
        "whole_empty": _tables(whole_empty),
        "updated": updated,
    }


def test_a_month_with_a_late_event_updates_from_the_event_s_month(runs):
    assert runs["first"] == "whole build" and runs["late_whole_build"] == "whole build"
    assert runs["late"] == "2024-12-01"  # the late death's month, not October's
    with duckdb.connect(str(runs["updated"].database_path), read_only=True) as con:
        (accepted,) = con.execute(
            "SELECT count(*) FROM staging.events WHERE event_id = 'EVLATE00000001'"
        ).fetchone()
    assert accepted == 1
    _equal(runs["after_late"], runs["whole_late"])


def test_an_empty_month_moves_the_last_reference_date_only(runs):
    assert runs["empty"] == "9999-12-31"  # no event changed: no person's states again
    _equal(runs["after_empty"], runs["whole_empty"])
    dates = [r[0] for r in runs["after_empty"]["marts.reference_dates"][1]]
    assert max(dates).isoformat() == "2025-12-01"  # the day after the empty month


def test_a_new_snapshot_builds_the_timeline_whole(runs):
    assert runs["new_snapshot"] == "whole build"


def test_an_update_that_fails_leaves_a_whole_build_to_the_next_run(tmp_path, monkeypatch):
    landing = _landing(tmp_path / "landing", "2025-09")
    warehouse = Warehouse(landing_dir=str(landing), data_dir=str(tmp_path / "data"))
    assert _run(warehouse, "2025-09") == "whole build"
    shutil.copy(SAMPLE / "events_2025-10.csv", landing / "population")

    def half_done(con, package, name):  # the update's DELETE ran, then the step failed
        con.execute("DELETE FROM intermediate.person_states WHERE valid_from >= '2025-06-01'")
        raise RuntimeError("the update failed halfway")

    monkeypatch.setattr(population, "run_sql_file", half_done)
    failed = dg.materialize(
        DEFINITIONS,
        resources={"warehouse": warehouse},
        tags=range_tags(["2024-01", "2025-10"]),
        selection=SELECTION,
        raise_on_error=False,
    )
    assert not failed.success
    monkeypatch.undo()
    assert _run(warehouse, "2025-10") == "whole build"  # not an update of the half-done tables
    whole = Warehouse(landing_dir=str(landing), data_dir=str(tmp_path / "whole"))
    _run(whole, "2025-10")
    _equal(_tables(warehouse), _tables(whole))
