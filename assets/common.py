"""Patterns shared by the domain modules: partitions, raw loading, staging, suite checks, SQL
checks (quality/checks/<name>.sql) and mart assets."""

import functools
import inspect
import re
import warnings
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb

from marts.lineage import deps_of
from quality import staging, suites
from reporting.dictionary import catalogue_entry
from reporting.text import md_table
from sources.contracts import SourceContract
from sources.placement import place
from sources.readers import (
    ExtractError,
    LandingFile,
    ensure_raw_table,
    files_not_in_landing,
    landing_files,
    load_raw_file,
    read_ahead,
)
from warehouse import incremental
from warehouse.resource import Warehouse

# Monthly sources: one partition per calendar month from the first extract month. A backfill
# over many months runs as one run (the raw loaders handle a range of months at once). Months are
# Vietnam's calendar months: the monthly schedule runs in this timezone.
MONTHLY = dg.MonthlyPartitionsDefinition(
    start_date="2024-01-01", end_offset=0, timezone="Asia/Ho_Chi_Minh"
)
SINGLE_RUN = dg.BackfillPolicy.single_run()
# a backfill of the monthly raw assets as one run is deliberate; Dagster marks the parameter
# beta and would say so at every start
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning)

# Why a contract suite blocks (issue 8: quality findings warn, contract breaches block).
CONTRACT = (
    "Contract (blocks the marts): staging quarantines every row that would break one of these "
    "expectations, with a reason code, so a failure is never a data defect: it means staging "
    "itself is wrong (a key repeated, a code outside its list, a required value missing) and "
    "every mart built on the table would be wrong."
)
QUALITY = (
    "Data quality (warns, the marts are published): the failed expectations and their counts "
    "are in the check's metadata and the quality report; tell the delivering agency."
)


def safe_message(exc: BaseException) -> str:
    """An exception's first line with quoted text removed: a database error may quote the cell
    it failed on, and no cell value may reach a message, a log line or metadata."""
    text = (str(exc).strip().splitlines() or [""])[0]
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", text)
    return f"{type(exc).__name__}: {text[:300]}"


def machine_fix(con, exc: BaseException) -> str | None:
    """What to do when DuckDB failed for want of memory or disk space, which says nothing about
    the files (None for any other failure)."""
    if isinstance(exc, duckdb.OutOfMemoryException):
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        return (
            f"DuckDB ran out of memory (memory_limit {limit}). Fix: raise memory_limit in the "
            "warehouse resource's connection_config, or free memory on this machine, then rerun"
        )
    if isinstance(exc, duckdb.IOException) and "No space left" in str(exc):
        return (
            "the disk of the warehouse or of DuckDB's temporary files is full. Fix: free disk "
            "space there, then rerun"
        )
    return None


def batch_id(context: dg.AssetExecutionContext) -> str:
    return context.run_id


