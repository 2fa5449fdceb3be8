"""Model 37, labour situation: the labour-market register's yearly extracts, linked to the
population register. Everything the domain contributes, declared once: title, sources and their
contracts, staging steps, the marts with their catalogue entries and disclosure rules, the links
to other marts, labels, suites, SQL checks, reason codes and the report and workbook tables.
Dagster-free: assets/labour.py builds the domain's assets from it and domains/__init__.py
assembles the registries. Adding a model: a module like this one (README, "Adding a model")."""

from __future__ import annotations

import duckdb
import great_expectations.expectations as gxe
import plotly.graph_objects as go
import polars as pl

from domains.base import AREA_KEYS, Check, Mart, Staging
from marts.reports import (
    YearbookTable,
    _columns,
    _exists,
    _fig_html,
    _section_tables,
    _table,
    _yearbook_chart,
    commune_map,
    yearbook_tables,
)
from protection.perturb import Perturbation
from quality.suites import SEXES, communes_2025, suite
from sources.contracts import labour as contracts

NAME = "labour"  # asset group of its raw, staging and quarantine tables
MODEL = 37  # the Project 06 model number; its marts are in the asset group model_37
TITLE = ("Tình hình lao động", "Labour situation")
REPORT_SOURCE = (
    "Cơ sở dữ liệu thị trường lao động, liên kết với đăng ký dân cư / labour-market register"
)
CONTRACTS = contracts.CONTRACTS
STAGING = [
    Staging(
        "labour_status",
        "stage_labour.sql",
        staged="Accepted labour records of all loaded years: typed, personal ID "
        "replaced by the keyed pseudonym, linked to the population register (sex and age "
        "from the register, residence commune on the reference date), status fields of "
        "persons not employed cleared, workplace commune harmonised to 2025 communes, "
        "informal employment flagged.",
        rejected="Rejected labour records with their reason code (invalid ID, duplicate, "
        "unknown person, under 15, contradictory status …); pseudonymised, the received row "
        "is in raw by file and row number.",
    ),
]
SOURCES = [s.source for s in STAGING]

# Vietnamese labels of the domain's columns for the workbooks (English name kept alongside).
LABELS: dict[str, str] = {
    "age_band": "Nhóm tuổi",
    "working_age_population": "Dân số từ 15 tuổi trở lên",
    "no_labour_record": "Chưa có thông tin lao động",
    "labour_force": "Lực lượng lao động",
    "employed": "Số người có việc làm",
    "unemployed": "Số người thất nghiệp",
    "outside_labour_force": "Ngoài lực lượng lao động",
    "informal_employed": "Lao động có việc làm phi chính thức",
    "labour_force_participation_rate": "Tỷ lệ tham gia lực lượng lao động (%)",
    "employment_to_population_ratio": "Tỷ lệ có việc làm trên dân số (%)",
    "unemployment_rate": "Tỷ lệ thất nghiệp (%)",
    "informal_employment_rate": "Tỷ lệ lao động có việc làm phi chính thức (%)",
    "youth_population": "Dân số 15-24 tuổi",
    "youth_with_record": "Thanh niên có thông tin lao động",
    "youth_labour_force": "Lực lượng lao động thanh niên",
    "youth_employed": "Thanh niên có việc làm",
    "youth_unemployed": "Thanh niên thất nghiệp",
    "youth_outside_labour_force": "Thanh niên ngoài lực lượng lao động",
    "youth_in_education": "Thanh niên đang đi học",
    "youth_neet": "Thanh niên không có việc làm, không đi học (NEET)",
    "youth_unemployment_rate": "Tỷ lệ thất nghiệp thanh niên (%)",
    "neet_rate": "Tỷ lệ thanh niên NEET (%)",
    "vsic_section": "Ngành kinh tế (VSIC cấp 1)",
    "vsic_name": "Tên ngành kinh tế",
    "broad_sector": "Khu vực kinh tế",
    "broad_sector_name": "Tên khu vực kinh tế",
    "occupation_code": "Nghề nghiệp (VSCO cấp 1)",
    "occupation_name": "Tên nhóm nghề",
    "share": "Cơ cấu (%)",
}

