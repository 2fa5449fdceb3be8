"""Operator safety: one writer whoever starts the run, a holder of the warehouse named, the
pseudonym key fingerprinted and checked, the landing sensor's run key a digest of everything."""

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from assets import reference
from dagster_project import run as run_module
from dagster_project.jobs import landing_sensor
from quality.rules import KeyError_, key_fingerprint, load_or_create_key
from warehouse.resource import RunAlreadyGoing, Warehouse, acquire_run_lock

REPO = Path(__file__).resolve().parents[2]


def hold(code: str) -> subprocess.Popen:
    """A second process that does `code`, says 'held', then waits to be killed."""
    proc = subprocess.Popen(
        [sys.executable, "-c", code + "\nprint('held', flush=True)\nimport time; time.sleep(120)"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


@pytest.fixture()
def lock_holder(tmp_path):
    proc = hold(
        "from pathlib import Path\nfrom warehouse.resource import acquire_run_lock\n"
        f"acquire_run_lock(Path({str(tmp_path / 'data')!r}), 0, 'test holder')"
    )
    yield proc
    proc.kill()
    proc.wait()


def test_second_make_run_says_a_run_is_going_and_which_pid(
    tmp_path, lock_holder, monkeypatch, capsys
):
    monkeypatch.setenv("DE06_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DE06_LANDING_DIR", str(tmp_path))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DE06_LOCK_WAIT", "0.5")
    assert run_module.main([]) == 3
    err = capsys.readouterr().err
    assert "A run is already going" in err and f"pid {lock_holder.pid}" in err


def test_a_dagster_run_takes_the_same_lock(tmp_path, lock_holder):
    wh = Warehouse(landing_dir=str(tmp_path), data_dir=str(tmp_path / "data"), lock_wait_s=0.5)
    with pytest.raises(dg.DagsterResourceFunctionError) as info:
        dg.materialize([reference.admin_units_reference], resources={"warehouse": wh})
    assert isinstance(info.value.__cause__, RunAlreadyGoing)
    assert f"pid {lock_holder.pid}" in str(info.value.__cause__)


def test_lock_is_released_after_a_run_and_reentrant(tmp_path):
    data = tmp_path / "data"
    wh = Warehouse(landing_dir=str(tmp_path), data_dir=str(data), lock_wait_s=0.5)
    assert dg.materialize([reference.admin_units_reference], resources={"warehouse": wh}).success
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "from pathlib import Path\nfrom warehouse.resource import "
            f"acquire_run_lock\nacquire_run_lock(Path({str(data)!r}), 0)",
        ],
        cwd=REPO,
    )
    assert probe.returncode == 0  # nobody holds it any more
    acquire_run_lock(data, 0)
    acquire_run_lock(data, 0)  # the same process again (make run, then its resource)


def test_process_holding_the_warehouse_is_named(tmp_path):
    wh = Warehouse(landing_dir=str(tmp_path), data_dir=str(tmp_path / "data"))
    with wh.connect():
        pass
    proc = hold(f"import duckdb\ncon = duckdb.connect({str(wh.database_path)!r})")
    try:
        with pytest.raises(RuntimeError) as info, wh.connect(attempts=1):
            pass
        assert f"held by process {proc.pid}" in str(info.value)
        assert "published/marts.duckdb" in str(info.value)
    finally:
        proc.kill()
        proc.wait()


def test_data_folder_and_key_file_are_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv("DE06_PSEUDONYM_KEY")
    wh = Warehouse(landing_dir=str(tmp_path), data_dir=str(tmp_path / "data"))
    with wh.connect():
        pass
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "data" / ".pseudonym_key").stat().st_mode) == 0o600


def test_short_key_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("DE06_PSEUDONYM_KEY", "x" * 31)
    with pytest.raises(KeyError_, match="31 bytes; at least 32"):
        load_or_create_key(tmp_path)
    monkeypatch.delenv("DE06_PSEUDONYM_KEY")
    (tmp_path / ".pseudonym_key").write_text("short")
    with pytest.raises(KeyError_, match="5 bytes"):
        load_or_create_key(tmp_path)


