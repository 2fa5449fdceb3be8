"""The reporting helpers on small hand-made inputs (no pipeline run): yearbook tables, the
half-year split, small bases, chart rules, header and footer objects, the SQL header parser,
the data dictionary's gap report, and the package's place below the domains."""

import ast
import re
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest
import xlsxwriter

from reporting import charts, dictionary, workbook
from reporting.text import PRELIMINARY, vn_number
from reporting.yearbook import AreaTable, CategoryTable, SmallBase, numbered, split_months

AREAS = """SELECT * FROM (VALUES
    ('province', '52', 'Tỉnh', NULL), ('district', '540', 'Huyện A', '52'),
    ('commune', '21550', 'Xã A1', '540'), ('commune', '21551', 'Xã A2', '540'),
    ('district', '541', 'Huyện B', '52'), ('commune', '21600', 'Xã B1', '541'))
    t(area_level, area_code, area_name, parent_code)"""


@pytest.fixture
def db():
    con = duckdb.connect()
    con.execute(f"CREATE TABLE areas AS {AREAS}")
    # a sparse monthly mart: commune 21551 has no row at all, 21600 only some months
    con.execute(
        """CREATE TABLE monthly AS
           SELECT a.*, m::DATE AS month, (row_number() OVER ())::BIGINT AS arrivals,
                  (10 * row_number() OVER ())::BIGINT AS population
           FROM areas a, generate_series(DATE '2024-01-01', DATE '2025-12-01', INTERVAL 1 MONTH) g(m)
           WHERE a.area_code <> '21551' AND NOT (a.area_code = '21600' AND month(m) > 3)"""
    )
    yield con
    con.close()


def _monthly_table(con, small_base=None):
    base = ", population AS base" if small_base else ""
    return AreaTable(
        "arrivals",
        "Lượt khách",
        "Lượt khách",
        "Arrivals",
        "Lượt",
        "monthly",
        f"SELECT area_code, month AS period, arrivals AS value{base} FROM monthly",
        "d",
        "r",
        "month",
        small_base=small_base,
    ).build(con)


def test_area_table_prints_every_unit_in_yearbook_order(db):
    t = _monthly_table(db)
    assert t.cells["row_key"].to_list() == ["52", "540", "21550", "21551", "541", "21600"]
    assert len(t.columns) == 24
    assert t.value("21551", t.columns[0].key) == "-"  # no row in the mart: nothing to show
    assert t.value("21600", "2024-06-01") == "-" and t.value("21600", "2024-01-01") != "-"
    # the latest year is preliminary, the year before is not
    assert [c.preliminary for c in t.columns] == [False] * 12 + [True] * 12
    assert t.columns[-1].sub_label == PRELIMINARY


def test_half_years_carry_the_year_column_and_share_the_number(db):
    t = _monthly_table(db)
    annual = db.execute(
        "SELECT area_code AS row_key, year(month) AS year, sum(arrivals) AS value "
        "FROM monthly GROUP BY ALL"
    ).pl()
    parts = numbered([*split_months(t, annual, "Cả năm: cộng các tháng / sum of months")], 3)
    assert [p.part_code for p in parts] == ["T1-6.2024", "T7-12.2024", "T1-6.2025", "T7-12.2025"]
    assert {p.number for p in parts} == {"3.1"}
    assert len({p.sheet for p in parts}) == 4 and all(len(p.sheet) <= 31 for p in parts)
    for p in parts:
        months = [c for c in p.columns if c.kind == "month"]
        assert len(months) == 6 and p.columns[-1].kind == "year"
        assert "cộng các tháng" in p.columns[-1].sub
    first = parts[0]
    expected = annual.filter((pl.col("row_key") == "52") & (pl.col("year") == 2024))["value"][0]
    assert first.value("52", "Y2024") == expected


def test_small_base_marks_exactly_the_small_denominators(db):
    sb = SmallBase(100, "người", "persons")
    t = _monthly_table(db, sb)
    flags = db.execute(
        "SELECT area_code, strftime(month, '%Y-%m-%d'), population < 100 FROM monthly"
    ).fetchall()
    for code, key, small in flags:
        assert t.small(code, key) == small
    assert t.text(5.0, True) == "5*" and t.text(None) == "-"
    assert "100" in sb.note and "Small base" in sb.note


def test_category_table_puts_the_published_total_first(db):
    db.execute(
        """CREATE TABLE cats AS SELECT * FROM (VALUES
           ('02', 'Hai', '02', false, 2024, 5), ('ALL', 'Tổng số', 'ALL', true, 2024, 9),
           ('01', 'Một', '01', false, 2024, 3)) t(row_key, row_label, row_order, is_total,
           period, value)"""
    )
    t = CategoryTable(
        "c", "c", "c", "c", "u", "cats", "SELECT * FROM cats", "d", "r", "year", stub="Nhóm"
    ).build(db)
    assert t.cells["row_key"].to_list() == ["ALL", "01", "02"]
    assert t.cells["row_level"].to_list() == ["total", "item", "item"]
    assert t.value("ALL", "2024") == 9  # the published total, not 3 + 5


