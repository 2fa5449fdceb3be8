"""Every chart of the reports checked against the published mart it draws (issue 19, item 1):
no missing part in a stack, the published total beside it; bubble areas proportional to the
values; no fixed-precision ticks; one colour per series; bilingual names from reference data,
never a raw code; a pyramid without negative labels; small bases marked; no rank numbers."""

import re

import plotly.graph_objects as go
import polars as pl
import pytest

import domains
from reporting import charts
from reporting.yearbook import Frame

MODELS = (36, 37, 38, 39)
DOMAIN = {d.MODEL: d for d in domains.DOMAINS}
PERIOD = re.compile(r"^(\d{4}|\d{2}/\d{2}/\d{4}|\d{2}/\d{4})\b")
RAW_CODE = re.compile(r"^[A-Z][A-Z_]{2,}$")


@pytest.fixture(scope="module")
def sections(pub, yearbooks):
    return {m: DOMAIN[m].REPORT_SECTIONS(pub, yearbooks[m]) for m in MODELS}


@pytest.fixture(scope="module")
def figures(sections):
    return {
        m: [b for s in sections[m] for b in s.blocks if isinstance(b, go.Figure)] for m in MODELS
    }


def _kind(figures, model, kind, mart=None) -> list[go.Figure]:
    found = [
        f
        for f in figures[model]
        if f.layout.meta["kind"] == kind and (mart is None or f.layout.meta["mart"] == mart)
    ]
    assert found, f"no {kind} chart of {mart or 'any mart'} in model {model}"
    return found


def _colour(trace):
    marker = getattr(trace, "marker", None)
    line = getattr(trace, "line", None)
    if trace.type == "scatter" and trace.mode and "lines" in trace.mode:
        return line.color
    return marker.color if isinstance(marker.color, str) else None


@pytest.mark.parametrize("model", MODELS)
def test_every_chart_follows_the_rules(figures, pub, model):
    tables = {t for (t,) in pub.execute("SHOW TABLES").fetchall()}
    assert len(figures[model]) >= 3
    for fig in figures[model]:
        meta = fig.layout.meta
        assert meta["mart"] in tables  # drawn from a published mart
        assert " / " in fig.layout.title.text  # Vietnamese with English alongside
        colours: dict[str, str] = {}
        for trace in fig.data:
            if trace.showlegend is False or not trace.name:
                continue
            name = trace.name
            assert not RAW_CODE.match(name), name
            assert " / " in name or PERIOD.match(name), name  # bilingual, or a period
            if meta["kind"] in ("map",):
                continue  # a colour scale, a grey ring: not series colours
            colour = _colour(trace)
            assert colour, f"{name}: no explicit colour"
            colours.setdefault(name, colour)
            assert colours[name] == colour
        assert len(set(colours.values())) == len(colours), f"two series share a colour: {colours}"
        for axis, ax in fig.layout.to_plotly_json().items():
            if axis.startswith(("xaxis", "yaxis")):
                assert "tickformat" not in ax, f"{axis} has a fixed tick format"
        if meta.get("percent") or meta["kind"] == "stack_line":
            axis = fig.layout.yaxis2 if meta["kind"] == "stack_line" else fig.layout.yaxis
            assert axis.ticksuffix == " %"  # drawn 0-100 with automatic ticks


def _series(fig) -> dict[str, list]:
    return {t.name: list(t.y) for t in fig.data}


def _by_x(pub, sql: str, x: list) -> list:
    found = dict(pub.execute(sql).fetchall())
    return [found.get(v) for v in x]


