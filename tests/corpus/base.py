"""The corpus's small valid landing: every source, two months (January and February 2025), a
few rows each, written the way each agency delivers it. Every case of the corpus is this
landing with one file changed, added or removed (tests/corpus/cases.py)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter

from sources.contracts import EVENTS, RESIDENTS
from sources.contracts.labour import LABOUR_STATUS
from sources.contracts.lodging import ESTABLISHMENTS
from sources.contracts.public_order import INCIDENTS

MONTHS = ["2025-01", "2025-02"]
SNAPSHOT = "2025-01-01"
COMMUNES = ["21553", "21550", "21601"]  # old codes of the former Bình Định (before July 2025)
REGISTER_COMMUNE = "21607"  # the establishment register is current (a 2025 code)
WORKBOOK_DATE = datetime(2025, 3, 1)  # workbooks carry a fixed creation date: same bytes


def person_id(male: bool, born: date, tail: int) -> str:
    """A personal ID by the legal structure: province 052, century/sex digit, year, 6 digits."""
    century = (born.year - 1900) // 100
    return f"052{2 * century + (0 if male else 1)}{born.year % 100:02d}{tail:06d}"


# (male, born, commune) of the snapshot's persons P01 … P20
PERSONS = [
    (i % 2 == 1, date(1935 + 3 * i, 1 + i % 12, 1 + i % 27), COMMUNES[i % 3]) for i in range(20)
]
IDS = [person_id(m, b, 100 + i) for i, (m, b, _) in enumerate(PERSONS)]
NAMES = [f"Người Thử {i + 1:02d}" for i in range(20)]
BABY_1 = person_id(False, date(2025, 1, 10), 901)
BABY_2 = person_id(True, date(2025, 2, 12), 902)
NEWCOMER = person_id(True, date(1995, 8, 8), 903)


def resident_rows() -> list[dict]:
    rows = []
    for i, (male, born, commune) in enumerate(PERSONS):
        rows.append(
            {
                "person_id": IDS[i],
                "full_name": NAMES[i],
                "sex": "Nam" if male else "Nữ",
                "date_of_birth": born.strftime("%d/%m/%Y"),
                "ethnicity_code": "01",
                "religion": "Không",
                "nationality": "VNM",
                "household_id": f"{i // 3 + 1:09d}",
                "relation_to_head": "chủ hộ" if i % 3 == 0 else "con",
                "marital_status": "có vợ/chồng" if born.year < 1990 else "chưa kết hôn",
                "education_level": "THPT",
                "commune_code": commune,
                "residence_type": "thường trú",
                "status": "alive",
            }
        )
    return rows


def event_rows(month: str) -> list[dict]:
    def ev(i, kind, pid, day, commune, **extra):
        return {
            "event_id": f"EV{i:02d}",
            "event_type": kind,
            "person_id": pid,
            "event_date": day,
            "registered_date": day,
            "commune_code": commune,
            **extra,
        }

    if month == "2025-01":
        return [
            ev(1, "birth", BABY_1, "10/01/2025", COMMUNES[0], sex="Nữ",
               date_of_birth="10/01/2025", mother_id=IDS[2]),
            ev(2, "death", IDS[5], "15/01/2025", PERSONS[5][2]),
            ev(3, "internal_move", IDS[6], "20/01/2025", COMMUNES[1],
               from_commune_code=PERSONS[6][2], to_commune_code=COMMUNES[1]),
            ev(4, "move_in", NEWCOMER, "22/01/2025", COMMUNES[2], from_commune_code="00004",
               to_commune_code=COMMUNES[2], sex="Nam", date_of_birth="08/08/1995"),
        ]  # fmt: skip
    return [
        ev(5, "move_out", IDS[7], "03/02/2025", PERSONS[7][2],
           from_commune_code=PERSONS[7][2], to_commune_code=""),
        ev(6, "birth", BABY_2, "12/02/2025", COMMUNES[1], sex="Nam",
           date_of_birth="12/02/2025", mother_id=IDS[4]),
        ev(7, "death", IDS[9], "20/02/2025", PERSONS[9][2]),
    ]  # fmt: skip


def labour_rows() -> list[dict]:
    """The labour register on 1 July 2025: adults of the snapshot still there."""
    rows = []
    for i in (0, 1, 2, 3, 4, 8, 10, 11):
        male, born, _ = PERSONS[i]
        status = ["employed", "unemployed", "outside"][i % 3]
        employed = status == "employed"
        rows.append(
            {
                "person_id": IDS[i],
                "reference_date": "01/07/2025",
                "sex": "Nam" if male else "Nữ",
                "date_of_birth": born.strftime("%d/%m/%Y"),
                "employment_status": status,
                "status_in_employment": "employee" if employed else None,
                "vsic_section": "G" if employed else None,
                "occupation_code": "5" if employed else None,
                "has_social_insurance": "true" if employed else "false",
                "has_labour_contract": "true" if employed else "false",
                "hours_per_week": "40" if employed else None,
                "in_education": "false",
                "workplace_commune_code": None,
            }
        )
    return rows


ESTABLISHMENT_TYPES = ["hotel_3star", "guesthouse", "motel", "homestay", "rental_room"]


def establishment_rows() -> list[dict]:
    return [
        {
            "establishment_id": f"CSLT{i + 1:05d}",
            "name": f"Cơ sở Thử {i + 1}",
            "type": t,
            "commune_code": REGISTER_COMMUNE,
            "rooms": 10 + i,
            "beds": 15 + i,
            "opened_on": "01/01/2020",
            "closed_on": None,
        }
        for i, t in enumerate(ESTABLISHMENT_TYPES)
    ]


PASSPORTS = [("B1234567", "KOR"), ("C7654321", "USA")]


def stay_rows(month: str) -> list[dict]:
    """Notifications of the month; local time (UTC+7), as the contract says."""
    y, m = int(month[:4]), int(month[5:])
    rows = []
    for i in range(6):
        day = 3 + 3 * i
        cccd = i % 3 != 2
        doc, nationality = (IDS[i], "VNM") if cccd else PASSPORTS[i % 2]
        # a late-evening and an early-morning arrival (in UTC, the early one is the day before)
        hour, minute = {1: (23, 30), 4: (5, 30)}.get(i, (14, 0))
        check_in = datetime(y, m, day, hour, minute)
        # 23:30 arrivals are notified by 08:00 the next day
        notified = datetime(y, m, day + 1, 7, 0) if i == 1 else datetime(y, m, day, 15, 0)
        rows.append(
            {
                "notification_id": f"TB{month.replace('-', '')}{i + 1:03d}",
                "establishment_id": f"CSLT{i % 5 + 1:05d}",
                "guest_doc_type": "cccd" if cccd else "passport",
                "guest_doc_number": doc,
                "guest_nationality": nationality,
                "guest_sex": "Nam" if i % 2 else "Nữ",
                "guest_birth_year": PERSONS[i][1].year if cccd else 1980 + i,
                "check_in": f"{check_in:%Y-%m-%d %H:%M:%S}",
                "check_out": f"{datetime(y, m, day + 2, 10, 0):%Y-%m-%d %H:%M:%S}",
                "room": str(100 + i),
                "notified_at": f"{notified:%Y-%m-%d %H:%M:%S}",
            }
        )
    return rows


CATEGORIES = [
    ("HS173", "Trộm cắp tài sản"),
    ("HS134", "Cố ý gây thương tích"),
    ("HS321", "Đánh bạc"),
]


def incident_rows(month: str) -> list[dict]:
    y, m = int(month[:4]), int(month[5:])
    rows = []
    for i in range(5):
        code, name = CATEGORIES[i % 3]
        cleared = i % 2 == 0
        rows.append(
            {
                "incident_id": f"VV{month.replace('-', '')}{i + 1:03d}",
                "occurred_at": f"{datetime(y, m, 2 + 4 * i, 21, 0):%Y-%m-%d %H:%M:%S}",
                "reported_at": f"{datetime(y, m, 3 + 4 * i, 8, 0):%Y-%m-%d %H:%M:%S}",
                "commune_code": COMMUNES[i % 3],
                "category_code": code,
                "category_name": name,
                "status": "cleared" if cleared else "under_investigation",
                "cleared_at": f"{datetime(y, m, 4 + 4 * i, 9, 0):%Y-%m-%d %H:%M:%S}"
                if cleared
                else None,
                "persons_involved": str(1 + i % 2),
            }
        )
    return rows


PLATES = ["77A-123.45", "77-B1 234.56", "77C-456.78", "77-H5 490.01", "77B-111.22"]
VEHICLES = ["car", "motorbike", "truck", "motorbike", "bus"]
VIOLATION_CODES = ["TOC_DO", "MU_BAO_HIEM", "QUA_TAI", "DEN_DO", "DUNG_DO"]


def violation_rows(month: str) -> list[dict]:
    y, m = int(month[:4]), int(month[5:])
    return [
        {
            "violation_id": f"VP{month.replace('-', '')}{i + 1:04d}",
            "detected_at": datetime(y, m, 2 + 5 * i, 7, 15, 0),
            "commune_code": COMMUNES[i % 3],
            "plate": PLATES[i],
            "vehicle_type": VEHICLES[i],
            "violation_code": VIOLATION_CODES[i],
            "fine_vnd": 600000 + 100000 * i,
            "paid": i % 2 == 0,
        }
        for i in range(5)
    ]


# ---------------------------------------------------------------- writers (as agencies deliver)


def csv_text(header: list[str], rows: list[list], sep: str = ",", eol: str = "\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator=eol)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


def write_bytes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def residents_csv(rows: list[dict], header: list[str] | None = None, **kw) -> bytes:
    """The register's snapshot: Vietnamese header, UTF-8 with a BOM (Excel's CSV UTF-8)."""
    header = header or RESIDENTS.vietnamese_header()
    body = [[r.get(c) for c in RESIDENTS.names] for r in rows]
    return b"\xef\xbb\xbf" + csv_text(header, body, **kw).encode("utf-8")


def events_csv(rows: list[dict], **kw) -> bytes:
    return csv_text(EVENTS.names, [[r.get(c) for c in EVENTS.names] for r in rows], **kw).encode()


def incidents_csv(rows: list[dict], **kw) -> bytes:
    body = [[r.get(c) for c in INCIDENTS.names] for r in rows]
    return csv_text(INCIDENTS.names, body, **kw).encode()


def stays_jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


def violations_parquet(rows: list[dict], schema: pa.Schema | None = None) -> bytes:
    schema = schema or pa.schema(
        [
            ("violation_id", pa.string()),
            ("detected_at", pa.timestamp("ms")),
            ("commune_code", pa.string()),
            ("plate", pa.string()),
            ("vehicle_type", pa.string()),
            ("violation_code", pa.string()),
            ("fine_vnd", pa.int64()),
            ("paid", pa.bool_()),
        ]
    )
    table = pa.Table.from_pylist(rows, schema=schema)
    out = pa.BufferOutputStream()
    pq.write_table(table, out)
    return out.getvalue().to_pybytes()


ESTABLISHMENTS_HEADER = ESTABLISHMENTS.vietnamese_header()


def cp1258(text: str) -> bytes:
    """Text as Windows-1258 writes it: letters with their hat, breve or horn (ô, ă, ư) are single
    bytes, the five tones combining marks after them."""
    import unicodedata

    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch):
            shape = "\u0302\u0306\u031b"
            letter = out.pop()
            marks = list(letter[1:] + ch)
            base = unicodedata.normalize("NFC", letter[0] + "".join(m for m in marks if m in shape))
            out.append(base + "".join(m for m in marks if m not in shape))
        else:
            out.append(ch)
    return "".join(out).encode("cp1258")


def workbook(path: Path, sheets: list[tuple[str, list[list], dict]], date_1904=False) -> Path:
    """An .xlsx of (sheet name, rows of cells, options: hidden, dates) with a fixed creation
    date. A cell that is a datetime is written as an Excel date."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"date_1904": date_1904})
    wb.set_properties({"created": WORKBOOK_DATE})
    date_format = wb.add_format({"num_format": "dd/mm/yyyy"})
    for name, rows, options in sheets:
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, datetime):
                    ws.write_datetime(r + options.get("top", 0), c + options.get("left", 0), value,
                                      date_format)  # fmt: skip
                else:
                    ws.write(r + options.get("top", 0), c + options.get("left", 0), value)
        if options.get("hidden"):
            ws.hide()
    wb.close()
    return path


