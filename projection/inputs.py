"""The projection's inputs: aggregate tables only, read from one schema.

Every number the projection uses comes from these tables, all of them marts that are published
themselves (under the cell-key perturbation of the protection issue), so the projection is a
function of published figures and reveals nothing they do not. The schema is a parameter: in
the pipeline it is the perturbed copy; in development and tests the exact `marts`.

| table | grain | used for |
|---|---|---|
| population_by_age_sex (marts/population_by_age_sex.sql) | ref_date × area × sex × age_group | Hamilton–Perry cohort-change ratios of districts and communes; the stocks the backtest compares with |
| population_indicators (marts/population_indicators.sql) | ref_date × area | area totals (one published cell each, less noisy than a sum of 34 perturbed cells) |
| population_rates (marts/population_rates.sql) | year × area | each area's yearly births, deaths, in- and out-migrants (the sampling variance of its growth); the province's births by sex (sex ratio at birth) |
| population_by_single_age (marts/population_by_single_age.sql) | ref_date × province × sex × age | the cohort-component base population and exposures |
| births_by_mother_age (marts/births_by_mother_age.sql) | year × province × mother_age_group | age-specific fertility |
| deaths_by_age_sex (marts/deaths_by_age_sex.sql) | year × province × sex × age_group | age- and sex-specific mortality |
| migration_by_age_sex (marts/migration_by_age_sex.sql) | year × province × sex × age_group | out-migration rates and in-migrant numbers |

A perturbed count may be off by up to ±3 and is never 1 or 2; the code below never divides by
a count that could be small without smoothing and never lets a population go negative. A count
that is NULL (a suppressed cell of the older protection) is read as 0 and counted in
`missing_cells`, which the result's metadata reports.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, fields, replace
from datetime import date

import duckdb
import numpy as np
import polars as pl

SEXES = ("Nam", "Nữ")  # index 0 male, 1 female (the marts' spelling)
AGE_GROUPS = tuple(f"{5 * i}-{5 * i + 4}" for i in range(16)) + ("80+",)  # the marts' groups
N_GROUPS = len(AGE_GROUPS)  # 17
OPEN_AGE = 100  # population_by_single_age: age 100 is 100 and over
N_AGES = OPEN_AGE + 1
FERTILE_GROUPS = tuple(f"{a}-{a + 4}" for a in range(15, 50, 5))  # 15-19 … 45-49
LEVELS = ("province", "district", "commune")

INPUT_TABLES = (
    "population_by_age_sex",
    "population_indicators",
    "population_rates",
    "population_by_single_age",
    "births_by_mother_age",
    "deaths_by_age_sex",
    "migration_by_age_sex",
)


class InputError(ValueError):
    """The inputs schema lacks a table or a column the projection needs (a wiring problem, not a
    property of the landing)."""


@dataclass(frozen=True)
class ProjectionInputs:
    """The input marts as arrays. Areas are in a fixed order: the province, the districts, the
    communes (by code); `parent[i]` is the index of area i's parent (-1 for the province)."""

    schema: str
    area_level: np.ndarray  # (A,) 'province' | 'district' | 'commune'
    area_code: np.ndarray  # (A,)
    area_name: np.ndarray  # (A,)
    parent: np.ndarray  # (A,) int
    ref_dates: tuple[date, ...]  # every reference date of the stocks (coverage, for messages)
    cells: dict[date, np.ndarray]  # 1 January stocks: (A, 2, 17) sex × five-year group
    totals: dict[date, np.ndarray]  # 1 January stocks: (A,) area totals
    single_age: dict[date, np.ndarray]  # 1 January stocks: (2, 101) province, sex × age
    births_by_mother_age: dict[int, np.ndarray]  # year -> (7,) 15-19 … 45-49
    births_mother_unknown: dict[int, float]  # year -> births whose mother's age is unknown
    births_by_sex: dict[int, np.ndarray]  # year -> (2,) province births, male and female
    deaths: dict[int, np.ndarray]  # year -> (2, G) by sex and death_age_from group
    death_age_from: np.ndarray  # (G,) lower bounds of the deaths' age groups
    in_migrants: dict[int, np.ndarray]  # year -> (2, 17)
    out_migrants: dict[int, np.ndarray]  # year -> (2, 17)
    area_flows: dict[int, np.ndarray]  # year -> (A,) births + deaths + in- + out-migrants
    area_vital: dict[int, np.ndarray]  # year -> (A,) births + deaths
    missing_cells: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def stock_dates(self) -> list[date]:
        """The 1 January stocks every input table has."""
        return sorted(set(self.cells) & set(self.totals) & set(self.single_age))

    @property
    def complete_years(self) -> list[int]:
        """Calendar years with a stock at both ends and every flow table."""
        stocks = set(self.stock_dates)
        flows = (
            set(self.births_by_mother_age)
            & set(self.deaths)
            & set(self.in_migrants)
            & set(self.area_flows)
        )
        return sorted(y for y in flows if date(y, 1, 1) in stocks and date(y + 1, 1, 1) in stocks)

    def until(self, as_of: date) -> ProjectionInputs:
        """What the register held at 00:00 on `as_of`: stocks up to that date, flows of the years
        before it (the backtest starts from such an earlier stock)."""

        def upto(d: dict) -> dict:
            return {k: v for k, v in d.items() if k <= as_of}

        def before(d: dict) -> dict:
            return {y: v for y, v in d.items() if date(y + 1, 1, 1) <= as_of}

        return replace(
            self,
            ref_dates=tuple(d for d in self.ref_dates if d <= as_of),
            cells=upto(self.cells),
            totals=upto(self.totals),
            single_age=upto(self.single_age),
            births_by_mother_age=before(self.births_by_mother_age),
            births_mother_unknown=before(self.births_mother_unknown),
            births_by_sex=before(self.births_by_sex),
            deaths=before(self.deaths),
            in_migrants=before(self.in_migrants),
            out_migrants=before(self.out_migrants),
            area_flows=before(self.area_flows),
            area_vital=before(self.area_vital),
        )

    def projection_view(self) -> ProjectionInputs:
        """What a projection and its backtest read of these inputs (engine.project_inputs takes
        nothing else): when a calendar year is complete, everything up to the latest 1 January
        stock (`until`), so the months after it change nothing; when none is, all of it (the
        message then cites the coverage)."""
        if not self.complete_years:
            return self
        return self.until(max(self.stock_dates))

    def digest(self) -> str:
        """sha256 of every value of projection_view(): equal digests, equal inputs to the
        projection (warehouse/incremental.py runs it again only when the digest changed)."""
        h = hashlib.sha256()
        view = self.projection_view()
        for f in fields(view):
            h.update(f.name.encode())
            _feed(h, getattr(view, f.name))
        return h.hexdigest()

    def index_of_level(self, level: str) -> np.ndarray:
        return np.flatnonzero(self.area_level == level)


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _feed(h, value) -> None:
    """Feed a value of ProjectionInputs to a hash: arrays by dtype, shape and bytes (text arrays
    by their values), dicts by sorted key, sequences in order, anything else by repr."""
    if isinstance(value, np.ndarray):
        h.update(f"{value.dtype.str}{value.shape}".encode())
        h.update(repr(value.tolist()).encode() if value.dtype == object else value.tobytes())
    elif isinstance(value, dict):
        h.update(b"{")
        for key in sorted(value):
            h.update(repr(key).encode())
            _feed(h, value[key])
        h.update(b"}")
    elif isinstance(value, (tuple, list)):
        h.update(b"(")
        for item in value:
            _feed(h, item)
        h.update(b")")
    else:
        h.update(repr(value).encode())


