"""The bookkeeping of warehouse/incremental.py that every step does: whether a table is there
(table_exists), and the fingerprint of a Python reference asset (upstream_fingerprint), the
digest of its tables' content, worked out once per run."""

import duckdb

from warehouse import incremental


def test_a_reference_digest_is_worked_out_once_per_run():
    """A Python reference asset's content digest is worked out once in a run (its tables are
    written by its own step, before every step that reads them), again in the next run, and
    every time outside a run."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA reference")
    con.execute("CREATE TABLE reference.penal_code_iccs AS SELECT 'A' AS code")
    dep = "reference/penal_code_iccs"
    first = incremental.upstream_fingerprint(con, dep, "run-1")
    con.execute("INSERT INTO reference.penal_code_iccs VALUES ('B')")
    assert incremental.upstream_fingerprint(con, dep, "run-1") == first  # kept for the run
    changed = incremental.upstream_fingerprint(con, dep)  # outside a run: worked out
    assert changed != first
    assert incremental.upstream_fingerprint(con, dep, "run-2") == changed  # the next run's
    assert ("run-1", dep) not in incremental._run_digests  # an earlier run's is let go


def test_a_table_exists_when_it_can_be_read():
    """Tables and views of the warehouse exist; a temporary table, a table of another schema, a
    missing schema and a view whose table is gone do not; asking inside a transaction leaves it
    usable."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA staging")
    con.execute("CREATE TABLE staging.stays AS SELECT 1 AS a")
    con.execute("CREATE VIEW staging.stays_view AS SELECT * FROM staging.stays")
    con.execute("CREATE TABLE staging.gone AS SELECT 1 AS a")
    con.execute("CREATE VIEW staging.gone_view AS SELECT * FROM staging.gone")
    con.execute("DROP TABLE staging.gone")
    con.execute("CREATE TEMP TABLE only_here AS SELECT 1 AS a")
    con.execute('CREATE TABLE staging."odd ""name""" AS SELECT 1 AS a')
    assert incremental.table_exists(con, "staging.stays")
    assert incremental.table_exists(con, "staging.stays_view")
    assert incremental.table_exists(con, 'staging.odd "name"')
    assert not incremental.table_exists(con, "main.only_here")
    assert not incremental.table_exists(con, "main.stays")
    assert not incremental.table_exists(con, "marts.stays")
    assert not incremental.table_exists(con, "staging.gone_view")
    con.execute("BEGIN TRANSACTION")
    con.execute("INSERT INTO staging.stays VALUES (2)")
    assert not incremental.table_exists(con, "staging.missing")
    con.execute("COMMIT")
    assert con.execute("SELECT count(*) FROM staging.stays").fetchone()[0] == 2


def test_an_append_stages_its_rows_in_a_temporary_table_and_reads_only_the_new_files():
    """An append's staging SQL reads the new files only (_batch_raw) and keeps its checked rows
    in a temporary table: nothing of the batch is written to the warehouse file to be dropped."""
    from importlib import resources

    for source in incremental.APPEND:
        sql = (resources.files("quality") / "sql" / f"stage_{source}.sql").read_text()
        batch = incremental._batch_sql(sql, source)
        checked = incremental.BATCH_CHECKED.format(source=source)
        assert f"CREATE OR REPLACE TEMP TABLE {checked} AS" in batch
        assert f"staging._checked_{source}" not in batch
        assert f"raw.{source}" not in batch and "_batch_raw" in batch
        con = duckdb.connect()  # the statements parse as DuckDB SQL
        assert con.extract_statements(batch)


def test_a_raw_record_marks_new_files_only_from_the_first_day_of_their_earliest_period():
    """A raw table's record carries the appended marker when only files were added, every earlier
    one as it was: from the first day of the earliest new file's period, onto the record before
    (a period mart listing the periods of ops.load_log recomputes from it). A replaced or
    withdrawn file, an unchanged table and a first load carry none."""
    from types import SimpleNamespace

    con = duckdb.connect()
    con.execute("CREATE SCHEMA ops")
    incremental.ensure_build_log(con)
    context = SimpleNamespace(run_id="run")
    asset = "raw/traffic_violations"

    def record(logged):
        status = {f: "new" for f, *_ in logged}
        incremental._record_raw_files(context, con, asset, logged, status, {})
        return incremental.recorded(con, asset)

    nov = ("public_order/tv_2025-11.csv", "2025-11", "a", 5, "loaded")
    oct_ = ("public_order/tv_2025-10.csv", "2025-10", "b", 5, "loaded")
    dec = ("public_order/tv_2025-12.csv", "2025-12", "c", 5, "loaded")
    first = record([oct_, nov])
    assert incremental.APPENDED not in first["inputs"]  # a first load
    second = record([oct_, nov, dec])
    assert second["inputs"][incremental.APPENDED] == {
        "onto": first["fingerprint"],
        "from": "2025-12-01",
    }
    assert incremental.APPENDED not in record([oct_, nov, dec])["inputs"]  # unchanged
    late = ("public_order/tv_2025-09.csv", "2025-09", "d", 5, "loaded")
    jan = ("public_order/tv_2026-01.csv", "2026-01", "e", 5, "loaded")
    third = record([late, oct_, nov, dec, jan])
    assert third["inputs"][incremental.APPENDED]["from"] == "2025-09-01"  # the earliest
    replaced = record([late, oct_, nov, dec[:2] + ("f",) + dec[3:], jan])
    assert incremental.APPENDED not in replaced["inputs"]
    withdrawn = record([late, oct_, nov, dec[:4] + ("withdrawn",), jan])
    assert incremental.APPENDED not in withdrawn["inputs"]


def test_the_bookkeeping_tables_are_made_sure_of_once_per_connection_until_a_step_ends():
    """ensure_load_log and ensure_build_log run their DDL once on a connection; after the held
    connection's return between steps (whose rollback may have taken a table back), and on
    another connection, they run it again."""
    from sources import readers
    from warehouse.resource import _return_clean

    con = duckdb.connect()
    con.execute("CREATE SCHEMA ops")
    readers.ensure_load_log(con)
    incremental.ensure_build_log(con)
    con.execute("DROP TABLE ops.load_log")
    con.execute("DROP TABLE ops.build_log")
    readers.ensure_load_log(con)  # made sure of already: no DDL
    incremental.ensure_build_log(con)
    assert not incremental.table_exists(con, "ops.load_log")
    assert not incremental.table_exists(con, "ops.build_log")
    other = duckdb.connect()
    other.execute("CREATE SCHEMA ops")
    readers.ensure_load_log(other)
    assert incremental.table_exists(other, "ops.load_log")
    _return_clean(con, frozenset())
    readers.ensure_load_log(con)
    incremental.ensure_build_log(con)
    assert incremental.table_exists(con, "ops.load_log")
    assert incremental.table_exists(con, "ops.build_log")
    columns = {r[0] for r in con.execute("DESCRIBE ops.load_log").fetchall()}
    assert {name for name, _ in readers.LOAD_LOG_COLUMNS} <= columns
