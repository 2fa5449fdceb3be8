"""Incremental monthly runs (warehouse/incremental.py): a new month stages only its files and the
published marts equal a full run's; a rerun on unchanged files skips every data asset and leaves
published/ as it was; a re-sent record in the new month is still caught as a duplicate."""

import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pyarrow.parquet as pq
import pytest

from tests.conftest import SAMPLE, PipelineRun
from warehouse.publication_store import current_version, versions_dir

LAST = "2025-12"
PREVIOUS = "2025-11"
MONTHLY_FOLDERS = ("population", "lodging", "public_order")


def _without_last_month(tmp: Path) -> tuple[Path, list[Path]]:
    """A copy of the sample's landing without its last month's event files, and those files."""
    landing = tmp / "landing"
    shutil.copytree(SAMPLE / "landing", landing)
    last = [p for folder in MONTHLY_FOLDERS for p in (landing / folder).glob(f"*_{LAST}.*")]
    held = tmp / "held"
    held.mkdir()
    moved = []
    for p in last:
        target = held / p.parent.name / p.name
        target.parent.mkdir(exist_ok=True)
        shutil.move(p, target)
        moved.append(target)
    assert {p.name.split("_")[0] for p in moved} >= {"events", "stays", "incidents"}
    return landing, moved


def _deliver(landing: Path, files: list[Path]) -> None:
    for f in files:
        shutil.copy2(f, landing / f.parent.name / f.name)


def _run(landing: Path, data: Path, skip_groups: tuple[str, ...] = ()) -> PipelineRun:
    """The de06_all job (without some asset groups) on every month of the landing folder."""
    from dagster_project.definitions import build_definitions
    from dagster_project.jobs import landing_months, range_tags
    from warehouse.resource import Warehouse

    warehouse = Warehouse(landing_dir=str(landing), data_dir=str(data))
    defs = build_definitions(warehouse)
    job = defs.resolve_job_def("de06_all")
    if skip_groups:
        selection = dg.AssetSelection.all() - dg.AssetSelection.groups(*skip_groups)
        job = job.get_subset(asset_selection=selection.resolve(defs.resolve_asset_graph()))
    result = job.execute_in_process(
        tags=range_tags(landing_months(warehouse.landing)), raise_on_error=False
    )
    assert result.success, "the incremental test run failed"
    return PipelineRun(warehouse, result)


def _materializations(run: PipelineRun) -> dict[str, dict]:
    """Asset key -> metadata of its (last) materialization in the run."""
    out = {}
    for event in run.result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION":
            m = event.event_specific_data.materialization
            out[m.asset_key.to_user_string()] = {k: v.value for k, v in m.metadata.items()}
    return out


def _build_log(run: PipelineRun) -> list[tuple]:
    with run.warehouse_db() as con:
        return con.execute(
            "SELECT asset, partition, status, run_id, built_run_id, inputs FROM ops.build_log"
        ).fetchall()


@pytest.fixture(scope="module")
def incremental(tmp_path_factory):
    """Run 1: the sample without its last month, published (a copy of its marts kept);
    run 2: the last month delivered; runs 3 and 4: reruns on the same files."""
    tmp = tmp_path_factory.mktemp("incremental")
    landing, held = _without_last_month(tmp)
    data = tmp / "data"
    first = _run(landing, data)
    first_version = current_version(first.published).name
    shutil.copy2(first.published / "marts.duckdb", tmp / "first_marts.duckdb")
    shutil.copy2(first.warehouse.database_path, tmp / "first_warehouse.duckdb")
    _deliver(landing, held)
    # re-sent copies of earlier records in the new month: quarantined as DUPLICATE, so what is
    # staged and published is still what a full run on the sample gives
    planted = _plant_resent(landing)
    second = _run(landing, data)
    version_after_second = current_version(second.published).name
    mtime = (second.published / "marts.duckdb").stat().st_mtime_ns
    log_after_second = _build_log(second)
    third = _run(landing, data)
    # a second rerun: a skipped step must keep in its record what the next skip decision reads
    # (the published version): once this republished on every other unchanged rerun
    fourth = _run(landing, data)
    return {
        "first": first,
        "second": second,
        "third": third,
        "fourth": fourth,
        "version": version_after_second,
        "first_version": first_version,
        "first_marts": tmp / "first_marts.duckdb",
        "first_warehouse": tmp / "first_warehouse.duckdb",
        "mtime": mtime,
        "log_after_second": log_after_second,
        "planted": planted,
    }


