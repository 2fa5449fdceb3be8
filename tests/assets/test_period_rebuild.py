"""A period mart rebuilt from a date (warehouse/incremental.rebuild_periods) holds exactly what a
whole build holds, row for row and in the same order, whatever the date: a period's first day,
its last, a year's first day, before every stay, after the last. And the decision to do so
(periods_changed_from) is taken only when the upstreams changed by appends onto the very builds
the mart read."""

import re

import duckdb
import pytest

from domains import MARTS
from quality.staging import run_sql_file
from tests.helpers import copy_of_warehouse
from warehouse import incremental
from warehouse.incremental import Plan, periods_changed_from, rebuild_periods, write_record
from warehouse.resource import REPO_ROOT

# in the order a run builds them (a yearly mart reads its monthly one)
PERIOD_MARTS = [m for m in MARTS if m.period]
ORDER = [
    "tourism_monthly",
    "tourism_by_nationality",
    "tourism_yearly",
    "tourism_by_nationality_yearly",
    "lodging_compliance",
    "population_indicators",  # its periods are the reference dates (a day's grain)
    "traffic_violations_monthly",
]


def test_the_period_marts_are_the_lodging_marts_population_indicators_and_traffic_in_build_order():
    assert sorted(m.name for m in PERIOD_MARTS) == sorted(ORDER)


@pytest.fixture(scope="module")
def warehouse(sample_run, tmp_path_factory):
    """A copy of the sample run's warehouse (the run's own stays a reference)."""
    return copy_of_warehouse(sample_run, tmp_path_factory.mktemp("period_rebuild"))


def _rows(con, table: str) -> list[tuple]:
    return con.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()


@pytest.mark.parametrize(
    "since",
    [
        "2024-01-01",
        "2024-11-30",
        "2024-12-01",
        "2025-01-01",
        "2025-06-15",
        "2025-12-31",
        "2031-01-01",
    ],
)
def test_a_rebuild_from_any_date_equals_a_whole_build(warehouse, since):
    by_name = {m.name: m for m in PERIOD_MARTS}
    with warehouse.connect() as con:
        for name in ORDER:
            run_sql_file(con, "marts", by_name[name].sql)
        whole = {name: _rows(con, f"marts.{name}") for name in ORDER}
        assert all(whole.values())
        for name in ORDER:
            rebuild_periods(con, f"marts.{name}", by_name[name].period, by_name[name].sql, since)
            assert _rows(con, f"marts.{name}") == whole[name], name
        assert con.execute("SELECT getvariable('rebuild_from')").fetchone()[0] is None
        left = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '\\_kept\\_%' ESCAPE '\\' "
            "OR table_name LIKE '\\_new\\_%' ESCAPE '\\'"
        ).fetchone()[0]
        assert left == 0


def _months(con) -> list:
    return [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT month FROM marts.tourism_monthly ORDER BY 1"
        ).fetchall()
    ]


def test_the_sql_computes_only_the_periods_from_the_date(warehouse):
    monthly = next(m for m in PERIOD_MARTS if m.name == "tourism_monthly")
    with warehouse.connect() as con:
        run_sql_file(con, "marts", monthly.sql)
        months = _months(con)
        con.execute("SET VARIABLE rebuild_from = DATE '2025-06-15'")
        try:
            run_sql_file(con, "marts", monthly.sql)
            built = _months(con)
        finally:
            con.execute("RESET VARIABLE rebuild_from")
            run_sql_file(con, "marts", monthly.sql)
    assert built == [m for m in months if m.isoformat() >= "2025-06-01"]
    assert len(built) < len(months)


def test_a_failed_rebuild_leaves_the_mart_as_it_was(warehouse, monkeypatch):
    monthly = next(m for m in PERIOD_MARTS if m.name == "tourism_monthly")

    def failing(con, package, name):
        con.execute("CREATE TABLE marts.tourism_monthly AS SELECT 1 AS month")
        con.execute("SELECT error('the mart failed halfway')")

    with warehouse.connect() as con:
        run_sql_file(con, "marts", monthly.sql)
        before = _rows(con, "marts.tourism_monthly")
        monkeypatch.setattr(incremental, "run_sql_file", failing)
        with pytest.raises(duckdb.Error, match="failed halfway"):
            rebuild_periods(con, "marts.tourism_monthly", monthly.period, monthly.sql, "2025-06-01")
        assert _rows(con, "marts.tourism_monthly") == before
        assert con.execute("SELECT getvariable('rebuild_from')").fetchone()[0] is None


# ------------------------------------------------------------------ the decision


