"""The warehouse resource: a dagster-duckdb DuckDBResource whose settings come from the DE06_*
variables, and whose every connection is prepared the same way and closed whatever happens."""

from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from warehouse.resource import REPO_ROOT, SCHEMAS, Warehouse, compact_tables


def test_settings_come_from_the_de06_variables_as_env_vars(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DE06_DATA_DIR", "relative-data")
    monkeypatch.setenv("DE06_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("DE06_MIN_CELL", "7")
    wh = Warehouse.from_env()
    assert isinstance(wh, DuckDBResource)
    assert isinstance(wh.data_dir, dg.EnvVar) and isinstance(wh.landing_dir, dg.EnvVar)
    # outside a run (make run takes the lock before Dagster starts) the paths are read too
    assert wh.data == tmp_path / "relative-data"
    assert wh.database_path == tmp_path / "relative-data" / "warehouse.duckdb"
    seen = {}

    @dg.asset
    def probe(warehouse: Warehouse) -> None:
        seen.update(min_cell=warehouse.min_cell, data=warehouse.data, landing=warehouse.landing)

    assert dg.materialize([probe], resources={"warehouse": wh}).success
    assert seen == {
        "min_cell": 7,
        "data": tmp_path / "relative-data",
        "landing": tmp_path / "landing",
    }


def test_settings_default_to_the_readme_folders(monkeypatch):
    for var in ("DE06_DATA_DIR", "DE06_LANDING_DIR", "DE06_MIN_CELL"):
        monkeypatch.delenv(var, raising=False)
    wh = Warehouse.from_env()
    assert wh.data == REPO_ROOT / "data"
    assert wh.landing == REPO_ROOT / "data_samples" / "landing"
    assert wh.min_cell == 3


def test_every_connection_has_the_schemas_and_rule_macros(tmp_path):
    wh = Warehouse(landing_dir=str(tmp_path), data_dir=str(tmp_path / "data"))
    for _ in range(2):  # a second connection is prepared the same way (TEMP macros)
        with wh.get_connection() as con:
            rows = con.execute("SELECT schema_name FROM duckdb_schemas()").fetchall()
            schemas = {r[0] for r in rows}
            assert set(SCHEMAS) <= schemas
            assert con.execute("SELECT clean_text('  a  b ')").fetchone()[0] == "a b"
            assert len(con.execute("SELECT pseudonym('052090001234')").fetchone()[0]) == 64


def test_the_connection_is_closed_when_the_block_fails(tmp_path):
    wh = Warehouse(landing_dir=str(tmp_path), data_dir=str(tmp_path / "data"))
    with pytest.raises(ValueError), wh.get_connection() as con:
        raise ValueError("a failing step")
    with pytest.raises(duckdb.ConnectionException):
        con.execute("SELECT 1")
    # the single writer's file is free again: another process may open it
    other = duckdb.connect(str(wh.database_path), read_only=True)
    other.close()
    assert Path(wh.database_path).exists()


def test_a_run_holds_one_connection_and_hands_it_on_clean(tmp_path):
    """Steps of a run share one prepared connection (opening a large warehouse file costs about
    0.1 s a time); the next step never sees the last one's temporary tables or its open
    transaction, and the run closes it at its end so another process can open the file."""
    wh = Warehouse(landing_dir=str(tmp_path), data_dir=str(tmp_path / "data"))
    seen = {}

    @dg.asset
    def first(warehouse: Warehouse) -> None:
        with warehouse.get_connection() as con:
            seen["first"] = id(con)
            con.execute("CREATE TEMP TABLE _scratch AS SELECT 1 AS x")
            con.execute("CREATE TEMP VIEW _scratch_view AS SELECT 2 AS y")
            con.execute("CREATE TABLE ops.kept (x INTEGER)")
            con.execute("BEGIN TRANSACTION")
            con.execute("INSERT INTO ops.kept VALUES (1)")
            # the step leaves its transaction open (as a step that failed inside one would)

    @dg.asset(deps=[first])
    def second(warehouse: Warehouse) -> None:
        with warehouse.get_connection() as con:
            seen["second"] = id(con)
            temp = con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE temporary UNION ALL "
                "SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal"
            ).fetchall()
            seen["temp"] = {r[0] for r in temp}
            seen["kept_rows"] = con.execute("SELECT count(*) FROM ops.kept").fetchone()[0]
            assert len(con.execute("SELECT pseudonym('052090001234')").fetchone()[0]) == 64

    assert dg.materialize([first, second], resources={"warehouse": wh}).success
    assert seen["first"] == seen["second"]
    assert seen["temp"] == {"code_spellings"}  # prepare_connection's own stays
    assert seen["kept_rows"] == 0  # the open transaction was rolled back, not committed
    other = duckdb.connect(str(wh.database_path))  # closed at the run's end: the file is free
    other.close()


def _stored_rows(con, table: str) -> int:
    schema, name = table.split(".")
    return con.execute(
        "SELECT estimated_size FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
        [schema, name],
    ).fetchone()[0]


def test_a_run_compacts_the_tables_its_deletes_left_half_empty(tmp_path):
    """Row groups are not merged at checkpoints (a month appended to a part-filled row group
    was compressed again at the next one), so deleted rows stay stored until the run's end
    rewrites the tables where they are many: same rows, same order, the space reclaimed."""
    wh = Warehouse(landing_dir=str(tmp_path), data_dir=str(tmp_path / "data"))
    n = 300_000
    seen = {}

    @dg.asset
    def deleting(warehouse: Warehouse) -> None:
        with warehouse.get_connection() as con:
            seen["vacuum_tasks"] = con.execute(
                "SELECT current_setting('max_vacuum_tasks')"
            ).fetchone()[0]
            con.execute(
                f"CREATE TABLE intermediate.churned AS SELECT range AS id, range % 7 AS k "
                f"FROM range({n})"
            )
            con.execute(f"CREATE TABLE intermediate.kept AS SELECT range AS id FROM range({n})")
            con.execute("CHECKPOINT")
            con.execute("DELETE FROM intermediate.churned WHERE id % 3 <> 0")  # 2/3 deleted
            con.execute("DELETE FROM intermediate.kept WHERE id % 50 = 0")  # 2 % deleted
            con.execute("CHECKPOINT")
            seen["stored_before"] = _stored_rows(con, "intermediate.churned")

    assert dg.materialize([deleting], resources={"warehouse": wh}).success
    assert seen["vacuum_tasks"] == 0
    assert seen["stored_before"] == n  # the checkpoint alone reclaimed nothing
    with duckdb.connect(str(wh.database_path)) as con:
        assert _stored_rows(con, "intermediate.churned") < n / 2
        assert _stored_rows(con, "intermediate.kept") == n  # too few deleted to rewrite
        ids, keys = con.execute(
            "SELECT list(id ORDER BY rowid), list(k ORDER BY rowid) FROM intermediate.churned"
        ).fetchone()
    assert ids == list(range(0, n, 3))  # every kept row, in its order
    assert keys == [i % 7 for i in range(0, n, 3)]


def test_compaction_skips_small_or_lightly_deleted_tables_and_returns_what_it_did(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("SET max_vacuum_tasks = 0")
    con.execute("CREATE TABLE a AS SELECT range AS id FROM range(50000)")
    con.execute("CREATE TABLE b AS SELECT range AS id FROM range(50000)")
    con.execute("CREATE TABLE c AS SELECT range AS id FROM range(5000)")
    con.execute("CREATE TABLE d (id INTEGER DEFAULT 0)")  # a copy would lose the default
    con.execute("INSERT INTO d SELECT range FROM range(50000)")
    con.execute("DELETE FROM a WHERE id < 20000")  # 40 %: rewritten
    con.execute("DELETE FROM b WHERE id < 10000")  # 20 %: kept
    con.execute("DELETE FROM c")  # all, but fewer than 10,000 rows: kept
    con.execute("DELETE FROM d WHERE id < 40000")
    assert compact_tables(con) == [("main.a", 20000)]
    assert con.execute("SELECT count(*), min(id), max(id) FROM a").fetchone() == (
        30000,
        20000,
        49999,
    )
    assert compact_tables(con, min_share=0.1) == [("main.b", 10000)]


def test_outside_a_run_every_block_has_its_own_connection(tmp_path):
    wh = Warehouse(landing_dir=str(tmp_path), data_dir=str(tmp_path / "data"))
    with wh.get_connection() as a:
        pass
    with pytest.raises(duckdb.ConnectionException):
        a.execute("SELECT 1")


def test_assets_import_the_resource_without_importing_dagster_project():
    from tests.helpers import fresh_python

    code = (
        "import sys, assets, assets.publish, assets.reference\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'dagster_project'))"
    )
    assert fresh_python(code).strip() == "[]"


@pytest.mark.parametrize(
    "landing_bytes, expected_mb",
    [(None, 750), (0, 750), (100 * 10**6, 750), (800 * 10**6, 1400), (3 * 10**9, 2000)],
)
def test_auto_memory_limit_follows_the_landing_size(tmp_path, landing_bytes, expected_mb):
    """'auto' (the default): 1.75 times the landing files' bytes, between 750 MB and 2 GB, counted
    in subfolders; a missing landing folder gets the least."""
    landing = tmp_path / "landing"
    if landing_bytes is not None:
        (landing / "lodging").mkdir(parents=True)
        with open(landing / "lodging" / "stays_2024-01.jsonl", "wb") as fh:
            fh.truncate(landing_bytes // 2)  # sparse: the size counts, not the blocks
        with open(landing / "labour.xlsx", "wb") as fh:
            fh.truncate(landing_bytes - landing_bytes // 2)
    wh = Warehouse(landing_dir=str(landing), data_dir=str(tmp_path / "data"))
    assert wh.duckdb_config()["memory_limit"] == f"{expected_mb}MB"
    with wh.connect() as con:
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert (
        limit
        == duckdb.connect(config={"memory_limit": f"{expected_mb}MB"})
        .execute("SELECT current_setting('memory_limit')")
        .fetchone()[0]
    )


def test_an_explicit_memory_limit_is_kept(tmp_path):
    wh = Warehouse(
        landing_dir=str(tmp_path),
        data_dir=str(tmp_path / "data"),
        connection_config={"memory_limit": "1500MB", "preserve_insertion_order": "false"},
    )
    assert wh.duckdb_config()["memory_limit"] == "1500MB"
    with wh.connect() as con:
        assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == "1.3 GiB"
