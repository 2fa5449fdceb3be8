"""Split checked rows into staging and quarantine, and record the quality figures.

Each staging SQL file (quality/sql/stage_<source>.sql) builds the table
`staging._checked_<source>` holding every raw row once, typed and pseudonymised, with
`reason_codes` (empty = accepted) and boolean `fix_*` repair flags. This module turns it into
`staging.<source>` and `quarantine.<source>` and writes the per-file figures to
`ops.quality_figures`; the old tables are replaced by the new ones in one transaction.

The checked rows are written once: the accepted rows stay where the SQL wrote them, the table
is renamed `staging.<source>`, and only the rejected rows (a few per cent) are copied to
quarantine. Built as a temp table and copied into staging, stays at province scale took 41.5 s
against 31.8 s (bench/RESULTS.md): the 6 million rows were written twice.
"""

from __future__ import annotations

from importlib import resources

import duckdb

QUALITY_FIGURES_DDL = """
CREATE TABLE IF NOT EXISTS ops.quality_figures (
    source VARCHAR, source_file VARCHAR, kind VARCHAR, figure VARCHAR, value BIGINT,
    computed_at TIMESTAMP
)"""


def checked_table(source: str) -> str:
    """The table a staging SQL file writes its checked rows to (every raw row once)."""
    return f"staging._checked_{source}"


def fix_columns(con, source: str, table: str | None = None) -> list[str]:
    """The repair flags (`fix_*`) the staging SQL put on its checked rows (`table`, by default
    checked_table(source)), in column order."""
    columns = con.execute(f"SELECT * FROM {table or checked_table(source)} LIMIT 0").description
    return [c[0] for c in columns if c[0].startswith("fix_")]


def figures_sql(source: str, checked: str, fix_cols: list[str]) -> str:
    """Per file: each repair counted on the accepted rows, each reject reason on all rows."""
    repairs = " UNION ALL ".join(
        f"SELECT _source_file, 'repair', '{c.removeprefix('fix_')}', "
        f"count_if({c} AND len(reason_codes) = 0) FROM {checked} GROUP BY _source_file"
        for c in fix_cols
    )
    return f"""
        SELECT '{source}', f, k, fig, v, now()::TIMESTAMP FROM (
            {repairs + " UNION ALL " if repairs else ""}
            SELECT _source_file, 'reject', r, count(*)
            FROM (SELECT _source_file, unnest(reason_codes) AS r FROM {checked})
            GROUP BY ALL
        ) t(f, k, fig, v)"""


def run_script(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Run a file of statements one statement at a time (DuckDB's own splitter). Handed the
    whole text in one call, DuckDB took a quarter longer on stays staging at province scale
    (34.9 s against 27.3 s)."""
    for statement in con.extract_statements(sql):
        con.execute(statement)


def run_sql_file(con: duckdb.DuckDBPyConnection, package: str, name: str) -> None:
    run_script(con, (resources.files(package) / name).read_text(encoding="utf-8"))


def split_checked(
    con: duckdb.DuckDBPyConnection,
    source: str,
    staging_sql: str,
    drop_from_staging: tuple[str, ...] = (),
) -> dict:
    """Run quality/sql/<staging_sql>, then write staging.<source>, quarantine.<source> and the
    quality figures. Returns counts for asset metadata (no row-level data)."""
    # The staging SQL and the split run before the transaction, which holds the swap of the old
    # staging/quarantine tables for the new ones and the figures (still atomic). Inside a
    # transaction DuckDB keeps temp tables in transaction-local storage: stays staging at
    # province scale took 117 s there against 59 s before it (bench/RESULTS.md).
    checked = checked_table(source)
    rejected = f"quarantine._checked_{source}"
    try:
        run_sql_file(con, "quality", f"sql/{staging_sql}")
        con.execute(
            f"CREATE OR REPLACE TABLE {rejected} AS "
            f"SELECT * FROM {checked} WHERE len(reason_codes) > 0"
        )
        con.execute(QUALITY_FIGURES_DDL)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _quality_figures AS "
            + figures_sql(source, checked, fix_columns(con, source))
        )
        con.execute(f"DELETE FROM {checked} WHERE len(reason_codes) > 0")
        for column in ("reason_codes", *drop_from_staging):
            con.execute(f"ALTER TABLE {checked} DROP COLUMN {column}")
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(f"DROP TABLE IF EXISTS staging.{source}")
            con.execute(f"ALTER TABLE {checked} RENAME TO {source}")
            con.execute(f"DROP TABLE IF EXISTS quarantine.{source}")
            con.execute(f"ALTER TABLE {rejected} RENAME TO {source}")
            con.execute("DELETE FROM ops.quality_figures WHERE source = ?", [source])
            con.execute("INSERT INTO ops.quality_figures SELECT * FROM _quality_figures")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    finally:  # after a failure the old tables stand; nothing half-built is left beside them
        con.execute("DROP TABLE IF EXISTS _quality_figures")
        con.execute(f"DROP TABLE IF EXISTS {checked}")
        con.execute(f"DROP TABLE IF EXISTS {rejected}")
    staged = con.execute(f"SELECT count(*) FROM staging.{source}").fetchone()[0]
    quarantined = con.execute(f"SELECT count(*) FROM quarantine.{source}").fetchone()[0]
    reasons = dict(
        con.execute(
            f"SELECT r, count(*) FROM (SELECT unnest(reason_codes) r FROM quarantine.{source}) "
            "GROUP BY r ORDER BY r"
        ).fetchall()
    )
    repairs = dict(
        con.execute(
            "SELECT figure, sum(value)::BIGINT FROM ops.quality_figures "
            "WHERE source = ? AND kind = 'repair' GROUP BY figure ORDER BY figure",
            [source],
        ).fetchall()
    )
    return {"staged": staged, "quarantined": quarantined, "reasons": reasons, "repairs": repairs}


RECONCILIATION_SQL = """
CREATE OR REPLACE TABLE ops.reconciliation AS
WITH raw_rows AS ({raw}),
staged AS ({staged}),
quarantined AS ({quarantined})
SELECT r.source, r.source_file, r.rows_in,
       coalesce(s.n, 0) AS rows_staged,
       coalesce(q.n, 0) AS rows_quarantined,
       r.rows_in - coalesce(s.n, 0) - coalesce(q.n, 0) AS rows_unaccounted,
       now()::TIMESTAMP AS checked_at
FROM raw_rows r
LEFT JOIN staged s USING (source, source_file)
LEFT JOIN quarantined q USING (source, source_file)
ORDER BY r.source, r.source_file
"""


def build_reconciliation(con: duckdb.DuckDBPyConnection, sources: list[str]) -> None:
    """ops.reconciliation: per source file, rows in raw = rows staged + rows quarantined."""
    existing = {
        r[0]
        for r in con.execute(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables()"
        ).fetchall()
    }
    present = [s for s in sources if f"raw.{s}" in existing]

    def union(schema: str, count_name: str) -> str:
        parts = [
            f"SELECT '{s}' AS source, _source_file AS source_file, count(*) AS {count_name} "
            f"FROM {schema}.{s} GROUP BY ALL"
            for s in present
            if f"{schema}.{s}" in existing
        ]
        return " UNION ALL ".join(parts) or (
            f"SELECT NULL::VARCHAR AS source, NULL::VARCHAR AS source_file, 0 AS {count_name} WHERE FALSE"
        )

    con.execute(
        RECONCILIATION_SQL.format(
            raw=union("raw", "rows_in"),
            staged=union("staging", "n"),
            quarantined=union("quarantine", "n"),
        )
    )