def test_adding_a_month_publishes_what_a_full_run_publishes(incremental, sample_run):
    second = incremental["second"]
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{second.published / 'marts.duckdb'}' AS inc (READ_ONLY)")
        con.execute(f"ATTACH '{sample_run.published / 'marts.duckdb'}' AS whole (READ_ONLY)")

        def tables(db):
            return sorted(
                r[0]
                for r in con.execute(
                    "SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [db]
                ).fetchall()
            )

        assert tables("inc") == tables("whole") and len(tables("whole")) > 15
        for t in tables("whole"):
            for a, b in (("inc", "whole"), ("whole", "inc")):
                extra = con.execute(
                    f"SELECT count(*) FROM (SELECT * FROM {a}.{t} EXCEPT ALL SELECT * FROM {b}.{t})"
                ).fetchone()[0]
                assert extra == 0, f"{t}: {extra} rows in the {a} run's table not in the {b} run's"


def test_the_files_of_unchanged_tables_are_carried_over_as_a_full_run_writes_them(
    incremental, sample_run
):
    """The new month leaves the labour figures as they were: its workbook, report, CSV and
    Parquet files are hard links to the first set's, and they hold what a full run writes."""
    second = incremental["second"]
    carried = _materializations(second)["published/marts"]["files_carried_over"]
    assert {"excel/model_37.xlsx", "reports/model_37.html", "csv/labour_indicators.csv"} <= set(
        carried
    )
    assert not [p for p in carried if "model_38" in p or "tourism" in p]  # the month's lodging
    first_set = versions_dir(second.published) / incremental["first_version"]
    for path in carried:
        assert (second.published / path).stat().st_ino == (first_set / path).stat().st_ino
        if path.endswith(".csv"):
            assert (second.published / path).read_bytes() == (
                sample_run.published / path
            ).read_bytes(), path
        if path.endswith(".parquet"):
            assert pq.read_table(second.published / path).equals(
                pq.read_table(sample_run.published / path)
            ), path
    cells = []
    for run in (second, sample_run):
        book = openpyxl.load_workbook(run.published / "excel" / "model_37.xlsx", read_only=True)
        cells.append({ws.title: list(ws.values) for ws in book.worksheets})
    assert cells[0] == cells[1]


def test_a_new_month_perturbs_only_the_cells_its_records_touch(incremental):
    """Release after release, a cell of the same records keeps its published value: every
    count of an earlier month, reference date or year whose records did not change (the same
    true count and the same cell key in both warehouses) is published the same after the new
    month as before it. Cells that did change hold late registrations the new month's files
    brought for earlier months: new records, a new cell key, a new value."""
    from domains import MARTS

    second = incremental["second"]
    kept = changed = 0
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{incremental['first_warehouse']}' AS wb (READ_ONLY)")
        con.execute(f"ATTACH '{second.warehouse.database_path}' AS wa (READ_ONLY)")
        con.execute(f"ATTACH '{incremental['first_marts']}' AS pb (READ_ONLY)")
        con.execute(f"ATTACH '{second.published / 'marts.duckdb'}' AS pa (READ_ONLY)")
        for mart in MARTS:
            p = mart.perturbation

            def on(x, keys=p.keys):
                return " AND ".join(f"{x}.{k} IS NOT DISTINCT FROM mb.{k}" for k in keys)

            for column in p.counts:
                same, differ, moved = con.execute(
                    f"""WITH j AS (
                            SELECT mb.{column} = ma.{column}
                                   AND mb.{column}__ck = ma.{column}__ck AS same_records,
                                   pb.{column} <> pa.{column} AS moved
                            FROM wb.marts.{mart.name} mb
                            JOIN wa.marts.{mart.name} ma ON {on("ma")}
                            JOIN pb.{mart.name} pb ON {on("pb")}
                            JOIN pa.{mart.name} pa ON {on("pa")})
                        SELECT count(*) FILTER (WHERE same_records),
                               count(*) FILTER (WHERE same_records AND moved),
                               count(*) FILTER (WHERE NOT same_records AND moved)
                        FROM j"""
                ).fetchone()
                assert differ == 0, (
                    f"{mart.name}.{column}: {differ} cells of the same records moved"
                )
                kept += same
                changed += moved
    assert kept > 100_000
    assert changed < kept / 100  # late registrations: few, and only where records came in
    print(f"{kept} cells of the same records kept their value; {changed} took in new records")


