"""Print-ready workbooks: one per model, the yearbook tables first (numbered `Biểu n.m`), then
`Giới thiệu` (contents, symbols, sources: one printed page), then one data sheet per mart.

Print set-up, on every sheet: A4, fitted to the page width, a print area, the header rows
repeated on every page, a header (model, table number) and a footer (the protection note, page
numbers). Headers and footers are openpyxl `HeaderFooterItem` objects serialised by openpyxl
(a size and a text kept apart: a hand-assembled `&8` followed by `1. Dân số` reads as an
81-point font); xlsxwriter writes the file. Data sheets print their first `DATA_PRINT_ROWS`
rows (the province first); the whole table is on screen and in csv/. `make print-check`
renders each workbook with LibreOffice and counts the pages (at most `PAGE_BUDGET`).

Strings are written as strings: never a formula or a link built from data.
"""

from __future__ import annotations

import math
import os
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import xlsxwriter
from openpyxl.worksheet.header_footer import HeaderFooterItem
from xlsxwriter.utility import xl_col_to_name

from reporting.dictionary import Label
from reporting.text import (
    FOOTER_PROTECTED,
    FOOTNOTE_DASH,
    FOOTNOTE_DASH_EN,
    FOOTNOTE_PERTURBED,
    FOOTNOTE_PERTURBED_EN,
    FOOTNOTE_PRELIMINARY,
    NOTHING,
    SMALL_MARK,
    SOURCE_EN,
    SOURCE_VI,
)
from reporting.yearbook import YearbookTable

# Excel stores number formats in its invariant syntax ("#,##0.0"); a Vietnamese-locale Excel
# displays them with '.' for thousands and ',' for decimals (1.234,5), as the yearbook prints.
NUM_FORMATS = {0: "#,##0", 1: "#,##0.0", 2: "#,##0.00"}
DATA_PRINT_ROWS = 300  # rows of a data sheet in its print area (the province's first)
PAGE_BUDGET = 200  # the most pages a whole workbook may print (make print-check)
A4 = 9
HEADER_SIZE = 8
PORTRAIT_WIDTH = 115  # column-width units that fit an A4 portrait page (scaled at most ~12 %)
STUB_WIDTH = 34  # area names
CATEGORY_STUB_WIDTH = 60  # 'Vietnamese / English' names of a classification, wrapped
HEAD_ROWS = 5  # title, English title, unit, two header rows
ROWS_PER_PAGE = 60  # yearbook rows an A4 page holds, scaled a little where needed


@dataclass(frozen=True)
class DataSheet:
    """A mart to write as a data sheet: its name and titles."""

    name: str
    title_vi: str
    title_en: str


def header_footer(left: str, right: str) -> tuple[str, str]:
    """The page header (left: the workbook, right: the sheet) and footer (the protection note,
    page n of m), as openpyxl objects serialised by openpyxl."""
    for part in (left, right):
        if "&" in part:
            raise ValueError(f"'&' starts a header code: {part!r}")
    header = HeaderFooterItem()
    header.left.text, header.left.size = left, HEADER_SIZE
    header.right.text, header.right.size = right, HEADER_SIZE
    footer = HeaderFooterItem()
    footer.left.text, footer.left.size = FOOTER_PROTECTED, HEADER_SIZE - 1
    footer.right.text, footer.right.size = "Trang &P/&N", HEADER_SIZE
    return str(header), str(footer)


def _page_setup(ws, *, landscape: bool, header: tuple[str, str], tall: int = 0) -> None:
    ws.set_paper(A4)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, tall)  # the page width; as many pages down as needed (tall = 0)
    ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    ws.set_header(header[0], {"margin": 0.3})
    ws.set_footer(header[1], {"margin": 0.3})


def _lines(text: str, width_units: float) -> int:
    """Printed lines a wrapped text takes in a cell `width_units` wide (about one character a
    unit at 9 points)."""
    return max(1, math.ceil(len(text) * 1.05 / max(width_units, 1)))


