"""The models' workbooks written by processes of their own (reporting/workbook_jobs.py)."""

import re
import zipfile

import duckdb
import pytest

from reporting import workbook, workbook_jobs


@pytest.fixture
def published(tmp_path):
    db = tmp_path / "marts.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute(
            "CREATE TABLE visits AS SELECT 'province' AS area_level, '52' AS area_code, "
            "2024 + (i % 2) AS year, i * 10 AS visitors FROM range(50) t(i)"
        )
        con.execute(
            "CREATE TABLE offences AS SELECT i AS month, i * 3 AS cases FROM range(12) t(i)"
        )
    return db


def _job(path, mart: str, model: int) -> dict:
    return {
        "path": path,
        "model": model,
        "title": ("Thử", "Test"),
        "source": "Nguồn thử",
        "tables": [],
        "data": [workbook.DataSheet(mart, f"{mart} (vi)", f"{mart} (en)")],
        "labels": {},
    }


def _sheets(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:  # the cells, not the file's creation time
        return {n: z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")}


def test_processes_write_what_one_process_writes(published, tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    marts = [("visits", 38), ("offences", 39)]
    workbook_jobs.write_workbooks(
        published, [_job(tmp_path / "one" / f"{m}.xlsx", m, n) for m, n in marts], processes=1
    )
    workbook_jobs.write_workbooks(
        published, [_job(tmp_path / "two" / f"{m}.xlsx", m, n) for m, n in marts], processes=2
    )
    for mart, _ in marts:
        one, two = (
            _sheets(tmp_path / "one" / f"{mart}.xlsx"),
            _sheets(tmp_path / "two" / f"{mart}.xlsx"),
        )
        assert one and one == two
        # the data sheet holds the mart's values (visitors go up to 490)
        assert any(b"<v>490</v>" in xml for xml in one.values()) == (mart == "visits")


def test_a_failed_workbook_is_named_without_its_cells(published, tmp_path):
    jobs = [
        _job(tmp_path / "ok.xlsx", "visits", 38),
        _job(tmp_path / "bad.xlsx", "no_such_mart", 39),
    ]
    with pytest.raises(workbook_jobs.WorkbookError, match=r"bad\.xlsx failed") as failure:
        workbook_jobs.write_workbooks(published, jobs, processes=2)
    assert "no_such_mart" not in str(failure.value)  # the message names the file, not the query
    assert re.search(r"\(\w+(Error|Exception), exit status", str(failure.value))  # what went wrong
