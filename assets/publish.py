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

from assets import DOMAINS, incremental, protection_cache, publication_store
from assets.common import md_table, province_preview, sql_check
from marts import quality_report, reports
from marts.catalogue import LINKS, MARTS
from quality.disclosure import Protector
from quality.staging import build_reconciliation
from warehouse.resource import Warehouse

STAGED_SOURCES = [s for d in DOMAINS for s in d.SOURCES]
QUARANTINE_KEYS = [k for d in DOMAINS for k in d.QUARANTINE_KEYS]
PUBLISHED_MARTS = [m for m in MARTS if any(m.model == d.MODEL for d in DOMAINS)]
PUBLISH_CODE = (
    "assets/publish.py",
    "assets/publication_store.py",
    "marts/reports.py",
    "marts/quality_report.py",
    "marts/catalogue.py",
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


def audit_passed(figures: dict) -> bool:
    """Publication is allowed when no primary cell is narrower than required (DE06_MIN_CELL, or
    what the always-published cells leave it, never less than 1) and no suppressed cell at all
    is recovered exactly."""
    return (
        figures["failing"] == 0
        and figures.get("exactly_recoverable", 0) == 0
        and figures.get("exactly_recoverable_complements", 0) == 0
    )


AUDIT_DDL = """
CREATE OR REPLACE TABLE ops.disclosure_audit (
    computed_at TIMESTAMP, min_cell INTEGER, cells BIGINT, suppressed BIGINT, primary_suppressed BIGINT,
    failing BIGINT, narrowest_interval DOUBLE, narrowest_finite_interval DOUBLE,
    relations BIGINT, violated_relations BIGINT, lp_solves BIGINT, components BIGINT,
    repair_rounds INTEGER, exactly_recoverable BIGINT, exactly_recoverable_persons BIGINT,
    exactly_recoverable_complements BIGINT, released_complements BIGINT,
    limited_by_published BIGINT, determined_by_published_events BIGINT,
    determined_by_published_persons BIGINT, passed BOOLEAN)"""


@dg.asset(
    key=["publish", "protected_marts"],
    group_name="publish",
    kinds={"duckdb", "sql"},
    deps=[["marts", m.name] for m in PUBLISHED_MARTS] + [["ops", "reconciliation"]],
)
@incremental.skip_unchanged(  # unchanged marts and rules: the protected tables stay
    code=("quality/disclosure.py", "marts/catalogue.py", "assets/publish.py"),
    outputs=(*(f"publish.{m.name}" for m in PUBLISHED_MARTS), "ops.disclosure_audit"),
    params=lambda warehouse: {"min_cell": warehouse.min_cell},
    kept=incremental.protection_kept,
)
def protected_marts(warehouse: Warehouse) -> dg.MaterializeResult:
    """The marts as they will be published: every mart protected together as one linked table
    set (small person counts suppressed, complementary cells chosen so that nothing suppressed
    can be recovered from what is published), written to the warehouse's `publish` schema with
    the audit's figures (ops.disclosure_audit) and the information loss per mart and level
    (ops.disclosure_utility). The audit check on it blocks publication where a cell falls short."""
    marts = {m.name: (f"marts.{m.name}", m.protection) for m in PUBLISHED_MARTS}
    with warehouse.connect() as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS publish")
        # the same marts under the same rules were protected (and passed) before: reuse that
        cache = protection_cache.cache_dir(warehouse.data)
        entry = protection_cache.key(con, marts, LINKS, warehouse.min_cell)
        reused = protection_cache.load(con, cache, entry, list(marts))
        if reused:
            figures, utility, mass_share = reused
        else:
            # the parts of the table set that came back unchanged keep their protection
            method = protection_cache.method_key(marts, LINKS, warehouse.min_cell)
            known = protection_cache.load_components(cache, method)
            protector = Protector(con, marts, LINKS, warehouse.min_cell)
            try:
                figures = protector.protect(known)
                protector.write("publish")
                utility = protector.utility()
                mass_share = protector.mart_mass_share()
            finally:
                protector.drop()
            if audit_passed(figures):
                protection_cache.store(con, cache, entry, list(marts), figures, utility, mass_share)
                protection_cache.store_components(cache, method, protector.reused, protector.solved)
        cells = sum(u[2] for u in utility)
        primary = sum(u[4] for u in utility)
        con.execute(AUDIT_DDL)
        con.execute(
            "INSERT INTO ops.disclosure_audit VALUES "
            "(now()::TIMESTAMP, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                warehouse.min_cell,
                cells,
                figures["suppressed"],
                primary,
                figures["failing"],
                figures["narrowest_interval"],
                figures.get("narrowest_finite_interval"),
                figures["relations"],
                sum(figures["violated_relations"].values()),
                figures["lp_solves"],
                figures["components"],
                figures["repair_rounds"],
                figures.get("exactly_recoverable", 0),
                figures.get("exactly_recoverable_persons", 0),
                figures.get("exactly_recoverable_complements", 0),
                figures.get("released_complements", 0),
                figures.get("limited_by_published", 0),
                figures.get("determined_by_published_events", 0),
                figures.get("determined_by_published_persons", 0),
                audit_passed(figures),
            ],
        )
        con.execute(
            """CREATE OR REPLACE TABLE ops.disclosure_utility (mart VARCHAR, area_level VARCHAR,
               cells BIGINT, suppressed BIGINT, primary_suppressed BIGINT,
               suppressed_mass_share DOUBLE)"""
        )
        if utility:
            con.executemany("INSERT INTO ops.disclosure_utility VALUES (?, ?, ?, ?, ?, ?)", utility)
        con.execute(
            "CREATE OR REPLACE TABLE ops.disclosure_mart_share "
            "(mart VARCHAR, suppressed_share_of_counts DOUBLE)"
        )
        if mass_share:
            con.executemany("INSERT INTO ops.disclosure_mart_share VALUES (?, ?)", mass_share)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(marts),
            "protection": "reused: same marts, rules and DE06_MIN_CELL as an earlier run"
            if reused
            else "computed",
            # parts of the table set that came back unchanged and kept their protection
            "reused_components": figures.get("reused_components", 0),
            "reused_cells": figures.get("reused_cells", 0),
            "cells": cells,
            "suppressed": figures["suppressed"],
            "primary_suppressed": primary,
            "narrowest_interval": figures["narrowest_interval"],
            "failing_cells": figures["failing"],
            "violated_relations": dg.MetadataValue.json(figures["violated_relations"]),
            "lp_solves": figures["lp_solves"],
            "information_loss": dg.MetadataValue.md(
                md_table(
                    [
                        "mart",
                        "level",
                        "cells",
                        "suppressed",
                        "primary",
                        "suppressed share of counts",
                    ],
                    utility,
                )
            ),
        }
    )


