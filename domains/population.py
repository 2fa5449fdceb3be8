"""Model 36, population situation: the population register's baseline snapshot and monthly change
records. The domain's declaration, Dagster-free (domains/__init__.py lists its parts); the source
contracts are in sources/contracts/population.py and assets/population.py builds the assets."""

from __future__ import annotations

import duckdb
import polars as pl

from domains import expectations as expect
from domains.base import AREA_KEYS, Check, Mart, Staging
from protection.perturb import Perturbation
from quality.suites import SEXES, gxe, suite
from reporting import charts
from reporting.dictionary import Label
from reporting.html import Note, Section
from reporting.sections import communes_section, province_months_section
from reporting.yearbook import AreaTable, Frame, SmallBase, YearbookTable, area_sql
from sources.contracts import population as contracts

NAME = "population"
MODEL = 36
TITLE = ("Tình hình dân cư", "Population situation")
REPORT_SOURCE = "Đăng ký dân cư (ảnh chụp gốc và biến động hằng tháng) / population register"
STAGING = [
    Staging(
        "residents",
        "stage_residents.sql",
        staged="Accepted residents of the latest snapshot: typed, cleaned, personal ID "
        "and household number replaced by keyed pseudonyms, names dropped, commune "
        "harmonised to the 2025 communes.",
        rejected="Rejected snapshot rows with their reason codes (pseudonymised; the "
        "received row is in raw by file and row number).",
        drop=("id_problem",),
    ),
    Staging(
        "events",
        "stage_events.sql",
        staged="Accepted population events of all loaded months: typed, pseudonymised, "
        "communes harmonised, each counted in the month it happened.",
        rejected="Rejected events with their reason codes (duplicates, invalid IDs, "
        "unknown persons, second deaths, unknown communes).",
    ),
]

