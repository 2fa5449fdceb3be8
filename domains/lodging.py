"""Model 38, tourism through lodging notifications: the lodging establishment register and the
monthly guest-stay notifications. Everything the domain contributes, declared once: title,
sources and their contracts, staging steps, the marts with their catalogue entries and
disclosure rules, the links to other marts, labels, suites, SQL checks, reason codes and the
report and workbook tables. Dagster-free: assets/lodging.py builds the domain's assets from it
and domains/__init__.py assembles the registries. Adding a model: a module like this one
(README, "Adding a model")."""

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
    _table_html,
    commune_map,
    yearbook_tables,
)
from protection.perturb import Perturbation
from quality.suites import communes_2025, suite
from sources.contracts import lodging as contracts

NAME = "lodging"  # asset group of its raw, staging and quarantine tables
MODEL = 38  # the Project 06 model number; its marts are in the asset group model_38
TITLE = ("Du lịch qua thông báo lưu trú", "Tourism through lodging notifications")
REPORT_SOURCE = "Thông báo lưu trú và danh sách cơ sở lưu trú / lodging notifications and register"
CONTRACTS = contracts.CONTRACTS
STAGING = [
    Staging(
        "establishments",
        "stage_establishments.sql",
        staged="Accepted lodging establishments: typed (rooms, beds, opening and closing "
        "dates), type checked against the code list, commune as a 2025 code.",
        rejected="Rejected register rows with their reason codes.",
    ),
    Staging(
        "stays",
        "stage_stays.sql",
        staged="Accepted stays of all loaded months: guest document replaced by a keyed "
        "pseudonym (guest_key; for a personal ID the same as the register's person_key, so "
        "guest_in_register links to it), nationality as ISO alpha-3 from reference.countries "
        "('other' when the reference data cannot read it), nights per IRTS 2008, "
        "establishment type and commune from the register; flags for late notifications and "
        "a guest in two places on the same night.",
        rejected="Rejected stays with their reason codes (re-sent duplicates, check-out "
        "before check-in, unknown establishment, invalid personal ID), pseudonymised.",
    ),
]
SOURCES = [s.source for s in STAGING]

# Vietnamese labels of the domain's columns for the workbooks (English name kept alongside).
LABELS: dict[str, str] = {
    "establishment_type": "Loại hình cơ sở lưu trú",
    "guest_origin": "Nguồn khách",
    "arrivals": "Lượt khách đến",
    "guest_nights": "Số đêm lưu trú của khách",
    "average_length_of_stay": "Số đêm lưu trú bình quân",
    "establishments": "Số cơ sở lưu trú",
    "rooms": "Số phòng",
    "room_nights_available": "Số đêm phòng sẵn có",
    "occupied_room_nights": "Số đêm phòng có khách",
    "room_occupancy_rate": "Công suất sử dụng phòng",
    "room_occupancy_over_100": "Công suất phòng trên 100 % (sổ đăng ký thiếu phòng)",
    "nationality": "Quốc tịch",
    "nationality_name": "Tên quốc tịch",
    "notifications": "Số thông báo lưu trú",
    "late_notifications": "Số thông báo quá hạn (sau 23 giờ)",
    "late_share": "Tỷ lệ thông báo quá hạn",
}

# --- marts with their catalogue entries and their protection (protection/perturb.py)
_ALL_ORIGINS = "p.guest_origin = 'all'"

