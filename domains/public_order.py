"""Model 39, public order and social safety: the police incident log and camera traffic violations.
The domain's declaration, Dagster-free (domains/__init__.py lists its parts); the source contracts
are in sources/contracts/public_order.py and assets/public_order.py builds the assets."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from domains import expectations as expect
from domains.base import AREA_KEYS, Check, Mart, Staging
from protection.perturb import Perturbation
from quality.suites import gxe, suite
from reporting import charts
from reporting.dictionary import Label
from reporting.html import Note, Section
from reporting.sections import communes_section
from reporting.yearbook import (
    AreaTable,
    CategoryTable,
    SmallBase,
    TableDeclaration,
    YearbookTable,
    area_sql,
)
from sources.contracts import public_order as contracts

NAME = "public_order"
MODEL = 39
TITLE = ("Trật tự, an toàn xã hội", "Public order and social safety")
REPORT_SOURCE = (
    "Sổ theo dõi vụ việc của công an; vi phạm phát hiện qua camera / police log, cameras"
)
STAGING = [
    Staging(
        "incidents",
        "stage_incidents.sql",
        staged="Accepted incidents of all loaded months: typed, commune harmonised to "
        "the 2025 communes at the occurrence date, Penal Code article classified to its "
        "ICCS v1.0 section (unknown articles to section 11), cleared flag.",
        rejected="Rejected incidents with their reason codes (duplicates, unknown "
        "communes, occurred after reported, unreadable times).",
    ),
    Staging(
        "traffic_violations",
        "stage_traffic_violations.sql",
        staged="Accepted traffic violations: typed, plate validated and replaced by a "
        "keyed pseudonym (plate_key), commune harmonised, violation code grouped.",
        rejected="Rejected violations with their reason codes (duplicates, invalid "
        "plates, negative fines, unknown communes); plates pseudonymised.",
        drop=("plate_problem",),
    ),
]

# Labels of the domain's columns (workbooks, reports, data dictionary): Vietnamese, English,
# unit, and a definition where the mart's SQL header does not define the column.
LABELS: dict[str, Label] = {
    "iccs_section": Label(
        "Nhóm tội phạm (ICCS)",
        "ICCS section",
        "mã / code",
        "ICCS v1.0 section 01-11 (UNODC 2015); 'ALL' every section.",
    ),
    "iccs_section_name": Label(
        "Tên nhóm tội phạm (ICCS)",
        "ICCS section name",
        "văn bản / text",
        "The Vietnamese name of the ICCS v1.0 section (sources/reference/penal_code_iccs.csv).",
    ),
    "incidents": Label("Số vụ việc", "Incidents", "vụ / incidents"),
    "cleared": Label("Số vụ đã làm rõ", "Cleared incidents", "vụ / incidents"),
    "clearance_rate": Label("Tỷ lệ làm rõ", "Clearance rate", "tỷ lệ 0-1 / ratio 0-1"),
    "rate_per_100k": Label(
        "Số vụ trên 100.000 dân", "Incidents per 100,000 population", "vụ/100.000 dân"
    ),
    "violation_group": Label("Nhóm hành vi vi phạm", "Violation group", "mã / code"),
    "vehicle_type": Label(
        "Loại phương tiện",
        "Vehicle type",
        "mã / code",
        "motorbike, car, truck, bus, other (a type outside the code list); 'all' every type.",
    ),
    "violations": Label("Số vi phạm", "Violations", "vi phạm / violations"),
    "paid": Label("Số vi phạm đã nộp phạt", "Violations paid", "vi phạm / violations"),
    "months_covered": Label("Số tháng có số liệu", "Months covered", "tháng / months"),
    "fines_vnd": Label("Tiền phạt", "Fines", "đồng / VND"),
    "paid_share": Label("Tỷ lệ đã nộp phạt", "Share paid", "tỷ lệ 0-1 / ratio 0-1"),
}
REFERENCE = Path(__file__).resolve().parent.parent / "sources" / "reference"

# --- marts with their catalogue entries and their protection (protection/perturb.py)
_YEAR_POPULATION = """LEFT JOIN publish.population_rates pr ON pr.year = p.year
     AND pr.area_level = p.area_level AND pr.area_code = p.area_code"""
_CLEARANCE = "CASE WHEN p.incidents > 0 THEN round(p.cleared / p.incidents, 4) END"


def _traffic_perturbation(period: str, exact: tuple[str, ...] = ()) -> Perturbation:
    """The protection of camera violations (period × area × violation group × vehicle type):
    violations and payments counted, fines as magnitudes, the share paid derived."""
    return Perturbation(
        keys=(period, *AREA_KEYS, "violation_group", "vehicle_type"),
        counts=("violations", "paid"),
        magnitudes=("fines_vnd",),
        derived={"paid_share": "round(p.paid / nullif(p.violations, 0), 4)"},
        exact=exact,
    )


MARTS: list[Mart] = [
    Mart(
        "public_order_monthly",
        39,
        "Vụ việc về trật tự xã hội theo nhóm tội phạm ICCS",
        "Public-order incidents by ICCS section",
        "month × area × iccs_section",
        Perturbation(
            keys=("month", *AREA_KEYS, "iccs_section"),
            counts=("incidents", "cleared", "population_start"),
            derived={
                "clearance_rate": _CLEARANCE,
                "rate_per_100k": "CASE WHEN p.population_start > 0 "
                "THEN round(p.incidents * 100000.0 / p.population_start, 2) END",
            },
        ),
        "population_start has the value model 36 publishes for the same area and day.",
    ),
    Mart(
        "public_order_yearly",
        39,
        "Vụ việc về trật tự xã hội theo nhóm tội phạm ICCS, cả năm",
        "Public-order incidents by ICCS section, by year",
        "year × area × iccs_section",
        Perturbation(
            keys=("year", *AREA_KEYS, "iccs_section"),
            counts=("incidents", "cleared"),
            derived={
                "clearance_rate": _CLEARANCE,
                "mean_population": "pr.mean_population",
                "rate_per_100k": "round(p.incidents * 100000.0 / nullif(pr.mean_population, 0), 2)",
            },
            joins=_YEAR_POPULATION,
            exact=("months_covered",),
        ),
        "A year's counts are perturbed on their own, never summed from published months; a year "
        "still in progress says how many months it covers (months_covered); mean_population is "
        "population_rates' published mean population.",
    ),
    Mart(
        "traffic_violations_monthly",
        39,
        "Vi phạm giao thông phát hiện qua camera",
        "Camera-detected traffic violations",
        "month × area × violation_group × vehicle_type",
        _traffic_perturbation("month"),
        period=("month", "month"),
    ),
    Mart(
        "traffic_violations_yearly",
        39,
        "Vi phạm giao thông phát hiện qua camera, cả năm",
        "Camera-detected traffic violations, by year",
        "year × area × violation_group × vehicle_type",
        _traffic_perturbation("year", exact=("months_covered",)),
        "A year's counts are perturbed on their own, never summed from published months.",
    ),
]

# --- great-expectations suites (quality/suites.py runs them)
ICCS_SECTIONS = [f"{i:02d}" for i in range(1, 12)]
# the contracts' code lists
INCIDENT_STATUSES = contracts.INCIDENT_STATUS.codes
VEHICLE_TYPES = contracts.VEHICLE_TYPE.codes
# the groups of sources/reference/violation_codes.csv, and 'other' for a code it does not know
VIOLATION_GROUPS = [
    "TOC_DO",
    "DEN_DO",
    "LAN_DUONG",
    "DUNG_DO",
    "MU_BAO_HIEM",
    "NONG_DO_CON",
    "QUA_TAI",
    "other",
]


@suite("staging.incidents", blocking=True)
def incidents_contract(con: duckdb.DuckDBPyConnection) -> list:
    """Accepted incidents: unique, timed, in a 2025 commune, in an ICCS section, never
    occurring after they were reported."""
    return [
        *expect.identifier("incident_id"),
        *expect.not_null("occurred_at", "occurred_month"),
        *expect.in_2025_commune(con),
        gxe.ExpectColumnValuesToBeInSet(column="iccs_section", value_set=ICCS_SECTIONS),
        gxe.ExpectColumnValuesToBeInSet(column="status", value_set=INCIDENT_STATUSES),
        *expect.not_null("cleared"),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="reported_at",
            column_B="occurred_at",
            or_equal=True,
        ),
    ]


@suite("staging.incidents", blocking=False)
def incidents_quality(con: duckdb.DuckDBPyConnection) -> list:
    """At most 2 % of incidents with an article the reference list does not know (section 11,
    as the design says); any unknown status warns (it counts as not cleared)."""
    return [
        gxe.ExpectColumnValuesToBeInSet(
            column="fix_unknown_article", value_set=[False], mostly=0.98
        ),
        *expect.none_unknown("status"),
        gxe.ExpectColumnValuesToMatchRegex(
            column="category_code", regex=r"^(HS\d{1,3}|KHAC)$", mostly=0.99
        ),
    ]


@suite("staging.traffic_violations", blocking=True)
def traffic_violations_contract(con: duckdb.DuckDBPyConnection) -> list:
    """Accepted violations: unique, timed, in a 2025 commune, with a plate pseudonym and a
    non-negative fine."""
    return [
        *expect.identifier("violation_id"),
        *expect.not_null("detected_at"),
        *expect.in_2025_commune(con),
        *expect.pseudonym("plate_key"),
        gxe.ExpectColumnValuesToBeBetween(column="fine_vnd", min_value=0),
        *expect.not_null("fine_vnd"),
        gxe.ExpectColumnValuesToBeInSet(column="violation_group", value_set=VIOLATION_GROUPS),
        gxe.ExpectColumnValuesToBeInSet(column="vehicle_type", value_set=VEHICLE_TYPES + ["other"]),
    ]


@suite("staging.traffic_violations", blocking=False)
def traffic_violations_quality(con: duckdb.DuckDBPyConnection) -> list:
    """At most 2 % of violations with an unknown code (the group 'other', as the design says);
    any unknown vehicle type or unreadable paid flag warns; plates registered in a province
    code."""
    return [
        gxe.ExpectColumnValuesToNotBeInSet(
            column="violation_group", value_set=["other"], mostly=0.98
        ),
        *expect.none_unknown("vehicle_type", "paid"),
        gxe.ExpectColumnValuesToMatchRegex(column="plate_province", regex=r"^\d{2}$"),
    ]


SUITES = [
    incidents_contract,
    incidents_quality,
    traffic_violations_contract,
    traffic_violations_quality,
]

# --- SQL checks (quality/checks/<name>.sql)
CHECKS = [
    Check(
        "public_order_adds_up",
        ("marts", "public_order_monthly"),
        blocking=True,
        description="Contract of the mart (blocks publication): sections add up to the area total, "
        "communes add up to their district and districts to the province, cleared never exceeds "
        "incidents, and every accepted incident is counted once at province level. All hold by the "
        "mart's construction: a failure means incidents are lost or counted twice.",
    ),
]

# --- reason codes (quarantine) and repairs (kept, counted in ops.quality_figures)
REJECT_REASONS: dict[str, str] = {
    "OCCURRED_AFTER_REPORTED": "incident whose occurrence time is after the time it was reported",
    "NEGATIVE_FINE": "traffic violation with a negative fine",
    "INVALID_FINE": "traffic violation whose fine is missing or not a number",
    "FINE_OUT_OF_RANGE": "traffic violation whose fine is above 1,000,000,000 VND (no traffic "
    "fine comes near: a unit or typing error, e.g. 1e30)",
    "INVALID_PLATE": "plate that is not a Vietnamese plate (missing, other characters, format "
    "or unused province code; see plate_problem in rules.sql)",
}
# UNKNOWN_COMMUNE, DUPLICATE (same incident_id / violation_id) and INVALID_DATE (occurred_at,
# reported_at or detected_at missing or unreadable) keep their general meaning.
REPAIRS: dict[str, str] = {
    "timestamp_format": "timestamp not written yyyy-mm-dd HH:MM:SS, parsed",
    "unknown_article": "Penal Code article not in the reference list: kept, classified to ICCS "
    "section 11 (other) — a quality figure, never dropped",
    "unknown_status": "incident status outside under_investigation/cleared and their spellings "
    "(Đang điều tra, Đã làm rõ …): kept, not counted as cleared; the quality suite warns",
    "unknown_violation_code": "violation code outside the code list: kept in the group 'other'",
    "unknown_vehicle_type": "vehicle type outside motorbike/car/truck/bus and their spellings "
    "(xe máy, ô tô …): kept as 'other' (in the 'all' totals only); the quality suite warns",
    "paid_spelling": "paid flag not written true/false but readable (Có, Đã nộp …), mapped",
    "unknown_paid": "paid flag missing or not readable: counted as not paid; the quality suite "
    "warns",
    "unreadable_persons_involved": "persons involved given but not a whole number: kept as "
    "unknown (NULL), the incident is counted",
}


# --- report (HTML) and workbook (yearbook) tables, from the published marts only

# Incidents per 100,000 of a population under this many persons, and a clearance rate of fewer
# incidents than this, are marked '*'.
SMALL_POPULATION = SmallBase(1000, "người", "persons")
SMALL_INCIDENTS = SmallBase(20, "vụ", "incidents")
_REF = (
    "Cả năm, theo ngày xảy ra; số năm lấy từ bảng năm đã công bố (không cộng các tháng). "
    "Năm chưa đủ 12 tháng ghi rõ số tháng có số liệu."
)
_ALL_SECTIONS = "upper(iccs_section) = 'ALL'"
_ALL_TRAFFIC = "violation_group = 'all' AND vehicle_type = 'all'"


def iccs_names() -> dict[str, str]:
    """ICCS v1.0 sections' English names (reference data)."""
    ref = pl.read_csv(
        REFERENCE / "penal_code_iccs.csv", schema_overrides={"iccs_section": pl.String}
    )
    return dict(ref.select("iccs_section", "iccs_section_name_en").unique().iter_rows())