# Labels of the domain's columns (workbooks, reports, data dictionary): Vietnamese, English,
# unit, and a definition where the mart's SQL header does not define the column.
_P = "người / persons"
_PER_1000 = "‰ (trên 1.000 dân bình quân / per 1,000 mean population)"
LABELS: dict[str, Label] = {
    "males": Label("Nam", "Males", _P),
    "females": Label("Nữ", "Females", _P),
    "aged_0_14": Label("Dân số 0-14 tuổi", "Population aged 0-14", _P),
    "aged_15_64": Label("Dân số 15-64 tuổi", "Population aged 15-64", _P),
    "aged_65_plus": Label("Dân số 65+ tuổi", "Population aged 65+", _P),
    "aged_60_plus": Label("Dân số 60+ tuổi", "Population aged 60+", _P),
    "sex_ratio": Label("Tỷ số giới tính", "Sex ratio", "nam/100 nữ / males per 100 females"),
    "median_age": Label("Tuổi trung vị", "Median age", "năm / years"),
    "young_dependency_ratio": Label(
        "Tỷ số phụ thuộc trẻ em", "Young-age dependency ratio", "trên 100 / per 100"
    ),
    "old_dependency_ratio": Label(
        "Tỷ số phụ thuộc người già", "Old-age dependency ratio", "trên 100 / per 100"
    ),
    "total_dependency_ratio": Label(
        "Tỷ số phụ thuộc chung", "Total dependency ratio", "trên 100 / per 100"
    ),
    "ageing_index": Label("Chỉ số già hóa", "Ageing index", "trên 100 / per 100"),
    "households": Label("Số hộ", "Households", "hộ / households"),
    "persons_in_households": Label(
        "Số người trong các hộ", "Persons in the households counted", _P
    ),
    "avg_household_size": Label("Quy mô hộ bình quân", "Average household size", "người/hộ"),
    "area_km2": Label(
        "Diện tích",
        "Area",
        "km²",
        "Area of the 2025 communes (vietnamadminunits); a former district's area is the sum of "
        "its 2025 communes' areas.",
    ),
    "density_per_km2": Label("Mật độ dân số", "Population density", "người/km² / per km²"),
    "population_start": Label("Dân số đầu kỳ", "Population at the start", _P),
    "births": Label("Số sinh", "Live births", "trẻ / births"),
    "deaths": Label("Số chết", "Deaths", "người / deaths"),
    "in_migrants": Label("Số người nhập cư", "In-migrants", _P),
    "out_migrants": Label("Số người xuất cư", "Out-migrants", _P),
    "population_end": Label("Dân số cuối kỳ", "Population at the end", _P),
    "natural_increase": Label("Tăng tự nhiên", "Natural increase", _P),
    "net_migration": Label("Di cư thuần", "Net migration", _P),
    "balance_adjustment": Label("Số điều chỉnh cân đối", "Balance adjustment", _P),
    "in_from_outside_province": Label("Nhập cư từ tỉnh khác", "In-migrants from outside", _P),
    "out_to_outside_province": Label("Xuất cư đi tỉnh khác", "Out-migrants to outside", _P),
    "mean_population": Label("Dân số bình quân", "Mean population", _P),
    "births_male": Label("Số sinh nam", "Male live births", "trẻ / births"),
    "births_female": Label("Số sinh nữ", "Female live births", "trẻ / births"),
    "crude_birth_rate": Label("Tỷ suất sinh thô", "Crude birth rate", _PER_1000),
    "crude_death_rate": Label("Tỷ suất chết thô", "Crude death rate", _PER_1000),
    "natural_increase_rate": Label("Tỷ lệ tăng tự nhiên", "Rate of natural increase", _PER_1000),
    "in_migration_rate": Label("Tỷ suất nhập cư", "In-migration rate", _PER_1000),
    "out_migration_rate": Label("Tỷ suất xuất cư", "Out-migration rate", _PER_1000),
    "net_migration_rate": Label("Tỷ suất di cư thuần", "Net migration rate", _PER_1000),
    "sex_ratio_at_birth": Label(
        "Tỷ số giới tính khi sinh", "Sex ratio at birth", "trẻ trai/100 trẻ gái / per 100"
    ),
    "flow_level": Label(
        "Cấp luồng di cư",
        "Flow level",
        "mã / code",
        "district: moves between former districts; commune: moves between 2025 communes.",
    ),
    "origin_code": Label(
        "Mã nơi đi",
        "Origin code",
        "mã / code",
        "GSO code of the area moved from; NGOAI_TINH outside the former Bình Định area.",
    ),
    "origin_name": Label("Nơi đi", "Origin", "văn bản / text", "Name of the area moved from."),
    "destination_code": Label(
        "Mã nơi đến",
        "Destination code",
        "mã / code",
        "GSO code of the area moved to; NGOAI_TINH outside the former Bình Định area.",
    ),
    "destination_name": Label(
        "Nơi đến", "Destination", "văn bản / text", "Name of the area moved to."
    ),
    "movers": Label("Số người di chuyển", "Movers", _P),
    "age": Label(
        "Tuổi",
        "Age",
        "năm tuổi / years",
        "Age in completed years on the reference date, 0 … 100 (100: 100 and over).",
    ),
    "mother_age_group": Label(
        "Nhóm tuổi của mẹ",
        "Mother's age group",
        "năm tuổi / years",
        "The mother's age on the birth date in five-year groups 15-19 … 45-49; 'unknown'.",
    ),
    "age_from": Label(
        "Tuổi đầu nhóm",
        "Lower bound of the age group",
        "năm tuổi / years",
        "The first age of the row's group (for ordering); empty for 'unknown'.",
    ),
}

# --- marts with their catalogue entries and their protection (protection/perturb.py)
_POP_COUNTS = (
    "population",
    "males",
    "females",
    "aged_0_14",
    "aged_15_64",
    "aged_65_plus",
    "aged_60_plus",
    "households",
    "persons_in_households",
)
_CHANGE = ("population_start", "births", "deaths", "in_migrants", "out_migrants", "population_end")
_MEAN = "((p.population_start + p.population_end) / 2.0)"

# the median age from the published five-year age groups of both sexes (grouped-data median,
# interpolated within the median group): it follows from published counts only
_MEDIAN_AGE = """LEFT JOIN (
    SELECT ref_date, area_level, area_code,
           min(lower_age + 5.0 * (total / 2.0 - coalesce(below, 0)) / n) AS median_age
    FROM (
        SELECT ref_date, area_level, area_code, population AS n, lower_age,
               sum(population) OVER (PARTITION BY ref_date, area_level, area_code
                                     ORDER BY lower_age
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS below,
               sum(population) OVER (PARTITION BY ref_date, area_level, area_code) AS total
        FROM (SELECT *, CAST(regexp_extract(age_group, '^[0-9]+') AS INTEGER) AS lower_age
              FROM publish.population_by_age_sex WHERE sex = 'Tổng' AND age_group <> 'Tổng'))
    WHERE n > 0 AND coalesce(below, 0) < total / 2.0 AND coalesce(below, 0) + n >= total / 2.0
    GROUP BY ALL
) med ON med.ref_date = p.ref_date AND med.area_level = p.area_level
     AND med.area_code = p.area_code"""


