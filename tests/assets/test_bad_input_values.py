"""A bad value is a reason code on its row (or a repair), never a crash; an error that still
escapes a step names the source and its files and quotes no cell."""

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets import common, public_order, reference
from quality import staging
from tests.helpers import one
from warehouse.resource import Warehouse


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1.500.000", 1_500_000),
        ("600.000", 600_000),
        ("1,500,000", 1_500_000),
        ("37,5", 37.5),
        ("37.5", 37.5),
        ("600000", 600_000),
        ("600000.0", 600_000),
        (" 1 500 000 ", 1_500_000),
        ("1.500.000,50", 1_500_000.5),
        ("-250.000", -250_000),
        ("1e30", 1e30),
        ("abc", None),
        ("", None),
        (None, None),
        ("1.50.000", None),
        ("12-3", None),
    ],
)
def test_parse_number_vn(con, text, expected):
    assert one(con, "parse_number_vn(?)", text) == expected


def test_number_format_repair_flag(con):
    assert one(con, "number_needed_repair(?)", "600.000") is True
    assert one(con, "number_needed_repair(?)", "600000") is False
    assert one(con, "number_needed_repair(?)", None) is False


@pytest.fixture()
def warehouse(tmp_path):
    (tmp_path / "landing").mkdir()
    wh = Warehouse(landing_dir=str(tmp_path / "landing"), data_dir=str(tmp_path / "data"))
    assert dg.materialize(
        [reference.admin_units_reference, public_order.violation_codes], resources={"warehouse": wh}
    ).success
    return wh


VIOLATION = (
    "'V{n}', '2024-03-05 10:00:00', '21553', '77A-123.45', 'car', 'TOC_DO', {fine}, "
    "'true', 'traffic_violations_2024-03.parquet', {n}, 'b', now()::TIMESTAMP"
)


def raw_violations(con, fines: list[str]) -> None:
    """raw.traffic_violations holding one violation per fine (V0, V1, …)."""
    con.execute(
        "CREATE TABLE raw.traffic_violations (violation_id VARCHAR, detected_at "
        "VARCHAR, commune_code VARCHAR, plate VARCHAR, vehicle_type VARCHAR, "
        "violation_code VARCHAR, fine_vnd VARCHAR, paid VARCHAR, _source_file VARCHAR, "
        "_row_number BIGINT, _batch_id VARCHAR, _loaded_at TIMESTAMP)"
    )
    values = ", ".join("(" + VIOLATION.format(n=i, fine=f) + ")" for i, f in enumerate(fines))
    con.execute(f"INSERT INTO raw.traffic_violations VALUES {values}")


def test_fines_the_vietnamese_way_and_out_of_range(warehouse):
    fines = ["'600.000'", "'1e30'", "'abc'", "'1.500.000'", "'-5.000'", "'800000'"]
    with warehouse.connect() as con:
        raw_violations(con, fines)
        figures = staging.split_checked(con, "traffic_violations", "stage_traffic_violations.sql")
        staged = dict(
            con.execute("SELECT violation_id, fine_vnd FROM staging.traffic_violations").fetchall()
        )
        rejected = dict(
            con.execute(
                "SELECT violation_id, reason_codes FROM quarantine.traffic_violations"
            ).fetchall()
        )
    assert staged == {"V0": 600_000, "V3": 1_500_000, "V5": 800_000}
    assert rejected == {
        "V1": ["FINE_OUT_OF_RANGE"],
        "V2": ["INVALID_FINE"],
        "V4": ["NEGATIVE_FINE"],
    }
    assert figures["repairs"]["number_format"] == 2


def test_safe_message_quotes_no_cell():
    con = duckdb.connect()
    with pytest.raises(duckdb.ConversionException) as info:
        con.execute("SELECT CAST('Nguyễn Văn A' AS INTEGER)")
    assert "Nguyễn" in str(info.value)
    assert "Nguyễn" not in common.safe_message(info.value)
    assert common.safe_message(info.value).startswith("ConversionException")


def test_escaping_staging_error_names_source_and_sql(warehouse):
    with warehouse.connect() as con:  # a raw table the staging SQL cannot use
        con.execute("CREATE TABLE raw.incidents (incident_id VARCHAR, _source_file VARCHAR)")
        con.execute("INSERT INTO raw.incidents VALUES ('X', 'public_order/incidents_2024-03.csv')")
    with pytest.raises(dg.Failure) as info:
        common.stage(warehouse, "incidents", "stage_incidents.sql")
    text = info.value.description
    assert text.startswith("incidents: staging (quality/sql/stage_incidents.sql) failed")
    assert "public_order/incidents_2024-03.csv" in text and "BinderException" in text


