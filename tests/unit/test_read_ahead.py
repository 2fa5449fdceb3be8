"""Workbooks of a source read side by side (sources.readers.read_ahead)."""

import os
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from sources import readers
from sources.contracts import CONTRACTS

SAMPLE = Path(__file__).resolve().parents[2] / "data_samples" / "landing"
LABOUR = CONTRACTS["labour_status"]


@pytest.fixture
def landing(tmp_path):
    (tmp_path / "labour").mkdir()
    for f in sorted((SAMPLE / "labour").glob("labour_status_*.xlsx")):
        shutil.copy(f, tmp_path / "labour" / f.name)
        # delivered an hour ago: a file changed within the clock's resolution of its hashing
        # is hashed again on the next run (readers.RACY_NS)
        stamp = time.time() - 3600
        os.utime(tmp_path / "labour" / f.name, (stamp, stamp))
    return tmp_path


def _load(con, files, ahead: bool) -> list[dict]:
    for s in ("raw", "ops"):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {s}")
    pairs = readers.read_ahead(con, LABOUR, files) if ahead else ((f, None) for f in files)
    return [readers.load_raw_file(con, LABOUR, f, "batch", pre) for f, pre in pairs]


def _rows(con) -> list[tuple]:
    return con.execute(
        "SELECT * EXCLUDE (_batch_id, _loaded_at) FROM raw.labour_status "
        "ORDER BY _source_file, _row_number"
    ).fetchall()


def test_read_ahead_loads_what_reading_one_by_one_loads(landing, monkeypatch):
    files = readers.landing_files(landing, LABOUR)
    assert len(files) >= 2
    calls = []
    prefetch = readers.prefetch_sheets
    monkeypatch.setattr(
        readers, "prefetch_sheets", lambda path, c: calls.append(path.name) or prefetch(path, c)
    )
    ahead, one_by_one = duckdb.connect(), duckdb.connect()
    _load(ahead, files, ahead=True)
    _load(one_by_one, files, ahead=False)
    assert sorted(calls) == sorted(f.path.name for f in files)  # every workbook read ahead
    assert _rows(ahead) == _rows(one_by_one)
    assert len(_rows(ahead)) > 0
    # a rerun on unchanged files reads nothing ahead and loads nothing again
    calls.clear()
    results = _load(ahead, files, ahead=True)
    assert calls == []
    assert {r["status"] for r in results} == {"unchanged"}


def test_an_unreadable_workbook_is_still_reported_by_its_loader(landing):
    files = readers.landing_files(landing, LABOUR)
    files[-1].path.write_bytes(b"PK\x03\x04 not really a workbook")
    assert readers.prefetch_sheets(files[-1].path, LABOUR) is None
    con = duckdb.connect()
    with pytest.raises(readers.ExtractError) as failure:
        _load(con, files, ahead=True)
    assert failure.value.path == str(files[-1].path)
