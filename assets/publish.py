"""Reconciliation, disclosure control and publication: the gate between the warehouse and the
analysts.

`ops/reconciliation` proves that every input row is in staging or quarantine.
`publish/protected_marts` protects all published marts together (quality/disclosure.py) and
audits the result (ops.disclosure_audit; the blocking check on it refuses publication where a
cell falls short). `published/marts` then writes what analysts open:
`published/marts.duckdb`, one Parquet file per mart, an Excel workbook and an HTML report per
model. Nothing in published/ changes unless the whole run got this far.
"""

import shutil

import dagster as dg
import duckdb

import projection
from assets import DOMAINS, incremental, publication_store
from assets.common import md_table, province_preview, sql_check
from domains import MARTS
from marts import quality_report, reports
from protection import audit, cellkey, perturb
from quality.staging import build_reconciliation
from warehouse.resource import Warehouse

STAGED_SOURCES = [s for d in DOMAINS for s in d.SOURCES]
QUARANTINE_KEYS = [k for d in DOMAINS for k in d.QUARANTINE_KEYS]
PUBLISHED_MARTS = [m for m in MARTS if any(m.model == d.MODEL for d in DOMAINS)]
PTABLE_FILES = tuple(
    f"protection/reference/{p.name}" for p in sorted(cellkey.REFERENCE.glob("ptable_*.csv"))
)
PUBLISH_CODE = (
    "assets/publish.py",
    "assets/publication_store.py",
    "marts/reports.py",
    "marts/quality_report.py",
    "domains/catalogue.py",
)


@dg.asset(
    key=["ops", "reconciliation"],
    group_name="ops",
    kinds={"duckdb", "sql"},
    deps=[["staging", s] for s in STAGED_SOURCES] + QUARANTINE_KEYS,
)
@incremental.skip_unchanged(
    code=("quality/staging.py", "assets/publish.py"), outputs=("ops.reconciliation",)
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
        ).fetchall()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": sum(r[1] for r in summary),
            "by_source": dg.MetadataValue.md(
                md_table(["source", "files", "in", "staged", "quarantined", "unaccounted"], summary)
            ),
        }
    )


every_row_accounted = sql_check(
    "every_row_accounted",
    ["ops", "reconciliation"],
    blocking=True,
    description="Contract (blocks publication): every input row is staged or quarantined, "
    "exactly once. A row unaccounted for is lost or doubled by the pipeline, never a data "
    "defect (a bad row is quarantined with its reason code), and every count would be wrong.",
)


AUDIT_DDL = f"""
CREATE OR REPLACE TABLE ops.disclosure_audit (
    computed_at TIMESTAMP, min_cell INTEGER, ptable VARCHAR, max_deviation INTEGER,
    variance DOUBLE, magnitude_share DOUBLE, ptable_from_reference BOOLEAN,
    cells BIGINT, magnitude_cells BIGINT, perturbed BIGINT, max_abs_deviation DOUBLE,
    {", ".join(f"{rule} BIGINT" for rule in audit.RULES)}, passed BOOLEAN)"""
UTILITY_DDL = (
    "CREATE OR REPLACE TABLE ops.disclosure_utility ("
    + ", ".join(
        f"{c} {'VARCHAR' if c in ('mart', 'level', 'kind') else 'DOUBLE'}"
        for c in audit.UTILITY_COLUMNS
    )
    + ")"
)


