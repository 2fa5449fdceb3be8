"""Model 38, tourism through lodging notifications: the lodging establishment register and the
monthly guest-stay notifications. The domain's declaration, Dagster-free (domains/__init__.py
lists its parts); the source contracts are in sources/contracts/lodging.py and assets/lodging.py
builds the assets."""

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
from reporting.sections import communes_section, province_months_section
from reporting.yearbook import AreaTable, Frame, SmallBase, YearbookTable, area_sql, split_months
from sources.contracts import lodging as contracts

NAME = "lodging"
MODEL = 38
TITLE = ("Du lịch qua thông báo lưu trú", "Tourism through lodging notifications")
REPORT_SOURCE = "Thông báo lưu trú và danh sách cơ sở lưu trú / lodging notifications and register"
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

# Labels of the domain's columns (workbooks, reports, data dictionary): Vietnamese, English,
# unit, and a definition where the mart's SQL header does not define the column.
LABELS: dict[str, Label] = {
    "establishment_type": Label(
        "Loại hình cơ sở lưu trú",
        "Establishment type",
        "mã / code",
        "Type in the establishment register: hotel_1star … hotel_5star, guesthouse, motel, "
        "homestay, rental_room, industrial_housing, hospital, long_distance_bus; 'all' every "
        "type.",
    ),
    "guest_origin": Label(
        "Nguồn khách",
        "Guest origin",
        "mã / code",
        "domestic (Vietnamese nationality), international (any other); 'all' both.",
    ),
    "arrivals": Label("Lượt khách đến", "Arrivals", "lượt khách / arrivals"),
    "guest_nights": Label("Số đêm lưu trú của khách", "Guest-nights", "đêm / nights"),
    "average_length_of_stay": Label(
        "Số đêm lưu trú bình quân", "Average length of stay", "đêm / nights"
    ),
    "establishments": Label("Số cơ sở lưu trú", "Establishments", "cơ sở / establishments"),
    "rooms": Label("Số phòng", "Rooms", "phòng / rooms"),
    "room_nights_available": Label(
        "Số đêm phòng sẵn có", "Room-nights available", "đêm phòng / room-nights"
    ),
    "occupied_room_nights": Label(
        "Số đêm phòng có khách", "Occupied room-nights", "đêm phòng / room-nights"
    ),
    "room_occupancy_rate": Label(
        "Công suất sử dụng phòng", "Net room occupancy rate", "tỷ lệ 0-1 / ratio 0-1"
    ),
    "room_occupancy_over_100": Label(
        "Công suất phòng trên 100 % (sổ đăng ký thiếu phòng)",
        "Room occupancy above 100 % (register defect)",
        "đúng/sai / true/false",
    ),
    "nationality": Label(
        "Quốc tịch",
        "Nationality",
        "mã ISO 3166 alpha-3 / code",
        "The guest's nationality, ISO 3166 alpha-3 (VNM Vietnamese); 'other' unreadable.",
    ),
    "nationality_name": Label(
        "Tên quốc tịch",
        "Nationality name",
        "văn bản / text",
        "The Vietnamese name of the nationality (Unicode CLDR, sources/reference/iso3166.csv).",
    ),
    "reporting_establishments": Label(
        "Số cơ sở có gửi thông báo", "Establishments that notified", "cơ sở / establishments"
    ),
    "notifications": Label("Số thông báo lưu trú", "Notifications", "thông báo / notifications"),
    "late_notifications": Label(
        "Số thông báo quá hạn (sau 23 giờ)", "Late notifications", "thông báo / notifications"
    ),
    "late_share": Label(
        "Tỷ lệ thông báo quá hạn", "Share of late notifications", "tỷ lệ 0-1 / ratio 0-1"
    ),
}
ORIGINS = {"domestic": "Khách nội địa / domestic", "international": "Khách quốc tế / international"}
COUNTRIES_CSV = Path(__file__).resolve().parent.parent / "sources" / "reference" / "iso3166.csv"

# --- marts with their catalogue entries and their protection (protection/perturb.py)
_ALL_ORIGINS = "p.guest_origin = 'all'"
# capacity is register data about establishments
_CAPACITY = ("establishments", "rooms", "room_nights_available")