def test_sector_stack_has_every_broad_sector_and_the_published_total(figures, pub):
    (fig,) = _kind(figures, 37, "stack", "employment_by_sector")
    years = [int(x) for x in fig.data[0].x]
    assert years == [
        y
        for (y,) in pub.execute(
            "SELECT DISTINCT year FROM employment_by_sector ORDER BY 1"
        ).fetchall()
    ]
    names = dict(
        pub.execute(
            """SELECT DISTINCT vsic_section, broad_sector_name || ' / ' || ? FROM employment_by_sector
               WHERE vsic_section = 'A'
               UNION ALL SELECT DISTINCT vsic_section, broad_sector_name || ' / ' || ?
               FROM employment_by_sector WHERE vsic_section = 'B-F'
               UNION ALL SELECT DISTINCT vsic_section, broad_sector_name || ' / ' || ?
               FROM employment_by_sector WHERE vsic_section = 'G-U'""",
            ["Agriculture, forestry and fishing", "Industry and construction", "Services"],
        ).fetchall()
    ) | {"Tổng": charts.TOTAL_NAME}
    series = _series(fig)
    assert set(series) == set(names.values())  # the three broad sectors and the total
    for code, name in names.items():
        published = _by_x(
            pub,
            f"""SELECT year, employed FROM employment_by_sector WHERE area_level = 'province'
                AND sex = 'Tổng' AND vsic_section = '{code}'""",
            years,
        )
        assert series[name] == published and None not in published  # no missing part


def test_iccs_stack_has_every_section_and_the_published_total(figures, pub):
    (fig,) = _kind(figures, 39, "stack", "public_order_monthly")
    months = list(fig.data[0].x)
    codes = [
        c
        for (c,) in pub.execute(
            "SELECT DISTINCT iccs_section FROM public_order_monthly WHERE upper(iccs_section) <> 'ALL' ORDER BY 1"
        ).fetchall()
    ]
    bars = [t for t in fig.data if t.type == "bar"]
    assert [t.name.split(" ")[0] for t in bars] == codes  # every section, none left out
    for code, bar in zip(codes, bars, strict=True):
        assert list(bar.y) == _by_x(
            pub,
            f"""SELECT month, incidents FROM public_order_monthly
                WHERE area_level = 'province' AND iccs_section = '{code}'""",
            months,
        )
    (total,) = [t for t in fig.data if t.name == charts.TOTAL_NAME]
    assert list(total.y) == _by_x(
        pub,
        """SELECT month, incidents FROM public_order_monthly
           WHERE area_level = 'province' AND upper(iccs_section) = 'ALL'""",
        months,
    )
    # homicide (01) and "other" (11) no longer share a colour
    assert bars[0].marker.color != bars[-1].marker.color


def test_seasonality_draws_both_origins_the_total_and_occupancy_in_percent(figures, pub):
    (fig,) = _kind(figures, 38, "stack_line", "tourism_monthly")
    months = list(fig.data[0].x)

    def published(origin: str, column: str) -> list:
        return _by_x(
            pub,
            f"""SELECT month, {column} FROM tourism_monthly WHERE area_level = 'province'
                AND establishment_type = 'all' AND guest_origin = '{origin}'""",
            months,
        )

    bars = [t for t in fig.data if t.type == "bar"]
    assert [list(b.y) for b in bars] == [
        published("domestic", "guest_nights"),
        published("international", "guest_nights"),
    ]
    (total,) = [t for t in fig.data if t.name == charts.TOTAL_NAME]
    assert list(total.y) == published("all", "guest_nights")
    (line,) = [t for t in fig.data if t.yaxis == "y2"]
    assert list(line.y) == pytest.approx([v * 100 for v in published("all", "room_occupancy_rate")])


@pytest.mark.parametrize("model", MODELS)
def test_maps_draw_every_commune_with_areas_proportional_to_the_values(
    figures, sections, pub, model
):
    (fig,) = _kind(figures, model, "map")
    communes = pub.execute(
        "SELECT count(DISTINCT area_code) FROM population_indicators WHERE area_level = 'commune'"
    ).fetchone()[0]
    sized = [t for t in fig.data if t.marker.sizemode == "area"]
    assert len({t.marker.sizeref for t in sized}) == 1  # one scale for the whole chart
    for t in sized:
        assert list(t.marker.size) == list(t.customdata)  # area ∝ value, never a rounded ratio
    drawn = sum(len(t.x) for t in fig.data)
    assert drawn == communes  # every 2025 commune: a bubble, a hollow circle or a '-' ring
    (listed,) = [
        b
        for s in sections[model]
        for b in s.blocks
        if isinstance(b, Frame) and "district" in b.frame.columns
    ]
    assert "hạng" not in listed.frame.columns  # no rank numbers
    values = listed.frame["value"].drop_nulls().to_list()
    assert values == sorted(values, reverse=True)


