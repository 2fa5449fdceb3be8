"""The marts tell households apart by their record keys (marts/population_timeline.sql groups
by hh_rk, not the 64-character pseudonym): residents staging stops when two household numbers
got the same key, rather than let a mart count them as one household."""

import duckdb
import pytest

from warehouse.resource import REPO_ROOT


def _guard() -> str:
    sql = (REPO_ROOT / "quality" / "sql" / "stage_residents.sql").read_text(encoding="utf-8")
    (guard,) = [s.query for s in duckdb.connect().extract_statements(sql) if "error(" in s.query]
    return guard


def test_two_households_with_one_record_key_stop_residents_staging():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA staging")
    con.execute(
        "CREATE TABLE staging._checked_residents AS SELECT * FROM (VALUES "
        "('h1', 7::UBIGINT), ('h1', 7), ('h2', 8), (NULL, NULL), (NULL, NULL)) "
        "t(household_key, hh_rk)"
    )
    con.execute(_guard())  # members of one household share its key; no household, no key
    con.execute("INSERT INTO staging._checked_residents VALUES ('h3', 7)")
    with pytest.raises(duckdb.Error, match="same 64-bit record key.*new pseudonym key"):
        con.execute(_guard())
