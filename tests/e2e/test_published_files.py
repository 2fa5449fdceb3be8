"""Every file under published/ carries protected figures only: no true count that publication
changed appears anywhere in it — tables (DuckDB, Parquet, CSV), workbooks (cells, headers,
footers), reports (HTML text and the charts' data, base64 arrays included)."""

import base64
import csv
import html
import json
import re
import zipfile
from pathlib import Path

import duckdb
import numpy as np
import openpyxl
import polars as pl
import pytest
from plotly.offline import get_plotlyjs
from python_calamine import CalamineWorkbook

from domains import MARTS

NUMBER = re.compile(r"-?\d[\d.,]*")
BDATA = re.compile(r'"dtype":\s*"([a-z0-9]+)",\s*"bdata":\s*"([^"]+)"')
HEADER_FOOTER = re.compile(r"<(?:odd|even|first)(?:Header|Footer)>(.*?)</", re.S)
HF_CODES = re.compile(r'&"[^"]*"|&\d+|&[A-Za-z&]')
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b")
BDATA_REVERSED = re.compile(r'"bdata":\s*"([^"]+)",\s*"dtype":\s*"([a-z0-9]+)"')


def _as_ints(token: str) -> set[int]:
    """Every integer a printed number can stand for: '30.534' (Vietnamese thousands), '30,534',
    '30534', '30534.0'."""
    out = set()
    digits = token.lstrip("-")
    for grouped in (".", ","):
        if re.fullmatch(rf"\d{{1,3}}(\{grouped}\d{{3}})+", digits):
            out.add(int(digits.replace(grouped, "")))
    plain = re.fullmatch(r"(\d+)(?:[.,]0+)?", digits)
    if plain:
        out.add(int(plain.group(1)))
    return out


def _bdata_ints(text: str) -> set[int]:
    found = set()
    pairs = [(d, b) for d, b in BDATA.findall(text)] + [
        (d, b) for b, d in BDATA_REVERSED.findall(text)
    ]
    for dtype, data in pairs:
        # plotly escapes '/' in its HTML as \u002f
        raw = base64.b64decode(data.replace("\\u002f", "/"))
        values = np.frombuffer(raw, dtype=np.dtype(dtype))
        found |= {int(v) for v in values if np.isfinite(v) and float(v).is_integer()}
    return found


