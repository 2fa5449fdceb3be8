"""Reconciliation, disclosure control and publication: the gate between the warehouse and the
analysts.

`ops/reconciliation` proves that every input row is in staging or quarantine.
`publish/protected_marts` protects all published marts together (protection/) and audits the
result (ops.disclosure_audit; the blocking check on it refuses publication where a cell falls
short). `published/marts` then writes what analysts open: `published/marts.duckdb` (the marts,
`catalogue`, `data_dictionary`, `disclosure_utility`, `disclosure_audit`), a Parquet and a CSV
file per mart, an Excel workbook and an HTML report per model, the data dictionary page and
`index.html` — the reports, workbooks and pages through `reporting/`, from the published
database only, with the registries of `domains` passed in. Nothing in published/ changes
unless the whole run got this far.
"""

import hashlib
import inspect
import json
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from importlib import metadata
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

import domains
import projection
from assets import DOMAINS
from assets.common import md_table, province_preview, sql_check, versioned_asset
from domains import MARTS
from marts import quality_report
from protection import audit, cellkey, perturb
from quality.staging import build_reconciliation
from reporting import charts, dictionary, files, quality_page, text, workbook, yearbook
from reporting import html as pages
from reporting.dictionary import Label, TableDoc
from warehouse import incremental, publication_store
from warehouse.resource import Warehouse

STAGED_SOURCES = [s for d in DOMAINS for s in d.SOURCES]
QUARANTINE_KEYS = [k for d in DOMAINS for k in d.QUARANTINE_KEYS]
PUBLISHED_MARTS = [m for m in MARTS if any(m.model == d.MODEL for d in DOMAINS)]
PTABLE_FILES = tuple(
    f"protection/reference/{p.name}" for p in sorted(cellkey.REFERENCE.glob("ptable_*.csv"))
)
REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
PUBLISH_CODE = (
    "assets/publish.py",
    "warehouse/publication_store.py",
    "marts/quality_report.py",
    # the reports, workbooks, pages and dictionary: the reporting package and its templates,
    # the domains' tables, charts and labels
    *sorted(
        str(p.relative_to(REPO))
        for folder in ("reporting", "domains")
        for p in (REPO / folder).rglob("*")
        if p.is_file() and p.suffix in (".py", ".html")
    ),
)


