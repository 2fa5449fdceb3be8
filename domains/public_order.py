"""Model 39, public order and social safety: the police incident log and camera traffic violations.
Everything the domain contributes, declared once: title, sources and their contracts, staging
steps, the marts with their catalogue entries and disclosure rules, the links to other marts,
labels, suites, SQL checks, reason codes and the report and workbook tables. Dagster-free:
assets/public_order.py builds the domain's assets from it and domains/__init__.py assembles the
registries. Adding a model: a module like this one (README, "Adding a model")."""

from __future__ import annotations

import duckdb
import great_expectations.expectations as gxe
import plotly.graph_objects as go
import polars as pl

from domains.base import AREA_KEYS, Check, Mart, Staging
from marts.reports import (
    YearbookTable,
    _fig_html,
    _section_tables,
    _table,
    _yearbook_chart,
    commune_map,
    public_order_yearly,
    traffic_yearly,
    yearbook_tables,
)
from protection.perturb import Perturbation
from quality.suites import communes_2025, suite
from sources.contracts import public_order as contracts

NAME = "public_order"  # asset group of its raw, staging and quarantine tables
MODEL = 39  # the Project 06 model number; its marts are in the asset group model_39
TITLE = ("Trật tự, an toàn xã hội", "Public order and social safety")
REPORT_SOURCE = (
    "Sổ theo dõi vụ việc của công an; vi phạm phát hiện qua camera / police log, cameras"
)
CONTRACTS = contracts.CONTRACTS
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
SOURCES = [s.source for s in STAGING]

# Vietnamese labels of the domain's columns for the workbooks (English name kept alongside).
LABELS: dict[str, str] = {
    "iccs_section": "Nhóm tội phạm (ICCS)",
    "iccs_section_name": "Tên nhóm tội phạm (ICCS)",
    "incidents": "Số vụ việc",
    "cleared": "Số vụ đã làm rõ",
    "clearance_rate": "Tỷ lệ làm rõ",
    "rate_per_100k": "Số vụ trên 100.000 dân",
    "violation_group": "Nhóm hành vi vi phạm",
    "vehicle_type": "Loại phương tiện",
    "violations": "Số vi phạm",
    "paid": "Số vi phạm đã nộp phạt",
    "months_covered": "Số tháng có số liệu",
    "fines_vnd": "Tiền phạt (đồng)",
    "paid_share": "Tỷ lệ đã nộp phạt",
    "mean_population": "Dân số bình quân",
}

# --- marts with their catalogue entries and their protection (protection/perturb.py)
_YEAR_POPULATION = """LEFT JOIN publish.population_rates pr ON pr.year = p.year
     AND pr.area_level = p.area_level AND pr.area_code = p.area_code"""
_PAID_SHARE = "round(p.paid / nullif(p.violations, 0), 4)"
_CLEARANCE = "CASE WHEN p.incidents > 0 THEN round(p.cleared / p.incidents, 4) END"

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
        Perturbation(
            keys=("month", *AREA_KEYS, "violation_group", "vehicle_type"),
            counts=("violations", "paid"),
            magnitudes=("fines_vnd",),
            derived={"paid_share": _PAID_SHARE},
        ),
    ),
    Mart(
        "traffic_violations_yearly",
        39,
        "Vi phạm giao thông phát hiện qua camera, cả năm",
        "Camera-detected traffic violations, by year",
        "year × area × violation_group × vehicle_type",
        Perturbation(
            keys=("year", *AREA_KEYS, "violation_group", "vehicle_type"),
            counts=("violations", "paid"),
            magnitudes=("fines_vnd",),
            derived={"paid_share": _PAID_SHARE},
            exact=("months_covered",),
        ),
        "A year's counts are perturbed on their own, never summed from published months.",
    ),
]

# --- great-expectations suites (quality/suites.py runs them)
ICCS_SECTIONS = [f"{i:02d}" for i in range(1, 12)]
INCIDENT_STATUSES = ["under_investigation", "cleared"]
VEHICLE_TYPES = ["motorbike", "car", "truck", "bus"]
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


