"""Yearbook tables: the tables a provincial statistics yearbook prints, built from the published
marts only.

A `YearbookTable` has rows (the province, the former districts each followed by its 2025
communes; or the categories of a classification with their total) and value columns (years,
reference dates or months, optionally split by sex). Every figure is a published (perturbed)
figure; rules that keep the tables honest:

- every row is printed (the study area's units, whether the mart has a row for them or not:
  `-` where there is nothing to show), never cut;
- the columns of the latest year are marked "Sơ bộ / Prel." (late registrations still arrive);
- a rate whose denominator is under the table's documented threshold (`SmallBase`) is marked
  `*` wherever it is shown;
- a year is never the sum of published months unless the column says so in words;
- tables are numbered `Biểu <chapter>.<n>` by `numbered`, and a table too wide for one printed
  page is split into parts (`split_months`: half-years, each with the year's column).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

import duckdb
import polars as pl

from reporting.text import NOTHING, PRELIMINARY, SMALL_MARK, vn_number

AREA_COLUMNS = ("area_level", "area_code", "area_name", "parent_code")
SEXES = {"Nam": "Nam / Male", "Nữ": "Nữ / Female"}
HALF_YEARS = (
    (1, 6, "Tháng 1-6", "January-June"),
    (7, 12, "Tháng 7-12", "July-December"),
)


@dataclass(frozen=True)
class SmallBase:
    """A rate whose denominator is under `threshold` is marked `*`: with a few persons in the
    denominator, one event more or less (or the perturbation of ±3 of its counts) moves the rate
    far. The threshold is declared per table by the domain and printed under the table."""

    threshold: int
    unit_vi: str
    unit_en: str

    @property
    def note(self) -> str:
        return (
            f"{SMALL_MARK} Cơ số nhỏ: mẫu số dưới {vn_number(self.threshold)} {self.unit_vi}; "
            "tỷ lệ dao động mạnh, cần thận trọng khi so sánh. / Small base: denominator under "
            f"{self.threshold:,} {self.unit_en}; the rate is volatile, compare with care."
        )


@dataclass(frozen=True)
class Column:
    """A value column: `period` is printed in the first header row (a year as a number, a date
    or month as a date), `sub` in the second (a sex, 'Cả năm / Year', the preliminary mark)."""

    key: str
    period: int | date
    kind: str  # "year", "date" (a stock on that day) or "month"
    sub: str = ""
    preliminary: bool = False

    @property
    def label(self) -> str:
        if self.kind == "year":
            return str(self.period)
        if self.kind == "month":
            return f"{self.period:%m/%Y}"
        return f"{self.period:%d/%m/%Y}"

    @property
    def year(self) -> int:
        return self.period if isinstance(self.period, int) else self.period.year

    @property
    def sub_label(self) -> str:
        return " · ".join(s for s in (self.sub, PRELIMINARY if self.preliminary else "") if s)


@dataclass
class YearbookTable:
    """One printed table. `cells` has row_key, row_label, row_level ('province', 'district',
    'commune'; 'total' or 'item' for a classification), then a Float64 column per
    `Column.key` and, for tables with a small base, a Boolean `<key>__small` beside it."""

    id: str  # stable name within the model (the report refers to it)
    short: str  # short title, for the sheet name
    title: str
    title_en: str
    unit: str
    mart: str
    definition: str
    reference: str
    columns: list[Column]
    cells: pl.DataFrame
    decimals: int = 0
    percent: bool = False  # values are shares 0..1 shown as %
    stub: str = "Địa bàn / Area"
    small_base: SmallBase | None = None
    notes: tuple[str, ...] = ()
    part: str = ""  # which part of a table split over printed pages
    number: str = ""  # "1.1", given by `numbered`

    @property
    def sheet(self) -> str:
        """The worksheet name (at most 31 characters, none of : \\ / ? * [ ])."""
        name = f"{self.number} {self.short}".strip()
        if self.part:  # the part's code is never cut: the short title is
            return f"{name[: 30 - len(self.part_code)].rstrip()} {self.part_code}"
        return name[:31]

    @property
    def part_code(self) -> str:
        return self.part.split(" / ")[0].replace("Tháng ", "T").replace("/", ".")

    @property
    def heading(self) -> str:
        head = f"Biểu {self.number}. {self.title}" if self.number else self.title
        return f"{head} ({self.part})" if self.part else head

    @property
    def header_groups(self) -> list[tuple[str, int]]:
        """The first header row: each period's label and how many columns it spans."""
        groups: list[tuple[str, int]] = []
        for c in self.columns:
            if groups and groups[-1][0] == c.label:
                groups[-1] = (c.label, groups[-1][1] + 1)
            else:
                groups.append((c.label, 1))
        return groups

    @property
    def footnotes(self) -> list[str]:
        notes = list(self.notes)
        if self.small_base is not None:
            notes.append(self.small_base.note)
        return notes

    def value(self, row_key: str, key: str) -> float | str:
        """The printed figure: a number or '-' (tests and notebooks)."""
        row = self.cells.filter(pl.col("row_key") == row_key)
        if row.is_empty() or row[key][0] is None:
            return NOTHING
        return row[key][0]

    def small(self, row_key: str, key: str) -> bool:
        if self.small_base is None:
            return False
        row = self.cells.filter(pl.col("row_key") == row_key)
        return bool(not row.is_empty() and row[f"{key}__small"][0])

    def text(self, v, small: bool = False) -> str:
        """A figure as printed in HTML: Vietnamese separators, '-' for nothing, '*' on a small
        base."""
        if v is None:
            return NOTHING
        shown = vn_number(v * 100 if self.percent else v, self.decimals)
        return shown + SMALL_MARK if small else shown


