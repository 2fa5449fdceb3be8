"""Model 37, labour situation: the labour-market register's yearly extracts, linked to the
population register. The domain's declaration, Dagster-free (domains/__init__.py lists its
parts); the source contracts are in sources/contracts/labour.py and assets/labour.py builds the
assets."""

from __future__ import annotations

import duckdb

from domains import expectations as expect
from domains.base import AREA_KEYS, Check, Mart, Staging
from protection.perturb import Perturbation
from quality.suites import SEXES, gxe, suite
from reporting import charts
from reporting.dictionary import Label
from reporting.html import Note, Section
from reporting.sections import communes_section
from reporting.yearbook import AreaTable, SmallBase, YearbookTable, area_sql
from sources.contracts import labour as contracts

NAME = "labour"
MODEL = 37
TITLE = ("Tình hình lao động", "Labour situation")
REPORT_SOURCE = (
    "Cơ sở dữ liệu thị trường lao động, liên kết với đăng ký dân cư / labour-market register"
)
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

# Labels of the domain's columns (workbooks, reports, data dictionary): Vietnamese, English,
# unit, and a definition where the mart's SQL header does not define the column.
_P = "người / persons"
_PCT = "%"
LABELS: dict[str, Label] = {
    "age_band": Label(
        "Nhóm tuổi",
        "Age band",
        "năm tuổi / years",
        "Age on the reference date (population register): 15-24 … 55-64, 65+; 'Tổng' all 15+.",
    ),
    "working_age_population": Label("Dân số từ 15 tuổi trở lên", "Population aged 15+", _P),
    "no_labour_record": Label("Chưa có thông tin lao động", "No labour record", _P),
    "labour_force": Label("Lực lượng lao động", "Labour force", _P),
    "employed": Label(
        "Số người có việc làm",
        "Employed persons",
        _P,
        "Persons the labour register records as employed on the reference date (ILO 19th ICLS: "
        "worked at least one hour for pay or profit).",
    ),
    "unemployed": Label(
        "Số người thất nghiệp",
        "Unemployed persons",
        _P,
        "Persons the labour register records as unemployed: without work, available and "
        "seeking work (ILO 19th ICLS).",
    ),
    "outside_labour_force": Label("Ngoài lực lượng lao động", "Outside the labour force", _P),
    "informal_employed": Label(
        "Lao động có việc làm phi chính thức", "Informally employed persons", _P
    ),
    "labour_force_participation_rate": Label(
        "Tỷ lệ tham gia lực lượng lao động", "Labour force participation rate", _PCT
    ),
    "employment_to_population_ratio": Label(
        "Tỷ lệ có việc làm trên dân số", "Employment-to-population ratio", _PCT
    ),
    "unemployment_rate": Label("Tỷ lệ thất nghiệp", "Unemployment rate", _PCT),
    "informal_employment_rate": Label(
        "Tỷ lệ lao động có việc làm phi chính thức", "Informal employment rate", _PCT
    ),
    "youth_population": Label("Dân số 15-24 tuổi", "Youth population (15-24)", _P),
    "youth_with_record": Label(
        "Thanh niên có thông tin lao động", "Youth with a labour record", _P
    ),
    "youth_labour_force": Label("Lực lượng lao động thanh niên", "Youth labour force", _P),
    "youth_employed": Label("Thanh niên có việc làm", "Employed youth", _P),
    "youth_unemployed": Label("Thanh niên thất nghiệp", "Unemployed youth", _P),
    "youth_outside_labour_force": Label(
        "Thanh niên ngoài lực lượng lao động", "Youth outside the labour force", _P
    ),
    "youth_in_education": Label("Thanh niên đang đi học", "Youth in education", _P),
    "youth_neet": Label(
        "Thanh niên không có việc làm, không đi học (NEET)",
        "Youth not in employment, education or training (NEET)",
        _P,
    ),
    "youth_unemployment_rate": Label(
        "Tỷ lệ thất nghiệp thanh niên", "Youth unemployment rate", _PCT
    ),
    "neet_rate": Label("Tỷ lệ thanh niên NEET", "Youth NEET rate", _PCT),
    "vsic_section": Label(
        "Ngành kinh tế (VSIC cấp 1)",
        "Economic sector (VSIC section)",
        "mã / code",
        "VSIC 2018 section A-U, a broad sector (A, B-F, G-U) or 'Tổng' (all employed).",
    ),
    "vsic_name": Label(
        "Tên ngành kinh tế",
        "Sector name",
        "văn bản / text",
        "The VSIC 2018 name of the section (Decision 27/2018/QĐ-TTg).",
    ),
    "broad_sector": Label("Khu vực kinh tế", "Broad sector", "mã / code"),
    "broad_sector_name": Label("Tên khu vực kinh tế", "Broad sector name", "văn bản / text"),
    "occupation_code": Label(
        "Nghề nghiệp (VSCO cấp 1)",
        "Occupation (VSCO major group)",
        "mã / code",
        "VSCO 2008 major group 0-9 (ISCO-08 major groups), or 'Tổng' (all employed).",
    ),
    "occupation_name": Label(
        "Tên nhóm nghề",
        "Occupation name",
        "văn bản / text",
        "The VSCO 2008 name of the major group (Decision 1019/QĐ-TCTK).",
    ),
    "share": Label("Cơ cấu", "Share", _PCT),
}
# GSO's three broad sectors in English (their Vietnamese names are in the published marts)
BROAD_SECTORS_EN = {
    "A": "Agriculture, forestry and fishing",
    "B-F": "Industry and construction",
    "G-U": "Services",
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


def _employment_perturbation(code_column: str) -> Perturbation:
    """The protection of employment by a classification (year × area × sex × `code_column`):
    the employed counted, each row's share of its published 'Tổng' (same year, area and sex),
    × 100, derived."""
    share = (
        f"round(100.0 * p.employed / nullif(max(CASE WHEN p.{code_column} = 'Tổng' "
        f"THEN p.employed END) OVER ({_SEX_ROW}), 0), 2)"
    )
    return Perturbation(
        keys=("year", *AREA_KEYS, "sex", code_column),
        counts=("employed",),
        derived={"share": share},
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
        _employment_perturbation("vsic_section"),
        "The broad sectors and 'Tổng' are counted from the persons; 'Tổng' has the value of "
        "labour_indicators' employed.",
    ),
    Mart(
        "employment_by_occupation",
        37,
        "Lao động có việc làm theo nghề nghiệp (từ cơ sở dữ liệu)",
        "Employment by occupation (register-based)",
        "year × area × sex × occupation_code (groups and 'Tổng')",
        _employment_perturbation("occupation_code"),
    ),
]

