"""The marts' shared SQL pieces: the DuckDB macros of marts/shared/macros.sql (what several marts
compute alike, written once), registered on every warehouse connection
(warehouse/resource.prepare_connection) after the rule macros of quality/rules.sql, which they
use. They are part of every mart's code version (warehouse/incremental.MART_CODE)."""

from __future__ import annotations

from importlib import resources

import duckdb

MACROS_SQL = "marts/shared/macros.sql"  # relative to the repository, as the code versions name it


def macros_sql() -> str:
    return (resources.files("marts") / "shared" / "macros.sql").read_text(encoding="utf-8")


def register_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create the marts' shared macros on this connection (TEMP: per connection)."""
    con.execute(macros_sql())