def load_files(
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    contract: SourceContract,
    files: list[LandingFile],
) -> dg.MaterializeResult:
    """Load landing files into raw.<source>; metadata has counts per file, never row content.

    A source with no file at all in the landing folder (not delivered yet) loads nothing: its raw
    table is created empty, its marts come out empty, and the asset says so in its metadata;
    the other sources go on."""
    results = []
    fail_if_misplaced(warehouse, contract)
    if not files:
        context.log.warning(
            f"{warehouse.landing / contract.folder}: no {contract.source} extract delivered "
            f"(expected files named like {contract.pattern}); nothing loaded for this source."
        )
    with warehouse.connect() as con:
        ensure_raw_table(con, contract)
        for f, prefetched in read_ahead(con, contract, files):
            try:
                results.append(load_raw_file(con, contract, f, batch_id(context), prefetched))
            except ExtractError as exc:
                raise dg.Failure(
                    description=str(exc),
                    metadata={"file": exc.path, "problem": exc.problem, "fix": exc.fix},
                ) from exc
            except Exception as exc:  # unforeseen: still say which source and file
                if fix := machine_fix(con, exc):
                    raise dg.Failure(
                        description=f"{contract.source}: loading {f.relative} stopped: {fix}. "
                        "Nothing of this file was loaded, and nothing says the file is wrong",
                        metadata={"source": contract.source, "file": f.relative},
                    ) from None
                raise dg.Failure(
                    description=f"{contract.source}: loading {f.relative} failed "
                    f"({safe_message(exc)}); nothing of this file was loaded. Fix: check the "
                    "file against its contract in sources/contracts/, then rerun",
                    metadata={"source": contract.source, "file": f.relative},
                ) from None  # the original may quote a cell
            if results[-1]["status"] in ("new", "replaced"):
                # its rows will be validated: great-expectations is imported meanwhile
                suites.import_in_background()
        missing = files_not_in_landing(con, contract, warehouse.landing)
        total = con.execute(f"SELECT count(*) FROM raw.{contract.source}").fetchone()[0]
        # what the table holds now (path, size, sha256 per file): downstream steps skip on it
        built = incremental.record_raw(context, con, contract, results, files)
    for r in results:
        repairs = f", read repairs: {', '.join(r['repairs'])}" if r.get("repairs") else ""
        context.log.info(f"{r['file']}: {r['rows']} rows ({r['status']}{repairs})")
    if missing:
        context.log.warning(
            f"{contract.source}: {len(missing)} loaded file(s) no longer in the landing folder, "
            f"their rows are kept: {', '.join(missing)} (withdraw one with "
            "python -m dagster_project.run --withdraw <file>)"
        )
    return dg.MaterializeResult(
        metadata={
            "files": len(results),
            "rows_in_files": sum(r["rows"] for r in results),
            "files_unchanged": sum(r["status"] == "unchanged" for r in results),
            "files_withdrawn_skipped": sum(r["status"] == "withdrawn" for r in results),
            "files_not_in_landing_kept": dg.MetadataValue.json(missing),
            "read_repairs": dg.MetadataValue.json(
                {r["file"]: r["repairs"] for r in results if r.get("repairs")}
            ),
            "raw_table_rows": total,
            "per_file": dg.MetadataValue.md(
                md_table(
                    ["file", "rows", "status"],
                    [(r["file"], r["rows"], r["status"]) for r in results],
                )
            ),
            "dagster/row_count": total,
            **built,
        },
        data_version=dg.DataVersion(built["incremental/fingerprint"]),  # the files it holds
    )


def fail_if_misplaced(warehouse: Warehouse, contract: SourceContract) -> None:
    """A file of this source whose date the run cannot place (sources/placement.py: no calendar
    date, after the run date, before the baseline, apart from every other monthly extract)
    fails the source's raw asset, naming each such file, the problem and the fix; nothing of
    the source is loaded."""
    problems = place(warehouse.landing).problems_of(contract)
    if not problems:
        return
    shown = " | ".join(str(e) for e in problems)
    raise dg.Failure(
        description=f"{contract.source}: {len(problems)} landing file(s) the run cannot place, "
        f"nothing of this source was loaded: {shown}",
        metadata={
            "files": dg.MetadataValue.json([e.path for e in problems]),
            "problems": dg.MetadataValue.json([e.problem for e in problems]),
            "fix": problems[0].fix,
        },
    )


def monthly_files(
    context: dg.AssetExecutionContext, warehouse: Warehouse, contract: SourceContract
) -> list[LandingFile]:
    """The landing files of the run's partition months; a month without its file fails clearly
    (a source with no file at all is not delivered yet: nothing to load, see load_files). A file
    the run cannot place fails by name (fail_if_misplaced), never stretches the months."""
    fail_if_misplaced(warehouse, contract)
    found = place(warehouse.landing).files[contract.source]
    by_month = {f.period: f for f in found}
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
    source: str, group: str, deps: list, staged: str, rejected: str, code_version: str | None = None
) -> list[dg.AssetSpec]:
    """The two outputs of a staging step: staging.<source> (accepted rows) and
    quarantine.<source> (rejected rows with reason codes), with the same inputs."""
    return [
        dg.AssetSpec(
            [schema, source],
            group_name=group,
            kinds={"duckdb", "sql"},
            deps=deps,
            description=description,
            code_version=code_version,
        )
        for schema, description in (("staging", staged), ("quarantine", rejected))
    ]


