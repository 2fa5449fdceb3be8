"""Model 36 inputs: the population register's baseline snapshot and monthly change records,
from landing files to raw, staging and quarantine."""

import dagster as dg

from assets import declared
from assets.common import (
    MONTHLY,
    SINGLE_RUN,
    load_files,
    monthly_files,
    raw_code_version,
    versioned_asset,
)
from domains import population as domain
from marts.lineage import deps_of
from quality.staging import run_sql_file
from sources.contracts import EVENTS, RESIDENTS
from sources.readers import landing_files
from warehouse import incremental
from warehouse.resource import Warehouse

GROUP = domain.NAME
MODEL = domain.MODEL
SOURCES = domain.SOURCES
QUARANTINE_KEYS = declared.quarantine_keys(domain)


@dg.asset(
    key=["raw", "residents"],
    group_name=GROUP,
    kinds={"duckdb", "csv"},
    code_version=raw_code_version(RESIDENTS),
)
def raw_residents(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """The residents snapshot of the national population database (one row per person on the
    snapshot date), as received: every value text, plus the file, row number and load batch.
    Reloading an unchanged file changes nothing."""
    files = landing_files(warehouse.landing, RESIDENTS)
    if not files:
        raise dg.Failure(
            description=(
                f"{warehouse.landing / RESIDENTS.folder}: no residents snapshot (expected "
                "residents_YYYY-MM-DD.csv). Fix: deliver the snapshot or point DE06_LANDING_DIR "
                "at the landing folder."
            )
        )
    return load_files(context, warehouse, RESIDENTS, files)


@dg.asset(
    key=["raw", "events"],
    code_version=raw_code_version(EVENTS),
    group_name=GROUP,
    kinds={"duckdb", "csv"},
    partitions_def=MONTHLY,
    backfill_policy=SINGLE_RUN,
)
def raw_events(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """Monthly population change records (births, deaths, moves) as received, one partition per
    extract month (`events_YYYY-MM.csv`: the month the records were delivered; an event is
    counted later in the month it happened)."""
    return load_files(context, warehouse, EVENTS, monthly_files(context, warehouse, EVENTS))


@versioned_asset(
    key=["marts", "population_timeline"],
    group_name="model_36",
    kinds={"duckdb", "sql"},
    deps=deps_of("marts/population_timeline.sql"),
    code=("marts/population_timeline.sql", *incremental.MART_CODE),
    outputs=incremental.sql_outputs("marts/population_timeline.sql"),
)
def population_timeline(warehouse: Warehouse) -> dg.MaterializeResult:
    """Working tables behind the model 36 marts (not published): every person's commune over
    time from the snapshot and the accepted events, the moves across commune boundaries, the
    reference dates, and who lives where on each reference date."""
    with warehouse.connect() as con:
        run_sql_file(con, "marts", "population_timeline.sql")
        counts = {
            t: con.execute(f"SELECT count(*) FROM intermediate.{t}").fetchone()[0]
            for t in (
                "person_states",
                "population_flows",
                "population_ages",
                "population_households",
            )
        }
        ref_dates = [
            str(r[0]) for r in con.execute("SELECT ref_date FROM marts.reference_dates").fetchall()
        ]
    return dg.MaterializeResult(metadata={**counts, "reference_dates": ", ".join(ref_dates)})


# Built from the domain's declaration (domains/population.py): staging steps, marts, checks.
STAGED = declared.staging_assets(domain)
MODEL_36_MARTS = declared.mart_assets(domain)
checks = declared.checks(domain)