# --- great-expectations suites (quality/suites.py runs them)
# the contract's code lists
LABOUR_STATUSES = contracts.EMPLOYMENT_STATUS.codes
STATUS_IN_EMPLOYMENT = contracts.STATUS_IN_EMPLOYMENT.codes
VSIC_SECTIONS = contracts.VSIC_SECTION.codes
VSCO_GROUPS = contracts.OCCUPATION.codes


@suite("staging.labour_status", blocking=True)
def labour_contract(con: duckdb.DuckDBPyConnection) -> list:
    """Accepted labour records: one per pseudonymised person and year, aged 15+ by the
    register, living in a 2025 commune, with a valid employment status."""
    return [
        *expect.pseudonym("person_key"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["person_key", "year"]),
        *expect.not_null("ref_date"),
        gxe.ExpectColumnValuesToBeInSet(column="sex", value_set=SEXES),
        *expect.not_null("age"),
        gxe.ExpectColumnValuesToBeBetween(column="age", min_value=15, max_value=125),
        gxe.ExpectColumnValuesToBeInSet(column="employment_status", value_set=LABOUR_STATUSES),
        *expect.not_null("employment_status"),
        *expect.in_2025_commune(con),
        *expect.not_null("commune_code"),
        gxe.ExpectColumnValuesToBeBetween(column="hours_per_week", min_value=0, max_value=100),
    ]


