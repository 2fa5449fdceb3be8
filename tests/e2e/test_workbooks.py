"""The workbooks a statistician prints as they are: numbered yearbook tables first (the
workbook opens on them), `Giới thiệu` on one page, then the data sheets; every sheet set up for
print (A4, fitted to the width, a print area, header and footer objects); the figures are the
published ones, checked here against the marts independently; nothing built from data is a
formula. `make print-check` renders them with LibreOffice and counts the pages."""

import re
import zipfile
from datetime import date, datetime

import openpyxl
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import domains
from domains import MARTS
from reporting import text
from reporting.workbook import DATA_PRINT_ROWS, HEADER_SIZE

MODELS = (36, 37, 38, 39)
CHAPTER = {d.MODEL: i for i, d in enumerate(domains.DOMAINS, start=1)}
TITLE = {d.MODEL: d.TITLE for d in domains.DOMAINS}


@pytest.fixture(scope="module")
def workbooks(sample_run):
    return {
        m: openpyxl.load_workbook(sample_run.published / "excel" / f"model_{m}.xlsx")
        for m in MODELS
    }


def _area(ref: str) -> tuple[int, int]:
    """The last column and row of a print area such as 'sheet'!$A$1:$H$87."""
    col, row = re.search(r":\$([A-Z]+)\$(\d+)$", ref).groups()
    return openpyxl.utils.column_index_from_string(col), int(row)


@pytest.mark.parametrize("model", MODELS)
def test_workbook_opens_on_numbered_yearbook_tables(workbooks, yearbooks, model):
    wb, tables = workbooks[model], yearbooks[model]
    names = wb.sheetnames
    assert tables and names[: len(tables)] == [t.sheet for t in tables]
    assert names[len(tables)] == "Giới thiệu"
    assert names[len(tables) + 1 :] == [m.name for m in MARTS if m.model == model]
    assert wb.active.title == tables[0].sheet
    numbers = list(dict.fromkeys(t.number for t in tables))
    assert numbers == [f"{CHAPTER[model]}.{i}" for i in range(1, len(numbers) + 1)]
    for t in tables:
        ws = wb[t.sheet]
        assert ws["A1"].value == t.heading and t.heading.startswith(f"Biểu {t.number}. ")
        assert ws.freeze_panes == "B6"
        labels = [ws.cell(r, 1).value for r in range(6, 6 + t.cells.height)]
        assert labels == t.cells["row_label"].to_list()  # every row, never cut
        for j, c in enumerate(t.columns, start=2):
            head = ws.cell(4, j).value
            if head is not None:  # the first column of a period (merged over its sexes)
                expected = c.period
                if isinstance(c.period, date):  # dates as dates
                    expected = datetime(c.period.year, c.period.month, c.period.day)
                assert head == expected
            assert (ws.cell(5, j).value or "") == c.sub_label
            assert (text.PRELIMINARY in (ws.cell(5, j).value or "")) == c.preliminary
        notes = " ".join(
            str(ws.cell(r, 1).value) for r in range(6 + t.cells.height, ws.max_row + 1)
        )
        assert text.FOOTNOTE_PERTURBED in notes and "Nguồn" in notes
        for note in t.footnotes:
            assert note in notes
        for i, row in enumerate(t.cells.iter_rows(named=True), start=6):
            for j, c in enumerate(t.columns, start=2):
                cell = ws.cell(i, j)
                if row[c.key] is None:
                    assert cell.value == "-"
                    continue
                assert cell.value == pytest.approx(row[c.key])
                small = t.small_base is not None and row[f"{c.key}__small"]
                assert cell.number_format.endswith('"*"') == bool(small)
    for ws in wb.worksheets:  # nothing built from data ever becomes a formula
        assert not [c for row in ws.iter_rows() for c in row if c.data_type == "f"]