def _per_mean(numerator: str) -> str:
    return f"round(1000.0 * ({numerator}) / nullif({_MEAN}, 0), 2)"


def _change_perturbation(period: str, counts: tuple[str, ...], **derived: str) -> Perturbation:
    """The protection of a mart of the balancing equation's stocks and flows by period and area
    (population_change, population_rates): the stocks and flows counted, then `counts`, and the
    figures `derived` from them."""
    return Perturbation(keys=(period, *AREA_KEYS), counts=(*_CHANGE, *counts), derived=derived)


MARTS: list[Mart] = [
    Mart(
        "population_by_age_sex",
        36,
        "Dân số theo giới tính và nhóm tuổi",
        "Population by sex and age group",
        "ref_date × area × sex × age_group",
        Perturbation(keys=("ref_date", *AREA_KEYS, "sex", "age_group"), counts=("population",)),
    ),
    Mart(
        "population_indicators",
        36,
        "Các chỉ tiêu dân số",
        "Population indicators",
        "ref_date × area",
        Perturbation(
            keys=("ref_date", *AREA_KEYS),
            counts=_POP_COUNTS,
            derived={
                "sex_ratio": "round(100.0 * p.males / nullif(p.females, 0), 1)",
                "median_age": "round(med.median_age, 1)",
                "young_dependency_ratio": "round(100.0 * p.aged_0_14 / nullif(p.aged_15_64, 0), 1)",
                "old_dependency_ratio": "round(100.0 * p.aged_65_plus / nullif(p.aged_15_64, 0), 1)",
                "total_dependency_ratio": "round(100.0 * (p.aged_0_14 + p.aged_65_plus) "
                "/ nullif(p.aged_15_64, 0), 1)",
                "ageing_index": "round(100.0 * p.aged_60_plus / nullif(p.aged_0_14, 0), 1)",
                "avg_household_size": "round(p.persons_in_households / nullif(p.households, 0), 2)",
                "density_per_km2": "round(p.population / nullif(p.area_km2, 0), 1)",
            },
            joins=_MEDIAN_AGE,
            exact=("area_km2",),
        ),
        "The median age is computed from the published five-year age groups of "
        "population_by_age_sex (grouped-data median). Households do not add up over areas (a "
        "household's members can live in two communes).",
        period=("ref_date", "day"),
    ),
    Mart(
        "population_change",
        36,
        "Biến động dân số hằng tháng",
        "Monthly population change",
        "month × area",
        _change_perturbation(
            "month",
            ("in_from_outside_province", "out_to_outside_province"),
            natural_increase="p.births - p.deaths",
            net_migration="p.in_migrants - p.out_migrants",
            balance_adjustment="p.population_end - (p.population_start + p.births "
            "- p.deaths + p.in_migrants - p.out_migrants)",
        ),
        "Each stock and flow is perturbed on its own; balance_adjustment (computed from the "
        "published counts) closes the balancing equation. A month's start has the value of the "
        "previous month's end and of the stock on that day in population_indicators.",
    ),
    Mart(
        "population_rates",
        36,
        "Tỷ suất sinh, chết, di cư",
        "Crude birth, death and migration rates",
        "year × area",
        _change_perturbation(
            "year",
            ("births_male", "births_female"),
            mean_population=_MEAN,
            crude_birth_rate=_per_mean("p.births"),
            crude_death_rate=_per_mean("p.deaths"),
            natural_increase_rate=_per_mean("p.births - p.deaths"),
            in_migration_rate=_per_mean("p.in_migrants"),
            out_migration_rate=_per_mean("p.out_migrants"),
            net_migration_rate=_per_mean("p.in_migrants - p.out_migrants"),
            sex_ratio_at_birth="round(100.0 * p.births_male / nullif(p.births_female, 0), 1)",
        ),
        "A year's counts are perturbed on their own: they are not the sum of the published months.",
    ),
    Mart(
        "population_by_single_age",
        36,
        "Dân số theo giới tính và từng độ tuổi (tỉnh)",
        "Population by sex and single year of age (province)",
        "ref_date × province × sex × age (0 … 100+)",
        Perturbation(keys=("ref_date", *AREA_KEYS, "sex", "age"), counts=("population",)),
        "An input of the population projection, published so the projection follows from "
        "published tables only.",
    ),
    Mart(
        "births_by_mother_age",
        36,
        "Số sinh theo nhóm tuổi của mẹ (tỉnh)",
        "Births by mother's age group (province)",
        "year × province × mother_age_group",
        Perturbation(
            keys=("year", *AREA_KEYS, "mother_age_group"), counts=("births",), labels=("age_from",)
        ),
        "An input of the population projection (age-specific fertility).",
    ),
    Mart(
        "deaths_by_age_sex",
        36,
        "Số chết theo giới tính và nhóm tuổi (tỉnh)",
        "Deaths by sex and age group (province)",
        "year × province × sex × age_group",
        Perturbation(
            keys=("year", *AREA_KEYS, "sex", "age_group"), counts=("deaths",), labels=("age_from",)
        ),
        "An input of the population projection (age- and sex-specific mortality).",
    ),
    Mart(
        "migration_by_age_sex",
        36,
        "Nhập cư, xuất cư theo giới tính và nhóm tuổi (tỉnh)",
        "In- and out-migrants by sex and age group (province)",
        "year × province × sex × age_group",
        Perturbation(
            keys=("year", *AREA_KEYS, "sex", "age_group"),
            counts=("in_migrants", "out_migrants"),
            labels=("age_from",),
        ),
        "An input of the population projection (migration by age and sex).",
    ),
    Mart(
        "migration_flows",
        36,
        "Luồng di cư",
        "Migration flows",
        "year × flow_level × origin × destination",
        Perturbation(
            keys=("year", "flow_level", "origin_code", "destination_code"),
            counts=("movers",),
            level="flow_level",
        ),
        "A complete frame of origin × destination pairs: the presence of a row says nothing.",
    ),
]