def violation_names() -> dict[str, str]:
    """Violation groups as 'Vietnamese / English' (reference data; 'other' for unknown codes)."""
    ref = pl.read_csv(REFERENCE / "violation_codes.csv")
    names = {
        g: f"{vi} / {en}"
        for g, vi, en in ref.select("violation_group", "name_vi", "name_en").unique().iter_rows()
    }
    return names | {"other": "Mã vi phạm khác / other codes"}


def _partial_years(con: duckdb.DuckDBPyConnection, table: str) -> dict[int, str]:
    """Years a yearly mart covers only in part, with their months: printed under the year."""
    return {
        year: f"{months} tháng / months"
        for year, months in con.execute(
            f"SELECT DISTINCT year, months_covered FROM {table} WHERE months_covered < 12"
        ).fetchall()
    }


def yearbook_tables(con: duckdb.DuckDBPyConnection) -> list[YearbookTable | None]:
    """The yearbook tables of model 39, in print order (numbered by the caller)."""
    incidents_partial = _partial_years(con, "public_order_yearly")
    traffic_partial = _partial_years(con, "traffic_violations_yearly")
    english = iccs_names()
    cases = " ".join(f"WHEN '{code}' THEN '{name}'" for code, name in english.items())
    groups = violation_names()
    group_cases = " ".join(
        f"WHEN '{code}' THEN '{name.replace(chr(39), chr(39) * 2)}'"
        for code, name in groups.items()
    )
    traffic_ref = _REF.replace("xảy ra", "phát hiện")

    # a table of the police log, or of the camera violations: a year's figures (the reference
    # period says which date counts), the months a partial year covers printed under it
    def incident_table(table: type[TableDeclaration], *declared, **options) -> TableDeclaration:
        return table(*declared, _REF, "year", period_subs=incidents_partial, **options)

    def traffic_table(table: type[TableDeclaration], *declared, **options) -> TableDeclaration:
        return table(*declared, traffic_ref, "year", period_subs=traffic_partial, **options)

    # incident_table / traffic_table(AreaTable or CategoryTable, id, short, title, title_en, unit,
    # mart, sql, definition, options)
    tables = [
        incident_table(
            AreaTable,
            "incidents",
            "Số vụ việc",
            "Số vụ việc về trật tự xã hội",
            "Recorded incidents",
            "Vụ / incidents",
            "public_order_yearly",
            area_sql("public_order_yearly", "year", "incidents", where=_ALL_SECTIONS),
            "Vụ việc trong sổ theo dõi của công an, mọi nhóm tội phạm ICCS v1.0.",
        ),
        incident_table(
            CategoryTable,
            "iccs",
            "Vụ việc theo nhóm ICCS",
            "Số vụ việc phân theo nhóm tội phạm ICCS (toàn tỉnh)",
            "Recorded incidents by ICCS section (province)",
            "Vụ / incidents",
            "public_order_yearly",
            f"""SELECT iccs_section AS row_key,
                       CASE WHEN upper(iccs_section) = 'ALL' THEN 'Tổng số / Total'
                            ELSE iccs_section || '. ' || iccs_section_name || ' / '
                                 || CASE iccs_section {cases} ELSE '' END END AS row_label,
                       iccs_section AS row_order, upper(iccs_section) = 'ALL' AS is_total,
                       year AS period, incidents AS value
                FROM public_order_yearly WHERE area_level = 'province'""",
            "Phân loại tội phạm quốc tế dùng cho thống kê ICCS v1.0 (UNODC 2015); điều luật của "
            "Bộ luật Hình sự 2015 được xếp vào nhóm theo danh mục tham chiếu. Tổng số được đếm "
            "riêng: các nhóm không cộng đúng bằng tổng.",
            stub="Nhóm tội phạm / ICCS section",
        ),
        incident_table(
            AreaTable,
            "rate_per_100k",
            "Số vụ trên 100.000 dân",
            "Số vụ việc trên 100.000 dân",
            "Incidents per 100,000 population",
            "Vụ/100.000 dân / per 100,000",
            "public_order_yearly",
            area_sql(
                "public_order_yearly",
                "year",
                "rate_per_100k",
                base="mean_population",
                where=_ALL_SECTIONS,
            ),
            "Số vụ trong năm trên 100.000 dân bình quân năm (UNODC).",
            decimals=1,
            small_base=SMALL_POPULATION,
        ),
        incident_table(
            AreaTable,
            "clearance",
            "Tỷ lệ làm rõ",
            "Tỷ lệ vụ việc đã làm rõ",
            "Clearance rate",
            "%",
            "public_order_yearly",
            area_sql(
                "public_order_yearly",
                "year",
                "clearance_rate",
                base="incidents",
                where=_ALL_SECTIONS,
            ),
            "Số vụ đã làm rõ chia cho số vụ xảy ra, tại thời điểm trích xuất.",
            decimals=1,
            percent=True,
            small_base=SMALL_INCIDENTS,
        ),
        traffic_table(
            AreaTable,
            "traffic",
            "Vi phạm giao thông",
            "Số vi phạm giao thông phát hiện qua camera",
            "Camera-detected traffic violations",
            "Vi phạm / violations",
            "traffic_violations_yearly",
            area_sql("traffic_violations_yearly", "year", "violations", where=_ALL_TRAFFIC),
            "Vi phạm do camera phát hiện, theo ngày phát hiện, mọi nhóm hành vi và loại xe.",
        ),
        traffic_table(
            CategoryTable,
            "traffic_groups",
            "Vi phạm theo hành vi",
            "Số vi phạm giao thông qua camera phân theo nhóm hành vi (toàn tỉnh)",
            "Camera-detected traffic violations by group (province)",
            "Vi phạm / violations",
            "traffic_violations_yearly",
            f"""SELECT violation_group AS row_key,
                       CASE violation_group WHEN 'all' THEN 'Tổng số / Total' {group_cases}
                            ELSE violation_group END AS row_label,
                       violation_group AS row_order, violation_group = 'all' AS is_total,
                       year AS period, violations AS value
                FROM traffic_violations_yearly
                WHERE area_level = 'province' AND vehicle_type = 'all'""",
            "Nhóm hành vi theo danh mục mã vi phạm (sources/reference); mã ngoài danh mục vào "
            "nhóm khác. Tổng số được đếm riêng.",
            stub="Nhóm hành vi / violation group",
        ),
    ]
    return [t.build(con) for t in tables]