def test_symmetric_ticks_never_print_a_negative_number():
    values, labels = charts.symmetric_ticks(1340)
    assert values == [-v for v in reversed(values)] and max(values) >= 1340
    assert labels == [vn_number(abs(v)) for v in values]
    assert not any(label.startswith("-") for label in labels)


def test_map_areas_are_proportional_to_the_values():
    data = pl.DataFrame(
        {
            "area_code": charts.communes()["area_code"].to_list()[:3],
            "area_name": ["a", "b", "c"],
            "district": ["x", "x", "y"],
            "value": [881, 791, None],
        }
    )
    fig, listed = charts.commune_map(data, "t", "t", mart="m", value_label="v / v")
    dots, rings = fig.data[0], fig.data[-1]
    assert sorted(dots.marker.size) == [791, 881] and dots.marker.sizemode == "area"
    assert list(dots.marker.size) == list(dots.customdata)  # area ∝ value: 881 vs 791, not 1 vs 0
    assert len(rings.x) == 58 - 2  # every other 2025 commune, as a '-' ring
    assert "hạng" not in listed.frame.columns and listed.frame["value"].to_list()[:2] == [881, 791]


def test_a_chart_refuses_more_series_than_colours():
    series = [charts.Series(f"s{i} / s{i}", [1]) for i in range(len(charts.PALETTE) + 1)]
    with pytest.raises(ValueError, match="split it"):
        charts.lines("t", "t", mart="m", x=[1], series=series, y_title="y")


def test_charts_are_drawn_in_the_house_template_and_leave_plotly_as_it_was():
    import json

    import plotly.io as pio

    fig = charts.stacked_bars(
        "Tiêu đề", "Title", mart="m", x=["a", "b"], parts=[charts.Series("A", [1, 2])],
        total=None, y_title="n",
    )  # fmt: skip
    before = pio.templates.default
    html = charts.figure_html(fig, div_id="chart-a")
    assert pio.templates.default == before
    layout = json.loads(re.search(r"\[\{.*?\}\],\s*(\{.*?\}),\s*\{\"displaylogo", html, re.S)[1])
    wanted = pio.templates[charts.TEMPLATE].layout.to_plotly_json()
    assert layout["template"]["layout"]["plot_bgcolor"] == wanted["plot_bgcolor"] == "white"
    assert layout["template"]["layout"] == json.loads(json.dumps(wanted))


def test_header_objects_survive_a_round_trip(tmp_path):
    """The header is written through openpyxl's objects: '&8' and '1. Dân số' stay apart (a
    hand-written '&81. Dân số' is an 81-point font)."""
    header, footer = workbook.header_footer("Mô hình 36: Dân số", "1. Dân số")
    assert re.search(r"&\d+(?! )", header) is None

    path = tmp_path / "h.xlsx"
    with xlsxwriter.Workbook(str(path)) as wb:
        ws = wb.add_worksheet("s")
        ws.set_header(header)
        ws.set_footer(footer)
    ws = openpyxl.load_workbook(path)["s"]
    assert (ws.oddHeader.right.text, ws.oddHeader.right.size) == ("1. Dân số", 8)
    assert (ws.oddHeader.left.text, ws.oddHeader.left.size) == ("Mô hình 36: Dân số", 8)
    assert ws.oddFooter.right.text == "Trang &P/&N"
    with zipfile.ZipFile(path) as z:
        assert "&amp;81" not in z.read("xl/worksheets/sheet1.xml").decode()
    with pytest.raises(ValueError):
        workbook.header_footer("A & B", "x")


HEADER = """-- Mart demo (model 1): a demonstration, per GSO.
-- Grain: year × area.
-- persons: residents (UN DESA); rate = 100 × events / persons.
-- events, others: what happened; extra: more (ILO 19th ICLS).
--   aligned_col            text of an aligned entry
--                          that goes on (IRTS 2008).
--   short_col text after a single space in the aligned block.
-- <count>__ck: key sums (never published).
CREATE TABLE x AS SELECT 1;
"""