def test_a_new_month_publishes_anew_only_the_periods_it_rebuilt(incremental):
    """The appended month's protection publishes the lodging and traffic period marts from the
    month their rebuild started and keeps the published tables of unchanged marts; what it
    publishes is a full run's (test_adding_a_month_publishes_what_a_full_run_publishes)."""
    protection = _materializations(incremental["second"])["publish/protected_marts"]
    anew = protection["periods_published_anew"]
    assert set(anew) >= {"tourism_monthly", "tourism_yearly", "traffic_violations_monthly"}
    marts = _materializations(incremental["second"])
    for name, since in anew.items():
        assert marts[f"marts/{name}"]["incremental/rebuilt_from"] <= since, name
    assert protection["marts_kept"] >= 1  # the labour marts: no new labour extract
    first = _materializations(incremental["first"])["publish/protected_marts"]
    assert first["periods_published_anew"] == {} and first["marts_kept"] == 0


def _data_versions(run: PipelineRun) -> dict[str, str]:
    """Asset key -> the data version Dagster recorded for its (last) materialization."""
    out = {}
    for event in run.result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION":
            m = event.event_specific_data.materialization
            out[m.asset_key.to_user_string()] = m.tags.get("dagster/data_version")
    return out


def test_dagster_data_versions_follow_the_skip_decisions(incremental):
    """The data version each asset reports is its inputs' fingerprint: the same in a rerun on
    unchanged files (every asset skipped), new where the new month changed the inputs."""
    first, second, third = (_data_versions(incremental[k]) for k in ("first", "second", "third"))
    data_assets = [k for k in second if not k.startswith("reference/")]
    assert len(data_assets) > 40 and all(second[k] for k in data_assets)
    assert {k: third[k] for k in data_assets} == {k: second[k] for k in data_assets}
    for changed in ("raw/stays", "staging/stays", "marts/tourism_monthly", "published/marts"):
        assert first[changed] != second[changed], changed
    meta = _materializations(incremental["second"])
    assert (
        second["marts/tourism_monthly"] == meta["marts/tourism_monthly"]["incremental/fingerprint"]
    )


