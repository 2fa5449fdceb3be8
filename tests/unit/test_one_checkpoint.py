"""A source's files loaded one transaction each and checkpointed once
(sources.readers.one_checkpoint)."""

import shutil
from pathlib import Path

import duckdb
import pytest

from sources import readers
from sources.contracts import CONTRACTS

SAMPLE = Path(__file__).resolve().parents[2] / "data_samples" / "landing"
STAYS = CONTRACTS["stays"]


@pytest.fixture
def landing(tmp_path):
    (tmp_path / "landing" / "lodging").mkdir(parents=True)
    for f in sorted((SAMPLE / "lodging").glob("stays_*.jsonl"))[:4]:
        shutil.copy(f, tmp_path / "landing" / "lodging" / f.name)
    return tmp_path / "landing"


def _warehouse(tmp_path) -> tuple[duckdb.DuckDBPyConnection, Path]:
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    for schema in ("raw", "ops"):
        con.execute(f"CREATE SCHEMA {schema}")
    con.execute("CHECKPOINT")
    # a small threshold, as a warehouse of small files would reach it: each commit checkpoints
    con.execute("SET checkpoint_threshold = '1KB'")
    return con, path.with_name(path.name + ".wal")


def _threshold(con) -> str:
    return con.execute("SELECT current_setting('checkpoint_threshold')").fetchone()[0]


def _wal_bytes(wal: Path) -> int:
    return wal.stat().st_size if wal.exists() else 0


def test_commits_stay_in_the_log_until_the_one_checkpoint(landing, tmp_path):
    con, wal = _warehouse(tmp_path)
    files = readers.landing_files(landing, STAYS)
    with readers.one_checkpoint(con):
        results = [readers.load_raw_file(con, STAYS, f, "batch") for f in files]
        in_log = _wal_bytes(wal)
        assert con.execute("SELECT count(*) FROM raw.stays").fetchone()[0] == sum(
            r["rows"] for r in results
        )
    assert in_log > 0  # every file committed, none checkpointed yet
    assert _wal_bytes(wal) == 0  # checkpointed once, at the end
    assert _threshold(con) == "1000 bytes"  # as it was
    # without it, the threshold checkpoints at each commit: nothing stays in the log
    readers.load_raw_file(con, STAYS, files[0], "batch")
    assert _wal_bytes(wal) == 0


def test_a_failure_keeps_the_files_committed_before_it(landing, tmp_path):
    con, wal = _warehouse(tmp_path)
    files = readers.landing_files(landing, STAYS)
    with pytest.raises(RuntimeError), readers.one_checkpoint(con):
        first = readers.load_raw_file(con, STAYS, files[0], "batch")
        raise RuntimeError("the second file is unreadable")
    assert _threshold(con) == "1000 bytes"  # as it was
    con.close()  # the committed file survives closing (its rows are in the log)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as again:
        assert again.execute("SELECT count(*) FROM raw.stays").fetchone()[0] == first["rows"] > 0
