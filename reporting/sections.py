"""Report sections every model's report has in the same form, built from a published mart:
the map of the 2025 communes with their figures listed (`communes_section`)."""

from __future__ import annotations

import duckdb

from reporting import charts
from reporting.html import Note, Section
from reporting.yearbook import SmallBase


def communes_section(
    con: duckdb.DuckDBPyConnection,
    mart: str,
    value: str,
    where: str,
    title: tuple[str, str],
    *,
    value_label: str,
    decimals: int = 0,
    small_base: SmallBase | None = None,
    base: str = "",
) -> Section:
    """The dot map of the 2025 communes and the same figures listed by value: `value` (an
    expression of the mart's columns) on the commune rows of `mart` that satisfy `where`, with
    the name of their former district; `title` in Vietnamese and English. With a `small_base`, `base` is the rate's denominator
    (a column of the mart) and a commune under its threshold is marked."""
    small = f", {base} < {small_base.threshold} AS small" if small_base is not None else ""
    data = con.execute(
        f"""SELECT m.area_code, m.area_name, d.area_name AS district, {value} AS value{small}
            FROM {mart} m
            LEFT JOIN (SELECT DISTINCT area_code, area_name FROM {mart}
                       WHERE area_level = 'district') d ON d.area_code = m.parent_code
            WHERE m.area_level = 'commune' AND {where}"""
    ).pl()
    fig, listed = charts.commune_map(
        data,
        *title,
        mart=mart,
        value_label=value_label,
        decimals=decimals,
        small_base=small_base,
    )
    return Section("Xã, phường 2025 / 2025 communes", [fig, Note(charts.MAP_NOTE), listed])


def province_months_section(
    con: duckdb.DuckDBPyConnection,
    heading: str,
    title: tuple[str, str],
    mart: str,
    series: dict[str, str],
    *,
    y_title: str,
    where: str = "",
    percent: bool = False,
) -> Section:
    """A section of one line chart: the province's rows of `mart` by month (those that satisfy
    `where`), a line per column of `series` (column → its bilingual name); `percent`: the
    values are shares 0..1."""
    condition = f" AND {where}" if where else ""
    data = con.execute(
        f"""SELECT month, {", ".join(series)} FROM {mart}
            WHERE area_level = 'province'{condition} ORDER BY month"""
    ).pl()
    chart = charts.lines(
        *title,
        mart=mart,
        x=data["month"].to_list(),
        series=[charts.Series(name, data[column].to_list()) for column, name in series.items()],
        y_title=y_title,
        percent=percent,
    )
    return Section(heading, [chart])
