"""Model 36 inputs: the population register's baseline snapshot and monthly change records,
from landing files to raw, staging and quarantine."""

import dagster as dg

from assets import declared
from assets.common import raw_asset, working_tables
from domains import population as domain
from quality.staging import run_sql_file
from sources.contracts import EVENTS, RESIDENTS
from warehouse.resource import Warehouse

GROUP, MODEL, SOURCES, QUARANTINE_KEYS = declared.exported(domain)


raw_residents = raw_asset(
    RESIDENTS,
    GROUP,
    """The residents snapshot of the national population database (one row per person on the
    snapshot date), as received: every value text, plus the file, row number and load batch.
    Reloading an unchanged file changes nothing.""",
    missing="no residents snapshot (expected residents_YYYY-MM-DD.csv). Fix: deliver the "
    "snapshot or point DE06_LANDING_DIR at the landing folder.",
)
raw_events = raw_asset(
    EVENTS,
    GROUP,
    """Monthly population change records (births, deaths, moves) as received, one partition per
    extract month (`events_YYYY-MM.csv`: the month the records were delivered; an event is
    counted later in the month it happened).""",
)


@working_tables("population_timeline", group="model_36")
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
