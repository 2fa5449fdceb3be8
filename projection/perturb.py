"""A stand-in for the published (perturbed) input tables, for tests and measurements only: every
count of the projection's input tables gets bounded integer noise as the cell-key method gives it
(at most ±3, zeros stay zeros, 1 and 2 never appear). It is NOT the pipeline's protection
(quality/disclosure.py): the noise here is independent per cell, with no record keys, so the same
figure in two tables gets two values; that is harder on the projection than the real method,
which gives the same records the same noise everywhere.

Noise rule per count c, unbiased (the mean of the published value is c) like a cell-key
perturbation table: 0 stays 0; 1 or 2 becomes 3 with probability c/3, else 0; 3 becomes 0 with
probability 1/3, else 3, 4, 5 or 6 evenly; 4 and 5 get uniform integer noise of ±1 and ±2; 6 and
more ±3. The noise variance of the larger counts is 4 (`NOISE_VARIANCE`), the value to pass as
`cell_noise_variance`.
"""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl

from projection.inputs import INPUT_TABLES

MAX_DEVIATION = 3
NOISE_VARIANCE = 4.0  # variance of a uniform integer on −3 … 3

COUNT_COLUMNS: dict[str, tuple[str, ...]] = {
    "population_by_age_sex": ("population",),
    "population_indicators": (
        "population",
        "males",
        "females",
        "aged_0_14",
        "aged_15_64",
        "aged_65_plus",
        "aged_60_plus",
    ),
    "population_rates": (
        "population_start",
        "population_end",
        "births",
        "deaths",
        "in_migrants",
        "out_migrants",
        "births_male",
        "births_female",
    ),
    "population_by_single_age": ("population",),
    "births_by_mother_age": ("births",),
    "deaths_by_age_sex": ("deaths",),
    "migration_by_age_sex": ("in_migrants", "out_migrants"),
}


def perturb_counts(counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Bounded, unbiased integer noise on non-negative integer counts (the rule in the module
    doc), vectorised over the whole array."""
    c = np.rint(np.asarray(counts, dtype=float)).astype(np.int64)
    u = rng.random(c.shape)
    # half-width of the uniform noise: ±3 from 6 on, narrower just above the threshold so that
    # no 1 or 2 can come out and the noise stays unbiased
    half = np.clip(c - 3, 0, MAX_DEVIATION)
    noise = np.floor(u * (2 * half + 1)).astype(np.int64) - half
    out = np.where(c >= 4, c + noise, c)
    # 3: 0 with probability 1/3, else uniform on 3 … 6 (mean 3)
    three = c == 3
    out = np.where(three & (u < 1 / 3), 0, out)
    out = np.where(three & (u >= 1 / 3), 3 + np.floor((u - 1 / 3) * 1.5 * 4).astype(np.int64), out)
    # 1 and 2: 3 with probability c / 3, else 0 (mean c)
    small = (c == 1) | (c == 2)
    out = np.where(small, np.where(u < c / 3.0, 3, 0), out)
    return np.where(c <= 0, 0, out)


def perturb_schema(
    con: duckdb.DuckDBPyConnection,
    source_schema: str = "marts",
    target_schema: str = "perturbed",
    seed: int = 0,
) -> None:
    """Copy the projection's input tables from `source_schema` to `target_schema` with their
    counts perturbed (the derived columns are copied unchanged; the projection does not read
    them)."""
    rng = np.random.default_rng(seed)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {target_schema}")
    for table in INPUT_TABLES:
        frame = con.execute(f"SELECT * FROM {source_schema}.{table}").pl()
        noisy = frame.with_columns(
            pl.Series(
                name,
                perturb_counts(frame[name].fill_null(0).cast(pl.Float64).to_numpy(), rng),
            ).cast(pl.Int64)
            for name in COUNT_COLUMNS[table]
            if name in frame.columns
        )
        con.register("_perturbed", noisy.to_arrow())
        try:
            con.execute(
                f"CREATE OR REPLACE TABLE {target_schema}.{table} AS SELECT * FROM _perturbed"
            )
        finally:
            con.unregister("_perturbed")