def _formats(wb) -> dict:
    border = {"border": 1}
    head = {"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center"}
    f = {
        "inert": wb.add_format({"quote_prefix": True}),
        "title": wb.add_format({"bold": True, "font_size": 13}),
        "subtitle": wb.add_format({"italic": True, "font_color": "#555555"}),
        "unit": wb.add_format({"italic": True, "align": "right"}),
        "head": wb.add_format({**head, "valign": "vcenter", "text_wrap": True}),
        "head_year": wb.add_format({**head, "num_format": "0"}),
        "head_date": wb.add_format({**head, "num_format": "dd/mm/yyyy"}),
        "head_month": wb.add_format({**head, "num_format": "mm/yyyy"}),
        "sub": wb.add_format(
            {**head, "bold": False, "italic": True, "font_size": 8, "text_wrap": True}
        ),
        "province": wb.add_format({"bold": True, **border}),
        "district": wb.add_format({"bold": True, **border, "indent": 1, "bg_color": "#F2F2F2"}),
        "commune": wb.add_format({**border, "indent": 2}),
        "total": wb.add_format({"bold": True, **border, "text_wrap": True, "valign": "top"}),
        "item": wb.add_format({**border, "indent": 1, "text_wrap": True, "valign": "top"}),
        "dash": wb.add_format({**border, "align": "center"}),
        "note": wb.add_format({"italic": True, "font_size": 9, "text_wrap": True, "valign": "top"}),
        "label": wb.add_format({"bold": True, "text_wrap": True, "valign": "top"}),
        "text": wb.add_format({"text_wrap": True, "valign": "top"}),
        "bold": wb.add_format({"bold": True, "text_wrap": True, "bg_color": "#DDEBF7", **border}),
        "date": wb.add_format({"num_format": "dd/mm/yyyy"}),
    }
    for d, code in NUM_FORMATS.items():
        pct = code.replace("#,##", "") + "%"
        f[("num", d)] = wb.add_format({**border, "num_format": code})
        f[("pct", d)] = wb.add_format({**border, "num_format": pct})
        # a small base: the same number, marked '*' by the format (the cell stays a number)
        f[("num*", d)] = wb.add_format({**border, "num_format": f'{code}"{SMALL_MARK}"'})
        f[("pct*", d)] = wb.add_format({**border, "num_format": f'{pct}"{SMALL_MARK}"'})
        f[("data", d)] = wb.add_format({"num_format": code})
    return f


def _period_cell(ws, row: int, col: int, c, f: dict, last_col: int | None = None) -> None:
    fmt = {"year": f["head_year"], "date": f["head_date"], "month": f["head_month"]}[c.kind]
    value = (
        c.period
        if isinstance(c.period, int)
        else datetime(c.period.year, c.period.month, c.period.day)
    )
    if last_col is not None and last_col > col:
        ws.merge_range(row, col, row, last_col, "", fmt)
    if isinstance(value, int):
        ws.write_number(row, col, value, fmt)
    else:  # dates as dates
        ws.write_datetime(row, col, value, fmt)