@dg.asset_check(
    asset=protected_marts,
    blocking=True,
    description="Disclosure audit (blocks publication): for every suppressed cell, the interval an attacker "
    "can narrow it to from everything published (linear programs over all linked relations, "
    "counts ≥ 0). A primary cell must keep DE06_MIN_CELL of room (or, at least 1, what the "
    "always-published province and former-district figures leave it), and no suppressed cell "
    "may be recovered exactly. When it fails, published/ is not replaced: analysts keep the "
    "previous publication.",
)
def disclosure_audit(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        row = con.execute(
            "SELECT cells, suppressed, failing, narrowest_interval, relations, lp_solves, passed, "
            "exactly_recoverable, exactly_recoverable_complements, released_complements, "
            "limited_by_published, determined_by_published_events, "
            "determined_by_published_persons FROM ops.disclosure_audit"
        ).fetchone()
    cells, suppressed, failing, narrowest, relations, solves, passed, exact, exact_c = row[:9]
    released, limited, determined_events, determined_persons = row[9:]
    return dg.AssetCheckResult(
        passed=bool(passed),
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "cells": cells,
            "suppressed": suppressed,
            "primary_cells_narrower_than_required": failing,
            "primary_cells_recovered_exactly": exact,
            "complements_recovered_exactly": exact_c,
            "complements_published_as_already_known": released,
            "cells_limited_by_always_published": limited,
            "event_cells_determined_by_always_published": determined_events,
            "person_cells_determined_by_always_published": determined_persons,
            "narrowest_interval": narrowest,
            "relations": relations,
            "lp_solves": solves,
            "min_cell": warehouse.min_cell,
        },
    )


