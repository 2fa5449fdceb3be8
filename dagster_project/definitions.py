"""The Dagster definitions of de06-analytics: assets, checks, jobs, schedules, sensors,
resources and executor. `dagster dev` in the repo root serves them through workspace.yaml."""

from __future__ import annotations

import dagster as dg

import assets.publish as publish
import assets.reference as reference
from assets import DOMAINS
from dagster_project.jobs import all_assets_job, landing_sensor, monthly_schedule
from dagster_project.resources import Warehouse

asset_modules = [reference, *DOMAINS, publish]

defs = dg.Definitions(
    assets=dg.load_assets_from_modules(asset_modules),
    asset_checks=dg.load_asset_checks_from_modules(asset_modules),
    jobs=[all_assets_job],
    schedules=[monthly_schedule],
    sensors=[landing_sensor],
    resources={"warehouse": Warehouse.from_env()},
    # One DuckDB writer: steps run one after another in one process (no lock contention, no
    # per-step process start-up); DuckDB parallelises inside each step.
    executor=dg.in_process_executor,
)
