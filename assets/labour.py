"""Model 37 (labour situation): the labour-market register's yearly extracts, from landing files
to raw, staging and quarantine, linked to the population register, and the labour marts.

The register is yearly (reference date 1 July), so its raw asset is not partitioned: one
asset loads every `labour_status_<YYYY>.xlsx` in the landing folder (the year is in the file
name), skipping unchanged files.
"""

import dagster as dg

from assets import incremental
from assets.common import (
    load_files,
    mart_asset,
    sql_check,
    stage,
    staging_specs,
    suite_check,
)
from marts.catalogue import MARTS
from marts.lineage import deps_of
from quality import suites
from sources.contracts.labour import LABOUR_STATUS
from sources.readers import landing_files
from warehouse.resource import Warehouse

GROUP = "labour"
MODEL = 37
SOURCES = ["labour_status"]
QUARANTINE_KEYS = [["quarantine", "labour_status"]]
# Dependencies come from the SQL files themselves (marts/lineage.py): staging links to the
# population register's person tables (sex, birth date, residence over time) that model 36's
# population_timeline builds.


@dg.asset(key=["raw", "labour_status"], group_name=GROUP, kinds={"duckdb", "excel"})
def raw_labour_status(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    """The labour-market register's yearly extracts (`labour/labour_status_YYYY.xlsx`, one row
    per person aged 15+ on 1 July) as received: every value text, plus the file, row number and
    load batch. A file that cannot be read (not Excel, a required column missing) fails this
    asset naming the file, the problem and the fix; earlier loads stay as they were. Reloading
    an unchanged file changes nothing."""
    files = landing_files(warehouse.landing, LABOUR_STATUS)
    # No file at all: not delivered yet; load_files creates the empty table and warns.
    return load_files(context, warehouse, LABOUR_STATUS, files)


@dg.multi_asset(
    specs=staging_specs(
        "labour_status",
        GROUP,
        deps=deps_of("quality/sql/stage_labour.sql"),
        staged="Accepted labour records of all loaded years: typed, personal ID "
        "replaced by the keyed pseudonym, linked to the population register (sex and age "
        "from the register, residence commune on the reference date), status fields of "
        "persons not employed cleared, workplace commune harmonised to 2025 communes, "
        "informal employment flagged.",
        rejected="Rejected labour records with their reason code (invalid ID, duplicate, "
        "unknown person, under 15, contradictory status …); pseudonymised, the received row "
        "is in raw by file and row number.",
    ),
)
def staged_labour_status(warehouse: Warehouse):
    yield from stage(warehouse, "labour_status", "stage_labour.sql")


checks = [
    suite_check(suites.labour_contract),
    suite_check(suites.labour_quality),
]


labour_rejection_share = sql_check(
    "labour_rejection_share",
    ["quarantine", "labour_status"],
    blocking=False,
    description="Share of labour records rejected per file stays under 2 %, and under 1 % of "
    "the records disagree with the population register on sex or birth date (warning).",
)


@dg.asset(
    key=["marts", "labour_base"],
    group_name="model_37",
    kinds={"duckdb", "sql"},
    deps=deps_of("marts/labour_base.sql"),
)
@incremental.skip_unchanged(
    code=("marts/labour_base.sql", *incremental.MART_CODE),
    outputs=incremental.sql_outputs("marts/labour_base.sql"),
)
def labour_base(warehouse: Warehouse) -> dg.MaterializeResult:
    """Working tables behind the model 37 marts (not published): the reference date of each
    year, the working-age population (15+) of each 2025 commune on that date by sex and age
    band from the population register, and the VSIC section / VSCO group names."""
    from quality.staging import run_sql_file

    with warehouse.connect() as con:
        run_sql_file(con, "marts", "labour_base.sql")
        dates = con.execute(
            "SELECT year, ref_date FROM marts.labour_reference_dates ORDER BY year"
        ).fetchall()
        wap = dict(
            con.execute(
                "SELECT year, sum(persons)::BIGINT FROM intermediate.labour_working_age GROUP BY 1 ORDER BY 1"
            ).fetchall()
        )
    return dg.MaterializeResult(
        metadata={
            "reference_dates": ", ".join(f"{y}: {d}" for y, d in dates),
            "working_age_population": dg.MetadataValue.json(
                {str(k): int(v) for k, v in wap.items()}
            ),
        }
    )


MODEL_37_MARTS = [
    mart_asset(m, deps=deps_of(f"marts/{m.sql}"), group="model_37")
    for m in MARTS
    if m.model == MODEL
]


labour_accounts = sql_check(
    "labour_accounts",
    ["marts", "labour_indicators"],
    blocking=True,
    description="Contract of the mart (blocks publication): the labour accounts hold in every "
    "cell: labour force = employed + unemployed, no cell has more persons with a status than the "
    "register's working-age population, and sexes and age bands add up to their totals. These "
    "are identities of the mart's construction (records link only to persons the working-age "
    "population counts), not properties of the data: a failure means the mart is wrong.",
)
