"""The mart catalogue: every published mart, its grain, its SQL file, its Vietnamese labels and
its disclosure-control rule. The analysts' contract: names and columns are fixed by the design.
Indicator definitions and sources are in the header of each SQL file."""

from __future__ import annotations

from dataclasses import dataclass

from quality.disclosure import Link, Protection, Term


@dataclass(frozen=True)
class Mart:
    name: str
    model: int
    title_vi: str
    title_en: str
    grain: str
    protection: Protection
    disclosure_rule: str = ""  # the rule in words, for the catalogue and the README
    sql_file: str = ""  # defaults to <name>.sql

    @property
    def sql(self) -> str:
        return self.sql_file or f"{self.name}.sql"


MODELS = {
    36: ("Tình hình dân cư", "Population situation"),
    37: ("Tình hình lao động", "Labour situation"),
    38: ("Du lịch qua thông báo lưu trú", "Tourism through lodging notifications"),
    39: ("Trật tự, an toàn xã hội", "Public order and social safety"),
}

# Vietnamese labels for the Excel workbooks (English column name kept alongside).
LABELS_VI: dict[str, str] = {
    "ref_date": "Thời điểm",
    "month": "Tháng",
    "year": "Năm",
    "area_level": "Cấp địa bàn",
    "area_code": "Mã địa bàn",
    "area_name": "Tên địa bàn",
    "parent_code": "Mã địa bàn cấp trên",
    "sex": "Giới tính",
    "age_group": "Nhóm tuổi",
    "population": "Dân số",
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


# --- disclosure rules --------------------------------------------------------------------------
# Person counts are protected wherever they are small. Counts of events are protected only where
# a cell can point at a person (the README gives the rule): incidents of the violent and sexual
# ICCS sections (01 acts leading to death, 02 acts causing harm, 03 sexual acts) and an area's
# total of incidents in a 2025 commune; a commune's small counts of guests' stays in a month;
# guests of a nationality in a month (a rare nationality points at a guest). Other incidents and
# camera violations never (a count of thefts or of speeding vehicles names no one). Never at
# province level.
_COMMUNE = "area_level = 'commune'"
_VIOLENT = "('01', '02', '03')"
# an area's small total can be all violent: it is protected with the violent sections
_VIOLENT_OR_TOTAL = "('01', '02', '03', 'ALL')"
_POP_COUNTS = (
    "population",
    "males",
    "females",
    "aged_0_14",
    "aged_15_64",
    "aged_65_plus",
    "aged_60_plus",
    "households",
)
_CHANGE = ("population_start", "births", "deaths", "in_migrants", "out_migrants", "population_end")
_BALANCE = (
    ("population_start", 1),
    ("births", 1),
    ("deaths", -1),
    ("in_migrants", 1),
    ("out_migrants", -1),
    ("population_end", -1),
)
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
_LODGING_RULE = (
    "Counts of guests' stays (arrivals, guest-nights, occupied room-nights), 1 to "
    "DE06_MIN_CELL − 1, suppressed in a 2025 commune in a month (a few guests in a small area "
    "can point at a guest); former districts and the province published as counted. Capacity "
    "(rooms, room-nights available) is register data about establishments, published as is, "
    "on the guest_origin 'all' rows."
)

MARTS: list[Mart] = [
    Mart(
        "population_by_age_sex",
        36,
        "Dân số theo giới tính và nhóm tuổi",
        "Population by sex and age group",
        "ref_date × area × sex × age_group",
        Protection(
            counts=("population",), keys=("ref_date",), dims={"sex": None, "age_group": None}
        ),
        "Person counts 1 to DE06_MIN_CELL − 1 suppressed, with linked secondary suppression "
        "(age groups and sexes add up to population_indicators, communes to districts).",
    ),
    Mart(
        "population_indicators",
        36,
        "Các chỉ tiêu dân số",
        "Population indicators",
        "ref_date × area",
        Protection(
            counts=_POP_COUNTS,
            keys=("ref_date",),
            # a household's members can live in two communes: households do not add up
            area_additive=_POP_COUNTS[:-1],
            row_relations=(
                (("population", -1), ("males", 1), ("females", 1)),
                (("population", -1), ("aged_0_14", 1), ("aged_15_64", 1), ("aged_65_plus", 1)),
            ),
            derived={
                "sex_ratio": ("males", "females"),
                "median_age": ("population",),
                "young_dependency_ratio": ("aged_0_14", "aged_15_64"),
                "old_dependency_ratio": ("aged_65_plus", "aged_15_64"),
                "total_dependency_ratio": ("aged_0_14", "aged_65_plus", "aged_15_64"),
                "ageing_index": ("aged_60_plus", "aged_0_14"),
                "avg_household_size": ("households", "population"),
                "density_per_km2": ("population",),
            },
        ),
        "Person and household counts 1 to DE06_MIN_CELL − 1 suppressed with linked secondary "
        "suppression; an indicator is blank where a count it uses is suppressed.",
    ),
    Mart(
        "population_change",
        36,
        "Biến động dân số hằng tháng",
        "Monthly population change",
        "month × area",
        Protection(
            counts=(*_CHANGE, "in_from_outside_province", "out_to_outside_province"),
            keys=("month",),
            # migrants of an area cross that area's boundary: not additive over areas
            area_additive=(
                "population_start",
                "births",
                "deaths",
                "population_end",
                "in_from_outside_province",
                "out_to_outside_province",
            ),
            row_relations=(_BALANCE,),
            derived={
                "natural_increase": ("births", "deaths"),
                "net_migration": ("in_migrants", "out_migrants"),
            },
        ),
        "Person counts 1 to DE06_MIN_CELL − 1 suppressed; the balancing equation, communes "
        "adding up to districts and months adding up to population_rates are protected together.",
    ),
    Mart(
        "population_rates",
        36,
        "Tỷ suất sinh, chết, di cư",
        "Crude birth, death and migration rates",
        "year × area",
        Protection(
            counts=(*_CHANGE, "births_male", "births_female"),
            keys=("year",),
            area_additive=(
                "population_start",
                "births",
                "deaths",
                "population_end",
                "births_male",
                "births_female",
            ),
            row_relations=(_BALANCE, (("births", -1), ("births_male", 1), ("births_female", 1))),
            derived={
                "mean_population": ("population_start", "population_end"),
                "crude_birth_rate": ("births", "population_start", "population_end"),
                "crude_death_rate": ("deaths", "population_start", "population_end"),
                "natural_increase_rate": ("births", "deaths", "population_start", "population_end"),
                "in_migration_rate": ("in_migrants", "population_start", "population_end"),
                "out_migration_rate": ("out_migrants", "population_start", "population_end"),
                "net_migration_rate": (
                    "in_migrants",
                    "out_migrants",
                    "population_start",
                    "population_end",
                ),
                "sex_ratio_at_birth": ("births_male", "births_female"),
            },
        ),
        "Person counts 1 to DE06_MIN_CELL − 1 suppressed, protected together with the months of "
        "population_change; a rate is blank where a count it uses is suppressed.",
    ),
    Mart(
        "migration_flows",
        36,
        "Luồng di cư",
        "Migration flows",
        "year × flow_level × origin × destination",
        Protection(
            counts=("movers",),
            keys=("year", "flow_level", "origin_code", "destination_code"),
            areas=False,
            level="flow_level",
        ),
        "Person counts 1 to DE06_MIN_CELL − 1 suppressed; flows out of (into) an area add up to "
        "its out- (in-)migrants in population_rates and are protected with them. A complete "
        "frame of origin × destination pairs: the presence of a row says nothing.",
    ),
    Mart(
        "labour_indicators",
        37,
        "Các chỉ tiêu lao động, việc làm (từ cơ sở dữ liệu)",
        "Labour force, employment and unemployment (register-based)",
        "year × area × sex × age_band",
        Protection(
            counts=_LABOUR_COUNTS,
            keys=("year",),
            dims={"sex": "Tổng", "age_band": "Tổng"},
            row_relations=(
                (
                    ("working_age_population", -1),
                    ("no_labour_record", 1),
                    ("labour_force", 1),
                    ("outside_labour_force", 1),
                ),
                (("labour_force", -1), ("employed", 1), ("unemployed", 1)),
            ),
            derived={
                "labour_force_participation_rate": ("labour_force", "outside_labour_force"),
                "employment_to_population_ratio": (
                    "employed",
                    "labour_force",
                    "outside_labour_force",
                ),
                "unemployment_rate": ("unemployed", "labour_force"),
                "informal_employment_rate": ("informal_employed", "employed"),
            },
        ),
        "Person counts 1 to DE06_MIN_CELL − 1 suppressed, protected together with "
        "youth_indicators and the sector and occupation marts; rates blank where a count they "
        "use is suppressed. Province totals are always published.",
    ),
    Mart(
        "youth_indicators",
        37,
        "Thất nghiệp thanh niên và thanh niên NEET (từ cơ sở dữ liệu)",
        "Youth unemployment and NEET (register-based)",
        "year × area × sex",
        Protection(
            counts=_YOUTH_COUNTS,
            keys=("year",),
            dims={"sex": "Tổng"},
            row_relations=(
                (
                    ("youth_with_record", -1),
                    ("youth_labour_force", 1),
                    ("youth_outside_labour_force", 1),
                ),
                (("youth_labour_force", -1), ("youth_employed", 1), ("youth_unemployed", 1)),
            ),
            derived={
                "youth_unemployment_rate": ("youth_unemployed", "youth_labour_force"),
                "neet_rate": ("youth_neet", "youth_with_record"),
            },
        ),
        "Person counts 1 to DE06_MIN_CELL − 1 suppressed, protected together with the 15-24 "
        "rows of labour_indicators.",
    ),
    Mart(
        "employment_by_sector",
        37,
        "Lao động có việc làm theo ngành kinh tế (từ cơ sở dữ liệu)",
        "Employment by economic sector (register-based)",
        "year × area × sex × vsic_section",
        Protection(
            counts=("employed",),
            keys=("year",),
            dims={"sex": "Tổng", "vsic_section": None},
            derived={"share": ("employed",)},
        ),
        "Person counts 1 to DE06_MIN_CELL − 1 suppressed; sections add up to employed in "
        "labour_indicators and are protected with it.",
    ),
    Mart(
        "employment_by_occupation",
        37,
        "Lao động có việc làm theo nghề nghiệp (từ cơ sở dữ liệu)",
        "Employment by occupation (register-based)",
        "year × area × sex × occupation_code",
        Protection(
            counts=("employed",),
            keys=("year",),
            dims={"sex": "Tổng", "occupation_code": None},
            derived={"share": ("employed",)},
        ),
        "Person counts 1 to DE06_MIN_CELL − 1 suppressed; occupation groups add up to employed "
        "in labour_indicators and are protected with it.",
    ),
    Mart(
        "tourism_monthly",
        38,
        "Khách lưu trú theo tháng, địa bàn, loại hình cơ sở và nguồn khách",
        "Accommodation statistics by month, area, establishment type and guest origin",
        "month × area × establishment_type × guest_origin",
        Protection(
            # capacity (rooms, room-nights available) is register data about establishments,
            # published as is; only counts of guests' stays are cells
            counts=("arrivals", "guest_nights", "occupied_room_nights"),
            keys=("month",),
            dims={"establishment_type": "all", "guest_origin": "all"},
            event_counts=("arrivals", "guest_nights", "occupied_room_nights"),
            where_events=_COMMUNE,
            derived={
                "average_length_of_stay": ("arrivals", "guest_nights"),
                "room_occupancy_rate": ("occupied_room_nights",),
                "room_occupancy_over_100": ("occupied_room_nights",),
            },
        ),
        _LODGING_RULE,
    ),
    Mart(
        "tourism_by_nationality",
        38,
        "Khách lưu trú theo quốc tịch",
        "Guests by nationality",
        "month × nationality (province)",
        Protection(
            counts=("arrivals", "guest_nights"),
            keys=("month", "guest_origin"),
            dims={"nationality": None},
            areas=False,
            level="'commune'",
            event_counts=("arrivals", "guest_nights"),
            where_events="TRUE",
        ),
        "Guests of a nationality in a month, 1 to DE06_MIN_CELL − 1, suppressed (a rare "
        "nationality can point at a guest); nationalities add up to the province's guests by "
        "origin in tourism_monthly, always published.",
    ),
    Mart(
        "lodging_compliance",
        38,
        "Chấp hành thông báo lưu trú đúng hạn",
        "Timeliness of lodging notifications",
        "month × area × establishment_type",
        Protection(
            counts=("notifications", "late_notifications"),
            keys=("month",),
            dims={"establishment_type": "all"},
            event_counts=("notifications", "late_notifications"),
            where_events="FALSE",
            derived={"late_share": ("notifications", "late_notifications")},
        ),
        "Published as counted: a notification is an establishment's report of a stay, and a "
        "count of late ones names no guest.",
    ),
    Mart(
        "public_order_monthly",
        39,
        "Vụ việc về trật tự xã hội theo nhóm tội phạm ICCS",
        "Public-order incidents by ICCS section",
        "month × area × iccs_section",
        Protection(
            counts=("incidents", "cleared"),
            keys=("month",),
            dims={"iccs_section": "ALL"},
            event_counts=("incidents", "cleared"),
            where_events=f"iccs_section IN {_VIOLENT_OR_TOTAL} AND {_COMMUNE}",
            derived={
                "clearance_rate": ("incidents", "cleared"),
                "rate_per_100k": ("incidents", "population_start"),
            },
            mirrors={
                "population_start": (
                    "population_change",
                    "population_start",
                    "y.month = x.month AND y.area_level = x.area_level AND y.area_code = x.area_code",
                )
            },
        ),
        "Incidents of ICCS sections 01-03 (acts leading to death, acts causing harm, sexual "
        "acts: a victim can be singled out), and an area's total (it can be all violent), with "
        "their cleared incidents, 1 to DE06_MIN_CELL − 1, suppressed in a 2025 commune (a small "
        "area); other sections, former districts and the province published as counted. "
        "Protected together with public_order_yearly.",
    ),
    Mart(
        "public_order_yearly",
        39,
        "Vụ việc về trật tự xã hội theo nhóm tội phạm ICCS, cả năm",
        "Public-order incidents by ICCS section, by year",
        "year × area × iccs_section",
        Protection(
            counts=("incidents", "cleared"),
            keys=("year",),
            dims={"iccs_section": "ALL"},
            event_counts=("incidents", "cleared"),
            where_events=f"iccs_section IN {_VIOLENT_OR_TOTAL} AND {_COMMUNE}",
            derived={
                "clearance_rate": ("incidents", "cleared"),
                "rate_per_100k": ("incidents", "mean_population"),
            },
            mirrors={
                "mean_population": (
                    "population_rates",
                    "population_start,population_end",
                    "y.year = x.year AND y.area_level = x.area_level AND y.area_code = x.area_code",
                )
            },
        ),
        "Incidents of ICCS sections 01-03 and the area total, 1 to DE06_MIN_CELL − 1, suppressed "
        "in a commune; the year's figures of districts and the province are published.",
    ),
    Mart(
        "traffic_violations_monthly",
        39,
        "Vi phạm giao thông phát hiện qua camera",
        "Camera-detected traffic violations",
        "month × area × violation_group × vehicle_type",
        Protection(
            counts=("violations",),
            keys=("month",),
            dims={"violation_group": "all", "vehicle_type": "all"},
            event_counts=("violations",),
            where_events="FALSE",
        ),
        "Published as counted: a camera record is a vehicle at a place, and no published cell "
        "holds a plate or anything finer than commune × month × group × vehicle type, so no "
        "cell can point at a person.",
    ),
    Mart(
        "traffic_violations_yearly",
        39,
        "Vi phạm giao thông phát hiện qua camera, cả năm",
        "Camera-detected traffic violations, by year",
        "year × area × violation_group × vehicle_type",
        Protection(
            counts=("violations",),
            keys=("year",),
            dims={"violation_group": "all", "vehicle_type": "all"},
            event_counts=("violations",),
            where_events="FALSE",
        ),
        "As traffic_violations_monthly: published as counted.",
    ),
]


_AREA = ("r.area_level", "r.area_code")
_AGE = {
    "aged_0_14": "('0-4', '5-9', '10-14')",
    "aged_15_64": "('15-19', '20-24', '25-29', '30-34', '35-39', '40-44', '45-49', '50-54', "
    "'55-59', '60-64')",
    "aged_65_plus": "('65-69', '70-74', '75-79', '80+')",
    "aged_60_plus": "('60-64', '65-69', '70-74', '75-79', '80+')",
}

# Links: the same quantity in two marts, or parts in one mart adding up to a total in another.
LINKS: list[Link] = [
    Link(
        "age_sex_population",
        Term("population_indicators", "population", ("r.ref_date", *_AREA)),
        (Term("population_by_age_sex", "population", ("r.ref_date", *_AREA)),),
    ),
    Link(
        "age_sex_males",
        Term("population_indicators", "males", ("r.ref_date", *_AREA)),
        (Term("population_by_age_sex", "population", ("r.ref_date", *_AREA), "r.sex = 'Nam'"),),
    ),
    Link(
        "age_sex_females",
        Term("population_indicators", "females", ("r.ref_date", *_AREA)),
        (Term("population_by_age_sex", "population", ("r.ref_date", *_AREA), "r.sex = 'Nữ'"),),
    ),
    *[
        Link(
            f"age_sex_{measure}",
            Term("population_indicators", measure, ("r.ref_date", *_AREA)),
            (
                Term(
                    "population_by_age_sex",
                    "population",
                    ("r.ref_date", *_AREA),
                    f"r.age_group IN {groups}",
                ),
            ),
        )
        for measure, groups in _AGE.items()
    ],
    # a stock on 1 January is the population at the start of January and the end of December
    Link(
        "stock_month_start",
        Term("population_indicators", "population", ("r.ref_date", *_AREA)),
        (Term("population_change", "population_start", ("r.month", *_AREA)),),
    ),
    Link(
        "stock_month_end",
        Term("population_indicators", "population", ("r.ref_date", *_AREA)),
        (
            Term(
                "population_change",
                "population_end",
                ("(r.month + INTERVAL 1 MONTH)::DATE", *_AREA),
            ),
        ),
    ),
    Link(
        "month_chain",
        Term("population_change", "population_start", ("r.month", *_AREA)),
        (
            Term(
                "population_change",
                "population_end",
                ("(r.month + INTERVAL 1 MONTH)::DATE", *_AREA),
            ),
        ),
    ),
    Link(
        "year_start",
        Term("population_rates", "population_start", ("r.year", *_AREA)),
        (
            Term(
                "population_change",
                "population_start",
                ("year(r.month)", *_AREA),
                "month(r.month) = 1",
            ),
        ),
    ),
    Link(
        "year_end",
        Term("population_rates", "population_end", ("r.year", *_AREA)),
        (
            Term(
                "population_change",
                "population_end",
                ("year(r.month)", *_AREA),
                "month(r.month) = 12",
            ),
        ),
    ),
    *[
        Link(
            f"year_{measure}",
            Term("population_rates", measure, ("r.year", *_AREA)),
            (Term("population_change", measure, ("year(r.month)", *_AREA)),),
        )
        for measure in ("births", "deaths", "in_migrants", "out_migrants")
    ],
    # flows out of an area (to another area or out of the province) are its out-migrants
    Link(
        "flows_out",
        Term("population_rates", "out_migrants", ("r.year", "r.area_level", "r.area_code")),
        (Term("migration_flows", "movers", ("r.year", "r.flow_level", "r.origin_code")),),
    ),
    Link(
        "flows_in",
        Term("population_rates", "in_migrants", ("r.year", "r.area_level", "r.area_code")),
        (Term("migration_flows", "movers", ("r.year", "r.flow_level", "r.destination_code")),),
    ),
    *[
        Link(
            f"youth_{youth}",
            Term("labour_indicators", adult, ("r.year", *_AREA, "r.sex"), "r.age_band = '15-24'"),
            (Term("youth_indicators", youth, ("r.year", *_AREA, "r.sex")),),
        )
        for youth, adult in (
            ("youth_population", "working_age_population"),
            ("youth_labour_force", "labour_force"),
            ("youth_employed", "employed"),
            ("youth_unemployed", "unemployed"),
            ("youth_outside_labour_force", "outside_labour_force"),
        )
    ],
    Link(
        "youth_with_record",
        Term(
            "labour_indicators",
            "working_age_population",
            ("r.year", *_AREA, "r.sex"),
            "r.age_band = '15-24'",
        ),
        (
            Term("youth_indicators", "youth_with_record", ("r.year", *_AREA, "r.sex")),
            Term(
                "labour_indicators",
                "no_labour_record",
                ("r.year", *_AREA, "r.sex"),
                "r.age_band = '15-24'",
            ),
        ),
    ),
    *[
        Link(
            f"{mart}_employed",
            Term(
                "labour_indicators", "employed", ("r.year", *_AREA, "r.sex"), "r.age_band = 'Tổng'"
            ),
            (Term(mart, "employed", ("r.year", *_AREA, "r.sex")),),
        )
        for mart in ("employment_by_sector", "employment_by_occupation")
    ],
    *[
        Link(
            f"nationality_{measure}",
            Term(
                "tourism_monthly",
                measure,
                ("r.month", "r.guest_origin"),
                "r.area_level = 'province' AND r.establishment_type = 'all' "
                "AND r.guest_origin <> 'all'",
            ),
            (Term("tourism_by_nationality", measure, ("r.month", "r.guest_origin")),),
        )
        for measure in ("arrivals", "guest_nights")
    ],
    *[
        Link(
            f"{mart}_{measure}_year",
            Term(f"{mart}_yearly", measure, ("r.year", *_AREA, *[f"r.{d}" for d in dims])),
            (
                Term(
                    f"{mart}_monthly", measure, ("year(r.month)", *_AREA, *[f"r.{d}" for d in dims])
                ),
            ),
        )
        for mart, measure, dims in (
            ("public_order", "incidents", ("iccs_section",)),
            ("public_order", "cleared", ("iccs_section",)),
            ("traffic_violations", "violations", ("violation_group", "vehicle_type")),
        )
    ],
]

LABELS_VI.update(
    {
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
)
LABELS_VI.update(
    {
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
)
LABELS_VI.update(
    {
        "iccs_section": "Nhóm tội phạm (ICCS)",
        "iccs_section_name": "Tên nhóm tội phạm (ICCS)",
        "incidents": "Số vụ việc",
        "cleared": "Số vụ đã làm rõ",
        "clearance_rate": "Tỷ lệ làm rõ",
        "rate_per_100k": "Số vụ trên 100.000 dân",
        "violation_group": "Nhóm hành vi vi phạm",
        "vehicle_type": "Loại phương tiện",
        "violations": "Số vi phạm",
        "vehicles": "Số phương tiện",
        "fines_vnd": "Tiền phạt (đồng)",
        "paid_share": "Tỷ lệ đã nộp phạt",
    }
)
LABELS_VI.update({"mean_population": "Dân số bình quân"})