# --- great-expectations suites (quality/suites.py runs them)
EVENT_TYPES = contracts.EVENT_TYPE.codes  # the contract's code list (so are the others below)


@suite("staging.residents", blocking=True)
def residents_contract(con: duckdb.DuckDBPyConnection) -> list:
    """Accepted residents: one row per pseudonymised person, typed, in a 2025 commune."""
    return [
        *expect.identifier("person_key"),
        gxe.ExpectColumnValueLengthsToEqual(column="person_key", value=expect.PSEUDONYM_LENGTH),
        gxe.ExpectColumnValuesToBeInSet(column="sex", value_set=SEXES),
        *expect.not_null("date_of_birth"),
        *expect.in_2025_commune(con),
        gxe.ExpectColumnValuesToBeInSet(column="status", value_set=contracts.RESIDENT_STATUS.codes),
        gxe.ExpectColumnValuesToBeInSet(
            column="residence_type", value_set=contracts.RESIDENCE_TYPE.codes, mostly=0.99
        ),
    ]


@suite("staging.residents", blocking=False)
def residents_quality(con: duckdb.DuckDBPyConnection) -> list:
    """Quality thresholds on the residents snapshot (code lists, nationality); any value of a
    code list read as unknown warns."""
    return [
        *expect.none_unknown(
            "relation_to_head", "marital_status", "education_level", "residence_type"
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="relation_to_head",
            value_set=contracts.RELATION_TO_HEAD.codes,
            mostly=0.99,
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="marital_status",
            value_set=contracts.MARITAL_STATUS.codes,
            mostly=0.99,
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="education_level",
            value_set=contracts.EDUCATION_LEVEL.codes,
            mostly=0.99,
        ),
        gxe.ExpectColumnValuesToMatchRegex(column="nationality", regex=r"^[A-Z]{3}$", mostly=0.999),
        gxe.ExpectColumnValuesToMatchRegex(column="ethnicity_code", regex=r"^\d{2}$", mostly=0.999),
    ]