def test_adding_a_month_loads_and_stages_only_that_month(incremental):
    first, second = incremental["first"], incremental["second"]
    log = {(a, p): (s, r, b, i) for a, p, s, r, b, i in incremental["log_after_second"]}
    second_id, first_id = second.result.run_id, first.result.run_id
    for source in ("events", "stays", "incidents", "traffic_violations"):
        months = {p: v for (a, p), v in log.items() if a == f"raw/{source}" and p}
        assert months[LAST][0] == "built" and months[LAST][2] == second_id
        earlier = {p: v for p, v in months.items() if p != LAST}
        assert len(earlier) == 23
        # earlier months: the files were not read again, their loads are run 1's
        assert all(s == "unchanged" and b == first_id for s, _, b, _ in earlier.values())
    meta = _materializations(second)
    # the month's files only: appended to the staged months (dedupe against them)
    for source in ("stays", "incidents", "traffic_violations", "events"):
        assert log[(f"staging/{source}", "")][0] == "appended"
        staged = meta[f"staging/{source}"]["incremental/files_staged"]
        assert len(staged) == 1 and LAST in staged[0]
        assert meta[f"staging/{source}"]["incremental/files_kept"] == 23
    # inputs without a new file are skipped in the same run
    for asset in ("staging/residents", "staging/establishments", "raw/residents"):
        assert meta[asset]["skipped"] == "unchanged inputs"
        assert log[(asset, "")][0] == "skipped"
    assert meta["raw/events"]["files_unchanged"] == 23
    # events keep the typed rows of the 23 months and type the new month's on its own
    # (test_appended_staging_equals_... compares the result)
    assert meta["staging/events"]["incremental/typed_rows_kept"] is True
    assert _materializations(first)["staging/events"]["incremental/typed_rows_kept"] is False
    # the population timeline is updated, not built whole: the persons the new events name get
    # their states again and the stocks after the first changed day are counted again; the
    # population indicators recompute the reference dates from the day its record gives
    # (test_adding_a_month_publishes_what_a_full_run_publishes compares them with a full run's)
    assert log[("marts/population_timeline", "")][0] == "updated"
    assert meta["marts/population_timeline"]["updated_from"] <= f"{LAST}-01"
    first_changed = json.loads(log[("marts/population_timeline", "")][3])["appended"]["from"]
    assert log[("marts/population_indicators", "")][0] == "periods rebuilt"
    assert meta["marts/population_indicators"]["incremental/rebuilt_from"] == first_changed
    # labour reads the timeline up to its reference dates (1 July): December's events change
    # nothing it reads, so labour staging and the labour marts are not rebuilt
    # (test_appended_staging_equals... compares labour staging too)
    for asset in ("staging/labour_status", "marts/labour_base", "marts/labour_indicators"):
        assert meta[asset]["skipped"] == "unchanged inputs", asset
    # the tourism marts recompute the periods the appended stays change, from the earliest
    # check-in of the new month's accepted stays or the end of the open stays censored anew;
    # test_adding_a_month_publishes_what_a_full_run_publishes compares them with a full run's
    since = json.loads(log[("staging/stays", "")][3])["appended"]["from"]
    assert since <= f"{LAST}-01"  # the open stays of November end on 1 December
    for asset in (
        "marts/tourism_monthly",
        "marts/tourism_by_nationality",
        "marts/tourism_yearly",
        "marts/tourism_by_nationality_yearly",
        "marts/lodging_compliance",
    ):
        assert log[(asset, "")][0] == "periods rebuilt", asset
        assert meta[asset]["incremental/rebuilt_from"] == since, asset
    # the camera violations: from the earliest month of the new accepted rows or of the new
    # file, which is December unless a late record is dated earlier
    violations = json.loads(log[("staging/traffic_violations", "")][3])["appended"]["from"]
    assert violations <= f"{LAST}-01"
    assert log[("marts/traffic_violations_monthly", "")][0] == "periods rebuilt"
    assert meta["marts/traffic_violations_monthly"]["incremental/rebuilt_from"] == violations


@pytest.mark.parametrize("rerun", ["third", "fourth"])
def test_rerun_on_unchanged_files_skips_everything_and_keeps_published(incremental, rerun):
    run = incremental[rerun]
    meta = _materializations(run)
    data_assets = [k for k in meta if not k.startswith("reference/")]
    assert len(data_assets) > 40
    not_skipped = [k for k in data_assets if meta[k].get("skipped") != "unchanged inputs"]
    assert not not_skipped, f"rebuilt on unchanged files: {not_skipped}"
    # published/ is the same set: same version folder, the file not rewritten, no new folder
    assert current_version(run.published).name == incremental["version"]
    assert (run.published / "marts.duckdb").stat().st_mtime_ns == incremental["mtime"]
    versions = {p.name for p in (run.published.parent / "versions").iterdir()}
    assert versions == {incremental["first_version"], incremental["version"]}
    # the suites' verdicts are the recorded ones (no validation on unchanged tables)
    checks = [
        e.event_specific_data
        for e in run.result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.event_specific_data.check_name.endswith(("_contract", "_quality"))
    ]
    assert checks and all(c.metadata["skipped"].value == "unchanged inputs" for c in checks)
    assert all(c.passed for c in checks if c.check_name.endswith("_contract"))