def _tables(con, schema: str) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = ?", [schema]
        ).fetchall()
    }


def test_staging_replaces_its_tables_whole_and_a_failure_leaves_them(warehouse):
    """The checked rows are written once and renamed into place: a second staging replaces
    staging and quarantine whole, and one that fails halfway (here a column to drop that does
    not exist, after the rejected rows were split off) leaves the previous tables, figures and
    no half-built table beside them."""
    fines = ["'600.000'", "'abc'", "'800000'"]
    with warehouse.connect() as con:
        raw_violations(con, fines)
        staging.split_checked(con, "traffic_violations", "stage_traffic_violations.sql")
        con.execute("DELETE FROM raw.traffic_violations WHERE violation_id = 'V0'")
        figures = staging.split_checked(con, "traffic_violations", "stage_traffic_violations.sql")
        assert figures["staged"] == 1 and figures["quarantined"] == 1
        before = {
            t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in ("staging.traffic_violations", "quarantine.traffic_violations")
        }
        assert [r[0] for r in before["staging.traffic_violations"]] == ["V2"]
        assert "reason_codes" not in {
            d[0] for d in con.execute("SELECT * FROM staging.traffic_violations").description
        }
        figures_before = con.execute(
            "SELECT source_file, kind, figure, value FROM ops.quality_figures ORDER BY ALL"
        ).fetchall()
        con.execute(
            "INSERT INTO raw.traffic_violations VALUES (" + VIOLATION.format(n=9, fine="'1'") + ")"
        )
        with pytest.raises(duckdb.Error):
            staging.split_checked(
                con, "traffic_violations", "stage_traffic_violations.sql", ("no_such_column",)
            )
        after = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in before}
        assert after == before
        assert (
            con.execute(
                "SELECT source_file, kind, figure, value FROM ops.quality_figures ORDER BY ALL"
            ).fetchall()
            == figures_before
        )
        assert _tables(con, "staging") == {"traffic_violations"}
        assert _tables(con, "quarantine") == {"traffic_violations"}


def test_out_of_memory_while_reading_is_not_called_a_broken_file(tmp_path):
    """DuckDB running out of memory says nothing about the file: the failure names the memory
    limit and its fix, never the file's format (a 256 MB JSON buffer once made a valid stays
    file 'cannot be read as JSON Lines' under a 1 GB limit)."""
    from assets import lodging

    (tmp_path / "landing" / "lodging").mkdir(parents=True)
    first = sorted(Path("data_samples/landing/lodging").glob("stays_*.jsonl"))[0]
    shutil.copy(first, tmp_path / "landing" / "lodging")
    wh = Warehouse(
        landing_dir=str(tmp_path / "landing"),
        data_dir=str(tmp_path / "data"),
        connection_config={"memory_limit": "8MB", "preserve_insertion_order": "false"},
    )
    result = dg.materialize(
        [lodging.raw_stays],
        resources={"warehouse": wh},
        partition_key=first.stem.split("_")[1] + "-01",
        raise_on_error=False,
    )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    text = failure.step_failure_data.user_failure_data.description
    assert text.startswith(f"stays: loading lodging/{first.name} stopped: DuckDB ran out of memory")
    assert "raise memory_limit" in text and "JSON" not in text


@pytest.mark.parametrize(
    "error, says",
    [
        (
            duckdb.OutOfMemoryException("Out of Memory Error: could not allocate"),
            "raise memory_limit",
        ),
        (
            duckdb.IOException("IO Error: Could not write file: No space left on device"),
            "free disk space",
        ),
    ],
)
def test_staging_stopped_by_the_machine_says_so(warehouse, monkeypatch, error, says):
    """Memory or disk running out is the machine's problem: the message says what to free,
    never to withdraw a file."""
    with warehouse.connect() as con:
        con.execute("CREATE TABLE raw.incidents (incident_id VARCHAR, _source_file VARCHAR)")

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(staging, "split_checked", fail)
    with pytest.raises(dg.Failure) as info:
        common.stage(warehouse, "incidents", "stage_incidents.sql")
    text = info.value.description
    assert text.startswith("incidents: staging (quality/sql/stage_incidents.sql) stopped: ")
    assert says in text and "withdraw" not in text
