"""Small builders for hand-made landing files in tests."""

import csv
from datetime import date
from pathlib import Path

from sources.contracts import EVENTS, RESIDENTS


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