def _stays_perturbation(period: str, exact: tuple[str, ...] = (), **derived: str) -> Perturbation:
    """The protection of tourism_monthly and tourism_yearly (period × area × establishment type
    × guest origin): arrivals counted, nights as magnitudes, the ratios derived from them (and
    `derived`, after them), capacity published as counted (after `exact`)."""
    return Perturbation(
        keys=(period, *AREA_KEYS, "establishment_type", "guest_origin"),
        counts=("arrivals",),
        magnitudes=("guest_nights", "occupied_room_nights"),
        derived={
            "average_length_of_stay": "round(p.guest_nights / nullif(p.arrivals, 0), 4)",
            "room_occupancy_rate": f"CASE WHEN {_ALL_ORIGINS} THEN round("
            "p.occupied_room_nights / nullif(p.room_nights_available, 0), 6) END",
            **derived,
        },
        exact=(*exact, *_CAPACITY),
    )


def _nationality_perturbation(period: str, exact: tuple[str, ...] = ()) -> Perturbation:
    """The protection of guests by nationality (period × nationality, the province only)."""
    return Perturbation(
        keys=(period, "nationality"),
        counts=("arrivals",),
        magnitudes=("guest_nights",),
        exact=exact,
        level="'province'",
    )


MARTS: list[Mart] = [
    Mart(
        "tourism_monthly",
        38,
        "Khách lưu trú theo tháng, địa bàn, loại hình cơ sở và nguồn khách",
        "Accommodation statistics by month, area, establishment type and guest origin",
        "month × area × establishment_type × guest_origin",
        _stays_perturbation(
            "month",
            room_occupancy_over_100=f"CASE WHEN {_ALL_ORIGINS} "
            "THEN p.occupied_room_nights > p.room_nights_available END",
        ),
        "Capacity (establishments, rooms, room-nights available) is register data about "
        "businesses, published as counted, on the guest_origin 'all' rows.",
        period=("month", "month"),
    ),
    Mart(
        "tourism_by_nationality",
        38,
        "Khách lưu trú theo quốc tịch",
        "Guests by nationality",
        "month × nationality (province)",
        _nationality_perturbation("month"),
        "A complete frame of the reference list of nationalities: the presence of a row says "
        "nothing about a guest.",
        period=("month", "month"),
    ),
    Mart(
        "tourism_yearly",
        38,
        "Khách lưu trú theo năm, địa bàn, loại hình cơ sở và nguồn khách",
        "Accommodation statistics by year, area, establishment type and guest origin",
        "year × area × establishment_type × guest_origin",
        _stays_perturbation("year", exact=("months_covered",)),
        "The year's figures are counted from the stays, never summed from published months; a "
        "year in progress says how many months it covers.",
        period=("year", "year"),
    ),
    Mart(
        "tourism_by_nationality_yearly",
        38,
        "Khách lưu trú theo quốc tịch, cả năm",
        "Guests by nationality, by year",
        "year × nationality (province)",
        _nationality_perturbation("year", exact=("months_covered",)),
        "A complete frame of the reference list of nationalities.",
        period=("year", "year"),
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
        period=("month", "month"),
    ),
]

# --- great-expectations suites (quality/suites.py runs them)
ESTABLISHMENT_TYPES = contracts.ESTABLISHMENT_TYPE.codes  # the contract's code list


@suite("staging.establishments", blocking=True)
def establishments_contract(con: duckdb.DuckDBPyConnection) -> list:
    """Accepted lodging establishments: unique ID, a known type, a 2025 commune, at least one
    room, an opening date."""
    return [
        *expect.identifier("establishment_id"),
        gxe.ExpectColumnValuesToBeInSet(column="establishment_type", value_set=ESTABLISHMENT_TYPES),
        *expect.in_2025_commune(con),
        gxe.ExpectColumnValuesToBeBetween(column="rooms", min_value=1),
        *expect.not_null("opened_on"),
    ]


@suite("staging.stays", blocking=True)
def stays_contract(con: duckdb.DuckDBPyConnection) -> list:
    """Accepted stays: unique notification, pseudonymised guest, a registered establishment,
    check-out not before check-in, nights not negative."""
    return [
        gxe.ExpectColumnValuesToBeUnique(column="notification_id"),
        *expect.pseudonym("guest_key"),
        gxe.ExpectColumnValuesToBeInSet(column="establishment_type", value_set=ESTABLISHMENT_TYPES),
        gxe.ExpectColumnValuesToBeInSet(
            column="guest_origin", value_set=["domestic", "international"]
        ),
        *expect.not_null("check_in"),
        gxe.ExpectColumnValuesToBeBetween(column="nights", min_value=0),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="check_out",
            column_B="check_in",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
    ]