def test_after_an_append_the_contracts_validate_the_rows_it_added_or_rewrote(incremental):
    """The month's run validates, for the three appended sources' contracts, only the rows the
    append added or rewrote (with those sharing their unique ids): they passed on every other
    row in the first run. The suites with `mostly` thresholds (shares of the whole table)
    validate the whole table."""
    second = incremental["second"]
    checks = {
        e.event_specific_data.check_name: e.event_specific_data
        for e in second.result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }
    with second.warehouse_db() as con:
        for source in ("stays", "incidents", "traffic_violations"):
            contract, quality = checks[f"{source}_contract"], checks[f"{source}_quality"]
            meta = {k: v.value for k, v in contract.metadata.items()}
            staged = con.execute(f"SELECT count(*) FROM staging.{source}").fetchone()[0]
            assert contract.passed and meta["validated"] == "appended or rewritten rows", source
            assert meta["rows_in_table"] == staged and 0 < meta["rows_validated"] < staged, meta
            assert quality.metadata["validated"].value == "whole table", source
            assert quality.metadata["rows_validated"].value == staged, source
        assert not con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '\\_validating\\_%' "
            "ESCAPE '\\'"
        ).fetchall()


# ---------------------------------------------------------------- re-sent records in a new month


def _plant_resent(landing: Path) -> dict[str, list[int]]:
    """Append to the new month's files copies of records of the month before: the same
    notification (same id), the same stay under a new notification id, the same incident and
    the same camera record. Returns the planted row numbers per source."""
    planted = {}
    previous = (landing / "lodging" / f"stays_{PREVIOUS}.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in previous[:2]]
    same_id = dict(records[0])
    new_id = dict(records[1], notification_id=str(records[1]["notification_id"]) + "-R")
    path = landing / "lodging" / f"stays_{LAST}.jsonl"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, json.dumps(same_id), json.dumps(new_id)]) + "\n")
    planted["stays"] = [len(lines) + 1, len(lines) + 2]

    # an event of the month before: its kept typed row and the new file's are one event id
    ev_prev = (landing / "population" / f"events_{PREVIOUS}.csv").read_text().splitlines()
    path = landing / "population" / f"events_{LAST}.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, ev_prev[1]]) + "\n")
    planted["events"] = [len(lines)]

    inc_prev = (landing / "public_order" / f"incidents_{PREVIOUS}.csv").read_text().splitlines()
    path = landing / "public_order" / f"incidents_{LAST}.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, inc_prev[1]]) + "\n")
    planted["incidents"] = [len(lines)]  # the header is not a row

    prev = pq.read_table(landing / "public_order" / f"traffic_violations_{PREVIOUS}.parquet")
    path = landing / "public_order" / f"traffic_violations_{LAST}.parquet"
    table = pq.read_table(path)
    import pyarrow as pa

    pq.write_table(pa.concat_tables([table, prev.slice(0, 1).cast(table.schema)]), path)
    planted["traffic_violations"] = [table.num_rows + 1]
    return planted


COMPARED = ("events", "stays", "incidents", "traffic_violations", "labour_status")


def test_resent_records_in_the_new_month_are_still_duplicates(incremental):
    second = incremental["second"]
    with second.warehouse_db() as con:
        for source, rows in incremental["planted"].items():
            folder = {"stays": "lodging", "events": "population"}.get(source, "public_order")
            ext = {"stays": "jsonl", "incidents": "csv", "events": "csv"}.get(source, "parquet")
            found = con.execute(
                f"SELECT _row_number, reason_codes FROM quarantine.{source} "
                "WHERE _source_file = ? ORDER BY 1",
                [f"{folder}/{source}_{LAST}.{ext}"],
            ).fetchall()
            codes = {r: c for r, c in found}
            assert all(codes.get(r) == ["DUPLICATE"] for r in rows), (source, rows, codes)