@versioned_asset(
    key=["ops", "reconciliation"],
    group_name="ops",
    kinds={"duckdb", "sql"},
    deps=[["staging", s] for s in STAGED_SOURCES] + QUARANTINE_KEYS,
    code=("quality/staging.py", "assets/publish.py"),
    outputs=("ops.reconciliation",),
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


@versioned_asset(  # unchanged marts and rules: the protected tables stay
    key=["publish", "protected_marts"],
    group_name="publish",
    kinds={"duckdb", "sql"},
    deps=[["marts", m.name] for m in PUBLISHED_MARTS] + [["ops", "reconciliation"]],
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
        marts_columns = audit.schema_columns(con, "marts")
        kept = protection_kept_rows(con)
        for m in PUBLISHED_MARTS:  # in catalogue order: a derived figure may read earlier marts
            columns = marts_columns.get(m.name, {})
            since = kept.get(m.name)
            if since == incremental.UNCHANGED:
                continue
            if since is not None:
                publish_periods(con, m, columns, since)
                continue
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
            "marts_kept": sum(v == incremental.UNCHANGED for v in kept.values()),
            "periods_published_anew": dg.MetadataValue.json(
                {name: v for name, v in kept.items() if v != incremental.UNCHANGED}
            ),
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


def publish_periods(con: duckdb.DuckDBPyConnection, mart, columns: dict, since: str) -> None:
    """Publish anew the periods of a period mart from `since` on (its published rows of earlier
    periods kept in place: incremental.replace_periods)."""
    grain = mart.period[1]
    incremental.replace_periods(
        con,
        f"publish.{mart.name}",
        mart.period,
        since,
        perturb.protected_rows_sql(
            mart.name,
            mart.perturbation,
            columns,
            "marts",
            where=f"{incremental.period_start(mart.period)} >= rebuild_from('{grain}')",
        ),
    )


def protection_kept_rows(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """What protection keeps of the published tables it last wrote, per mart: all of it
    (UNCHANGED: the mart is the very build that protection read), or the rows before a date (a
    period mart that an append rebuilt from that date on, incremental.upstream_changes). Only for
    a mart whose published rows each follow from its own row (Perturbation.row_wise); the
    perturbation of a row depends on nothing else, so the kept rows are what a whole build
    writes. Every other mart is published whole. The audit then checks every table, kept rows
    included."""
    p = incremental.building_plan()
    changes = incremental.upstream_changes(con, p) if p is not None else None
    if not changes:
        return {}
    kept = {}
    for m in PUBLISHED_MARTS:
        change = changes.get(f"marts/{m.name}")
        if (
            change is None
            or not m.perturbation.row_wise
            or not incremental.table_exists(con, f"publish.{m.name}")
        ):
            continue
        if change == incremental.UNCHANGED or m.period:
            kept[m.name] = change
    return kept


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


@versioned_asset(
    key=["publish", "population_projection"],
    group_name="publish",  # it reads the protected tables: publication's side of the graph
    kinds={"python", "duckdb"},
    deps=[["publish", "protected_marts"]],
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


# The tables publication builds itself, as the data dictionary describes them (the marts'
# columns are declared in domains/ and defined in their SQL headers).
_METADATA = "publication metadata: no count of persons (not perturbed)"
_TEXT = "văn bản / text"
_SHARE = "tỷ lệ 0-1 / ratio 0-1"
_CELLS = "ô / cells"
_RULES = {
    "small_published": ("Ô công bố giá trị 1 hoặc 2", "Cells published as 1 or 2"),
    "not_from_ptable": (
        "Ô không theo bảng nhiễu",
        "Cells not their true count plus the p-table's deviation",
    ),
    "two_values": ("Cùng nhóm bản ghi, hai giá trị", "Same records published with two values"),
    "changed_since_release": (
        "Khác lần công bố trước",
        "Cells changed since the previous release",
    ),
    "derived_not_following": (
        "Chỉ tiêu suy ra không khớp",
        "Derived figures not following from the published counts",
    ),
    "negative": ("Số âm", "Negative counts"),
    "unclassified_columns": ("Cột chưa phân loại", "Unclassified numeric columns"),
}
META_DOCS = [
    TableDoc(
        "catalogue",
        "Danh mục bảng",
        "Catalogue of the published tables",
        lambda column: _METADATA,
        labels={
            "mart": Label("Bảng", "Table", "tên / name", "The published table (mart)."),
            "model": Label("Mô hình", "Model", "số / number", "Project 06 model: 36-39."),
            "title_vi": Label("Tên bảng", "Title (Vietnamese)", _TEXT, "The Vietnamese title."),
            "title_en": Label("Tên bảng (tiếng Anh)", "Title (English)", _TEXT, "The title."),
            "grain": Label("Chi tiết", "Grain", _TEXT, "What one row of the table is."),
            "definitions": Label(
                "Định nghĩa",
                "Definition",
                _TEXT,
                "What the table holds, from the header of its SQL file; every column is in "
                "the data dictionary.",
            ),
            "disclosure_rule": Label(
                "Bảo vệ", "Protection", _TEXT, "How the table is protected, in words."
            ),
            "count_cells": Label(
                "Số ô đếm", "Count cells", _CELLS, "Cells of perturbed counts in the table."
            ),
            "cells_perturbed_share": Label(
                "Tỷ lệ ô bị điều chỉnh",
                "Share of cells perturbed",
                _SHARE,
                "Share of the count cells whose published value differs from the true one.",
            ),
            "mean_abs_deviation": Label(
                "Chênh lệch tuyệt đối bình quân",
                "Mean absolute deviation",
                "người, sự kiện / persons, events",
                "Mean absolute difference between published and true counts (at most 3).",
            ),
        },
    ),
    TableDoc(
        "disclosure_utility",
        "Mức điều chỉnh của phương pháp khóa ô",
        "Utility of the cell key method",
        lambda column: _METADATA,
        labels={
            "mart": Label("Bảng", "Table", "tên / name", "The published table."),
            "level": Label("Cấp", "Level", "mã / code", "Area level (or flow level) of the cells."),
            "kind": Label("Loại", "Kind", "mã / code", "count or magnitude."),
            "cells": Label("Số ô", "Cells", _CELLS, "Cells of the table at the level."),
            "cells_perturbed_share": Label(
                "Tỷ lệ ô bị điều chỉnh",
                "Share of cells perturbed",
                _SHARE,
                "Share of the cells whose published value differs from the true one.",
            ),
            "mean_abs_deviation": Label(
                "Chênh lệch tuyệt đối bình quân",
                "Mean absolute deviation",
                "đơn vị của ô / the cells' unit",
                "Mean absolute difference between published and true values.",
            ),
            "max_abs_deviation": Label(
                "Chênh lệch tuyệt đối lớn nhất",
                "Largest absolute deviation",
                "đơn vị của ô / the cells' unit",
                "Largest absolute difference between published and true values.",
            ),
            "mean_relative_deviation": Label(
                "Chênh lệch tương đối bình quân",
                "Mean relative deviation",
                _SHARE,
                "Mean of |published − true| / true over the non-zero cells (cellKey "
                "ck_cnt_measures).",
            ),
        },
    ),
    TableDoc(
        "disclosure_audit",
        "Kiểm tra bảo vệ dữ liệu",
        "Disclosure audit",
        lambda column: _METADATA,
        labels={
            "min_cell": Label(
                "Số nhỏ nhất được công bố",
                "Smallest publishable count",
                "người / persons",
                "DE06_MIN_CELL: counts from 1 to DE06_MIN_CELL − 1 are never published.",
            ),
            "ptable": Label("Bảng nhiễu", "Perturbation table", "tên / name", "Its label."),
            "max_deviation": Label(
                "Chênh lệch tối đa (D)", "Maximum deviation (D)", "người / persons", "D."
            ),
            "variance": Label("Phương sai (V)", "Variance (V)", "người² / persons²", "V."),
            "magnitude_share": Label(
                "Hệ số nhiễu giá trị",
                "Magnitude noise share",
                _SHARE,
                "Share of a magnitude cell's largest contribution moved per unit of noise.",
            ),
            "ptable_from_reference": Label(
                "Bảng nhiễu tham chiếu",
                "P-table from the reference file",
                "đúng/sai / true/false",
                "Whether the p-table is the committed reference file.",
            ),
            "cells": Label("Số ô đếm", "Count cells", _CELLS, "Count cells audited."),
            "magnitude_cells": Label(
                "Số ô giá trị", "Magnitude cells", _CELLS, "Magnitude cells audited."
            ),
            "perturbed": Label("Số ô bị điều chỉnh", "Cells perturbed", _CELLS, "Cells moved."),
            "max_abs_deviation": Label(
                "Chênh lệch tuyệt đối lớn nhất",
                "Largest absolute deviation",
                "người / persons",
                "Largest deviation of a published count.",
            ),
            **{
                rule: Label(
                    vi,
                    en,
                    _CELLS,
                    f"Cells breaking the audit rule {rule}; publication is blocked unless 0.",
                )
                for rule, (vi, en) in _RULES.items()
            },
            "passed": Label(
                "Đạt",
                "Passed",
                "đúng/sai / true/false",
                "Whether every rule holds (publication happens only then).",
            ),
        },
    ),
    dictionary.self_doc(lambda column: _METADATA),
]
# The projection's tables (publish/population_projection; docs/PROJECTION.md): computed from
# the published, perturbed tables only.
_PROJECTED = "computed from the published (perturbed) tables only: no record is read"
_PROJECTION_COMMON = {
    "base_date": Label(
        "Ngày gốc", "Base date", "ngày / date", "The 1 January stock the projection starts from."
    ),
    "horizon_years": Label(
        "Số năm dự báo", "Horizon", "năm / years", "Years from the base date to the row's date."
    ),
    "method": Label(
        "Phương pháp",
        "Method",
        _TEXT,
        "Cohort-component at province level by single years of age, Hamilton-Perry "
        "cohort-change ratios shrunk toward the parent area and raked below it "
        "(docs/PROJECTION.md).",
    ),
    "interval_kind": Label(
        "Loại khoảng",
        "Interval kind",
        _TEXT,
        "simulated: the 80 % interval comes from simulated draws of rates and noise, not from "
        "past errors.",
    ),
    "area_level": Label(
        "Cấp địa bàn", "Area level", "mã / code", "province, district (former) or commune (2025)."
    ),
}
PROJECTION_DOCS = [
    TableDoc(
        "population_projection",
        "Dự báo dân số theo giới tính và nhóm tuổi",
        "Population projection by sex and age group",
        lambda column: _PROJECTED,
        labels={
            **_PROJECTION_COMMON,
            "age_group": Label(
                "Nhóm tuổi",
                "Age group",
                "năm tuổi / years",
                "Age in completed years in five-year groups 0-4 … 75-79, 80+ (GSO), the broad "
                "groups 0-14, 15-64 and 65+ (UN DESA: children, working age, older persons; sums "
                "of the five-year groups, their intervals from the same simulations); 'Tổng' "
                "all ages.",
            ),
            "ref_date": Label(
                "Thời điểm dự báo",
                "Projected date",
                "ngày / date",
                "1 January of each projected year (00:00), up to 2031.",
            ),
            "projected_population": Label(
                "Dân số dự báo",
                "Projected population",
                "người / persons",
                "The projected population of the area, sex and age group on ref_date, in whole "
                "persons (UN Manual III cohort-component method).",
            ),
            "lower_80": Label(
                "Cận dưới 80 %",
                "Lower bound (80 %)",
                "người / persons",
                "Lower bound of the simulated 80 % interval.",
            ),
            "upper_80": Label(
                "Cận trên 80 %",
                "Upper bound (80 %)",
                "người / persons",
                "Upper bound of the simulated 80 % interval.",
            ),
        },
    ),
    TableDoc(
        "population_projection_backtest",
        "Kiểm định dự báo trên số liệu quá khứ",
        "Backtest of the projection",
        lambda column: _PROJECTED,
        labels={
            **_PROJECTION_COMMON,
            "target_date": Label(
                "Ngày so sánh",
                "Target date",
                "ngày / date",
                "The later recorded 1 January stock the projection is compared with.",
            ),
            "rate_years": Label(
                "Số năm tính tỷ suất",
                "Rate years",
                "năm / years",
                "Complete years pooled for the rates.",
            ),
            "measure": Label(
                "Chỉ tiêu so sánh",
                "Measure",
                "mã / code",
                "total (area totals), age_group (both sexes), age_sex (province).",
            ),
            "measure_label": Label("Tên chỉ tiêu", "Measure name", _TEXT, "The measure in words."),
            "n_areas": Label("Số địa bàn", "Areas", "địa bàn / areas", "Units compared."),
            "mape_projection": Label(
                "Sai số % tuyệt đối bình quân (dự báo)",
                "MAPE of the projection",
                "%",
                "Mean absolute percentage error of the projection over the units whose recorded "
                "value is not 0.",
            ),
            "mape_naive": Label(
                "Sai số % tuyệt đối bình quân (ngoại suy)",
                "MAPE of the naive extrapolation",
                "%",
                "The same for the naive linear extrapolation.",
            ),
            "mean_pe_projection": Label(
                "Sai số % bình quân",
                "Mean percentage error",
                "%",
                "Mean signed percentage error of the projection (its bias).",
            ),
            "coverage_80": Label(
                "Tỷ lệ nằm trong khoảng 80 %",
                "Coverage of the 80 % interval",
                "%",
                "Share of the units whose recorded value lies inside the 80 % interval.",
            ),
            "method_beats_naive": Label(
                "Tốt hơn ngoại suy",
                "Beats the naive extrapolation",
                "đúng/sai / true/false",
                "Whether mape_projection is below mape_naive.",
            ),
        },
    ),
    TableDoc(
        "population_projection_metadata",
        "Thông tin về dự báo",
        "About the projection",
        lambda column: _METADATA,
        labels={
            "item": Label("Mục", "Item", "tên / name", "What the row says (status, message …)."),
            "value": Label("Giá trị", "Value", _TEXT, "Its value, as text."),
        },
    ),
]


PROJECTION_MODEL = 36  # the projection's tables are listed with the population's
PROJECTION_ENTRIES = [
    (d.name, d.title_vi, d.title_en, "publish/population_projection (docs/PROJECTION.md)")
    for d in PROJECTION_DOCS
]


def dictionary_docs() -> list[TableDoc]:
    """Every published table as the data dictionary describes it: the marts (their SQL file,
    their protection) and the tables publication builds."""
    return (
        [
            TableDoc(
                m.name,
                m.title_vi,
                m.title_en,
                m.perturbation.how,
                sql=dictionary.SQL_DIR / m.sql,
            )
            for m in PUBLISHED_MARTS
        ]
        + PROJECTION_DOCS
        + META_DOCS
    )


def _extracts(con: duckdb.DuckDBPyConnection):
    """The landing files this publication was built from: source, file name, period (never a
    value of them)."""
    return con.execute(
        """SELECT source, source_file, coalesce(period, '') AS period FROM ops.load_log
           WHERE coalesce(status, '') <> 'withdrawn' ORDER BY source, source_file"""
    ).pl()


def _notebooks() -> list[dict]:
    """The analysts' notebooks of the repository and the title of each (its first heading)."""
    out = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        first = next((c for c in cells if c.get("cell_type") == "markdown"), None)
        source = "".join(first["source"]) if first else ""
        heading = next((line for line in source.splitlines() if line.startswith("#")), "")
        out.append({"file": path.name, "title": heading.lstrip("# ").strip() or path.stem})
    return out


def write_outputs(
    pub: duckdb.DuckDBPyConnection,
    work: Path,
    extracts,
    carry: publication_store.CarryOver | None = None,
) -> None:
    """Everything beside marts.duckdb, from the published database only: CSV copies, the
    workbooks and reports of every model, the data dictionary page and the index. A file that
    `carry` takes over from the published set (its tables unchanged) is not written again."""
    carry = carry or publication_store.CarryOver(None, {}, work)
    (work / "csv").mkdir()
    (work / "excel").mkdir()
    (work / "reports").mkdir()
    # a model's yearbook tables are built only when its workbook or report is written (None:
    # both are taken over from the published set)
    chapters = [
        (
            chapter,
            domain,
            None
            if carry.can_take(f"excel/model_{domain.MODEL}.xlsx")
            and carry.can_take(f"reports/{pages.report_name(domain.MODEL)}")
            else yearbook.numbered(domain.YEARBOOK_TABLES(pub), chapter),
        )
        for chapter, domain in enumerate(domains.DOMAINS, start=1)
    ]
    # The workbooks are written by threads of their own, two at a time, while this one writes
    # the CSV copies, reports and pages (their data rows are built by polars and compressed by
    # zlib, both of which release the GIL); a cursor is each thread's own connection. The
    # largest go first, so that the last one written is a small one and one thread does not
    # write a large one alone at the end (a month at province scale: model 39's took 1.1 s,
    # 38's 0.8 s, 36's 0.7 s; in model order 39's came last).
    cells = data_cells(pub)
    with ThreadPoolExecutor(2) as background:
        workbooks = [
            background.submit(_write_workbook, pub.cursor(), work, domain, tables, carry)
            for _, domain, tables in sorted(
                chapters, key=lambda chapter: -cells.get(chapter[1].MODEL, 0)
            )
        ]
        _write_pages(pub, work, extracts, chapters, carry)
        for written in workbooks:
            written.result()


def data_cells(pub: duckdb.DuckDBPyConnection) -> dict[int, int]:
    """The cells of each model's data sheets (rows times columns of its marts in the published
    database): what its workbook's writing time follows."""
    sizes = dict(
        pub.execute(
            """SELECT t.table_name, t.estimated_size * t.column_count FROM duckdb_tables() t
               WHERE t.database_name = current_database()"""
        ).fetchall()
    )
    cells: dict[int, int] = {}
    for m in PUBLISHED_MARTS:
        cells[m.model] = cells.get(m.model, 0) + sizes.get(m.name, 0)
    return cells


def _write_workbook(con: duckdb.DuckDBPyConnection, work: Path, domain, tables, carry) -> None:
    """excel/model_<n>.xlsx: the model's yearbook tables, then its marts."""
    with con:
        if not carry.take(f"excel/model_{domain.MODEL}.xlsx"):
            workbook.write_workbook(
                work / "excel" / f"model_{domain.MODEL}.xlsx",
                con,
                model=domain.MODEL,
                title=domain.TITLE,
                source=domain.REPORT_SOURCE,
                tables=tables,
                data=[
                    workbook.DataSheet(m.name, m.title_vi, m.title_en)
                    for m in PUBLISHED_MARTS
                    if m.model == domain.MODEL
                ],
                labels=domains.LABELS,
            )


def _write_pages(pub: duckdb.DuckDBPyConnection, work: Path, extracts, chapters, carry) -> None:
    """The CSV copies, the reports, the data dictionary page and the index."""
    for table in PUBLISHED_TABLES:
        if not carry.take(f"csv/{table}.csv"):
            files.write_csv(pub, table, work / "csv" / f"{table}.csv")  # one beside each Parquet
    files.write_plotly_js(work / "reports")
    titles = [(d.MODEL, d.TITLE[0]) for d in domains.DOMAINS]
    index_models = []
    for _, domain, tables in chapters:
        model = domain.MODEL
        marts = [m for m in PUBLISHED_MARTS if m.model == model]
        if not carry.take(f"reports/{pages.report_name(model)}"):
            pages.write_report(
                work / "reports" / pages.report_name(model),
                model=model,
                title=domain.TITLE,
                source=domain.REPORT_SOURCE,
                sections=domain.REPORT_SECTIONS(pub, tables),
                nav=pages.navigation(titles, "../"),
                tables=tables,
            )
        index_models.append(
            {
                "model": model,
                "title_vi": domain.TITLE[0],
                "title_en": domain.TITLE[1],
                "report": f"reports/{pages.report_name(model)}",
                "workbook": f"excel/model_{model}.xlsx",
                "marts": [
                    {
                        "name": name,
                        "title_vi": title_vi,
                        "title_en": title_en,
                        "grain": grain,
                        "csv": f"csv/{name}.csv",
                        "parquet": f"parquet/{name}.parquet",
                    }
                    for name, title_vi, title_en, grain in [
                        (m.name, m.title_vi, m.title_en, m.grain) for m in marts
                    ]
                    + (PROJECTION_ENTRIES if model == PROJECTION_MODEL else [])
                ],
            }
        )
    audit_row = pub.execute(
        "SELECT ptable, max_deviation, variance, min_cell FROM disclosure_audit"
    ).fetchone()
    method = (
        f"p-table {audit_row[0]}, D = {audit_row[1]}, V = {audit_row[2]:g}, "
        f"DE06_MIN_CELL = {audit_row[3]}"
    )
    pages.write_dictionary(
        work / pages.DICTIONARY,
        pub.execute("SELECT * FROM data_dictionary").pl(),
        nav=pages.navigation(titles),
    )
    pages.write_index(
        work / pages.INDEX,
        published_at=datetime.now(),
        models=index_models,
        extracts=extracts,
        notebooks=_notebooks(),
        nav=pages.navigation(titles),
        protection={
            "vi": f"{text.FOOTNOTE_PERTURBED} Phương pháp khóa ô: {method}. Mức điều chỉnh "
            "từng bảng: bảng disclosure_utility; kết quả kiểm tra: disclosure_audit.",
            "en": f"{text.FOOTNOTE_PERTURBED_EN} Cell key method: {method}. The perturbation's "
            "utility per table: table disclosure_utility; the audit: disclosure_audit.",
        },
    )


PUBLISHED_TABLES = [m.name for m in PUBLISHED_MARTS] + list(projection.OUTPUT_TABLES)
PUBLISHED_FILES_DDL = (
    "CREATE TABLE IF NOT EXISTS ops.published_files (version VARCHAR, path VARCHAR, key VARCHAR)"
)


def _digest(parts) -> str:
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def _writers_version() -> str:
    """The code that writes the files, and the libraries whose output they are."""
    return _digest(
        [incremental.code_version(PUBLISH_CODE)]
        + [metadata.version(p) for p in ("duckdb", "polars", "plotly", "xlsxwriter", "jinja2")]
    )


def table_key(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, columns: dict | None = None
) -> str:
    """A published table's columns and types (read here unless given), and its rows in their
    order (numbered as read: a table whose periods were published anew has gaps in its rowids
    where the replaced rows were, and holds the rows of a whole build in the same order)."""
    columns = list((columns or audit.table_columns(con, schema, table)).items())
    rows = con.execute(
        f"SELECT count(*), sum(hash(n, r)::HUGEINT) FROM "
        f"(SELECT row_number() OVER () AS n, t AS r FROM {schema}.{table} t)"
    ).fetchone()
    return _digest([columns, rows])


def tables_read(domain) -> list[str]:
    """The published tables a model's workbook and report are written from: its marts and every
    published table its declaration names (public order's rates read population_rates)."""
    source = inspect.getsource(domain)
    return [
        t
        for t in PUBLISHED_TABLES
        if any(m.name == t and m.model == domain.MODEL for m in PUBLISHED_MARTS)
        or re.search(rf"\b{t}\b", source)
    ]


def table_file_keys(tables: dict[str, str]) -> dict[str, str]:
    """The keys of a table's CSV and Parquet copies (publication_store.CarryOver): the table's."""
    writers = _writers_version()
    keys = {}
    for table, key in tables.items():
        keys[f"csv/{table}.csv"] = _digest([writers, "csv", key])
        keys[f"parquet/{table}.parquet"] = _digest([writers, "parquet", key])
    return keys


def model_file_keys(pub: duckdb.DuckDBPyConnection, tables: dict[str, str]) -> dict[str, str]:
    """The keys of a model's workbook and report: the keys of the tables it reads and the
    published areas (every yearbook table prints each area that some table names)."""
    writers = _writers_version()
    keys = {}
    areas = _digest(yearbook.published_areas(pub).rows())
    for chapter, domain in enumerate(domains.DOMAINS, start=1):
        read = [(t, tables[t]) for t in tables_read(domain)]
        key = _digest([writers, chapter, domain.MODEL, read, areas])
        keys[f"excel/model_{domain.MODEL}.xlsx"] = key
        keys[f"reports/{pages.report_name(domain.MODEL)}"] = key
    return keys


def _recorded_files(con: duckdb.DuckDBPyConnection, published: Path | None) -> dict[str, str]:
    con.execute(PUBLISHED_FILES_DDL)
    if published is None:
        return {}
    return dict(
        con.execute(
            "SELECT path, key FROM ops.published_files WHERE version = ?", [published.name]
        ).fetchall()
    )


def _record_files(con: duckdb.DuckDBPyConnection, version: Path, keys: dict[str, str]) -> None:
    con.execute(PUBLISHED_FILES_DDL)
    con.execute("BEGIN TRANSACTION")
    con.execute("DELETE FROM ops.published_files")
    con.executemany(
        "INSERT INTO ops.published_files VALUES (?, ?, ?)",
        [[version.name, path, key] for path, key in sorted(keys.items())],
    )
    con.execute("COMMIT")


@versioned_asset(  # nothing changed: published/ is not rewritten (same version)
    key=["published", "marts"],
    group_name="publish",
    kinds={"duckdb", "parquet", "excel", "html"},
    deps=[["publish", "protected_marts"], ["publish", "population_projection"]],
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
    """What analysts open, in DE06_DATA_DIR/published (swapped in atomically, so an open notebook
    never sees a half-written file): marts.duckdb, parquet/<mart>.parquet, csv/<mart>.csv
    (UTF-8 with BOM), excel/model_<n>.xlsx (print-ready yearbook tables, then the marts),
    reports/model_<n>.html (plotly, works offline), data_dictionary.html and index.html (the
    place to start), all from the protected marts, plus the tables `catalogue` (each mart's
    definition, protection and the perturbation's utility), `data_dictionary` (every published
    column), `disclosure_utility` and `disclosure_audit`. The operators' quality
    report goes to DE06_DATA_DIR/operations (owner-only), never to published/."""
    out = warehouse.published
    out.mkdir(parents=True, exist_ok=True)
    work = publication_store.new_work_dir(out)  # versions/.incoming-<id>, outside published/
    try:
        db_path = work / "marts.duckdb"
        with warehouse.connect() as con:
            # the files whose tables did not change are taken over from the published set
            published = publication_store.current_version(out)
            carry = publication_store.CarryOver(published, _recorded_files(con, published), work)
            publish_columns = audit.schema_columns(con, "publish")
            tables = {
                t: table_key(con, "publish", t, publish_columns.get(t)) for t in PUBLISHED_TABLES
            }
            carry.keys.update(table_file_keys(tables))
            con.execute(f"ATTACH '{db_path}' AS outdb")
            (work / "parquet").mkdir()
            # previews for the run history, from the protected tables only
            previews = {
                f"preview/{m.name}": province_preview(con, f"publish.{m.name}")
                for m in PUBLISHED_MARTS
            }
            con.execute("BEGIN TRANSACTION")  # one commit for the tables of marts.duckdb
            try:
                for mart in PUBLISHED_TABLES:
                    con.execute(f"CREATE TABLE outdb.main.{mart} AS SELECT * FROM publish.{mart}")
                    if not carry.take(f"parquet/{mart}.parquet"):
                        con.execute(
                            f"COPY publish.{mart} TO '{work / 'parquet' / (mart + '.parquet')}' "
                            "(FORMAT parquet)"
                        )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
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
                        dictionary.catalogue_entry(m, domains.REPORT_SOURCES[m.model])[
                            "definition"
                        ],
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
            extracts = _extracts(con)
        with duckdb.connect(str(db_path)) as out_db:  # the dictionary of every published column
            out_db.execute(
                "CREATE TABLE data_dictionary ("
                + ", ".join(f"{c} VARCHAR" for c in dictionary.COLUMNS)
                + ")"
            )
            entries = dictionary.build(out_db, dictionary_docs(), domains.LABELS)
            out_db.register("entries", entries)
            out_db.execute("INSERT INTO data_dictionary SELECT * FROM entries")
        # the operators' quality report holds counts as received: it stays on the operators'
        # side of the data folder (owner-only), never under published/. Its figures are DuckDB's
        # work on the warehouse, so they are computed by a thread of their own (a cursor is its
        # own connection) while this one writes the files, which is mostly Python's.
        operations = operations_dir(warehouse)
        with warehouse.connect() as con, ThreadPoolExecutor(1) as aside:
            figures = aside.submit(_quality_figures, con.cursor(), operations)
            # Reports, workbooks and pages read the published copy only.
            with (
                duckdb.connect(str(db_path), read_only=True) as pub,
                charts.house_template(),
                yearbook.areas_fixed(pub),
            ):
                carry.keys.update(model_file_keys(pub, tables))
                write_outputs(pub, work, extracts, carry)
            version = publication_store.publish_version(work, out)  # one atomic switch
            if warehouse.share is not None:  # the analysts' copy, switched the same way
                publication_store.share(version, warehouse.share)
            # the keys the new set's files were written with: the next publication compares
            _record_files(con, version, carry.keys)
            # the release's cells: the next release must publish the same records with these
            # values
            audit.record_release(con, cellkey.ptable_for(warehouse.min_cell))
            quality = figures.result()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    files.write_plotly_js(operations)
    with charts.house_template():
        quality_page.write_quality_page(operations / "quality.html", quality)
    context.log.info(f"published {len(PUBLISHED_MARTS)} marts to {out}")
    return dg.MaterializeResult(
        metadata={
            "published_dir": dg.MetadataValue.path(str(out)),
            "marts": len(PUBLISHED_MARTS),
            "files_carried_over": dg.MetadataValue.json(sorted(carry.taken)),
            "min_cell": warehouse.min_cell,
            **previews,
            **quality_metadata(quality),
        }
    )


def _quality_figures(cursor: duckdb.DuckDBPyConnection, operations: Path) -> dict:
    with cursor:
        return quality_report.quality_figures(cursor, operations)


def quality_metadata(figures: dict) -> dict:
    """The quality section of the publish asset's metadata: aggregates only (counts per source
    and the flags to check, no extract value)."""
    monthly, to_check = figures["monthly"], figures["flags"]
    by_source = []
    if monthly.height:
        by_source = (
            monthly.group_by("source")
            .agg(
                pl.len(),
                pl.col("rows_in").sum(),
                pl.col("accepted").sum(),
                pl.col("quarantined").sum(),
                pl.col("coverage_jump").sum(),
                pl.col("quarantine_jump").sum(),
            )
            .sort("source")
            .iter_rows()
        )
    flag_rows = [
        (
            "-" if r["month"] is None else f"{r['month']:%Y-%m}",
            r["source"],
            r["where"],
            r["kind"],
            r["seen"],
            r["expected"],
        )
        for r in to_check.head(50).iter_rows(named=True)
    ]
    return {
        "quality_by_source": dg.MetadataValue.md(
            md_table(
                [
                    "source",
                    "files",
                    "rows in",
                    "accepted",
                    "quarantined",
                    "files flagged: rows",
                    "files flagged: quarantine",
                ],
                by_source,
            )
        ),
        "quality_flags": int(to_check.height),
        "quality_flagged_district_months": int(figures["flagged"].height),
        "quality_to_check": dg.MetadataValue.md(
            md_table(["month", "source", "where", "signal", "seen", "expected"], flag_rows)
        ),
        "quality_report": dg.MetadataValue.path("operations/quality.html"),
    }