# --- marts with their catalogue entries and their protection (protection/perturb.py)
_LABOUR_COUNTS = (
    "working_age_population",
    "no_labour_record",
    "labour_force",
    "employed",
    "unemployed",
    "outside_labour_force",
    "informal_employed",
)
_YOUTH_COUNTS = (
    "youth_population",
    "youth_with_record",
    "youth_labour_force",
    "youth_employed",
    "youth_unemployed",
    "youth_outside_labour_force",
    "youth_in_education",
    "youth_neet",
)

_SEX_ROW = "PARTITION BY p.year, p.area_level, p.area_code, p.sex"


def _share_of_total(code_column: str) -> str:
    """100 × employed / employed of the row's 'Tổng' (same year, area and sex), published."""
    return (
        f"round(100.0 * p.employed / nullif(max(CASE WHEN p.{code_column} = 'Tổng' "
        f"THEN p.employed END) OVER ({_SEX_ROW}), 0), 2)"
    )


MARTS: list[Mart] = [
    Mart(
        "labour_indicators",
        37,
        "Các chỉ tiêu lao động, việc làm (từ cơ sở dữ liệu)",
        "Labour force, employment and unemployment (register-based)",
        "year × area × sex × age_band",
        Perturbation(
            keys=("year", *AREA_KEYS, "sex", "age_band"),
            counts=_LABOUR_COUNTS,
            derived={
                "labour_force_participation_rate": "round(100.0 * p.labour_force "
                "/ nullif(p.labour_force + p.outside_labour_force, 0), 2)",
                "employment_to_population_ratio": "round(100.0 * p.employed "
                "/ nullif(p.labour_force + p.outside_labour_force, 0), 2)",
                "unemployment_rate": "round(100.0 * p.unemployed / nullif(p.labour_force, 0), 2)",
                "informal_employment_rate": "round(100.0 * p.informal_employed "
                "/ nullif(p.employed, 0), 2)",
            },
        ),
        "labour_force, employed and unemployed are each perturbed on their own (labour_force is "
        "not exactly employed + unemployed); the 15-24 rows have the values of youth_indicators.",
    ),
    Mart(
        "youth_indicators",
        37,
        "Thất nghiệp thanh niên và thanh niên NEET (từ cơ sở dữ liệu)",
        "Youth unemployment and NEET (register-based)",
        "year × area × sex",
        Perturbation(
            keys=("year", *AREA_KEYS, "sex"),
            counts=_YOUTH_COUNTS,
            derived={
                "youth_unemployment_rate": "round(100.0 * p.youth_unemployed "
                "/ nullif(p.youth_labour_force, 0), 2)",
                "neet_rate": "round(100.0 * p.youth_neet / nullif(p.youth_with_record, 0), 2)",
            },
        ),
    ),
    Mart(
        "employment_by_sector",
        37,
        "Lao động có việc làm theo ngành kinh tế (từ cơ sở dữ liệu)",
        "Employment by economic sector (register-based)",
        "year × area × sex × vsic_section (sections, broad sectors and 'Tổng')",
        Perturbation(
            keys=("year", *AREA_KEYS, "sex", "vsic_section"),
            counts=("employed",),
            derived={"share": _share_of_total("vsic_section")},
        ),
        "The broad sectors and 'Tổng' are counted from the persons; 'Tổng' has the value of "
        "labour_indicators' employed.",
    ),
    Mart(
        "employment_by_occupation",
        37,
        "Lao động có việc làm theo nghề nghiệp (từ cơ sở dữ liệu)",
        "Employment by occupation (register-based)",
        "year × area × sex × occupation_code (groups and 'Tổng')",
        Perturbation(
            keys=("year", *AREA_KEYS, "sex", "occupation_code"),
            counts=("employed",),
            derived={"share": _share_of_total("occupation_code")},
        ),
    ),
]

