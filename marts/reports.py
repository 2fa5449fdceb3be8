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


# --------------------------------------------------------------- model 39 (public order)
def _public_order_sections(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Incidents by ICCS section over time, rates per 100,000 by former district, clearance,
    and camera violations by group (all from the suppressed published marts)."""
    sections = []
    by_section = con.execute(
        """SELECT month, iccs_section || ' ' || iccs_section_name AS section, incidents
           FROM public_order_monthly
           WHERE area_level = 'province' AND iccs_section <> 'ALL' ORDER BY month, section"""
    ).pl()
    fig = go.Figure()
    for name in by_section["section"].unique(maintain_order=True).to_list():
        part = by_section.filter(pl.col("section") == name)
        fig.add_bar(x=part["month"], y=part["incidents"], name=name)
    fig.update_layout(barmode="stack", legend=dict(font=dict(size=10)),
                      title="Vụ việc theo nhóm tội phạm ICCS / Incidents by ICCS section (province)")
    sections.append(("Vụ việc theo nhóm ICCS / Incidents by ICCS section", _fig_html(fig)))

    districts = con.execute(
        """SELECT area_name, year(month) AS year, sum(incidents) AS incidents,
                  round(sum(incidents) * 100000.0 / avg(population_start) / count(*) * 12, 1)
                      AS rate_per_100k_year,
                  round(sum(cleared) / sum(incidents), 3) AS clearance_rate,
                  count(*) FILTER (WHERE incidents IS NULL) AS suppressed_months
           FROM public_order_monthly
           WHERE area_level IN ('province', 'district') AND iccs_section = 'ALL'
           GROUP BY ALL ORDER BY year, area_name"""
    ).pl()
    fig = go.Figure()
    for year in districts["year"].unique().sort().to_list():
        part = districts.filter(pl.col("year") == year)
        fig.add_bar(x=part["area_name"], y=part["rate_per_100k_year"], name=str(year))
    fig.update_layout(barmode="group", yaxis_title="vụ / 100.000 dân / per 100,000",
                      title="Số vụ trên 100.000 dân theo huyện cũ / Incidents per 100,000 "
                      "population by former district (annualised)")
    sections.append((
        "Tỷ lệ trên 100.000 dân / Rate per 100,000",
        _fig_html(fig) + "<p>Months with a suppressed count are left out of the sums "
        "(suppressed_months).</p>" + _table_html(districts),
    ))

    monthly = con.execute(
        """SELECT month, incidents, cleared, clearance_rate, rate_per_100k
           FROM public_order_monthly WHERE area_level = 'province' AND iccs_section = 'ALL'
           ORDER BY month"""
    ).pl()
    fig = go.Figure()
    fig.add_scatter(x=monthly["month"], y=monthly["rate_per_100k"], name="Số vụ / 100.000 dân",
                    mode="lines+markers")
    fig.add_scatter(x=monthly["month"], y=monthly["clearance_rate"], name="Tỷ lệ làm rõ",
                    mode="lines+markers", yaxis="y2")
    fig.update_layout(title="Tỷ lệ trên 100.000 dân và tỷ lệ làm rõ / Rate and clearance (province)",
                      yaxis2=dict(overlaying="y", side="right", range=[0, 1]))
    sections.append(("Tỷ lệ làm rõ / Clearance", _fig_html(fig)))

    viol = con.execute(
        """SELECT month, violation_group, sum(violations) AS violations,
                  sum(fines_vnd) AS fines_vnd
           FROM traffic_violations_monthly WHERE area_level = 'province'
           GROUP BY ALL ORDER BY month, violation_group"""
    ).pl()
    fig = go.Figure()
    for grp in viol["violation_group"].unique().sort().to_list():
        part = viol.filter(pl.col("violation_group") == grp)
        fig.add_scatter(x=part["month"], y=part["violations"], name=grp, mode="lines")
    fig.update_layout(title="Vi phạm giao thông qua camera theo nhóm / Camera violations by group "
                      "(province)")
    totals = con.execute(
        """SELECT year(month) AS year, vehicle_type, sum(violations) AS violations,
                  sum(fines_vnd) AS fines_vnd,
                  round(sum(paid_share * violations) / sum(violations), 3) AS paid_share
           FROM traffic_violations_monthly WHERE area_level = 'province'
           GROUP BY ALL ORDER BY year, vehicle_type"""
    ).pl()
    sections.append(("Vi phạm giao thông / Traffic violations", _fig_html(fig) + _table_html(totals)))
    return sections


REPORT_SECTIONS[39] = _public_order_sections


# --- model 37 (labour situation) ---
def _labour_sections(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Register-based labour figures: rates by sex, employment by broad sector, districts."""
    note = ("<p><b>Số liệu từ cơ sở dữ liệu (đăng ký), không phải điều tra lao động việc làm.</b> "
            "Register-based figures, not labour force survey estimates (ILO 19th ICLS, age 15+).</p>")
    sections = []
    rates = con.execute(
        """SELECT year, sex, labour_force_participation_rate, unemployment_rate,
                  informal_employment_rate FROM labour_indicators
           WHERE area_level = 'province' AND age_band = 'Tổng' ORDER BY year, sex"""
    ).pl()
    fig = go.Figure()
    for col, label in (("labour_force_participation_rate", "Tham gia LLLĐ / participation"),
                       ("unemployment_rate", "Thất nghiệp / unemployment"),
                       ("informal_employment_rate", "Phi chính thức / informal")):
        part = rates.filter(pl.col("sex") != "Tổng")
        fig.add_bar(x=[f"{y} {s}" for y, s in zip(part["year"], part["sex"])], y=part[col], name=label)
    fig.update_layout(barmode="group", title="Các tỷ lệ chính theo giới tính (%) / Key rates by sex")
    sections.append(("Tỷ lệ / Rates", note + _fig_html(fig) + _table_html(rates)))

    sector = con.execute(
        """SELECT year, broad_sector_name, sum(employed) AS employed FROM employment_by_sector
           WHERE area_level = 'province' AND sex = 'Tổng' GROUP BY ALL ORDER BY year, 2"""
    ).pl()
    fig = go.Figure()
    for name in sector["broad_sector_name"].unique(maintain_order=True).to_list():
        part = sector.filter(pl.col("broad_sector_name") == name)
        fig.add_bar(x=part["year"].cast(pl.String), y=part["employed"], name=name)
    fig.update_layout(barmode="stack", title="Lao động có việc làm theo khu vực kinh tế / Employment by broad sector")
    sections.append(("Khu vực kinh tế / Sectors", _fig_html(fig)))

    districts = con.execute(
        """SELECT year, area_name, working_age_population, labour_force, employed, unemployed,
                  labour_force_participation_rate, unemployment_rate, informal_employment_rate
           FROM labour_indicators
           WHERE area_level = 'district' AND sex = 'Tổng' AND age_band = 'Tổng'
           ORDER BY year, area_code"""
    ).pl()
    youth = con.execute(
        """SELECT year, sex, youth_population, youth_labour_force, youth_unemployed,
                  youth_unemployment_rate, youth_neet, neet_rate
           FROM youth_indicators WHERE area_level = 'province' ORDER BY year, sex"""
    ).pl()
    sections.append(("Huyện cũ / Former districts", _table_html(districts)))
    sections.append(("Thanh niên / Youth", _table_html(youth)))
    return sections


REPORT_SECTIONS[37] = _labour_sections


# --------------------------------------------------------------- model 38 (tourism through lodging)
def _lodging_sections(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    sections = []
    season = con.execute(
        """SELECT month, guest_origin, arrivals, guest_nights, average_length_of_stay,
                  room_occupancy_rate
           FROM tourism_monthly
           WHERE area_level = 'province' AND establishment_type = 'all' ORDER BY month"""
    ).pl()
    fig = go.Figure()
    for origin, label in (("domestic", "Khách nội địa / domestic"),
                          ("international", "Khách quốc tế / international")):
        part = season.filter(pl.col("guest_origin") == origin)
        fig.add_bar(x=part["month"], y=part["guest_nights"], name=label)
    total = season.filter(pl.col("guest_origin") == "all")
    fig.add_scatter(x=total["month"], y=total["room_occupancy_rate"], name="Công suất phòng / occupancy",
                    yaxis="y2", mode="lines+markers")
    fig.update_layout(barmode="stack",
                      title="Tính mùa vụ: đêm lưu trú và công suất phòng / Seasonality: guest-nights "
                      "and room occupancy (province)",
                      yaxis=dict(title="Đêm lưu trú / guest-nights"),
                      yaxis2=dict(title="Công suất / occupancy", overlaying="y", side="right",
                                  tickformat=".0%"))
    sections.append(("Tính mùa vụ / Seasonality", _fig_html(fig) + _table_html(total)))

    types = con.execute(
        """SELECT establishment_type, sum(arrivals) AS arrivals, sum(guest_nights) AS guest_nights
           FROM tourism_monthly
           WHERE area_level = 'province' AND guest_origin = 'all' AND establishment_type <> 'all'
           GROUP BY 1 ORDER BY guest_nights DESC NULLS LAST"""
    ).pl()
    fig = go.Figure(go.Bar(x=types["establishment_type"], y=types["guest_nights"], marker_color="#2ca02c"))
    fig.update_layout(title="Đêm lưu trú theo loại hình cơ sở / Guest-nights by establishment type")
    sections.append(("Loại hình / Establishment types", _fig_html(fig)))

    nat = con.execute(
        """SELECT nationality, sum(arrivals) AS arrivals, sum(guest_nights) AS guest_nights
           FROM tourism_by_nationality WHERE nationality <> 'VNM'
           GROUP BY 1 ORDER BY arrivals DESC NULLS LAST LIMIT 15"""
    ).pl()
    fig = go.Figure(go.Bar(x=nat["nationality"], y=nat["arrivals"], marker_color="#ff7f0e"))
    fig.update_layout(title="Khách quốc tế theo quốc tịch / International arrivals by nationality")
    sections.append(("Quốc tịch / Nationality", _fig_html(fig)))

    late = con.execute(
        """SELECT month, notifications, late_notifications, late_share FROM lodging_compliance
           WHERE area_level = 'province' AND establishment_type = 'all' ORDER BY month"""
    ).pl()
    fig = go.Figure(go.Scatter(x=late["month"], y=late["late_share"], mode="lines+markers"))
    fig.update_layout(title="Tỷ lệ thông báo lưu trú quá hạn / Share of late notifications",
                      yaxis=dict(tickformat=".1%"))
    sections.append(("Chấp hành / Compliance", _fig_html(fig)))
    return sections


REPORT_SECTIONS[38] = _lodging_sections


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
    # formulas and URLs off: a text cell is text, whatever it starts with
    options = {"remove_timezone": True, "strings_to_formulas": False, "strings_to_urls": False}
    with xlsxwriter.Workbook(str(path), options) as wb:
        # Excel's apostrophe prefix: a text starting with = + - @ stays inert when edited too
        inert = wb.add_format({"quote_prefix": True})
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
                elif series.dtype == pl.String:
                    for i, v in enumerate(series.to_list()):
                        if v is not None:
                            ws.write_string(i + 2, j, v, inert if v[:1] in "=+-@" else None)
                else:
                    ws.write_column(2, j, [v for v in series.to_list()])
            ws.freeze_panes(2, 0)
            ws.set_column(0, len(frame.columns) - 1, 16)