def test_small_base_communes_are_marked_on_the_map_and_in_the_list(figures, sections, pub):
    (fig,) = _kind(figures, 39, "map")
    (small,) = [t for t in fig.data if t.name.startswith("Cơ số nhỏ")]
    expected = {
        n
        for (n,) in pub.execute(
            """SELECT area_name FROM public_order_yearly WHERE area_level = 'commune'
               AND upper(iccs_section) = 'ALL' AND rate_per_100k IS NOT NULL
               AND mean_population < 1000
               AND year = (SELECT max(year) FROM public_order_yearly)"""
        ).fetchall()
    }
    assert set(small.text) == expected and expected
    (listed,) = [
        b
        for s in sections[39]
        for b in s.blocks
        if isinstance(b, Frame) and "district" in b.frame.columns
    ]
    marked = {r[0] for r in listed.rows() if r[2].endswith("*")}
    assert marked == expected


def test_pyramid_draws_the_published_cells_with_absolute_tick_labels(figures, pub):
    (fig,) = _kind(figures, 36, "pyramid")
    latest = pub.execute("SELECT max(ref_date) FROM population_by_age_sex").fetchone()[0]
    assert len(fig.layout.updatemenus[0].buttons) == 12  # the province and any former district
    province = dict(
        pub.execute(
            """SELECT sex || age_group, population FROM population_by_age_sex
               WHERE ref_date = ? AND area_level = 'province' AND sex <> 'Tổng'
                 AND age_group <> 'Tổng'""",
            [latest],
        ).fetchall()
    )
    bars = [t for t in fig.data if t.type == "bar"][:2]  # the province's men and women
    drawn = {
        bar.name.split(" / ")[0] + y: abs(x)
        for bar in bars
        for x, y in zip(bar.x, bar.y, strict=True)
    }
    assert drawn == province
    ticks = fig.layout.xaxis
    assert not any(label.startswith("-") for label in ticks.ticktext)
    assert [float(t.replace(".", "")) for t in ticks.ticktext] == [abs(v) for v in ticks.tickvals]
    for button in fig.layout.updatemenus[0].buttons:
        assert not any(label.startswith("-") for label in button.args[1]["xaxis.ticktext"])


@pytest.mark.parametrize("model", MODELS)
def test_table_bars_draw_the_table_and_hatch_small_bases(figures, yearbooks, model):
    for fig in [f for f in figures[model] if f.layout.meta["kind"] == "table_bars"]:
        t = next(t for t in yearbooks[model] if t.id == fig.layout.meta["table"])
        rows = t.cells.filter(pl.col("row_label").is_in(list(fig.data[0].x)))
        scale = 100 if t.percent else 1
        for c, bar in zip(t.columns, fig.data, strict=True):
            assert list(bar.y) == [None if v is None else v * scale for v in rows[c.key].to_list()]
            small = rows[f"{c.key}__small"].to_list() if t.small_base else [False] * rows.height
            assert [s == "/" for s in bar.marker.pattern.shape] == [bool(s) for s in small]


