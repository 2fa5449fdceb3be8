"""The corpus: odd-but-real extracts, each the base landing (tests/corpus/base.py) with one
file changed, added or removed, and what must happen to it. `python -m tests.corpus.make_corpus`
writes the files under tests/corpus/cases/<name>/; tests/e2e/test_corpus.py runs every case through
the raw, staging and reconciliation assets of its source.

What must happen is one of two things:
- the file loads, every row accounted for: the reconciliation proves each row of the file is in
  staging or in quarantine; the case says how many are staged, the reason codes of the
  quarantined ones, the figures counted, the reading repairs recorded and the quality suites
  that warn, and may check values of the staged rows;
- the file fails its raw asset with a message naming the file, the problem and the fix (words
  the case lists), never a cell value; nothing of the source is loaded, and published/ stays
  as it was (tests/e2e/test_corpus.py proves it on two cases with the whole job).

A new kind of odd file: add a case here (a builder of its files and what must happen), run
`python -m tests.corpus.make_corpus`, commit the files with it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from tests.corpus import base as b

Content = bytes | Callable[[Path], object] | None  # bytes, a writer of the file, or removed


@dataclass(frozen=True)
class Case:
    name: str
    story: str  # what the office, the clerk or the API did
    source: str  # the source whose raw, staging and quarantine assets run
    files: Callable[[], dict[str, Content]]  # landing path -> its content (None: removed)
    # what must happen
    fails: tuple[str, ...] = ()  # the raw asset fails, its message holding each of these
    staged: int | None = None  # rows of the case's files staged
    quarantined: dict[str, int] = field(default_factory=dict)  # reason code -> rows
    figures: dict[str, int] = field(default_factory=dict)  # quality figures of the files
    read_repairs: tuple[str, ...] = ()  # recorded in ops.load_log for the case's files
    warns: tuple[str, ...] = ()  # quality suites that warn (every other suite of it passes)
    holds: tuple[tuple[str, object], ...] = ()  # SQL on the warehouse -> its value

    @property
    def expected(self) -> str:
        """What must happen, in words (tests/corpus/README.md)."""
        if self.fails:
            return "fails naming " + "; ".join(f"“{w}”" for w in self.fails)
        parts = [f"loads: {self.staged} staged"]
        if self.quarantined:
            parts.append(
                "quarantined " + ", ".join(f"{k} {v}" for k, v in self.quarantined.items())
            )
        if self.figures:
            parts.append("counted " + ", ".join(f"{k} {v}" for k, v in self.figures.items()))
        if self.read_repairs:
            parts.append("read repairs " + ", ".join(self.read_repairs))
        if self.warns:
            parts.append("warns " + ", ".join(self.warns))
        return "; ".join(parts)


JAN, FEB = "2025-01", "2025-02"
EVENTS_FEB = f"population/events_{FEB}.csv"
EVENTS_JAN = f"population/events_{JAN}.csv"
RESIDENTS = f"population/residents_{b.SNAPSHOT}.csv"
STAYS_JAN = f"lodging/stays_{JAN}.jsonl"
INCIDENTS_JAN = f"public_order/incidents_{JAN}.csv"
INCIDENTS_FEB = f"public_order/incidents_{FEB}.csv"
VIOLATIONS_JAN = f"public_order/traffic_violations_{JAN}.parquet"
LABOUR = "labour/labour_status_2025.xlsx"
ESTABLISHMENTS = "lodging/establishments.xlsx"


def staged_list(table: str, column: str, file: str, fmt: str = "") -> str:
    value = f"strftime({column}, '{fmt}')" if fmt else f"{column}::VARCHAR"
    return (
        f"SELECT string_agg({value}, ',' ORDER BY _row_number) FROM staging.{table} "
        f"WHERE _source_file = '{file}'"
    )


def _local_list(rows: list[dict], column: str) -> str:
    return ",".join(r[column][:16] for r in rows)


# ---------------------------------------------------------------- builders


def _incidents_vietnamese_status():
    rows = b.incident_rows(JAN)
    spelled = ["Đã làm rõ", "Đang điều tra", "ĐÃ LÀM RÕ", "đang điều tra", "Đã làm rõ"]
    for r, s in zip(rows, spelled, strict=True):
        r["status"] = s
    return {INCIDENTS_JAN: b.incidents_csv(rows)}


def _utc(text: str) -> str:
    return (datetime.fromisoformat(text) - timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stays_in_utc():
    rows = b.stay_rows(JAN)
    for r in rows:
        for c in ("check_in", "check_out", "notified_at"):
            r[c] = _utc(r[c])
    return {STAYS_JAN: b.stays_jsonl(rows)}


def _events_impossible_dates():
    rows = b.event_rows(FEB)
    rows.append(
        {"event_id": "EV08", "event_type": "death", "person_id": b.IDS[10],
         "event_date": "12/02/2204", "registered_date": "13/02/2025",
         "commune_code": b.PERSONS[10][2]}
    )  # fmt: skip
    rows.append(
        {"event_id": "EV09", "event_type": "move_in",
         "person_id": b.person_id(False, date(1990, 4, 4), 905), "event_date": "2024-13-01",
         "registered_date": "14/02/2025", "commune_code": b.COMMUNES[0],
         "from_commune_code": "00004", "to_commune_code": b.COMMUNES[0], "sex": "Nữ",
         "date_of_birth": "04/04/1990"}
    )  # fmt: skip
    return {EVENTS_FEB: b.events_csv(rows)}


def _events_year_typo():
    return {"population/events_2052-02.csv": b.events_csv(b.event_rows(FEB))}


def _stays_api_extras():
    rows = b.stay_rows(JAN)
    for i, r in enumerate(rows):
        r["meta"] = {"source": "api", "version": 2}
        r["tags"] = ["lodging", i]
        r["score"] = 0.5 + i
        r["room"] = 100 + i  # a number where the contract has text
    return {STAYS_JAN: b.stays_jsonl(rows)}


def _excel_serial(d: date) -> int:
    return (d - date(1899, 12, 30)).days


def _residents_serial_birth_dates():
    rows = b.resident_rows()
    for r, (_, born, _) in zip(rows, b.PERSONS, strict=True):
        r["date_of_birth"] = str(_excel_serial(born))
    return {RESIDENTS: b.residents_csv(rows)}


VIETNAMESE_TYPES = ["Khách sạn 3 sao", "Nhà khách", "Nhà nghỉ", "Homestay", "Phòng trọ"]


def _establishments_for_people():
    def write(path: Path):
        rows = b.establishment_rows()
        header = ["STT", *b.ESTABLISHMENTS_HEADER[:2], None, *b.ESTABLISHMENTS_HEADER[2:]]
        numbers = [f"({i})" for i in range(1, len(header) + 1)]
        numbers[3] = None
        cells = [
            [
                "CÔNG AN TỈNH BÌNH ĐỊNH",
                None,
                None,
                None,
                None,
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            ],
            [None, None, None, None, None, "Độc lập - Tự do - Hạnh phúc"],
            [],
            ["DANH SÁCH CƠ SỞ KINH DOANH DỊCH VỤ LƯU TRÚ"],
            ["(Tính đến ngày 31/12/2024)"],
            [],
            header,
            numbers,
        ]
        for i, r in enumerate(rows):
            if i == 3:
                cells.append([])  # a blank row between two groups
            opened = datetime(2020, 1, 1)
            cells.append(
                [i + 1, r["establishment_id"], r["name"], None, VIETNAMESE_TYPES[i],
                 r["commune_code"], r["rooms"], r["beds"], opened, None]
            )  # fmt: skip
        cells += [
            [],
            ["Ghi chú: số liệu do Phòng PC06 cung cấp"],
            [None, None, None, None, "Người lập biểu"],
        ]
        return b.workbook(path, [("Danh sách", cells, {"left": 1})])

    return {ESTABLISHMENTS: write}


def _stays_bom():
    return {STAYS_JAN: b"\xef\xbb\xbf" + b.stays_jsonl(b.stay_rows(JAN))}


def _events_cut_last_line():
    text = b.events_csv(b.event_rows(FEB)).decode()
    lines = text.rstrip("\n").split("\n")
    lines[-1] = ",".join(lines[-1].split(",")[:8])  # cut after 8 of 11 fields, no line break
    return {EVENTS_FEB: "\n".join(lines).encode()}


def _residents_nul_in_name():
    rows = b.resident_rows()
    rows[3]["full_name"] = rows[3]["full_name"].replace(" ", "\x00", 1)
    return {RESIDENTS: b.residents_csv(rows)}


def _incidents_semicolon_crlf():
    rows = b.incident_rows(JAN)
    body = [[r.get(c) for c in b.INCIDENTS.names] for r in rows]
    text = b.csv_text(b.INCIDENTS.vietnamese_header(), body, sep=";", eol="\r\n")
    return {INCIDENTS_JAN: b"\xef\xbb\xbf" + text.encode()}


def _events_trailing_empty_columns():
    rows = b.event_rows(FEB)
    body = [[r.get(c) for c in b.EVENTS.names] + ["", "", ""] for r in rows]
    return {EVENTS_FEB: b.csv_text([*b.EVENTS.names, "", "", ""], body).encode()}


def _residents_header_spaces_nfd():
    import unicodedata

    header = [
        f"  {unicodedata.normalize('NFD', h).replace(' ', '  ')} "
        for h in b.RESIDENTS.vietnamese_header()
    ]
    return {RESIDENTS: b.residents_csv(b.resident_rows(), header=header)}


def _incidents_duplicate_header():
    rows = b.incident_rows(JAN)
    header = [*b.INCIDENTS.names, "Tình trạng"]
    body = [[r.get(c) for c in b.INCIDENTS.names] + [r["status"]] for r in rows]
    return {INCIDENTS_JAN: b.csv_text(header, body).encode()}


def _incidents_header_only():
    return {INCIDENTS_FEB: b.csv_text(b.INCIDENTS.names, []).encode()}


def _establishments_hidden_first_sheet():
    def write(path: Path):
        lookup = [["Loại hình"], *[[t] for t in b.ESTABLISHMENT_TYPES]]
        rows = b.establishment_sheet_rows(b.establishment_rows())
        return b.workbook(path, [("Tra cứu", lookup, {"hidden": True}), ("Danh sách", rows, {})])

    return {ESTABLISHMENTS: write}


def _stays_json_array():
    return {STAYS_JAN: json.dumps(b.stay_rows(JAN), ensure_ascii=False, indent=2).encode()}


def _residents_unknown_codes():
    rows = b.resident_rows()
    rows[0]["relation_to_head"] = "bạn cùng phòng"  # a flatmate: no code of the list
    rows[1]["marital_status"] = "ly thân"  # separated: neither married nor divorced
    rows[2]["education_level"] = "mẫu giáo"
    rows[3]["residence_type"] = "lưu trú"
    rows[4]["status"] = "không rõ"
    rows[5]["sex"] = "X"
    return {RESIDENTS: b.residents_csv(rows)}


def _events_unknown_codes():
    rows = b.event_rows(FEB)
    rows.append(
        {"event_id": "EV08", "event_type": "Đăng ký kết hôn", "person_id": b.IDS[11],
         "event_date": "14/02/2025", "registered_date": "14/02/2025",
         "commune_code": b.PERSONS[11][2]}
    )  # fmt: skip
    rows.append(
        {"event_id": "EV09", "event_type": "birth",
         "person_id": b.person_id(False, date(2025, 2, 20), 904), "event_date": "20/02/2025",
         "registered_date": "21/02/2025", "commune_code": b.COMMUNES[0], "sex": "không rõ",
         "date_of_birth": "20/02/2025", "mother_id": b.IDS[12]}
    )  # fmt: skip
    return {EVENTS_FEB: b.events_csv(rows)}


def _labour(rows: list[dict], **options) -> dict[str, Content]:
    return {
        LABOUR: lambda path: b.workbook(
            path, [("Lao động", b.labour_sheet_rows(rows), {})], **options
        )
    }


def _labour_unknown_codes():
    rows = b.labour_rows()
    rows[0]["status_in_employment"] = "xã viên hợp tác xã"
    rows[0]["vsic_section"] = "Z"
    rows[3]["occupation_code"] = "11"
    rows[3]["in_education"] = "có lẽ"
    rows[1]["has_social_insurance"] = "chưa rõ"
    rows[2]["has_labour_contract"] = "?"
    rows[4]["sex"] = "không rõ"  # the register's sex is used; the record's is counted
    rows[5]["employment_status"] = "đang tìm việc"  # looking for work: not certain
    return _labour(rows)


def _establishments_unknown_type():
    rows = b.establishment_rows()
    rows[1]["type"] = "nhà hàng"  # a restaurant: no type of the register
    return {
        ESTABLISHMENTS: lambda path: b.workbook(
            path, [("Cơ sở", b.establishment_sheet_rows(rows), {})]
        )
    }


def _stays_unknown_codes():
    rows = b.stay_rows(JAN)
    rows[1]["guest_doc_type"] = "giấy phép lái xe"
    rows[3]["guest_sex"] = "không rõ"
    return {STAYS_JAN: b.stays_jsonl(rows)}


def _incidents_unknown_status():
    rows = b.incident_rows(JAN)
    rows[2]["status"] = "chuyển cơ quan khác"
    return {INCIDENTS_JAN: b.incidents_csv(rows)}


TEXT_PAID = pa.schema(
    [
        ("violation_id", pa.string()),
        ("detected_at", pa.timestamp("ms")),
        ("commune_code", pa.string()),
        ("plate", pa.string()),
        ("vehicle_type", pa.string()),
        ("violation_code", pa.string()),
        ("fine_vnd", pa.int64()),
        ("paid", pa.string()),
    ]
)


def _violations_unknown_codes():
    rows = b.violation_rows(JAN)
    for r in rows:
        r["paid"] = "true" if r["paid"] else "false"
    rows[1]["vehicle_type"] = "xe đạp điện"
    rows[3]["paid"] = "đang xử lý"
    return {VIOLATIONS_JAN: b.violations_parquet(rows, TEXT_PAID)}


def _events_vietnamese_labels():
    rows = b.event_rows(JAN)
    for r, label in zip(rows, ["Khai sinh", "Khai tử", "Chuyển nội bộ", "Chuyển đến"], strict=True):
        r["event_type"] = label
    rows[0]["sex"], rows[3]["sex"] = "nữ", "NAM"
    return {EVENTS_JAN: b.events_csv(rows)}


def _labour_vietnamese_labels():
    rows = b.labour_rows()
    words = {
        "employed": "Có việc làm",
        "unemployed": "Thất nghiệp",
        "outside": "Ngoài lực lượng lao động",
    }
    for r in rows:
        r["employment_status"] = words[r["employment_status"]]
        if r["status_in_employment"]:
            r["status_in_employment"] = "Làm công ăn lương"
        for c in ("has_social_insurance", "has_labour_contract", "in_education"):
            r[c] = "Có" if r[c] == "true" else "Không"
    return _labour(rows)


def _violations_vietnamese_labels():
    rows = b.violation_rows(JAN)
    words = {"car": "Xe ô tô", "motorbike": "Xe máy", "truck": "Xe tải", "bus": "Xe buýt"}
    for r in rows:
        r["vehicle_type"] = words[r["vehicle_type"]]
        r["paid"] = "Đã nộp" if r["paid"] else "Chưa nộp"
    return {VIOLATIONS_JAN: b.violations_parquet(rows, TEXT_PAID)}


def _stays_vietnamese_doc_types():
    rows = b.stay_rows(JAN)
    for r in rows:
        r["guest_doc_type"] = "CCCD" if r["guest_doc_type"] == "cccd" else "Hộ chiếu"
    return {STAYS_JAN: b.stays_jsonl(rows)}


def _residents_vietnamese_labels():
    rows = b.resident_rows()
    for r in rows:
        r["status"] = "Còn sống"
        r["residence_type"] = "Thường trú"
        r["relation_to_head"] = "Chủ hộ" if r["relation_to_head"] == "chủ hộ" else "Con đẻ"
    return {RESIDENTS: b.residents_csv(rows)}


UTC_MS = pa.schema(
    [
        ("violation_id", pa.string()),
        ("detected_at", pa.timestamp("ms", tz="UTC")),
        ("commune_code", pa.string()),
        ("plate", pa.string()),
        ("vehicle_type", pa.string()),
        ("violation_code", pa.string()),
        ("fine_vnd", pa.int64()),
        ("paid", pa.bool_()),
    ]
)


def _violations_utc():
    from datetime import UTC

    rows = b.violation_rows(JAN)
    for r in rows:
        r["detected_at"] = (r["detected_at"] - timedelta(hours=7)).replace(tzinfo=UTC)
    return {VIOLATIONS_JAN: b.violations_parquet(rows, UTC_MS)}


def _residents_utf16():
    text = b.residents_csv(b.resident_rows()).decode("utf-8-sig")
    return {RESIDENTS: text.encode("utf-16")}


def _events_windows_1258():
    rows = b.event_rows(FEB)
    text = b.csv_text(
        b.EVENTS.vietnamese_header(), [[r.get(c) for c in b.EVENTS.names] for r in rows]
    )
    return {EVENTS_FEB: b.cp1258(text)}


def _events_unquoted_comma():
    rows = b.event_rows(FEB)
    text = b.events_csv(rows).decode().split("\n")
    text[2] = text[2].replace("12/02/2025,", "12/02/2025,Thôn 3, xã Phước An,", 1)  # an address
    return {EVENTS_FEB: "\n".join(text).encode()}


def _labour_two_sheets_and_instructions():
    rows = b.labour_rows()

    def write(path: Path):
        guide = [["HƯỚNG DẪN"], ["Mỗi dòng là một người lao động; xem sheet Lao động."]]
        return b.workbook(
            path,
            [
                ("Hướng dẫn", guide, {}),
                ("Lao động (1)", b.labour_sheet_rows(rows[:5]), {}),
                ("Lao động (2)", b.labour_sheet_rows(rows[5:]), {}),
            ],
        )

    return {LABOUR: write}


def _labour_1904_serials():
    rows = b.labour_rows()
    for r in rows:
        r["reference_date"] = (date(2025, 7, 1) - date(1904, 1, 1)).days  # a number cell
        r["date_of_birth"] = datetime.strptime(r["date_of_birth"], "%d/%m/%Y")  # a date cell
    return _labour(rows, date_1904=True)


def _stays_nested_values():
    rows = b.stay_rows(JAN)
    rows[2]["guest_nationality"] = {"code": "KOR", "name": "Hàn Quốc"}  # a passport guest
    rows[4]["room"] = [104, 105]
    return {STAYS_JAN: b.stays_jsonl(rows)}


def _stays_odd_times():
    rows = b.stay_rows(JAN)
    out = datetime.fromisoformat(rows[0]["check_out"])
    rows[0]["check_out"] = out.strftime("%d/%m/%Y %I:%M:%S ") + ("SA" if out.hour < 12 else "CH")
    rows[3]["check_out"] = "2204-01-07 10:00:00"
    rows[5]["check_out"] = "hôm sau"
    return {STAYS_JAN: b.stays_jsonl(rows)}


def _residents_future_snapshot():
    return {"population/residents_2204-01-01.csv": b.residents_csv(b.resident_rows())}


def _incidents_month_apart():
    return {"public_order/incidents_2025-06.csv": b.incidents_csv(b.incident_rows("2025-06"))}


def _events_before_baseline():
    return {"population/events_2024-11.csv": b.events_csv(b.event_rows(FEB))}


def _events_serial_dates():
    rows = b.event_rows(FEB)
    for r in rows:
        for c in ("event_date", "registered_date", "date_of_birth"):
            if r.get(c):
                r[c] = str(_excel_serial(datetime.strptime(r[c], "%d/%m/%Y").date()))
    return {EVENTS_FEB: b.events_csv(rows)}


def _residents_title_rows():
    return {
        RESIDENTS: b"\xef\xbb\xbf"
        + "DANH SÁCH DÂN CƯ\n\n".encode()
        + b.residents_csv(b.resident_rows())[3:]
    }


def _violations_truncated():
    return {VIOLATIONS_JAN: b.violations_parquet(b.violation_rows(JAN))[:-100]}


def _stays_broken_record():
    lines = b.stays_jsonl(b.stay_rows(JAN)).decode().split("\n")
    lines[2] = lines[2].replace('", "', '" "', 1)
    return {STAYS_JAN: "\n".join(lines).encode()}


def _establishments_csv_named_xlsx():
    rows = b.establishment_rows()
    text = b.csv_text(
        b.ESTABLISHMENTS_HEADER, [[r.get(c) for c in b.ESTABLISHMENTS.names] for r in rows]
    )
    return {ESTABLISHMENTS: text.encode()}


def _establishments_docx_renamed():
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        info = zipfile.ZipInfo("word/document.xml", date_time=(2025, 3, 1, 0, 0, 0))
        z.writestr(info, "<w:document/>")
    return {ESTABLISHMENTS: out.getvalue()}


def _establishments_cut_copy():
    def write(path: Path):
        b.workbook(path, [("Cơ sở", b.establishment_sheet_rows(b.establishment_rows()), {})])
        path.write_bytes(path.read_bytes()[:-400])

    return {ESTABLISHMENTS: write}


# ---------------------------------------------------------------- the cases

STAYS_LOCAL = _local_list(b.stay_rows(JAN), "check_in")
VIOLATIONS_LOCAL = ",".join(f"{r['detected_at']:%Y-%m-%d %H:%M}" for r in b.violation_rows(JAN))

CASES: list[Case] = [
    Case(
        "incidents_status_vietnamese_labels",
        "The police log writes the status as officers say it: Đang điều tra, Đã làm rõ (issue 22: "
        "every cleared incident was published as not cleared).",
        "incidents",
        _incidents_vietnamese_status,
        staged=5,
        figures={"code_spelling": 5, "unknown_status": 0},
        holds=(
            (
                f"SELECT count_if(cleared) FROM staging.incidents WHERE _source_file = '{INCIDENTS_JAN}'",
                3,
            ),
        ),
    ),
    Case(
        "stays_times_in_utc_z",
        "The notification API sends ISO 8601 times in UTC with a Z (issue 22: arrivals near "
        "midnight moved a day).",
        "stays",
        _stays_in_utc,
        staged=6,
        figures={"late_notification": 0},
        holds=((staged_list("stays", "check_in", STAYS_JAN, "%Y-%m-%d %H:%M"), STAYS_LOCAL),),
    ),
    Case(
        "events_impossible_dates",
        "A death dated 2204 (for 2024) and a move-in dated 2024-13-01 (issue 22: the whole run "
        "crashed).",
        "events",
        _events_impossible_dates,
        staged=3,
        quarantined={"DATE_OUT_OF_RANGE": 1, "INVALID_DATE": 1},
    ),
    Case(
        "events_year_typo_in_file_name",
        "events_2052-02.csv, a typing slip for 2025-02 (issue 22: the run's months stretched to "
        "2052 and the loaders failed without naming the file).",
        "events",
        _events_year_typo,
        fails=("events_2052-02.csv", "is after the run date", "Fix:", "rename the file"),
    ),
    Case(
        "stays_api_extra_keys",
        "The API adds keys beyond the contract (an object, an array, a number) and sends the "
        "room as a number (issue 22: the file was refused whole).",
        "stays",
        _stays_api_extras,
        staged=6,
        read_repairs=("unknown_keys_ignored_3",),
        holds=((staged_list("stays", "room", STAYS_JAN), "100,101,102,103,104,105"),),
    ),
    Case(
        "residents_excel_serial_birth_dates",
        "Birth dates as Excel serial numbers, some before 1950 (issue 22: 67 residents born "
        "earlier were quarantined).",
        "residents",
        _residents_serial_birth_dates,
        staged=20,
        figures={"date_format": 20},
        holds=(
            (
                f"SELECT min(date_of_birth)::VARCHAR FROM staging.residents WHERE _source_file = '{RESIDENTS}'",
                "1935-01-01",
            ),
        ),  # fmt: skip
    ),
    Case(
        "establishments_workbook_laid_out_for_people",
        "The register as printed for people: title block, blank rows, a number column, an empty "
        "column, a row of column numbers, a blank row between groups, types in Vietnamese, notes "
        "under the table (issue 22: 75 of 122 establishments were lost).",
        "establishments",
        _establishments_for_people,
        staged=5,
        figures={"code_spelling": 5},
        read_repairs=(
            "column_numbers_row_skipped",
            "notes_below_skipped_2",
            "blank_rows_skipped_2",
        ),
    ),
    Case(
        "stays_bom_before_first_record",
        "A UTF-8 byte-order mark before the first JSON Lines record (issue 22: the stays file "
        "was refused).",
        "stays",
        _stays_bom,
        staged=6,
        read_repairs=("utf8_bom",),
    ),
    Case(
        "events_last_line_cut",
        "The copy stopped after 8 of the 11 fields of the last line, with no final line break "
        "(issue 22: the cut row was staged as valid).",
        "events",
        _events_cut_last_line,
        fails=(
            "events_2025-02.csv",
            "the last line (line 4) has 8 fields where the header has 11",
            "looks cut off",
            "send the whole file again",
        ),
    ),  # fmt: skip
    Case(
        "residents_nul_byte_in_a_name",
        "A NUL byte inside one resident's name (issue 22: the whole file was 'a binary file of "
        "an unknown format').",
        "residents",
        _residents_nul_in_name,
        staged=20,
        figures={"text_form": 1},
    ),
    Case(
        "incidents_semicolon_crlf_bom",
        "Saved from a Vietnamese-locale Excel: ';' delimited, CRLF line ends, a BOM, the "
        "Vietnamese header.",
        "incidents",
        _incidents_semicolon_crlf,
        staged=5,
        read_repairs=("utf8_bom", "crlf_line_endings", "delimiter_semicolon"),
    ),
    Case(
        "events_trailing_empty_columns",
        "Excel exported three empty columns after the last one (',,,' on every line).",
        "events",
        _events_trailing_empty_columns,
        staged=3,
    ),
    Case(
        "residents_header_spaces_and_nfd",
        "Header labels with extra spaces, typed on a Mac (Unicode NFD).",
        "residents",
        _residents_header_spaces_nfd,
        staged=20,
    ),
    Case(
        "incidents_duplicate_header",
        "The status column appears twice, once by its name and once by its label.",
        "incidents",
        _incidents_duplicate_header,
        fails=("incidents_2025-01.csv", "status ('Tình trạng') appears twice", "columns 7 and 10"),
    ),
    Case(
        "incidents_empty_file",
        "An empty file (0 bytes) for a month.",
        "incidents",
        lambda: {INCIDENTS_FEB: b""},
        fails=("incidents_2025-02.csv", "the file is empty", "deliver the complete extract"),
    ),
    Case(
        "incidents_header_only",
        "A month with no incident: the header and no row.",
        "incidents",
        _incidents_header_only,
        staged=0,
        holds=((f"SELECT rows FROM ops.load_log WHERE source_file = '{INCIDENTS_FEB}'", 0),),
    ),
    Case(
        "establishments_hidden_first_sheet",
        "The workbook opens on a hidden lookup sheet; the register is on the second sheet.",
        "establishments",
        _establishments_hidden_first_sheet,
        staged=5,
        read_repairs=("sheets_skipped_1",),
    ),
    Case(
        "stays_json_array",
        "The export is one JSON array of records, pretty-printed, not JSON Lines.",
        "stays",
        _stays_json_array,
        staged=6,
        read_repairs=("json_array",),
    ),
    Case(
        "residents_unknown_codes",
        "A value of no code in every coded field of the snapshot.",
        "residents",
        _residents_unknown_codes,
        staged=18,
        quarantined={"INVALID_RESIDENT_STATUS": 1, "INVALID_SEX": 1},
        figures={
            "unknown_relation_to_head": 1,
            "unknown_marital_status": 1,
            "unknown_education_level": 1,
            "unknown_residence_type": 1,
        },
        warns=("residents_quality",),
    ),
    Case(
        "events_unknown_codes",
        "A marriage in the events file; a birth whose sex is 'không rõ'.",
        "events",
        _events_unknown_codes,
        staged=3,
        quarantined={"INVALID_EVENT_TYPE": 1, "INVALID_SEX": 1},
    ),
    Case(
        "labour_unknown_codes",
        "Values of no code in each of the labour register's coded fields (status, status in "
        "employment, section, occupation, the three yes/no fields, sex).",
        "labour_status",
        _labour_unknown_codes,
        staged=7,
        quarantined={"INVALID_EMPLOYMENT_STATUS": 1},
        figures={
            "unknown_status_in_employment": 1,
            "unknown_vsic_section": 1,
            "unknown_occupation_code": 1,
            "unknown_bool": 3,
            "unknown_sex": 1,
        },
        warns=("labour_quality",),
    ),
    Case(
        "establishments_unknown_type",
        "A restaurant in the lodging register.",
        "establishments",
        _establishments_unknown_type,
        staged=4,
        quarantined={"INVALID_ESTABLISHMENT_TYPE": 1},
    ),
    Case(
        "stays_unknown_codes",
        "A guest registered with a driving licence; a guest's sex 'không rõ'.",
        "stays",
        _stays_unknown_codes,
        staged=5,
        quarantined={"INVALID_DOC_TYPE": 1},
        figures={"unknown_sex": 1},
        warns=("stays_quality",),
    ),
    Case(
        "incidents_unknown_status",
        "An incident 'chuyển cơ quan khác' (handed to another agency): neither status.",
        "incidents",
        _incidents_unknown_status,
        staged=5,
        figures={"unknown_status": 1},
        warns=("incidents_quality",),
    ),
    Case(
        "violations_unknown_codes",
        "An e-bike among the vehicle types; a paid flag 'đang xử lý' (being processed).",
        "traffic_violations",
        _violations_unknown_codes,
        staged=5,
        figures={"unknown_vehicle_type": 1, "unknown_paid": 1},
        warns=("traffic_violations_quality",),
    ),
    Case(
        "events_vietnamese_labels",
        "Event types written as the civil registry says them: Khai sinh, Khai tử, Chuyển nội "
        "bộ, Chuyển đến.",
        "events",
        _events_vietnamese_labels,
        staged=4,
        figures={"code_spelling": 4},
        holds=(
            (staged_list("events", "event_type", EVENTS_JAN), "birth,death,internal_move,move_in"),
        ),
    ),
    Case(
        "labour_vietnamese_labels",
        "The labour office writes statuses and yes/no in Vietnamese: Có việc làm, Thất nghiệp, "
        "Làm công ăn lương, Có, Không.",
        "labour_status",
        _labour_vietnamese_labels,
        staged=8,
        figures={"code_spelling": 8, "bool_spelling": 8},
    ),
    Case(
        "violations_vietnamese_labels",
        "Vehicle types and the paid flag in Vietnamese: Xe máy, Xe ô tô, Đã nộp, Chưa nộp.",
        "traffic_violations",
        _violations_vietnamese_labels,
        staged=5,
        figures={"code_spelling": 5, "paid_spelling": 5, "unknown_vehicle_type": 0},
        holds=(
            (
                f"SELECT count_if(paid) FROM staging.traffic_violations WHERE _source_file = '{VIOLATIONS_JAN}'",
                3,
            ),
        ),
    ),
    Case(
        "stays_vietnamese_doc_types",
        "Document types as the front desk writes them: CCCD, Hộ chiếu.",
        "stays",
        _stays_vietnamese_doc_types,
        staged=6,
        figures={"code_spelling": 6},
    ),
    Case(
        "residents_vietnamese_labels",
        "The snapshot writes status and residence type as labels: Còn sống, Thường trú, Con đẻ.",
        "residents",
        _residents_vietnamese_labels,
        staged=20,
        figures={"code_spelling": 20},
    ),
    Case(
        "violations_utc_timestamps",
        "The camera system writes detection times as UTC timestamps with a time zone.",
        "traffic_violations",
        _violations_utc,
        staged=5,
        holds=(
            (
                staged_list("traffic_violations", "detected_at", VIOLATIONS_JAN, "%Y-%m-%d %H:%M"),
                VIOLATIONS_LOCAL,
            ),
        ),  # fmt: skip
    ),
    Case(
        "residents_saved_as_utf16",
        "Excel's 'Unicode Text': the snapshot in UTF-16.",
        "residents",
        _residents_utf16,
        fails=("residents_2025-01-01.csv", "UTF-16", "CSV UTF-8"),
    ),
    Case(
        "events_windows_1258",
        "An events file saved in the legacy Vietnamese code page.",
        "events",
        _events_windows_1258,
        fails=("events_2025-02.csv", "not valid UTF-8", "Windows-1258"),
    ),
    Case(
        "events_unquoted_comma",
        "An address with a comma, not in quotes, shifts one line's fields.",
        "events",
        _events_unquoted_comma,
        fails=("events_2025-02.csv", "line 3 has more fields than the header's 11", "in quotes"),
    ),
    Case(
        "labour_two_sheets_and_instructions",
        "The register on two sheets, each with its title and header, after a sheet of "
        "instructions.",
        "labour_status",
        _labour_two_sheets_and_instructions,
        staged=8,
        read_repairs=("sheets_skipped_1",),
    ),
    Case(
        "labour_1904_dated_workbook",
        "A workbook from an old Mac (dates counted from 1904): the reference date as a plain "
        "number, birth dates as date cells.",
        "labour_status",
        _labour_1904_serials,
        staged=8,
        read_repairs=("excel_1904_dates",),
        holds=(
            (
                f"SELECT string_agg(DISTINCT ref_date::VARCHAR) FROM staging.labour_status WHERE _source_file = '{LABOUR}'",
                "2025-07-01",
            ),
        ),  # fmt: skip
    ),
    Case(
        "stays_nested_values",
        "A nationality sent as an object and a room as an array.",
        "stays",
        _stays_nested_values,
        staged=6,
        figures={"unknown_nationality": 1},
        warns=("stays_quality",),
        holds=(
            (
                f"SELECT room FROM raw.stays WHERE _source_file = '{STAYS_JAN}' AND _row_number = 5",
                "[104,105]",
            ),
        ),  # fmt: skip
    ),
    Case(
        "stays_odd_check_out_times",
        "A check-out on a 12-hour clock with SA/CH, one in 2204, one written 'hôm sau'.",
        "stays",
        _stays_odd_times,
        staged=4,
        quarantined={"DATE_OUT_OF_RANGE": 1, "INVALID_DATE": 1},
    ),
    Case(
        "residents_snapshot_from_the_future",
        "A second snapshot named residents_2204-01-01.csv.",
        "residents",
        _residents_future_snapshot,
        fails=("residents_2204-01-01.csv", "is after the run date", "rename the file"),
    ),
    Case(
        "incidents_month_apart",
        "incidents_2025-06.csv in a landing of 2025-01 and 2025-02: no file covers the months "
        "between.",
        "incidents",
        _incidents_month_apart,
        fails=("incidents_2025-06.csv", "lies apart", "2025-03 … 2025-05"),
    ),
    Case(
        "events_month_before_the_baseline",
        "events_2024-11.csv, two months before the residents snapshot of 1 January 2025.",
        "events",
        _events_before_baseline,
        fails=("events_2024-11.csv", "before the baseline residents snapshot (2025-01-01)"),
    ),
    Case(
        "events_excel_serial_dates",
        "Event dates pasted from Excel as serial numbers.",
        "events",
        _events_serial_dates,
        staged=3,
        figures={"date_format": 3},
    ),
    Case(
        "residents_title_rows",
        "A title and a blank line above the header.",
        "residents",
        _residents_title_rows,
        staged=20,
        read_repairs=("header_on_row_3",),
    ),
    Case(
        "violations_parquet_truncated",
        "The copy of a Parquet file stopped early.",
        "traffic_violations",
        _violations_truncated,
        fails=("traffic_violations_2025-01.parquet", "truncated", "export it again"),
    ),
    Case(
        "stays_broken_record",
        "A comma missing between two fields of the third record.",
        "stays",
        _stays_broken_record,
        fails=("stays_2025-01.jsonl", "broken JSON record on line 3", "JSON Lines"),
    ),
    Case(
        "establishments_word_document_renamed",
        "A Word document with the list typed in a table, renamed establishments.xlsx.",
        "establishments",
        _establishments_docx_renamed,
        fails=(
            "establishments.xlsx",
            "a Word document (.docx) with a .xlsx name",
            "Excel Workbook",
        ),
    ),
    Case(
        "establishments_workbook_cut_short",
        "The copy of the workbook stopped before its end.",
        "establishments",
        _establishments_cut_copy,
        fails=("establishments.xlsx", "not a complete ZIP archive", "Excel Workbook"),
    ),
    Case(
        "establishments_csv_named_xlsx",
        "The register saved as CSV and renamed .xlsx.",
        "establishments",
        _establishments_csv_named_xlsx,
        fails=("establishments.xlsx", "CSV (text) file with a .xlsx name", "Excel Workbook"),
    ),
]
BY_NAME = {c.name: c for c in CASES}
assert len(BY_NAME) == len(CASES), "two cases share a name"
