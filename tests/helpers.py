"""Small builders for hand-made landing files in tests, a probe in a fresh interpreter, and a
writable copy of a pipeline run's warehouse."""

import csv
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

from sources.contracts import EVENTS, RESIDENTS


def fresh_python(code: str) -> str:
    """What `code` prints when run by a fresh interpreter in the repository (what a module
    imports is seen only in a process that has not imported it yet)."""
    repo = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, check=True
    )
    return done.stdout


def copy_of_warehouse(run, data: Path):
    """A Warehouse on a copy of a pipeline run's warehouse file in `data` (the run's own stays
    a reference for other tests)."""
    from warehouse.resource import Warehouse

    shutil.copy2(run.warehouse.database_path, data / "warehouse.duckdb")
    return Warehouse(landing_dir=str(run.warehouse.landing), data_dir=str(data))


def one(con, sql: str, *params):
    """The single value of `SELECT <sql>` (rule unit tests)."""
    return con.execute(f"SELECT {sql}", list(params)).fetchone()[0]


def build_id(prefix: str, male: bool, born: date, tail: int) -> str:
    """A personal ID by the legal structure: province, century/sex digit, year, 6 digits."""
    century = (born.year - 1900) // 100
    return f"{prefix}{2 * century + (0 if male else 1)}{born.year % 100:02d}{tail:06d}"


def write_csv(path: Path, header: list[str], rows: list[dict], bom: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(c, "") for c in header])
    return path


def resident(
    pid: str, sex: str, born: str, commune: str, household: str = "000000001", **extra
) -> dict:
    row = {
        "person_id": pid,
        "full_name": "Người Thử Nghiệm",
        "sex": sex,
        "date_of_birth": born,
        "ethnicity_code": "01",
        "religion": "Không",
        "nationality": "VNM",
        "household_id": household,
        "relation_to_head": "chủ hộ",
        "marital_status": "có vợ/chồng",
        "education_level": "THPT",
        "commune_code": commune,
        "residence_type": "thường trú",
        "status": "alive",
    }
    row.update(extra)
    return row


def write_residents(landing: Path, rows: list[dict], snapshot: str = "2024-01-01") -> Path:
    """Residents snapshot with the Vietnamese header and a BOM, as the register delivers it."""
    labels = dict(zip(RESIDENTS.names, RESIDENTS.vietnamese_header(), strict=True))
    return write_csv(
        landing / "population" / f"residents_{snapshot}.csv",
        RESIDENTS.vietnamese_header(),
        [{labels[k]: v for k, v in r.items()} for r in rows],
        bom=True,
    )


def write_events(landing: Path, month: str, rows: list[dict]) -> Path:
    return write_csv(landing / "population" / f"events_{month}.csv", EVENTS.names, rows)


# The cell key method's bounds (protection/): a published count is within D of its true count,
# never 1 … JS, and a true zero is published as zero.
D, JS = 3, 2


def protected_like(published, true) -> bool:
    """A published count as the cell key method may publish the true one."""
    if true == 0:
        return published == 0
    return abs(published - true) <= D and not (1 <= published <= JS)


def all_protected_like(published: dict, true: dict) -> list:
    """The keys whose published count is not a possible perturbation of the true one."""
    assert published.keys() == true.keys()
    return [k for k in true if not protected_like(published[k], true[k])]


# The hand-made population landing of tests/assets/test_population_assets.py (one case per
# rule) and tests/e2e/test_operator_run.py: its people, then the extracts.
A = build_id("052", True, date(1990, 5, 1), 1)
B = build_id("052", False, date(1985, 2, 3), 2)
C = build_id("052", False, date(2001, 3, 4), 3)
D_SHORT = build_id("052", True, date(1970, 1, 1), 4)[:-1]
E = build_id("052", True, date(1960, 1, 1), 5)
F = build_id("052", True, date(2020, 1, 1), 6)  # consistent ID, birth date in the future
G_BABY = build_id("052", False, date(2025, 6, 10), 7)
H_NEWCOMER = build_id("001", True, date(1995, 8, 8), 8)
NOBODY = build_id("052", True, date(1980, 1, 1), 9)


def make_landing(root):
    landing = root / "landing"
    write_residents(
        landing,
        [
            resident(A, "Nam", "01/05/1990", "21553"),
            resident(B, "2", "03/02/1985", "21550", household="000000002"),
            resident(
                C, "nữ", "2001-03-04", " 21550", household="000000002", nationality="Việt Nam"
            ),
            resident(A, "Nam", "01/05/1990", "21553"),  # exact duplicate
            resident(D_SHORT, "Nam", "01/01/1970", "21553"),  # 11 digits
            resident(E, "Nam", "01/01/1960", "99999"),  # unknown commune
            resident(F, "Nam", "01/01/2030", "21553"),  # born in the future
        ],
    )
    birth = dict(
        event_id="EV1",
        event_type="birth",
        person_id=G_BABY,
        event_date="10/06/2025",
        registered_date="12/06/2025",
        commune_code="21550",
        sex="Nữ",
        date_of_birth="10/06/2025",
        mother_id=B,
    )
    write_events(
        landing,
        "2025-06",
        [
            birth,
            dict(
                event_id="EV2",
                event_type="death",
                person_id=A,
                event_date="15/06/2025",
                registered_date="16/06/2025",
                commune_code="21553",
            ),
            dict(
                event_id="EV3",
                event_type="internal_move",
                person_id=C,
                event_date="20/06/2025",
                registered_date="21/06/2025",
                commune_code="21553",
                from_commune_code="21550",
                to_commune_code="21553",
            ),
            dict(
                event_id="EV4",
                event_type="death",
                person_id=NOBODY,
                event_date="21/06/2025",
                registered_date="22/06/2025",
                commune_code="21553",
            ),
            birth,  # re-sent: the same record again
        ],
    )
    write_events(
        landing,
        "2025-07",
        [
            dict(
                event_id="EV6",
                event_type="death",
                person_id=A,
                event_date="02/07/2025",
                registered_date="03/07/2025",
                commune_code="21553",
            ),  # second death
            dict(
                event_id="EV7",
                event_type="move_out",
                person_id=B,
                event_date="05/07/2025",
                registered_date="2025-07-06",
                commune_code="21550",
                from_commune_code="21550",
                to_commune_code="",
            ),  # old code after the reform
            dict(
                event_id="EV8",
                event_type="move_in",
                person_id=H_NEWCOMER,
                event_date="10/07/2025",
                registered_date="10/07/2025",
                commune_code="21553",
                from_commune_code="00004",
                to_commune_code="21553",
                sex="M",
                date_of_birth="08/08/1995",
            ),
            dict(
                event_id="EV9",
                event_type="death",
                person_id=G_BABY,
                event_date="25/05/2025",
                registered_date="15/07/2025",
                commune_code="21601",
            ),  # before the birth: unknown then
        ],
    )
    return landing