MARTS: list[Mart] = [
    Mart(
        "tourism_monthly",
        38,
        "Khách lưu trú theo tháng, địa bàn, loại hình cơ sở và nguồn khách",
        "Accommodation statistics by month, area, establishment type and guest origin",
        "month × area × establishment_type × guest_origin",
        Perturbation(
            keys=("month", *AREA_KEYS, "establishment_type", "guest_origin"),
            counts=("arrivals",),
            magnitudes=("guest_nights", "occupied_room_nights"),
            derived={
                "average_length_of_stay": "round(p.guest_nights / nullif(p.arrivals, 0), 4)",
                "room_occupancy_rate": f"CASE WHEN {_ALL_ORIGINS} THEN round("
                "p.occupied_room_nights / nullif(p.room_nights_available, 0), 6) END",
                "room_occupancy_over_100": f"CASE WHEN {_ALL_ORIGINS} "
                "THEN p.occupied_room_nights > p.room_nights_available END",
            },
            # capacity is register data about establishments
            exact=("establishments", "rooms", "room_nights_available"),
        ),
        "Capacity (establishments, rooms, room-nights available) is register data about "
        "businesses, published as counted, on the guest_origin 'all' rows.",
    ),
    Mart(
        "tourism_by_nationality",
        38,
        "Khách lưu trú theo quốc tịch",
        "Guests by nationality",
        "month × nationality (province)",
        Perturbation(
            keys=("month", "nationality"),
            counts=("arrivals",),
            magnitudes=("guest_nights",),
            level="'province'",
        ),
        "A complete frame of the reference list of nationalities: the presence of a row says "
        "nothing about a guest.",
    ),
    Mart(
        "tourism_yearly",
        38,
        "Khách lưu trú theo năm, địa bàn, loại hình cơ sở và nguồn khách",
        "Accommodation statistics by year, area, establishment type and guest origin",
        "year × area × establishment_type × guest_origin",
        Perturbation(
            keys=("year", *AREA_KEYS, "establishment_type", "guest_origin"),
            counts=("arrivals",),
            magnitudes=("guest_nights", "occupied_room_nights"),
            derived={
                "average_length_of_stay": "round(p.guest_nights / nullif(p.arrivals, 0), 4)",
                "room_occupancy_rate": f"CASE WHEN {_ALL_ORIGINS} THEN round("
                "p.occupied_room_nights / nullif(p.room_nights_available, 0), 6) END",
            },
            exact=("months_covered", "establishments", "rooms", "room_nights_available"),
        ),
        "The year's figures are counted from the stays, never summed from published months; a "
        "year in progress says how many months it covers.",
    ),
    Mart(
        "tourism_by_nationality_yearly",
        38,
        "Khách lưu trú theo quốc tịch, cả năm",
        "Guests by nationality, by year",
        "year × nationality (province)",
        Perturbation(
            keys=("year", "nationality"),
            counts=("arrivals",),
            magnitudes=("guest_nights",),
            exact=("months_covered",),
            level="'province'",
        ),
        "A complete frame of the reference list of nationalities.",
    ),
    Mart(
        "lodging_compliance",
        38,
        "Chấp hành thông báo lưu trú đúng hạn",
        "Timeliness of lodging notifications",
        "month × area × establishment_type",
        Perturbation(
            keys=("month", *AREA_KEYS, "establishment_type"),
            counts=("reporting_establishments", "notifications", "late_notifications"),
            derived={"late_share": "round(p.late_notifications / nullif(p.notifications, 0), 6)"},
            exact=("establishments",),
        ),
        "reporting_establishments says that guests stayed, so it is perturbed like the "
        "notifications; establishments (the register) is published as counted.",
    ),
]

# --- great-expectations suites (quality/suites.py runs them)
ESTABLISHMENT_TYPES = [
    "hotel_1star",
    "hotel_2star",
    "hotel_3star",
    "hotel_4star",
    "hotel_5star",
    "guesthouse",
    "motel",
    "homestay",
    "rental_room",
    "industrial_housing",
    "hospital",
    "long_distance_bus",
]


@suite(
    "staging.establishments",
    blocking=True,
    description="Accepted lodging establishments: unique ID, a known type, a 2025 commune, "
    "at least one room, an opening date.",
)
def establishments_contract(con: duckdb.DuckDBPyConnection) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="establishment_id"),
        gxe.ExpectColumnValuesToBeUnique(column="establishment_id"),
        gxe.ExpectColumnValuesToBeInSet(column="establishment_type", value_set=ESTABLISHMENT_TYPES),
        gxe.ExpectColumnValuesToBeInSet(column="commune_code", value_set=communes_2025(con)),
        gxe.ExpectColumnValuesToBeBetween(column="rooms", min_value=1),
        gxe.ExpectColumnValuesToNotBeNull(column="opened_on"),
    ]