def write_yearbook_sheet(wb, t: YearbookTable, *, model_title: str, source: str, f: dict) -> None:
    """One yearbook table on a sheet of its own, ready to print."""
    ws = wb.add_worksheet(t.sheet)
    n = len(t.columns)
    width = 9 if t.columns and t.columns[0].kind == "month" else 11
    widths = [width if c.kind == "month" or not c.sub else max(width, 13) for c in t.columns]
    stub_width = STUB_WIDTH if t.cells["row_level"][0] != "total" else CATEGORY_STUB_WIDTH
    total_width = stub_width + sum(widths)
    ws.merge_range(0, 0, 0, n, t.heading, f["title"])
    ws.merge_range(1, 0, 1, n, t.title_en, f["subtitle"])
    ws.merge_range(2, 0, 2, n, f"Đơn vị tính / unit: {t.unit}", f["unit"])
    ws.merge_range(3, 0, 4, 0, t.stub, f["head"])
    j = 1
    for _label, span in t.header_groups:
        _period_cell(ws, 3, j, t.columns[j - 1], f, j + span - 1)
        j += span
    subs = [c.sub_label for c in t.columns]
    for j, sub in enumerate(subs, start=1):
        ws.write_string(4, j, sub, f["sub"])
    ws.set_row(
        4, 11 * max((_lines(s, w * 1.2) for s, w in zip(subs, widths, strict=True) if s), default=1)
    )
    kind = "pct" if t.percent else "num"
    flagged = t.small_base is not None
    for i, row in enumerate(t.cells.iter_rows(named=True), start=HEAD_ROWS):
        ws.write_string(i, 0, row["row_label"], f[row["row_level"]])
        if row["row_level"] in ("total", "item"):  # a classification's names wrap
            ws.set_row(i, 12.5 * _lines(row["row_label"], stub_width * 0.95))
        for j, c in enumerate(t.columns, start=1):
            v = row[c.key]
            if v is None:
                ws.write_string(i, j, NOTHING, f["dash"])
            else:
                small = flagged and bool(row[f"{c.key}__small"])
                ws.write_number(i, j, float(v), f[(kind + ("*" if small else ""), t.decimals)])
    last = HEAD_ROWS + t.cells.height - 1
    notes = [
        f"{SOURCE_VI}; {source}.",
        f"Khái niệm / definition: {t.definition}",
        f"Thời điểm / reference: {t.reference}",
        *t.footnotes,
        *([FOOTNOTE_PRELIMINARY] if any(c.preliminary for c in t.columns) else []),
        f"{FOOTNOTE_DASH}. {FOOTNOTE_DASH_EN}.",
        FOOTNOTE_PERTURBED,
        FOOTNOTE_PERTURBED_EN,
        f"Bảng dữ liệu gốc / source table: {t.mart} (sheet dữ liệu phía sau, csv/{t.mart}.csv).",
    ]
    for k, note in enumerate(notes, start=last + 2):
        ws.merge_range(k, 0, k, n, note, f["note"])
        ws.set_row(k, 11.5 * _lines(note, total_width * 1.1))
    ws.set_column(0, 0, stub_width)
    for j, w in enumerate(widths, start=1):
        ws.set_column(j, j, w)
    ws.freeze_panes(HEAD_ROWS, 1)
    ws.repeat_rows(0, HEAD_ROWS - 1)
    ws.print_area(0, 0, last + 1 + len(notes), n)
    # as many pages down as the rows need at about 60 rows a page, the notes kept with the table
    note_lines = sum(_lines(note, total_width * 1.1) for note in notes)
    tall = math.ceil((HEAD_ROWS + t.cells.height + 1 + note_lines) / ROWS_PER_PAGE)
    _page_setup(
        ws,
        landscape=total_width > PORTRAIT_WIDTH,
        header=header_footer(model_title, f"Biểu {t.number}" if t.number else t.sheet),
        tall=tall,
    )


def write_about_sheet(
    wb,
    *,
    model: int,
    title: tuple[str, str],
    source: str,
    tables: list[YearbookTable],
    data: list[DataSheet],
    f: dict,
) -> None:
    """`Giới thiệu`: what the workbook holds and how to read it, on one printed page."""
    ws = wb.add_worksheet("Giới thiệu")
    label_w, text_w = 26, 84
    ws.set_column(0, 0, label_w)
    ws.set_column(1, 1, text_w)
    ws.merge_range(0, 0, 0, 1, f"Mô hình {model}: {title[0]}", f["title"])
    ws.merge_range(1, 0, 1, 1, f"Model {model}: {title[1]}", f["subtitle"])
    logical: dict[str, list[YearbookTable]] = {}
    for t in tables:
        logical.setdefault(t.number, []).append(t)
    rows: list[tuple[str, str, str]] = [
        ("Nguồn / Source", f"{SOURCE_VI}; {source}. {SOURCE_EN}.", "text"),
        ("Bảo vệ dữ liệu", FOOTNOTE_PERTURBED, "text"),
        ("Data protection", FOOTNOTE_PERTURBED_EN, "text"),
        (
            "Ký hiệu / Symbols",
            f"{FOOTNOTE_DASH}. {FOOTNOTE_DASH_EN}. {SMALL_MARK} Cơ số nhỏ: mẫu số dưới ngưỡng "
            f"ghi dưới biểu / small base: denominator under the threshold given under the "
            f"table. {FOOTNOTE_PRELIMINARY}",
            "text",
        ),
        (
            "Số / Numbers",
            "Định dạng số theo máy (tiếng Việt: 1.234,5). / Numbers follow the computer's "
            "locale (Vietnamese: 1.234,5).",
            "text",
        ),
        (
            "In / Printing",
            "Mỗi biểu in vừa chiều ngang khổ A4; biểu theo tháng chia theo nửa năm, mỗi phần có "
            "cột cả năm. Sheet dữ liệu chỉ in các dòng đầu (cấp tỉnh trước); bảng đầy đủ xem "
            "trên màn hình hoặc trong csv/. / Each table prints to the width of an A4 page; "
            "monthly tables are split by half-year, each part with the year's column. Data "
            "sheets print their first rows (the province first); the whole table is on screen "
            "and in csv/.",
            "text",
        ),
        ("Biểu niên giám", "Yearbook tables", "label"),
        *(
            (
                f"Biểu {number}",
                f"{parts[0].title} / {parts[0].title_en} ({parts[0].unit})"
                + (f"; {len(parts)} phần / parts" if len(parts) > 1 else ""),
                "text",
            )
            for number, parts in logical.items()
        ),
        ("Bảng dữ liệu", "Data sheets", "label"),
        *((d.name, f"{d.title_vi} / {d.title_en}", "text") for d in data),
    ]
    for i, (label, text, kind) in enumerate(rows, start=3):
        ws.write_string(i, 0, label, f["label"])
        ws.write_string(i, 1, text, f[kind])
        ws.set_row(i, 13 * max(_lines(text, text_w), _lines(label, label_w)))
    ws.print_area(0, 0, 2 + len(rows), 1)
    _page_setup(
        ws,
        landscape=False,
        header=header_footer(f"Mô hình {model}: {title[0]}", "Giới thiệu"),
        tall=1,
    )


