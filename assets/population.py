"""Model 36 inputs: the population register's baseline snapshot and monthly change records,
from landing files to raw, staging and quarantine."""

from datetime import date

import dagster as dg
import duckdb

from assets import declared
from assets.common import raw_asset
from domains import population as domain
from marts.lineage import deps_of
from quality.staging import run_sql_file
from sources.contracts import EVENTS, RESIDENTS
from warehouse import incremental
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


# What marts/population_timeline.sql updates rather than builds whole (its header says when).
TIMELINE_SQL = "marts/population_timeline.sql"
TIMELINE_CODE = (TIMELINE_SQL, *incremental.MART_CODE)
UPDATED = (
    "intermediate.person_states",
    "intermediate.population_flows",
    "intermediate.population_ages",
    "intermediate.population_households",
)
KEPT_FROM_LAST_BUILD = (*UPDATED, "intermediate.timeline_event_months")
CHANGED_MONTHS_SQL = """
SELECT count(*) FILTER (WHERE month IS NULL), min(month) FROM (
    SELECT coalesce(n.month, o.month) AS month
    FROM intermediate.timeline_event_digest n
    FULL JOIN intermediate.timeline_event_months o ON n.month IS NOT DISTINCT FROM o.month
    WHERE n.events IS DISTINCT FROM o.events OR n.digest IS DISTINCT FROM o.digest)"""
NOTHING_CHANGED = date(9999, 12, 31)  # an update that rebuilds no person (a new empty month)


def timeline_from(con: duckdb.DuckDBPyConnection, plan: incremental.Plan) -> date | None:
    """The first day whose person states or stocks can differ from the last build's, when the
    timeline can be updated rather than built whole; None: build it whole. An update needs the
    last build made by this code from the same snapshot (residents staging's record), its tables
    in place, and no change among events without a date."""
    if plan.previous is None:
        return None
    was = plan.previous["inputs"]
    if (
        was.get("code") != plan.inputs["code"]
        or was.get("params") != plan.inputs["params"]
        or was.get("deps", {}).get(incremental.RESIDENTS)
        != plan.inputs["deps"].get(incremental.RESIDENTS)
        or not all(incremental.table_exists(con, t) for t in KEPT_FROM_LAST_BUILD)
    ):
        return None
    undated, first = con.execute(CHANGED_MONTHS_SQL).fetchone()
    if undated:
        return None
    return first or NOTHING_CHANGED


def _reference_dates(con: duckdb.DuckDBPyConnection) -> set[date]:
    return {r[0] for r in con.execute("SELECT ref_date FROM marts.reference_dates").fetchall()}


@dg.asset(
    key=["marts", "population_timeline"],
    code_version=incremental.dagster_code_version(TIMELINE_CODE),
    group_name="model_36",
    kinds={"duckdb", "sql"},
    deps=deps_of(TIMELINE_SQL),
)
def population_timeline(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    """Working tables behind the model 36 marts (not published): every person's commune over
    time from the snapshot and the accepted events, the moves across commune boundaries, the
    reference dates, and who lives where on each reference date. A new month of events updates
    them: the persons it names get their states again and the stocks after its first day are
    counted again (`updated_from` in the metadata), and the marts that can follow recompute their
    figures from the first date that changed; anything else builds them whole."""
    with warehouse.connect() as con:
        plan = incremental.plan(
            context, con, code=TIMELINE_CODE, outputs=list(incremental.sql_outputs(TIMELINE_SQL))
        )
        since = None
        if not plan.unchanged:
            since = timeline_from(con, plan)
            before = _reference_dates(con) if since is not None else set()
            if since is None:
                for table in UPDATED:
                    con.execute(f"DROP TABLE IF EXISTS {table}")
            else:
                # until this build is recorded, its tables are no last build to update: a
                # failure in between leaves a whole build to the next run
                incremental.forget(con, incremental.TIMELINE)
            con.execute(
                "SET VARIABLE timeline_from = "
                + ("NULL::DATE" if since is None else f"DATE '{since.isoformat()}'")
            )
            try:
                run_sql_file(con, "marts", "population_timeline.sql")
            finally:
                con.execute("RESET VARIABLE timeline_from")
            if since is not None:
                # the first day whose figures can differ: the first changed day, or a reference
                # date added or gone (the day after the last month moves every month)
                moved = before ^ _reference_dates(con)
                first = min([since, *moved])
                plan.status = "updated"
                plan.notes["updated_from"] = str(since)
                if first != NOTHING_CHANGED:
                    plan.inputs[incremental.APPENDED] = {
                        "onto": plan.previous["fingerprint"],
                        "from": str(first),
                    }
        incremental.record(con, plan)
        counts = {
            t: con.execute(f"SELECT count(*) FROM intermediate.{t}").fetchone()[0]
            for t in (
                "person_states",
                "population_flows",
                "population_ages",
                "population_households",
            )
        }
        ref_dates = sorted(_reference_dates(con))
    return dg.MaterializeResult(
        metadata={
            **counts,
            "reference_dates": ", ".join(str(d) for d in ref_dates),
            **({} if plan.unchanged else {"updated_from": str(since or "whole build")}),
            **plan.metadata(),
        },
        data_version=plan.data_version,
    )


# Built from the domain's declaration (domains/population.py): staging steps, marts, checks.
STAGED = declared.staging_assets(domain)
MODEL_36_MARTS = declared.mart_assets(domain)
checks = declared.checks(domain)
