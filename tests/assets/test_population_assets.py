"""Asset tests of the population slice on a temporary warehouse with hand-made extracts: each
rule's effect, the reconciliation, idempotency, and a failed run leaving published/ untouched."""

import hashlib
from datetime import date

import dagster as dg
import duckdb
import pytest

from assets import population, reference
from dagster_project.jobs import range_tags
from tests.conftest import run_pipeline
from tests.helpers import (
    G_BABY,
    H_NEWCOMER,
    A,
    B,
    C,
    make_landing,
)
from warehouse.resource import Warehouse


@pytest.fixture()
def warehouse(tmp_path):
    return Warehouse(landing_dir=str(make_landing(tmp_path)), data_dir=str(tmp_path / "data"))


POPULATION_SELECTION = [reference.admin_units_reference, *dg.load_assets_from_modules([population])]


def materialize_population(warehouse):
    return dg.materialize(
        POPULATION_SELECTION,
        resources={"warehouse": warehouse},
        tags=range_tags(["2025-06", "2025-07"]),
        selection=dg.AssetSelection.all(),
    )


def query(warehouse, sql):
    with duckdb.connect(str(warehouse.database_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def reasons(warehouse, table):
    return dict(
        query(
            warehouse,
            f"""
        SELECT _row_number, list_sort(reason_codes)::VARCHAR FROM quarantine.{table}""",
        )
    )


def test_residents_rules(warehouse):
    assert materialize_population(warehouse).success
    assert query(warehouse, "SELECT count(*) FROM staging.residents")[0][0] == 3
    assert reasons(warehouse, "residents") == {
        4: "[DUPLICATE]",
        5: "[INVALID_PERSON_ID]",
        6: "[UNKNOWN_COMMUNE]",
        7: "[INVALID_BIRTH_DATE]",
    }
    # repaired and kept: GSO sex code, lower-case nữ, ISO date, stray space, nationality spelling
    rows = query(
        warehouse,
        """SELECT sex, date_of_birth, commune_code, nationality
                               FROM staging.residents ORDER BY date_of_birth""",
    )
    assert rows == [
        ("Nữ", date(1985, 2, 3), "21601", "VNM"),
        ("Nam", date(1990, 5, 1), "21553", "VNM"),
        ("Nữ", date(2001, 3, 4), "21601", "VNM"),
    ]
    figures = dict(
        query(
            warehouse,
            """SELECT figure, sum(value) FROM ops.quality_figures
                                       WHERE source = 'residents' AND kind = 'repair' GROUP BY 1""",
        )
    )
    assert figures["sex_spelling"] == 2 and figures["date_format"] == 1
    assert figures["nationality_spelling"] == 1 and figures["text_form"] >= 1


def test_staging_holds_no_identifier_or_name(warehouse):
    assert materialize_population(warehouse).success
    for table in (
        "staging.residents",
        "quarantine.residents",
        "staging.events",
        "quarantine.events",
    ):
        cols = [r[0] for r in query(warehouse, f"DESCRIBE {table}")]
        assert not {"person_id", "full_name", "household_id", "mother_id"} & set(cols)
        dump = " ".join(str(v) for row in query(warehouse, f"SELECT * FROM {table}") for v in row)
        for pid in (A, B, C, G_BABY, H_NEWCOMER):
            assert pid not in dump


def test_events_rules(warehouse):
    assert materialize_population(warehouse).success
    staged = query(
        warehouse,
        "SELECT event_id, commune_code, fix_old_commune_code FROM staging.events ORDER BY 1",
    )
    assert staged == [
        ("EV1", "21601", False),
        ("EV2", "21553", False),
        ("EV3", "21553", False),
        ("EV7", "21601", True),
        ("EV8", "21553", False),
    ]
    assert sorted(
        query(warehouse, "SELECT event_id, reason_codes::VARCHAR FROM quarantine.events")
    ) == [
        ("EV1", "[DUPLICATE]"),
        ("EV4", "[UNKNOWN_PERSON]"),
        ("EV6", "[SECOND_DEATH]"),
        ("EV9", "[UNKNOWN_PERSON]"),
    ]


@pytest.mark.e2e  # the whole job, twice, on a small landing
def test_reconciliation_and_balance(tmp_path):
    run = run_pipeline(make_landing(tmp_path), tmp_path / "data", months=["2025-06", "2025-07"])
    assert run.result.success
    recon = query(
        run.warehouse,
        "SELECT source_file, rows_in, rows_staged, rows_quarantined, rows_unaccounted FROM ops.reconciliation ORDER BY 1",
    )
    assert recon == [
        ("population/events_2025-06.csv", 5, 3, 2, 0),
        ("population/events_2025-07.csv", 4, 2, 2, 0),
        ("population/residents_2024-01-01.csv", 7, 3, 4, 0),
    ]
    change = query(
        run.warehouse,
        """
        SELECT strftime(month, '%Y-%m'), population_start, births, deaths, in_migrants, out_migrants, population_end
        FROM marts.population_change WHERE area_level = 'province' AND month >= DATE '2025-06-01'""",
    )
    assert change == [("2025-06", 3, 1, 1, 0, 0, 3), ("2025-07", 3, 0, 0, 1, 1, 3)]
    # the internal move is a flow between communes, not migration of the province
    commune = dict(
        query(
            run.warehouse,
            """
        SELECT area_code, in_migrants FROM marts.population_change
        WHERE area_level = 'commune' AND month = DATE '2025-06-01' AND in_migrants > 0""",
        )
    )
    assert commune == {"21553": 1}


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.e2e  # the whole job, twice, on a small landing
def test_rerun_changes_nothing_and_failed_run_keeps_published(tmp_path):
    landing = make_landing(tmp_path)
    first = run_pipeline(landing, tmp_path / "data", months=["2025-06", "2025-07"])
    assert first.result.success
    snapshot_sql = """SELECT md5(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR)) FROM {} t"""
    tables = [
        "raw.residents",
        "raw.events",
        "staging.residents",
        "staging.events",
        "quarantine.residents",
        "quarantine.events",
        "marts.population_change",
    ]
    before = {t: query(first.warehouse, snapshot_sql.format(t))[0][0] for t in tables}
    second = run_pipeline(landing, tmp_path / "data", months=["2025-06", "2025-07"])
    assert second.result.success
    assert {t: query(second.warehouse, snapshot_sql.format(t))[0][0] for t in tables} == before
    loads = query(second.warehouse, "SELECT count(*) FROM ops.load_log")[0][0]
    assert loads == 3
    published = second.published / "marts.duckdb"
    published_before = sha(published)

    # A broken delivery: the residents snapshot loses a required column.
    path = landing / "population" / "residents_2024-01-01.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    path.write_text(
        "\n".join(",".join(line.split(",")[1:]) for line in lines) + "\n", encoding="utf-8"
    )
    third = run_pipeline(landing, tmp_path / "data", months=["2025-06", "2025-07"])
    assert not third.result.success
    failure = next(e for e in third.result.all_events if e.is_step_failure)
    message = failure.event_specific_data.error.message
    assert "residents_2024-01-01.csv" in message and "person_id" in message and "Fix:" in message
    assert sha(published) == published_before
    assert (
        query(third.warehouse, snapshot_sql.format("raw.residents"))[0][0]
        == before["raw.residents"]
    )


def test_missing_month_fails_clearly(tmp_path):
    run = run_pipeline(make_landing(tmp_path), tmp_path / "data", months=["2025-05", "2025-07"])
    assert not run.result.success
    failure = next(e for e in run.result.all_events if e.is_step_failure)
    assert "2025-05" in failure.event_specific_data.error.message
