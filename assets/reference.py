"""Reference data: the administrative units of the former Bình Định province, old and new."""


import dagster as dg
import polars as pl

from dagster_project.resources import Warehouse
from quality.rules import id_province_prefixes
from sources import admin_units

PROVINCE_CODE = "52"
PROVINCE_NAME = "Bình Định (cũ) / former Bình Định"


def _write(con, table: str, frame: pl.DataFrame) -> None:
    con.register("_frame", frame.to_arrow())
    con.execute(f"CREATE OR REPLACE TABLE reference.{table} AS SELECT * FROM _frame")
    con.unregister("_frame")


@dg.asset(
    key=["reference", "admin_units"],
    group_name="reference",
    kinds={"duckdb", "python"},
    description=None,
)
def admin_units_reference(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """Administrative units of the study area from `vietnamadminunits` (official GSO codes):
    the 155 communes before 1 July 2025 with their 11 districts, the 58 communes/wards of 2025
    with areas in km², the old-to-new crosswalk (split communes go to the default successor),
    the area hierarchy every mart reports on (province, former district, 2025 commune) and the
    province prefixes a personal ID may carry.

    Tables: reference.communes_legacy, reference.communes_2025, reference.commune_crosswalk,
    reference.commune_lookup, reference.areas, reference.area_membership, reference.id_province_prefixes."""
    old = admin_units.old_communes().drop("legacy_key")
    new = admin_units.new_communes().rename(
        {"new_commune_code": "commune_code", "new_commune_name": "commune_name",
         "new_commune_type": "commune_type"}
    )
    cross = admin_units.crosswalk()
    with warehouse.connect() as con:
        _write(con, "communes_legacy", old)
        _write(con, "communes_2025", new)
        _write(con, "commune_crosswalk", cross)
        _write(con, "id_province_prefixes", pl.DataFrame({"prefix": list(id_province_prefixes())}))
        con.execute(
            """
            -- How a commune code in an extract is read: a 2025 code as itself; an old code via its
            -- default successor. Every 2025 code is also the code of its seat commune, so the
            -- reading of a code depends on the date of the record (see staging).
            CREATE OR REPLACE TABLE reference.commune_lookup AS
            SELECT o.old_commune_code AS code,
                   x.new_commune_code AS successor_code,
                   n.commune_code IS NOT NULL AS is_2025_code
            FROM reference.communes_legacy o
            JOIN reference.commune_crosswalk x USING (old_commune_code)
            LEFT JOIN reference.communes_2025 n ON n.commune_code = o.old_commune_code
            WHERE x.is_default
            """
        )
        con.execute(
            f"""
            CREATE OR REPLACE TABLE reference.areas AS
            SELECT 'province' AS area_level, '{PROVINCE_CODE}' AS area_code,
                   '{PROVINCE_NAME}' AS area_name, NULL AS parent_code,
                   sum(area_km2) AS area_km2, 0 AS level_order
            FROM reference.communes_2025
            UNION ALL
            SELECT 'district', district_code, any_value(district_name), '{PROVINCE_CODE}',
                   sum(area_km2), 1
            FROM reference.communes_2025 GROUP BY district_code
            UNION ALL
            SELECT 'commune', commune_code, commune_name, district_code, area_km2, 2
            FROM reference.communes_2025
            ORDER BY level_order, area_code
            """
        )
        con.execute(
            f"""
            -- Which areas each 2025 commune belongs to, one row per level: joining a commune-level
            -- fact to this table and grouping by area gives every level in one pass.
            CREATE OR REPLACE TABLE reference.area_membership AS
            SELECT commune_code, 'commune' AS area_level, commune_code AS area_code
            FROM reference.communes_2025
            UNION ALL SELECT commune_code, 'district', district_code FROM reference.communes_2025
            UNION ALL SELECT commune_code, 'province', '{PROVINCE_CODE}' FROM reference.communes_2025
            """
        )
        counts = dict(
            con.execute(
                "SELECT area_level, count(*) FROM reference.areas GROUP BY 1"
            ).fetchall()
        )
    return dg.MaterializeResult(
        metadata={
            "legacy_communes": len(old),
            "communes_2025": len(new),
            "crosswalk_pairs": len(cross),
            "split_communes": int(cross.group_by("old_commune_code").len().filter(pl.col("len") > 1).height),
            "areas": dg.MetadataValue.json(counts),
        }
    )
