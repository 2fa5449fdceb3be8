"""Labour staging and labour_base count the population timeline by what they read of it
(warehouse/incremental.py, NARROWED_INPUTS): the person states up to the latest labour reference
date and the register rows of the persons in them or in the labour extracts; the snapshot's part
by the record of residents staging."""

from pathlib import Path

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from warehouse.incremental import (
    LABOUR_READS,
    RESIDENTS,
    TIMELINE,
    labour_view_of_timeline,
    write_record,
)
from warehouse.resource import REPO_ROOT


@pytest.fixture()
def con():
    con = duckdb.connect()
    for schema in ("staging", "quarantine", "intermediate", "ops"):
        con.execute(f"CREATE SCHEMA {schema}")
    con.execute("CREATE TABLE staging.labour_status (person_key VARCHAR, ref_date DATE)")
    con.execute("CREATE TABLE quarantine.labour_status (person_key VARCHAR, ref_date DATE)")
    con.execute(
        "CREATE TABLE intermediate.person_states (person_key VARCHAR, valid_from DATE, "
        "commune_code VARCHAR, step INTEGER DEFAULT 1, source_file VARCHAR DEFAULT 'f', "
        "row_number BIGINT DEFAULT 1, rk BIGINT DEFAULT 7, valid_until DATE, "
        "event_type VARCHAR DEFAULT 'move_in')"
    )
    con.execute(
        "CREATE TABLE staging.persons (person_key VARCHAR, sex VARCHAR, date_of_birth DATE, "
        "rk UBIGINT)"
    )
    con.execute("INSERT INTO staging.labour_status VALUES ('a', '2025-07-01'), ('b', '2024-07-01')")
    con.execute("INSERT INTO quarantine.labour_status VALUES ('q', '2025-07-01')")
    con.execute(
        "INSERT INTO intermediate.person_states (person_key, valid_from, commune_code) VALUES ('a', '2024-01-01', '21553'), "
        "('b', '2024-01-01', '21556'), ('c', '2025-03-01', '21553')"
    )
    # 'r' is the snapshot's (a resident: its row has a record key); the others an event brought in
    con.execute(
        "INSERT INTO staging.persons VALUES ('a', 'Nam', '1990-01-01', NULL), "
        "('b', 'Nữ', '1985-05-05', NULL), ('c', 'Nam', '2025-03-01', NULL), "
        "('q', 'Nữ', '1970-01-01', NULL), ('r', 'Nữ', '1960-02-02', 9)"
    )
    con.execute(
        "INSERT INTO intermediate.person_states (person_key, valid_from, commune_code, step, "
        "source_file, row_number, event_type) VALUES "
        "('r', '2024-12-31', '21553', 0, '', 0, 'snapshot')"
    )
    write_record(con, RESIDENTS, "snapshot-1", {}, "built", "r0")
    return con


STATE = "INSERT INTO intermediate.person_states (person_key, valid_from, commune_code) VALUES "


@pytest.mark.parametrize(
    "change, labour_sees_it",
    [
        # a move dated after the last reference date, reported in a later month
        (STATE + "('a', '2025-12-03', '21556')", False),
        # the state before it ends then: its end is not what labour reads
        (
            "UPDATE intermediate.person_states SET valid_until = '2025-12-03' WHERE person_key = 'a'",
            False,
        ),
        # a birth and a move-in after it: new persons no labour record names
        (STATE + "('n', '2025-12-10', '21553')", False),
        ("INSERT INTO staging.persons VALUES ('n', 'Nam', '2025-12-10', NULL)", False),
        # a late-registered move before a reference date
        (STATE + "('b', '2025-06-30', '21553')", True),
        # a state on the reference date itself (arriving that day counts)
        (STATE + "('n', '2025-07-01', '21553')", True),
        # a corrected birth date of a person living in the area before the reference date
        ("UPDATE staging.persons SET date_of_birth = '1991-01-01' WHERE person_key = 'c'", True),
        # the register row of a person whom only a quarantined labour record names
        ("UPDATE staging.persons SET sex = 'Nam' WHERE person_key = 'q'", True),
        ("DELETE FROM intermediate.person_states WHERE person_key = 'b'", True),
    ],
)
def test_the_digest_changes_with_what_labour_reads_only(con, change, labour_sees_it):
    before = labour_view_of_timeline(con)
    con.execute(change)
    assert (labour_view_of_timeline(con) != before) == labour_sees_it