@suite("staging.events", blocking=True)
def events_contract(con: duckdb.DuckDBPyConnection) -> list:
    """Accepted population events: typed, dated, in a 2025 commune, unique."""
    return [
        *expect.identifier("event_id"),
        *expect.not_null("person_key"),
        gxe.ExpectColumnValuesToBeInSet(column="event_type", value_set=EVENT_TYPES),
        *expect.not_null("event_date"),
        *expect.in_2025_commune(con),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="registered_date",
            column_B="event_date",
            or_equal=True,
            mostly=0.99,
            ignore_row_if="either_value_is_missing",
        ),
    ]


SUITES = [residents_contract, residents_quality, events_contract]

# --- SQL checks (quality/checks/<name>.sql)
CHECKS = [
    Check(
        "population_balances",
        ("marts", "population_change"),
        blocking=True,
        description="Contract of the marts (blocks publication): the balancing equation holds in "
        "every month and area, each month starts where the previous ended, and the stock at each "
        "reference date agrees with population_indicators. Stocks and flows come from the same "
        "person states, so these hold by construction whatever the data: a failure means the marts "
        "contradict each other.",
    ),
]

# --- reason codes (quarantine) and repairs (kept, counted in ops.quality_figures)
REJECT_REASONS: dict[str, str] = {
    "INVALID_EVENT_TYPE": "event type outside birth, death, move_in, move_out, internal_move",
    "SECOND_DEATH": "a death for a person already recorded dead",
    "EVENT_BEFORE_BASELINE": "event dated before the baseline snapshot (already in the snapshot)",
    "SUPERSEDED_SNAPSHOT": "row of an older residents snapshot; the latest snapshot is the baseline",
    "INVALID_RESIDENT_STATUS": "resident status missing or not readable as alive/deceased by the "
    "contract's code list (còn sống, đã chết …): whether the person counts is not certain",
}

REPAIRS: dict[str, str] = {
    "late_registration": "event registered in a later month, counted in the month it happened",
    "unknown_relation_to_head": "relation to the household head outside the code list: kept as "
    "unknown (NULL), counted; no mart uses it",
    "unknown_marital_status": "marital status outside the code list: kept as unknown (NULL)",
    "unknown_education_level": "education level outside the code list: kept as unknown (NULL)",
    "unknown_residence_type": "residence type outside thường trú/tạm trú and their spellings: "
    "kept as unknown (NULL); both kinds count in the population",
}


# --- report (HTML) and workbook (yearbook) tables, from the published marts only

# Rates per 1,000 (or 100,000) of a population under this many persons are marked '*': a few
# events more or less (or the perturbation's ±3) move them far.
SMALL_POPULATION = SmallBase(1000, "người", "persons")
_BY_SEX = {"Tổng": "Tổng số / Total", "Nam": "Nam / Male", "Nữ": "Nữ / Female"}
_STOCK_REF = "Tại 0 giờ ngày ghi ở cột (dân số ngày 01/01 bằng dân số cuối ngày 31/12 năm trước)."
_YEAR_REF = "Cả năm (01/01 - 31/12); dân số bình quân = (đầu năm + cuối năm) / 2."