@suite("staging.labour_status", blocking=False)
def labour_quality(con: duckdb.DuckDBPyConnection) -> list:
    """Code lists and completeness of the labour records (warning thresholds); any value of a
    code list read as unknown warns."""
    return [
        *expect.none_unknown(
            "status_in_employment", "vsic_section", "occupation_code", "bool", "sex"
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
        *expect.in_2025_commune(con, "workplace_commune_code", mostly=0.99),
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


# --- report (HTML) and workbook (yearbook) tables, from the published marts only

# A labour rate whose denominator is under this many persons is marked '*'.
SMALL_LABOUR = SmallBase(100, "người", "persons")
_TOTAL = "sex = 'Tổng' AND age_band = 'Tổng'"
_REF = "Tại ngày 01/7 hằng năm (ngày chốt của cơ sở dữ liệu lao động)."
_NOTE = "Số liệu từ cơ sở dữ liệu đăng ký, không phải điều tra lao động việc làm. "
_BY_SEX = {"Tổng": "Tổng số / Total", "Nam": "Nam / Male", "Nữ": "Nữ / Female"}


def _sectors(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The broad sectors' column labels: published Vietnamese name / English name."""
    names = dict(
        con.execute(
            """SELECT DISTINCT vsic_section, broad_sector_name FROM employment_by_sector
               WHERE vsic_section IN ('A', 'B-F', 'G-U')"""
        ).fetchall()
    )
    return {"Tổng": "Tổng số / Total"} | {
        code: f"{names[code]} / {en}" for code, en in BROAD_SECTORS_EN.items() if code in names
    }


def yearbook_tables(con: duckdb.DuckDBPyConnection) -> list[YearbookTable | None]:
    """The yearbook tables of model 37, in print order (numbered by the caller)."""
    by_sex = """SELECT area_code, year AS period, sex AS sub, {col} AS value{base}
                 FROM labour_indicators WHERE age_band = 'Tổng'"""
    # AreaTable(id, short, title, title_en, unit, mart, sql, definition, reference, kind, options)
    return [
        AreaTable(
            "labour_force",
            "Lực lượng lao động",
            "Lực lượng lao động từ 15 tuổi trở lên",
            "Labour force aged 15+",
            "Người / persons",
            "labour_indicators",
            area_sql("labour_indicators", "year", "labour_force", where=_TOTAL),
            _NOTE + "Người có việc làm và người thất nghiệp (ILO, ICLS 19).",
            _REF,
            "year",
        ).build(con),
        AreaTable(
            "labour_force_sex",
            "LLLĐ theo giới tính",
            "Lực lượng lao động từ 15 tuổi trở lên phân theo giới tính",
            "Labour force aged 15+ by sex",
            "Người / persons",
            "labour_indicators",
            by_sex.format(col="labour_force", base=""),
            _NOTE + "Tổng số được đếm riêng, không cộng từ nam và nữ.",
            _REF,
            "year",
            subs=_BY_SEX,
        ).build(con),
        AreaTable(
            "employed",
            "Lao động có việc làm",
            "Lao động từ 15 tuổi trở lên có việc làm",
            "Employed persons aged 15+",
            "Người / persons",
            "labour_indicators",
            area_sql("labour_indicators", "year", "employed", where=_TOTAL),
            _NOTE + "Người làm việc ít nhất 1 giờ để tạo thu nhập (ILO, ICLS 19).",
            _REF,
            "year",
        ).build(con),
        AreaTable(
            "employed_sector",
            "Việc làm theo khu vực",
            "Lao động có việc làm phân theo khu vực kinh tế",
            "Employed persons by broad economic sector",
            "Người / persons",
            "employment_by_sector",
            """SELECT area_code, year AS period, vsic_section AS sub, employed AS value
                    FROM employment_by_sector
                    WHERE sex = 'Tổng' AND vsic_section IN ('Tổng', 'A', 'B-F', 'G-U')""",
            _NOTE + "Ba khu vực của TCTK (VSIC 2018): nông, lâm nghiệp và thủy sản (A); "
            "công nghiệp và xây dựng (B-F); dịch vụ (G-U). Mỗi khu vực và tổng số được đếm "
            "riêng: các khu vực không cộng đúng bằng tổng.",
            _REF,
            "year",
            subs=_sectors(con),
        ).build(con),
        AreaTable(
            "participation",
            "Tỷ lệ tham gia LLLĐ",
            "Tỷ lệ tham gia lực lượng lao động",
            "Labour force participation rate",
            "%",
            "labour_indicators",
            area_sql(
                "labour_indicators",
                "year",
                "labour_force_participation_rate",
                base="labour_force + outside_labour_force",
                where=_TOTAL,
            ),
            _NOTE + "Lực lượng lao động chia cho dân số 15+ có thông tin lao động, × 100.",
            _REF,
            "year",
            decimals=1,
            small_base=SMALL_LABOUR,
        ).build(con),
        AreaTable(
            "unemployment",
            "Tỷ lệ thất nghiệp",
            "Tỷ lệ thất nghiệp",
            "Unemployment rate",
            "%",
            "labour_indicators",
            area_sql(
                "labour_indicators", "year", "unemployment_rate", base="labour_force", where=_TOTAL
            ),
            _NOTE + "Người thất nghiệp chia cho lực lượng lao động, × 100 (ILO).",
            _REF,
            "year",
            decimals=2,
            small_base=SMALL_LABOUR,
        ).build(con),
        AreaTable(
            "unemployment_sex",
            "Thất nghiệp theo giới tính",
            "Tỷ lệ thất nghiệp phân theo giới tính",
            "Unemployment rate by sex",
            "%",
            "labour_indicators",
            by_sex.format(col="unemployment_rate", base=", labour_force AS base"),
            _NOTE + "Người thất nghiệp chia cho lực lượng lao động cùng giới, × 100.",
            _REF,
            "year",
            decimals=2,
            subs=_BY_SEX,
            small_base=SMALL_LABOUR,
        ).build(con),
        AreaTable(
            "neet",
            "Thanh niên NEET",
            "Tỷ lệ thanh niên không có việc làm, không đi học (NEET)",
            "Youth NEET rate",
            "%",
            "youth_indicators",
            area_sql(
                "youth_indicators",
                "year",
                "neet_rate",
                base="youth_with_record",
                where="sex = 'Tổng'",
            ),
            _NOTE + "Thanh niên 15-24 tuổi không có việc làm và không đi học, trên "
            "thanh niên có thông tin lao động, × 100 (SDG 8.6.1).",
            _REF,
            "year",
            decimals=1,
            small_base=SMALL_LABOUR,
        ).build(con),
    ]


def sector_stack(con: duckdb.DuckDBPyConnection):
    """Employment by GSO broad sector in the province: the three published broad-sector rows
    stacked, and the published total beside them."""
    sector = con.execute(
        """SELECT year, vsic_section, broad_sector_name, employed FROM employment_by_sector
           WHERE area_level = 'province' AND sex = 'Tổng'
             AND vsic_section IN ('A', 'B-F', 'G-U', 'Tổng')
           ORDER BY year, vsic_section"""
    ).pl()
    years = sorted(sector["year"].unique().to_list())

    def values(code: str) -> list:
        by_year = dict(
            sector.filter(sector["vsic_section"] == code).select("year", "employed").iter_rows()
        )
        return [by_year.get(y) for y in years]

    names = dict(sector.select("vsic_section", "broad_sector_name").unique().iter_rows())
    return charts.stacked_bars(
        "Lao động có việc làm theo khu vực kinh tế (tỉnh)",
        "Employed persons by broad sector (province)",
        mart="employment_by_sector",
        x=[str(y) for y in years],
        parts=[
            charts.Series(f"{names[code]} / {en}", values(code))
            for code, en in BROAD_SECTORS_EN.items()
            if code in names
        ],
        total=charts.Series(charts.TOTAL_NAME, values("Tổng")),
        y_title="Người / persons",
    )


def report_sections(con: duckdb.DuckDBPyConnection, tables: list[YearbookTable]) -> list[Section]:
    """The charts of model 37's report (the yearbook tables follow them)."""
    if not tables:
        return []
    by_id = {t.id: t for t in tables}
    note = Note(
        "Số liệu từ cơ sở dữ liệu (đăng ký), không phải điều tra lao động việc làm. / "
        "Register-based figures, not labour force survey estimates (ILO 19th ICLS, age 15+)."
    )
    small = Note(SMALL_LABOUR.note + " Cột gạch chéo / hatched bars.")
    sections = []
    if "unemployment" in by_id:
        sections.append(
            Section(
                "Thất nghiệp / Unemployment",
                [
                    note,
                    charts.table_bars(
                        by_id["unemployment"],
                        ["province", "district"],
                        "Tỷ lệ thất nghiệp theo huyện cũ (%)",
                        "Unemployment rate by former district (%)",
                    ),
                    small,
                ],
            )
        )
    if "participation" in by_id:
        sections.append(
            Section(
                "Tham gia LLLĐ / Participation",
                [
                    charts.table_bars(
                        by_id["participation"],
                        ["province", "district"],
                        "Tỷ lệ tham gia LLLĐ theo huyện cũ (%)",
                        "Labour force participation rate by former district (%)",
                    ),
                    small,
                ],
            )
        )
    sections.append(
        communes_section(
            con,
            "labour_indicators",
            "unemployment_rate",
            f"{_TOTAL} AND year = (SELECT max(year) FROM labour_indicators)",
            (
                "Tỷ lệ thất nghiệp các xã, phường 2025 (%), năm gần nhất",
                "Unemployment rate of the 2025 communes (%), latest year",
            ),
            value_label="Tỷ lệ thất nghiệp (%) / unemployment rate (%)",
            decimals=2,
            small_base=SMALL_LABOUR,
            base="labour_force",
        )
    )
    sections.append(
        Section(
            "Khu vực kinh tế / Sectors",
            [sector_stack(con), Note(charts.STACK_NOTE)],
        )
    )
    return sections


YEARBOOK_TABLES = yearbook_tables
REPORT_SECTIONS = report_sections