def test_the_snapshot_counts_by_its_staging_record_and_the_timeline_code(con):
    """A snapshot state or a resident's register row holds staging.residents' values only
    (marts/population_timeline.sql): the digest takes them by residents staging's record and the
    timeline's code, not row by row."""
    before = labour_view_of_timeline(con)
    con.execute(
        "UPDATE intermediate.person_states SET commune_code = '21556' WHERE person_key = 'r'"
    )
    con.execute("UPDATE staging.persons SET sex = 'Nam' WHERE person_key = 'r'")
    assert labour_view_of_timeline(con) == before  # they change only with one of the two
    write_record(con, RESIDENTS, "snapshot-2", {}, "built", "r1")  # the snapshot restaged
    restaged = labour_view_of_timeline(con)
    assert restaged != before
    write_record(con, TIMELINE, "t", {"code": "another"}, "built", "r1")  # the timeline's SQL
    assert labour_view_of_timeline(con) not in (before, restaged)


def test_a_missing_table_is_absent(con):
    con.execute("DROP TABLE quarantine.labour_status")
    assert labour_view_of_timeline(con) == "absent"


def _columns_read(sql_file: Path) -> dict[str, set[str]]:
    """table -> the columns a SQL file reads of it through an alias or its name."""
    read: dict[str, set[str]] = {}
    for statement in sqlglot.parse(sql_file.read_text(encoding="utf-8"), dialect="duckdb"):
        if statement is None:
            continue
        for select in statement.find_all(exp.Select):
            aliases = {
                t.alias_or_name: f"{t.db}.{t.name}"
                for t in select.find_all(exp.Table)
                if f"{t.db}.{t.name}" in LABOUR_READS
            }
            for column in select.find_all(exp.Column):
                if column.table in aliases:
                    read.setdefault(aliases[column.table], set()).add(column.name)
            for join in select.find_all(exp.Join):  # USING (person_key)
                target = join.this
                if isinstance(target, exp.Table) and f"{target.db}.{target.name}" in LABOUR_READS:
                    for ident in join.args.get("using") or []:
                        read.setdefault(f"{target.db}.{target.name}", set()).add(ident.name)
    return read


@pytest.mark.parametrize("sql_file", ["quality/sql/stage_labour.sql", "marts/labour_base.sql"])
def test_the_digest_covers_every_column_labour_reads(sql_file):
    """A column of person_states or persons that a labour step starts to read must enter the
    digest, or a month changing only that column would leave labour stale."""
    read = _columns_read(REPO_ROOT / sql_file)
    assert set(read) == set(LABOUR_READS), read  # both tables are read, through aliases
    for table, columns in read.items():
        assert columns <= set(LABOUR_READS[table]), (table, columns - set(LABOUR_READS[table]))


def test_one_run_takes_the_digest_once_until_a_table_it_reads_is_rebuilt(con):
    # labour staging and labour_base both count the timeline by this digest in one run
    from uuid import uuid4

    from warehouse.incremental import _narrowed_digest

    timeline, labour = uuid4().hex, uuid4().hex  # fingerprints no other test records
    write_record(con, TIMELINE, timeline, {}, "built", "r1")
    write_record(con, "staging/labour_status", labour, {}, "built", "r1")
    first = _narrowed_digest(con, labour_view_of_timeline)
    assert first == labour_view_of_timeline(con)
    con.execute(STATE + "('b', '2025-06-30', '21553')")  # labour sees it, but nothing recorded it
    assert _narrowed_digest(con, labour_view_of_timeline) == first  # taken once
    write_record(con, TIMELINE, uuid4().hex, {}, "built", "r2")  # the timeline rebuilt
    second = _narrowed_digest(con, labour_view_of_timeline)
    assert second != first and second == labour_view_of_timeline(con)
    con.execute("UPDATE staging.persons SET sex = 'Nam' WHERE person_key = 'q'")
    write_record(con, "staging/labour_status", uuid4().hex, {}, "built", "r2")  # labour restaged
    assert _narrowed_digest(con, labour_view_of_timeline) not in (first, second)