@suite(
    "staging.incidents",
    blocking=True,
    description="Accepted incidents: unique, timed, in a 2025 commune, in an ICCS section, "
    "never occurring after they were reported.",
)
def incidents_contract(con: duckdb.DuckDBPyConnection) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="incident_id"),
        gxe.ExpectColumnValuesToBeUnique(column="incident_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="occurred_at"),
        gxe.ExpectColumnValuesToNotBeNull(column="occurred_month"),
        gxe.ExpectColumnValuesToBeInSet(column="commune_code", value_set=communes_2025(con)),
        gxe.ExpectColumnValuesToBeInSet(column="iccs_section", value_set=ICCS_SECTIONS),
        gxe.ExpectColumnValuesToBeInSet(column="status", value_set=INCIDENT_STATUSES),
        gxe.ExpectColumnValuesToNotBeNull(column="cleared"),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="reported_at",
            column_B="occurred_at",
            or_equal=True,
        ),
    ]


@suite(
    "staging.incidents",
    blocking=False,
    description="At most 2 % of incidents with an article the reference list does not know "
    "(section 11, as the design says); any unknown status warns (it counts as not cleared).",
)
def incidents_quality(con: duckdb.DuckDBPyConnection) -> list:
    return [
        gxe.ExpectColumnValuesToBeInSet(
            column="fix_unknown_article", value_set=[False], mostly=0.98
        ),
        gxe.ExpectColumnValuesToBeInSet(column="fix_unknown_status", value_set=[False]),
        gxe.ExpectColumnValuesToMatchRegex(
            column="category_code", regex=r"^(HS\d{1,3}|KHAC)$", mostly=0.99
        ),
    ]


@suite(
    "staging.traffic_violations",
    blocking=True,
    description="Accepted violations: unique, timed, in a 2025 commune, with a plate "
    "pseudonym and a non-negative fine.",
)
def traffic_violations_contract(con: duckdb.DuckDBPyConnection) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="violation_id"),
        gxe.ExpectColumnValuesToBeUnique(column="violation_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="detected_at"),
        gxe.ExpectColumnValuesToBeInSet(column="commune_code", value_set=communes_2025(con)),
        gxe.ExpectColumnValuesToNotBeNull(column="plate_key"),
        gxe.ExpectColumnValueLengthsToEqual(column="plate_key", value=64),
        gxe.ExpectColumnValuesToBeBetween(column="fine_vnd", min_value=0),
        gxe.ExpectColumnValuesToNotBeNull(column="fine_vnd"),
        gxe.ExpectColumnValuesToBeInSet(column="violation_group", value_set=VIOLATION_GROUPS),
        gxe.ExpectColumnValuesToBeInSet(column="vehicle_type", value_set=VEHICLE_TYPES + ["other"]),
    ]


@suite(
    "staging.traffic_violations",
    blocking=False,
    description="At most 2 % of violations with an unknown code (the group 'other', as the "
    "design says); any unknown vehicle type or unreadable paid flag warns; plates registered "
    "in a province code.",
)
def traffic_violations_quality(con: duckdb.DuckDBPyConnection) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeInSet(
            column="violation_group", value_set=["other"], mostly=0.98
        ),
        gxe.ExpectColumnValuesToBeInSet(column="fix_unknown_vehicle_type", value_set=[False]),
        gxe.ExpectColumnValuesToBeInSet(column="fix_unknown_paid", value_set=[False]),
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


# --- report (HTML) and workbook (yearbook) tables


def _public_order_tables(con) -> list[YearbookTable | None]:
    tables = []
    yearly = public_order_yearly(con)
    ref = (
        "Cả năm, theo ngày xảy ra; số năm lấy từ bảng năm đã công bố (không cộng các tháng). "
        "Năm chưa đủ 12 tháng ghi rõ số tháng có số liệu (cột months_covered)."
    )
    if yearly:
        area = "area_level, area_code, area_name, parent_code"
        tables += [
            _table(
                con,
                39,
                "1. Số vụ việc",
                "Số vụ việc về trật tự xã hội",
                "Recorded incidents",
                "Vụ",
                "public_order_yearly",
                f"SELECT {area}, year AS period, incidents AS value FROM ({yearly})",
                "Vụ việc trong sổ theo dõi của công an, mọi nhóm tội phạm ICCS v1.0.",
                ref,
                "year",
            ),
            _table(
                con,
                39,
                "2. Số vụ trên 100.000 dân",
                "Số vụ việc trên 100.000 dân",
                "Incidents per 100,000 population",
                "Vụ/100.000 dân",
                "public_order_yearly",
                f"SELECT {area}, year AS period, rate_per_100k AS value FROM ({yearly})",
                "Số vụ trong năm trên 100.000 dân (UNODC).",
                ref,
                "year",
                1,
            ),
            _table(
                con,
                39,
                "3. Tỷ lệ làm rõ",
                "Tỷ lệ vụ việc đã làm rõ",
                "Clearance rate",
                "%",
                "public_order_yearly",
                f"SELECT {area}, year AS period, clearance_rate AS value FROM ({yearly})",
                "Số vụ đã làm rõ chia cho số vụ xảy ra, tại thời điểm trích xuất.",
                ref,
                "year",
                1,
                percent=True,
            ),
        ]
    traffic = traffic_yearly(con)
    if traffic:
        tables.append(
            _table(
                con,
                39,
                "4. Vi phạm giao thông",
                "Số vi phạm giao thông phát hiện qua camera",
                "Camera-detected traffic violations",
                "Vi phạm",
                "traffic_violations_yearly",
                "SELECT area_level, area_code, area_name, parent_code, year AS period, violations AS "
                f"value FROM ({traffic})",
                "Vi phạm do camera phát hiện, theo tháng phát hiện, mọi nhóm hành vi và loại xe.",
                ref.replace("xảy ra", "phát hiện"),
                "year",
            )
        )
    return tables