@suite(
    "staging.stays",
    blocking=True,
    description="Accepted stays: unique notification, pseudonymised guest, a registered "
    "establishment, check-out not before check-in, nights not negative.",
)
def stays_contract(con: duckdb.DuckDBPyConnection) -> list:
    return [
        gxe.ExpectColumnValuesToBeUnique(column="notification_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="guest_key"),
        gxe.ExpectColumnValueLengthsToEqual(column="guest_key", value=64),
        gxe.ExpectColumnValuesToBeInSet(column="establishment_type", value_set=ESTABLISHMENT_TYPES),
        gxe.ExpectColumnValuesToBeInSet(
            column="guest_origin", value_set=["domestic", "international"]
        ),
        gxe.ExpectColumnValuesToNotBeNull(column="check_in"),
        gxe.ExpectColumnValuesToBeBetween(column="nights", min_value=0),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="check_out",
            column_B="check_in",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
    ]


@suite(
    "staging.stays",
    blocking=False,
    description="Nationality as ISO alpha-3 for 99.9 %; at most 20 % late notifications; at "
    "most 2 % of stays with the guest in two places the same night; any guest's sex read as "
    "unknown warns.",
)
def stays_quality(con: duckdb.DuckDBPyConnection) -> list:
    return [
        gxe.ExpectColumnValuesToBeInSet(column="fix_unknown_sex", value_set=[False]),
        gxe.ExpectColumnValuesToMatchRegex(
            column="guest_nationality", regex=r"^[A-Z]{3}$", mostly=0.999
        ),
        gxe.ExpectColumnValuesToBeInSet(column="is_late", value_set=[False], mostly=0.8),
        gxe.ExpectColumnValuesToBeInSet(column="guest_two_places", value_set=[False], mostly=0.98),
    ]


SUITES = [establishments_contract, stays_contract, stays_quality]

# --- SQL checks (quality/checks/<name>.sql)
CHECKS = [
    Check(
        "tourism_totals",
        ("marts", "tourism_monthly"),
        blocking=True,
        description="Contract of the mart (blocks publication): arrivals and guest-nights at "
        "province level over all months equal those of the accepted stays. A mismatch means stays "
        "are lost or counted twice between staging and the mart, so every figure of the mart would "
        "be wrong.",
    ),
    Check(
        "room_occupancy_plausible",
        ("marts", "tourism_monthly"),
        blocking=False,
        description="Data quality (warns, publication goes on): room occupancy never exceeds 100 %. "
        "Guests occupying more room-nights than the establishment register lists is a defect of "
        "the register (rooms missing, opening or closing dates wrong), not of the mart: the "
        "arrivals and nights are right, the rate is published as computed with "
        "room_occupancy_over_100, and the affected cells are counted here.",
    ),
]

# --- reason codes (quarantine) and repairs (kept, counted in ops.quality_figures)
REJECT_REASONS: dict[str, str] = {
    "CHECKOUT_BEFORE_CHECKIN": "stay whose check-out time is before its check-in time",
    "UNKNOWN_ESTABLISHMENT": "stay at an establishment that is not in the lodging register",
    "INVALID_DOC_TYPE": "guest document type outside cccd, passport",
    "INVALID_ESTABLISHMENT_TYPE": "establishment type outside the register's code list",
    "INVALID_ROOMS": "establishment whose number of rooms is missing, not a number or below 1",
}
# DUPLICATE for stays: the same notification_id again, or a re-sent notification (same guest
# document, establishment and check-in time; across months). INVALID_PERSON_ID: a cccd guest whose
# personal ID is not valid (structure, or century/sex digit or birth year disagreeing with the
# guest's sex and birth year). INVALID_DATE: check-in or notification time missing or unreadable.
# Flags (kept, counted in ops.quality_figures as kind 'flag'): late_notification (after the 23:00
# deadline, see notification_deadline in rules.sql), guest_two_places (the same guest in two
# establishments on the same night).
REPAIRS: dict[str, str] = {}


# --- report (HTML) and workbook (yearbook) tables


def _lodging_tables(con) -> list[YearbookTable | None]:
    _columns(con, "tourism_monthly")
    area = "area_level, area_code, area_name, parent_code"
    total = "WHERE establishment_type = 'all' AND guest_origin = 'all'"
    ref = "Theo tháng; ô '-': không có cơ sở lưu trú nào trên địa bàn trong tháng."
    tables = [
        _table(
            con,
            38,
            "1. Lượt khách",
            "Lượt khách do các cơ sở lưu trú phục vụ",
            "Arrivals at accommodation establishments",
            "Lượt khách",
            "tourism_monthly",
            f"SELECT {area}, month AS period, arrivals AS value, FROM tourism_monthly {total}",
            "Lượt khách nhận phòng trong tháng (không tính khách trong ngày); IRTS 2008.",
            ref,
            "month",
        ),
        _table(
            con,
            38,
            "2. Ngày khách",
            "Số đêm lưu trú của khách",
            "Guest-nights",
            "Đêm",
            "tourism_monthly",
            f"SELECT {area}, month AS period, guest_nights AS value, FROM tourism_monthly {total}",
            "Số đêm = ngày trả phòng − ngày nhận phòng, mỗi đêm tính vào tháng của đêm đó "
            "(IRTS 2008, Eurostat).",
            ref,
            "month",
        ),
        _table(
            con,
            38,
            "3. Công suất phòng",
            "Công suất sử dụng phòng",
            "Room occupancy rate",
            "%",
            "tourism_monthly",
            f"SELECT {area}, month AS period, room_occupancy_rate AS value, "
            f""
            f"FROM tourism_monthly {total}",
            "Số đêm phòng có khách chia cho số đêm phòng sẵn có.",
            ref,
            "month",
            1,
            percent=True,
        ),
    ]
    if _exists(con, "lodging_compliance"):
        _columns(con, "lodging_compliance")
        tables.append(
            _table(
                con,
                38,
                "4. Thông báo quá hạn",
                "Tỷ lệ thông báo lưu trú quá hạn",
                "Share of late lodging notifications",
                "%",
                "lodging_compliance",
                f"SELECT {area}, month AS period, late_share AS value, "
                f""
                "FROM lodging_compliance WHERE establishment_type = 'all'",
                "Thông báo gửi sau 23 giờ ngày khách đến, trên tổng số thông báo.",
                ref,
                "month",
                1,
                percent=True,
            )
        )
    return tables


def _lodging_sections(con) -> list[tuple[str, str]]:
    tables = yearbook_tables(con, 38)
    season = con.execute(
        """SELECT month, guest_origin, guest_nights, room_occupancy_rate
            FROM tourism_monthly
            WHERE area_level = 'province' AND establishment_type = 'all' ORDER BY month"""
    ).pl()
    fig = go.Figure()
    for origin, label in (
        ("domestic", "Khách nội địa / domestic"),
        ("international", "Khách quốc tế / international"),
    ):
        part = season.filter(pl.col("guest_origin") == origin)
        fig.add_bar(
            x=part["month"],
            y=part["guest_nights"].to_list(),
            name=label,
        )
    total = season.filter(pl.col("guest_origin") == "all")
    fig.add_scatter(
        x=total["month"],
        y=total["room_occupancy_rate"],
        name="Công suất phòng / occupancy",
        yaxis="y2",
        mode="lines+markers",
        connectgaps=False,
    )
    fig.update_layout(
        barmode="stack",
        title="Tính mùa vụ: đêm lưu trú và công suất phòng (tỉnh) / Seasonality: "
        "guest-nights and room occupancy (province)",
        yaxis=dict(title="Đêm lưu trú / guest-nights"),
        yaxis2=dict(title="Công suất / occupancy", overlaying="y", side="right", tickformat=".0%"),
    )
    sections = [("Tính mùa vụ / Seasonality", _fig_html(fig))]
    # no yearly lodging mart: a year is the sum of its published months, and says so
    year = con.execute("SELECT max(year(month)) FROM tourism_monthly").fetchone()[0]
    sections.append(
        (
            "Xã, phường 2025 / 2025 communes",
            commune_map(
                con,
                f"""SELECT t.area_code, any_value(t.area_name) AS area_name,
                        any_value(d.area_name) AS district,
                        sum(guest_nights) AS value
                 FROM tourism_monthly t LEFT JOIN (SELECT DISTINCT area_code, area_name
                      FROM tourism_monthly WHERE area_level = 'district') d
                      ON d.area_code = t.parent_code
                 WHERE t.area_level = 'commune' AND establishment_type = 'all'
                   AND guest_origin = 'all' AND year(month) = {int(year)}
                 GROUP BY t.area_code""",
                f"Số đêm lưu trú năm {year} theo xã, phường (tổng các tháng đã công bố) / "
                f"Guest-nights {year} by commune (sum of the published months)",
                "đêm lưu trú / guest-nights",
            ),
        )
    )
    if _exists(con, "tourism_by_nationality"):
        nat = con.execute(
            f"""SELECT nationality, any_value(nationality_name) AS nationality_name,
                       sum(arrivals) AS arrivals
                FROM tourism_by_nationality WHERE nationality <> 'VNM' AND year(month) = {int(year)}
                GROUP BY 1 HAVING sum(arrivals) > 0 ORDER BY 3 DESC, 1"""
        ).pl()
        sections.append(
            (
                "Quốc tịch / Nationality",
                _table_html(
                    nat,
                    f"Lượt khách quốc tế năm {year} theo quốc tịch (tổng các tháng đã công bố) / "
                    f"international arrivals {year} by nationality:",
                ),
            )
        )
    if _exists(con, "lodging_compliance"):
        late = con.execute(
            """SELECT month, late_share FROM lodging_compliance
               WHERE area_level = 'province' AND establishment_type = 'all' ORDER BY month"""
        ).pl()
        fig = go.Figure(
            go.Scatter(
                x=late["month"], y=late["late_share"], mode="lines+markers", connectgaps=False
            )
        )
        fig.update_layout(
            title="Tỷ lệ thông báo lưu trú quá hạn (tỉnh) / Share of late notifications (province)",
            yaxis=dict(tickformat=".1%"),
        )
        sections.append(("Chấp hành / Compliance", _fig_html(fig)))
    return sections + _section_tables(tables)


YEARBOOK_TABLES = _lodging_tables
REPORT_SECTIONS = _lodging_sections
