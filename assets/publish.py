"""Reconciliation and publication: the gate between the warehouse and the analysts.

`ops/reconciliation` proves that every input row is in staging or quarantine. `published/marts`
writes what analysts open: `published/marts.duckdb` (replaced atomically), one Parquet file per
mart, an Excel workbook and an HTML report per model, all with small cells suppressed. Nothing
in published/ changes unless the whole run got this far.
"""


import os
import shutil
import uuid
from pathlib import Path

import dagster as dg

from assets import DOMAINS
from dagster_project.resources import Warehouse
from marts import quality_report, reports
from marts.catalogue import MARTS
from quality.staging import build_reconciliation
from quality.suppression import suppress

STAGED_SOURCES = [s for d in DOMAINS for s in d.SOURCES]
QUARANTINE_KEYS = [k for d in DOMAINS for k in d.QUARANTINE_KEYS]
PUBLISHED_MARTS = [m for m in MARTS if any(m.model == d.MODEL for d in DOMAINS)]


@dg.asset(
    key=["ops", "reconciliation"], group_name="ops", kinds={"duckdb", "sql"},
    deps=[["staging", s] for s in STAGED_SOURCES] + QUARANTINE_KEYS,
)
def reconciliation(warehouse: Warehouse) -> dg.MaterializeResult:
    """Row accounting per landing file: rows received = rows staged + rows quarantined. The
    check on it blocks publication if a single row is unaccounted for."""
    with warehouse.connect() as con:
        build_reconciliation(con, STAGED_SOURCES)
        summary = con.execute(
            """SELECT source, count(*) AS files, sum(rows_in) AS rows_in, sum(rows_staged) AS staged,
                      sum(rows_quarantined) AS quarantined, sum(rows_unaccounted) AS unaccounted
               FROM ops.reconciliation GROUP BY source ORDER BY source"""
        ).pl()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": int(summary["files"].sum()) if summary.height else 0,
            "by_source": dg.MetadataValue.md(
                "| source | files | in | staged | quarantined | unaccounted |\n|---|---:|---:|---:|---:|---:|\n"
                + "\n".join("| " + " | ".join(str(v) for v in r) + " |" for r in summary.iter_rows())
            ),
        }
    )


@dg.asset_check(asset=reconciliation, blocking=True, description="Every input row is staged or quarantined, exactly once.")
def every_row_accounted(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        bad = con.execute(
            "SELECT source_file, rows_unaccounted FROM ops.reconciliation WHERE rows_unaccounted <> 0"
        ).fetchall()
        files = con.execute("SELECT count(*) FROM ops.reconciliation").fetchone()[0]
    return dg.AssetCheckResult(
        passed=not bad and files > 0,
        metadata={"files_checked": files, "files_with_unaccounted_rows": dg.MetadataValue.json(dict(bad))},
    )


@dg.asset(
    key=["published", "marts"], group_name="publish", kinds={"duckdb", "parquet", "excel", "html"},
    deps=[["marts", m.name] for m in PUBLISHED_MARTS] + [["ops", "reconciliation"]],
)
def published_marts(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """What analysts open, in DE06_DATA_DIR/published: marts.duckdb (swapped in atomically, so an
    open notebook never sees a half-written file), parquet/<mart>.parquet, excel/model_<n>.xlsx
    with Vietnamese labels and reports/model_<n>.html (plotly, works offline). Person counts from
    1 to DE06_MIN_CELL − 1 are suppressed (NULL, flag 'c') with secondary suppression."""
    out = warehouse.published
    out.mkdir(parents=True, exist_ok=True)
    work = out / f".incoming-{uuid.uuid4().hex[:8]}"
    work.mkdir()
    try:
        suppressed = {}
        db_path = work / "marts.duckdb"
        with warehouse.connect() as con:
            con.execute("CREATE SCHEMA IF NOT EXISTS publish")
            for mart in PUBLISHED_MARTS:
                suppressed[mart.name] = suppress(
                    con, f"marts.{mart.name}", f"publish.{mart.name}", mart.rule, warehouse.min_cell
                )
            con.execute(f"ATTACH '{db_path}' AS outdb")
            (work / "parquet").mkdir()
            for mart in PUBLISHED_MARTS:
                con.execute(f"CREATE TABLE outdb.main.{mart.name} AS SELECT * FROM publish.{mart.name}")
                con.execute(
                    f"COPY publish.{mart.name} TO '{work / 'parquet' / (mart.name + '.parquet')}' (FORMAT parquet)"
                )
            con.execute(
                "CREATE TABLE outdb.main.catalogue AS SELECT * FROM (VALUES "
                + ", ".join(
                    f"('{m.name}', {m.model}, '{m.title_vi}', '{m.title_en}', '{m.grain}', 'marts/{m.sql}')"
                    for m in PUBLISHED_MARTS
                )
                + ") t(mart, model, title_vi, title_en, grain, definitions)"
            )
            con.execute("DETACH outdb")
        # Reports and workbooks read the suppressed copy only.
        import duckdb

        (work / "excel").mkdir()
        (work / "reports").mkdir()
        reports.write_plotly_js(work / "reports")
        models = sorted({m.model for m in PUBLISHED_MARTS})
        with duckdb.connect(str(db_path), read_only=True) as pub:
            for model in models:
                reports.write_workbook(pub, model, work / "excel" / f"model_{model}.xlsx")
                if model in reports.REPORT_SECTIONS:
                    reports.write_report(pub, model, work / "reports" / f"model_{model}.html")
        with warehouse.connect() as wcon:  # operators' quality report: aggregates of the warehouse
            quality = quality_report.write_quality_report(wcon, work / "reports" / "quality.html")
        _swap_in(work, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    context.log.info(f"published {len(PUBLISHED_MARTS)} marts to {out}")
    return dg.MaterializeResult(
        metadata={
            "published_dir": dg.MetadataValue.path(str(out)),
            "marts": len(PUBLISHED_MARTS),
            "suppressed_cells": dg.MetadataValue.json(suppressed),
            "min_cell": warehouse.min_cell,
            **quality_report.dagster_metadata(quality),
        }
    )


def _swap_in(work: Path, out: Path) -> None:
    """Move each finished file into place with an atomic rename (same file system)."""
    for path in sorted(work.rglob("*")):
        if path.is_file():
            target = out / path.relative_to(work)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