# --- great-expectations suites (quality/suites.py runs them)
LABOUR_STATUSES = ["employed", "unemployed", "outside"]
STATUS_IN_EMPLOYMENT = ["employee", "employer", "own_account", "contributing_family"]
VSIC_SECTIONS = list("ABCDEFGHIJKLMNOPQRSTU")
VSCO_GROUPS = list("1234567890")


@suite(
    "staging.labour_status",
    blocking=True,
    description="Accepted labour records: one per pseudonymised person and year, aged 15+ "
    "by the register, living in a 2025 commune, with a valid employment status.",
)
def labour_contract(con: duckdb.DuckDBPyConnection) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="person_key"),
        gxe.ExpectColumnValueLengthsToEqual(column="person_key", value=64),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["person_key", "year"]),
        gxe.ExpectColumnValuesToNotBeNull(column="ref_date"),
        gxe.ExpectColumnValuesToBeInSet(column="sex", value_set=SEXES),
        gxe.ExpectColumnValuesToNotBeNull(column="age"),
        gxe.ExpectColumnValuesToBeBetween(column="age", min_value=15, max_value=125),
        gxe.ExpectColumnValuesToBeInSet(column="employment_status", value_set=LABOUR_STATUSES),
        gxe.ExpectColumnValuesToNotBeNull(column="employment_status"),
        gxe.ExpectColumnValuesToBeInSet(column="commune_code", value_set=communes_2025(con)),
        gxe.ExpectColumnValuesToNotBeNull(column="commune_code"),
        gxe.ExpectColumnValuesToBeBetween(column="hours_per_week", min_value=0, max_value=100),
    ]


@suite(
    "staging.labour_status",
    blocking=False,
    description="Code lists and completeness of the labour records (warning thresholds); any "
    "value of a code list read as unknown warns.",
)
def labour_quality(con: duckdb.DuckDBPyConnection) -> list:
    return [
        *(
            gxe.ExpectColumnValuesToBeInSet(column=f"fix_unknown_{field}", value_set=[False])
            for field in ("status_in_employment", "vsic_section", "occupation_code", "bool", "sex")
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="status_in_employment", value_set=STATUS_IN_EMPLOYMENT, mostly=0.99
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="vsic_section", value_set=VSIC_SECTIONS, mostly=0.99
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="occupation_code", value_set=VSCO_GROUPS, mostly=0.99
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="workplace_commune_code", value_set=communes_2025(con), mostly=0.99
        ),
        gxe.ExpectColumnValuesToNotBeNull(column="in_education", mostly=0.99),
    ]


SUITES = [labour_contract, labour_quality]

# --- SQL checks (quality/checks/<name>.sql)
CHECKS = [
    Check(
        "labour_rejection_share",
        ("quarantine", "labour_status"),
        blocking=False,
        description="Share of labour records rejected per file stays under 2 %, and under 1 % of "
        "the records disagree with the population register on sex or birth date (warning).",
    ),
    Check(
        "labour_accounts",
        ("marts", "labour_indicators"),
        blocking=True,
        description="Contract of the mart (blocks publication): the labour accounts hold in every "
        "cell: labour force = employed + unemployed, no cell has more persons with a status than the "
        "register's working-age population, and sexes and age bands add up to their totals. These "
        "are identities of the mart's construction (records link only to persons the working-age "
        "population counts), not properties of the data: a failure means the mart is wrong.",
    ),
]

