"""Model 38 inputs and marts: the lodging establishment register and the monthly guest-stay
notifications, from landing files to raw, staging and quarantine, then the tourism marts."""

import dagster as dg

from assets.common import (
    MONTHLY,
    SINGLE_RUN,
    load_files,
    mart_asset,
    monthly_files,
    sql_check,
    stage,
    staging_specs,
    suite_check,
)
from marts.catalogue import MARTS
from marts.lineage import deps_of
from quality import suites
from sources.contracts.lodging import ESTABLISHMENTS, STAYS
from sources.readers import landing_files
from warehouse.resource import Warehouse

GROUP = "lodging"
MODEL = 38


@dg.asset(key=["raw", "establishments"], group_name=GROUP, kinds={"duckdb", "excel"})
def raw_establishments(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    """The lodging establishment register (hotels, guesthouses, motels, homestays, rental rooms,
    worker housing, hospitals, long-distance buses) as received: one row per establishment, every
    value text. The register is current: communes are 2025 codes."""
    files = landing_files(warehouse.landing, ESTABLISHMENTS)
    # No register at all: not delivered yet; load_files creates the empty table and warns.
    return load_files(context, warehouse, ESTABLISHMENTS, files)


@dg.asset(
    key=["raw", "stays"],
    group_name=GROUP,
    kinds={"duckdb", "json"},
    partitions_def=MONTHLY,
    backfill_policy=SINGLE_RUN,
)
def raw_stays(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """Lodging notifications as exported by the notification API, one partition per check-in
    month (`stays_YYYY-MM.jsonl`), every value text. A backfill over many months runs as one run."""
    return load_files(context, warehouse, STAYS, monthly_files(context, warehouse, STAYS))


@dg.multi_asset(
    specs=staging_specs(
        "establishments",
        GROUP,
        deps=deps_of("quality/sql/stage_establishments.sql"),
        staged="Accepted lodging establishments: typed (rooms, beds, opening and closing "
        "dates), type checked against the code list, commune as a 2025 code.",
        rejected="Rejected register rows with their reason codes.",
    ),
)
def staged_establishments(warehouse: Warehouse):
    yield from stage(warehouse, "establishments", "stage_establishments.sql")


@dg.multi_asset(
    specs=staging_specs(
        "stays",
        GROUP,
        deps=deps_of("quality/sql/stage_stays.sql"),
        staged="Accepted stays of all loaded months: guest document replaced by a keyed "
        "pseudonym (guest_key; for a personal ID the same as the register's person_key, so "
        "guest_in_register links to it), nationality as ISO alpha-3 from reference.countries "
        "('other' when the reference data cannot read it), nights per IRTS 2008, "
        "establishment type and commune from the register; flags for late notifications and "
        "a guest in two places on the same night.",
        rejected="Rejected stays with their reason codes (re-sent duplicates, check-out "
        "before check-in, unknown establishment, invalid personal ID), pseudonymised.",
    ),
)
def staged_stays(warehouse: Warehouse):
    staged, quarantined = stage(warehouse, "stays", "stage_stays.sql")
    with warehouse.connect() as con:
        # Flags (kept rows) as quality figures next to the repairs and rejects.
        con.execute(
            """INSERT INTO ops.quality_figures
               SELECT 'stays', _source_file, 'flag', f, v, now()::TIMESTAMP FROM (
                   SELECT _source_file, count_if(is_late) AS late_notification,
                          count_if(guest_two_places) AS guest_two_places,
                          count_if(guest_in_register) AS guest_in_register,
                          count_if(is_open) AS open_stay
                   FROM staging.stays GROUP BY ALL)
               UNPIVOT (v FOR f IN (late_notification, guest_two_places, guest_in_register, open_stay))"""
        )
        flags = dict(
            con.execute(
                "SELECT figure, sum(value)::BIGINT FROM ops.quality_figures "
                "WHERE source = 'stays' AND kind = 'flag' GROUP BY figure ORDER BY figure"
            ).fetchall()
        )
    yield dg.MaterializeResult(
        asset_key=staged.asset_key,
        metadata={**(staged.metadata or {}), "flags": dg.MetadataValue.json(flags)},
    )
    yield quarantined


checks = [
    suite_check(suites.establishments_contract),
    suite_check(suites.stays_contract),
    suite_check(suites.stays_quality),
]

QUARANTINE_KEYS = [["quarantine", "establishments"], ["quarantine", "stays"]]
SOURCES = ["establishments", "stays"]

MODEL_38_MARTS = [
    mart_asset(m, deps=deps_of(f"marts/{m.sql}"), group="model_38")
    for m in MARTS
    if m.model == MODEL
]


tourism_totals = sql_check(
    "tourism_totals",
    ["marts", "tourism_monthly"],
    blocking=True,
    description="Contract of the mart (blocks publication): arrivals and guest-nights at "
    "province level over all months equal those of the accepted stays. A mismatch means stays "
    "are lost or counted twice between staging and the mart, so every figure of the mart would "
    "be wrong.",
)


room_occupancy_plausible = sql_check(
    "room_occupancy_plausible",
    ["marts", "tourism_monthly"],
    blocking=False,
    description="Data quality (warns, publication goes on): room occupancy never exceeds 100 %. "
    "Guests occupying more room-nights than the establishment register lists is a defect of "
    "the register (rooms missing, opening or closing dates wrong), not of the mart: the "
    "arrivals and nights are right, the rate is published as computed with "
    "room_occupancy_over_100, and the affected cells are counted here.",
)
