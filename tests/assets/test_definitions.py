"""The Dagster definitions as the UI shows them: every asset documented, grouped and typed;
the schedule and the landing sensor ask for the right runs."""

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from dagster_project.definitions import build_definitions, defs
from dagster_project.jobs import RANGE_END, RANGE_START, landing_sensor, monthly_schedule
from tests.helpers import resident, write_events, write_residents
from warehouse.resource import Warehouse


def test_definitions_load():
    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_job_def("de06_all") is not None


def test_every_asset_is_documented_grouped_and_typed():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description and len(node.description) > 40, key
        assert node.group_name and node.group_name != "default", key
        assert node.kinds, key


def test_every_data_asset_declares_its_code_version():
    """Dagster's own versioning: every asset but the reference tables (rebuilt from the
    repository's CSVs on every run) declares a code version, the digest of the files that define
    it, which is also the code part of the fingerprint its skip decision uses."""
    from warehouse import incremental

    graph = defs.resolve_asset_graph()
    keys = [k for k in graph.get_all_asset_keys() if k.path[0] != "reference"]
    assert len(keys) > 45
    for key in keys:
        version = graph.get(key).code_version
        assert version and len(version) == 16, key
    mart = graph.get(dg.AssetKey(["marts", "population_change"])).code_version
    code = ("marts/population_change.sql", *incremental.MART_CODE)
    assert mart == incremental.code_version(code)[:16]
    # the macros the marts share (marts/shared/macros.sql) are part of every mart's version: a
    # change to one marks the marts stale
    assert {"quality/rules.sql", "marts/shared/macros.sql"} <= set(incremental.MART_CODE)


def test_layers_and_models_have_their_groups():
    graph = defs.resolve_asset_graph()
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert {"reference", "population", "model_36", "ops", "publish"} <= groups


def test_contract_checks_are_blocking():
    checks = {
        spec.name: spec.blocking
        for ad in [*defs.asset_checks, *defs.assets]
        for spec in getattr(ad, "check_specs", [])
    }
    assert checks["residents_contract"] and checks["events_contract"]
    assert checks["every_row_accounted"] and checks["population_balances"]
    assert checks["residents_quality"] is False


def _schedule_tick(when: datetime):
    schedule = defs.resolve_schedule_def(monthly_schedule.name)
    with dg.build_schedule_context(scheduled_execution_time=when) as context:
        return schedule.evaluate_tick(context)


def test_monthly_schedule_runs_on_the_5th_at_6_vietnam_time():
    schedule = defs.resolve_schedule_def(monthly_schedule.name)
    assert (schedule.cron_schedule, schedule.execution_timezone) == (
        "0 6 5 * *",
        "Asia/Ho_Chi_Minh",
    )
    assert schedule.job_name == "de06_all"


def test_monthly_schedule_requests_the_previous_month_once():
    vietnam = ZoneInfo("Asia/Ho_Chi_Minh")
    for when, month in [
        (datetime(2025, 8, 5, 6, 0, tzinfo=vietnam), "2025-07-01"),
        (datetime(2025, 1, 5, 6, 0, tzinfo=vietnam), "2024-12-01"),  # across the year
    ]:
        [request] = _schedule_tick(when).run_requests
        assert request.partition_key == month and request.run_key == month


def test_monthly_schedule_skips_before_the_first_partition():
    tick = _schedule_tick(datetime(2024, 1, 5, 6, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))
    assert not tick.run_requests and tick.skip_message


def test_landing_sensor_requests_changed_months(tmp_path):
    landing = tmp_path / "landing"
    write_residents(landing, [resident("052090000001", "Nam", "01/01/1990", "21553")])
    write_events(landing, "2025-06", [])
    write_events(landing, "2025-07", [])
    warehouse = Warehouse(landing_dir=str(landing), data_dir=str(tmp_path / "data"))
    with dg.build_sensor_context(resources={"warehouse": warehouse}) as context:
        request = landing_sensor(context)
        assert request.tags[RANGE_START] == "2025-06-01" and request.tags[RANGE_END] == "2025-07-01"
        cursor = context.cursor
    with dg.build_sensor_context(resources={"warehouse": warehouse}, cursor=cursor) as context:
        assert isinstance(landing_sensor(context), dg.SkipReason)


def test_build_definitions_uses_the_given_warehouse(tmp_path):
    wh = Warehouse(landing_dir=str(tmp_path), data_dir=str(tmp_path / "d"))
    built = build_definitions(wh)
    assert built.resources["warehouse"].data_dir == str(tmp_path / "d")


def test_range_tags_are_dagsters_partition_range_tags():
    from dagster._core.storage import tags  # private: only to pin the spelling in jobs.py

    assert RANGE_START == tags.ASSET_PARTITION_RANGE_START_TAG
    assert RANGE_END == tags.ASSET_PARTITION_RANGE_END_TAG