# --- reason codes (quarantine) and repairs (kept, counted in ops.quality_figures)
REJECT_REASONS: dict[str, str] = {
    "UNDER_15": "labour record for a person under 15 on the reference date (age from the "
    "population register)",
    "CONTRADICTORY_STATUS": "employment status contradicted by the record itself: over 100 usual "
    "hours a week, or hours worked for a person recorded unemployed or outside the labour force",
    "INVALID_EMPLOYMENT_STATUS": "employment status missing or outside employed, unemployed, outside",
    "INVALID_HOURS": "usual hours a week given but not a number",
}
# UNKNOWN_PERSON for labour: the person is not living in the area at any moment of the reference
# date by the population register (unknown ID, dead or moved out before it, or arriving after
# it). DUPLICATE: a second record of a person in the same yearly file. INVALID_DATE: reference date unreadable or not in the file's year.
REPAIRS: dict[str, str] = {
    "bool_spelling": "boolean not written true/false (Có/Không, 1/0, x …), mapped",
    "status_fields_cleared": "unemployed or outside the labour force with a status in "
    "employment, sector, occupation or workplace: those fields set NULL",
    "workplace_outside_area": "workplace commune outside the area's code lists (another "
    "province, or unknown): kept as received, no workplace commune",
    "sex_differs_from_register": "sex in the labour record differs from the population "
    "register (the register is used)",
    "birth_date_differs_from_register": "birth date in the labour record differs from the "
    "population register (the register is used)",
    "unknown_status_in_employment": "status in employment of an employed person outside the "
    "code list: kept as unknown (NULL), counted (informality then follows social insurance)",
    "unknown_vsic_section": "economic section of an employed person outside A–U: kept as "
    "unknown (NULL), counted",
    "unknown_occupation_code": "occupation of an employed person outside the VSCO major groups: "
    "kept as unknown (NULL), counted",
    "unknown_bool": "social insurance, labour contract or in-education flag given but not "
    "readable as yes/no: kept as unknown (NULL), counted",
}


# --- report (HTML) and workbook (yearbook) tables


def _labour_tables(con) -> list[YearbookTable | None]:
    _columns(con, "labour_indicators")
    area = "area_level, area_code, area_name, parent_code"
    total = "WHERE sex = 'Tổng' AND age_band = 'Tổng'"
    ref = "Tại ngày 01/7 hằng năm (ngày chốt của cơ sở dữ liệu lao động)."
    note = "Số liệu từ cơ sở dữ liệu đăng ký, không phải điều tra lao động việc làm. "
    tables = [
        _table(
            con,
            37,
            "1. Lực lượng lao động",
            "Lực lượng lao động từ 15 tuổi trở lên",
            "Labour force aged 15+",
            "Người",
            "labour_indicators",
            f"SELECT {area}, year AS period, labour_force AS value, FROM labour_indicators {total}",
            note + "Người có việc làm và người thất nghiệp (ILO, ICLS 19).",
            ref,
            "year",
        ),
        _table(
            con,
            37,
            "2. Lao động có việc làm",
            "Lao động từ 15 tuổi trở lên có việc làm",
            "Employed persons aged 15+",
            "Người",
            "labour_indicators",
            f"SELECT {area}, year AS period, employed AS value FROM labour_indicators {total}",
            note + "Người làm việc ít nhất 1 giờ để tạo thu nhập (ILO, ICLS 19).",
            ref,
            "year",
        ),
        _table(
            con,
            37,
            "3. Tỷ lệ tham gia LLLĐ",
            "Tỷ lệ tham gia lực lượng lao động",
            "Labour force participation rate",
            "%",
            "labour_indicators",
            f"SELECT {area}, year AS period, labour_force_participation_rate AS value, "
            f""
            f"FROM labour_indicators {total}",
            note + "Lực lượng lao động chia cho dân số 15+ có thông tin lao động, × 100.",
            ref,
            "year",
            1,
        ),
        _table(
            con,
            37,
            "4. Tỷ lệ thất nghiệp",
            "Tỷ lệ thất nghiệp",
            "Unemployment rate",
            "%",
            "labour_indicators",
            f"SELECT {area}, year AS period, unemployment_rate AS value, "
            f""
            f"FROM labour_indicators {total}",
            note + "Người thất nghiệp chia cho lực lượng lao động, × 100.",
            ref,
            "year",
            2,
        ),
    ]
    if _exists(con, "youth_indicators"):
        _columns(con, "youth_indicators")
        tables.append(
            _table(
                con,
                37,
                "5. Thanh niên NEET",
                "Tỷ lệ thanh niên không có việc làm, không đi học (NEET)",
                "Youth NEET rate",
                "%",
                "youth_indicators",
                f"SELECT {area}, year AS period, neet_rate AS value, "
                f""
                "FROM youth_indicators WHERE sex = 'Tổng'",
                note
                + "Thanh niên 15-24 tuổi không có việc làm và không đi học, trên thanh niên có "
                "thông tin lao động, × 100.",
                ref,
                "year",
                1,
            )
        )
    return tables


