"""What analysts open besides the marts: an HTML report (plotly, offline) and an Excel workbook
per model, built from the protected published tables only.

Both start from the same **yearbook tables** (`yearbook_tables`): the tables a provincial
statistics yearbook prints for the model — rows the province, the former districts and the 2025
communes grouped under their district; columns the years, reference dates or months; `-` where
there is nothing to show. Every figure is a published (perturbed) figure, and every page says
so (FOOTNOTE_PERTURBED). Rules that keep them honest:
- tables are printed whole (the HTML ones scroll), never cut;
- annual figures and rates come from the published yearly figures (`population_rates`,
  `public_order_yearly`, `traffic_violations_yearly`), never from sums of published months:
  perturbed tables are not additive.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import plotly.graph_objects as go
import polars as pl
from plotly.offline import get_plotlyjs

PLOTLY_JS = "plotly.min.js"
NOTHING = "-"  # no figure: no such unit in the period, or a rate without a denominator
# the protection note, in the words ONS and ABS use for the cell key method
FOOTNOTE_PERTURBED = (
    "Số liệu đã được điều chỉnh ngẫu nhiên ở mức nhỏ để bảo vệ dữ liệu cá nhân (phương pháp khóa "
    "ô): mỗi số đếm chênh lệch tối đa ±3 so với số thực, không công bố giá trị 1 và 2; cùng một "
    "nhóm người luôn có cùng một số ở mọi biểu, nhưng tổng có thể không bằng cộng các thành phần "
    "(bảng không cộng dồn); các tỷ lệ được tính từ số đã điều chỉnh."
)
FOOTNOTE_PERTURBED_EN = (
    "Figures have been randomly adjusted by small amounts to protect personal data (cell key "
    "method): each count differs from the true count by at most 3, values of 1 and 2 are never "
    "shown, and the same group of people always has the same figure in every table, but totals "
    "may not equal the sum of their parts (tables are not additive); rates are computed from the "
    "adjusted counts."
)
FOOTNOTE_DASH = "-: không có số liệu / không tính được"
SOURCE_VI = "Nguồn: Cơ sở dữ liệu quốc gia về dân cư và các cơ sở dữ liệu liên thông (Đề án 06)"

# Each domain declares its yearbook tables, report sections and source (domains/<domain>.py,
# assembled in domains/): they use the helpers below, so the registries are read at call time
# (imported inside the functions that need them; at the top it would be an import cycle).


def __getattr__(name: str):
    """The registries under their former names here (SOURCES, YEARBOOK, REPORT_SECTIONS)."""
    import domains

    if name in ("YEARBOOK", "REPORT_SECTIONS"):
        return getattr(domains, name)
    if name == "SOURCES":
        return domains.REPORT_SOURCES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ------------------------------------------------------------------ helpers on the published db
def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
        ).fetchone()[0]
    )


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
        ).fetchall()
    }


AREA_ORDER = """CASE area_level WHEN 'province' THEN 0 ELSE 1 END,
    CASE area_level WHEN 'commune' THEN parent_code ELSE area_code END,
    CASE area_level WHEN 'commune' THEN 1 ELSE 0 END, area_code"""


def public_order_yearly(con: duckdb.DuckDBPyConnection) -> str | None:
    """SQL for the yearly incidents of every area (all ICCS sections): year, months_covered,
    area columns, incidents, cleared, clearance_rate, rate_per_100k, from the published
    `public_order_yearly` (a year is never the sum of published months)."""
    if not _exists(con, "public_order_yearly"):
        return None
    return """SELECT year, months_covered, area_level, area_code, area_name, parent_code,
                   incidents, cleared, clearance_rate, rate_per_100k
            FROM public_order_yearly WHERE upper(iccs_section) = 'ALL'"""


def traffic_yearly(con: duckdb.DuckDBPyConnection) -> str | None:
    """SQL for yearly camera violations and fines of every area (all groups and vehicle types):
    year, months_covered, area columns, violations, fines_vnd, from the published
    `traffic_violations_yearly`."""
    if not _exists(con, "traffic_violations_yearly"):
        return None
    return """SELECT year, months_covered, area_level, area_code, area_name, parent_code,
                   violations, fines_vnd
            FROM traffic_violations_yearly WHERE violation_group = 'all' AND vehicle_type = 'all'"""


# ------------------------------------------------------------------ yearbook tables
@dataclass
class YearbookTable:
    """One printed table: rows the areas, columns the periods. `cells` has the area columns,
    then a value column per period."""

    sheet: str  # worksheet name (≤ 31 characters)
    title: str  # Vietnamese title, as printed
    title_en: str
    unit: str  # "Đơn vị tính"
    definition: str
    reference: str  # reference date / period note
    mart: str
    decimals: int
    periods: list  # column headers: int years, or dates
    period_kind: str  # "year", "date" (stock on a day) or "month"
    cells: pl.DataFrame
    percent: bool = False  # values are shares 0..1 shown as %

    def value(self, area_code: str, period) -> float | str | None:
        """The printed cell: a number or '-' (for tests and notebooks)."""
        row = self.cells.filter(pl.col("area_code") == area_code)
        if row.is_empty():
            return NOTHING
        v = row[str(period)][0]
        return NOTHING if v is None else v


def _areas(con, sql: str) -> str:
    """Every area of the study area, whatever the table holds: a sparse mart (no row where
    nothing happened) still prints its province, 11 former districts and 58 communes."""
    sources = [f"SELECT area_level, area_code, area_name, parent_code FROM ({sql})"]
    if _exists(con, "population_indicators"):
        sources.append(
            "SELECT area_level, area_code, area_name, parent_code FROM population_indicators"
        )
    return (
        f"SELECT area_level, area_code, any_value(area_name) AS area_name, "
        f"any_value(parent_code) AS parent_code FROM ({' UNION ALL '.join(sources)}) GROUP BY ALL"
    )


def _pivot(con, sql: str) -> tuple[list, pl.DataFrame]:
    """Long (area, period, value) rows → one row per area, a column per period,
    areas in yearbook order (province, then each district followed by its communes)."""
    areas = con.execute(
        f"SELECT *, row_number() OVER (ORDER BY {AREA_ORDER}) AS area_order FROM ({_areas(con, sql)})"
    ).pl()
    long = con.execute(f"SELECT area_code, period, value FROM ({sql})").pl()
    if long.is_empty():
        return [], long
    periods = sorted(long["period"].unique().to_list())
    long = long.with_columns(pl.col("period").cast(pl.String), pl.col("value").cast(pl.Float64))
    values = long.pivot(on="period", index="area_code", values="value")
    # a period with no row for an area: nothing to show ('-')
    return periods, areas.join(values, on="area_code", how="left").sort("area_order")


def _table(
    con,
    model: int,
    sheet: str,
    title: str,
    title_en: str,
    unit: str,
    mart: str,
    sql: str,
    definition: str,
    reference: str,
    period_kind: str,
    decimals: int = 0,
    percent: bool = False,
) -> YearbookTable | None:
    periods, cells = _pivot(con, sql)
    if not periods:
        return None
    return YearbookTable(
        sheet,
        title,
        title_en,
        unit,
        definition,
        reference,
        mart,
        decimals,
        periods,
        period_kind,
        cells,
        percent,
    )


def yearbook_tables(con: duckdb.DuckDBPyConnection, model: int) -> list[YearbookTable]:
    """The yearbook tables of a model that the published marts can fill (a source not yet
    delivered has empty marts: its tables are left out)."""
    from domains import YEARBOOK

    try:
        tables = YEARBOOK[model](con)
    except duckdb.CatalogException:  # a mart of the model is not published at all
        return []
    return [t for t in tables if t is not None]


# ------------------------------------------------------------------ number and period display
def _period_label(t: YearbookTable, p) -> str:
    if t.period_kind == "year":
        return str(p)
    if t.period_kind == "month":
        return f"{p:%m/%Y}"
    return f"{p:%d/%m/%Y}"


def vn_number(v: float, decimals: int = 0) -> str:
    """1234567.8 → '1.234.567,8' (Vietnamese: '.' groups thousands, ',' is the decimal mark)."""
    text = f"{v:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _cell_text(t: YearbookTable, v) -> str:
    if v is None:
        return NOTHING
    return vn_number(v * 100 if t.percent else v, t.decimals)


# ------------------------------------------------------------------ HTML
def write_plotly_js(folder: Path) -> None:
    """One shared copy of plotly.js beside the reports: they work without internet."""
    (folder / PLOTLY_JS).write_text(get_plotlyjs(), encoding="utf-8")


def _fig_html(fig: go.Figure, height: int = 430) -> str:
    fig.update_layout(
        template="plotly_white", height=height, margin=dict(l=60, r=20, t=60, b=40), separators=",."
    )  # Vietnamese decimal comma and thousands dot
    return fig.to_html(full_html=False, include_plotlyjs=False)


def yearbook_html(t: YearbookTable) -> str:
    """A yearbook table in HTML: every row (scrolling, never cut)."""
    head = "".join(f"<th>{_period_label(t, p)}</th>" for p in t.periods)
    body = []
    for row in t.cells.iter_rows(named=True):  # printing a table is per row by nature
        level = row["area_level"]
        cells = "".join(f"<td>{_cell_text(t, row[str(p)])}</td>" for p in t.periods)
        body.append(
            f"<tr class='{level}'><th class='area'>{html.escape(row['area_name'])}</th>{cells}</tr>"
        )
    return (
        f"<h3>{html.escape(t.title)} <small>/ {html.escape(t.title_en)}</small></h3>"
        f"<p class='unit'>Đơn vị tính: {html.escape(t.unit)} · {t.cells.height} dòng / rows</p>"
        f"<div class='scroll'><table class='yb'><thead><tr><th class='area'>Địa bàn</th>{head}"
        f"</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        f"<p class='note'>Khái niệm: {html.escape(t.definition)} {html.escape(t.reference)} "
        f"Bảng: {t.mart}. {FOOTNOTE_DASH}. {FOOTNOTE_PERTURBED}</p>"
    )


def _table_html(frame: pl.DataFrame, caption: str = "") -> str:
    """Any frame as a complete HTML table."""
    from domains.catalogue import LABELS_VI

    shown = frame.columns
    head = "".join(
        f"<th>{html.escape(LABELS_VI.get(c, c))}<br><small>{c}</small></th>" for c in shown
    )
    rows = []
    for r in frame.iter_rows(named=True):
        tds = []
        for c in shown:
            v = r[c]
            text = (
                NOTHING
                if v is None
                else vn_number(float(v), 0 if isinstance(v, (int, Decimal)) else 2)
                if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool)
                else html.escape(str(v))
            )
            tds.append(f"<td>{text}</td>")
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return (
        f"<p class='unit'>{html.escape(caption)} {frame.height} dòng / rows</p>"
        f"<div class='scroll'><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _yearbook_chart(
    t: YearbookTable, level: str, title: str, kind: str = "bar", with_province: bool = True
) -> str:
    """One trace per period (bars) or per area (lines) of a yearbook table; a missing figure is
    a gap, never a 0."""
    rows = t.cells.filter(
        pl.col("area_level").is_in(["province", level] if with_province else [level])
    )
    fig = go.Figure()
    scale = 100 if t.percent else 1
    if kind == "bar":
        for p in t.periods:
            y = [v * scale if v is not None else None for v in rows[str(p)].to_list()]
            fig.add_bar(x=rows["area_name"].to_list(), y=y, name=_period_label(t, p))
    else:
        x = [_period_label(t, p) for p in t.periods]
        for r in rows.iter_rows(named=True):
            y = [None if r[str(p)] is None else r[str(p)] * scale for p in t.periods]
            fig.add_scatter(x=x, y=y, name=r["area_name"], mode="lines+markers", connectgaps=False)
    fig.update_layout(barmode="group", title=title, yaxis_title=t.unit)
    return _fig_html(fig)


def commune_map(con, sql: str, title: str, value_label: str, decimals: int = 0) -> str:
    """A dot map of the 2025 communes (coordinates from vietnamadminunits' dataset.db) and the
    same figures as a ranked table. `sql` returns area_code, area_name, district, value. A
    commune without a figure is a hollow grey ring, never a dot of size 0."""
    from sources.admin_units import new_communes

    coords = new_communes().select(pl.col("new_commune_code").alias("area_code"), "lat", "lon")
    frame = con.execute(sql).pl().join(coords, on="area_code", how="left")
    shown = frame.filter(pl.col("value").is_not_null())
    hidden = frame.filter(pl.col("value").is_null())
    top = max(shown["value"].max() or 1, 1)
    fig = go.Figure()
    fig.add_scatter(
        x=shown["lon"],
        y=shown["lat"],
        mode="markers",
        name=value_label,
        marker=dict(
            size=(shown["value"] / top).sqrt() * 38 + 4,
            color=shown["value"],
            colorscale="YlOrRd",
            showscale=True,
            line=dict(width=0.5, color="#555"),
        ),
        text=shown["area_name"],
        customdata=shown["value"],
        hovertemplate="%{text}: %{customdata:,." + str(decimals) + "f}<extra></extra>",
    )
    fig.add_scatter(
        x=hidden["lon"],
        y=hidden["lat"],
        mode="markers+text",
        text=["-"] * hidden.height,
        name="-: không có số liệu / no figure",
        textposition="middle right",
        marker=dict(size=9, color="rgba(0,0,0,0)", line=dict(width=1.5, color="#888")),
        hovertext=hidden["area_name"],
        hoverinfo="text",
    )
    fig.update_layout(
        title=title,
        xaxis=dict(title="kinh độ / longitude"),
        yaxis=dict(title="vĩ độ / latitude", scaleanchor="x"),
        legend=dict(orientation="h", y=-0.12),
    )
    ranked = frame.sort("value", descending=True, nulls_last=True)
    ranked = ranked.with_row_index("hạng", offset=1).select(
        "hạng",
        pl.col("area_name").alias("xã, phường / commune"),
        pl.col("district").alias("huyện cũ / former district"),
        pl.col("value").alias(value_label),
    )
    return _fig_html(fig, 620) + _table_html(ranked, "Xếp hạng các xã, phường / communes ranked:")


def _pyramid_html(con) -> str:
    return (
        _fig_html(pyramid_figure(con), 520) + "<p class='note'>Chọn huyện cũ trong danh "
        "sách / choose a former district.</p>"
    )


def pyramid_figure(con) -> go.Figure:
    """Population pyramid of the province or any former district (dropdown), latest date."""
    latest = con.execute("SELECT max(ref_date) FROM population_by_age_sex").fetchone()[0]
    data = con.execute(
        f"""SELECT area_level, area_code, area_name, sex, age_group, population,
                   try_cast(regexp_extract(age_group, '^[0-9]+') AS INTEGER) AS age_from
            FROM population_by_age_sex
            WHERE ref_date = ? AND area_level IN ('province', 'district')
              AND sex <> 'Tổng' AND age_group <> 'Tổng'
            ORDER BY {AREA_ORDER}, age_from""",
        [latest],
    ).pl()
    areas = data.select("area_code", "area_name").unique(maintain_order=True)
    order = data.sort("age_from")["age_group"].unique(maintain_order=True).to_list()
    fig = go.Figure()
    per_area = 2
    for i, (code, _name) in enumerate(areas.iter_rows()):
        part = data.filter(pl.col("area_code") == code)
        for sex, sign, colour in (("Nam", -1, "#1f77b4"), ("Nữ", 1, "#d62728")):
            s = part.filter(pl.col("sex") == sex)
            fig.add_bar(
                y=s["age_group"],
                x=[v * sign for v in s["population"].to_list()],
                name=sex,
                orientation="h",
                marker_color=colour,
                visible=i == 0,
                customdata=s["population"],
                hovertemplate="%{y}: %{customdata}<extra>" + sex + "</extra>",
            )
    n = areas.height
    buttons = [
        dict(
            label=name,
            method="update",
            args=[
                {"visible": [j // per_area == i for j in range(n * per_area)]},
                {"title": f"Tháp dân số / Population pyramid: {name}, {latest:%d/%m/%Y}"},
            ],
        )
        for i, name in enumerate(areas["area_name"].to_list())
    ]
    fig.update_layout(
        barmode="relative",
        updatemenus=[dict(buttons=buttons, x=1, xanchor="right", y=1.15)],
        title=f"Tháp dân số / Population pyramid: {areas['area_name'][0]}, {latest:%d/%m/%Y}",
        yaxis=dict(categoryorder="array", categoryarray=order),
        xaxis_title="Dân số (nam bên trái) / population (males left)",
    )
    return fig


def _section_tables(tables: list[YearbookTable]) -> list[tuple[str, str]]:
    return [
        (
            "Biểu số liệu niên giám / Yearbook tables",
            "".join(
                f"<details{' open' if i == 0 else ''}><summary>{html.escape(t.sheet)}: "
                f"{html.escape(t.title)}</summary>{yearbook_html(t)}</details>"
                for i, t in enumerate(tables)
            ),
        )
    ]


CSS = """body{font-family:system-ui,sans-serif;max-width:1300px;margin:auto;padding:1em}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}
th{background:#f3f3f3}th.area{text-align:left;white-space:nowrap}
tr.province th.area{font-weight:bold}tr.district th.area{font-weight:600;background:#eef3f9}
tr.commune th.area{font-weight:normal;padding-left:1.6em;background:#fff}
.scroll{max-height:420px;overflow:auto;border:1px solid #ddd;margin-bottom:.4em}
.unit,.note{font-size:12px;color:#444}details summary{cursor:pointer;font-weight:600;margin:.3em 0}"""


def write_report(con: duckdb.DuckDBPyConnection, model: int, path: Path) -> None:
    from domains import MARTS, MODELS, REPORT_SECTIONS

    title_vi, title_en = MODELS[model]
    marts = [m.name for m in MARTS if m.model == model and _exists(con, m.name)]
    if any(con.execute(f"SELECT count(*) FROM {m}").fetchone()[0] for m in marts):
        body = "".join(
            f"<section><h2>{html.escape(name)}</h2>{content}</section>"
            for name, content in REPORT_SECTIONS[model](con)
        )
    else:  # the model's source is not delivered yet: its marts are empty
        body = (
            "<p>Chưa có số liệu: nguồn dữ liệu của mô hình này chưa được chuyển đến. / No "
            "figures yet: this model's extracts have not been delivered.</p>"
        )
    path.write_text(
        f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">
<title>Mô hình {model}: {html.escape(title_vi)}</title>
<script src="{PLOTLY_JS}"></script><style>{CSS}</style></head><body>
<h1>Mô hình {model}: {html.escape(title_vi)}<br><small>Model {model}: {html.escape(title_en)}</small></h1>
<p>Số liệu từ cơ sở dữ liệu quốc gia về dân cư (Đề án 06). {FOOTNOTE_PERTURBED} "-": không có
số liệu.</p><p>Register-based figures from the Project 06 extracts. {FOOTNOTE_PERTURBED_EN}
Generated {datetime.now():%d/%m/%Y %H:%M}.</p>
{body}</body></html>""",
        encoding="utf-8",
    )


# ------------------------------------------------------------------ Excel
# Excel stores number formats in its invariant syntax ("#,##0.0"); a Vietnamese-locale Excel
# displays them with '.' for thousands and ',' for decimals (1.234,5), as the yearbook prints.
NUM_FORMATS = {0: "#,##0", 1: "#,##0.0", 2: "#,##0.00"}


def _write_yearbook_sheet(wb, ws, t: YearbookTable, model: int, f: dict) -> None:
    from domains import MODELS
    from domains import REPORT_SOURCES as SOURCES

    n = len(t.periods)
    ws.merge_range(0, 0, 0, n, f"{t.title}", f["title"])
    ws.merge_range(1, 0, 1, n, f"{t.title_en}", f["subtitle"])
    ws.merge_range(2, 0, 2, n, f"Đơn vị tính: {t.unit}", f["unit"])
    ws.write(3, 0, "Địa bàn", f["head"])
    date_head = f["head_month"] if t.period_kind == "month" else f["head_date"]
    for j, p in enumerate(t.periods, start=1):
        if t.period_kind == "year":
            ws.write_number(3, j, p, f["head_year"])
        else:  # dates as dates
            ws.write_datetime(3, j, datetime(p.year, p.month, p.day), date_head)
    num = f[("pct" if t.percent else "num", t.decimals)]
    for i, row in enumerate(t.cells.iter_rows(named=True), start=4):
        level = row["area_level"]
        ws.write_string(i, 0, row["area_name"], f[f"area_{level}"])
        for j, p in enumerate(t.periods, start=1):
            v = row[str(p)]
            if v is None:
                ws.write_string(i, j, NOTHING, f["sup"])
            else:
                ws.write_number(i, j, float(v), num)
    last = 4 + t.cells.height
    notes = [
        f"{SOURCE_VI}; {SOURCES[model]}.",
        f"Khái niệm: {t.definition}",
        f"Thời điểm: {t.reference}",
        FOOTNOTE_DASH,
        FOOTNOTE_PERTURBED,
        f"Bảng dữ liệu gốc: {t.mart} (sheet dữ liệu phía sau).",
    ]
    for k, note in enumerate(notes, start=last + 1):
        ws.write_string(k, 0, note, f["note"])
    ws.set_column(0, 0, 34)
    ws.set_column(1, n, 9 if t.period_kind == "month" else 11)
    ws.freeze_panes(4, 1)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)  # fit to width, as many pages down as needed
    ws.repeat_rows(0, 3)
    ws.repeat_columns(0, 0)
    ws.set_header(f"&L&8{MODELS[model][0]}&R&8{t.sheet}")
    ws.set_footer("&C&8Trang &P/&N")


def _formats(wb) -> dict:
    f = {
        "inert": wb.add_format({"quote_prefix": True}),
        "title": wb.add_format({"bold": True, "font_size": 13}),
        "subtitle": wb.add_format({"italic": True, "font_color": "#555555"}),
        "unit": wb.add_format({"italic": True, "align": "right"}),
        "head": wb.add_format(
            {
                "bold": True,
                "bg_color": "#DDEBF7",
                "border": 1,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
            }
        ),
        "head_year": wb.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center", "num_format": "0"}
        ),
        "head_date": wb.add_format(
            {
                "bold": True,
                "bg_color": "#DDEBF7",
                "border": 1,
                "align": "center",
                "num_format": "dd/mm/yyyy",
            }
        ),
        "head_month": wb.add_format(
            {
                "bold": True,
                "bg_color": "#DDEBF7",
                "border": 1,
                "align": "center",
                "num_format": "mm/yyyy",
            }
        ),
        "area_province": wb.add_format({"bold": True, "border": 1}),
        "area_district": wb.add_format(
            {"bold": True, "border": 1, "indent": 1, "bg_color": "#F2F2F2"}
        ),
        "area_commune": wb.add_format({"border": 1, "indent": 2}),
        "sup": wb.add_format({"border": 1, "align": "center", "font_color": "#B00000"}),
        "note": wb.add_format({"italic": True, "font_size": 9}),
        "bold": wb.add_format(
            {"bold": True, "text_wrap": True, "bg_color": "#DDEBF7", "border": 1}
        ),
        "date": wb.add_format({"num_format": "dd/mm/yyyy"}),
    }
    for d, code in NUM_FORMATS.items():
        f[("num", d)] = wb.add_format({"border": 1, "num_format": code})
        f[("pct", d)] = wb.add_format({"border": 1, "num_format": code.replace("#,##", "") + "%"})
    for d, code in NUM_FORMATS.items():
        f[("data", d)] = wb.add_format({"num_format": code})
    return f


def write_workbook(con: duckdb.DuckDBPyConnection, model: int, path: Path) -> None:
    """One workbook per model: the yearbook tables first (the workbook opens on them), then
    the sheet 'Giới thiệu' (contents, symbols, sources), then one data sheet per mart with
    Vietnamese headers (English column name in the second header line). Strings are written as
    strings: never a formula or a link built from data."""
    import xlsxwriter

    from domains import MARTS, MODELS
    from domains import REPORT_SOURCES as SOURCES

    marts = [m for m in MARTS if m.model == model and _exists(con, m.name)]
    tables = yearbook_tables(con, model)
    options = {"remove_timezone": True, "strings_to_formulas": False, "strings_to_urls": False}
    with xlsxwriter.Workbook(str(path), options) as wb:
        f = _formats(wb)
        for t in tables:
            _write_yearbook_sheet(wb, wb.add_worksheet(t.sheet[:31]), t, model, f)
        about = wb.add_worksheet("Giới thiệu")
        title_vi, title_en = MODELS[model]
        about.write(0, 0, f"Mô hình {model}: {title_vi} / Model {model}: {title_en}", f["title"])
        lines = [
            SOURCE_VI + "; " + SOURCES[model] + ".",
            FOOTNOTE_PERTURBED,
            FOOTNOTE_PERTURBED_EN,
            FOOTNOTE_DASH,
            "Số liệu hiển thị theo định dạng số của máy (tiếng Việt: 1.234,5).",
            "Biểu niên giám / yearbook tables:",
        ]
        row = 1
        for line in lines:
            about.write_string(row, 0, line)
            row += 1
        for t in tables:
            about.write_string(row, 0, t.sheet)
            about.write_string(row, 1, f"{t.title} ({t.unit})")
            row += 1
        about.write_string(row + 1, 0, "Bảng dữ liệu / data sheets:", f["bold"])
        for i, m in enumerate(marts, start=row + 2):
            about.write_string(i, 0, m.name)
            about.write_string(i, 1, f"{m.title_vi} / {m.title_en}")
            about.write_string(i, 2, m.grain)
        about.set_column(0, 0, 30)
        about.set_column(1, 2, 60)
        for m in marts:
            _write_data_sheet(wb, m, con.execute(f"SELECT * FROM {m.name}").pl(), f)
        if tables:
            wb.worksheets()[0].activate()


def _write_data_sheet(wb, m, frame: pl.DataFrame, f: dict) -> None:
    from domains.catalogue import LABELS_VI

    ws = wb.add_worksheet(m.name[:31])
    for j, col in enumerate(frame.columns):
        ws.write_string(0, j, LABELS_VI.get(col, col), f["bold"])
        ws.write_string(1, j, col, f["bold"])
    for j, col in enumerate(frame.columns):
        series = frame[col]
        if series.dtype == pl.Date:
            for i, v in enumerate(series.to_list()):
                if v is not None:
                    ws.write_datetime(i + 2, j, datetime(v.year, v.month, v.day), f["date"])
        elif series.dtype.is_numeric():
            fmt = f[("data", 0 if series.dtype.is_integer() else 2)]
            ws.write_column(2, j, [None if v is None else float(v) for v in series.to_list()], fmt)
        else:
            # Excel's apostrophe prefix: a text starting with = + - @ stays inert when edited too
            for i, v in enumerate(series.cast(pl.String).to_list()):
                if v is not None:
                    ws.write_string(i + 2, j, v, f["inert"] if v[:1] in "=+-@" else None)
    ws.freeze_panes(2, 0)
    ws.set_column(0, max(len(frame.columns) - 1, 0), 16)
    ws.autofilter(1, 0, 1 + frame.height, max(len(frame.columns) - 1, 0))


# ------------------------------------------------------------------ catalogue for the UI
def catalogue_entry(mart) -> dict[str, str]:
    """The catalogue entry of a mart for the Dagster UI: definition (the header of its SQL
    file), grain, source and disclosure rule, in words."""
    from domains import REPORT_SOURCES as SOURCES

    sql = Path(__file__).parent / mart.sql
    header = []
    if sql.exists():
        for line in sql.read_text(encoding="utf-8").splitlines():
            if not line.startswith("--"):
                break
            header.append(line[2:].strip())
    disclosure = mart.disclosure_rule
    return {
        "definition": " ".join(header) or f"see marts/{mart.sql}",
        "grain": mart.grain,
        "source": SOURCES.get(mart.model, ""),
        "disclosure_rule": disclosure,
    }