def numbers_in(path: Path) -> set[int]:
    """The integers a file shows, however it stores them."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame = pl.read_parquet(path)
        return {
            int(v)
            for c in frame.columns
            if frame[c].dtype.is_numeric()
            for v in frame[c].drop_nulls().to_list()
            if float(v).is_integer()
        }
    if suffix == ".duckdb":
        found = set()
        with duckdb.connect(str(path), read_only=True) as con:
            for (table,) in con.execute("SHOW TABLES").fetchall():
                frame = con.execute(f'SELECT * FROM "{table}"').pl()
                for c in frame.columns:
                    if frame[c].dtype.is_numeric():
                        found |= {
                            int(v) for v in frame[c].drop_nulls().to_list() if float(v).is_integer()
                        }
                    elif frame[c].dtype == pl.String:
                        for v in frame[c].drop_nulls().unique().to_list():
                            for token in NUMBER.findall(v):
                                found |= _as_ints(token)
        return found
    if suffix == ".xlsx":
        found = set()
        # headers and footers (every kind) from the sheets' XML, their codes removed (&"font",
        # &8 the size, &P the page …); the cells, typed as stored, by calamine (a tenth of
        # openpyxl's time on the largest workbook; both give the same numbers)
        texts = []
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    xml = z.read(name).decode("utf-8")
                    for part in HEADER_FOOTER.findall(xml):
                        texts.append(HF_CODES.sub(" ", html.unescape(part)))
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False):
                for v in row:
                    if isinstance(v, (int, float)) and not isinstance(v, bool):
                        if float(v).is_integer():
                            found.add(int(v))
                    elif isinstance(v, str):
                        texts.append(v)
        for text in texts:
            for token in NUMBER.findall(text or ""):
                found |= _as_ints(token)
        return found
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    found = set()
    if suffix == ".csv":
        # a CSV writes numbers plainly ('.' decimal point, no grouping): 0.697 is a share, not
        # 697; text cells may still hold numbers in any notation
        for cell in {cell for row in csv.reader(text.splitlines()) for cell in row}:
            try:
                number = float(cell)
            except ValueError:
                for token in NUMBER.findall(cell):
                    found |= _as_ints(token)
                continue
            if number == number and number.is_integer():  # not NaN, a whole number
                found.add(int(number))
        return found
    # base64 arrays are decoded, not read as text (their letters hold digit runs)
    plain = re.sub(r'"bdata":\s*"[^"]+"', "", text)
    plain = HEX_COLOUR.sub("", plain)  # '#636efa' is plotly's blue, not 636
    for token in NUMBER.findall(plain):
        found |= _as_ints(token)
    return found | _bdata_ints(text)


def true_counts_changed(wh, pub) -> set[int]:
    """True counts (≥ 10, so distinctive, and not a year) that publication changed, and that
    no published table shows anywhere as a figure of its own."""
    changed, shown = set(), set()
    for mart in MARTS:
        p = mart.perturbation
        keys = ", ".join(p.keys)
        for column in (*p.counts, *p.magnitudes):
            rows = wh.execute(
                f"""SELECT m.{column}, x.{column} FROM marts.{mart.name} m
                    JOIN pub.{mart.name} x USING ({keys}) WHERE m.{column} IS NOT NULL"""
            ).fetchall()
            changed |= {a for a, b in rows if a != b and a >= 10 and not 1900 <= a <= 2100}
    tables = pub.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'pub'"
    ).fetchall()
    for (table,) in tables:
        frame = pub.execute(f'SELECT * FROM pub."{table}"').pl()
        for c in frame.columns:
            if frame[c].dtype.is_numeric():
                shown |= {int(v) for v in frame[c].drop_nulls().to_list() if float(v).is_integer()}
    return changed - shown


@pytest.fixture(scope="module", params=["sample_run", "other_landing_run"])
def run(request):
    """The pipeline run on each landing: the committed sample, another seed and scale."""
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="module")
def leak_candidates(run):
    with run.warehouse_db() as wh:
        wh.execute(f"ATTACH '{run.published / 'marts.duckdb'}' AS pub (READ_ONLY)")
        return true_counts_changed(wh, wh)


def test_there_are_true_counts_to_look_for(leak_candidates):
    assert len(leak_candidates) > 300  # the scan below would prove nothing otherwise


def test_no_published_file_shows_a_true_count(run, leak_candidates):
    files = [p for p in run.published.resolve().rglob("*") if p.is_file()]
    assert any(p.suffix == ".xlsx" for p in files) and any(p.suffix == ".html" for p in files)
    scanned = 0
    for path in files:
        if path.name == "plotly.min.js":  # the library itself, byte for byte
            assert path.read_text(encoding="utf-8") == get_plotlyjs()
            continue
        leaked = numbers_in(path) & leak_candidates
        assert not leaked, f"{path.name} shows {len(leaked)} true counts"
        scanned += 1
    assert scanned >= 20


def test_the_scan_finds_a_planted_true_count(leak_candidates, tmp_path):
    """The scan itself: a report that printed one true count is caught, in Vietnamese format,
    in a CSV and inside a chart's base64 array."""
    value = max(leak_candidates)
    printed = f"{value:,}".replace(",", ".")
    html = tmp_path / "report.html"
    html.write_text(f"<td>{printed}</td>", encoding="utf-8")
    assert value in numbers_in(html)
    table = tmp_path / "mart.csv"
    table.write_text(f"\ufeffarea,value,share\nX,{value},0.5\n", encoding="utf-8")
    assert value in numbers_in(table)
    data = base64.b64encode(np.array([value, 7], dtype="i8").tobytes()).decode()
    chart = tmp_path / "chart.html"
    chart.write_text(json.dumps({"y": {"dtype": "i8", "bdata": data}}), encoding="utf-8")
    assert value in numbers_in(chart)
    for where in ("cell", "header", "footer"):  # a workbook: a cell, a header, a footer
        book = openpyxl.Workbook()
        ws = book.active
        ws["A1"] = value if where == "cell" else "Biểu 1.1"
        if where == "header":
            ws.oddHeader.right.text = f"Tổng {printed} người"
            ws.oddHeader.right.size = 14
        if where == "footer":
            ws.oddFooter.center.text = f"{printed}"
        book.save(tmp_path / f"{where}.xlsx")
        found = numbers_in(tmp_path / f"{where}.xlsx")
        assert value in found and (where == "cell" or 14 not in found), where