# ------------------------------------------------------------------ the rows
# the published areas of a connection whose tables stay as they are while `areas_fixed` runs
_FIXED_AREAS: dict[int, pl.DataFrame] = {}


@contextmanager
def areas_fixed(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """While the block runs, `published_areas(con)` is worked out once: a publication reads a
    database nobody writes, and every area table of every model asked for them again (0.4 s of
    a publication at province scale)."""
    _FIXED_AREAS[id(con)] = _published_areas(con)
    try:
        yield
    finally:
        del _FIXED_AREAS[id(con)]


def published_areas(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every area of the study area that a published table names, in yearbook order (the
    province, then each former district followed by its 2025 communes): a sparse mart (no row
    where nothing happened) still prints every unit."""
    fixed = _FIXED_AREAS.get(id(con))
    return fixed if fixed is not None else _published_areas(con)


def _published_areas(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    tables = [
        t
        for (t,) in con.execute(
            f"""SELECT table_name FROM information_schema.columns
                WHERE column_name IN {AREA_COLUMNS} GROUP BY table_name
                HAVING count(DISTINCT column_name) = {len(AREA_COLUMNS)} ORDER BY table_name"""
        ).fetchall()
    ]
    if not tables:
        return pl.DataFrame(
            schema={"row_key": pl.String, "row_label": pl.String, "row_level": pl.String}
        )
    union = " UNION ALL ".join(f'SELECT {", ".join(AREA_COLUMNS)} FROM "{t}"' for t in tables)
    return con.execute(
        f"""SELECT area_code AS row_key, any_value(area_name) AS row_label,
                   any_value(area_level) AS row_level
            FROM ({union}) GROUP BY area_level, area_code
            ORDER BY CASE any_value(area_level) WHEN 'province' THEN 0 ELSE 1 END,
                     CASE any_value(area_level) WHEN 'commune' THEN any_value(parent_code)
                          ELSE area_code END,
                     CASE any_value(area_level) WHEN 'commune' THEN 1 ELSE 0 END, area_code"""
    ).pl()


# ------------------------------------------------------------------ the builders
def _key(period, sub: str | None) -> str:
    return f"{period}|{sub}" if sub else str(period)


def _columns(
    periods: list,
    kind: str,
    subs: dict[str, str] | None,
    preliminary: bool,
    period_subs: dict | None = None,
) -> list[Column]:
    latest = max((p if isinstance(p, int) else p.year) for p in periods)
    return [
        Column(
            _key(p, s),
            p,
            kind,
            label if s else (period_subs or {}).get(p, ""),
            preliminary and (p if isinstance(p, int) else p.year) == latest,
        )
        for p in periods
        for s, label in (subs.items() if subs else [(None, "")])
    ]


def _assemble(
    long: pl.DataFrame,
    rows: pl.DataFrame,
    kind: str,
    subs: dict[str, str] | None,
    small_base: SmallBase | None,
    preliminary: bool,
    period_subs: dict | None = None,
) -> tuple[list[Column], pl.DataFrame] | None:
    """Long rows (row_key, period[, sub], value[, base]) → one row per printed row, a column
    per period (and sub), rows in the given order."""
    if long.is_empty():
        return None
    periods = sorted(long["period"].unique().to_list())
    columns = _columns(periods, kind, subs, preliminary, period_subs)
    key = pl.col("period").cast(pl.String)
    if subs:
        long = long.filter(pl.col("sub").is_in(list(subs)))
        key = key + "|" + pl.col("sub")
    long = long.with_columns(key.alias("column"), pl.col("value").cast(pl.Float64))
    values = long.pivot(on="column", index="row_key", values="value")
    frames = [rows, values]
    if small_base is not None:
        flags = long.with_columns(
            (pl.col("base") < small_base.threshold).fill_null(False).alias("small"),
            (pl.col("column") + "__small").alias("column"),
        ).pivot(on="column", index="row_key", values="small")
        frames.append(flags)
    cells = rows.with_row_index("_order")
    for frame in frames[1:]:
        cells = cells.join(frame, on="row_key", how="left")
    ordered = ["row_key", "row_label", "row_level"]
    for c in columns:  # a period with no row for a unit: nothing to show ('-')
        for name, dtype in [(c.key, pl.Float64)] + (
            [(f"{c.key}__small", pl.Boolean)] if small_base is not None else []
        ):
            if name not in cells.columns:
                cells = cells.with_columns(pl.lit(None, dtype).alias(name))
            ordered.append(name)
    return columns, cells.sort("_order").select(ordered)


def area_sql(mart: str, period: str, value: str, *, base: str = "", where: str = "") -> str:
    """The long rows of an `AreaTable` read from one mart: area_code, `period` AS period, `value`
    AS value (and `base` AS base, the rate's denominator, for a small base) of the rows that
    satisfy `where`."""
    base_column = f", {base} AS base" if base else ""
    condition = f" WHERE {where}" if where else ""
    return f"SELECT area_code, {period} AS period, {value} AS value{base_column} FROM {mart}{condition}"


@dataclass(frozen=True)
class TableDeclaration:
    """A yearbook table as a domain declares it: what it says (id, short title, title in
    Vietnamese and English, unit, definition, reference period), where its figures come from
    (`mart`, and `sql` returning its long rows) and how the period columns are made (`kind`:
    "year", "date" or "month"). The core fields are positional so that a domain's tables read
    as a table of declarations; `build` runs the SQL and gives the printed `YearbookTable`."""

    id: str  # stable name within the model (the report refers to it)
    short: str
    title: str
    title_en: str
    unit: str
    mart: str
    sql: str
    definition: str
    reference: str
    kind: str
    decimals: int = 0
    percent: bool = False
    notes: tuple[str, ...] = ()
    preliminary: bool = True  # the latest year's columns marked "Sơ bộ / Prel."
    period_subs: dict | None = None  # labels under some periods (e.g. a year covered in part)

    def printed(self, columns: list[Column], cells: pl.DataFrame, **extra) -> YearbookTable:
        """The printed table of this declaration with its columns and cells."""
        said = ("id", "short", "title", "title_en", "unit", "mart", "definition", "reference")
        return YearbookTable(
            **{name: getattr(self, name) for name in said},
            columns=columns,
            cells=cells,
            decimals=self.decimals,
            percent=self.percent,
            notes=self.notes,
            **extra,
        )


@dataclass(frozen=True)
class AreaTable(TableDeclaration):
    """A table with a row per area. `sql` returns area_code, period, value (and `sub` when
    `subs` maps its codes to column labels, `base` — the rate's denominator — with a
    `small_base`); `levels` keeps the rows of those area levels only."""

    subs: dict[str, str] | None = None
    small_base: SmallBase | None = None
    levels: tuple[str, ...] | None = None

    def build(self, con: duckdb.DuckDBPyConnection) -> YearbookTable | None:
        """None when the mart has no rows (a source not delivered yet)."""
        extra = (", sub" if self.subs else "") + (", base" if self.small_base else "")
        long = con.execute(
            f"SELECT area_code AS row_key, period, value{extra} FROM ({self.sql})"
        ).pl()
        rows = published_areas(con)
        if self.levels is not None:
            rows = rows.filter(pl.col("row_level").is_in(list(self.levels)))
        built = _assemble(
            long, rows, self.kind, self.subs, self.small_base, self.preliminary, self.period_subs
        )
        if built is None:
            return None
        return self.printed(*built, small_base=self.small_base)


@dataclass(frozen=True)
class CategoryTable(TableDeclaration):
    """A table with a row per category of a classification (e.g. ICCS sections) for one
    area, `stub` heading the row labels. `sql` returns row_key, row_label, row_order, is_total,
    period, value; the total row is a published total, never a sum of the rows."""

    stub: str = "Danh mục / Category"

    def build(self, con: duckdb.DuckDBPyConnection) -> YearbookTable | None:
        long = con.execute(f"SELECT * FROM ({self.sql})").pl()
        if long.is_empty():
            return None
        rows = (
            long.group_by("row_key")
            .agg(
                pl.col("row_label").first(), pl.col("row_order").first(), pl.col("is_total").first()
            )
            .sort("is_total", "row_order", descending=[True, False])
            .select(
                "row_key",
                "row_label",
                pl.when(pl.col("is_total"))
                .then(pl.lit("total"))
                .otherwise(pl.lit("item"))
                .alias("row_level"),
            )
        )
        built = _assemble(long, rows, self.kind, None, None, self.preliminary, self.period_subs)
        return self.printed(*built, stub=self.stub)


def split_months(
    t: YearbookTable | None,
    annual: pl.DataFrame | None = None,
    annual_label: str = "Cả năm / Year",
) -> list[YearbookTable]:
    """A monthly table as one table per half-year (six months fit an A4 page in a readable
    type), each with its year's column from `annual` (row_key, year, value[, base]) when
    given. The annual column's label must say where the figure comes from."""
    if t is None:
        return []
    parts = []
    years = sorted({c.year for c in t.columns})
    flagged = t.small_base is not None
    for year in years:
        year_cols = [c for c in t.columns if c.year == year]
        extra_cols, extra = [], None
        if annual is not None:
            this = annual.filter(pl.col("year") == year)
            if not this.is_empty():
                key = f"Y{year}"
                prel = any(c.preliminary for c in year_cols)
                extra_cols = [Column(key, year, "year", annual_label, prel)]
                extra = this.select(
                    "row_key",
                    pl.col("value").cast(pl.Float64).alias(key),
                    *(
                        [(pl.col("base") < t.small_base.threshold).alias(f"{key}__small")]
                        if flagged
                        else []
                    ),
                )
        for first, last, vi, en in HALF_YEARS:
            cols = [c for c in year_cols if first <= c.period.month <= last]
            if not cols:
                continue
            keep = [c.key for c in cols]
            if flagged:
                keep = [k for c in cols for k in (c.key, f"{c.key}__small")]
            cells = t.cells.select("row_key", "row_label", "row_level", *keep)
            if extra is not None:
                cells = cells.join(extra, on="row_key", how="left")
            parts.append(
                replace(
                    t,
                    columns=cols + extra_cols,
                    cells=cells,
                    part=f"{vi}/{year} / {en} {year}",
                )
            )
    return parts


def numbered(tables: list[YearbookTable | None], chapter: int) -> list[YearbookTable]:
    """The tables that could be built, numbered `<chapter>.<n>` in order (the parts of a split
    table share its number)."""
    out, ids = [], []
    for t in tables:
        if t is None:
            continue
        if t.id not in ids:
            ids.append(t.id)
        out.append(replace(t, number=f"{chapter}.{len(ids)}"))
    return out


@dataclass
class Frame:
    """Any table of figures for a report (a ranked list, a nationality table): `labels` maps
    column names to printed headers; a Boolean column named in `small` marks its value column
    with '*'."""

    frame: pl.DataFrame
    caption: str
    labels: dict[str, str] = field(default_factory=dict)
    decimals: dict[str, int] = field(default_factory=dict)
    small: dict[str, str] = field(default_factory=dict)  # value column -> its flag column
    notes: tuple[str, ...] = ()

    @property
    def shown(self) -> list[str]:
        flags = set(self.small.values())
        return [c for c in self.frame.columns if c not in flags]

    def header(self, column: str) -> str:
        return self.labels.get(column, column)

    def rows(self) -> list[list[str]]:
        """The printed cells (printing a table is per row by nature)."""
        out = []
        for r in self.frame.iter_rows(named=True):
            line = []
            for c in self.shown:
                v = r[c]
                if v is None:
                    text = NOTHING
                elif isinstance(v, bool) or not isinstance(v, (int, float, Decimal)):
                    text = str(v)
                else:
                    whole = isinstance(v, int) or (isinstance(v, Decimal) and v == int(v))
                    text = vn_number(float(v), self.decimals.get(c, 0 if whole else 2))
                if c in self.small and r[self.small[c]] and v is not None:
                    text += SMALL_MARK
                line.append(text)
            out.append(line)
        return out
