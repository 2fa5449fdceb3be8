"""Population projection to 1 January 2031 by commune, former district and province, by sex and
five-year age group (issue 21). Dagster-free; docs/PROJECTION.md describes the method.

    import duckdb
    from projection import project, write_tables

    con = duckdb.connect("warehouse.duckdb")
    result = project(con, "marts")          # or the schema of the perturbed (published) copies
    if result.status != "ok":
        print(result.message)               # e.g. less than a year of events: no projection
    write_tables(con, result, "marts")      # population_projection, …_backtest, …_metadata

Inputs are aggregate tables only (projection/inputs.py lists them and their SQL files), so the
projection reveals nothing its published inputs do not.
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from projection.engine import (
    BACKTEST_SCHEMA,
    PROJECTION_SCHEMA,
    ProjectionResult,
    Settings,
    backtest_inputs,
    project_inputs,
    score,
)
from projection.inputs import INPUT_TABLES, InputError, ProjectionInputs, load_inputs

__all__ = [
    "BACKTEST_SCHEMA",
    "INPUT_TABLES",
    "PROJECTION_SCHEMA",
    "InputError",
    "ProjectionInputs",
    "ProjectionResult",
    "Settings",
    "backtest",
    "load_inputs",
    "project",
    "score",
    "write_tables",
]

OUTPUT_TABLES = (
    "population_projection",
    "population_projection_backtest",
    "population_projection_metadata",
)


def project(
    con: duckdb.DuckDBPyConnection,
    inputs_schema: str = "marts",
    base_date: date | None = None,
    horizon: date = date(2031, 1, 1),
    *,
    with_backtest: bool = True,
    **settings,
) -> ProjectionResult:
    """Project the population from `base_date` (default: the latest 1 January stock that ends a
    complete year of events) to each 1 January up to `horizon`, reading the input marts of
    `inputs_schema`; with the backtest of the same method from every earlier stock.

    `settings` are the fields of `Settings` (rate_years, draws, backtest_draws, seed,
    cell_noise_variance — the perturbation table's variance when reading perturbed copies —,
    interval). A landing with less than a year of events gives `status` 'insufficient_data',
    a message and empty tables, never an exception."""
    inputs = load_inputs(con, inputs_schema)
    return project_inputs(
        inputs, base_date, Settings(horizon=horizon, **settings), with_backtest=with_backtest
    )


def backtest(
    con: duckdb.DuckDBPyConnection, inputs_schema: str = "marts", **settings
) -> pl.DataFrame:
    """The backtest alone (population_projection_backtest's rows)."""
    return backtest_inputs(load_inputs(con, inputs_schema), Settings(**settings))


def write_tables(
    con: duckdb.DuckDBPyConnection,
    result: ProjectionResult,
    schema: str = "marts",
    whole_persons: bool = False,
) -> None:
    """Write population_projection, population_projection_backtest and
    population_projection_metadata into `schema` (replaced; empty tables with the right columns
    when there is no projection, the metadata saying why). `whole_persons`: the projected
    populations and their bounds rounded to whole persons (as published)."""
    projected = result.projection
    if whole_persons:
        projected = projected.with_columns(
            pl.col(c).round(0).cast(pl.Int64)
            for c in ("projected_population", "lower_80", "upper_80")
        )
    frames = {
        "population_projection": projected,
        "population_projection_backtest": result.backtest,
        "population_projection_metadata": result.metadata,
    }
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for name, frame in frames.items():
        con.register("_projection_frame", frame.to_arrow())
        try:
            con.execute(
                f"CREATE OR REPLACE TABLE {schema}.{name} AS SELECT * FROM _projection_frame"
            )
        finally:
            con.unregister("_projection_frame")