@pytest.mark.parametrize("model", MODELS)
def test_every_sheet_is_set_up_for_print(workbooks, sample_run, model):
    """A4, fitted to the page width, a print area, the header rows repeated, and the header and
    footer as objects: the model on the left, the table on the right, 8 points, the text kept
    apart from the size (never '&81. Dân số')."""
    wb = workbooks[model]
    model_title = f"Mô hình {model}: {TITLE[model][0]}"
    marts = {m.name for m in MARTS if m.model == model}
    for ws in wb.worksheets:
        ps = ws.page_setup
        assert int(ps.paperSize) == 9, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ps.fitToWidth in (None, 1), ws.title  # one page wide (1 is Excel's default)
        assert ws.print_area, ws.title
        last_col, last_row = _area(ws.print_area)
        assert (ws.oddHeader.left.text, ws.oddHeader.left.size) == (model_title, HEADER_SIZE)
        assert ws.oddHeader.right.size == HEADER_SIZE
        assert ws.oddFooter.right.text == "Trang &P/&N"
        assert ws.oddFooter.left.text == text.FOOTER_PROTECTED
        if ws.title == "Giới thiệu":
            assert ws.oddHeader.right.text == "Giới thiệu"
            assert ps.fitToHeight in (None, 1)  # one printed page (1 is Excel's default)
        elif ws.title in marts:
            assert ws.oddHeader.right.text == ws.title
            assert ws.freeze_panes == "A4" and ws.print_title_rows == "$1:$3"
            assert last_row <= 3 + DATA_PRINT_ROWS and last_col == ws.max_column
        else:
            assert re.fullmatch(r"Biểu \d\.\d+", ws.oddHeader.right.text)
            assert ws.print_title_rows == "$1:$5"
            assert last_col == ws.max_column and last_row == ws.max_row
            assert ps.fitToHeight in (None, 1, 2)  # a table prints on at most two pages
    with zipfile.ZipFile(sample_run.published / "excel" / f"model_{model}.xlsx") as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    codes = re.findall(r"<(?:oddHeader|oddFooter)>([^<]*)<", xml)
    assert len(codes) == 2 * len(wb.worksheets)
    assert not [c for c in codes if re.search(r"&amp;\d+(?! )", c)]  # a size glued to a digit


def _long(t) -> pl.DataFrame:
    """A yearbook table's figures as (row_key, column, value)."""
    return (
        t.cells.select("row_key", *[c.key for c in t.columns])
        .unpivot(index="row_key", variable_name="column", value_name="value")
        .drop_nulls("value")
        .sort("row_key", "column")
    )


def _expected(pub, sql: str) -> pl.DataFrame:
    return (
        pub.execute(sql)
        .pl()
        .with_columns(pl.col("value").cast(pl.Float64))
        .drop_nulls("value")
        .sort("row_key", "column")
    )


def _table(yearbooks, model, id_):
    return next(t for t in yearbooks[model] if t.id == id_)


BY_SEX = """SELECT area_code AS row_key, strftime(ref_date, '%Y-%m-%d') || '|' || s AS column,
                   CASE s WHEN 'Tổng' THEN population WHEN 'Nam' THEN males ELSE females END
                       AS value
            FROM population_indicators, (SELECT unnest(['Tổng', 'Nam', 'Nữ']) AS s)"""


@pytest.mark.parametrize(
    ("model", "id_", "sql"),
    [
        (
            36,
            "population",
            "SELECT area_code AS row_key, strftime(ref_date, '%Y-%m-%d') AS column, "
            "population AS value FROM population_indicators",
        ),
        (36, "population_sex", BY_SEX),
        (
            36,
            "mean_population",
            "SELECT area_code AS row_key, year::VARCHAR AS column, mean_population AS value "
            "FROM population_rates",
        ),
        (
            37,
            "labour_force_sex",
            "SELECT area_code AS row_key, year || '|' || sex AS column, labour_force AS value "
            "FROM labour_indicators WHERE age_band = 'Tổng'",
        ),
        (
            37,
            "employed_sector",
            "SELECT area_code AS row_key, year || '|' || vsic_section AS column, "
            "employed AS value FROM employment_by_sector "
            "WHERE sex = 'Tổng' AND vsic_section IN ('Tổng', 'A', 'B-F', 'G-U')",
        ),
        (
            39,
            "iccs",
            "SELECT iccs_section AS row_key, year::VARCHAR AS column, incidents AS value "
            "FROM public_order_yearly WHERE area_level = 'province'",
        ),
        (
            39,
            "traffic_groups",
            "SELECT violation_group AS row_key, year::VARCHAR AS column, violations AS value "
            "FROM traffic_violations_yearly WHERE area_level = 'province' AND vehicle_type = 'all'",
        ),
    ],
)
def test_yearbook_figures_are_the_published_figures(pub, yearbooks, model, id_, sql):
    """By-sex tables, mean population, employment by broad sector, incidents by ICCS section
    and violations by group: every printed figure is the mart's, the totals published ones."""
    assert_frame_equal(_long(_table(yearbooks, model, id_)), _expected(pub, sql))


