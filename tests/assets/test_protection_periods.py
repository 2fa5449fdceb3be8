"""Protection that keeps what it may (assets/publish.protection_kept_rows): a published table whose
mart is the very build protection read stays as it is, and a period mart an append rebuilt from
a date gets only those periods published anew (incremental.replace_periods). The result is a
whole protection's, row for row and in the same order, whatever the date; the decision is taken
only for marts whose published rows each follow from their own mart row; and the published
tables' keys (which decide which files are written again) follow the rows in order, not where
the replaced rows left gaps."""

import duckdb
import pytest

from assets.publish import PUBLISHED_MARTS, protection_kept_rows, publish_periods, table_key
from protection import audit, perturb
from tests.helpers import copy_of_warehouse
from warehouse import incremental
from warehouse.incremental import UNCHANGED, Plan, upstream_changes, write_record

ROW_WISE_PERIOD_MARTS = [m for m in PUBLISHED_MARTS if m.period and m.perturbation.row_wise]


def test_the_marts_published_by_periods_are_the_lodging_and_traffic_period_marts():
    assert sorted(m.name for m in ROW_WISE_PERIOD_MARTS) == [
        "lodging_compliance",
        "tourism_by_nationality",
        "tourism_by_nationality_yearly",
        "tourism_monthly",
        "tourism_yearly",
        "traffic_violations_monthly",
    ]
    # population_indicators has a period, but its derived figures read other published marts
    indicators = next(m for m in PUBLISHED_MARTS if m.name == "population_indicators")
    assert indicators.period and not indicators.perturbation.row_wise


@pytest.mark.parametrize(
    ("joins", "derived", "row_wise"),
    [
        ("", {"share": "round(p.a / nullif(p.b, 0), 4)"}, True),
        ("", {"share": "p.a / sum(p.a) OVER (PARTITION BY p.month)"}, False),
        ("", {"share": "p.a / sum(p.a) over w"}, False),
        ("LEFT JOIN publish.x USING (month)", {}, False),
        ("", {}, True),
    ],
)
def test_a_row_wise_perturbation_reads_no_other_row_or_mart(joins, derived, row_wise):
    p = perturb.Perturbation(keys=("month",), counts=("a", "b"), derived=derived, joins=joins)
    assert p.row_wise is row_wise


@pytest.fixture(scope="module")
def warehouse(sample_run, tmp_path_factory):
    """A copy of the sample run's warehouse (the run's own stays a reference)."""
    return copy_of_warehouse(sample_run, tmp_path_factory.mktemp("protection_periods"))


def _ordered(con, table: str) -> list[tuple]:
    """The rows as a scan returns them (the published files' order), numbered."""
    return con.execute(f"SELECT row_number() OVER () AS n, * FROM {table}").fetchall()


@pytest.mark.parametrize(
    "since", ["2024-01-01", "2024-12-01", "2025-01-01", "2025-06-15", "2025-12-01", "2031-01-01"]
)
def test_publishing_periods_anew_from_any_date_equals_publishing_whole(warehouse, since):
    with warehouse.connect() as con:
        columns = audit.schema_columns(con, "marts")
        for m in ROW_WISE_PERIOD_MARTS:
            cols = columns[m.name]
            con.execute(perturb.publish_sql(m.name, m.perturbation, cols, "marts", "publish"))
            whole = _ordered(con, f"publish.{m.name}")
            key = table_key(con, "publish", m.name)
            assert len(whole) > 0, m.name
            publish_periods(con, m, cols, since)
            assert _ordered(con, f"publish.{m.name}") == whole, (m.name, since)
            assert table_key(con, "publish", m.name) == key, (m.name, since)


def test_a_failed_replacement_leaves_the_table_as_it_was(warehouse):
    m = next(m for m in ROW_WISE_PERIOD_MARTS if m.name == "tourism_monthly")
    with warehouse.connect() as con:
        before = _ordered(con, f"publish.{m.name}")
        with pytest.raises(duckdb.Error, match="halfway"):
            incremental.replace_periods(
                con,
                f"publish.{m.name}",
                m.period,
                "2025-01-01",
                "SELECT error('failed halfway') AS month",
            )
        assert _ordered(con, f"publish.{m.name}") == before
        assert con.execute("SELECT getvariable('rebuild_from')").fetchone()[0] is None