def yearbook_tables(con: duckdb.DuckDBPyConnection) -> list[YearbookTable | None]:
    """The yearbook tables of model 36, in print order (numbered by the caller)."""
    # AreaTable(id, short, title, title_en, unit, mart, sql, definition, reference, kind, options)
    return [
        AreaTable(
            "population",
            "Dân số",
            "Dân số phân theo đơn vị hành chính",
            "Population by administrative unit",
            "Người / persons",
            "population_indicators",
            area_sql("population_indicators", "ref_date", "population"),
            "Người thường trú và tạm trú đang sinh sống trên địa bàn (đăng ký dân cư).",
            _STOCK_REF,
            "date",
        ).build(con),
        AreaTable(
            "population_sex",
            "Dân số theo giới tính",
            "Dân số phân theo giới tính",
            "Population by sex",
            "Người / persons",
            "population_indicators",
            """SELECT area_code, ref_date AS period, 'Tổng' AS sub, population AS value
                    FROM population_indicators
                    UNION ALL SELECT area_code, ref_date, 'Nam', males FROM population_indicators
                    UNION ALL SELECT area_code, ref_date, 'Nữ', females FROM population_indicators""",
            "Dân số theo giới tính; tổng số được đếm riêng, không cộng từ nam và nữ.",
            _STOCK_REF,
            "date",
            subs=_BY_SEX,
        ).build(con),
        AreaTable(
            "mean_population",
            "Dân số trung bình",
            "Dân số trung bình",
            "Mean population",
            "Người / persons",
            "population_rates",
            area_sql("population_rates", "year", "mean_population"),
            "Trung bình dân số đầu năm và cuối năm (UN DESA), từ số đã công bố.",
            _YEAR_REF,
            "year",
            decimals=1,
        ).build(con),
        AreaTable(
            "density",
            "Mật độ dân số",
            "Mật độ dân số phân theo đơn vị hành chính",
            "Population density",
            "Người/km² / persons per km²",
            "population_indicators",
            area_sql("population_indicators", "ref_date", "density_per_km2"),
            "Dân số chia cho diện tích (km²); diện tích huyện cũ là tổng diện tích các "
            "xã, phường năm 2025 thuộc huyện.",
            "Tại 0 giờ ngày ghi ở cột.",
            "date",
            decimals=1,
        ).build(con),
        AreaTable(
            "births",
            "Số sinh",
            "Số trẻ sinh ra trong năm",
            "Live births",
            "Trẻ / births",
            "population_rates",
            area_sql("population_rates", "year", "births"),
            "Số trẻ sinh sống được đăng ký, tính theo ngày sinh (UN DESA).",
            "Cả năm (01/01 - 31/12).",
            "year",
        ).build(con),
        # the two crude rates: events of the year per 1,000 of the mean population
        *(
            AreaTable(
                f"crude_{event}_rate",
                title,
                title,
                title_en,
                "‰",
                "population_rates",
                area_sql("population_rates", "year", f"crude_{event}_rate", base="mean_population"),
                f"{counted} trong năm trên 1.000 dân bình quân năm (UN DESA, TCTK).",
                _YEAR_REF,
                "year",
                decimals=1,
                small_base=SMALL_POPULATION,
            ).build(con)
            for event, title, title_en, counted in (
                ("birth", "Tỷ suất sinh thô", "Crude birth rate", "Số sinh"),
                ("death", "Tỷ suất chết thô", "Crude death rate", "Số người chết"),
            )
        ),
        *projection_tables(con),
    ]


def _projection_base(con: duckdb.DuckDBPyConnection):
    """The projection's base date and its 1 January dates, or None when there is no projection
    (less than a year of events: its metadata says why)."""
    try:
        row = con.execute(
            "SELECT min(base_date), list(DISTINCT ref_date ORDER BY ref_date) "
            "FROM population_projection"
        ).fetchone()
    except duckdb.CatalogException:
        return None
    return row if row and row[0] is not None else None


def _projection_method(con: duckdb.DuckDBPyConnection) -> str:
    rows = dict(con.execute("SELECT item, value FROM population_projection_metadata").fetchall())
    return rows.get("method_vi", "")


_BROAD_AGES = {"0-14": "0-14 tuổi / aged 0-14", "15-64": "15-64", "65+": "65+"}
# a projection is never preliminary (no late registration will change it) and is made for the
# province and the former districts only
_PROJECTED = {"preliminary": False, "levels": ("province", "district")}