def _public_order_sections(con) -> list[tuple[str, str]]:
    tables = yearbook_tables(con, 39)
    by_sheet = {t.sheet[:2]: t for t in tables}
    sections = []
    if "2." in by_sheet:
        sections.append(
            (
                "Tỷ lệ trên 100.000 dân / Rate per 100,000",
                _yearbook_chart(
                    by_sheet["2."],
                    "district",
                    "Số vụ trên 100.000 dân theo huyện cũ / Incidents per "
                    "100,000 population by former district",
                )
                + "<p class='note'>Tính từ số năm đã công bố (public_order_yearly) và dân số bình "
                "quân năm đã công bố; không cộng các tháng. / From the published yearly figures "
                "and mean population; never a sum of months.</p>",
            )
        )
    by_section = con.execute(
        """SELECT month, iccs_section || ' ' || iccs_section_name AS section, incidents
            FROM public_order_monthly
            WHERE area_level = 'province' AND upper(iccs_section) <> 'ALL' ORDER BY month, section"""
    ).pl()
    fig = go.Figure()
    for name in by_section["section"].unique(maintain_order=True).to_list():
        part = by_section.filter(pl.col("section") == name)
        fig.add_bar(
            x=part["month"],
            y=part["incidents"].to_list(),
            name=name,
        )
    fig.update_layout(
        barmode="stack",
        legend=dict(font=dict(size=10)),
        title="Vụ việc theo nhóm tội phạm ICCS (tỉnh) / Incidents by ICCS section (province)",
    )
    sections.append(("Vụ việc theo nhóm ICCS / Incidents by ICCS section", _fig_html(fig, 520)))
    yearly = public_order_yearly(con)
    if yearly:
        sections.append(
            (
                "Xã, phường 2025 / 2025 communes",
                commune_map(
                    con,
                    f"""WITH y AS ({yearly})
                     SELECT y.area_code, y.area_name, d.area_name AS district,
                            rate_per_100k AS value
                     FROM y LEFT JOIN (SELECT DISTINCT area_code, area_name FROM y
                                       WHERE area_level = 'district') d ON d.area_code = y.parent_code
                     WHERE y.area_level = 'commune' AND year = (SELECT max(year) FROM y)""",
                    "Số vụ trên 100.000 dân theo xã, phường, năm gần nhất / Incidents per 100,000 by "
                    "commune, latest year",
                    "vụ/100.000 dân",
                    1,
                ),
            )
        )
    traffic = traffic_yearly(con)
    if traffic:
        viol = con.execute(
            """SELECT month, violation_group, violations
                FROM traffic_violations_monthly
                WHERE area_level = 'province' AND vehicle_type = 'all' AND violation_group <> 'all'
                ORDER BY month, violation_group"""
        ).pl()
        fig = go.Figure()
        for grp in viol["violation_group"].unique().sort().to_list():
            part = viol.filter(pl.col("violation_group") == grp)
            fig.add_scatter(
                x=part["month"], y=part["violations"], name=grp, mode="lines", connectgaps=False
            )
        fig.update_layout(
            title="Vi phạm giao thông qua camera theo nhóm (tỉnh) / Camera "
            "violations by group (province)"
        )
        sections.append(("Vi phạm giao thông / Traffic violations", _fig_html(fig)))
    return sections + _section_tables(tables)


YEARBOOK_TABLES = _public_order_tables
REPORT_SECTIONS = _public_order_sections
