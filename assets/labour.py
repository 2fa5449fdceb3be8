"""Model 37 (labour situation): the labour-market register's yearly extracts, from landing files
to raw, staging and quarantine, linked to the population register, and the labour marts.

The register is yearly (reference date 1 July), so its raw asset is not partitioned: one
asset loads every `labour_status_<YYYY>.xlsx` in the landing folder (the year is in the file
name), skipping unchanged files.
"""

import dagster as dg

from assets import declared
from assets.common import raw_asset, working_tables
from domains import labour as domain
from quality.staging import run_sql_file
from sources.contracts.labour import LABOUR_STATUS
from warehouse.resource import Warehouse

GROUP, MODEL, SOURCES, QUARANTINE_KEYS = declared.exported(domain)
# Dependencies come from the SQL files themselves (marts/lineage.py): staging links to the
# population register's person tables (sex, birth date, residence over time) that model 36's
# population_timeline builds.


raw_labour_status = raw_asset(
    LABOUR_STATUS,
    GROUP,
    """The labour-market register's yearly extracts (`labour/labour_status_YYYY.xlsx`, one row
    per person aged 15+ on 1 July) as received: every value text, plus the file, row number and
    load batch. A file that cannot be read (not Excel, a required column missing) fails this
    asset naming the file, the problem and the fix; earlier loads stay as they were. Reloading
    an unchanged file changes nothing.""",
)


@working_tables("labour_base", group="model_37")
def labour_base(warehouse: Warehouse) -> dg.MaterializeResult:
    """Working tables behind the model 37 marts (not published): the reference date of each
    year, the working-age population (15+) of each 2025 commune on that date by sex and age
    band from the population register, and the VSIC section / VSCO group names."""

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


# Built from the domain's declaration (domains/labour.py): staging steps, marts, checks.
STAGED = declared.staging_assets(domain)
MODEL_37_MARTS = declared.mart_assets(domain)
checks = declared.checks(domain)
