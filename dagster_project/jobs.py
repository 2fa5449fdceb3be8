"""Jobs, schedule and sensor.

de06_all refreshes everything: reference data, every source, the marts and the published copy.
Monthly sources are partitioned by month; a run names the months to (re)load with Dagster's
partition-range tags and loads them in one run (unchanged files are skipped).
"""

import hashlib
import json

import dagster as dg

from sources.contracts import CONTRACTS
from sources.placement import place
from sources.readers import landing_files
from warehouse.resource import Warehouse

all_assets_job = dg.define_asset_job(
    "de06_all",
    selection=dg.AssetSelection.all(),
    description="Load every landing extract, clean and validate, build all marts, publish.",
)

# Dagster's partition-range run tags. Dagster defines them only in a private module
# (dagster._core.storage.tags.ASSET_PARTITION_RANGE_START_TAG/_END_TAG), not in its public API, so
# they are spelled here; tests/assets/test_definitions.py fails if Dagster's spelling ever changes.
RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def month_key(month: str) -> str:
    return f"{month}-01"


def range_tags(months: list[str]) -> dict[str, str]:
    return {RANGE_START: month_key(min(months)), RANGE_END: month_key(max(months))}


def landing_months(landing) -> list[str]:
    """Months for which a monthly extract is in the landing folder, of the files the run can
    place (sources/placement.py): a file named with an impossible or implausible month
    (`events_2042-02.csv`) never stretches the run; its raw asset fails naming it."""
    return place(landing).months()


def misplaced_files(landing) -> list[str]:
    """What is wrong with each landing file the run cannot place (file, problem and fix)."""
    return [str(e) for _, e in sorted(place(landing).problems.items())]


# Each tick requests the last complete month of MONTHLY (the previous month; its timezone,
# Asia/Ho_Chi_Minh, is the schedule's).
monthly_schedule = dg.build_schedule_from_partitioned_job(
    all_assets_job,
    name="monthly_schedule",
    day_of_month=5,
    hour_of_day=6,
    minute_of_hour=0,
    description="On the 5th of each month at 06:00 (Vietnam time), load the previous month's "
    "extracts and republish.",
)


@dg.sensor(
    job=all_assets_job,
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Watches the landing folder; new or changed extracts start one run covering the "
    "months concerned.",
)
def landing_sensor(context: dg.SensorEvaluationContext, warehouse: Warehouse):
    seen = json.loads(context.cursor) if context.cursor else {}
    now, changed_months, other_changed = {}, set(), False
    misplaced = place(warehouse.landing).problems
    for contract in CONTRACTS.values():
        for f in landing_files(warehouse.landing, contract):
            stat = f.path.stat()
            now[f.relative] = f"{stat.st_mtime_ns}:{stat.st_size}"
            if seen.get(f.relative) != now[f.relative]:
                if contract.monthly and f.relative not in misplaced:
                    changed_months.add(f.period)
                else:  # a file the run cannot place: the latest month's run names it
                    other_changed = True
    if not changed_months and not other_changed:
        return dg.SkipReason("no new or changed landing files")
    months = sorted(changed_months) or landing_months(warehouse.landing)[-1:]
    context.update_cursor(json.dumps(now))
    if not months:
        return dg.SkipReason("no monthly extract in the landing folder")
    return dg.RunRequest(run_key=state_digest(now), tags=range_tags(months))


def state_digest(state: dict[str, str]) -> str:
    """The run key of a landing state: a digest of every file's state (a prefix of the JSON
    dropped changes to the later files of a large landing folder)."""
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode("utf-8")).hexdigest()
