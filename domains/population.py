"""Model 36, population situation: the population register's baseline snapshot and monthly change
records. Everything the domain contributes, declared once: title, sources and their contracts,
staging steps, the marts with their catalogue entries and disclosure rules, the links to other
marts, labels, suites, SQL checks, reason codes and the report and workbook tables. Dagster-
free: assets/population.py builds the domain's assets from it and domains/__init__.py assembles
the registries. Adding a model: a module like this one (README, "Adding a model")."""

from __future__ import annotations

import duckdb
import great_expectations.expectations as gxe
import plotly.graph_objects as go

from domains.base import AREA_KEYS, Check, Mart, Staging
from marts.reports import (
    YearbookTable,
    _columns,
    _fig_html,
    _pyramid_html,
    _section_tables,
    _table,
    _yearbook_chart,
    commune_map,
    yearbook_tables,
)
from protection.perturb import Perturbation
from quality.suites import SEXES, communes_2025, suite
from sources.contracts import population as contracts

NAME = "population"  # asset group of its raw, staging and quarantine tables
MODEL = 36  # the Project 06 model number; its marts are in the asset group model_36
TITLE = ("Tình hình dân cư", "Population situation")
REPORT_SOURCE = "Đăng ký dân cư (ảnh chụp gốc và biến động hằng tháng) / population register"
CONTRACTS = contracts.CONTRACTS
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
SOURCES = [s.source for s in STAGING]