def _frame(con: duckdb.DuckDBPyConnection, schema: str, table: str, columns: str) -> pl.DataFrame:
    try:
        return con.execute(f"SELECT {columns} FROM {schema}.{table}").pl()
    except duckdb.CatalogException as exc:
        raise InputError(
            f"projection input {schema}.{table} is missing or lacks a column ({columns}): "
            f"build it with marts/{table}.sql (projection/inputs.py lists the inputs)"
        ) from exc


def _scatter(
    df: pl.DataFrame, keys: list[tuple[str, dict]], value: str, shape: tuple[int, ...]
) -> np.ndarray:
    """Sum `value` into an array indexed by the key columns, each mapped to positions by its dict
    (polars does the mapping; rows whose key is not in a dict are left out)."""
    idx = df.select(
        [pl.col(c).replace_strict(m, default=-1, return_dtype=pl.Int64).alias(c) for c, m in keys]
    ).to_numpy()
    vals = df[value].fill_null(0.0).to_numpy().astype(float)
    ok = (idx >= 0).all(axis=1) if len(keys) else np.ones(len(vals), bool)
    out = np.zeros(shape)
    np.add.at(out, tuple(idx[ok].T), vals[ok])
    return out


def _by_first_key(arr: np.ndarray, keys: list) -> dict:
    return {k: np.maximum(arr[i], 0.0) for i, k in enumerate(keys)}


