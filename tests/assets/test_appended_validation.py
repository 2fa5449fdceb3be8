"""After an append, a contract suite that passed validates only the rows the append added or
rewrote, with the earlier rows sharing their unique ids (quality.suites.validate with
`appended`; warehouse.incremental.appended_since_check decides when): its verdict and failing
counts are those of the whole table, on the sample's staging tables with violations planted in
the new rows, in the earlier rows the append rewrites, and across months."""

import duckdb
import pytest
import sqlglot
from sqlglot import exp

import domains
from quality import suites
from tests.assets.violations import plant_violations
from warehouse import incremental
from warehouse.incremental import APPEND, APPENDED_ROWS, REPO

# (the events' contract is validated whole after an append: its pair of dates has a `mostly`
# threshold, test_only_row_wise_contracts_without_thresholds_validate_appended_rows)
APPENDED_CONTRACTS = [
    s
    for s in domains.SUITES
    if s.blocking and s.table.split(".")[1] in APPEND and s.__name__ != "events_contract"
]
CASES = ["clean", "new rows broken", "rewritten rows broken", "duplicate of an earlier month"]


def _cases():
    for fn in APPENDED_CONTRACTS:
        for case in CASES:
            if (
                case == "rewritten rows broken"
                and not APPEND[fn.table.split(".")[1]].rewritten_where
            ):
                continue  # this source's append rewrites no earlier row
            yield pytest.param(fn, case, id=f"{fn.__name__}-{case}")


def _copy(database: str, table: str) -> duckdb.DuckDBPyConnection:
    """A writable in-memory copy of one staging table of the sample run (and the commune list)."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{database}' AS wh (READ_ONLY)")
    con.execute("CREATE SCHEMA staging; CREATE SCHEMA reference; CREATE SCHEMA intermediate")
    con.execute("CREATE TABLE reference.communes_2025 AS SELECT * FROM wh.reference.communes_2025")
    con.execute(f"CREATE TABLE {table} AS SELECT * FROM wh.{table}")
    con.execute("DETACH wh")
    return con


def _appended(con, table: str) -> tuple[suites.AppendedRows, str]:
    """The table's last landing file taken as the appended one, and the SQL selecting its rows."""
    rule = APPEND[table.split(".")[1]]
    last = con.execute(f"SELECT max(_source_file) FROM {table}").fetchone()[0]
    rows = suites.AppendedRows(
        (last,), rule.rewritten_where, rule.rewritten_columns, rule.rewritten_anywhere
    )
    return rows, f"_source_file = '{last}'"


def _failures(outcome: dict) -> dict:
    return {(f["expectation"], f["column"]): f["unexpected_count"] for f in outcome["failed"]}


@pytest.mark.parametrize(("suite_fn", "case"), list(_cases()))
def test_the_appended_rows_give_the_whole_tables_verdict(sample_run, suite_fn, case):
    table = suite_fn.table
    con = _copy(str(sample_run.warehouse.database_path), table)
    suite = suite_fn(con)
    appended, new = _appended(con, table)
    assert suites.validates_appended_rows(suite, appended)
    if case == "new rows broken":
        plant_violations(con, table, suite, only=new)
    elif case == "rewritten rows broken":
        # the append rewrites only these columns of these earlier rows
        rewritten = f"{appended.rewritten_where} AND NOT {new}"
        # more of them than the sample has (open stays of earlier months: a few)
        con.execute(f"UPDATE {table} SET {appended.rewritten_where} = TRUE WHERE rowid % 7 = 0")
        assert con.execute(f"SELECT count(*) FROM {table} WHERE {rewritten}").fetchone()[0] > 100
        on_rewritten = [
            e
            for e in suite.expectations
            if set(suites._columns_of(e).split(",")) & set(appended.rewritten_columns)
        ]
        assert on_rewritten
        plant_violations(con, table, suites.Suite("r", table, on_rewritten), only=rewritten)
    elif case == "duplicate of an earlier month":
        key = next(e.column for e in suite.expectations if e.expectation_type.endswith("_unique"))
        con.execute(
            f"UPDATE {table} SET {key} = (SELECT {key} FROM {table} WHERE NOT {new} "
            f"ORDER BY rowid LIMIT 1) WHERE rowid = (SELECT max(rowid) FROM {table} WHERE {new})"
        )
    whole = suites.validate(con, suite)
    part = suites.validate(con, suite, appended=appended)
    assert part["success"] == whole["success"] == (case == "clean"), _failures(whole)
    assert _failures(part) == _failures(whole)
    if case == "duplicate of an earlier month":  # the earlier row and the new one
        assert set(_failures(whole).values()) == {2}
    shares = {(f["expectation"], f["column"]): f["unexpected_percent"] for f in whole["failed"]}
    for f in part["failed"]:
        if "," not in f["column"]:  # (a pair's share counts its rows as GX does)
            assert f["unexpected_percent"] == pytest.approx(shares[(f["expectation"], f["column"])])
    assert part["rows"] < whole["rows"] == part["table_rows"]
    assert not con.execute(
        "SELECT * FROM duckdb_tables() WHERE schema_name = 'intermediate'"
    ).fetchall()