def test_tourism_is_printed_by_half_year_with_the_published_year(pub, yearbooks):
    """Six months a page, and the year's column from the published yearly table (never a sum
    of published months)."""
    parts = [t for t in yearbooks[38] if t.id == "arrivals"]
    months = pub.execute("SELECT count(DISTINCT month) FROM tourism_monthly").fetchone()[0]
    assert len(parts) == -(-months // 6) and len({t.number for t in parts}) == 1
    published = pub.execute(
        """SELECT area_code AS row_key, strftime(month, '%Y-%m-%d') AS column, arrivals AS value
           FROM tourism_monthly WHERE establishment_type = 'all' AND guest_origin = 'all'
           UNION ALL
           SELECT area_code, 'Y' || year, arrivals FROM tourism_yearly
           WHERE establishment_type = 'all' AND guest_origin = 'all'"""
    ).pl()
    for t in parts:
        month_cols = [c for c in t.columns if c.kind == "month"]
        assert 1 <= len(month_cols) <= 6
        year = t.columns[-1]
        assert year.kind == "year" and "bảng năm" in year.sub
        expected = (
            published.filter(pl.col("column").is_in([c.key for c in t.columns]))
            .with_columns(pl.col("value").cast(pl.Float64))
            .sort("row_key", "column")
        )
        assert_frame_equal(_long(t), expected)


def test_small_bases_are_those_under_the_threshold(pub, yearbooks):
    t = _table(yearbooks, 36, "crude_birth_rate")
    flags = (
        t.cells.select("row_key", *[f"{c.key}__small" for c in t.columns])
        .unpivot(index="row_key", variable_name="column", value_name="small")
        .with_columns(pl.col("column").str.replace("__small", ""))
        .drop_nulls("small")
        .sort("row_key", "column")
    )
    expected = (
        pub.execute(
            f"""SELECT area_code AS row_key, year::VARCHAR AS column,
                       mean_population < {t.small_base.threshold} AS small FROM population_rates"""
        )
        .pl()
        .sort("row_key", "column")
    )
    assert_frame_equal(flags, expected)
    assert flags["small"].any() and not flags["small"].all()  # the sample has both kinds


def test_yearbook_population_matches_published_and_ground_truth(pub, yearbooks, ground_truth):
    table = _table(yearbooks, 36, "population")
    assert table.cells.height == 1 + 11 + 58  # province, districts, communes: never cut
    truth = ground_truth("population")["population_at"]
    for c in table.columns:
        assert abs(table.value("52", c.key) - truth[str(c.period)]["total"]) <= 3
        for code, n in truth[str(c.period)]["by_district"].items():
            assert abs(table.value(code, c.key) - n) <= 3


def test_yearly_incidents_come_from_the_published_year(pub, yearbooks, ground_truth):
    """A year is the published yearly figure (never a sum of months), its rate the year's
    incidents over the year's published mean population."""
    incidents = _table(yearbooks, 39, "incidents")
    rate = _table(yearbooks, 39, "rate_per_100k")
    by_month = ground_truth("public_order")["incidents"]["by_month"]
    means = dict(
        pub.execute(
            "SELECT year, mean_population FROM population_rates WHERE area_level = 'province'"
        ).fetchall()
    )
    for c in incidents.columns:
        n = incidents.value("52", c.key)
        truth = sum(v["incidents"] for k, v in by_month.items() if k.startswith(str(c.period)))
        assert abs(n - truth) <= 3
        assert rate.value("52", c.key) == pytest.approx(n * 1e5 / means[c.period], abs=0.006)