def test_traffic_lines_are_named_from_the_reference_list(figures, pub):
    (fig,) = _kind(figures, 39, "lines", "traffic_violations_monthly")
    groups = [
        g
        for (g,) in pub.execute(
            "SELECT DISTINCT violation_group FROM traffic_violations_monthly WHERE violation_group <> 'all' ORDER BY 1"
        ).fetchall()
    ]
    names = [t.name for t in fig.data]
    assert len(names) == len(groups)
    assert "Chạy quá tốc độ quy định / Speeding" in names
    assert (
        "Không chấp hành hiệu lệnh của đèn tín hiệu giao thông (vượt đèn đỏ) / Running a red light"
        in names
    )
    months = list(fig.data[0].x)
    for group, trace in zip(groups, fig.data, strict=True):
        assert list(trace.y) == _by_x(
            pub,
            f"""SELECT month, violations FROM traffic_violations_monthly WHERE area_level = 'province'
                AND vehicle_type = 'all' AND violation_group = '{group}'""",
            months,
        )


def test_nationalities_are_named_not_coded(sections):
    (table,) = [
        b
        for s in sections[38]
        for b in s.blocks
        if isinstance(b, Frame) and "name" in b.frame.columns
    ]
    names = table.frame["name"].to_list()
    assert names and all(" / " in n for n in names)
    assert not any(RAW_CODE.match(n.split(" / ")[0]) for n in names)


def test_projection_fan_draws_the_published_projection_and_its_interval(figures, pub):
    """Dự báo / projection: the province's fan (the first area offered) is the published
    projection with its 80 % interval, after the published 1 January stocks."""
    (fig,) = _kind(figures, 36, "fan", "population_projection")
    traces = {t.name: t for t in fig.data if t.visible is not False}
    projected = pub.execute(
        """SELECT projected_population, lower_80, upper_80 FROM population_projection
           WHERE area_level = 'province' AND sex = 'Tổng' AND age_group = 'Tổng'
           ORDER BY ref_date"""
    ).fetchall()
    line = list(traces["Dự báo / projection"].y)
    assert line[1:] == [p for p, _, _ in projected]
    assert list(traces["Khoảng 80 % / 80 % interval"].y)[1:] == [lo for _, lo, _ in projected]
    assert all(lo <= p <= hi for p, lo, hi in projected)
    stocks = pub.execute(
        """SELECT population FROM population_indicators WHERE area_level = 'province'
           AND day(ref_date) = 1 AND month(ref_date) = 1 ORDER BY ref_date"""
    ).fetchall()
    assert list(traces["Đã công bố / published"].y) == [s for (s,) in stocks]
    assert line[0] == stocks[-1][0]  # the projection starts from the published stock
    assert len(fig.layout.updatemenus[0].buttons) == 12  # the province and every former district


def test_projection_pyramid_draws_2031_over_the_published_base(figures, pub):
    (fig,) = _kind(figures, 36, "pyramid_compared", "population_projection")
    shown = [t for t in fig.data if t.visible is not False]
    bars = {t.name.split(",")[0]: t for t in shown if t.type == "bar"}
    outlines = {t.name.split(",")[0]: t for t in shown if t.type == "scatter"}
    for sex, name in (("Nam", "Nam / Male"), ("Nữ", "Nữ / Female")):
        projected = pub.execute(
            """SELECT projected_population FROM population_projection
               WHERE area_level = 'province' AND sex = ?
                 AND age_group NOT IN ('Tổng', '0-14', '15-64', '65+')
                 AND ref_date = (SELECT max(ref_date) FROM population_projection)
               ORDER BY try_cast(regexp_extract(age_group, '^[0-9]+') AS INTEGER)""",
            [sex],
        ).fetchall()
        base = pub.execute(
            """SELECT population FROM population_by_age_sex
               WHERE area_level = 'province' AND sex = ? AND age_group <> 'Tổng'
                 AND ref_date = (SELECT min(base_date) FROM population_projection)
               ORDER BY try_cast(regexp_extract(age_group, '^[0-9]+') AS INTEGER)""",
            [sex],
        ).fetchall()
        assert [abs(x) for x in bars[name].x] == [p for (p,) in projected]
        assert [abs(x) for x in outlines[name].x] == [b for (b,) in base]
    assert all(not t.startswith("-") for t in fig.layout.xaxis.ticktext)