@suite("staging.stays", blocking=False)
def stays_quality(con: duckdb.DuckDBPyConnection) -> list:
    """Nationality as ISO alpha-3 for 99.9 %; at most 20 % late notifications; at most 2 % of
    stays with the guest in two places the same night; any guest's sex read as unknown warns."""
    return [
        *expect.none_unknown("sex"),
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


# --- report (HTML) and workbook (yearbook) tables, from the published marts only

# A late-notification share over fewer notifications than this is marked '*'.
SMALL_NOTIFICATIONS = SmallBase(50, "thông báo", "notifications")
_ALL = "establishment_type = 'all' AND guest_origin = 'all'"
_REF = "Theo tháng; ô '-': không có cơ sở lưu trú nào trên địa bàn trong tháng."
# A year's column comes from the published yearly figures (tourism_yearly, counted from the
# stays), never from a sum of published months. Notifications have no yearly mart: the late
# share's year column is the published late notifications over the published notifications of
# the months, and says so.
YEARLY = "Cả năm (bảng năm) / Year (yearly table)"
FROM_MONTHS = "Cả năm: từ các tháng / Year: from months"
_YEARLY_NOTE = (
    "Cột cả năm lấy từ bảng năm đã công bố (tourism_yearly), không cộng các tháng (bảng không "
    "cộng dồn). / The year's column is the published yearly figure (tourism_yearly), not a sum "
    "of months (tables are not additive)."
)
_FROM_NOTE = (
    "Cột cả năm được tính từ các số tháng đã công bố (tổng thông báo quá hạn chia tổng thông "
    "báo). / The year's column is computed from the published months (late notifications over "
    "notifications)."
)


def _year_column(con, value: str) -> pl.DataFrame:
    """The year's figure of every area from the published yearly table (row_key, year, value)."""
    return con.execute(
        f"""SELECT area_code AS row_key, year, {value} AS value FROM tourism_yearly WHERE {_ALL}"""
    ).pl()


def _partial(con) -> str:
    """A year the extracts cover in part says so under its column."""
    rows = con.execute(
        "SELECT DISTINCT year, months_covered FROM tourism_yearly WHERE months_covered < 12"
    ).fetchall()
    return "; ".join(f"{y}: {m} tháng / months" for y, m in rows)


def yearbook_tables(con: duckdb.DuckDBPyConnection) -> list[YearbookTable | None]:
    """The yearbook tables of model 38, each split by half-year (six months and the year's
    column fit an A4 page), in print order (numbered by the caller)."""
    tables: list[YearbookTable | None] = []
    partial = _partial(con)
    specs = [
        (
            "arrivals",
            "Lượt khách",
            "Lượt khách do các cơ sở lưu trú phục vụ",
            "Arrivals at accommodation establishments",
            "Lượt khách / arrivals",
            "arrivals",
            "Lượt khách nhận phòng trong tháng và lưu trú ít nhất một đêm (IRTS 2008).",
            0,
            False,
        ),
        (
            "guest_nights",
            "Đêm lưu trú",
            "Số đêm lưu trú của khách",
            "Guest-nights",
            "Đêm / nights",
            "guest_nights",
            "Số đêm = ngày trả phòng − ngày nhận phòng, mỗi đêm tính vào tháng của đêm đó "
            "(IRTS 2008, Eurostat).",
            0,
            False,
        ),
        (
            "occupancy",
            "Công suất phòng",
            "Công suất sử dụng phòng",
            "Net room occupancy rate",
            "%",
            "room_occupancy_rate",
            "Số đêm phòng có khách chia cho số đêm phòng sẵn có (Eurostat).",
            1,
            True,
        ),
    ]
    for id_, short, title, title_en, unit, column, definition, dec, pct in specs:
        table = AreaTable(
            id_,
            short,
            title,
            title_en,
            unit,
            "tourism_monthly",
            area_sql("tourism_monthly", "month", column, where=_ALL),
            definition,
            _REF + (f" Năm chưa đủ 12 tháng / partial years: {partial}." if partial else ""),
            "month",
            decimals=dec,
            percent=pct,
            notes=(_YEARLY_NOTE,),
        ).build(con)
        tables += split_months(table, _year_column(con, column), YEARLY)
    late = AreaTable(
        "late_share",
        "Thông báo quá hạn",
        "Tỷ lệ thông báo lưu trú quá hạn",
        "Share of late lodging notifications",
        "%",
        "lodging_compliance",
        area_sql(
            "lodging_compliance",
            "month",
            "late_share",
            base="notifications",
            where="establishment_type = 'all'",
        ),
        "Thông báo gửi sau 23 giờ ngày khách đến, trên tổng số thông báo.",
        _REF,
        "month",
        decimals=1,
        percent=True,
        small_base=SMALL_NOTIFICATIONS,
        notes=(_FROM_NOTE,),
    ).build(con)
    late_year = con.execute(
        """SELECT area_code AS row_key, year(month) AS year,
                   sum(late_notifications) / nullif(sum(notifications), 0) AS value,
                   sum(notifications) AS base
            FROM lodging_compliance WHERE establishment_type = 'all' GROUP BY ALL"""
    ).pl()
    return tables + split_months(late, late_year, FROM_MONTHS)


def seasonality(con: duckdb.DuckDBPyConnection):
    """Guest-nights by origin (stacked, with the published total) and room occupancy, by month,
    for the province."""
    season = con.execute(
        """SELECT month, guest_origin, guest_nights, room_occupancy_rate FROM tourism_monthly
           WHERE area_level = 'province' AND establishment_type = 'all' ORDER BY month"""
    ).pl()
    months = sorted(season["month"].unique().to_list())

    def values(origin: str, column: str) -> list:
        by_month = dict(
            season.filter(pl.col("guest_origin") == origin).select("month", column).iter_rows()
        )
        return [by_month.get(m) for m in months]

    return charts.bars_and_line(
        "Tính mùa vụ: đêm lưu trú và công suất phòng (tỉnh)",
        "Seasonality: guest-nights and room occupancy (province)",
        mart="tourism_monthly",
        x=months,
        parts=[charts.Series(name, values(o, "guest_nights")) for o, name in ORIGINS.items()],
        total=charts.Series(charts.TOTAL_NAME, values("all", "guest_nights")),
        line=charts.Series(
            "Công suất phòng (%) / room occupancy (%)", values("all", "room_occupancy_rate")
        ),
        y_title="Đêm lưu trú / guest-nights",
        y2_title="Công suất phòng / occupancy (%)",
    )


def nationality_table(con: duckdb.DuckDBPyConnection, year: int) -> Frame:
    """International arrivals of a year by nationality (the published yearly table), with the
    Vietnamese name of the published mart and the English name of the ISO 3166 reference."""
    english = pl.read_csv(COUNTRIES_CSV, columns=["alpha3", "name_en"]).rename(
        {"alpha3": "nationality"}
    )
    nat = (
        con.execute(
            """SELECT nationality, nationality_name, arrivals FROM tourism_by_nationality_yearly
               WHERE nationality <> 'VNM' AND year = ? AND arrivals > 0 ORDER BY 3 DESC, 1""",
            [year],
        )
        .pl()
        .join(english, on="nationality", how="left")
        .select(
            pl.concat_str(
                "nationality_name", pl.col("name_en").fill_null("other"), separator=" / "
            ).alias("name"),
            "arrivals",
        )
    )
    return Frame(
        nat,
        f"Lượt khách quốc tế năm {year} theo quốc tịch (tourism_by_nationality_yearly) / "
        f"international arrivals {year} by nationality",
        labels={"name": "Quốc tịch / nationality", "arrivals": "Lượt khách / arrivals"},
    )


def report_sections(con: duckdb.DuckDBPyConnection, tables: list[YearbookTable]) -> list[Section]:
    """The charts of model 38's report (the yearbook tables follow them)."""
    if not tables:
        return []
    sections = [
        Section(
            "Tính mùa vụ / Seasonality",
            [seasonality(con), Note(charts.STACK_NOTE)],
        )
    ]
    year = con.execute("SELECT max(year) FROM tourism_yearly").fetchone()[0]
    sections.append(
        communes_section(
            con,
            "tourism_yearly",
            "guest_nights",
            f"{_ALL} AND year = (SELECT max(year) FROM tourism_yearly)",
            (f"Số đêm lưu trú năm {year} theo xã, phường", f"Guest-nights {year} by commune"),
            value_label="Đêm lưu trú / guest-nights",
        )
    )
    sections.append(Section("Quốc tịch / Nationality", [nationality_table(con, year)]))
    sections.append(
        province_months_section(
            con,
            "Chấp hành / Compliance",
            ("Tỷ lệ thông báo lưu trú quá hạn (tỉnh)", "Share of late notifications (province)"),
            "lodging_compliance",
            {"late_share": "Thông báo quá hạn / late notifications"},
            where="establishment_type = 'all'",
            y_title="%",
            percent=True,
        )
    )
    return sections


YEARBOOK_TABLES = yearbook_tables
REPORT_SECTIONS = report_sections