def test_the_table_key_follows_the_rows_in_order_not_their_rowids():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA publish")
    con.execute("CREATE TABLE publish.t AS SELECT range AS month, range % 7 AS n FROM range(1000)")
    key = table_key(con, "publish", "t")
    # the last rows replaced by the same rows: rowids with a gap, the same rows in the same order
    con.execute("DELETE FROM publish.t WHERE month >= 900")
    con.execute("INSERT INTO publish.t SELECT range, range % 7 FROM range(900, 1000)")
    assert con.execute("SELECT max(rowid) FROM publish.t").fetchone()[0] > 999
    assert table_key(con, "publish", "t") == key
    # the same rows in another order, or one value changed: another key
    con.execute("CREATE OR REPLACE TABLE publish.t AS SELECT * FROM publish.t ORDER BY month DESC")
    assert table_key(con, "publish", "t") != key
    con.execute("CREATE OR REPLACE TABLE publish.t AS SELECT * FROM publish.t ORDER BY month")
    assert table_key(con, "publish", "t") == key
    con.execute("UPDATE publish.t SET n = n + 1 WHERE month = 5")
    assert table_key(con, "publish", "t") != key


# ------------------------------------------------------------------ the decision


@pytest.fixture()
def log():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA ops")
    con.execute("CREATE SCHEMA publish")
    for m in PUBLISHED_MARTS:
        con.execute(f"CREATE TABLE publish.{m.name} (x INTEGER)")
    return con


def _upstream(con, asset: str, fingerprint: str, appended: dict | None = None) -> None:
    inputs = {"code": "u", "deps": {}, "params": {}}
    if appended:
        inputs[incremental.APPENDED] = appended
    write_record(con, asset, fingerprint, inputs, "built", "r1")


def _protection(con, deps: dict, previous_deps: dict, code="c1", params=None) -> Plan:
    """publish/protected_marts, built before on previous_deps, about to build on deps."""
    write_record(
        con,
        "publish/protected_marts",
        "old",
        {"code": "c1", "deps": previous_deps, "params": {"min_cell": 3}},
        "built",
        "r0",
    )
    previous = incremental.recorded(con, "publish/protected_marts")
    inputs = {"code": code, "deps": deps, "params": params or {"min_cell": 3}}
    return Plan(["publish/protected_marts"], [], "new", inputs, previous, "r1")


def test_each_upstream_says_what_changed_since_the_build_read_it(log):
    _upstream(log, "marts/a", "a1")
    _upstream(log, "marts/b", "b2", {"onto": "b1", "from": "2025-12-01"})
    _upstream(log, "marts/c", "c2", {"onto": "c0", "from": "2025-12-01"})  # onto another build
    _upstream(log, "marts/d", "d2")  # rebuilt whole
    _upstream(log, "marts/e", "e1")  # new upstream
    p = _protection(
        log,
        {"marts/a": "a1", "marts/b": "b2", "marts/c": "c2", "marts/d": "d2", "marts/e": "e1"},
        {"marts/a": "a1", "marts/b": "b1", "marts/c": "c1", "marts/d": "d1"},
    )
    assert upstream_changes(log, p) == {
        "marts/a": UNCHANGED,
        "marts/b": "2025-12-01",
        "marts/c": None,
        "marts/d": None,
        "marts/e": None,
    }
    assert upstream_changes(log, _protection(log, {}, {}, code="c2")) is None
    assert upstream_changes(log, _protection(log, {}, {}, params={"min_cell": 5})) is None


def test_protection_keeps_only_what_follows_row_by_row(log):
    names = {m.name for m in PUBLISHED_MARTS}
    deps = {f"marts/{n}": f"{n}-2" for n in names}
    previous = {f"marts/{n}": f"{n}-1" for n in names}
    for n in names:  # every mart appended onto the build protection read
        _upstream(log, f"marts/{n}", f"{n}-2", {"onto": f"{n}-1", "from": "2025-12-01"})
    # unchanged: a labour mart (row-wise) and one whose shares are a window (not row-wise)
    for n in ("labour_indicators", "employment_by_sector"):
        deps[f"marts/{n}"] = previous[f"marts/{n}"]
    log.execute("DROP TABLE publish.lodging_compliance")  # not published yet: whole
    p = _protection(log, deps, previous)
    with incremental.building(p):
        kept = protection_kept_rows(log)
    assert kept == {
        "labour_indicators": UNCHANGED,
        "tourism_monthly": "2025-12-01",
        "tourism_by_nationality": "2025-12-01",
        "tourism_yearly": "2025-12-01",
        "tourism_by_nationality_yearly": "2025-12-01",
        "traffic_violations_monthly": "2025-12-01",
    }
    # outside a versioned asset's build, or after a change of the protection's own code: whole
    assert protection_kept_rows(log) == {}
    with incremental.building(_protection(log, deps, previous, code="c2")):
        assert protection_kept_rows(log) == {}
