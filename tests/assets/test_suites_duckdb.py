"""great-expectations runs in DuckDB (the pipeline's route) and gives the same verdicts as on
pandas (the reference route), for every suite, on the sample's staging tables as they are and
with violations planted for every expectation."""

import duckdb
import great_expectations.expectations as gxe
import pytest

import domains
from quality import suites
from tests.assets.violations import plant_violations

SUITES = domains.SUITES  # every suite every domain declares


@pytest.fixture(scope="module")
def tables(sample_run):
    """A writable in-memory copy of the sample run's staging tables and commune list."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{sample_run.warehouse.database_path}' AS wh (READ_ONLY)")
    con.execute("CREATE SCHEMA staging; CREATE SCHEMA reference; CREATE SCHEMA bad")
    con.execute("CREATE TABLE reference.communes_2025 AS SELECT * FROM wh.reference.communes_2025")
    for table in sorted({fn.table for fn in SUITES}):
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM wh.{table}")
    con.execute("DETACH wh")
    yield con
    con.close()


def plant(con, table: str, suite: suites.Suite) -> str:
    """A copy of `table` in which every expectation of the suite is broken on its own 5 % slice
    of the rows (so thresholds of `mostly` ≥ 0.95 fail and looser ones hold)."""
    bad = "bad." + table.split(".")[1] + "_" + suite.name
    con.execute(f"CREATE OR REPLACE TABLE {bad} AS SELECT * FROM {table}")
    plant_violations(con, bad, suite)
    return bad


def verdicts(outcome: dict) -> tuple:
    """Suite verdict, rows, and the failed expectations."""
    return (
        outcome["success"],
        outcome["rows"],
        sorted((f["expectation"], f["column"]) for f in outcome["failed"]),
    )


def same_counts(on_duckdb: dict, on_pandas: dict) -> None:
    """Failing counts agree, except one known difference of GX's engines: in the expectations on
    several columns (compound uniqueness, column pairs) SQL leaves out rows with a NULL in one
    of the columns, pandas counts them (the contracts forbid those NULLs in expectations of
    their own, so the verdict is the same). Planted NULLs make those counts differ here."""
    pandas = {(f["expectation"], f["column"]): f["unexpected_count"] for f in on_pandas["failed"]}
    for f in on_duckdb["failed"]:
        expected = pandas[(f["expectation"], f["column"])]
        if "," in f["column"]:
            assert 0 < f["unexpected_count"] <= expected, f
        else:
            assert f["unexpected_count"] == expected, f


@pytest.mark.parametrize("suite_fn", SUITES, ids=lambda f: f.__name__)
def test_same_verdicts_on_duckdb_and_pandas(tables, suite_fn):
    suite = suite_fn(tables)
    good_duckdb = suites.validate(tables, suite, route="duckdb")
    good_pandas = suites.validate(tables, suite, route="pandas")
    assert verdicts(good_duckdb) == verdicts(good_pandas)
    same_counts(good_duckdb, good_pandas)
    if suite_fn.blocking:  # the sample meets its contracts
        assert good_duckdb["success"], good_duckdb["failed"]

    suite.table = plant(tables, suite.table, suite)
    bad_duckdb = suites.validate(tables, suite, route="duckdb")
    bad_pandas = suites.validate(tables, suite, route="pandas")
    assert verdicts(bad_duckdb) == verdicts(bad_pandas)
    same_counts(bad_duckdb, bad_pandas)
    assert not bad_duckdb["success"]
    failed = {(f["expectation"], f["column"]) for f in bad_duckdb["failed"]}
    for e in suite.expectations:
        tolerant = (e.mostly or 1.0) < 0.95  # a 5 % slice stays within a looser threshold
        key = (e.expectation_type, suites._columns_of(e))
        assert (key in failed) != tolerant, (
            f"{key}: planted violation {'not ' if not tolerant else ''}caught"
        )


def test_regex_check_in_duckdb_counts_and_thresholds():
    """The SQL form of a regex expectation: nulls ignored, `mostly` over the non-null values,
    braces of the pattern kept through GX's str.format."""
    con = duckdb.connect()
    con.execute(
        "CREATE SCHEMA s; CREATE TABLE s.t AS SELECT CASE WHEN i < 3 THEN 'ab' "
        "WHEN i < 10 THEN NULL ELSE 'ABC' END AS code FROM range(1000) r(i)"
    )
    strict = suites.Suite(
        "strict", "s.t", [gxe.ExpectColumnValuesToMatchRegex(column="code", regex=r"^[A-Z]{3}$")]
    )
    out = suites.validate(con, strict)
    assert not out["success"]
    assert out["failed"][0]["unexpected_count"] == 3
    assert out["failed"][0]["unexpected_percent"] == round(100 * 3 / 993, 4)
    loose = suites.Suite(
        "loose",
        "s.t",
        [gxe.ExpectColumnValuesToMatchRegex(column="code", regex=r"^[A-Z]{3}$", mostly=0.99)],
    )
    assert suites.validate(con, loose)["success"]
    unanchored = suites.Suite(
        "u", "s.t", [gxe.ExpectColumnValuesToMatchRegex(column="code", regex="A")]
    )
    with pytest.raises(ValueError, match="anchored"):
        suites.validate(con, unanchored)