# Vietnamese labels of the domain's columns for the workbooks (English name kept alongside).
LABELS: dict[str, str] = {
    "males": "Nam",
    "females": "Nữ",
    "aged_0_14": "Dân số 0-14 tuổi",
    "aged_15_64": "Dân số 15-64 tuổi",
    "aged_65_plus": "Dân số 65+ tuổi",
    "aged_60_plus": "Dân số 60+ tuổi",
    "sex_ratio": "Tỷ số giới tính (nam/100 nữ)",
    "median_age": "Tuổi trung vị",
    "young_dependency_ratio": "Tỷ số phụ thuộc trẻ em",
    "old_dependency_ratio": "Tỷ số phụ thuộc người già",
    "total_dependency_ratio": "Tỷ số phụ thuộc chung",
    "ageing_index": "Chỉ số già hóa",
    "households": "Số hộ",
    "avg_household_size": "Quy mô hộ bình quân",
    "area_km2": "Diện tích (km²)",
    "density_per_km2": "Mật độ dân số (người/km²)",
    "population_start": "Dân số đầu kỳ",
    "births": "Số sinh",
    "deaths": "Số chết",
    "in_migrants": "Số người nhập cư",
    "out_migrants": "Số người xuất cư",
    "population_end": "Dân số cuối kỳ",
    "natural_increase": "Tăng tự nhiên",
    "net_migration": "Di cư thuần",
    "in_from_outside_province": "Nhập cư từ tỉnh khác",
    "out_to_outside_province": "Xuất cư đi tỉnh khác",
    "mean_population": "Dân số bình quân",
    "births_male": "Số sinh nam",
    "births_female": "Số sinh nữ",
    "crude_birth_rate": "Tỷ suất sinh thô (‰)",
    "crude_death_rate": "Tỷ suất chết thô (‰)",
    "natural_increase_rate": "Tỷ lệ tăng tự nhiên (‰)",
    "in_migration_rate": "Tỷ suất nhập cư (‰)",
    "out_migration_rate": "Tỷ suất xuất cư (‰)",
    "net_migration_rate": "Tỷ suất di cư thuần (‰)",
    "sex_ratio_at_birth": "Tỷ số giới tính khi sinh",
    "flow_level": "Cấp luồng di cư",
    "origin_code": "Mã nơi đi",
    "origin_name": "Nơi đi",
    "destination_code": "Mã nơi đến",
    "destination_name": "Nơi đến",
    "movers": "Số người di chuyển",
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
    ),
    Mart(
        "population_change",
        36,
        "Biến động dân số hằng tháng",
        "Monthly population change",
        "month × area",
        Perturbation(
            keys=("month", *AREA_KEYS),
            counts=(*_CHANGE, "in_from_outside_province", "out_to_outside_province"),
            derived={
                "natural_increase": "p.births - p.deaths",
                "net_migration": "p.in_migrants - p.out_migrants",
                "balance_adjustment": "p.population_end - (p.population_start + p.births "
                "- p.deaths + p.in_migrants - p.out_migrants)",
            },
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
        Perturbation(
            keys=("year", *AREA_KEYS),
            counts=(*_CHANGE, "births_male", "births_female"),
            derived={
                "mean_population": _MEAN,
                "crude_birth_rate": _per_mean("p.births"),
                "crude_death_rate": _per_mean("p.deaths"),
                "natural_increase_rate": _per_mean("p.births - p.deaths"),
                "in_migration_rate": _per_mean("p.in_migrants"),
                "out_migration_rate": _per_mean("p.out_migrants"),
                "net_migration_rate": _per_mean("p.in_migrants - p.out_migrants"),
                "sex_ratio_at_birth": "round(100.0 * p.births_male / nullif(p.births_female, 0), 1)",
            },
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
EVENT_TYPES = ["birth", "death", "move_in", "move_out", "internal_move"]


@suite(
    "staging.residents",
    blocking=True,
    description="Accepted residents: one row per pseudonymised person, typed, in a 2025 commune.",
)
def residents_contract(con: duckdb.DuckDBPyConnection) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="person_key"),
        gxe.ExpectColumnValuesToBeUnique(column="person_key"),
        gxe.ExpectColumnValueLengthsToEqual(column="person_key", value=64),
        gxe.ExpectColumnValuesToBeInSet(column="sex", value_set=SEXES),
        gxe.ExpectColumnValuesToNotBeNull(column="date_of_birth"),
        gxe.ExpectColumnValuesToBeInSet(column="commune_code", value_set=communes_2025(con)),
        gxe.ExpectColumnValuesToBeInSet(column="status", value_set=["alive", "deceased"]),
        gxe.ExpectColumnValuesToBeInSet(
            column="residence_type", value_set=["thường trú", "tạm trú"], mostly=0.99
        ),
    ]


@suite(
    "staging.residents",
    blocking=False,
    description="Quality thresholds on the residents snapshot (code lists, nationality); any "
    "value of a code list read as unknown warns.",
)
def residents_quality(con: duckdb.DuckDBPyConnection) -> list:
    return [
        *(
            gxe.ExpectColumnValuesToBeInSet(column=f"fix_unknown_{field}", value_set=[False])
            for field in ("relation_to_head", "marital_status", "education_level", "residence_type")
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="relation_to_head",
            value_set=["chủ hộ", "vợ", "chồng", "con", "cha", "mẹ", "cháu", "khác"],
            mostly=0.99,
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="marital_status",
            value_set=["chưa kết hôn", "có vợ/chồng", "góa", "ly hôn"],
            mostly=0.99,
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="education_level",
            value_set=[
                "chưa đi học",
                "tiểu học",
                "THCS",
                "THPT",
                "trung cấp",
                "cao đẳng",
                "đại học",
                "sau đại học",
            ],
            mostly=0.99,
        ),
        gxe.ExpectColumnValuesToMatchRegex(column="nationality", regex=r"^[A-Z]{3}$", mostly=0.999),
        gxe.ExpectColumnValuesToMatchRegex(column="ethnicity_code", regex=r"^\d{2}$", mostly=0.999),
    ]


@suite(
    "staging.events",
    blocking=True,
    description="Accepted population events: typed, dated, in a 2025 commune, unique.",
)
def events_contract(con: duckdb.DuckDBPyConnection) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="event_id"),
        gxe.ExpectColumnValuesToBeUnique(column="event_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="person_key"),
        gxe.ExpectColumnValuesToBeInSet(column="event_type", value_set=EVENT_TYPES),
        gxe.ExpectColumnValuesToNotBeNull(column="event_date"),
        gxe.ExpectColumnValuesToBeInSet(column="commune_code", value_set=communes_2025(con)),
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


# --- report (HTML) and workbook (yearbook) tables


def _population_tables(con) -> list[YearbookTable | None]:
    _columns(con, "population_indicators")
    _columns(con, "population_rates")
    area = "area_level, area_code, area_name, parent_code"
    return [
        _table(
            con,
            36,
            "1. Dân số",
            "Dân số phân theo đơn vị hành chính",
            "Population by administrative unit",
            "Người",
            "population_indicators",
            f"SELECT {area}, ref_date AS period, population AS value, FROM population_indicators",
            "Người thường trú và tạm trú đang sinh sống trên địa bàn (đăng ký dân cư).",
            "Tại 0 giờ ngày ghi ở cột (dân số ngày 01/01 bằng dân số cuối ngày 31/12 năm trước).",
            "date",
        ),
        _table(
            con,
            36,
            "2. Mật độ dân số",
            "Mật độ dân số phân theo đơn vị hành chính",
            "Population density",
            "Người/km²",
            "population_indicators",
            f"SELECT {area}, ref_date AS period, density_per_km2 AS value, "
            f"FROM population_indicators",
            "Dân số chia cho diện tích (km²); diện tích huyện cũ là tổng diện tích các xã, "
            "phường năm 2025 thuộc huyện.",
            "Tại 0 giờ ngày ghi ở cột.",
            "date",
            1,
        ),
        _table(
            con,
            36,
            "3. Số sinh",
            "Số trẻ sinh ra trong năm",
            "Live births",
            "Người",
            "population_rates",
            f"SELECT {area}, year AS period, births AS value FROM population_rates",
            "Số trẻ sinh sống được đăng ký, tính theo ngày sinh.",
            "Cả năm (01/01 - 31/12).",
            "year",
        ),
        _table(
            con,
            36,
            "4. Tỷ suất sinh thô",
            "Tỷ suất sinh thô",
            "Crude birth rate",
            "‰",
            "population_rates",
            f"SELECT {area}, year AS period, crude_birth_rate AS value, FROM population_rates",
            "Số sinh trong năm trên 1.000 dân bình quân năm (UN DESA, TCTK).",
            "Cả năm; dân số bình quân = (đầu năm + cuối năm) / 2.",
            "year",
            1,
        ),
        _table(
            con,
            36,
            "5. Tỷ suất chết thô",
            "Tỷ suất chết thô",
            "Crude death rate",
            "‰",
            "population_rates",
            f"SELECT {area}, year AS period, crude_death_rate AS value, FROM population_rates",
            "Số người chết trong năm trên 1.000 dân bình quân năm (UN DESA, TCTK).",
            "Cả năm; dân số bình quân = (đầu năm + cuối năm) / 2.",
            "year",
            1,
        ),
    ]


def _population_sections(con) -> list[tuple[str, str]]:
    tables = {t.mart + t.sheet[:2]: t for t in yearbook_tables(con, 36)}
    sections = [("Tháp dân số / Population pyramid", _pyramid_html(con))]
    pop = tables.get("population_indicators1.")
    if pop:
        sections.append(
            (
                "Huyện cũ / Former districts",
                _yearbook_chart(
                    pop,
                    "district",
                    "Dân số theo huyện cũ / Population by former district",
                    with_province=False,
                ),
            )
        )
    sections.append(
        (
            "Xã, phường 2025 / 2025 communes",
            commune_map(
                con,
                """SELECT p.area_code, p.area_name, d.area_name AS district, population AS value
                 FROM population_indicators p
                 LEFT JOIN (SELECT DISTINCT area_code, area_name FROM population_indicators
                            WHERE area_level = 'district') d ON d.area_code = p.parent_code
                 WHERE p.area_level = 'commune'
                   AND ref_date = (SELECT max(ref_date) FROM population_indicators)""",
                "Dân số các xã, phường 2025 / Population of the 2025 communes",
                "dân số / population",
            ),
        )
    )
    change = con.execute(
        """SELECT month, births, deaths, in_migrants, out_migrants
            FROM population_change WHERE area_level = 'province' ORDER BY month"""
    ).pl()
    fig = go.Figure()
    for col, label in (
        ("births", "Sinh / births"),
        ("deaths", "Chết / deaths"),
        ("in_migrants", "Nhập cư / in-migrants"),
        ("out_migrants", "Xuất cư / out-migrants"),
    ):
        fig.add_scatter(
            x=change["month"], y=change[col], mode="lines+markers", name=label, connectgaps=False
        )
    fig.update_layout(title="Biến động dân số hằng tháng / Monthly population change (province)")
    sections.append(("Biến động / Change", _fig_html(fig)))
    return sections + _section_tables(list(tables.values()))


YEARBOOK_TABLES = _population_tables
REPORT_SECTIONS = _population_sections