RAW_CODE = ("sources/readers.py", "sources/placement.py", "sources/contracts/base.py")
# The kind a raw asset shows in the UI, by its contract's file format.
RAW_KINDS = {"csv": "csv", "xlsx": "excel", "jsonl": "json", "parquet": "parquet"}


def raw_code_version(contract: SourceContract) -> str:
    """A raw asset's code version: the readers and the source's contract."""
    module = contract.__module__.replace(".", "/") + ".py"  # e.g. sources/contracts/lodging.py
    return incremental.dagster_code_version((*RAW_CODE, module))


def raw_asset(
    contract: SourceContract, group: str, description: str, missing: str | None = None
) -> dg.AssetsDefinition:
    """raw.<source>: the contract's landing files loaded as received (load_files). A monthly
    source has one partition per extract month (a backfill over many months runs as one run)
    and fails on a month without its file; any other source loads every file of its contract
    in the landing folder. With no file at all the source is not delivered yet: load_files
    creates the empty table and warns, unless `missing` is given (a source the run cannot do
    without), which fails the asset with that explanation and fix."""
    partitioned = {"partitions_def": MONTHLY, "backfill_policy": SINGLE_RUN}

    @dg.asset(
        key=["raw", contract.source],
        code_version=raw_code_version(contract),
        group_name=group,
        kinds={"duckdb", RAW_KINDS[contract.file_format]},
        description=inspect.cleandoc(description),
        **(partitioned if contract.monthly else {}),
    )
    def _raw(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        if contract.monthly:
            files = monthly_files(context, warehouse, contract)
        else:
            files = landing_files(warehouse.landing, contract)
        if missing and not files:
            raise dg.Failure(description=f"{warehouse.landing / contract.folder}: {missing}")
        return load_files(context, warehouse, contract, files)

    return _raw


def versioned_asset(
    *,
    code: tuple[str, ...],
    outputs: tuple[str, ...] = (),
    params: Callable | None = None,
    state: Callable | None = None,
    kept: Callable | None = None,
    **asset_kwargs,
):
    """@dg.asset with Dagster's own versioning from one declaration: `code` (the files that
    define the asset) is both its `code_version` and the code part of the fingerprint that
    decides whether the run skips it; the result carries the fingerprint as its `DataVersion`.

    When the asset's inputs' fingerprint equals the recorded one (and its `outputs` tables
    exist, and `state(warehouse)` is what was recorded after the last build, e.g. the published
    version folder), its function is not called: the asset reports `skipped: unchanged inputs`
    (and `kept(con)`'s metadata). Otherwise it runs and the fingerprint is recorded after it
    succeeded (warehouse/incremental.py). `params(warehouse)`: parameters that change the
    result (DE06_MIN_CELL)."""

    def decorate(fn):
        @functools.wraps(fn)
        def skipping(*args, **kwargs):
            context = dg.AssetExecutionContext.get()
            warehouse = kwargs.get("warehouse") or next(a for a in args if hasattr(a, "connect"))
            with warehouse.connect() as con:
                p = incremental.plan(
                    context, con, code, list(outputs), params(warehouse) if params else None
                )
                now = state(warehouse) if state else None
                if p.unchanged and (state is None or p.previous["inputs"].get("state") == now):
                    if state:  # kept in the record: the next run compares with it again
                        p.inputs["state"] = now
                    incremental.record(con, p)
                    extra = kept(con) if kept else {}
                    return dg.MaterializeResult(
                        metadata={**extra, **p.metadata()}, data_version=p.data_version
                    )
            p.unchanged, p.status = False, "built"
            with incremental.building(p):
                result = fn(*args, **kwargs)
            with warehouse.connect() as con:
                if state:
                    p.inputs["state"] = state(warehouse)
                incremental.record(con, p)
            return dg.MaterializeResult(
                asset_key=result.asset_key,
                metadata={**(result.metadata or {}), **p.metadata()},
                check_results=result.check_results,
                data_version=result.data_version or p.data_version,
                tags=result.tags,
            )

        return dg.asset(code_version=incremental.dagster_code_version(code), **asset_kwargs)(
            skipping
        )

    return decorate


def working_tables(name: str, group: str):
    """versioned_asset for the working tables of marts/<name>.sql (key marts.<name>): its
    inputs and outputs are read from the SQL, its code is the SQL and the rule macros."""
    sql = f"marts/{name}.sql"
    return versioned_asset(
        key=["marts", name],
        group_name=group,
        kinds={"duckdb", "sql"},
        deps=deps_of(sql),
        code=(sql, *incremental.MART_CODE),
        outputs=incremental.sql_outputs(sql),
    )


def staging_code(sql_file: str) -> tuple[str, ...]:
    """What defines a staging step: its SQL and the code every staging step shares."""
    return (f"quality/sql/{sql_file}", *incremental.STAGING_CODE)


def stage(
    warehouse: Warehouse, source: str, sql_file: str, drop: tuple[str, ...] = ()
) -> tuple[dg.MaterializeResult, dg.MaterializeResult]:
    """Run a staging SQL file; results for the staging and quarantine outputs.

    Skipped when its inputs are unchanged (warehouse/incremental.py); a monthly source whose only
    change is new later months stages those files on their own and appends them."""
    context = incremental.current_context()  # None outside a run (unit tests): no record
    with warehouse.connect() as con:
        plan = incremental.plan(
            context,
            con,
            code=staging_code(sql_file),
            outputs=[f"staging.{source}", f"quarantine.{source}"],
            params={"key": incremental.key_fingerprint(con), "drop": list(drop)},
            extra={"files": incremental.loaded_files(con, source)},
        )
        if plan.unchanged:
            incremental.record(con, plan)
            incremental.forget_flags(con, source)  # a domain asset may count flags again
            return _staging_results(con, source, plan, None)
        new_files = incremental.append_files(con, source, plan)
        if source in incremental.TYPED_ROWS:
            plan.notes["typed_rows_kept"] = incremental.keep_typed_rows(con, source, plan)
        try:
            if new_files:
                before = sorted(set(plan.inputs["files"]) - set(new_files))
                plan.status = "appended"
                plan.notes["files_staged"] = new_files
                plan.notes["files_kept"] = len(before)
                figures = incremental.stage_append(
                    con, source, sql_file, drop, new_files, before, plan
                )
            else:
                if source == "stays":
                    incremental.clear_stay_keys(con)
                figures = staging.split_checked(con, source, sql_file, drop)
        except Exception as exc:  # a rule that still fails: name the source, its files, the SQL
            try:
                files = [
                    r[0]
                    for r in con.execute(
                        f"SELECT DISTINCT _source_file FROM raw.{source} ORDER BY 1"
                    ).fetchall()
                ]
            except Exception:
                files = []
            shown = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
            if fix := machine_fix(con, exc):
                raise dg.Failure(
                    description=f"{source}: staging (quality/sql/{sql_file}) stopped: {fix}. "
                    "Nothing of this source was changed, and nothing says its files are wrong",
                    metadata={"source": source, "sql": f"quality/sql/{sql_file}"},
                ) from None
            raise dg.Failure(
                description=f"{source}: staging (quality/sql/{sql_file}) failed on the loaded "
                f"files {shown or '(none)'}: {safe_message(exc)}. Nothing of this source was "
                "changed. Fix: report it with this message; withdraw the file that brought it "
                "(python -m dagster_project.run --withdraw <file>) to go on without it",
                metadata={
                    "source": source,
                    "sql": f"quality/sql/{sql_file}",
                    "files": dg.MetadataValue.json(files),
                },
            ) from None  # the original may quote a cell
        incremental.record(con, plan)
        return _staging_results(con, source, plan, figures)


def _staging_results(con, source: str, plan, figures: dict | None):
    """The staging and quarantine results; figures None: skipped, counts from the tables."""
    if figures is None:
        figures = {
            "staged": incremental.row_count(con, f"staging.{source}"),
            "quarantined": incremental.row_count(con, f"quarantine.{source}"),
            "reasons": dict(
                con.execute(
                    f"SELECT r, count(*) FROM (SELECT unnest(reason_codes) r FROM "
                    f"quarantine.{source}) GROUP BY r ORDER BY r"
                ).fetchall()
            ),
            "repairs": dict(
                con.execute(
                    "SELECT figure, sum(value)::BIGINT FROM ops.quality_figures "
                    "WHERE source = ? AND kind = 'repair' GROUP BY figure ORDER BY figure",
                    [source],
                ).fetchall()
            ),
        }
    staged, quarantined = (
        dg.MaterializeResult(
            asset_key=[schema, source],
            metadata={
                "dagster/row_count": figures[rows],
                counts: dg.MetadataValue.json(figures[counts]),
                **plan.metadata(),
            },
            data_version=plan.data_version,
        )
        # accepted rows with the repairs made, rejected rows with their reason codes
        for schema, rows, counts in (
            ("staging", "staged", "repairs"),
            ("quarantine", "quarantined", "reasons"),
        )
    )
    return staged, quarantined


def suite_check(suite_fn: Callable) -> dg.AssetChecksDefinition:
    """A Dagster asset check that runs a great-expectations suite (quality/suites.py) on its
    staging table, in DuckDB on the check's own warehouse connection (no pandas copy). The table,
    the blocking flag and what the suite checks come from its @suite declaration."""
    blocking = suite_fn.blocking
    description = f"great-expectations suite on {suite_fn.table}: {suite_fn.description} " + (
        CONTRACT if blocking else QUALITY
    )

    @dg.asset_check(
        asset=dg.AssetKey(suite_fn.table.split(".")),
        name=suite_fn.__name__,
        blocking=blocking,
        description=description,
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            # the suite's verdict on an unchanged table is the recorded one (no data work)
            code = ("quality/suites.py", "assets/common.py")
            fingerprint, kept = incremental.check_plan(context, con, code)
            if kept is None:
                suite = suite_fn(con)
                asset = context.check_specs[0].key.asset_key.to_user_string()
                digest, code_digest = suites.digest(suite), incremental.code_version(code)
                # after an append, a contract that passed validates the rows it added or rewrote
                appended = incremental.appended_since_check(
                    con, incremental.check_name(context), asset, digest, code_digest
                )
                if appended and not suites.validates_appended_rows(suite, appended):
                    appended = None
                outcome = suites.validate(con, suite, route="duckdb", appended=appended)
                kept = {
                    "success": bool(outcome["success"]),
                    "rows": outcome["rows"],
                    "table_rows": outcome.get("table_rows", outcome["rows"]),
                    "validated": "appended or rewritten rows" if appended else "whole table",
                    "expectations": outcome["expectations"],
                    "failed": outcome["failed"],
                    # what the next run's decision compares (appended_since_check)
                    "suite": digest,
                    "code": code_digest,
                    "asset_fingerprint": incremental.upstream_fingerprint(con, asset),
                }
                incremental.record_check(context, con, fingerprint, kept, "built")
                skipped = {}
            else:
                incremental.record_check(context, con, fingerprint, kept, "skipped")
                skipped = {"skipped": incremental.SKIPPED}
        return dg.AssetCheckResult(
            passed=kept["success"],
            severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
            metadata={
                "rows_validated": kept["rows"],
                "rows_in_table": kept.get("table_rows", kept["rows"]),
                "validated": kept.get("validated", "whole table"),
                "expectations": kept["expectations"],
                "failed_expectations": len(kept["failed"]),
                "failures": dg.MetadataValue.json(kept["failed"]),
                **skipped,
            },
        )

    return _check


CHECKS_DIR = Path(__file__).resolve().parent.parent / "quality" / "checks"
# Each failing row names what broke in its first column, `failure`, a snake_case literal: the
# kinds a check can report are read from the SQL so the metadata shows each one, 0 included.
_FAILURE_KIND = re.compile(r"'([a-z0-9_]+)' AS failure\b")


def check_sql(name: str) -> tuple[str, list[str]]:
    """quality/checks/<name>.sql (a query returning the failing rows) and its failure kinds."""
    path = CHECKS_DIR / f"{name}.sql"
    sql = path.read_text(encoding="utf-8").strip().rstrip(";")
    if not sql.startswith("-- A failing row"):
        raise ValueError(f"{path}: a check's SQL starts with '-- A failing row: …' (what it means)")
    kinds = list(dict.fromkeys(_FAILURE_KIND.findall(sql)))
    if not kinds:
        raise ValueError(f"{path}: every branch selects '<kind>' AS failure as its first column")
    return sql, kinds


def sql_check(
    name: str,
    asset_key: list[str],
    blocking: bool,
    description: str,
    severity: dg.AssetCheckSeverity | None = None,
) -> dg.AssetChecksDefinition:
    """An asset check that runs quality/checks/<name>.sql, which returns the failing rows. It
    passes when there are none. Metadata: the number of failing rows of each kind, never a value
    of a row. Severity: ERROR when blocking, WARN otherwise, unless given."""
    sql, kinds = check_sql(name)
    severity = severity or (dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN)

    @dg.asset_check(
        asset=dg.AssetKey(asset_key), name=name, blocking=blocking, description=description
    )
    def _check(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            found = dict(
                con.execute(f"SELECT failure, count(*) FROM (\n{sql}\n) GROUP BY 1").fetchall()
            )
        counts = {kind: int(found.pop(kind, 0)) for kind in kinds}
        counts.update({kind: int(n) for kind, n in found.items()})  # a kind spelt otherwise
        return dg.AssetCheckResult(
            passed=sum(counts.values()) == 0,
            severity=severity,
            metadata={"failing_rows": sum(counts.values()), **counts},
        )

    return _check


def mart_asset(mart, deps: list, group: str, source: str = "") -> dg.AssetsDefinition:
    """An asset that runs marts/<name>.sql; metadata: row count, grain and the columns. No cell
    value: marts.* is not protected yet, and the run history must never show a cell that
    published/ hides. The preview of the province rows is on the published asset, read from
    the protected publish.<mart> table (province_preview)."""

    code = (f"marts/{mart.sql}", *incremental.MART_CODE)

    @dg.asset(
        key=["marts", mart.name],
        code_version=incremental.dagster_code_version(code),
        group_name=group,
        kinds={"duckdb", "sql"},
        deps=deps,
        description=f"{mart.title_vi} / {mart.title_en}. Grain: {mart.grain}. "
        f"Definitions and sources: marts/{mart.sql}.",
        metadata=catalogue_entry(mart, source),  # the catalogue entry, in the UI before any run
    )
    def _mart(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            plan = incremental.plan(
                context,
                con,
                code=code,
                outputs=list(incremental.sql_outputs(f"marts/{mart.sql}")),
            )
            since = incremental.periods_changed_from(con, plan) if mart.period else None
            if since is not None:  # only appends upstream: the periods they change
                incremental.rebuild_periods(
                    con,
                    f"marts.{mart.name}",
                    mart.period,
                    mart.sql,
                    since,
                )
                plan.status = "periods rebuilt"
                plan.notes["rebuilt_from"] = since
                plan.inputs[incremental.APPENDED] = {
                    "onto": plan.previous["fingerprint"],
                    "from": since,
                }
            elif not plan.unchanged:  # unchanged inputs: the table stays as it is
                staging.run_sql_file(con, "marts", mart.sql)
            incremental.record(con, plan)
            rows = con.execute(f"SELECT count(*) FROM marts.{mart.name}").fetchone()[0]
            columns = con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() "
                "WHERE schema_name = 'marts' AND table_name = ? ORDER BY column_index",
                [mart.name],
            ).fetchall()
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": rows,
                "grain": mart.grain,
                "dagster/column_schema": dg.TableSchema(
                    columns=[dg.TableColumn(name, dtype) for name, dtype in columns]
                ),
                **plan.metadata(),
            },
            data_version=plan.data_version,
        )

    return _mart


def province_preview(con, table: str, limit: int = 12) -> dg.MetadataValue:
    """Markdown preview of a table's province rows (all rows if it has no area_level). Call it on
    a protected table only (publish.<mart>): what it shows is what published/ shows."""
    cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    level_filter = "WHERE area_level = 'province'" if "area_level" in cols else ""
    preview = con.execute(f"SELECT * FROM {table} {level_filter} LIMIT {int(limit)}").pl()
    return dg.MetadataValue.md(_markdown(preview))


def _markdown(frame) -> str:
    if frame.is_empty():
        return "(no rows)"
    return md_table(frame.columns, frame.iter_rows())