@dg.asset(
    key=["publish", "protected_marts"],
    group_name="publish",
    kinds={"duckdb", "sql"},
    deps=[["marts", m.name] for m in PUBLISHED_MARTS] + [["ops", "reconciliation"]],
)
@incremental.skip_unchanged(  # unchanged marts and rules: the protected tables stay
    code=(
        "protection/cellkey.py",
        "protection/perturb.py",
        "protection/audit.py",
        "protection/ptable.py",
        *PTABLE_FILES,
        "domains/catalogue.py",
        "assets/publish.py",
    ),
    outputs=(*(f"publish.{m.name}" for m in PUBLISHED_MARTS), "ops.disclosure_audit"),
    params=lambda warehouse: {"min_cell": warehouse.min_cell},
    kept=incremental.protection_kept,
)
def protected_marts(warehouse: Warehouse) -> dg.MaterializeResult:
    """The marts as they will be published, protected by the cell key method: every count of
    persons or of events about persons is perturbed (at most ±3, never 1 or 2, zeros stay
    zeros, the same persons or events give the same value in every table and release), magnitudes
    (guest-nights, room-nights, fines) around their largest contribution, and every rate, ratio,
    share, mean and balance is computed from the perturbed figures. Written to the warehouse's
    `publish` schema with the audit's figures (ops.disclosure_audit) and the perturbation's
    utility per mart and level (ops.disclosure_utility); the audit check blocks publication."""
    declarations = {m.name: m.perturbation for m in PUBLISHED_MARTS}
    ptable = cellkey.ptable_for(warehouse.min_cell)
    with warehouse.connect() as con:
        for m in PUBLISHED_MARTS:  # in catalogue order: a derived figure may read earlier marts
            columns = audit.table_columns(con, "marts", m.name)
            con.execute(perturb.publish_sql(m.name, m.perturbation, columns, "marts", "publish"))
        result = audit.audit(con, declarations, ptable)
        audit.drop_work_tables(con)
        con.execute(AUDIT_DDL)
        figures = [
            warehouse.min_cell,
            ptable.label,
            ptable.D,
            ptable.V,
            cellkey.MAGNITUDE_SHARE,
            ptable.from_reference,
            result.cells,
            result.magnitudes,
            result.perturbed,
            result.max_abs_deviation,
            *[result.failures[rule] for rule in audit.RULES],
            result.passed,
        ]
        con.execute(
            "INSERT INTO ops.disclosure_audit VALUES "
            f"(now()::TIMESTAMP, {', '.join('?' * len(figures))})",
            figures,
        )
        con.execute(UTILITY_DDL)
        if result.utility:
            con.executemany(
                f"INSERT INTO ops.disclosure_utility VALUES "
                f"({', '.join('?' * len(audit.UTILITY_COLUMNS))})",
                [[u[c] for c in audit.UTILITY_COLUMNS] for u in result.utility],
            )
    rows = [
        [
            u["mart"],
            u["level"],
            u["kind"],
            u["cells"],
            f"{u['perturbed'] / u['cells']:.1%}" if u["cells"] else "",
            round(u["mean_abs_deviation"] or 0, 3),
            u["max_abs_deviation"],
            f"{(u['mean_relative_deviation'] or 0):.2%}",
        ]
        for u in result.utility
    ]
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(PUBLISHED_MARTS),
            "method": f"cell key method, p-table {ptable.label} (D = {ptable.D}, V = {ptable.V:g}, "
            f"no published count from 1 to {ptable.js}), magnitudes × {cellkey.MAGNITUDE_SHARE}",
            "count_cells": result.cells,
            "magnitude_cells": result.magnitudes,
            "cells_perturbed": result.perturbed,
            "max_abs_deviation": result.max_abs_deviation,
            "audit_failures": dg.MetadataValue.json(result.failures),
            "utility": dg.MetadataValue.md(
                md_table(
                    [
                        "mart",
                        "level",
                        "kind",
                        "cells",
                        "perturbed",
                        "mean |dev|",
                        "max |dev|",
                        "mean relative |dev|",
                    ],
                    rows,
                )
            ),
        }
    )


@dg.asset_check(
    asset=protected_marts,
    blocking=True,
    description="Disclosure audit (blocks publication): no published count of persons or events "
    "is 1 or 2 (1 … DE06_MIN_CELL − 1); every published count is its true count plus the "
    "deviation the perturbation table gives for its cell key (so none is more than 3 away); "
    "cells of the same records have one value in the whole release and the value of the "
    "previous release; every derived figure follows from the published counts; no count is "
    "negative; every numeric column of every mart is classified (count, magnitude, derived, "
    "register figure). When it fails, published/ is not replaced: analysts keep the previous "
    "publication.",
)
def disclosure_audit(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        row = con.execute(
            f"SELECT cells, perturbed, {', '.join(audit.RULES)}, passed FROM ops.disclosure_audit"
        ).fetchone()
    failures = dict(zip(audit.RULES, row[2:-1], strict=True))
    return dg.AssetCheckResult(
        passed=bool(row[-1]),
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "cells": row[0],
            "cells_perturbed": row[1],
            **{f"failing_{rule}": n for rule, n in failures.items()},
            "min_cell": warehouse.min_cell,
        },
    )