def test_appended_staging_equals_a_staging_of_all_months(incremental, sample_run):
    """Staging after appending the month equals the full run's (the load batch column aside:
    the files were loaded by different runs); quarantine too, plus the planted copies."""
    planted = incremental["planted"]
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{incremental['second'].warehouse.database_path}' AS inc (READ_ONLY)")
        con.execute(f"ATTACH '{sample_run.warehouse.database_path}' AS whole (READ_ONLY)")

        def extra(a: str, b: str, t: str) -> int:
            return con.execute(
                f"SELECT count(*) FROM (SELECT * EXCLUDE (_batch_id) FROM {a}.{t} "
                f"EXCEPT ALL SELECT * EXCLUDE (_batch_id) FROM {b}.{t})"
            ).fetchone()[0]

        for source in COMPARED:
            t = f"staging.{source}"
            assert con.execute(f"SELECT count(*) FROM whole.{t}").fetchone()[0] > 0
            assert extra("inc", "whole", t) == 0 and extra("whole", "inc", t) == 0, t
            q = f"quarantine.{source}"
            assert extra("whole", "inc", q) == 0, q
            assert extra("inc", "whole", q) == len(planted.get(source, [])), q
        # quality figures alike, but for the planted duplicates of the new month
        figures = [
            con.execute(
                f"SELECT source, source_file, kind, figure, value FROM {db}.ops.quality_figures "
                "WHERE NOT (kind = 'reject' AND figure = 'DUPLICATE') ORDER BY ALL"
            ).fetchall()
            for db in ("inc", "whole")
        ]
        assert figures[0] == figures[1]


# ---------------------------------------------------------------- a late notification


def test_a_late_notification_rebuilds_the_lodging_marts_from_its_check_in(incremental, tmp_path):
    """The new month's file brings two stays checked in months before, one across a year's end
    (notified late, accepted): the period marts are rebuilt from the earlier check-in, and what
    is published equals a full run on the same files."""
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLE / "landing", landing)
    path = landing / "lodging" / f"stays_{LAST}.jsonl"
    lines = path.read_text().splitlines()
    record = json.loads(lines[0])
    late = [
        dict(
            record,
            notification_id=f"{record['notification_id']}-LATE{i}",
            check_in=check_in,
            check_out=check_out,
            notified_at=f"{LAST}-01 09:00:00",
        )
        for i, (check_in, check_out) in enumerate(
            [("2024-12-30 14:00:00", "2025-01-02 10:00:00"), ("2025-03-10 14:00:00", None)]
        )
    ]
    late[1].pop("check_out")  # still open: censored at the end of the new month
    path.write_text("\n".join([*lines, *map(json.dumps, late)]) + "\n")
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy2(incremental["first_warehouse"], data / "warehouse.duckdb")
    appended = _run(landing, data)
    whole = _run(landing, tmp_path / "whole")

    log = {(a, p): (s, i) for a, p, s, _, _, i in _build_log(appended)}
    assert json.loads(log[("staging/stays", "")][1])["appended"]["from"] == "2024-12-30"
    meta = _materializations(appended)
    for mart in ("tourism_monthly", "tourism_yearly", "lodging_compliance"):
        assert log[(f"marts/{mart}", "")][0] == "periods rebuilt", mart
        assert meta[f"marts/{mart}"]["incremental/rebuilt_from"] == "2024-12-30", mart
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{appended.warehouse.database_path}' AS wh (READ_ONLY)")
        accepted = con.execute(
            "SELECT count(*) FROM wh.staging.stays WHERE notification_id LIKE '%-LATE%'"
        ).fetchone()[0]
        assert accepted == 2  # both staged, so both count in the marts
        con.execute(f"ATTACH '{appended.published / 'marts.duckdb'}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{whole.published / 'marts.duckdb'}' AS b (READ_ONLY)")
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'b' ORDER BY 1"
            ).fetchall()
        ]
        assert "tourism_monthly" in tables
        for t in tables:
            for x, y in (("a", "b"), ("b", "a")):
                extra = con.execute(
                    f"SELECT count(*) FROM (SELECT * FROM {x}.{t} EXCEPT ALL SELECT * FROM {y}.{t})"
                ).fetchone()[0]
                assert extra == 0, (t, x)
