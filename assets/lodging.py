"""Model 38 inputs and marts: the lodging establishment register and the monthly guest-stay
notifications, from landing files to raw, staging and quarantine, then the tourism marts."""

import dagster as dg

from assets import declared
from assets.common import raw_asset, stage
from domains import lodging as domain
from sources.contracts.lodging import ESTABLISHMENTS, STAYS
from warehouse.resource import Warehouse

GROUP, MODEL, SOURCES, QUARANTINE_KEYS = declared.exported(domain)
STAYS_STEP = declared.staging_step(domain, "stays")  # staged here: its flags are counted too


raw_establishments = raw_asset(
    ESTABLISHMENTS,
    GROUP,
    """The lodging establishment register (hotels, guesthouses, motels, homestays, rental rooms,
    worker housing, hospitals, long-distance buses) as received: one row per establishment, every
    value text. The register is current: communes are 2025 codes.""",
)
raw_stays = raw_asset(
    STAYS,
    GROUP,
    """Lodging notifications as exported by the notification API, one partition per check-in
    month (`stays_YYYY-MM.jsonl`), every value text. A backfill over many months runs as one run.""",
)


@dg.multi_asset(specs=declared.staging_spec(domain, STAYS_STEP))
def staged_stays(warehouse: Warehouse):
    staged, quarantined = stage(warehouse, STAYS_STEP.source, STAYS_STEP.sql_file)
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
        data_version=staged.data_version,
    )
    yield quarantined


# Built from the domain's declaration (domains/lodging.py): staging steps, marts, checks.
STAGED = declared.staging_assets(domain, custom=("stays",))
MODEL_38_MARTS = declared.mart_assets(domain)
checks = declared.checks(domain)
