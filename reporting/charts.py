"""Charts that cannot mislead, built from published figures only (plotly, offline).

Rules every figure here follows, and tests/e2e/test_charts.py checks against the published marts:
- a stack shows every part, and the published total beside it as its own marker: tables are
  not additive, so the stack's height (a sum of perturbed parts) is never passed off as the
  total;
- on a map, a bubble's area is proportional to its value (`sizemode='area'`, one `sizeref`
  for the chart), never a rounded ratio;
- percentages are drawn on a 0-100 scale with automatic ticks (no fixed-precision tick format
  that prints "2 %, 1 %, 1 %");
- one colour per series within a chart (an explicit palette long enough for every series; the
  published total in black);
- series are named in Vietnamese with English alongside, from reference data, never a raw code;
- the population pyramid's axis shows absolute numbers on both sides;
- a rate on a small base (`reporting.yearbook.SmallBase`) is drawn hatched or hollow and says so.

Every figure carries `layout.meta` = {"kind": …, "mart": …} so tests find and check it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl

from reporting.text import bilingual, vn_number
from reporting.yearbook import Frame, SmallBase, YearbookTable
from sources.admin_units import new_communes

# Distinct colours, enough for the largest chart (11 ICCS sections); the published total is
# always black, small bases grey.
PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
    "#393b79",
    "#ad494a",
    "#637939",
    "#8c6d31",
    "#7b4173",
    "#3182bd",
    "#e6550d",
    "#31a354",
    "#756bb1",
    "#636363",
)
TOTAL_COLOUR = "#000000"
SMALL_COLOUR = "#9e9e9e"
TOTAL_NAME = "Tổng (số công bố) / Total (published)"
STACK_NOTE = (
    "Cột chồng là các thành phần đã công bố; dấu ◆ là tổng đã công bố, có thể khác tổng các "
    "thành phần (bảng không cộng dồn). / The stacked parts are published figures; ◆ is the "
    "published total, which may differ from the sum of the parts (tables are not additive)."
)
MAP_NOTE = "Diện tích vòng tròn tỷ lệ với giá trị. / Bubble areas are proportional to the values."
BUBBLE_MAX_PX = 40  # the diameter of the largest bubble


@dataclass
class Series:
    """One series of a chart: its bilingual name, its values (and, for small-base marking,
    a flag per value)."""

    name: str
    y: Sequence
    small: Sequence[bool] | None = None


def colour(i: int) -> str:
    if i >= len(PALETTE):
        raise ValueError(f"a chart with more than {len(PALETTE)} series: split it")
    return PALETTE[i]


TEMPLATE = "plotly_white"


@contextmanager
def house_template() -> Iterator[None]:
    """Plotly's default template is the house template while the block runs (a publication's
    reports and pages), and what it was afterwards. Setting the default validates and
    deep-copies the template (20 ms each time): once for a publication, not twice per figure
    (0.8 s of a month's run at province scale)."""
    previous = pio.templates.default
    if previous == TEMPLATE:
        yield
        return
    pio.templates.default = TEMPLATE
    try:
        yield
    finally:
        pio.templates.default = previous


def house_figure(data=None) -> go.Figure:
    """A figure in the house template. The template is plotly's default while the figure is
    made (`house_template`), which plotly takes as validated already; set on each figure, it
    was validated and deep-copied every time (30 ms a figure)."""
    if pio.templates.default == TEMPLATE:
        return go.Figure(data)
    with house_template():
        return go.Figure(data)


def new_figure(title_vi: str, title_en: str, *, kind: str, mart: str, **meta) -> go.Figure:
    fig = house_figure()
    fig.update_layout(
        title=bilingual(title_vi, title_en),
        meta={"kind": kind, "mart": mart, **meta},
        separators=",.",  # Vietnamese decimal comma and thousands dot
        # above the plot: below it, the legend would cover the rotated category labels
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
        title_y=0.98,
        title_yanchor="top",
    )
    return fig


def _percent_axis(fig: go.Figure, axis: str = "yaxis", title: str = "%") -> None:
    """A percentage axis: values on the 0-100 scale, automatic ticks, a ' %' suffix."""
    fig.update_layout({axis: dict(ticksuffix=" %", title=title)})


def stacked_bars(
    title_vi: str,
    title_en: str,
    *,
    mart: str,
    x: Sequence,
    parts: list[Series],
    total: Series | None,
    y_title: str,
) -> go.Figure:
    """Parts stacked, and the published total as a black diamond of its own."""
    fig = new_figure(title_vi, title_en, kind="stack", mart=mart)
    for i, s in enumerate(parts):
        fig.add_bar(x=list(x), y=list(s.y), name=s.name, marker_color=colour(i))
    if total is not None:
        fig.add_scatter(
            x=list(x),
            y=list(total.y),
            name=total.name,
            mode="markers",
            marker=dict(symbol="diamond", size=10, color=TOTAL_COLOUR),
        )
    fig.update_layout(barmode="stack", yaxis_title=y_title)
    return fig


def lines(
    title_vi: str,
    title_en: str,
    *,
    mart: str,
    x: Sequence,
    series: list[Series],
    y_title: str,
    percent: bool = False,
) -> go.Figure:
    """One line per series; a missing figure is a gap, never a 0. `percent`: the values are
    shares 0..1, drawn as 0-100."""
    fig = new_figure(title_vi, title_en, kind="lines", mart=mart, percent=percent)
    scale = 100 if percent else 1
    for i, s in enumerate(series):
        fig.add_scatter(
            x=list(x),
            y=[None if v is None else v * scale for v in s.y],
            name=s.name,
            mode="lines+markers",
            connectgaps=False,
            line=dict(color=colour(i)),
            marker=dict(color=colour(i)),
        )
    if percent:
        _percent_axis(fig, title=y_title)
    else:
        fig.update_layout(yaxis_title=y_title)
    return fig


def bars_and_line(
    title_vi: str,
    title_en: str,
    *,
    mart: str,
    x: Sequence,
    parts: list[Series],
    total: Series,
    line: Series,
    y_title: str,
    y2_title: str,
) -> go.Figure:
    """Stacked parts with their published total (left axis) and a percentage line (right axis,
    0-100): e.g. guest-nights by origin and room occupancy."""
    fig = stacked_bars(
        title_vi, title_en, mart=mart, x=x, parts=parts, total=total, y_title=y_title
    )
    fig.layout.meta = {**fig.layout.meta, "kind": "stack_line"}
    fig.add_scatter(
        x=list(x),
        y=[None if v is None else v * 100 for v in line.y],
        name=line.name,
        yaxis="y2",
        mode="lines+markers",
        connectgaps=False,
        line=dict(color=colour(len(parts))),
        marker=dict(color=colour(len(parts))),
    )
    # ticks of its own (not synchronised with the left axis' grid, which gives '21,09 %')
    fig.update_layout(
        yaxis2=dict(
            overlaying="y", side="right", rangemode="tozero", tickmode="auto", showgrid=False
        )
    )
    _percent_axis(fig, "yaxis2", y2_title)
    return fig


def table_bars(t: YearbookTable, levels: Sequence[str], title_vi: str, title_en: str) -> go.Figure:
    """A yearbook table as grouped bars: one series per column (period), one group per row of
    the given levels. Small-base figures are hatched and say so in the hover text."""
    rows = t.cells.filter(pl.col("row_level").is_in(list(levels)))
    fig = new_figure(title_vi, title_en, kind="table_bars", mart=t.mart, table=t.id)
    scale = 100 if t.percent else 1
    for i, c in enumerate(t.columns):
        y = [None if v is None else v * scale for v in rows[c.key].to_list()]
        small = (
            rows[f"{c.key}__small"].fill_null(False).to_list()
            if t.small_base is not None
            else [False] * rows.height
        )
        name = c.label + (f" ({c.sub_label})" if c.sub_label else "")
        fig.add_bar(
            x=rows["row_label"].to_list(),
            y=y,
            name=name,
            marker=dict(color=colour(i), pattern=dict(shape=["/" if s else "" for s in small])),
            customdata=["cơ số nhỏ / small base" if s else "" for s in small],
            hovertemplate="%{x}: %{y:,."
            + str(t.decimals)
            + "f} %{customdata}<extra>"
            + name
            + "</extra>",
        )
    fig.update_layout(barmode="group")
    if t.percent:
        _percent_axis(fig, title=t.unit)
    else:
        fig.update_layout(yaxis_title=t.unit)
    return fig


def communes() -> pl.DataFrame:
    """Every 2025 commune of the study area with its name, former district and coordinates
    (vietnamadminunits' dataset, public reference data)."""
    return new_communes().select(
        pl.col("new_commune_code").alias("area_code"),
        pl.col("new_commune_name").alias("reference_name"),
        pl.col("district_name").alias("reference_district"),
        "lat",
        "lon",
    )


def commune_map(
    data: pl.DataFrame,
    title_vi: str,
    title_en: str,
    *,
    mart: str,
    value_label: str,
    decimals: int = 0,
    small_base: SmallBase | None = None,
) -> tuple[go.Figure, Frame]:
    """A dot map of every 2025 commune and the same figures as a table sorted by value (no rank
    numbers: with perturbed figures and small bases, a rank says less than the figure).
    `data` has area_code, area_name, district, value (and `small` with a `small_base`). A
    bubble's area is proportional to its value; a commune without a figure (or without a row
    in `data`) is a hollow ring with '-', a small-base commune a hollow circle of its value's
    size."""
    frame = (
        communes()
        .join(data, on="area_code", how="left")
        .with_columns(
            pl.coalesce("area_name", "reference_name").alias("area_name"),
            pl.coalesce("district", "reference_district").alias("district"),
        )
    )
    if "small" not in frame.columns:
        frame = frame.with_columns(pl.lit(False).alias("small"))
    frame = frame.with_columns(pl.col("small").fill_null(False))
    shown = frame.filter(pl.col("value").is_not_null())
    top = max(float(shown["value"].max() or 0), 1e-9)
    sizeref = 2.0 * top / BUBBLE_MAX_PX**2
    reliable = shown.filter(~pl.col("small"))
    fig = new_figure(title_vi, title_en, kind="map", mart=mart)
    hover = "%{text}: %{customdata:,." + str(decimals) + "f}"
    fig.add_scatter(
        x=reliable["lon"].to_list(),
        y=reliable["lat"].to_list(),
        mode="markers",
        name=value_label,
        marker=dict(
            size=reliable["value"].to_list(),
            sizemode="area",
            sizeref=sizeref,
            sizemin=2,
            color=reliable["value"].to_list(),
            colorscale="YlOrRd",
            showscale=True,
            line=dict(width=0.5, color="#555"),
        ),
        text=reliable["area_name"].to_list(),
        customdata=reliable["value"].to_list(),
        hovertemplate=hover + "<extra></extra>",
    )
    if small_base is not None:
        small = shown.filter(pl.col("small"))
        fig.add_scatter(
            x=small["lon"].to_list(),
            y=small["lat"].to_list(),
            mode="markers",
            name=f"Cơ số nhỏ / small base (< {small_base.threshold:,} {small_base.unit_en})",
            marker=dict(
                size=small["value"].to_list(),
                sizemode="area",
                sizeref=sizeref,
                sizemin=2,
                symbol="circle-open",
                color=SMALL_COLOUR,
                line=dict(width=1.5),
            ),
            text=small["area_name"].to_list(),
            customdata=small["value"].to_list(),
            hovertemplate=hover + " (cơ số nhỏ / small base)<extra></extra>",
        )
    hidden = frame.filter(pl.col("value").is_null())
    fig.add_scatter(
        x=hidden["lon"].to_list(),
        y=hidden["lat"].to_list(),
        mode="markers+text",
        text=["-"] * hidden.height,
        name="Không có số liệu / no figure",
        textposition="middle right",
        marker=dict(size=9, color="rgba(0,0,0,0)", line=dict(width=1.5, color=SMALL_COLOUR)),
        hovertext=hidden["area_name"].to_list(),
        hoverinfo="text",
    )
    fig.update_layout(
        xaxis=dict(title="kinh độ / longitude"),
        yaxis=dict(title="vĩ độ / latitude", scaleanchor="x"),
    )
    listed = frame.sort("value", "area_name", descending=[True, False], nulls_last=True).select(
        "area_name", "district", "value", *(["small"] if small_base is not None else [])
    )
    table = Frame(
        listed,
        "Các xã, phường theo giá trị giảm dần / communes by value, highest first",
        labels={
            "area_name": "Xã, phường / commune",
            "district": "Huyện cũ / former district",
            "value": value_label,
        },
        decimals={"value": decimals},
        small={"value": "small"} if small_base is not None else {},
        notes=(small_base.note,) if small_base is not None else (),
    )
    return fig, table


def _nice_step(top: float) -> float:
    """A round step giving at most 5 ticks up to `top`."""
    if top <= 0:
        return 1.0
    raw = top / 5
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * power >= raw:
            return m * power
    return 10 * power


def symmetric_ticks(top: float) -> tuple[list[float], list[str]]:
    """Tick values from -top to top and their labels as absolute numbers (a pyramid's males
    are drawn to the left, as negative values, but nobody is -1,000 persons)."""
    step = _nice_step(top)
    n = max(1, math.ceil(top / step))
    values = [k * step for k in range(-n, n + 1)]
    return values, [vn_number(abs(v)) for v in values]


def pyramid(data: pl.DataFrame, date_label: str, *, mart: str) -> go.Figure:
    """Population pyramid of several areas (a drop-down chooses one). `data`: area_code,
    area_name, sex ('Nam'/'Nữ'), age_group, age_from, population, in the order to offer."""
    areas = data.select("area_code", "area_name").unique(maintain_order=True)
    order = data.sort("age_from")["age_group"].unique(maintain_order=True).to_list()
    fig = new_figure("Tháp dân số", "Population pyramid", kind="pyramid", mart=mart)
    sexes = (("Nam", "Nam / Male", -1, colour(0)), ("Nữ", "Nữ / Female", 1, colour(1)))
    ticks = []
    for i, code in enumerate(areas["area_code"].to_list()):
        part = data.filter(pl.col("area_code") == code)
        ticks.append(symmetric_ticks(float(part["population"].max() or 0)))
        for sex, name, sign, col in sexes:
            s = part.filter(pl.col("sex") == sex)
            fig.add_bar(
                y=s["age_group"].to_list(),
                x=[v * sign for v in s["population"].to_list()],
                name=name,
                orientation="h",
                marker_color=col,
                visible=i == 0,
                legendgroup=sex,
                customdata=s["population"].to_list(),
                hovertemplate="%{y}: %{customdata:,}<extra>" + name + "</extra>",
            )
    n = areas.height
    names = areas["area_name"].to_list()
    buttons = [
        dict(
            label=name,
            method="update",
            args=[
                {"visible": [j // 2 == i for j in range(n * 2)]},
                {
                    "title": f"Tháp dân số / Population pyramid: {name}, {date_label}",
                    "xaxis.tickvals": ticks[i][0],
                    "xaxis.ticktext": ticks[i][1],
                },
            ],
        )
        for i, name in enumerate(names)
    ]
    _pyramid_layout(
        fig, buttons, f"Tháp dân số / Population pyramid: {names[0]}, {date_label}", order, ticks[0]
    )
    return fig


def _pyramid_layout(
    fig: go.Figure, buttons: list[dict], title: str, ages: list[str], ticks: tuple[list, list]
) -> None:
    """A pyramid's layout: bars from the middle, the area drop-down, the age groups in order
    upwards and the first area's ticks (absolute numbers on both sides)."""
    fig.update_layout(
        barmode="relative",
        updatemenus=[dict(buttons=buttons, x=1, xanchor="right", y=1.15)],
        title=title,
        yaxis=dict(categoryorder="array", categoryarray=ages, title="Nhóm tuổi / age group"),
        xaxis=dict(
            title="Dân số (nam bên trái, nữ bên phải) / population (males left, females right)",
            tickvals=ticks[0],
            ticktext=ticks[1],
        ),
    )


BAND_COLOUR = "rgba(31,119,180,0.2)"  # the 80 % interval: the projection's colour, faded
FAN_NOTE = (
    "Dự báo / projection: đường nét đứt là dân số dự báo ngày 01/01 hằng năm, vùng tô là khoảng "
    "80 %; đường liền là dân số đã công bố. / Dashed: the projected population on each 1 "
    "January; shaded: its 80 % interval; solid: the published population."
)


def _area_buttons(names: list[str], per_area: int, title: str, extra: list[dict]) -> list[dict]:
    n = len(names)
    return [
        dict(
            label=name,
            method="update",
            args=[
                {"visible": [j // per_area == i for j in range(n * per_area)]},
                {"title": f"{title}: {name}", **extra[i]},
            ],
        )
        for i, name in enumerate(names)
    ]


def fan(history: pl.DataFrame, projected: pl.DataFrame, *, mart: str, base_label: str) -> go.Figure:
    """The projected population of several areas (a drop-down chooses one) with its 80 %
    interval, after the published stocks. `history`: area_code, area_name, ref_date, population
    (published); `projected`: area_code, area_name, ref_date, projected_population, lower_80,
    upper_80 (both sexes, all ages), in the order to offer."""
    title = f"Dự báo dân số / Population projection (gốc / base {base_label})"
    fig = new_figure(title, "", kind="fan", mart=mart)
    areas = projected.select("area_code", "area_name").unique(maintain_order=True)
    for i, code in enumerate(areas["area_code"].to_list()):
        past = history.filter(pl.col("area_code") == code).sort("ref_date")
        ahead = projected.filter(pl.col("area_code") == code).sort("ref_date")
        # the band starts at the last published stock, where the projection starts
        start = past.tail(1)
        x_band = start["ref_date"].to_list() + ahead["ref_date"].to_list()
        low = start["population"].to_list() + ahead["lower_80"].to_list()
        high = start["population"].to_list() + ahead["upper_80"].to_list()
        visible = i == 0
        fig.add_scatter(
            x=x_band, y=high, mode="lines", line=dict(width=0, color=BAND_COLOUR),
            name="Cận trên 80 % / upper 80 %", visible=visible, showlegend=False,
        )  # fmt: skip
        fig.add_scatter(
            x=x_band, y=low, mode="lines", line=dict(width=0, color=BAND_COLOUR),
            fill="tonexty", fillcolor=BAND_COLOUR, name="Khoảng 80 % / 80 % interval",
            visible=visible,
        )  # fmt: skip
        fig.add_scatter(
            x=x_band,
            y=start["population"].to_list() + ahead["projected_population"].to_list(),
            mode="lines+markers", line=dict(dash="dash", color=colour(0)),
            name="Dự báo / projection", visible=visible,
        )  # fmt: skip
        fig.add_scatter(
            x=past["ref_date"].to_list(), y=past["population"].to_list(), mode="lines+markers",
            line=dict(color=TOTAL_COLOUR), name="Đã công bố / published", visible=visible,
        )  # fmt: skip
    names = areas["area_name"].to_list()
    fig.update_layout(
        updatemenus=[
            dict(
                buttons=_area_buttons(names, 4, title, [{}] * len(names)),
                x=1,
                xanchor="right",
                y=1.15,
            )
        ],  # fmt: skip
        title=f"{title}: {names[0]}",
        yaxis_title="Người / persons",
        xaxis_title="Ngày 01/01 / 1 January",
    )
    return fig


def pyramid_compared(data: pl.DataFrame, *, mart: str, then: str, now: str) -> go.Figure:
    """The projected pyramid (bars) over today's published one (black outlines), for several
    areas (a drop-down chooses one). `data`: area_code, area_name, sex, age_group, age_from,
    projected, published."""
    title = f"Tháp dân số {then} (dự báo) so với {now} / Population pyramid {then} (projection) and {now}"
    fig = new_figure(title, "", kind="pyramid_compared", mart=mart)
    areas = data.select("area_code", "area_name").unique(maintain_order=True)
    order = data.sort("age_from")["age_group"].unique(maintain_order=True).to_list()
    sexes = (
        ("Nam", "Nam / Male", -1, colour(0), colour(10)),
        ("Nữ", "Nữ / Female", 1, colour(1), colour(11)),
    )
    ticks = []
    for i, code in enumerate(areas["area_code"].to_list()):
        part = data.filter(pl.col("area_code") == code)
        top = max(float(part["projected"].max() or 0), float(part["published"].max() or 0))
        ticks.append(symmetric_ticks(top))
        for sex, name, sign, col, outline in sexes:
            s = part.filter(pl.col("sex") == sex).sort("age_from")
            fig.add_bar(
                y=s["age_group"].to_list(), x=[v * sign for v in s["projected"].to_list()],
                name=f"{name}, {then} (dự báo / projection)", orientation="h", marker_color=col,
                visible=i == 0, customdata=s["projected"].to_list(),
                hovertemplate="%{y}: %{customdata:,}<extra></extra>",
            )  # fmt: skip
            fig.add_scatter(
                y=s["age_group"].to_list(), x=[v * sign for v in s["published"].to_list()],
                name=f"{name}, {now} (đã công bố / published)", mode="lines+markers",
                line=dict(color=outline, shape="hvh"), marker=dict(size=4),
                visible=i == 0, customdata=s["published"].to_list(),
                hovertemplate="%{y}: %{customdata:,}<extra></extra>",
            )  # fmt: skip
    names = areas["area_name"].to_list()
    extra = [{"xaxis.tickvals": t[0], "xaxis.ticktext": t[1]} for t in ticks]
    _pyramid_layout(
        fig, _area_buttons(names, 4, title, extra), f"{title}: {names[0]}", order, ticks[0]
    )
    return fig


def figure_html(fig: go.Figure, height: int = 450, div_id: str | None = None) -> str:
    """A figure as an HTML fragment (plotly.js is loaded once by the page). `div_id`: the
    element's id (plotly's default is a random UUID, whose digits read as numbers)."""
    named = len({t.name for t in fig.data if t.showlegend is not False})
    # a legend above the plot needs room for its rows
    top = 90 + 24 * math.ceil(named / 2) if fig.layout.legend.orientation == "h" else 80
    fig.update_layout(height=height + top - 80, margin=dict(l=60, r=40, t=top, b=60))
    return fig.to_html(
        full_html=False, include_plotlyjs=False, config={"displaylogo": False}, div_id=div_id
    )
