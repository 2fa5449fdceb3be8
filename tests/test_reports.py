"""Reports and workbooks do not mislead: they print the published (perturbed) figures and say
so, tables are whole, yearly figures come from the published yearly tables; workbooks open on
yearbook tables. (The operators' quality report: tests/test_quality_report.py.)"""

from datetime import datetime

import openpyxl
import polars as pl
import pytest

from domains import MARTS
from marts import reports

MODELS = (36, 37, 38, 39)


@pytest.fixture(scope="module")
def workbooks(sample_run):
    return {
        m: openpyxl.load_workbook(sample_run.published / "excel" / f"model_{m}.xlsx")
        for m in MODELS
    }


@pytest.mark.parametrize("model", MODELS)
def test_workbook_opens_on_yearbook_tables(workbooks, pub, model):
    wb = workbooks[model]
    tables = reports.yearbook_tables(pub, model)
    names = wb.sheetnames
    assert tables and names[: len(tables)] == [t.sheet for t in tables]
    assert names[len(tables)] == "Giới thiệu"
    data = [m.name for m in MARTS if m.model == model]
    assert set(names[len(tables) + 1 :]) <= set(data)
    assert wb.active.title == tables[0].sheet
    for t in tables:
        ws = wb[t.sheet]
        assert ws.freeze_panes == "B5"
        assert ws.print_title_rows == "$1:$4"
        assert (
            ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
        )
        # rows: province, 11 former districts, their 2025 communes (when published), in order
        labels = [ws.cell(r, 1).value for r in range(5, 5 + t.cells.height)]
        assert labels == t.cells["area_name"].to_list()
        levels = t.cells["area_level"].to_list()
        assert levels[0] == "province" and levels.count("district") == 11
        notes = " ".join(
            str(ws.cell(r, 1).value) for r in range(5 + t.cells.height, 12 + t.cells.height)
        )
        assert reports.FOOTNOTE_PERTURBED in notes and "Nguồn" in notes and "Thời điểm" in notes
        header = [ws.cell(4, j).value for j in range(2, 2 + len(t.periods))]
        if t.period_kind == "year":
            assert header == t.periods
        else:  # dates as dates
            assert header == [datetime(p.year, p.month, p.day) for p in t.periods]
        for i, row in enumerate(t.cells.iter_rows(named=True), start=5):
            for j, p in enumerate(t.periods, start=2):
                cell = ws.cell(i, j)
                if row[str(p)] is not None:
                    assert isinstance(cell.value, (int, float)) and cell.number_format.startswith(
                        ("#,##0", "0")
                    )
    for ws in wb.worksheets:  # nothing built from data ever becomes a formula
        assert not [c for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_yearbook_population_matches_published_and_ground_truth(pub, ground_truth):
    table = reports.yearbook_tables(pub, 36)[0]
    assert table.cells.height == 1 + 11 + 58  # province, districts, communes: never cut
    truth = ground_truth("population")["population_at"]
    published = {
        (code, ref): n
        for code, ref, n in pub.execute(
            "SELECT area_code, ref_date, population FROM population_indicators"
        ).fetchall()
    }
    for p in table.periods:
        assert table.value("52", p) == published[("52", p)]
        assert abs(table.value("52", p) - truth[str(p)]["total"]) <= 3
        for code, n in truth[str(p)]["by_district"].items():
            assert table.value(code, p) == published[(code, p)]
            assert abs(table.value(code, p) - n) <= 3


def test_yearly_incidents_come_from_the_published_year(pub, ground_truth):
    sql = reports.public_order_yearly(pub)
    yearly = pub.execute(f"SELECT * FROM ({sql})").pl()
    by_month = ground_truth("public_order")["incidents"]["by_month"]
    prov = yearly.filter(pl.col("area_level") == "province").sort("year")
    for year, n, months in prov.select("year", "incidents", "months_covered").iter_rows():
        truth = sum(v["incidents"] for k, v in by_month.items() if k.startswith(str(year)))
        assert abs(n - truth) <= 3 and months == 12
    # the rate is the year's published incidents over the year's published mean population
    rates = pub.execute(
        "SELECT year, mean_population FROM population_rates WHERE area_level = 'province'"
    ).pl()
    check = prov.join(rates, on="year")
    assert (
        (check["incidents"] * 1e5 / check["mean_population"] - check["rate_per_100k"]).abs() < 0.005
    ).all()


def test_report_pyramid_draws_the_published_cells(pub):
    fig = reports.pyramid_figure(pub)
    latest = pub.execute("SELECT max(ref_date) FROM population_by_age_sex").fetchone()[0]
    buttons = fig.layout.updatemenus[0].buttons
    assert len(buttons) == 12  # the province and any former district on choice
    province = dict(
        pub.execute(
            """SELECT sex || age_group, population FROM population_by_age_sex
               WHERE ref_date = ? AND area_level = 'province' AND sex <> 'Tổng'
                 AND age_group <> 'Tổng'""",
            [latest],
        ).fetchall()
    )
    bars = [t for t in fig.data if t.type == "bar"][:2]  # the province's men and women
    drawn = {bar.name + y: abs(x) for bar in bars for x, y in zip(bar.x, bar.y, strict=True)}
    assert drawn == province


@pytest.mark.parametrize("model", MODELS)
def test_reports_print_every_yearbook_row_and_the_protection_note(sample_run, pub, model):
    text = (sample_run.published / "reports" / f"model_{model}.html").read_text(encoding="utf-8")
    assert '<script src="plotly.min.js"></script>' in text and "cdn.plot.ly" not in text
    assert "Xã, phường 2025" in text  # a commune-level view in every report
    assert reports.FOOTNOTE_PERTURBED in text and reports.FOOTNOTE_PERTURBED_EN in text
    for t in reports.yearbook_tables(pub, model):
        html = reports.yearbook_html(t)
        assert html.count("<tr class=") == t.cells.height  # every row, never cut at 40
        assert html in text


def test_vietnamese_numbers():
    assert reports.vn_number(1234567.891, 1) == "1.234.567,9"
    assert reports.vn_number(30532) == "30.532"


def test_marts_carry_their_catalogue_entry():
    from dagster_project.definitions import defs

    specs = {s.key.path[-1]: s for s in defs.resolve_all_asset_specs() if s.key.path[0] == "marts"}
    for mart in MARTS:
        meta = specs[mart.name].metadata
        assert meta["grain"] == mart.grain
        assert mart.name in meta["definition"]
        assert "cell key method" in meta["disclosure_rule"]
        assert "Not additive" in meta["disclosure_rule"]
        assert meta["source"]