PROJECTION_CODE = tuple(
    f"projection/{name}"
    for name in ("__init__.py", "cohort.py", "engine.py", "inputs.py", "small_area.py")
)


@dg.asset(
    key=["publish", "population_projection"],
    group_name="publish",  # it reads the protected tables: publication's side of the graph
    kinds={"python", "duckdb"},
    deps=[["publish", "protected_marts"]],
)
@incremental.skip_unchanged(
    code=(*PROJECTION_CODE, "assets/publish.py"),
    outputs=tuple(f"publish.{t}" for t in projection.OUTPUT_TABLES),
    params=lambda warehouse: {"min_cell": warehouse.min_cell},
)
def population_projection(warehouse: Warehouse) -> dg.MaterializeResult:
    """Dự báo dân số / population projection to 1 January 2031 for the province, the former
    districts and the 2025 communes, by sex and five-year age group, with 80 % intervals and a
    backtest against a naive linear extrapolation (docs/PROJECTION.md). Computed from the
    published (perturbed) tables only — stocks, births by mother's age, deaths and migration by
    age and sex — so it reveals nothing they do not. A landing with less than a year of events
    gives a message and no projection."""
    with warehouse.connect() as con:
        result = projection.project(
            con, "publish", cell_noise_variance=cellkey.ptable_for(warehouse.min_cell).V
        )
        projection.write_tables(con, result, "publish", whole_persons=True)
        rows = con.execute("SELECT count(*) FROM publish.population_projection").fetchone()[0]
        backtest = con.execute(
            """SELECT area_level, measure, n_areas, round(mape_projection, 2),
                      round(mape_naive, 2), round(coverage_80, 3)
               FROM publish.population_projection_backtest ORDER BY ALL"""
        ).fetchall()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "status": result.status,
            "message": result.message or "",
            "backtest": dg.MetadataValue.md(
                md_table(
                    ["level", "measure", "areas", "MAPE method", "MAPE naive", "in 80 %"],
                    backtest,
                )
            ),
        }
    )


def operations_dir(warehouse: Warehouse):
    """The operators' side of the data folder: figures as received (quality report)."""
    folder = warehouse.data / "operations"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


