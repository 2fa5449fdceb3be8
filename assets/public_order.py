"""Model 39 inputs and marts: the police incident log and camera traffic violations, from
landing files to raw, staging and quarantine, the reference lists they are classified by (Penal
Code articles → ICCS v1.0 sections, violation codes → groups), and the public-order marts."""

from pathlib import Path

import dagster as dg
import polars as pl

from assets.common import (
    MONTHLY,
    SINGLE_RUN,
    load_files,
    mart_asset,
    monthly_files,
    sql_check,
    stage,
    staging_specs,
    suite_check,
)
from marts.catalogue import MARTS
from marts.lineage import deps_of
from quality import suites
from sources.contracts.public_order import INCIDENTS, TRAFFIC_VIOLATIONS
from warehouse.resource import Warehouse

GROUP = "public_order"
MODEL = 39
REFERENCE_DIR = Path(__file__).resolve().parent.parent / "sources" / "reference"
PENAL_CODE_CSV = REFERENCE_DIR / "penal_code_iccs.csv"
VIOLATION_CODES_CSV = REFERENCE_DIR / "violation_codes.csv"
ICCS_SECTIONS = [f"{i:02d}" for i in range(1, 12)]


def _load_reference_csv(warehouse: Warehouse, path: Path, table: str) -> pl.DataFrame:
    frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
    with warehouse.connect() as con:
        con.register("_frame", frame.to_arrow())
        con.execute(f"CREATE OR REPLACE TABLE reference.{table} AS SELECT * FROM _frame")
        con.unregister("_frame")
    return frame


@dg.asset(key=["reference", "penal_code_iccs"], group_name="reference", kinds={"duckdb", "csv"})
def penal_code_iccs(warehouse: Warehouse) -> dg.MaterializeResult:
    """Penal Code 2015 articles (category codes `HS<article>`, and `KHAC` other) with their
    Vietnamese names and the ICCS v1.0 section each is counted in (01 acts leading to death …
    11 other criminal acts). Kept in the project as sources/reference/penal_code_iccs.csv; an
    article missing from it is classified to section 11 in staging and counted as a quality
    figure."""
    frame = _load_reference_csv(warehouse, PENAL_CODE_CSV, "penal_code_iccs")
    sections = sorted(frame["iccs_section"].unique().to_list())
    if sections != ICCS_SECTIONS or frame["category_code"].n_unique() != frame.height:
        raise dg.Failure(
            description=f"{PENAL_CODE_CSV}: every ICCS section 01..11 must have an article and "
            f"each category code one row (sections found: {sections}). Fix: correct the CSV."
        )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": frame.height,
            "articles_per_section": dg.MetadataValue.json(
                dict(frame.group_by("iccs_section").len().sort("iccs_section").iter_rows())
            ),
        }
    )


@dg.asset(key=["reference", "violation_codes"], group_name="reference", kinds={"duckdb", "csv"})
def violation_codes(warehouse: Warehouse) -> dg.MaterializeResult:
    """Traffic violation codes of the camera records (TOC_DO speeding, DEN_DO red light,
    LAN_DUONG wrong lane, DUNG_DO stopping and parking, MU_BAO_HIEM helmet, NONG_DO_CON alcohol,
    QUA_TAI overloading) with their Vietnamese names and the group each is reported in; a code
    outside the list goes to the group `other`. Kept as sources/reference/violation_codes.csv."""
    frame = _load_reference_csv(warehouse, VIOLATION_CODES_CSV, "violation_codes")
    return dg.MaterializeResult(metadata={"dagster/row_count": frame.height})


@dg.asset(
    key=["raw", "incidents"],
    group_name=GROUP,
    kinds={"duckdb", "csv"},
    partitions_def=MONTHLY,
    backfill_policy=SINGLE_RUN,
)
def raw_incidents(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """The police incident log as received, one partition per extract month
    (`incidents_YYYY-MM.csv`: the incidents reported in that month; each is counted later in
    the month it occurred). Every value text, plus file, row number and load batch."""
    return load_files(context, warehouse, INCIDENTS, monthly_files(context, warehouse, INCIDENTS))


@dg.asset(
    key=["raw", "traffic_violations"],
    group_name=GROUP,
    kinds={"duckdb", "parquet"},
    partitions_def=MONTHLY,
    backfill_policy=SINGLE_RUN,
)
def raw_traffic_violations(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    """Camera-detected traffic violations as received, one partition per month detected
    (`traffic_violations_YYYY-MM.parquet`), every value read as text. Plates are still in
    clear here: raw is the pipeline's only."""
    return load_files(
        context,
        warehouse,
        TRAFFIC_VIOLATIONS,
        monthly_files(context, warehouse, TRAFFIC_VIOLATIONS),
    )


@dg.multi_asset(
    specs=staging_specs(
        "incidents",
        GROUP,
        deps=deps_of("quality/sql/stage_incidents.sql"),
        staged="Accepted incidents of all loaded months: typed, commune harmonised to "
        "the 2025 communes at the occurrence date, Penal Code article classified to its "
        "ICCS v1.0 section (unknown articles to section 11), cleared flag.",
        rejected="Rejected incidents with their reason codes (duplicates, unknown "
        "communes, occurred after reported, unreadable times).",
    ),
)
def staged_incidents(warehouse: Warehouse):
    yield from stage(warehouse, "incidents", "stage_incidents.sql")


@dg.multi_asset(
    specs=staging_specs(
        "traffic_violations",
        GROUP,
        deps=deps_of("quality/sql/stage_traffic_violations.sql"),
        staged="Accepted traffic violations: typed, plate validated and replaced by a "
        "keyed pseudonym (plate_key), commune harmonised, violation code grouped.",
        rejected="Rejected violations with their reason codes (duplicates, invalid "
        "plates, negative fines, unknown communes); plates pseudonymised.",
    ),
)
def staged_traffic_violations(warehouse: Warehouse):
    yield from stage(
        warehouse, "traffic_violations", "stage_traffic_violations.sql", drop=("plate_problem",)
    )


checks = [
    suite_check(suites.incidents_contract),
    suite_check(suites.incidents_quality),
    suite_check(suites.traffic_violations_contract),
    suite_check(suites.traffic_violations_quality),
]

QUARANTINE_KEYS = [["quarantine", "incidents"], ["quarantine", "traffic_violations"]]
SOURCES = ["incidents", "traffic_violations"]

# public_order_monthly reads marts.population_change (the denominator: population at the start
# of the month); marts/lineage.py finds it in the SQL.
MODEL_39_MARTS = [
    mart_asset(m, deps=deps_of(f"marts/{m.sql}"), group="model_39")
    for m in MARTS
    if m.model == MODEL
]


public_order_adds_up = sql_check(
    "public_order_adds_up",
    ["marts", "public_order_monthly"],
    blocking=True,
    description="Contract of the mart (blocks publication): sections add up to the area total, "
    "communes add up to their district and districts to the province, cleared never exceeds "
    "incidents, and every accepted incident is counted once at province level. All hold by the "
    "mart's construction: a failure means incidents are lost or counted twice.",
)
