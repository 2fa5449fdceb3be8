"""Reference data: the administrative units of the former Bình Định province, old and new, and
the ISO 3166 countries nationalities are published as."""

from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from quality.rules import id_province_prefixes
from sources import admin_units
from warehouse.resource import Warehouse

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
def admin_units_reference(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    """Administrative units of the study area from `vietnamadminunits` (official GSO codes):
    the 155 communes before 1 July 2025 with their 11 districts, the 58 communes/wards of 2025
    with areas in km², the old-to-new crosswalk (split communes go to the default successor),
    the area hierarchy every mart reports on (province, former district, 2025 commune) and the
    province prefixes a personal ID may carry.

    Tables: reference.communes_legacy, reference.communes_2025, reference.commune_crosswalk,
    reference.commune_lookup, reference.areas, reference.area_membership, reference.id_province_prefixes."""
    old = admin_units.old_communes().drop("legacy_key")
    new = admin_units.new_communes().rename(
        {
            "new_commune_code": "commune_code",
            "new_commune_name": "commune_name",
            "new_commune_type": "commune_type",
        }
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
            con.execute("SELECT area_level, count(*) FROM reference.areas GROUP BY 1").fetchall()
        )
    return dg.MaterializeResult(
        metadata={
            "legacy_communes": len(old),
            "communes_2025": len(new),
            "crosswalk_pairs": len(cross),
            "split_communes": int(
                cross.group_by("old_commune_code").len().filter(pl.col("len") > 1).height
            ),
            "areas": dg.MetadataValue.json(counts),
        }
    )


REFERENCE_DIR = Path(__file__).resolve().parent.parent / "sources" / "reference"
ISO3166_CSV = REFERENCE_DIR / "iso3166.csv"
SPELLINGS_CSV = REFERENCE_DIR / "nationality_spellings.csv"
# The one published nationality that is not a country: a value the reference data cannot read.
OTHER_NATIONALITY = ("other", "Quốc tịch khác hoặc không xác định", "Other or unknown")


class ReferenceDataError(ValueError):
    """A committed reference CSV is inconsistent (names the file, the problem and the fix)."""


def load_country_reference(con: duckdb.DuckDBPyConnection) -> dict:
    """reference.countries (ISO 3166-1: alpha-2, alpha-3, numeric, English and Vietnamese
    names), reference.nationalities (the published labels: the countries plus 'other') and
    reference.nationality_spellings (spelling_key → alpha3: codes in upper case as written,
    names and common spellings in lower case, and accent-folded where that stays unambiguous;
    staging looks a value up as written, then lower case, then folded).
    Needs the rule macros (clean_text, fold_text) on `con`."""
    countries = pl.read_csv(ISO3166_CSV, infer_schema=False, encoding="utf8")
    spellings = pl.read_csv(SPELLINGS_CSV, infer_schema=False, encoding="utf8")
    for col in ("alpha2", "alpha3"):
        if countries[col].n_unique() != countries.height or countries[col].null_count():
            raise ReferenceDataError(
                f"{ISO3166_CSV}: column {col} is empty or repeats a code. Fix: regenerate it "
                "with `uv run python -m sources.countries`."
            )
    unknown = sorted(set(spellings["alpha3"].to_list()) - set(countries["alpha3"].to_list()))
    if unknown:
        raise ReferenceDataError(
            f"{SPELLINGS_CSV}: alpha3 codes not in {ISO3166_CSV.name}: {', '.join(unknown)}. "
            "Fix: correct those rows to an ISO 3166 alpha-3 code."
        )
    con.execute("CREATE SCHEMA IF NOT EXISTS reference")
    _write(con, "countries", countries)
    con.register("_spellings", spellings.to_arrow())
    try:
        con.execute(
            """CREATE OR REPLACE TABLE reference.nationalities AS
               SELECT alpha3 AS nationality, name_vi AS nationality_name_vi,
                      name_en AS nationality_name_en FROM reference.countries
               UNION ALL SELECT ?, ?, ?""",
            list(OTHER_NATIONALITY),
        )
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _forms AS
               SELECT alpha3, form, kind FROM (
                   SELECT alpha3, alpha2, alpha3 AS code3, name_en, name_vi FROM reference.countries)
               UNPIVOT (form FOR kind IN (alpha2, code3, name_en, name_vi))
               UNION ALL SELECT alpha3, spelling, 'spelling' FROM _spellings"""
        )
        # Names (and spellings) are matched case-insensitively; codes as written in upper case
        # (ISO codes are upper case), and in lower case only where no name reads the same:
        # 'Nga' is Russia in Vietnamese, 'NGA' Nigeria's code.
        clashes = con.execute(
            """SELECT lower(clean_text(form)) AS k, string_agg(DISTINCT alpha3, ', ')
               FROM _forms WHERE kind IN ('name_en', 'name_vi', 'spelling')
               GROUP BY k HAVING count(DISTINCT alpha3) > 1 ORDER BY k"""
        ).fetchall()
        if clashes:
            raise ReferenceDataError(
                f"{SPELLINGS_CSV}: spellings or names that name two countries: "
                + "; ".join(f"{k!r} ({v})" for k, v in clashes)
                + ". Fix: remove or correct those rows."
            )
        con.execute(
            """CREATE OR REPLACE TABLE reference.nationality_spellings AS
               WITH codes AS (
                   SELECT form AS spelling_key, alpha3, 'code' AS how
                   FROM _forms WHERE kind IN ('alpha2', 'code3')),
               names AS (
                   SELECT DISTINCT lower(clean_text(form)) AS spelling_key, alpha3, 'name' AS how
                   FROM _forms WHERE kind IN ('name_en', 'name_vi', 'spelling')),
               lower_codes AS (
                   SELECT lower(spelling_key) AS spelling_key, alpha3, 'code, lower case' AS how
                   FROM codes WHERE lower(spelling_key) NOT IN (SELECT spelling_key FROM names)),
               folded AS (
                   -- a folded name never shadows a name or a code ('Mỹ' folds to 'my', Malaysia's
                   -- alpha-2), and is kept only where it names one country
                   SELECT fold_text(form) AS spelling_key, any_value(alpha3) AS alpha3,
                          'name, accents folded' AS how
                   FROM _forms WHERE kind IN ('name_en', 'name_vi', 'spelling')
                   GROUP BY 1 HAVING count(DISTINCT alpha3) = 1)
               SELECT * FROM codes
               UNION ALL SELECT * FROM names
               UNION ALL SELECT * FROM lower_codes
               UNION ALL
               SELECT * FROM folded
               WHERE spelling_key NOT IN (SELECT spelling_key FROM names)
                 AND spelling_key NOT IN (SELECT spelling_key FROM lower_codes)
               ORDER BY alpha3, spelling_key"""
        )
        dupes = con.execute(
            """SELECT count(*) FROM (SELECT spelling_key FROM reference.nationality_spellings
                                     GROUP BY 1 HAVING count(*) > 1)"""
        ).fetchone()[0]
        if dupes:  # cannot happen by construction; a lookup must never fan out
            raise ReferenceDataError(f"{SPELLINGS_CSV}: {dupes} spelling keys map twice.")
        con.execute("DROP TABLE _forms")
    finally:
        con.unregister("_spellings")
    return {
        "countries": countries.height,
        "spellings": con.execute("SELECT count(*) FROM reference.nationality_spellings").fetchone()[
            0
        ],
    }


@dg.asset(key=["reference", "countries"], group_name="reference", kinds={"duckdb", "csv"})
def countries_reference(warehouse: Warehouse) -> dg.MaterializeResult:
    """ISO 3166-1 countries (249, from Unicode CLDR via sources/countries.py, committed as
    sources/reference/iso3166.csv) with English and Vietnamese names, and the spellings a
    guest's nationality is read from (codes, names, sources/reference/nationality_spellings.csv).
    Published nationality labels come from reference.nationalities only; a value it cannot read
    is published as 'other'.

    Tables: reference.countries, reference.nationalities, reference.nationality_spellings."""
    with warehouse.connect() as con:
        try:
            figures = load_country_reference(con)
        except ReferenceDataError as exc:
            raise dg.Failure(description=str(exc)) from exc
    return dg.MaterializeResult(metadata={"dagster/row_count": figures["countries"], **figures})
