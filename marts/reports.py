"""HTML reports (plotly, offline) and Excel workbooks for analysts, built from the suppressed
published tables only. One report and one workbook per model."""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path

import duckdb
import plotly.graph_objects as go
import polars as pl
from plotly.offline import get_plotlyjs

from marts.catalogue import LABELS_VI, MARTS, MODELS

PLOTLY_JS = "plotly.min.js"


def write_plotly_js(folder: Path) -> None:
    """One shared copy of plotly.js beside the reports: they work without internet."""
    (folder / PLOTLY_JS).write_text(get_plotlyjs(), encoding="utf-8")


def _fig_html(fig: go.Figure) -> str:
    fig.update_layout(template="plotly_white", height=430, margin=dict(l=60, r=20, t=60, b=40))
    return fig.to_html(full_html=False, include_plotlyjs=False)


def _table_html(frame: pl.DataFrame, max_rows: int = 40) -> str:
    head = "".join(f"<th>{html.escape(LABELS_VI.get(c, c))}<br><small>{c}</small></th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{'' if v is None else html.escape(str(v))}</td>" for v in r) + "</tr>"
        for r in frame.head(max_rows).iter_rows()
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _population_sections(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    sections = []
    latest = con.execute("SELECT max(ref_date) FROM population_by_age_sex").fetchone()[0]
    pyramid = con.execute(
        """SELECT age_group, sex, population FROM population_by_age_sex
           WHERE area_level = 'province' AND ref_date = ? """, [latest]
    ).pl()
    order = pyramid.filter(pl.col("sex") == "Nam")["age_group"].to_list()
    fig = go.Figure()
    for sex, sign, colour in (("Nam", -1, "#1f77b4"), ("Nữ", 1, "#d62728")):
        part = pyramid.filter(pl.col("sex") == sex)
        fig.add_bar(y=part["age_group"], x=(part["population"].fill_null(0) * sign), name=sex,
                    orientation="h", marker_color=colour,
                    customdata=part["population"], hovertemplate="%{y}: %{customdata}<extra>" + sex + "</extra>")
    fig.update_layout(barmode="relative", title=f"Tháp dân số / Population pyramid, {latest}",
                      yaxis=dict(categoryorder="array", categoryarray=order),
                      xaxis_title="Dân số (nam bên trái) / population (males left)")
    sections.append(("Tháp dân số / Population pyramid", _fig_html(fig)))

    change = con.execute(
        """SELECT month, births, deaths, in_migrants, out_migrants FROM population_change
           WHERE area_level = 'province' ORDER BY month"""
    ).pl()
    fig = go.Figure()
    for col, label in (("births", "Sinh / births"), ("deaths", "Chết / deaths"),
                       ("in_migrants", "Nhập cư / in-migrants"), ("out_migrants", "Xuất cư / out-migrants")):
        fig.add_scatter(x=change["month"], y=change[col], mode="lines+markers", name=label)
    fig.update_layout(title="Biến động dân số hằng tháng / Monthly population change (province)")
    sections.append(("Biến động / Change", _fig_html(fig)))

    districts = con.execute(
        """SELECT area_name, population, sex_ratio, median_age, ageing_index, density_per_km2
           FROM population_indicators WHERE area_level = 'district' AND ref_date = ?
           ORDER BY population DESC NULLS LAST""", [latest]
    ).pl()
    fig = go.Figure(go.Bar(x=districts["area_name"], y=districts["population"], marker_color="#2ca02c"))
    fig.update_layout(title=f"Dân số theo huyện cũ / Population by former district, {latest}")
    sections.append(("Huyện cũ / Former districts", _fig_html(fig) + _table_html(districts)))

    rates = con.execute(
        """SELECT year, area_name, mean_population, crude_birth_rate, crude_death_rate,
                  natural_increase_rate, net_migration_rate, sex_ratio_at_birth
           FROM population_rates WHERE area_level IN ('province', 'district')
           ORDER BY year, area_level DESC, area_code"""
    ).pl()
    sections.append(("Tỷ suất / Rates", _table_html(rates)))
    return sections


REPORT_SECTIONS = {36: _population_sections}


def write_report(con: duckdb.DuckDBPyConnection, model: int, path: Path) -> None:
    title_vi, title_en = MODELS[model]
    body = "".join(
        f"<section><h2>{html.escape(name)}</h2>{content}</section>"
        for name, content in REPORT_SECTIONS[model](con)
    )
    path.write_text(
        f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">
<title>Mô hình {model}: {html.escape(title_vi)}</title>
<script src="{PLOTLY_JS}"></script>
<style>body{{font-family:system-ui,sans-serif;max-width:1100px;margin:auto;padding:1em}}
table{{border-collapse:collapse;font-size:13px}}td,th{{border:1px solid #ccc;padding:3px 6px;text-align:right}}
th{{background:#f3f3f3}}</style></head><body>
<h1>Mô hình {model}: {html.escape(title_vi)}<br><small>Model {model}: {html.escape(title_en)}</small></h1>
<p>Số liệu từ cơ sở dữ liệu quốc gia về dân cư (Đề án 06), đã ẩn các ô nhỏ (ký hiệu c).
Register-based figures from the Project 06 extracts; small cells suppressed (flag c).
Generated {datetime.now():%Y-%m-%d %H:%M}.</p>
{body}</body></html>""",
        encoding="utf-8",
    )


def write_workbook(con: duckdb.DuckDBPyConnection, model: int, path: Path) -> None:
    """One workbook per model: an about sheet, then one sheet per mart with Vietnamese headers
    (English column name in the second header line)."""
    import xlsxwriter

    marts = [m for m in MARTS if m.model == model]
    with xlsxwriter.Workbook(str(path), {"remove_timezone": True}) as wb:
        bold = wb.add_format({"bold": True, "text_wrap": True, "bg_color": "#DDEBF7", "border": 1})
        about = wb.add_worksheet("Gioi thieu")
        title_vi, title_en = MODELS[model]
        about.write(0, 0, f"Mô hình {model}: {title_vi} / Model {model}: {title_en}", bold)
        about.write(1, 0, "Ô có ký hiệu 'c' bị ẩn để bảo vệ dữ liệu cá nhân / 'c': suppressed small cell.")
        for i, m in enumerate(marts, start=3):
            about.write(i, 0, m.name)
            about.write(i, 1, f"{m.title_vi} / {m.title_en}")
            about.write(i, 2, m.grain)
        about.set_column(0, 2, 45)
        date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
        for m in marts:
            frame = con.execute(f"SELECT * FROM {m.name}").pl()
            ws = wb.add_worksheet(m.name[:31])
            for j, col in enumerate(frame.columns):
                label = LABELS_VI.get(col.removesuffix("_flag"), col)
                if col.endswith("_flag"):
                    label = f"{label} – ký hiệu"
                ws.write(0, j, label, bold)
                ws.write(1, j, col, bold)
            for j, col in enumerate(frame.columns):
                series = frame[col]
                if series.dtype == pl.Date:
                    for i, v in enumerate(series.to_list()):
                        if v is not None:
                            ws.write_datetime(i + 2, j, datetime(v.year, v.month, v.day), date_fmt)
                else:
                    ws.write_column(2, j, [v for v in series.to_list()])
            ws.freeze_panes(2, 0)
            ws.set_column(0, len(frame.columns) - 1, 16)