def _labour_sections(con) -> list[tuple[str, str]]:
    note = (
        "<p><b>Số liệu từ cơ sở dữ liệu (đăng ký), không phải điều tra lao động việc làm.</b> "
        "Register-based figures, not labour force survey estimates (ILO 19th ICLS, age 15+).</p>"
    )
    tables = yearbook_tables(con, 37)
    by_sheet = {t.sheet[:2]: t for t in tables}
    sections = []
    if "4." in by_sheet:
        sections.append(
            (
                "Thất nghiệp / Unemployment",
                note
                + _yearbook_chart(
                    by_sheet["4."],
                    "district",
                    "Tỷ lệ thất nghiệp theo huyện cũ (%) / Unemployment rate by former district",
                ),
            )
        )
    if "3." in by_sheet:
        sections.append(
            (
                "Tham gia LLLĐ / Participation",
                _yearbook_chart(
                    by_sheet["3."],
                    "district",
                    "Tỷ lệ tham gia LLLĐ theo huyện cũ (%) / Participation rate by former district",
                ),
            )
        )
    sections.append(
        (
            "Xã, phường 2025 / 2025 communes",
            commune_map(
                con,
                """SELECT l.area_code, l.area_name, d.area_name AS district,
                        unemployment_rate AS value
                 FROM labour_indicators l LEFT JOIN (SELECT DISTINCT area_code, area_name
                      FROM labour_indicators WHERE area_level = 'district') d
                      ON d.area_code = l.parent_code
                 WHERE l.area_level = 'commune' AND sex = 'Tổng' AND age_band = 'Tổng'
                   AND year = (SELECT max(year) FROM labour_indicators)""",
                "Tỷ lệ thất nghiệp các xã, phường 2025 (%) / Unemployment rate of the 2025 communes",
                "tỷ lệ thất nghiệp (%)",
                2,
            ),
        )
    )
    if _exists(con, "employment_by_sector"):
        # the broad sectors as published (each counted from the persons), never a sum of sections
        sector = con.execute(
            """SELECT year, broad_sector_name, employed
                FROM employment_by_sector
                WHERE area_level = 'province' AND sex = 'Tổng' AND vsic_section IN ('A', 'B-F', 'G-U')
                ORDER BY year, vsic_section"""
        ).pl()
        fig = go.Figure()
        for name in sector["broad_sector_name"].unique(maintain_order=True).to_list():
            part = sector.filter(pl.col("broad_sector_name") == name)
            fig.add_bar(
                x=part["year"].cast(pl.String),
                y=part["employed"].to_list(),
                name=name,
            )
        fig.update_layout(
            barmode="stack",
            title="Lao động có việc làm theo khu vực kinh tế "
            "(tỉnh) / Employment by broad sector (province)",
        )
        sections.append(("Khu vực kinh tế / Sectors", _fig_html(fig)))
    return sections + _section_tables(tables)


YEARBOOK_TABLES = _labour_tables
REPORT_SECTIONS = _labour_sections
