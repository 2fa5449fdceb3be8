"""The Dagster definitions of de06-analytics: assets, checks, jobs, schedules, sensors,
resources and executor. `dagster dev` in the repo root serves them through workspace.yaml."""

import dagster as dg

import assets.publish as publish
import assets.reference as reference
from assets import DOMAINS
from dagster_project.jobs import all_assets_job, landing_sensor, monthly_schedule
from warehouse.resource import Warehouse

ASSET_MODULES = [reference, *DOMAINS, publish]


def build_definitions(warehouse: Warehouse) -> dg.Definitions:
    """The definitions on a given warehouse (tests pass a temporary one)."""
    return dg.Definitions(
        assets=dg.load_assets_from_modules(ASSET_MODULES),
        asset_checks=dg.load_asset_checks_from_modules(ASSET_MODULES),
        jobs=[all_assets_job],
        schedules=[monthly_schedule],
        sensors=[landing_sensor],
        resources={"warehouse": warehouse},
        # One DuckDB writer: steps run one after another in one process (no lock contention, no
        # per-step process start-up); DuckDB parallelises inside each step.
        executor=dg.in_process_executor,
    )


defs = build_definitions(Warehouse.from_env())