def _ordered(con: duckdb.DuckDBPyConnection, mart: str) -> pl.DataFrame:
    """A mart's rows, the province first, then the districts, then the communes (otherwise
    in the mart's order)."""
    columns = con.execute(
        "SELECT list(column_name) FROM information_schema.columns WHERE table_name = ?", [mart]
    ).fetchone()[0]
    if "area_level" not in columns:
        return con.execute(f'SELECT * FROM "{mart}"').pl()
    return con.execute(
        f"""SELECT * EXCLUDE (_pos) FROM (SELECT *, row_number() OVER () AS _pos FROM "{mart}")
            ORDER BY CASE area_level WHEN 'province' THEN 0 WHEN 'district' THEN 1 ELSE 2 END,
                     _pos"""
    ).pl()


def write_data_sheet(
    wb, d: DataSheet, frame: pl.DataFrame, labels: dict[str, Label], model_title: str, f: dict
) -> tuple[int, bytes, str] | None:
    """A mart as a data sheet: a title row, Vietnamese headers, the English column names (with
    a filter), then the rows, the province first. Its print area is the first
    DATA_PRINT_ROWS rows.

    xlsxwriter writes the sheet's three head rows; the data rows' XML is built from the whole
    frame at once (`data_rows_xml`) and returned as (the sheet's index, the rows, the last
    cell) for `splice_rows` to put into the file once it is closed. A frame holding a value only
    xlsxwriter's own escaping can write is written by it, cell by cell (then None)."""
    ws = wb.add_worksheet(d.name[:31])
    ncol = max(len(frame.columns), 1)
    ws.merge_range(
        0,
        0,
        0,
        ncol - 1,
        f"{d.name}: {d.title_vi} / {d.title_en}. Bản in: các dòng đầu (cấp tỉnh trước); bảng "
        f"đầy đủ trên màn hình và trong csv/{d.name}.csv. / Printout: the first rows (the "
        f"province first); the whole table on screen and in csv/{d.name}.csv.",
        f["label"],
    )
    ws.set_row(0, 30)
    for j, col in enumerate(frame.columns):
        label = labels.get(col)
        ws.write_string(1, j, label.vi if label else col, f["bold"])
        ws.write_string(2, j, col, f["bold"])
    rows = data_rows_xml(frame, _data_styles(f), first_row=4)
    if rows is None:
        write_data_cells(ws, frame, f)
    ws.freeze_panes(3, 0)
    ws.set_column(0, ncol - 1, 15)
    ws.autofilter(2, 0, 2 + frame.height, ncol - 1)
    ws.repeat_rows(0, 2)
    ws.print_area(0, 0, 2 + min(frame.height, DATA_PRINT_ROWS), ncol - 1)
    _page_setup(ws, landscape=ncol * 15 > PORTRAIT_WIDTH, header=header_footer(model_title, d.name))
    if rows is None or frame.height == 0:
        return None
    return ws.index, rows, f"{xl_col_to_name(ncol - 1)}{frame.height + 3}"