def iccs_stack(con: duckdb.DuckDBPyConnection):
    """Incidents by ICCS section and month in the province: the published sections stacked,
    the published total beside them."""
    data = con.execute(
        """SELECT month, iccs_section, iccs_section_name, incidents FROM public_order_monthly
           WHERE area_level = 'province' ORDER BY month, iccs_section"""
    ).pl()
    months = sorted(data["month"].unique().to_list())
    english = iccs_names()

    def values(code: str) -> list:
        by_month = dict(
            data.filter(pl.col("iccs_section") == code).select("month", "incidents").iter_rows()
        )
        return [by_month.get(m) for m in months]

    sections = data.filter(pl.col("iccs_section").str.to_uppercase() != "ALL")
    names = dict(sections.select("iccs_section", "iccs_section_name").unique().iter_rows())
    total = next(c for c in data["iccs_section"].unique() if c.upper() == "ALL")
    fig = charts.stacked_bars(
        "Vụ việc theo nhóm tội phạm ICCS (tỉnh)",
        "Incidents by ICCS section (province)",
        mart="public_order_monthly",
        x=months,
        parts=[
            charts.Series(f"{code} {names[code]} / {english.get(code, '')}", values(code))
            for code in sorted(names)
        ],
        total=charts.Series(charts.TOTAL_NAME, values(total)),
        y_title="Vụ / incidents",
    )
    # eleven long names: a column beside the plot
    fig.update_layout(
        legend=dict(font=dict(size=10), orientation="v", x=1.02, xanchor="left", y=1, yanchor="top")
    )
    return fig


