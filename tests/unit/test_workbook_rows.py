"""A data sheet's rows built for all rows at once (reporting/workbook.py, `data_rows_xml`):
every cell reads back, through openpyxl, as the mart's value with its format; the same as
xlsxwriter writes cell by cell; values only xlsxwriter can escape fall back to it."""

from datetime import date, datetime

import duckdb
import openpyxl
import polars as pl
import pytest

from reporting import workbook

# 28 columns: the last ones are AA and AB (two-letter references)
MART = pl.DataFrame(
    {
        "area_level": ["province", "district", "commune", "commune", "commune", "commune"],
        "count": [12, None, 0, 1_500_000, -3, 7],
        "rate": [38.0, 0.30000000000000004, None, 1.5e-7, -0.0, 1.2345e20],
        "period": [
            date(2025, 12, 31),
            date(2024, 1, 1),
            None,
            date(1900, 3, 1),
            date(2030, 6, 15),
            date(2025, 2, 28),
        ],
        "flag": [True, False, None, True, False, True],
        "label": ["Quy Nhơn", "A & B <c>", "=SUM(A1)", "", " padded ", None],
        "code": ["+84", "-1", "@home", "plain", "tail ", "x"],
        **{f"extra_{i}": [i, i + 1, None, i + 3, i + 4, i + 5] for i in range(21)},
    },
    schema_overrides={"count": pl.Int64},
)


def _write(tmp_path, frame: pl.DataFrame, name: str = "book.xlsx", *, cell_by_cell=False):
    db = tmp_path / f"{name}.duckdb"
    with duckdb.connect(str(db)) as con:
        con.register("frame", frame.to_arrow())
        con.execute("CREATE TABLE mart AS SELECT * FROM frame")
        con.unregister("frame")
        path = tmp_path / name
        if cell_by_cell:
            keep, workbook.data_rows_xml = workbook.data_rows_xml, lambda *a, **k: None
        try:
            workbook.write_workbook(
                path,
                con,
                model=38,
                title=("Thử", "Test"),
                source="Nguồn thử",
                tables=[],
                data=[workbook.DataSheet("mart", "Bảng thử", "Test table")],
                labels={},
            )
        finally:
            if cell_by_cell:
                workbook.data_rows_xml = keep
    return openpyxl.load_workbook(path)["mart"]


def _expected(value):
    """What openpyxl reads back for a mart value written to a cell."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return value


def test_every_cell_reads_back_as_the_marts_value_with_its_format(tmp_path):
    ws = _write(tmp_path, MART)
    assert ws.max_row == 3 + MART.height
    assert ws.dimensions == f"A1:AB{3 + MART.height}"
    assert ws.auto_filter.ref == f"A3:AB{3 + MART.height}"
    assert [c.value for c in ws[3]] == MART.columns  # the English names, head rows untouched
    formats = {pl.Int64: "#,##0", pl.Float64: "#,##0.00", pl.Date: "dd/mm/yyyy"}
    for i, row in enumerate(MART.iter_rows(), start=4):
        for j, value in enumerate(row, start=1):
            cell = ws.cell(i, j)
            assert cell.value == _expected(value), (cell.coordinate, value)
            assert type(cell.value) is type(_expected(value)) or (
                isinstance(value, float) and value.is_integer() and type(cell.value) is int
            ), cell.coordinate
            dtype = MART.dtypes[j - 1]
            if dtype in formats and (value is not None or dtype != pl.Date):
                assert cell.number_format == formats[dtype], cell.coordinate
            if isinstance(value, str):  # a text Excel would read as a formula stays a text
                assert cell.quotePrefix == (value[:1] in "=+-@"), cell.coordinate
    assert ws["F6"].value == "=SUM(A1)" and ws["F6"].data_type == "s"
    assert ws["F7"].value == "" and ws["F8"].value == " padded "  # whitespace kept
    assert ws["B5"].value is None and ws["B5"].number_format == "#,##0"  # a blank, formatted


def test_the_same_cells_as_xlsxwriter_writes_one_by_one(tmp_path):
    # %.16G (xlsxwriter) and the shortest text (polars) agree on doubles of 16 digits or fewer
    frame = MART.with_columns(pl.col("rate").replace(0.30000000000000004, 0.3))
    fast = _write(tmp_path, frame, "fast.xlsx")
    slow = _write(tmp_path, frame, "slow.xlsx", cell_by_cell=True)
    assert fast.dimensions == slow.dimensions
    for row_fast, row_slow in zip(fast.iter_rows(), slow.iter_rows(), strict=True):
        for a, b in zip(row_fast, row_slow, strict=True):
            assert (a.value, a.data_type, a.number_format, a.quotePrefix) == (
                b.value,
                b.data_type,
                b.number_format,
                b.quotePrefix,
            ), a.coordinate


@pytest.mark.parametrize(
    "column",
    [
        pl.Series("label", ["ok", "bell\x07"]),
        pl.Series("label", ["ok", "_x0041_"]),  # reads as 'A' unless escaped
        pl.Series("label", ["ok", "x" * (workbook.LONGEST_FAST_STRING + 1)]),
        pl.Series("rate", [1.0, float("nan")]),
        pl.Series("rate", [1.0, float("inf")]),
        pl.Series("period", [date(2025, 1, 1), date(1900, 2, 28)]),
    ],
)
def test_values_only_xlsxwriter_escapes_are_left_to_it(column):
    frame = pl.DataFrame([column])
    assert (
        workbook.data_rows_xml(frame, dict.fromkeys(("integer", "decimal", "date", "inert"), 1), 4)
        is None
    )
    assert (
        workbook.data_rows_xml(
            frame.head(1), dict.fromkeys(("integer", "decimal", "date", "inert"), 1), 4
        )
        is not None
    )


def test_a_control_character_is_written_by_xlsxwriter(tmp_path):
    ws = _write(tmp_path, pl.DataFrame({"label": ["ok", "tab\there", "bell\x07"], "n": [1, 2, 3]}))
    assert [ws.cell(i, 1).value for i in (4, 5)] == ["ok", "tab\there"]
    assert ws.cell(6, 1).value is not None  # escaped as _x0007_ by xlsxwriter


def test_a_mart_of_no_rows_has_its_head_rows_only(tmp_path):
    ws = _write(tmp_path, MART.head(0))
    assert ws.max_row == 3
    assert [c.value for c in ws[3]] == MART.columns