def projection_tables(con: duckdb.DuckDBPyConnection) -> list[YearbookTable | None]:
    """The projection's yearbook tables: the projected population of the province and the
    former districts, in total and by broad age group, from the published stock of the base date
    to 2031, labelled 'dự báo / projection' with its method and base date."""
    base = _projection_base(con)
    if base is None:
        return []
    base_date, dates = base
    labels = {base_date: "Đã công bố / published"} | {d: "Dự báo / projection" for d in dates}
    reference = (
        f"Dự báo / projection từ dân số đã công bố ngày {base_date:%d/%m/%Y}; dân số ngày 01/01 "
        f"hằng năm. {_projection_method(con)}."
    )
    return [
        AreaTable(
            "projection",
            "Dân số dự báo",
            "Dân số dự báo đến năm 2031 (dự báo)",
            "Population projection to 2031 (projection)",
            "Người / persons",
            "population_projection",
            f"""SELECT area_code, ref_date AS period, population AS value
                    FROM population_indicators WHERE ref_date = DATE '{base_date}'
                    UNION ALL SELECT area_code, ref_date, projected_population
                    FROM population_projection WHERE sex = 'Tổng' AND age_group = 'Tổng'""",
            "Dân số dự báo (khoảng 80 % trong bảng population_projection), xuất phát "
            "từ dân số đã công bố.",
            reference,
            "date",
            period_subs=labels,
            **_PROJECTED,
        ).build(con),
        AreaTable(
            "projection_ages",
            "Dân số dự báo theo tuổi",
            "Dân số dự báo theo nhóm tuổi (dự báo)",
            "Population projection by broad age group (projection)",
            "Người / persons",
            "population_projection",
            f"""SELECT area_code, ref_date AS period, '0-14' AS sub, aged_0_14 AS value
                    FROM population_indicators WHERE ref_date = DATE '{base_date}'
                    UNION ALL SELECT area_code, ref_date, '15-64', aged_15_64
                    FROM population_indicators WHERE ref_date = DATE '{base_date}'
                    UNION ALL SELECT area_code, ref_date, '65+', aged_65_plus
                    FROM population_indicators WHERE ref_date = DATE '{base_date}'
                    UNION ALL SELECT area_code, ref_date, age_group, projected_population
                    FROM population_projection
                    WHERE sex = 'Tổng' AND age_group IN ('0-14', '15-64', '65+')""",
            "Dân số dự báo theo nhóm tuổi rộng (UN DESA: 0-14, 15-64, 65+).",
            reference,
            "date",
            subs=_BROAD_AGES,
            **_PROJECTED,
        ).build(con),
    ]


def projection_sections(con: duckdb.DuckDBPyConnection) -> list[Section]:
    """The projection in the report: a fan chart per area, the 2031 pyramid over today's, and
    the backtest against the naive extrapolation."""
    base = _projection_base(con)
    if base is None:
        status = con.execute(
            "SELECT value FROM population_projection_metadata WHERE item = 'message'"
        ).fetchone()
        return [
            Section(
                "Dự báo dân số / Population projection",
                [Note(status[0] if status and status[0] else "Chưa có dự báo / no projection.")],
            )
        ]
    base_date, dates = base
    areas = "area_level IN ('province', 'district')"
    order = "ORDER BY CASE area_level WHEN 'province' THEN 0 ELSE 1 END, area_code"
    history = con.execute(
        f"SELECT area_code, area_name, ref_date, population FROM population_indicators "
        f"WHERE {areas} AND day(ref_date) = 1 AND month(ref_date) = 1 {order}, ref_date"
    ).pl()
    projected = con.execute(
        f"""SELECT area_code, area_name, ref_date, projected_population, lower_80, upper_80
            FROM population_projection WHERE {areas} AND sex = 'Tổng' AND age_group = 'Tổng'
            {order}, ref_date"""
    ).pl()
    pyramid = con.execute(
        f"""SELECT p.area_code, p.area_name, p.sex, p.age_group,
                   try_cast(regexp_extract(p.age_group, '^[0-9]+') AS INTEGER) AS age_from,
                   p.projected_population AS projected, b.population AS published
            FROM population_projection p
            JOIN population_by_age_sex b ON b.ref_date = DATE '{base_date}'
             AND b.area_level = p.area_level AND b.area_code = p.area_code
             AND b.sex = p.sex AND b.age_group = p.age_group
            WHERE p.{areas} AND p.sex <> 'Tổng' AND p.age_group <> 'Tổng'
              AND p.ref_date = DATE '{dates[-1]}'
            ORDER BY CASE p.area_level WHEN 'province' THEN 0 ELSE 1 END, p.area_code, age_from"""
    ).pl()
    backtest = con.execute(
        """SELECT area_level, measure_label, n_areas, round(mape_projection, 2) AS mape_projection,
                  round(mape_naive, 2) AS mape_naive, round(coverage_80, 1) AS coverage_80,
                  base_date, target_date
           FROM population_projection_backtest ORDER BY target_date, area_level, measure_label"""
    ).pl()
    return [
        Section(
            "Dự báo dân số / Population projection",
            [
                charts.fan(history, projected, mart="population_projection",
                           base_label=f"{base_date:%d/%m/%Y}"),
                Note(charts.FAN_NOTE + f" {_projection_method(con)}."),
                charts.pyramid_compared(
                    pyramid, mart="population_projection", then=f"{dates[-1]:%d/%m/%Y}",
                    now=f"{base_date:%d/%m/%Y}",
                ),
                Frame(
                    backtest,
                    "Kiểm định ngược: dự báo từ một thời điểm trước so với số đăng ký sau đó / "
                    "Backtest: the method started from an earlier stock against what the "
                    "register then recorded (MAPE %: mean absolute percentage error; naive: "
                    "linear extrapolation; coverage: % of areas inside their 80 % interval).",
                    labels={
                        "area_level": "Cấp / level",
                        "measure_label": "Chỉ tiêu / measure",
                        "n_areas": "Số địa bàn / areas",
                        "mape_projection": "MAPE dự báo / method",
                        "mape_naive": "MAPE ngoại suy / naive",
                        "coverage_80": "Trong khoảng 80 % / in the 80 % interval (%)",
                        "base_date": "Gốc / base",
                        "target_date": "Đích / target",
                    },
                    decimals={"mape_projection": 2, "mape_naive": 2, "coverage_80": 1},
                ),
            ],
        )
    ]  # fmt: skip