def write_data_cells(ws, frame: pl.DataFrame, f: dict) -> None:
    """The data rows written cell by cell through xlsxwriter (sheet row 4 on): numbers with
    thousands separators, dates as dates, a text starting with = + - @ inert."""
    for j, col in enumerate(frame.columns):
        series = frame[col]
        if series.dtype == pl.Date:
            for i, v in enumerate(series.to_list()):
                if v is not None:
                    ws.write_datetime(i + 3, j, datetime(v.year, v.month, v.day), f["date"])
        elif series.dtype.is_numeric():
            fmt = f[("data", 0 if series.dtype.is_integer() else 2)]
            ws.write_column(3, j, [None if v is None else float(v) for v in series.to_list()], fmt)
        elif series.dtype == pl.Boolean:
            ws.write_column(3, j, series.to_list())
        else:
            # Excel's apostrophe prefix: a text starting with = + - @ stays inert when edited too
            for i, v in enumerate(series.cast(pl.String).to_list()):
                if v is not None:
                    ws.write_string(i + 3, j, v, f["inert"] if v[:1] in "=+-@" else None)


def _data_styles(f: dict) -> dict[str, int]:
    """The style (xf) index of each data format. xlsxwriter numbers a format when a cell first
    uses it; these cells are not written through it, so the formats are numbered here."""
    return {
        "integer": f[("data", 0)]._get_xf_index(),
        "decimal": f[("data", 2)]._get_xf_index(),
        "date": f["date"]._get_xf_index(),
        "inert": f["inert"]._get_xf_index(),
    }


EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 for dates from 1900-03-01 on
FIRST_PLAIN_DATE = date(1900, 3, 1)  # earlier dates carry Excel's 1900 leap-year bug
# what xlsxwriter escapes in a string beyond & < > (control characters as _xHHHH_, and a text
# that already looks like such an escape): such a sheet is written cell by cell by xlsxwriter
NEEDS_XLSXWRITER_ESCAPE = r"[\x00-\x08\x0b-\x1f\x{fffe}\x{ffff}]|_x[0-9A-Fa-f]{4}_"
LONGEST_FAST_STRING = 16_383  # characters; Excel's limit is 32,767 UTF-16 units


def data_rows_xml(frame: pl.DataFrame, styles: dict[str, int], first_row: int) -> bytes | None:
    """The <row> elements of the frame's rows, the first being sheet row `first_row`: the XML
    xlsxwriter writes for the same cells written one by one (`write_data_cells`), strings
    in-line as in its constant_memory mode, built for all rows at once by polars (xlsxwriter
    costs about 5 µs a cell: 4 s for the 0.8 million cells of traffic_violations_monthly).

    None when a value needs xlsxwriter's own handling: a control character or `_xHHHH_` in a
    text, a text over LONGEST_FAST_STRING characters, NaN or infinity, a date before 1900-03-01."""
    if frame.height == 0:
        return b""
    row = pl.int_range(first_row, pl.len() + first_row).cast(pl.String)
    checks, cells = [], []
    for j, name in enumerate(frame.columns):
        col, dtype = pl.col(name), frame.schema[name]
        ref = [pl.lit(f'<c r="{xl_col_to_name(j)}'), row]
        if dtype == pl.Date:
            checks.append((col < FIRST_PLAIN_DATE).any())
            days = (col - pl.lit(EXCEL_EPOCH)).dt.total_days().cast(pl.String)
            cell = pl.concat_str(
                [*ref, pl.lit(f'" s="{styles["date"]}"><v>'), days, pl.lit("</v></c>")]
            )
        elif dtype.is_numeric():
            style = styles["integer" if dtype.is_integer() else "decimal"]
            if dtype.is_integer():
                value = col.cast(pl.String)
            else:
                value = col.cast(pl.Float64)
                checks.append((~value.is_finite()).any())
                # the shortest text that reads back as the same double; 38.0 as 38, like %.16G
                value = value.cast(pl.String).str.replace(r"\.0$", "")
            blank = pl.concat_str([*ref, pl.lit(f'" s="{style}"/>')])  # a blank keeps its format
            filled = pl.concat_str([*ref, pl.lit(f'" s="{style}"><v>'), value, pl.lit("</v></c>")])
            cell = pl.when(col.is_null()).then(blank).otherwise(filled)
        elif dtype == pl.Boolean:
            value = col.cast(pl.Int8).cast(pl.String)
            cell = pl.concat_str([*ref, pl.lit('" t="b"><v>'), value, pl.lit("</v></c>")])
        else:
            text = col.cast(pl.String)
            checks.append(text.str.contains(NEEDS_XLSXWRITER_ESCAPE).any())
            checks.append((text.str.len_chars() > LONGEST_FAST_STRING).any())
            inert = (text.str.len_chars() == 0) | text.str.slice(0, 1).is_in(["=", "+", "-", "@"])
            escaped = (
                text.str.replace_all("&", "&amp;", literal=True)
                .str.replace_all("<", "&lt;", literal=True)
                .str.replace_all(">", "&gt;", literal=True)
            )
            cell = pl.concat_str(
                [
                    *ref,
                    pl.when(inert).then(pl.lit(f'" s="{styles["inert"]}"')).otherwise(pl.lit('"')),
                    pl.lit(' t="inlineStr"><is><t'),
                    pl.when(text.str.contains(r"^\s|\s$"))
                    .then(pl.lit(' xml:space="preserve"'))
                    .otherwise(pl.lit("")),
                    pl.lit(">"),
                    escaped,
                    pl.lit("</t></is></c>"),
                ]
            )
        cells.append(cell)  # null (no cell) where the value is null, but for numbers
    if checks and any(frame.select(pl.any_horizontal(checks)).row(0)):
        return None
    rows = (
        frame.lazy()
        .select(row=row, cells=pl.concat_str(cells, ignore_nulls=True))
        .filter(pl.col("cells") != "")
        .select(pl.concat_str([pl.lit('<row r="'), "row", pl.lit('">'), "cells", pl.lit("</row>")]))
        .collect()
    )
    return rows.to_series().str.join("").item().encode("utf-8")


