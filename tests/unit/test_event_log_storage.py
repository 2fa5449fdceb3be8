"""The run history's event log as `python -m dagster_project.run` uses it
(dagster_project/storage.py): Dagster's SQLite event log with its connections kept open. Runs
are stored and read back, by it and by Dagster's own class on the same folder (the UI's), one
engine is made per database file however many events a run logs, and a wipe closes them all."""

import shutil

import dagster as dg
import pytest

from dagster_project import storage
from warehouse.resource import REPO_ROOT


@pytest.fixture()
def instance(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster_project" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    made = []
    real = storage.create_engine
    monkeypatch.setattr(
        storage, "create_engine", lambda *a, **k: made.append(a[0]) or real(*a, **k)
    )
    with dg.DagsterInstance.get() as instance:
        assert type(instance.event_log_storage).__name__ == "SqliteEventLogStorage"  # Dagster's
        yield storage.keep_connections_open(instance), made, home


@dg.asset
def counted() -> dg.MaterializeResult:
    dg.AssetExecutionContext.get().log.info("one more event")
    return dg.MaterializeResult(metadata={"rows": 3})


def test_runs_are_stored_and_read_back_with_one_engine_per_database(instance):
    instance, made, home = instance
    assert isinstance(instance.event_log_storage, storage.KeptOpenSqliteEventLogStorage)
    runs = [dg.materialize([counted], instance=instance).run_id for _ in range(2)]
    for run_id in runs:
        logs = instance.all_logs(run_id)
        assert len(logs) > 10 and any(e.user_message == "one more event" for e in logs)
        assert (home / "history" / "runs" / f"{run_id}.db").is_file()
    latest = instance.get_latest_materialization_event(dg.AssetKey("counted"))
    assert latest.run_id == runs[-1] and latest.asset_materialization.metadata["rows"].value == 3
    # one engine per database file (the index, each run's), not one per event
    assert sorted(set(made)) == sorted(made) and len(made) == 3
    # Dagster's own class (the UI's) reads the same history from the folder
    with dg.DagsterInstance.from_config(str(home)) as other:
        assert type(other.event_log_storage).__name__ == "SqliteEventLogStorage"
        assert [len(other.all_logs(r)) for r in runs] == [len(instance.all_logs(r)) for r in runs]


def test_the_engines_are_bounded_and_a_wipe_closes_them(instance, monkeypatch):
    instance, made, home = instance
    monkeypatch.setattr(storage, "OPEN_DATABASES", 2)
    for _ in range(3):
        dg.materialize([counted], instance=instance)
    events = instance.event_log_storage
    assert len(events._engines) == 2
    events.wipe()
    # the run databases are gone and closed; the index stays (wiped of their rows)
    assert list(events._engines) == ["index"]
    assert not list((home / "history" / "runs").glob("[0-9a-f]*.db"))


def test_a_table_found_is_not_asked_for_again(instance, monkeypatch):
    """Dagster asks whether a table exists before storing each asset event's tags and each check
    result; the kept storage asks the database once per table found, and asks again for a
    table not found (a migration may add it)."""
    instance, _, _ = instance
    asked = []
    real = storage.SqliteEventLogStorage.has_table
    monkeypatch.setattr(
        storage.SqliteEventLogStorage,
        "has_table",
        lambda self, name: asked.append(name) or real(self, name),
    )
    events = instance.event_log_storage
    for _ in range(3):
        dg.materialize([counted], instance=instance)
    assert events.has_table("asset_event_tags") and events.has_table("asset_check_executions")
    assert sorted(asked) == sorted(set(asked)) and "asset_event_tags" in asked
    assert not events.has_table("no_such_table") and not events.has_table("no_such_table")
    assert asked.count("no_such_table") == 2