def load_inputs(con: duckdb.DuckDBPyConnection, schema: str = "marts") -> ProjectionInputs:
    """Read the input marts of `schema` into arrays (one query per table; rows are mapped to
    array positions by polars, never looped over in Python)."""
    if not _IDENT.fullmatch(schema):
        raise InputError(f"not a schema name: {schema!r}")
    jan_first = (pl.col("ref_date").dt.month() == 1) & (pl.col("ref_date").dt.day() == 1)

    cells_df = _frame(
        con,
        schema,
        "population_by_age_sex",
        "ref_date, area_level, area_code, area_name, parent_code, sex, age_group, "
        "population::DOUBLE AS population",
    )
    areas = (
        cells_df.select("area_level", "area_code", "area_name", "parent_code")
        .unique(subset=["area_level", "area_code"])
        .filter(pl.col("area_level").is_in(LEVELS))
        .with_columns(
            level_order=pl.col("area_level").replace_strict(
                {lv: i for i, lv in enumerate(LEVELS)}, return_dtype=pl.Int64
            )
        )
        .sort("level_order", "area_code")
        .with_row_index("index")
    )
    if areas.filter(pl.col("area_level") == "province").height != 1:
        raise InputError(f"{schema}.population_by_age_sex: expected exactly one province")
    # the parent of a district is the province, of a commune its district
    parent_level = {"district": "province", "commune": "district"}
    parents = (
        areas.with_columns(
            parent_level=pl.col("area_level").replace_strict(parent_level, default=None)
        )
        .join(
            areas.select(
                pl.col("area_level").alias("parent_level"),
                pl.col("area_code").alias("parent_code"),
                pl.col("index").alias("parent_index"),
            ),
            on=["parent_level", "parent_code"],
            how="left",
        )
        .sort("index")
    )
    # a district or commune whose parent is unknown hangs under the province (index 0)
    parent = parents["parent_index"].fill_null(0).cast(pl.Int64).to_numpy().copy()
    parent[0] = -1
    n_areas = areas.height

    def with_area(df: pl.DataFrame) -> pl.DataFrame:
        """df with `area` (the area's position; rows of unknown areas dropped)."""
        return df.join(
            areas.select("area_level", "area_code", pl.col("index").cast(pl.Int64).alias("area")),
            on=["area_level", "area_code"],
            how="inner",
        )

    sex_idx = {s: i for i, s in enumerate(SEXES)}
    group_idx = {g: i for i, g in enumerate(AGE_GROUPS)}

    def positions(values: list) -> dict:
        return {v: i for i, v in enumerate(values)}

    missing = 0

    # --- five-year cells of every area on each 1 January
    missing += cells_df["population"].null_count()
    ref_dates = tuple(sorted(cells_df["ref_date"].unique().to_list()))
    jan = with_area(cells_df.filter(jan_first))
    jan_dates = sorted(jan["ref_date"].unique().to_list())
    cells = _by_first_key(
        _scatter(
            jan,
            [
                ("ref_date", positions(jan_dates)),
                ("area", positions(list(range(n_areas)))),
                ("sex", sex_idx),
                ("age_group", group_idx),
            ],
            "population",
            (len(jan_dates), n_areas, 2, N_GROUPS),
        ),
        jan_dates,
    )

    # --- area totals: population_indicators (one published cell per area and date); where a
    # total is missing, the sum of the area's cells stands in
    tot = with_area(
        _frame(
            con,
            schema,
            "population_indicators",
            "ref_date, area_level, area_code, population::DOUBLE AS population",
        ).filter(jan_first & pl.col("ref_date").is_in(jan_dates))
    )
    missing += tot["population"].null_count()
    key = [("ref_date", positions(jan_dates)), ("area", positions(list(range(n_areas))))]
    shape = (len(jan_dates), n_areas)
    published = _scatter(tot.drop_nulls("population"), key, "population", shape)
    present = _scatter(
        tot.drop_nulls("population").with_columns(one=pl.lit(1.0)), key, "one", shape
    )
    summed = np.stack([cells[d].sum(axis=(1, 2)) for d in jan_dates]) if jan_dates else published
    totals = _by_first_key(np.where(present > 0, published, summed), jan_dates)

    # --- province single ages
    sa = _frame(
        con, schema, "population_by_single_age", "ref_date, sex, age, population::DOUBLE AS pop"
    ).filter(jan_first)
    missing += sa["pop"].null_count()
    sa_dates = sorted(sa["ref_date"].unique().to_list())
    sa = sa.with_columns(pl.col("age").clip(0, OPEN_AGE).cast(pl.Int64))
    single_age = _by_first_key(
        _scatter(
            sa,
            [
                ("ref_date", positions(sa_dates)),
                ("sex", sex_idx),
                ("age", positions(list(range(N_AGES)))),
            ],
            "pop",
            (len(sa_dates), 2, N_AGES),
        ),
        sa_dates,
    )

    # --- births by mother's age group ('unknown' apart)
    bm = _frame(
        con, schema, "births_by_mother_age", "year, mother_age_group, births::DOUBLE AS births"
    )
    missing += bm["births"].null_count()
    b_years = sorted(bm["year"].unique().to_list())
    births_by_mother_age = _by_first_key(
        _scatter(
            bm,
            [("year", positions(b_years)), ("mother_age_group", positions(FERTILE_GROUPS))],
            "births",
            (len(b_years), len(FERTILE_GROUPS)),
        ),
        b_years,
    )
    unknown = _scatter(
        bm.filter(~pl.col("mother_age_group").is_in(FERTILE_GROUPS)),
        [("year", positions(b_years))],
        "births",
        (len(b_years),),
    )
    births_mother_unknown = {y: float(max(v, 0.0)) for y, v in zip(b_years, unknown, strict=True)}

    # --- each area's yearly flows, and the province's births by sex (population_rates)
    rates = with_area(
        _frame(
            con,
            schema,
            "population_rates",
            "year, area_level, area_code, births::DOUBLE AS births, deaths::DOUBLE AS deaths, "
            "in_migrants::DOUBLE AS in_migrants, out_migrants::DOUBLE AS out_migrants, "
            "births_male::DOUBLE AS births_male, births_female::DOUBLE AS births_female",
        )
    )
    flow_cols = ["births", "deaths", "in_migrants", "out_migrants"]
    missing += sum(rates[c].null_count() for c in [*flow_cols, "births_male", "births_female"])
    r_years = sorted(rates["year"].unique().to_list())
    rates = rates.with_columns(
        flows=pl.sum_horizontal(pl.col(c).fill_null(0.0) for c in flow_cols),
        vital=pl.sum_horizontal(pl.col(c).fill_null(0.0) for c in ("births", "deaths")),
    )
    by_area = [("year", positions(r_years)), ("area", positions(list(range(n_areas))))]
    area_flows = _by_first_key(_scatter(rates, by_area, "flows", (len(r_years), n_areas)), r_years)
    area_vital = _by_first_key(_scatter(rates, by_area, "vital", (len(r_years), n_areas)), r_years)
    prov = rates.filter(pl.col("area_level") == "province")
    births_by_sex = _by_first_key(
        np.stack(
            [
                _scatter(prov, [("year", positions(r_years))], c, (len(r_years),))
                for c in ("births_male", "births_female")
            ],
            axis=1,
        )
        if r_years
        else np.zeros((0, 2)),
        r_years,
    )

    # --- deaths by sex and age group
    de = _frame(con, schema, "deaths_by_age_sex", "year, sex, age_from, deaths::DOUBLE AS deaths")
    missing += de["deaths"].null_count()
    death_age_from = np.array(sorted(de["age_from"].drop_nulls().unique().to_list()), dtype=int)
    d_years = sorted(de["year"].unique().to_list())
    deaths = _by_first_key(
        _scatter(
            de,
            [
                ("year", positions(d_years)),
                ("sex", sex_idx),
                ("age_from", positions(death_age_from.tolist())),
            ],
            "deaths",
            (len(d_years), 2, len(death_age_from)),
        ),
        d_years,
    )

    # --- migration across the province boundary by sex and five-year group
    mi = _frame(
        con,
        schema,
        "migration_by_age_sex",
        "year, sex, age_group, in_migrants::DOUBLE AS i, out_migrants::DOUBLE AS o",
    )
    missing += mi["i"].null_count() + mi["o"].null_count()
    m_years = sorted(mi["year"].unique().to_list())
    key = [("year", positions(m_years)), ("sex", sex_idx), ("age_group", group_idx)]
    shape = (len(m_years), 2, N_GROUPS)
    in_migrants = _by_first_key(_scatter(mi, key, "i", shape), m_years)
    out_migrants = _by_first_key(_scatter(mi, key, "o", shape), m_years)

    return ProjectionInputs(
        schema=schema,
        area_level=areas["area_level"].to_numpy().astype(str),
        area_code=areas["area_code"].to_numpy().astype(str),
        area_name=areas["area_name"].to_numpy().astype(str),
        parent=parent,
        ref_dates=ref_dates,
        cells=cells,
        totals=totals,
        single_age=single_age,
        births_by_mother_age=births_by_mother_age,
        births_mother_unknown=births_mother_unknown,
        births_by_sex=births_by_sex,
        deaths=deaths,
        death_age_from=death_age_from,
        in_migrants=in_migrants,
        out_migrants=out_migrants,
        area_flows=area_flows,
        area_vital=area_vital,
        missing_cells=int(missing),
    )