def traffic_lines(con: duckdb.DuckDBPyConnection):
    """Camera violations by group and month in the province, one line per group."""
    viol = con.execute(
        """SELECT month, violation_group, violations FROM traffic_violations_monthly
           WHERE area_level = 'province' AND vehicle_type = 'all' AND violation_group <> 'all'
           ORDER BY month, violation_group"""
    ).pl()
    months = sorted(viol["month"].unique().to_list())
    names = violation_names()
    series = []
    for group in sorted(viol["violation_group"].unique().to_list()):
        by_month = dict(
            viol.filter(pl.col("violation_group") == group)
            .select("month", "violations")
            .iter_rows()
        )
        series.append(charts.Series(names.get(group, group), [by_month.get(m) for m in months]))
    return charts.lines(
        "Vi phạm giao thông qua camera theo nhóm hành vi (tỉnh)",
        "Camera-detected violations by group (province)",
        mart="traffic_violations_monthly",
        x=months,
        series=series,
        y_title="Vi phạm / violations",
    )


def report_sections(con: duckdb.DuckDBPyConnection, tables: list[YearbookTable]) -> list[Section]:
    """The charts of model 39's report (the yearbook tables follow them)."""
    if not tables:
        return []
    by_id = {t.id: t for t in tables}
    sections = []
    if "rate_per_100k" in by_id:
        sections.append(
            Section(
                "Tỷ lệ trên 100.000 dân / Rate per 100,000",
                [
                    charts.table_bars(
                        by_id["rate_per_100k"],
                        ["province", "district"],
                        "Số vụ trên 100.000 dân theo huyện cũ",
                        "Incidents per 100,000 population by former district",
                    ),
                    Note(
                        "Tính từ số năm đã công bố (public_order_yearly) và dân số bình quân năm "
                        "đã công bố; không cộng các tháng. / From the published yearly figures "
                        "and mean population; never a sum of months. "
                        + SMALL_POPULATION.note
                        + " Cột gạch chéo / hatched bars."
                    ),
                ],
            )
        )
    sections.append(
        Section(
            "Vụ việc theo nhóm ICCS / Incidents by ICCS section",
            [iccs_stack(con), Note(charts.STACK_NOTE)],
        )
    )
    sections.append(
        communes_section(
            con,
            "public_order_yearly",
            "rate_per_100k",
            "upper(iccs_section) = 'ALL' AND year = (SELECT max(year) FROM public_order_yearly)",
            (
                "Số vụ trên 100.000 dân theo xã, phường, năm gần nhất",
                "Incidents per 100,000 population by commune, latest year",
            ),
            value_label="Vụ/100.000 dân / per 100,000",
            decimals=1,
            small_base=SMALL_POPULATION,
            base="mean_population",
        )
    )
    sections.append(Section("Vi phạm giao thông / Traffic violations", [traffic_lines(con)]))
    return sections


YEARBOOK_TABLES = yearbook_tables
REPORT_SECTIONS = report_sections