def test_only_row_wise_contracts_without_thresholds_validate_appended_rows():
    """A `mostly` threshold is a share of the whole table, and a column the append may rewrite
    on any earlier row (the guest-in-two-places flag) is not in the rows it added."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA reference")
    con.execute("CREATE TABLE reference.communes_2025 AS SELECT '00001' AS commune_code")
    stays_rows = suites.AppendedRows(("x",), *[getattr(APPEND["stays"], a) for a in (
        "rewritten_where", "rewritten_columns", "rewritten_anywhere")])  # fmt: skip
    verdicts = {
        fn.__name__: suites.validates_appended_rows(fn(con), stays_rows)
        for fn in domains.SUITES
        if fn.table.split(".")[1] in APPEND
    }
    assert verdicts == {
        "stays_contract": True,
        "stays_quality": False,  # mostly, and the flag
        "incidents_contract": True,
        "incidents_quality": False,
        "traffic_violations_contract": True,
        "traffic_violations_quality": False,
        "events_contract": False,  # mostly (registered after the event, 99 %)
    }
    flag = suites.Suite(
        "f", "staging.stays", [suites.gxe.ExpectColumnValuesToNotBeNull(column="guest_two_places")]
    )
    assert not suites.validates_appended_rows(flag, stays_rows)
    compound = suites.Suite(
        "c", "staging.t", [suites.gxe.ExpectCompoundColumnsToBeUnique(column_list=["a", "b"])]
    )
    assert not suites.validates_appended_rows(compound, stays_rows)
    with pytest.raises(ValueError, match="cannot be validated on appended rows"):
        suites.validate(con, flag, appended=stays_rows)


CHECK, ASSET = "check:staging/stays:stays_contract", "staging/stays"


def _log(check: dict | None, appended: dict | None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA ops")
    if check is not None:
        incremental.write_record(con, CHECK, "c", check, "built", "r1")
    inputs = {"code": "x", "deps": {}, "params": {}}
    if appended is not None:
        inputs[APPENDED_ROWS] = appended
    incremental.write_record(con, ASSET, "f2", inputs, "built", "r2")
    return con


PASSED = {"success": True, "suite": "s1", "code": "k1", "asset_fingerprint": "f1"}


def test_an_append_onto_what_the_contract_passed_on_validates_its_rows():
    con = _log(PASSED, {"onto": "f1", "files": ["lodging/stays_2025-12.jsonl"]})
    rows = incremental.appended_since_check(con, CHECK, ASSET, "s1", "k1")
    assert rows == suites.AppendedRows(
        ("lodging/stays_2025-12.jsonl",), "is_open", ("nights_end", "nights", "is_same_day"),
        ("guest_two_places",),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("check", "appended", "suite", "code"),
    [
        pytest.param(None, {"onto": "f1", "files": ["n"]}, "s1", "k1", id="never checked"),
        pytest.param({**PASSED, "success": False}, {"onto": "f1", "files": ["n"]}, "s1", "k1",
                     id="failed last time"),
        pytest.param(PASSED, {"onto": "f1", "files": ["n"]}, "s2", "k1", id="suite changed"),
        pytest.param(PASSED, {"onto": "f1", "files": ["n"]}, "s1", "k2", id="code changed"),
        pytest.param(PASSED, {"onto": "f0", "files": ["n"]}, "s1", "k1",
                     id="two appends since the check"),
        pytest.param(PASSED, None, "s1", "k1", id="staged whole"),
        pytest.param({"success": True}, {"onto": "f1", "files": ["n"]}, "s1", "k1",
                     id="recorded by older code"),
    ],
)  # fmt: skip
def test_anything_else_validates_the_whole_table(check, appended, suite, code):
    con = _log(check, appended)
    assert incremental.appended_since_check(con, CHECK, ASSET, suite, code) is None


def _updates(sql: str, table: str):
    """(columns set, WHERE) of every UPDATE of `table` in a script."""
    for statement in sqlglot.parse(sql, dialect="duckdb"):
        if isinstance(statement, exp.Update) and statement.this.sql().startswith(table):
            columns = {e.this.name for e in statement.expressions}
            yield columns, statement.args.get("where")


def test_the_declared_rewrites_are_what_the_append_sql_rewrites():
    """What APPEND declares an append may rewrite in earlier staged rows is what
    quality/sql/append/ rewrites: an UPDATE of staging.stays sets the rewritten columns only on
    rows its WHERE restricts to `rewritten_where`, or columns rewritten anywhere; nothing
    deletes or inserts staged rows there."""
    rule = APPEND["stays"]
    sql = (REPO / incremental.APPEND_SQL / "stays.sql").read_text(encoding="utf-8")
    updates = list(_updates(sql, "staging.stays"))
    assert len(updates) == 2
    for columns, where in updates:
        conjuncts = set()
        if where is not None:
            node = where.this
            while isinstance(node, exp.And):
                conjuncts.add(node.expression.sql())
                node = node.this
            conjuncts.add(node.sql())
        if rule.rewritten_where in conjuncts:
            assert columns <= set(rule.rewritten_columns), columns
        else:
            assert columns <= set(rule.rewritten_anywhere), columns
    for statement in sqlglot.parse(sql, dialect="duckdb"):
        if isinstance(statement, exp.Delete | exp.Insert):
            assert not statement.this.sql().startswith("staging.stays"), statement.sql()


def test_a_new_file_of_no_rows_validates_no_rows_and_passes():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA s; CREATE SCHEMA intermediate")
    con.execute(
        "CREATE TABLE s.t AS SELECT i::VARCHAR AS id, i % 3 AS n, "
        "'f_2025-11.csv' AS _source_file FROM range(100) r(i)"
    )
    suite = suites.Suite(
        "t",
        "s.t",
        [
            suites.gxe.ExpectColumnValuesToBeUnique(column="id"),
            suites.gxe.ExpectColumnValuesToBeBetween(column="n", min_value=0),
        ],
    )
    out = suites.validate(con, suite, appended=suites.AppendedRows(("f_2025-12.csv",)))
    assert (out["success"], out["rows"], out["table_rows"], out["failed"]) == (True, 0, 100, [])