@pytest.fixture()
def log():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA ops")
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.m (month DATE)")
    return con


def _plan(con, deps: dict, code="c1", previous_deps=None, previous_code="c1") -> Plan:
    """The mart marts/m, built before on previous_deps, about to build on deps."""
    write_record(
        con,
        "marts/m",
        "old",
        {"code": previous_code, "deps": previous_deps, "params": {}},
        "built",
        "r0",
    )
    previous = incremental.recorded(con, "marts/m")
    inputs = {"code": code, "deps": deps, "params": {}}
    return Plan(["marts/m"], ["marts.m"], "new", inputs, previous, "r1")


def _upstream(con, asset: str, fingerprint: str, appended: dict | None) -> None:
    inputs = {"code": "u", "deps": {}, "params": {}}
    if appended:
        inputs[incremental.APPENDED] = appended
    write_record(con, asset, fingerprint, inputs, "appended", "r1")


def test_an_append_onto_what_the_mart_read_rebuilds_from_its_date(log):
    _upstream(log, "staging/stays", "s2", {"onto": "s1", "from": "2025-11-20"})
    _upstream(log, "staging/establishments", "e1", None)
    p = _plan(
        log,
        {"staging/stays": "s2", "staging/establishments": "e1"},
        previous_deps={"staging/stays": "s1", "staging/establishments": "e1"},
    )
    assert periods_changed_from(log, p) == "2025-11-20"


def test_two_appended_upstreams_rebuild_from_the_earlier_date(log):
    _upstream(log, "staging/stays", "s2", {"onto": "s1", "from": "2025-12-01"})
    _upstream(log, "marts/tourism_monthly", "t2", {"onto": "t1", "from": "2025-11-03"})
    p = _plan(
        log,
        {"staging/stays": "s2", "marts/tourism_monthly": "t2"},
        previous_deps={"staging/stays": "s1", "marts/tourism_monthly": "t1"},
    )
    assert periods_changed_from(log, p) == "2025-11-03"


@pytest.mark.parametrize(
    "case",
    [
        "appended onto another build",  # two appends with no build of the mart between them
        "upstream rebuilt whole",
        "code changed",
        "another upstream changed",
        "an upstream added",
        "nothing changed",
        "mart table missing",
    ],
)
def test_anything_but_appends_onto_what_the_mart_read_rebuilds_it_whole(log, case):
    onto = "s0" if case == "appended onto another build" else "s1"
    appended = None if case == "upstream rebuilt whole" else {"onto": onto, "from": "2025-12-01"}
    _upstream(log, "staging/stays", "s1" if case == "nothing changed" else "s2", appended)
    deps = {
        "staging/stays": "s1" if case == "nothing changed" else "s2",
        "staging/establishments": "e1",
    }
    previous = {"staging/stays": "s1", "staging/establishments": "e1"}
    if case == "another upstream changed":
        deps["staging/establishments"] = "e2"
    if case == "an upstream added":
        deps["reference/areas"] = "a1"
    if case == "mart table missing":
        log.execute("DROP TABLE marts.m")
    p = _plan(log, deps, code="c2" if case == "code changed" else "c1", previous_deps=previous)
    assert periods_changed_from(log, p) is None


def test_no_period_mart_reads_what_an_append_changes_on_earlier_stays():
    # An append may flip an earlier stay's guest-in-two-places flag and lengthen an open stay
    # (nights, is_same_day follow from its new end): a period mart reads a stay's nights only
    # as the days of [check_in_date, nights_end), passing `nights` through or testing
    # `nights > 0` (which an open stay meets before and after), as the macros do.
    root = REPO_ROOT / "marts"
    texts = {m.sql: (root / m.sql).read_text(encoding="utf-8") for m in PERIOD_MARTS}
    texts["shared/macros.sql"] = (root / "shared" / "macros.sql").read_text(encoding="utf-8")
    for name, text in texts.items():
        code = "\n".join(line.split("--", 1)[0] for line in text.splitlines())
        assert "guest_two_places" not in code and "is_same_day" not in code, name
        # lodging_compliance's own is_open (an establishment open in the month) is no stay's
        assert all(
            code[m.start() - 3 : m.start()] == "AS " or code[m.start() - 2 : m.start()] == "b."
            for m in re.finditer(r"\bis_open\b", code)
        ), name
        for m in re.finditer(r"\bnights\b", code):
            after = code[m.end() : m.end() + 6].lstrip()
            assert after.startswith((",", ")", "> 0")), (name, code[m.start() - 40 : m.end() + 10])
