"""What analysts open besides the tables does not mislead and leads everywhere: the reports
print the published (perturbed) figures and say so, every yearbook table whole; one index page
links every report, workbook, CSV and Parquet file, the dictionary and the notebooks, and says
what was published from which extracts; a CSV beside every Parquet file; a data dictionary
entry for every published column. (The operators' quality report: tests/e2e/test_quality_report.py.)"""

import re
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from domains import MARTS
from projection import OUTPUT_TABLES
from reporting import dictionary, text
from reporting.html import yearbook_html

MODELS = (36, 37, 38, 39)
REPO = Path(__file__).resolve().parents[2]
HREF = re.compile(r'href="([^"#]+)"')


@pytest.mark.parametrize("model", MODELS)
def test_reports_print_every_yearbook_row_and_the_protection_note(sample_run, yearbooks, model):
    html = (sample_run.published / "reports" / f"model_{model}.html").read_text(encoding="utf-8")
    assert '<script src="plotly.min.js"></script>' in html and "cdn.plot.ly" not in html
    assert "Xã, phường 2025" in html  # a commune-level view in every report
    assert text.FOOTNOTE_PERTURBED in html and text.FOOTNOTE_PERTURBED_EN in html
    ids = re.findall(r'<div id="([^"]+)" class="plotly-graph-div"', html)
    assert len(ids) >= 3 and len(set(ids)) == len(ids)  # each chart in an element of its own
    assert not re.search(r"\d", "".join(ids))  # no digits to be read as figures
    for t in yearbooks[model]:
        table = yearbook_html(t)
        assert table.count("<tr class=") == t.cells.height  # every row, never cut at 40
        assert table in html
        if t.small_base is not None:
            assert t.small_base.note in html


def _links(path: Path) -> set[Path]:
    text_ = path.read_text(encoding="utf-8")
    return {(path.parent / h).resolve() for h in HREF.findall(text_)}


def test_one_place_to_start_links_everything(sample_run):
    """index.html links every report, workbook, CSV and Parquet file and the dictionary; every
    page links back to it and to the others; every link leads to a published file."""
    out = sample_run.published.resolve()
    index = out / "index.html"
    wanted = {
        *(out / "reports").glob("model_*.html"),
        *(out / "excel").glob("*.xlsx"),
        *(out / "csv").glob("*.csv"),
        *(out / "parquet").glob("*.parquet"),
        out / "data_dictionary.html",
        out / "marts.duckdb",
    }
    assert len(wanted) == 4 + 4 + 2 * (len(MARTS) + len(OUTPUT_TABLES)) + 2
    assert wanted <= _links(index)
    reports = sorted((out / "reports").glob("model_*.html"))
    for page in [index, out / "data_dictionary.html", *reports]:
        links = _links(page)
        assert index in links and out / "data_dictionary.html" in links
        assert set(reports) <= links  # to each other
        assert all(p.is_file() for p in links), page.name


def test_index_says_what_was_published_from_which_extracts(sample_run, wh):
    html = (sample_run.published / "index.html").read_text(encoding="utf-8")
    files = [f for (f,) in wh.execute("SELECT source_file FROM ops.load_log").fetchall()]
    assert files and all(f in html for f in files)
    assert re.search(r"Công bố lúc / published \d{2}/\d{2}/\d{4} \d{2}:\d{2}", html)
    assert text.FOOTNOTE_PERTURBED in html and "disclosure_utility" in html
    for notebook in sorted((REPO / "notebooks").glob("*.ipynb")):
        assert f"notebooks/{notebook.name}" in html


def test_a_csv_beside_every_parquet_file(sample_run):
    out = sample_run.published
    parquets = sorted((out / "parquet").glob("*.parquet"))
    assert len(parquets) == len(MARTS) + len(OUTPUT_TABLES)  # the marts and the projection
    for parquet in parquets:
        csv = out / "csv" / f"{parquet.stem}.csv"
        raw = csv.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads Vietnamese right
        expected = pl.read_parquet(parquet)
        got = pl.read_csv(csv, schema=expected.schema)
        assert_frame_equal(got, expected, check_exact=False)


def test_every_published_column_has_a_dictionary_entry(pub):
    """Generated from the declarations and SQL headers: a published column without a label,
    unit, definition or protection fails here."""
    entries = pub.execute("SELECT * FROM data_dictionary").pl()
    assert dictionary.missing(entries) == []
    columns = pub.execute(
        """SELECT table_name, column_name FROM duckdb_columns()
           WHERE schema_name = 'main' AND database_name = current_database()"""
    ).pl()
    assert_frame_equal(
        entries.select("table_name", "column_name").sort(pl.all()),
        columns.sort(pl.all()),
    )
    for mart in MARTS:  # how each column is protected is the mart's declaration
        rows = entries.filter(pl.col("table_name") == mart.name)
        for column, protection in rows.select("column_name", "protection").iter_rows():
            assert protection == mart.perturbation.how(column)


@pytest.mark.parametrize(
    ("table", "column", "words", "standard"),
    [
        ("population_rates", "crude_birth_rate", "per 1,000 mean population", "UN DESA"),
        ("labour_indicators", "unemployment_rate", "100 × unemployed / labour_force", "ILO"),
        ("tourism_monthly", "guest_nights", "check-out date − check-in date", "IRTS 2008"),
        ("public_order_yearly", "incidents", "the year's incidents", "ICCS"),
        ("tourism_monthly", "arrivals", "stayed at least one night", "Eurostat"),
    ],
)
def test_dictionary_definitions_come_from_the_sql_headers(pub, table, column, words, standard):
    definition, cited, label = pub.execute(
        "SELECT definition, standard, label_en FROM data_dictionary "
        "WHERE table_name = ? AND column_name = ?",
        [table, column],
    ).fetchone()
    header = (REPO / "marts" / f"{table}.sql").read_text(encoding="utf-8")
    assert words in definition and words in " ".join(
        line.lstrip("- ").strip() for line in header.splitlines()
    )
    assert standard in cited and label


def test_dictionary_page_and_catalogue(sample_run, pub):
    html = (sample_run.published / "data_dictionary.html").read_text(encoding="utf-8")
    entries = pub.execute("SELECT table_name, column_name FROM data_dictionary").fetchall()
    assert html.count('<tr><th class="stub"><code>') == len(entries)
    assert text.FOOTNOTE_PERTURBED in html
    catalogue = pub.execute("SELECT mart, definitions FROM catalogue").fetchall()
    for mart, definition in catalogue:  # words analysts can read, not a repository path
        assert not definition.startswith("marts/") and mart in definition
        assert "data_dictionary" in definition and len(definition) > 80


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
