"""Model 39 inputs and marts: the police incident log and camera traffic violations, from
landing files to raw, staging and quarantine, the reference lists they are classified by (Penal
Code articles → ICCS v1.0 sections, violation codes → groups), and the public-order marts."""

from pathlib import Path

import dagster as dg
import polars as pl

from assets import declared
from assets.common import raw_asset
from domains import public_order as domain
from sources.contracts.public_order import INCIDENTS, TRAFFIC_VIOLATIONS
from warehouse.resource import Warehouse

GROUP, MODEL, SOURCES, QUARANTINE_KEYS = declared.exported(domain)
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


raw_incidents = raw_asset(
    INCIDENTS,
    GROUP,
    """The police incident log as received, one partition per extract month
    (`incidents_YYYY-MM.csv`: the incidents reported in that month; each is counted later in
    the month it occurred). Every value text, plus file, row number and load batch.""",
)
raw_traffic_violations = raw_asset(
    TRAFFIC_VIOLATIONS,
    GROUP,
    """Camera-detected traffic violations as received, one partition per month detected
    (`traffic_violations_YYYY-MM.parquet`), every value read as text. Plates are still in
    clear here: raw is the pipeline's only.""",
)


# Built from the domain's declaration (domains/public_order.py): staging steps, marts, checks.
# public_order_monthly reads marts.population_change (the denominator: population at the start
# of the month); marts/lineage.py finds it in the SQL.
STAGED = declared.staging_assets(domain)
MODEL_39_MARTS = declared.mart_assets(domain)
checks = declared.checks(domain)