def test_another_key_refuses_to_mix_pseudonyms(tmp_path, monkeypatch):
    old, new = "a" * 40, "b" * 40
    monkeypatch.setenv("DE06_PSEUDONYM_KEY", old)
    wh = Warehouse(landing_dir=str(tmp_path), data_dir=str(tmp_path / "data"))
    with wh.connect() as con:
        con.execute("CREATE TABLE raw.residents AS SELECT 1 AS x")
        con.execute("CREATE TABLE staging.residents AS SELECT pseudonym('1') AS person_key")
        recorded = con.execute("SELECT fingerprint FROM ops.key_fingerprint").fetchall()
    assert recorded == [(key_fingerprint(old.encode()),)] and old not in recorded[0][0]
    monkeypatch.setenv("DE06_PSEUDONYM_KEY", new)
    with pytest.raises(KeyError_) as info, wh.connect():
        pass
    assert "restore the old key" in str(info.value)
    assert "python -m dagster_project.run --rebuild-for-new-key" in str(info.value)
    assert new not in str(info.value) and old not in str(info.value)
    dropped = wh.reset_for_new_key()
    assert "staging" in dropped and "ops.key_fingerprint" in dropped
    with wh.connect() as con:  # raw kept, the new key recorded
        assert con.execute("SELECT count(*) FROM raw.residents").fetchone()[0] == 1
        assert con.execute("SELECT fingerprint FROM ops.key_fingerprint").fetchone()[
            0
        ] == key_fingerprint(new.encode())


def test_sensor_sees_a_change_to_the_last_of_100_files(tmp_path):
    landing = tmp_path / "landing" / "population"
    landing.mkdir(parents=True)
    months = [f"{2016 + i // 12}-{i % 12 + 1:02d}" for i in range(100)]
    for m in months:
        (landing / f"events_{m}.csv").write_text("event_id\n")
    wh = Warehouse(landing_dir=str(tmp_path / "landing"), data_dir=str(tmp_path / "data"))

    def evaluate(cursor=None):
        with dg.build_sensor_context(cursor=cursor, resources={"warehouse": wh}) as ctx:
            return landing_sensor(ctx), ctx.cursor

    first, cursor = evaluate()
    assert isinstance(first, dg.RunRequest)
    assert isinstance(evaluate(cursor)[0], dg.SkipReason)  # nothing changed
    last = landing / f"events_{months[-1]}.csv"
    last.write_text("event_id\nEV1\n")
    os.utime(last, ns=(time.time_ns(), time.time_ns() + 10**9))
    second, _ = evaluate(cursor)
    assert isinstance(second, dg.RunRequest)
    assert second.run_key != first.run_key
    assert second.tags["dagster/asset_partition_range_start"] == f"{months[-1]}-01"
    assert len(second.run_key) == 64  # a sha256 of the whole state


def test_an_existing_loose_data_folder_is_tightened_on_every_run(tmp_path, monkeypatch):
    """A data folder made by hand or by an older version (0755, a 0644 warehouse, a readable
    versions/ folder) is owner-only after the next connection, not only when it is created."""
    monkeypatch.delenv("DE06_PSEUDONYM_KEY")
    data = tmp_path / "data"
    wh = Warehouse(landing_dir=str(tmp_path), data_dir=str(data))
    with wh.connect():
        pass
    (data / "versions").mkdir(exist_ok=True)
    os.chmod(data, 0o755)
    os.chmod(data / "versions", 0o755)
    os.chmod(data / "warehouse.duckdb", 0o644)
    os.chmod(data / ".pseudonym_key", 0o644)
    with wh.connect():
        pass
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "versions").stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "warehouse.duckdb").stat().st_mode) == 0o600
    assert stat.S_IMODE((data / ".pseudonym_key").stat().st_mode) == 0o600


def test_the_share_is_readable_by_all_and_switched_atomically(tmp_path):
    """DE06_SHARE_DIR: each published set is copied there readable by all (folders 0755, files
    0644), `<share>/published` points at the newest complete copy, and the data folder's own
    versions stay owner-only."""
    from warehouse import publication_store

    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    published = data / "published"
    for release in ("first", "second"):
        work = publication_store.new_work_dir(published)
        (work / "csv").mkdir()
        (work / "csv" / "population_indicators.csv").write_text(release)
        version = publication_store.publish_version(work, published)
        assert stat.S_IMODE((data / "versions").stat().st_mode) == 0o700  # closes them all
        shared = publication_store.share(version, tmp_path / "share")
    link = tmp_path / "share" / "published"
    assert link.is_symlink() and link.resolve() == shared.resolve()
    assert (link / "csv" / "population_indicators.csv").read_text() == "second"
    for path in [shared, *shared.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o755 if path.is_dir() else 0o644), (path, oct(mode))
    assert not (tmp_path / "share" / "warehouse.duckdb").exists()