# zlib level of the workbooks' parts: 3 compresses the sheets' XML three times as fast as the
# default 6, in files 16 % larger (model 39 at province scale: 0.26 s and 5.3 MB against 0.80 s
# and 4.5 MB; all four workbooks 1.15 s of the publication's 3.3 s of workbook writing at 6)
DEFLATE_LEVEL = 3


def splice_rows(path: Path, sheets: list[tuple[int, bytes, str]]) -> None:
    """Put each sheet's data rows into the closed workbook at `path`: `sheets` holds
    (the sheet's index, its rows from `data_rows_xml`, its last cell), the rows go after the
    head rows xlsxwriter wrote and the sheet's used range (`<dimension>`) is widened to the
    last cell. The other parts of the file are copied as they are."""
    if not sheets:
        return
    members = {f"xl/worksheets/sheet{index + 1}.xml": (rows, last) for index, rows, last in sheets}
    tmp = path.with_name(path.name + ".splicing")
    with (
        zipfile.ZipFile(path) as zin,
        zipfile.ZipFile(tmp, "w", compresslevel=DEFLATE_LEVEL) as zout,
    ):
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename in members:
                rows, last = members[info.filename]
                head, tail = data.split(b"</sheetData>", 1)
                head = re.sub(
                    rb'<dimension ref="[^"]*"/>',
                    f'<dimension ref="A1:{last}"/>'.encode(),
                    head,
                    count=1,
                )
                data = head + rows + b"</sheetData>" + tail
            # the member's own date and compression method (a ZipInfo's level is not kept)
            zout.writestr(info, data, compresslevel=DEFLATE_LEVEL)
    os.replace(tmp, path)


def write_workbook(
    path: Path,
    con: duckdb.DuckDBPyConnection,
    *,
    model: int,
    title: tuple[str, str],
    source: str,
    tables: list[YearbookTable],
    data: list[DataSheet],
    labels: dict[str, Label],
) -> None:
    """The workbook of a model from the published database `con`: the yearbook tables (it
    opens on the first), `Giới thiệu`, one data sheet per mart in `data`."""
    options = {"remove_timezone": True, "strings_to_formulas": False, "strings_to_urls": False}
    model_title = f"Mô hình {model}: {title[0]}"
    with xlsxwriter.Workbook(str(path), options) as wb:
        f = _formats(wb)
        for t in tables:
            write_yearbook_sheet(wb, t, model_title=model_title, source=source, f=f)
        write_about_sheet(
            wb, model=model, title=title, source=source, tables=tables, data=data, f=f
        )
        spliced = [
            write_data_sheet(wb, d, _ordered(con, d.name), labels, model_title, f) for d in data
        ]
        if tables:
            wb.worksheets()[0].activate()
    splice_rows(path, [s for s in spliced if s is not None])
