"""The mart and share checks: each is a query in quality/checks/<name>.sql returning the failing
rows, run by one factory (assets.common.sql_check) that counts them by kind."""

import dagster as dg
import pytest

from assets import common, lodging, population, publish
from dagster_project.definitions import defs
from warehouse.resource import Warehouse


def _check(module, name: str) -> dg.AssetChecksDefinition:
    """A domain's check by name (assets/<domain>.py builds them from domains/<domain>.py)."""
    return next(c for c in module.checks if [s.name for s in c.check_specs] == [name])


population_balances = _check(population, "population_balances")
room_occupancy_plausible = _check(lodging, "room_occupancy_plausible")


def test_every_check_file_is_run_by_exactly_one_check_and_says_what_a_failing_row_means():
    graph = defs.resolve_asset_graph()
    names = [key.name for key in graph.asset_check_keys]
    files = sorted(common.CHECKS_DIR.glob("*.sql"))
    assert len(files) >= 6
    for path in files:
        assert names.count(path.stem) == 1, path.name
        assert path.read_text(encoding="utf-8").startswith("-- A failing row: "), path.name


def test_a_check_file_without_its_header_or_failure_kinds_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "CHECKS_DIR", tmp_path)
    (tmp_path / "no_header.sql").write_text("SELECT 'x' AS failure WHERE FALSE\n")
    (tmp_path / "no_kind.sql").write_text("-- A failing row: anything.\nSELECT 1 WHERE FALSE\n")
    with pytest.raises(ValueError, match="no_header.sql"):
        common.check_sql("no_header")
    with pytest.raises(ValueError, match="no_kind.sql"):
        common.check_sql("no_kind")


@pytest.fixture
def warehouse(tmp_path):
    return Warehouse(landing_dir=str(tmp_path), data_dir=str(tmp_path / "data"))


def test_balance_check_counts_each_kind_of_failing_row_and_blocks(warehouse):
    with warehouse.connect() as con:
        # commune 1: January balances; February does not (start + 1 birth <> end) and does not
        # start where January ended; the stock on 1 January differs from the indicators. The
        # key sums: February's start key is not January's end key, and the indicators' key of
        # 1 January is not that month's start key.
        con.execute(
            """CREATE TABLE marts.population_change AS SELECT * FROM (VALUES
                 (DATE '2025-01-01', 'commune', '1', 100, 1, 0, 0, 0, 101, 7, 8),
                 (DATE '2025-02-01', 'commune', '1', 102, 1, 0, 0, 0, 102, 9, 9)
               ) t(month, area_level, area_code, population_start, births, deaths,
                   in_migrants, out_migrants, population_end, population_start__ck,
                   population_end__ck)"""
        )
        con.execute(
            """CREATE TABLE marts.population_indicators AS
               SELECT DATE '2025-01-01' AS ref_date, 'commune' AS area_level, '1' AS area_code,
                      99 AS population, 6 AS population__ck"""
        )
    result = population_balances(warehouse=warehouse)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    counts = {k: v.value for k, v in result.metadata.items()}
    assert counts == {
        "failing_rows": 5,
        "rows_not_balancing": 1,
        "months_not_chaining": 1,
        "stock_flow_mismatches": 1,
        "keys_not_matching": 2,
    }
    [spec] = population_balances.check_specs
    assert spec.blocking


def test_occupancy_check_warns_on_flagged_cells_only_and_passes_without(warehouse):
    with warehouse.connect() as con:
        con.execute(
            """CREATE TABLE marts.tourism_monthly AS SELECT * FROM (VALUES
                 (DATE '2025-01-01', 'province', '52', TRUE),
                 (DATE '2025-01-01', 'commune', '21553', NULL),
                 (DATE '2025-02-01', 'commune', '21553', FALSE)
               ) t(month, area_level, area_code, room_occupancy_over_100)"""
        )
    result = room_occupancy_plausible(warehouse=warehouse)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert result.metadata["cells_over_full_occupancy"].value == 1
    with warehouse.connect() as con:
        con.execute("UPDATE marts.tourism_monthly SET room_occupancy_over_100 = FALSE")
    result = room_occupancy_plausible(warehouse=warehouse)
    assert result.passed and result.metadata["failing_rows"].value == 0


def test_row_accounting_check_blocks_on_an_unaccounted_file_and_on_no_file_at_all(warehouse):
    check = publish.every_row_accounted
    with warehouse.connect() as con:
        con.execute(
            "CREATE TABLE ops.reconciliation (source_file VARCHAR, rows_unaccounted BIGINT)"
        )
    empty = check(warehouse=warehouse)  # nothing reconciled proves nothing
    assert not empty.passed and empty.metadata["no_file_reconciled"].value == 1
    with warehouse.connect() as con:
        con.execute("INSERT INTO ops.reconciliation VALUES ('a.csv', 0), ('b.csv', 0)")
    assert check(warehouse=warehouse).passed
    with warehouse.connect() as con:
        con.execute("INSERT INTO ops.reconciliation VALUES ('c.csv', -2), ('d.csv', 1)")
    result = check(warehouse=warehouse)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert {k: v.value for k, v in result.metadata.items()} == {
        "failing_rows": 2,
        "rows_unaccounted": 2,
        "no_file_reconciled": 0,
    }
    [spec] = check.check_specs
    assert spec.blocking and spec.asset_key == dg.AssetKey(["ops", "reconciliation"])


def test_each_suite_check_takes_table_and_blocking_flag_from_the_suite_declaration():
    from domains import DOMAINS, SUITES

    # every @suite function of the domain modules is listed in its SUITES, and there are 12
    declared = [
        f for d in DOMAINS for f in vars(d).values() if callable(f) and hasattr(f, "blocking")
    ]
    assert declared == SUITES and len(declared) == 12
    graph = defs.resolve_asset_graph()
    for fn in declared:
        key = dg.AssetCheckKey(dg.AssetKey(fn.table.split(".")), fn.__name__)
        spec = graph.get_check_spec(key)
        assert spec.blocking == fn.blocking, fn.__name__
        assert fn.description in spec.description
        assert ("blocks" in spec.description) == fn.blocking, fn.__name__
