"""Patterns shared by the domain modules: partitions, raw loading, staging, suite checks."""


from typing import Callable

import dagster as dg

from dagster_project.resources import Warehouse
from marts.reports import catalogue_entry
from quality import staging, suites
from sources.contracts import SourceContract
from sources.readers import ExtractError, LandingFile, ensure_raw_table, landing_files, load_raw_file

# Monthly sources: one partition per calendar month from the first extract month. A backfill
# over many months runs as one run (the raw loaders handle a range of months at once).
MONTHLY = dg.MonthlyPartitionsDefinition(start_date="2024-01-01", end_offset=0)
SINGLE_RUN = dg.BackfillPolicy.single_run()


def batch_id(context: dg.AssetExecutionContext) -> str:
    return context.run_id


def load_files(
    context: dg.AssetExecutionContext, warehouse: Warehouse, contract: SourceContract,
    files: list[LandingFile],
) -> dg.MaterializeResult:
    """Load landing files into raw.<source>; metadata has counts per file, never row content.

    A source with no file at all in the landing folder (not delivered yet) loads nothing: its raw
    table is created empty, its marts come out empty, and the asset says so in its metadata;
    the other sources go on."""
    results = []
    if not files:
        context.log.warning(
            f"{warehouse.landing / contract.folder}: no {contract.source} extract delivered "
            f"(expected files named like {contract.pattern}); nothing loaded for this source."
        )
    with warehouse.connect() as con:
        ensure_raw_table(con, contract)
        for f in files:
            try:
                results.append(load_raw_file(con, contract, f, batch_id(context)))
            except ExtractError as exc:
                raise dg.Failure(
                    description=str(exc),
                    metadata={"file": exc.path, "problem": exc.problem, "fix": exc.fix},
                ) from exc
        total = con.execute(f"SELECT count(*) FROM raw.{contract.source}").fetchone()[0]
    for r in results:
        context.log.info(f"{r['file']}: {r['rows']} rows ({r['status']})")
    return dg.MaterializeResult(
        metadata={
            "files": len(results),
            "rows_in_files": sum(r["rows"] for r in results),
            "files_unchanged": sum(r["status"] == "unchanged" for r in results),
            "raw_table_rows": total,
            "per_file": dg.MetadataValue.md(
                "| file | rows | status |\n|---|---:|---|\n"
                + "\n".join(f"| {r['file']} | {r['rows']} | {r['status']} |" for r in results)
            ),
            "dagster/row_count": total,
        }
    )


def monthly_files(
    context: dg.AssetExecutionContext, warehouse: Warehouse, contract: SourceContract
) -> list[LandingFile]:
    """The landing files of the run's partition months; a month without its file fails clearly
    (a source with no file at all is not delivered yet: nothing to load, see load_files)."""
    by_month = {f.period: f for f in landing_files(warehouse.landing, contract)}
    if not by_month:
        return []
    months = [k[:7] for k in context.partition_keys]
    missing = [m for m in months if m not in by_month]
    if missing:
        example = contract.pattern.replace(r"(?P<period>\d{4}-\d{2})", missing[0]).replace("\\", "")
        raise dg.Failure(
            description=(
                f"{warehouse.landing / contract.folder}: no {contract.source} extract for "
                f"{', '.join(missing)} (expected a file named like {example}). Fix: deliver the "
                "month's extract to the landing folder, or run only the months that have arrived."
            ),
            metadata={"missing_months": ", ".join(missing)},
        )
    return [by_month[m] for m in months]


def staging_specs(
    source: str, group: str, deps: list, staged: str, rejected: str
) -> list[dg.AssetSpec]:
    """The two outputs of a staging step: staging.<source> (accepted rows) and
    quarantine.<source> (rejected rows with reason codes), with the same inputs."""
    return [
        dg.AssetSpec(["staging", source], group_name=group, kinds={"duckdb", "sql"}, deps=deps,
                     description=staged),
        dg.AssetSpec(["quarantine", source], group_name=group, kinds={"duckdb", "sql"}, deps=deps,
                     description=rejected),
    ]


def stage(
    warehouse: Warehouse, source: str, sql_file: str, drop: tuple[str, ...] = ()
) -> tuple[dg.MaterializeResult, dg.MaterializeResult]:
    """Run a staging SQL file; results for the staging and quarantine outputs."""
    with warehouse.connect() as con:
        figures = staging.split_checked(con, source, sql_file, drop)
    return (
        dg.MaterializeResult(
            asset_key=["staging", source],
            metadata={
                "dagster/row_count": figures["staged"],
                "repairs": dg.MetadataValue.json(figures["repairs"]),
            },
        ),
        dg.MaterializeResult(
            asset_key=["quarantine", source],
            metadata={
                "dagster/row_count": figures["quarantined"],
                "reasons": dg.MetadataValue.json(figures["reasons"]),
            },
        ),
    )


def suite_check(
    asset_key: list[str], suite_fn: Callable, blocking: bool, description: str
) -> dg.AssetChecksDefinition:
    """A Dagster asset check that runs a great-expectations suite on the asset's table."""

    @dg.asset_check(
        asset=dg.AssetKey(asset_key),
        name=suite_fn.__name__,
        blocking=blocking,
        description=description,
    )
    def _check(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            outcome = suites.validate(con, suite_fn(con))
        return dg.AssetCheckResult(
            passed=outcome["success"],
            severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
            metadata={
                "rows_validated": outcome["rows"],
                "expectations": outcome["expectations"],
                "failed_expectations": len(outcome["failed"]),
                "failures": dg.MetadataValue.json(outcome["failed"]),
            },
        )

    return _check


def run_mart_sql(warehouse: Warehouse, sql_file: str) -> None:
    with warehouse.connect() as con:
        staging.run_sql_file(con, "marts", sql_file)


def mart_asset(mart, deps: list, group: str) -> dg.AssetsDefinition:
    """An asset that runs marts/<name>.sql; metadata: row count, grain, and a preview of the
    province-level rows (aggregates only)."""

    @dg.asset(
        key=["marts", mart.name],
        group_name=group,
        kinds={"duckdb", "sql"},
        deps=deps,
        description=f"{mart.title_vi} / {mart.title_en}. Grain: {mart.grain}. "
        f"Definitions and sources: marts/{mart.sql}.",
        metadata=catalogue_entry(mart),  # the catalogue entry, shown in the UI before any run
    )
    def _mart(warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            staging.run_sql_file(con, "marts", mart.sql)
            rows = con.execute(f"SELECT count(*) FROM marts.{mart.name}").fetchone()[0]
            cols = [r[0] for r in con.execute(f"DESCRIBE marts.{mart.name}").fetchall()]
            level_filter = "WHERE area_level = 'province'" if "area_level" in cols else ""
            preview = con.execute(
                f"SELECT * FROM marts.{mart.name} {level_filter} LIMIT 12"
            ).pl()
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": rows,
                "grain": mart.grain,
                "preview_province": dg.MetadataValue.md(_markdown(preview)),
            }
        )

    return _mart


def _markdown(frame) -> str:
    if frame.is_empty():
        return "(no rows)"
    header = "| " + " | ".join(frame.columns) + " |"
    sep = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in frame.iter_rows()]
    return "\n".join([header, sep, *body])
