"""Issue 8, item 7: a labour record dated on the day its person was born, moved in, died or
moved out is that person's. The register links a record to a person living in the area at some
moment of the reference date (at 00:00, or at its end for a person arriving that day)."""

from datetime import date

import dagster as dg
import duckdb
import xlsxwriter

from assets import labour, population, reference
from dagster_project.jobs import range_tags
from sources.contracts.labour import LABOUR_STATUS
from tests.helpers import build_id, resident, write_events, write_residents
from warehouse.resource import Warehouse

REF = "01/07/2025"
HERE = "21553"  # a 2025 commune (Phường Quy Nhơn)
DIES_ON = build_id("052", True, date(1980, 3, 1), 11)
MOVES_OUT_ON = build_id("052", False, date(1982, 4, 2), 12)
MOVES_IN_ON = build_id("001", True, date(1990, 5, 3), 13)
BORN_ON = build_id("052", False, date(2025, 7, 1), 14)
DIED_BEFORE = build_id("052", True, date(1950, 6, 4), 15)
MOVES_IN_AFTER = build_id("001", False, date(1991, 7, 5), 16)
STAYS = build_id("052", True, date(1975, 8, 6), 17)


def write_labour(path, person_ids):
    """The labour extract layout: a title row, then the Vietnamese header, text cells."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with xlsxwriter.Workbook(str(path)) as wb:
        ws = wb.add_worksheet()
        ws.write_string(0, 0, "DANH SÁCH NGƯỜI LAO ĐỘNG")
        for j, label in enumerate(LABOUR_STATUS.vietnamese_header()):
            ws.write_string(1, j, label)
        values = {
            "reference_date": REF,
            "employment_status": "employed",
            "status_in_employment": "employee",
            "vsic_section": "C",
            "occupation_code": "7",
            "has_social_insurance": "true",
            "has_labour_contract": "true",
            "hours_per_week": "40",
            "in_education": "false",
            "workplace_commune_code": HERE,
        }
        for i, pid in enumerate(person_ids, start=2):
            for j, col in enumerate(LABOUR_STATUS.names):
                ws.write_string(i, j, pid if col == "person_id" else values.get(col, ""))


def make_landing(root):
    landing = root / "landing"
    write_residents(
        landing,
        [
            resident(DIES_ON, "Nam", "01/03/1980", HERE),
            resident(MOVES_OUT_ON, "Nữ", "02/04/1982", HERE, household="000000002"),
            resident(DIED_BEFORE, "Nam", "04/06/1950", HERE, household="000000003"),
            resident(STAYS, "Nam", "06/08/1975", HERE, household="000000004"),
        ],
        snapshot="2025-01-01",
    )
    write_events(
        landing,
        "2025-06",
        [
            dict(
                event_id="E1",
                event_type="death",
                person_id=DIED_BEFORE,
                event_date="30/06/2025",
                registered_date="30/06/2025",
                commune_code=HERE,
            ),
        ],
    )
    write_events(
        landing,
        "2025-07",
        [
            dict(
                event_id="E2",
                event_type="death",
                person_id=DIES_ON,
                event_date=REF,
                registered_date=REF,
                commune_code=HERE,
            ),
            dict(
                event_id="E3",
                event_type="move_out",
                person_id=MOVES_OUT_ON,
                event_date=REF,
                registered_date=REF,
                commune_code=HERE,
                from_commune_code=HERE,
                to_commune_code="",
            ),
            dict(
                event_id="E4",
                event_type="move_in",
                person_id=MOVES_IN_ON,
                event_date=REF,
                registered_date=REF,
                commune_code=HERE,
                from_commune_code="00004",
                to_commune_code=HERE,
                sex="Nam",
                date_of_birth="03/05/1990",
            ),
            dict(
                event_id="E5",
                event_type="birth",
                person_id=BORN_ON,
                event_date=REF,
                registered_date=REF,
                commune_code=HERE,
                sex="Nữ",
                date_of_birth=REF,
                mother_id=MOVES_OUT_ON,
            ),
            dict(
                event_id="E6",
                event_type="move_in",
                person_id=MOVES_IN_AFTER,
                event_date="02/07/2025",
                registered_date="02/07/2025",
                commune_code=HERE,
                from_commune_code="00004",
                to_commune_code=HERE,
                sex="Nữ",
                date_of_birth="05/07/1991",
            ),
        ],
    )
    write_labour(
        landing / "labour" / "labour_status_2025.xlsx",
        [DIES_ON, MOVES_OUT_ON, MOVES_IN_ON, BORN_ON, DIED_BEFORE, MOVES_IN_AFTER, STAYS],
    )
    return landing


def test_records_on_the_day_of_arrival_or_departure_are_the_persons(tmp_path):
    warehouse = Warehouse(landing_dir=str(make_landing(tmp_path)), data_dir=str(tmp_path / "data"))
    result = dg.materialize(
        [reference.admin_units_reference, *dg.load_assets_from_modules([population, labour])],
        resources={"warehouse": warehouse},
        tags=range_tags(["2025-06", "2025-07"]),
        selection=dg.AssetSelection.all(),
    )
    assert result.success
    with duckdb.connect(str(warehouse.database_path), read_only=True) as con:
        staged = {
            r[0]: r[1]
            for r in con.execute(
                "SELECT _row_number, commune_code FROM staging.labour_status"
            ).fetchall()
        }
        rejected = {
            r[0]: r[1]
            for r in con.execute(
                "SELECT _row_number, reason_codes[1] FROM quarantine.labour_status"
            ).fetchall()
        }
        wap = con.execute(
            "SELECT sum(persons) FROM intermediate.labour_working_age WHERE year = 2025"
        ).fetchone()[0]
        accounts = con.execute(
            "SELECT count(*) FROM marts.labour_indicators WHERE no_labour_record < 0"
        ).fetchone()[0]
    # rows in file order, numbered from 1 after the header
    row = {
        pid: i
        for i, pid in enumerate(
            [DIES_ON, MOVES_OUT_ON, MOVES_IN_ON, BORN_ON, DIED_BEFORE, MOVES_IN_AFTER, STAYS],
            start=1,
        )
    }
    assert set(staged) | set(rejected) == set(row.values())
    # died or moved out on the reference date: living here at 00:00, the record is theirs
    assert staged.get(row[DIES_ON]) == HERE
    assert staged.get(row[MOVES_OUT_ON]) == HERE
    # moved in on the reference date: living here at its end
    assert staged.get(row[MOVES_IN_ON]) == HERE
    # born on the reference date: the newborn's record, rejected for age, not as unknown
    assert rejected.get(row[BORN_ON]) == "UNDER_15"
    # outside the day: dead the day before, arriving the day after
    assert rejected.get(row[DIED_BEFORE]) == "UNKNOWN_PERSON"
    assert rejected.get(row[MOVES_IN_AFTER]) == "UNKNOWN_PERSON"
    assert staged.get(row[STAYS]) == HERE
    # the working-age population counts exactly the persons records link to (15+)
    assert wap == 4 and accounts == 0
