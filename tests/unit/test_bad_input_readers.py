"""Diagnosing readers: every broken delivery is named in the exporter's words, a certain and
lossless deviation is tolerated and recorded, and no cell value reaches a message."""

import json
import os
import time
import unicodedata
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from sources.contracts import EVENTS, RESIDENTS
from sources.contracts.labour import LABOUR_STATUS
from sources.contracts.lodging import ESTABLISHMENTS, STAYS
from sources.contracts.public_order import TRAFFIC_VIOLATIONS
from sources.readers import ExtractError, LandingFile, load_raw_file, read_extract, withdraw_file
from tests.helpers import build_id, resident

PID = build_id("052", True, date(1990, 5, 1), 123456)
NAME = "Nguyễn Văn Bí Mật"


def rows(n: int = 3) -> list[list[str]]:
    out = []
    for i in range(n):
        r = resident(
            build_id("052", True, date(1990, 5, 1), 123456 + i),
            "Nam",
            "01/05/1990",
            "21553",
            full_name=NAME,
        )
        out.append([r[c] for c in RESIDENTS.names])
    return out


def cp1258(text: str) -> bytes:
    """Text as Windows-1258 writes it: letters with their hat, breve or horn (ô, ă, ư) are
    single bytes, the five tones combining marks after them."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch):
            shape = "\u0302\u0306\u031b"
            base = out.pop()
            marks = [m for m in base[1:] + ch]
            letter = unicodedata.normalize("NFC", base[0] + "".join(m for m in marks if m in shape))
            out.append(letter + "".join(m for m in marks if m not in shape))
        else:
            out.append(ch)
    return "".join(out).encode("cp1258")


def csv_text(header: list[str], body: list[list[str]], sep: str = ",", eol: str = "\n") -> str:
    return eol.join(sep.join(r) for r in [header, *body]) + eol


def residents_file(
    tmp_path: Path,
    content: bytes | str,
    name: str = "residents_2024-01-01.csv",
    encoding: str = "utf-8",
) -> Path:
    path = tmp_path / "population" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = cp1258(content) if encoding == "cp1258" else content.encode(encoding)
    path.write_bytes(content)
    return path


def failure(path: Path, contract=RESIDENTS) -> str:
    with pytest.raises(ExtractError) as info:
        read_extract(path, contract)
    message = str(info.value)
    assert str(path) in message
    assert "sources/contracts.py" not in message  # that file does not exist
    assert PID not in message and NAME not in message  # never a cell value
    return message


GOOD = csv_text(RESIDENTS.vietnamese_header(), rows())


def test_comma_file_reads_without_repairs(tmp_path):
    frame, repairs = read_extract(residents_file(tmp_path, GOOD), RESIDENTS)
    assert frame.height == 3 and frame.columns == RESIDENTS.names and repairs == []


@pytest.mark.parametrize("sep, repair", [(";", "delimiter_semicolon"), ("\t", "delimiter_tab")])
def test_semicolon_and_tab_are_tolerated_losslessly_and_recorded(tmp_path, sep, repair):
    good, _ = read_extract(residents_file(tmp_path, GOOD), RESIDENTS)
    frame, repairs = read_extract(
        residents_file(
            tmp_path,
            csv_text(RESIDENTS.vietnamese_header(), rows(), sep),
            "residents_2024-02-01.csv",
        ),
        RESIDENTS,
    )
    assert repairs == [repair]
    assert frame.equals(good)


def test_utf8_bom_and_crlf_are_tolerated(tmp_path):
    path = residents_file(
        tmp_path,
        b"\xef\xbb\xbf" + csv_text(RESIDENTS.vietnamese_header(), rows(), eol="\r\n").encode(),
    )
    frame, repairs = read_extract(path, RESIDENTS)
    assert repairs == ["utf8_bom", "crlf_line_endings"]
    good, _ = read_extract(residents_file(tmp_path, GOOD, "residents_2024-02-01.csv"), RESIDENTS)
    assert frame.equals(good)  # no stray \r in the last column


@pytest.mark.parametrize(
    "encoding, words",
    [
        ("utf-16", "UTF-16 (little-endian, with BOM)"),
        ("utf-16-le", "UTF-16 (little-endian, without BOM)"),
        ("utf-16-be", "UTF-16 (big-endian, without BOM)"),
    ],
)
def test_utf16_is_named(tmp_path, encoding, words):
    message = failure(residents_file(tmp_path, GOOD, encoding=encoding))
    assert words in message and "missing" not in message
    assert "CSV UTF-8" in message


def test_windows_1258_is_never_read_lossily(tmp_path):
    message = failure(residents_file(tmp_path, GOOD, encoding="cp1258"))
    assert "not valid UTF-8" in message and "Windows-1258" in message
    assert "line 1" in message  # the Vietnamese header already has accented letters
    assert "sources/contracts/population.py" in message


def test_windows_1258_does_not_replace_an_earlier_good_load(tmp_path):
    con = duckdb.connect()
    for schema in ("raw", "ops"):
        con.execute(f"CREATE SCHEMA {schema}")
    path = residents_file(tmp_path, GOOD)
    file = LandingFile(path, "population/residents_2024-01-01.csv", "2024-01-01")
    assert load_raw_file(con, RESIDENTS, file, "b1")["rows"] == 3
    before = con.execute("SELECT * FROM raw.residents ORDER BY _row_number").fetchall()
    path.write_bytes(cp1258(GOOD.replace("Nam", "Nữ")))
    with pytest.raises(ExtractError, match="Windows-1258"):
        load_raw_file(con, RESIDENTS, file, "b2")
    assert con.execute("SELECT * FROM raw.residents ORDER BY _row_number").fetchall() == before


def test_header_on_another_row_is_tolerated_when_certain(tmp_path):
    text = "DANH SÁCH DÂN CƯ\n\n" + GOOD
    frame, repairs = read_extract(residents_file(tmp_path, text), RESIDENTS)
    assert repairs == ["header_on_row_3"] and frame.height == 3


def test_headerless_extract_names_no_cell_value(tmp_path):
    text = csv_text(rows(1)[0], rows(2)[1:])
    message = failure(residents_file(tmp_path, text))
    assert "without its header row" in message and "14 columns" in message


def test_missing_column_names_the_missing_and_the_count_only(tmp_path):
    header = RESIDENTS.vietnamese_header()
    body = [r[:3] + r[4:] for r in rows()]
    message = failure(residents_file(tmp_path, csv_text(header[:3] + header[4:], body)))
    assert "date_of_birth ('Ngày sinh')" in message and "13 columns" in message
    assert "Giới tính" not in message  # present header cells are not echoed either


def test_duplicated_column_fails_naming_it(tmp_path):
    header = RESIDENTS.vietnamese_header() + ["sex"]
    body = [r + ["Nữ"] for r in rows()]
    message = failure(residents_file(tmp_path, csv_text(header, body)))
    assert "sex ('Giới tính') appears twice" in message and "columns 3 and 15" in message


def test_excel_workbook_with_a_csv_name(tmp_path):
    source = Path("data_samples/landing/lodging/establishments.xlsx")
    path = residents_file(tmp_path, source.read_bytes())
    assert "Excel workbook (.xlsx) or another ZIP archive with a .csv name" in failure(path)


def test_csv_with_an_xlsx_name(tmp_path):
    path = tmp_path / "lodging" / "establishments.xlsx"
    path.parent.mkdir()
    path.write_text(
        csv_text(
            ESTABLISHMENTS.names, [["E1", "x", "hotel_1star", "21553", "3", "", "01/01/2020", ""]]
        )
    )
    message = failure(path, ESTABLISHMENTS)
    assert "this is a CSV (text) file with a .xlsx name" in message
    assert "sources/contracts/lodging.py" in message


def test_xlsx_header_on_another_row_is_tolerated(tmp_path):
    path = tmp_path / "labour_status_2024.xlsx"
    good = pl.read_excel(
        "data_samples/landing/labour/labour_status_2024.xlsx",
        read_options={"header_row": 1},
        infer_schema_length=0,
    )
    good.head(5).write_excel(path)  # no title row
    frame, repairs = read_extract(path, LABOUR_STATUS)
    assert repairs == ["header_on_row_1"] and frame.height == 5


def jsonl(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "stays_2024-01.jsonl"
    path.write_text(text, encoding="utf-8")
    return path


def stay(i: int) -> str:
    return json.dumps(
        {
            "notification_id": f"N{i}",
            "establishment_id": "E1",
            "guest_doc_type": "cccd",
            "guest_doc_number": PID,
            "guest_nationality": "VNM",
            "check_in": "2024-01-02 10:00:00",
            "notified_at": "2024-01-02 11:00:00",
        }
    )


def test_truncated_json_lines_names_line_and_character(tmp_path):
    text = "\n".join(stay(i) for i in range(4))
    message = failure(jsonl(tmp_path, text[:-40]), STAYS)
    assert "broken JSON record on line 4, character" in message and "cut off" in message


def test_broken_json_record_in_the_middle(tmp_path):
    lines = [stay(i) for i in range(4)]
    lines[1] = lines[1].replace('"E1",', '"E1"', 1)
    message = failure(jsonl(tmp_path, "\n".join(lines)), STAYS)
    assert "line 2, character" in message and "cut off" not in message


def test_parquet_problems_are_named(tmp_path):
    source = Path("data_samples/landing/public_order/traffic_violations_2024-01.parquet")
    cut = tmp_path / "traffic_violations_2024-01.parquet"
    cut.write_bytes(source.read_bytes()[:-100])
    assert "truncated" in failure(cut, TRAFFIC_VIOLATIONS)
    text = tmp_path / "traffic_violations_2024-02.parquet"
    text.write_text(csv_text(TRAFFIC_VIOLATIONS.names, [["V1"] * 8]))
    assert "CSV (text) file with a .parquet name" in failure(text, TRAFFIC_VIOLATIONS)


def test_bad_date_in_a_file_name_fails_that_file(tmp_path):
    con = duckdb.connect()
    for schema in ("raw", "ops"):
        con.execute(f"CREATE SCHEMA {schema}")
    path = residents_file(tmp_path, GOOD, "residents_2024-02-30.csv")
    file = LandingFile(path, "population/residents_2024-02-30.csv", "2024-02-30")
    with pytest.raises(
        ExtractError,
        match=r"residents_2024-02-30.csv: the date in the file name "
        r"\(2024-02-30\) is not a calendar date",
    ):
        load_raw_file(con, RESIDENTS, file, "b1")


def one_death_file(tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, Path, str, LandingFile]:
    """An empty warehouse and a landing events file of one death: (con, path, text, file)."""
    con = duckdb.connect()
    for schema in ("raw", "ops"):
        con.execute(f"CREATE SCHEMA {schema}")
    text = csv_text(
        EVENTS.names,
        [["EV1", "death", PID, "02/03/2024", "03/03/2024", "21553", "", "", "", "", ""]],
    )
    path = tmp_path / "population" / "events_2024-03.csv"
    path.parent.mkdir()
    path.write_text(text)
    return con, path, text, LandingFile(path, "population/events_2024-03.csv", "2024-03")


def test_withdrawn_file_stays_out_until_corrected(tmp_path):
    con, path, text, file = one_death_file(tmp_path)
    load_raw_file(con, EVENTS, file, "b1")
    out = withdraw_file(con, "population/events_2024-03.csv")
    assert out["rows_removed"] == 1
    assert con.execute("SELECT count(*) FROM raw.events").fetchone()[0] == 0
    assert con.execute("SELECT status FROM ops.load_log").fetchone()[0] == "withdrawn"
    assert load_raw_file(con, EVENTS, file, "b2")["status"] == "withdrawn"
    assert con.execute("SELECT count(*) FROM raw.events").fetchone()[0] == 0
    path.write_text(text.replace("EV1", "EV2"))  # the corrected delivery
    assert load_raw_file(con, EVENTS, file, "b3")["status"] == "replaced"
    assert con.execute("SELECT event_id FROM raw.events").fetchall() == [("EV2",)]
    with pytest.raises(ExtractError, match="never loaded"):
        withdraw_file(con, "population/events_2024-04.csv")


def test_an_unchanged_file_is_not_read_again_and_a_changed_one_is(tmp_path, monkeypatch):
    """A file whose size and modification time are those recorded when it was hashed is taken
    as unchanged without reading it; a touched file (new mtime, same bytes) is hashed again and
    stays unchanged; a file changed in size is hashed and reloaded; a file changed within
    seconds of its hashing (a coarse file clock could give it the same mtime) is always hashed."""
    import sources.readers as readers

    con, path, text, file = one_death_file(tmp_path)
    old = time.time_ns() - 3_600 * 10**9
    os.utime(path, ns=(old, old))  # delivered an hour ago
    hashed = []
    real = readers.file_sha256
    monkeypatch.setattr(readers, "file_sha256", lambda p: hashed.append(p) or real(p))

    assert load_raw_file(con, EVENTS, file, "b1")["status"] == "new" and len(hashed) == 1
    assert load_raw_file(con, EVENTS, file, "b2")["status"] == "unchanged" and len(hashed) == 1
    os.utime(path, ns=(old + 10**9, old + 10**9))  # touched, same bytes
    assert load_raw_file(con, EVENTS, file, "b3")["status"] == "unchanged" and len(hashed) == 2
    assert load_raw_file(con, EVENTS, file, "b4")["status"] == "unchanged" and len(hashed) == 2
    path.write_text(text.replace("EV1", "EV10"))  # another size
    assert load_raw_file(con, EVENTS, file, "b5")["status"] == "replaced" and len(hashed) == 3
    assert con.execute("SELECT event_id FROM raw.events").fetchall() == [("EV10",)]
    path.write_text(text.replace("EV1", "EV20"))  # the same size, just after its hashing
    assert load_raw_file(con, EVENTS, file, "b6")["status"] == "replaced" and len(hashed) == 4
    assert con.execute("SELECT event_id FROM raw.events").fetchall() == [("EV20",)]


def test_json_record_over_the_readers_limit_is_named(tmp_path):
    """A record over the size DuckDB's JSON reader takes (a document scanned into a field) is
    named by its line and size, not reported as a broken file."""
    lines = [stay(0), stay(1)[:-1] + ', "note": "' + "x" * (40 * 2**20) + '"}', stay(2)]
    message = failure(jsonl(tmp_path, "\n".join(lines)), STAYS)
    assert "the record on line 2 is 40 MB, over the 16 MB a record may hold" in message


DATA = ["LT-1", "Khách sạn", "hotel_2star", "21553", "10", "20", "01/01/2020", ""]
NOTE = ["Ghi chú: số liệu đến hết năm", "", "", "", "", "", "", ""]
BLANK = [""] * 8
SIGNED = ["", "Người lập biểu", "", "", "", "", "", "Thủ trưởng đơn vị"]  # two cells filled


@pytest.mark.parametrize(
    ("layout", "dropped"),
    [
        ([DATA, DATA, BLANK, NOTE, NOTE], [4, 5]),  # notes under a blank row
        ([DATA, BLANK, DATA, DATA], []),  # a blank row between groups: all read
        ([DATA, BLANK, NOTE, SIGNED, NOTE], [3, 5]),  # a row of two cells is read
        ([DATA, DATA, BLANK, BLANK, BLANK], [4, 5]),  # trailing blank rows (the first is kept)
        ([DATA, DATA], []),
        ([NOTE, BLANK, NOTE], []),  # no data row: nothing is taken for notes
        ([], []),
    ],
)
def test_notes_below_a_table_are_dropped_and_counted(layout, dropped):
    """Rows after the last data row (half the required columns filled) and below a blank row,
    filling at most one column, are notes: dropped and counted; every other row is read."""
    from sources.readers import READ_ROWS, _drop_notes_below

    con = duckdb.connect()
    columns = ", ".join(f'"{c}" VARCHAR' for c in ESTABLISHMENTS.names)
    con.execute(f"CREATE TEMP TABLE {READ_ROWS} ({columns}, _row_number BIGINT)")
    for n, row in enumerate(layout, start=1):
        con.execute(f"INSERT INTO {READ_ROWS} VALUES ({', '.join('?' * 9)})", [*row, n])
    repairs: list[str] = []
    _drop_notes_below(con, ESTABLISHMENTS, repairs)
    kept = [r[0] for r in con.execute(f"SELECT _row_number FROM {READ_ROWS} ORDER BY 1").fetchall()]
    assert kept == [n for n in range(1, len(layout) + 1) if n not in dropped]
    assert repairs == ([f"notes_below_skipped_{len(dropped)}"] if dropped else [])