def labour_sheet_rows(rows: list[dict], title: str = "DANH SÁCH LAO ĐỘNG") -> list[list]:
    """A title row above the Vietnamese header, as the labour office exports it."""
    return [[title], LABOUR_STATUS.vietnamese_header()] + [
        [r.get(c) for c in LABOUR_STATUS.names] for r in rows
    ]


def establishment_sheet_rows(rows: list[dict]) -> list[list]:
    return [ESTABLISHMENTS.vietnamese_header()] + [
        [r.get(c) for c in ESTABLISHMENTS.names] for r in rows
    ]


def write_base(landing: Path) -> None:
    """The base landing, file by file."""
    write_bytes(landing / f"population/residents_{SNAPSHOT}.csv", residents_csv(resident_rows()))
    for m in MONTHS:
        write_bytes(landing / f"population/events_{m}.csv", events_csv(event_rows(m)))
        write_bytes(landing / f"lodging/stays_{m}.jsonl", stays_jsonl(stay_rows(m)))
        write_bytes(landing / f"public_order/incidents_{m}.csv", incidents_csv(incident_rows(m)))
        write_bytes(
            landing / f"public_order/traffic_violations_{m}.parquet",
            violations_parquet(violation_rows(m)),
        )
    workbook(
        landing / "labour/labour_status_2025.xlsx",
        [("Lao động", labour_sheet_rows(labour_rows()), {})],
    )
    workbook(
        landing / "lodging/establishments.xlsx",
        [("Cơ sở lưu trú", establishment_sheet_rows(establishment_rows()), {})],
    )