def test_sql_header_reads_every_entry_form(tmp_path):
    path = tmp_path / "demo.sql"
    path.write_text(HEADER, encoding="utf-8")
    cols = ["persons", "rate", "events", "others", "extra", "aligned_col", "short_col", "year"]
    h = dictionary.sql_header(path, cols)
    assert h.intro.startswith("Mart demo") and "Grain" in h.intro
    assert h.defined("persons") == "residents (UN DESA)"
    assert h.defined("rate") == "rate = 100 × events / persons."
    assert h.defined("others") == "what happened" and h.defined("extra").startswith("more")
    assert h.defined("aligned_col") == "text of an aligned entry that goes on (IRTS 2008)."
    assert h.defined("short_col").startswith("text after a single space")
    assert h.defined("year") == "" and h.mentioned("year") == "Grain: year × area."
    assert dictionary.standards(h.defined("aligned_col")) == ["IRTS 2008 (UN)"]
    assert dictionary.standards(h.intro) == ["GSO (Tổng cục Thống kê)"]


def test_the_dictionary_reports_a_column_nobody_declared(tmp_path):
    path = tmp_path / "t.sql"
    path.write_text("-- t: a table.\n-- a: the a column.\nSELECT 1;\n", encoding="utf-8")
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT 1 AS a, 2 AS b, DATE '2024-01-01' AS d")
    labels = {"a": dictionary.Label("A", "A", "u"), "d": dictionary.Label("D", "D", "ngày", "day")}
    doc = dictionary.TableDoc("t", "T", "T", lambda c: "key or label", sql=path)
    entries = dictionary.build(con, [doc], labels)
    assert entries["definition"].to_list() == ["the a column.", None, "day"]
    assert dictionary.missing(entries) == ["t.b"]  # no label and no definition
    con.execute("CREATE TABLE u AS SELECT 1 AS a")
    assert "u.a" in dictionary.missing(dictionary.build(con, [doc], labels))  # no doc at all


def test_vietnamese_numbers():
    assert vn_number(1234567.891, 1) == "1.234.567,9"
    assert vn_number(30532) == "30.532"


FORBIDDEN = ("domains", "assets", "dagster", "dagster_project", "marts", "quality", "protection")


def test_reporting_stays_below_the_domains():
    """reporting/ imports no domain, asset or Dagster module (the registries are passed in),
    only at module level; the domains use its public names only."""
    repo = Path(__file__).resolve().parents[2]
    for path in (repo / "reporting").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = set(tree.body)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                modules = names or [node.module or ""]
                for module in modules:
                    assert module.split(".")[0] not in FORBIDDEN, f"{path.name} imports {module}"
                assert node in top, f"{path.name}: an import inside a function"
    for path in (repo / "domains").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("reporting"):
                assert not [a.name for a in node.names if a.name.startswith("_")], path.name


def test_a_publication_sets_the_house_template_once_for_all_its_figures(monkeypatch):
    """Setting plotly's default template validates and deep-copies it: within
    `house_template` (a publication) figures are made without setting it again."""
    import plotly.io as pio

    validated = []
    config = type(pio.templates)
    real = config._validate
    monkeypatch.setattr(config, "_validate", lambda self, v: validated.append(v) or real(self, v))
    before = pio.templates.default
    with charts.house_template():
        assert pio.templates.default == charts.TEMPLATE
        figures = [charts.house_figure() for _ in range(10)]
        with charts.house_template():  # nested: nothing to set
            figures.append(charts.house_figure())
    assert pio.templates.default == before
    assert len(validated) == (0 if before == charts.TEMPLATE else 2)  # set, then restored
    wanted = pio.templates[charts.TEMPLATE].layout.plot_bgcolor
    assert all(f.layout.template.layout.plot_bgcolor == wanted for f in figures)
    charts.house_figure()  # outside: set and restored around the one figure
    assert pio.templates.default == before
    assert len(validated) == (0 if before == charts.TEMPLATE else 4)


def test_the_published_areas_are_worked_out_once_while_they_are_fixed(db, monkeypatch):
    """Inside `areas_fixed` every area table reads the areas worked out on entry; outside it,
    and for another connection, they are worked out again (a table added shows)."""
    from reporting import yearbook

    calls = []
    real = yearbook._published_areas
    monkeypatch.setattr(yearbook, "_published_areas", lambda con: calls.append(con) or real(con))
    before = yearbook.published_areas(db)
    with yearbook.areas_fixed(db):
        first, second = _monthly_table(db), _monthly_table(db)
        assert yearbook.published_areas(db).equals(before)
        other = duckdb.connect()
        other.execute(f"CREATE TABLE areas AS {AREAS}")
        assert yearbook.published_areas(other).equals(before)
    assert [c is db for c in calls] == [True, True, False]  # once before, once on entry
    assert first.cells.equals(second.cells)  # the same rows, in the same order
    db.execute(
        "CREATE TABLE more AS SELECT 'commune' AS area_level, '21601' AS area_code, "
        "'Xã B2' AS area_name, '541' AS parent_code"
    )
    assert yearbook.published_areas(db)["row_key"].to_list()[-1] == "21601"