def pyramid_data(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, object]:
    """The published five-year age groups by sex of the province and the former districts on
    the latest reference date."""
    latest = con.execute("SELECT max(ref_date) FROM population_by_age_sex").fetchone()[0]
    data = con.execute(
        """SELECT area_code, area_name, sex, age_group, population,
                  try_cast(regexp_extract(age_group, '^[0-9]+') AS INTEGER) AS age_from
           FROM population_by_age_sex
           WHERE ref_date = ? AND area_level IN ('province', 'district')
             AND sex <> 'Tổng' AND age_group <> 'Tổng'
           ORDER BY CASE area_level WHEN 'province' THEN 0 ELSE 1 END, area_code, age_from""",
        [latest],
    ).pl()
    return data, latest


def report_sections(con: duckdb.DuckDBPyConnection, tables: list[YearbookTable]) -> list[Section]:
    """The charts of model 36's report (the yearbook tables follow them)."""
    by_id = {t.id: t for t in tables}
    data, latest = pyramid_data(con)
    if data.is_empty():
        return []
    sections = [
        Section(
            "Tháp dân số / Population pyramid",
            [
                charts.pyramid(data, f"{latest:%d/%m/%Y}", mart="population_by_age_sex"),
                Note(
                    "Chọn tỉnh hoặc huyện cũ trong danh sách. / Choose the province or a former "
                    "district."
                ),  # fmt: skip
            ],
        )
    ]
    districts = []
    if "population" in by_id:
        districts.append(
            charts.table_bars(
                by_id["population"],
                ["district"],
                "Dân số theo huyện cũ",
                "Population by former district",
            )
        )
    if "crude_birth_rate" in by_id:
        districts += [
            charts.table_bars(
                by_id["crude_birth_rate"],
                ["province", "district"],
                "Tỷ suất sinh thô theo huyện cũ (‰)",
                "Crude birth rate by former district (‰)",
            ),
            Note(SMALL_POPULATION.note + " Cột gạch chéo / hatched bars."),
        ]
    sections.append(Section("Huyện cũ / Former districts", districts))
    sections.append(
        communes_section(
            con,
            "population_indicators",
            "population",
            "ref_date = (SELECT max(ref_date) FROM population_indicators)",
            (
                f"Dân số các xã, phường 2025, {latest:%d/%m/%Y}",
                f"Population of the 2025 communes, {latest:%d/%m/%Y}",
            ),
            value_label="Dân số / population",
        )
    )
    sections.append(
        province_months_section(
            con,
            "Biến động / Change",
            ("Biến động dân số hằng tháng (tỉnh)", "Monthly population change (province)"),
            "population_change",
            {
                c: f"{LABELS[c].vi} / {LABELS[c].en}"
                for c in ("births", "deaths", "in_migrants", "out_migrants")
            },
            y_title="Người / persons",
        )
    )
    sections += projection_sections(con)
    return sections


YEARBOOK_TABLES = yearbook_tables
REPORT_SECTIONS = report_sections