@dg.asset_check(
    asset=protected_marts,
    blocking=False,
    description="Every relation the marts state (categories to totals, communes to districts, "
    "balancing equations, months to years, links between marts) holds on the marts' values. "
    "A warning: a relation that does not hold is left out of the protection and reported.",
)
def mart_relations_hold(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        violated = con.execute(
            "SELECT violated_relations, relations FROM ops.disclosure_audit"
        ).fetchone()
    return dg.AssetCheckResult(
        passed=violated[0] == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"violated_relations": violated[0], "relations": violated[1]},
    )


@dg.asset(
    key=["published", "marts"],
    group_name="publish",
    kinds={"duckdb", "parquet", "excel", "html"},
    deps=[["publish", "protected_marts"]],
)
@incremental.skip_unchanged(  # nothing changed: published/ is not rewritten (same version)
    code=PUBLISH_CODE,
    params=lambda warehouse: {"min_cell": warehouse.min_cell},
    state=incremental.published_state,
)
def published_marts(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    """What analysts open, in DE06_DATA_DIR/published: marts.duckdb (swapped in atomically, so an
    open notebook never sees a half-written file), parquet/<mart>.parquet, excel/model_<n>.xlsx
    with Vietnamese labels and reports/model_<n>.html (plotly, works offline), all from the
    protected marts, plus a `catalogue` table with each mart's definition, disclosure rule and
    information loss, and the `disclosure_audit`."""
    out = warehouse.published
    out.mkdir(parents=True, exist_ok=True)
    work = publication_store.new_work_dir(out)  # versions/.incoming-<id>, outside published/
    try:
        db_path = work / "marts.duckdb"
        with warehouse.connect() as con:
            con.execute(f"ATTACH '{db_path}' AS outdb")
            (work / "parquet").mkdir()
            # previews for the run history, from the suppressed tables only
            previews = {
                f"preview/{m.name}": province_preview(con, f"publish.{m.name}")
                for m in PUBLISHED_MARTS
            }
            for mart in PUBLISHED_MARTS:
                con.execute(
                    f"CREATE TABLE outdb.main.{mart.name} AS SELECT * FROM publish.{mart.name}"
                )
                con.execute(
                    f"COPY publish.{mart.name} TO '{work / 'parquet' / (mart.name + '.parquet')}' (FORMAT parquet)"
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
                   SELECT c.*, u.cells, u.suppressed, s.suppressed_share_of_counts
                   FROM _catalogue c LEFT JOIN (
                       SELECT mart, sum(cells) AS cells, sum(suppressed) AS suppressed
                       FROM ops.disclosure_utility GROUP BY mart) u USING (mart)
                   LEFT JOIN ops.disclosure_mart_share s USING (mart)
                   ORDER BY c.model, c.mart"""
            )
            con.execute(
                "CREATE TABLE outdb.main.disclosure_utility AS SELECT * FROM ops.disclosure_utility"
            )
            con.execute(
                "CREATE TABLE outdb.main.disclosure_audit AS SELECT * EXCLUDE (computed_at) FROM ops.disclosure_audit"
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
        with warehouse.connect() as wcon:  # operators' quality report: aggregates of the warehouse
            quality = quality_report.write_quality_report(wcon, work / "reports" / "quality.html")
        publication_store.publish_version(work, out)  # one atomic switch of the whole set
    finally:
        shutil.rmtree(work, ignore_errors=True)
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
