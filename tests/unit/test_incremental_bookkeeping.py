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