@dg.asset(
    key=["published", "marts"],
    group_name="publish",
    kinds={"duckdb", "parquet", "excel", "html"},
    deps=[["publish", "protected_marts"], ["publish", "population_projection"]],
)
@incremental.skip_unchanged(  # nothing changed: published/ is not rewritten (same version)
    code=PUBLISH_CODE,
    params=lambda warehouse: {
        "min_cell": warehouse.min_cell,
        "share": str(warehouse.share or ""),
    },
    state=incremental.published_state,
)
def published_marts(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    """What analysts open, in DE06_DATA_DIR/published: marts.duckdb (swapped in atomically, so an
    open notebook never sees a half-written file), parquet/<mart>.parquet, excel/model_<n>.xlsx
    with Vietnamese labels and reports/model_<n>.html (plotly, works offline), all from the
    protected marts, plus a `catalogue` table with each mart's definition, protection and the
    perturbation's utility, `disclosure_utility` and `disclosure_audit`. The operators' quality
    report goes to DE06_DATA_DIR/operations (owner-only), never to published/."""
    out = warehouse.published
    out.mkdir(parents=True, exist_ok=True)
    work = publication_store.new_work_dir(out)  # versions/.incoming-<id>, outside published/
    try:
        db_path = work / "marts.duckdb"
        with warehouse.connect() as con:
            con.execute(f"ATTACH '{db_path}' AS outdb")
            (work / "parquet").mkdir()
            # previews for the run history, from the protected tables only
            previews = {
                f"preview/{m.name}": province_preview(con, f"publish.{m.name}")
                for m in PUBLISHED_MARTS
            }
            for mart in [m.name for m in PUBLISHED_MARTS] + list(projection.OUTPUT_TABLES):
                con.execute(f"CREATE TABLE outdb.main.{mart} AS SELECT * FROM publish.{mart}")
                con.execute(
                    f"COPY publish.{mart} TO '{work / 'parquet' / (mart + '.parquet')}' "
                    "(FORMAT parquet)"
                )
            con.execute(
                "CREATE TEMP TABLE _catalogue (mart VARCHAR, model INTEGER, title_vi VARCHAR, "
                "title_en VARCHAR, grain VARCHAR, definitions VARCHAR, disclosure_rule VARCHAR)"
            )
            con.executemany(
                "INSERT INTO _catalogue VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    [
                        m.name,
                        m.model,
                        m.title_vi,
                        m.title_en,
                        m.grain,
                        f"marts/{m.sql}",
                        m.disclosure_rule,
                    ]
                    for m in PUBLISHED_MARTS
                ],
            )
            con.execute(
                """CREATE TABLE outdb.main.catalogue AS
                   SELECT c.*, u.count_cells, u.cells_perturbed_share, u.mean_abs_deviation
                   FROM _catalogue c LEFT JOIN (
                       SELECT mart, sum(cells)::BIGINT AS count_cells,
                              round(sum(perturbed) / nullif(sum(cells), 0), 3) AS cells_perturbed_share,
                              round(sum(mean_abs_deviation * cells) / nullif(sum(cells), 0), 2)
                                  AS mean_abs_deviation
                       FROM ops.disclosure_utility WHERE kind = 'count' GROUP BY mart) u USING (mart)
                   ORDER BY c.model, c.mart"""
            )
            # the utility measures, coarsely rounded: enough to judge the noise, never enough to
            # undo it (no signed sums of deviations)
            con.execute(
                """CREATE TABLE outdb.main.disclosure_utility AS
                   SELECT mart, level, kind, cells::BIGINT AS cells,
                          round(perturbed / nullif(cells, 0), 3) AS cells_perturbed_share,
                          round(mean_abs_deviation, 2) AS mean_abs_deviation,
                          max_abs_deviation::BIGINT AS max_abs_deviation,
                          round(mean_relative_deviation, 3) AS mean_relative_deviation
                   FROM ops.disclosure_utility ORDER BY mart, level, kind"""
            )
            con.execute(
                "CREATE TABLE outdb.main.disclosure_audit AS "
                "SELECT * EXCLUDE (computed_at) FROM ops.disclosure_audit"
            )
            con.execute("DROP TABLE _catalogue")
            con.execute("DETACH outdb")
        # Reports and workbooks read the protected copy only.
        (work / "excel").mkdir()
        (work / "reports").mkdir()
        reports.write_plotly_js(work / "reports")
        models = sorted({m.model for m in PUBLISHED_MARTS})
        with duckdb.connect(str(db_path), read_only=True) as pub:
            for model in models:
                reports.write_workbook(pub, model, work / "excel" / f"model_{model}.xlsx")
                if model in reports.REPORT_SECTIONS:
                    reports.write_report(pub, model, work / "reports" / f"model_{model}.html")
        version = publication_store.publish_version(work, out)  # one atomic switch of the set
        if warehouse.share is not None:  # the analysts' read-only copy, switched the same way
            publication_store.share(version, warehouse.share)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    with warehouse.connect() as con:
        # the release's cells: the next release must publish the same records with these values
        audit.record_release(con, cellkey.ptable_for(warehouse.min_cell))
        # the operators' quality report holds counts as received: it stays on the operators'
        # side of the data folder (owner-only), never under published/
        operations = operations_dir(warehouse)
        reports.write_plotly_js(operations)
        quality = quality_report.write_quality_report(con, operations / "quality.html")
    context.log.info(f"published {len(PUBLISHED_MARTS)} marts to {out}")
    return dg.MaterializeResult(
        metadata={
            "published_dir": dg.MetadataValue.path(str(out)),
            "marts": len(PUBLISHED_MARTS),
            "min_cell": warehouse.min_cell,
            **previews,
            **quality_report.dagster_metadata(quality),
        }
    )
