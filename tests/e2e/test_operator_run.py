"""`python -m dagster_project.run` as an operator runs it, on a small landing: SIGKILL at
several points leaves the warehouse consistent and the next run converges to what a clean run
publishes; a withdrawn delivery leaves raw and the marts, a file gone from the landing folder
keeps its rows and the run says so. Slow: each run starts Dagster (about 20 s on an idle
machine)."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.helpers import make_landing

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def start(landing: Path, data: Path, *args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DE06_LANDING_DIR": str(landing),
        "DE06_DATA_DIR": str(data),
        "DAGSTER_HOME": str(data.parent / f"{data.name}-home"),
        "DE06_LOCK_WAIT": "30",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "dagster_project.run", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run(landing: Path, data: Path, *args: str) -> str:
    proc = start(landing, data, *args)
    out, _ = proc.communicate(timeout=400)
    assert proc.returncode == 0, out[-3000:]
    return out


def published_tables(data: Path) -> dict[str, list]:
    with duckdb.connect(str(data / "published" / "marts.duckdb"), read_only=True) as con:
        names = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
        return {n: sorted(map(repr, con.execute(f"SELECT * FROM {n}").fetchall())) for n in names}


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    return make_landing(tmp_path_factory.mktemp("op"))


@pytest.fixture(scope="module")
def clean(landing, tmp_path_factory):
    data = tmp_path_factory.mktemp("clean") / "data"
    run(landing, data)
    return data


def kill_when(proc: subprocess.Popen, ready, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert proc.poll() is None, "the run ended before the kill point"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_sigkill_during_load_and_publication_then_converge(landing, clean, tmp_path):
    data = tmp_path / "data"
    # 1. killed while loading or staging (the warehouse has a write-ahead log open)
    proc = start(landing, data)
    kill_when(proc, lambda: (data / "warehouse.duckdb.wal").exists())
    # 2. killed while the next set is being written (an .incoming folder exists)
    proc = start(landing, data)
    kill_when(
        proc,
        lambda: (
            any((data / "versions").glob(".incoming-*")) if (data / "versions").is_dir() else False
        ),
    )
    assert not (data / "published").exists() or (data / "published" / "marts.duckdb").exists()
    # the warehouse opens (its WAL replays) and the next run converges to the clean result
    run(landing, data)
    assert published_tables(data) == published_tables(clean)
    assert not list((data / "versions").glob(".incoming-*"))
    assert sorted(p.name for p in (data / "published").iterdir()) == sorted(
        p.name for p in (clean / "published").iterdir()
    )


def test_withdraw_and_a_file_gone_from_the_landing_folder(landing, clean, tmp_path):
    moved = tmp_path / "landing"
    shutil.copytree(landing, moved)
    (moved / "population" / "events_2025-06.csv").unlink()  # archived after loading
    out = run(
        moved, clean, "--withdraw", "population/events_2025-07.csv", "--months", "2025-07:2025-07"
    )
    assert "withdrew population/events_2025-07.csv (4 rows removed from raw.events" in out
    assert "events_2025-06.csv" in out and "their rows are kept" in out
    with duckdb.connect(str(clean / "warehouse.duckdb"), read_only=True) as con:
        files = dict(
            con.execute("SELECT _source_file, count(*) FROM raw.events GROUP BY 1").fetchall()
        )
        log = dict(
            con.execute(
                "SELECT source_file, status FROM ops.load_log WHERE source = 'events'"
            ).fetchall()
        )
        staged = con.execute(
            "SELECT count(*) FROM staging.events WHERE _source_file LIKE '%2025-07%'"
        ).fetchone()[0]
        quarantined = con.execute(
            "SELECT count(*) FROM quarantine.events WHERE _source_file LIKE '%2025-07%'"
        ).fetchone()[0]
    assert files == {"population/events_2025-06.csv": 5}
    assert log == {
        "population/events_2025-06.csv": "loaded",
        "population/events_2025-07.csv": "withdrawn",
    }
    assert staged == quarantined == 0  # everything built from it was rebuilt without it
    instance = dg.DagsterInstance.from_config(str(clean.parent / "data-home"))
    event = instance.get_latest_materialization_event(dg.AssetKey(["raw", "events"]))
    kept = event.asset_materialization.metadata["files_not_in_landing_kept"].value
    assert kept == ["population/events_2025-06.csv"]
