"""The mart catalogue: every published mart, its grain, its SQL file, its Vietnamese labels and
its disclosure-control rule. The analysts' contract: names and columns are fixed by the design.
Indicator definitions and sources are in the header of each SQL file."""

from __future__ import annotations

from dataclasses import dataclass, field

from quality.suppression import Group, SuppressionRule


@dataclass(frozen=True)
class Mart:
    name: str
    model: int
    title_vi: str
    title_en: str
    grain: str
    rule: SuppressionRule
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
    "ref_date": "Thời điểm", "month": "Tháng", "year": "Năm",
    "area_level": "Cấp địa bàn", "area_code": "Mã địa bàn", "area_name": "Tên địa bàn",
    "parent_code": "Mã địa bàn cấp trên", "sex": "Giới tính", "age_group": "Nhóm tuổi",
    "population": "Dân số", "males": "Nam", "females": "Nữ",
    "aged_0_14": "Dân số 0-14 tuổi", "aged_15_64": "Dân số 15-64 tuổi",
    "aged_65_plus": "Dân số 65+ tuổi", "aged_60_plus": "Dân số 60+ tuổi",
    "sex_ratio": "Tỷ số giới tính (nam/100 nữ)", "median_age": "Tuổi trung vị",
    "young_dependency_ratio": "Tỷ số phụ thuộc trẻ em", "old_dependency_ratio": "Tỷ số phụ thuộc người già",
    "total_dependency_ratio": "Tỷ số phụ thuộc chung", "ageing_index": "Chỉ số già hóa",
    "households": "Số hộ", "avg_household_size": "Quy mô hộ bình quân", "area_km2": "Diện tích (km²)",
    "density_per_km2": "Mật độ dân số (người/km²)",
    "population_start": "Dân số đầu kỳ", "births": "Số sinh", "deaths": "Số chết",
    "in_migrants": "Số người nhập cư", "out_migrants": "Số người xuất cư",
    "population_end": "Dân số cuối kỳ", "natural_increase": "Tăng tự nhiên",
    "net_migration": "Di cư thuần", "in_from_outside_province": "Nhập cư từ tỉnh khác",
    "out_to_outside_province": "Xuất cư đi tỉnh khác",
    "mean_population": "Dân số bình quân", "births_male": "Số sinh nam", "births_female": "Số sinh nữ",
    "crude_birth_rate": "Tỷ suất sinh thô (‰)", "crude_death_rate": "Tỷ suất chết thô (‰)",
    "natural_increase_rate": "Tỷ lệ tăng tự nhiên (‰)", "in_migration_rate": "Tỷ suất nhập cư (‰)",
    "out_migration_rate": "Tỷ suất xuất cư (‰)", "net_migration_rate": "Tỷ suất di cư thuần (‰)",
    "sex_ratio_at_birth": "Tỷ số giới tính khi sinh",
    "flow_level": "Cấp luồng di cư", "origin_code": "Mã nơi đi", "origin_name": "Nơi đi",
    "destination_code": "Mã nơi đến", "destination_name": "Nơi đến", "movers": "Số người di chuyển",
}



def _by(*cols: str) -> Group:
    return Group(("measure", *cols))


MARTS: list[Mart] = [
    Mart(
        "population_by_age_sex", 36, "Dân số theo giới tính và nhóm tuổi",
        "Population by sex and age group", "ref_date × area × sex × age_group",
        SuppressionRule(
            counts=("population",),
            groups=(
                _by("ref_date", "area_level", "area_code", "sex"),  # age groups add up
                _by("ref_date", "area_level", "area_code", "age_group"),  # sexes add up
                _by("ref_date", "area_level", "parent_code", "sex", "age_group"),  # areas add up
            ),
        ),
    ),
    Mart(
        "population_indicators", 36, "Các chỉ tiêu dân số", "Population indicators",
        "ref_date × area",
        SuppressionRule(
            counts=("population", "males", "females", "aged_0_14", "aged_15_64", "aged_65_plus",
                    "aged_60_plus", "households"),
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
            groups=(
                Group(("_row",), ("population", "males", "females")),
                Group(("_row",), ("population", "aged_0_14", "aged_15_64", "aged_65_plus")),
                _by("ref_date", "area_level", "parent_code"),
            ),
        ),
    ),
    Mart(
        "population_change", 36, "Biến động dân số hằng tháng", "Monthly population change",
        "month × area",
        SuppressionRule(
            counts=("population_start", "births", "deaths", "in_migrants", "out_migrants",
                    "population_end", "in_from_outside_province", "out_to_outside_province"),
            derived={
                "natural_increase": ("births", "deaths"),
                "net_migration": ("in_migrants", "out_migrants"),
            },
            groups=(
                Group(("_row",), ("population_start", "births", "deaths", "in_migrants",
                                  "out_migrants", "population_end")),
                _by("month", "area_level", "parent_code"),
            ),
        ),
    ),
    Mart(
        "population_rates", 36, "Tỷ suất sinh, chết, di cư", "Crude birth, death and migration rates",
        "year × area",
        SuppressionRule(
            counts=("population_start", "population_end", "births", "deaths", "in_migrants",
                    "out_migrants", "births_male", "births_female"),
            derived={
                "mean_population": ("population_start", "population_end"),
                "crude_birth_rate": ("births",), "crude_death_rate": ("deaths",),
                "natural_increase_rate": ("births", "deaths"),
                "in_migration_rate": ("in_migrants",), "out_migration_rate": ("out_migrants",),
                "net_migration_rate": ("in_migrants", "out_migrants"),
                "sex_ratio_at_birth": ("births_male", "births_female"),
            },
            groups=(
                Group(("_row",), ("population_start", "births", "deaths", "in_migrants",
                                  "out_migrants", "population_end")),
                Group(("_row",), ("births", "births_male", "births_female")),
                _by("year", "area_level", "parent_code"),
            ),
        ),
    ),
    Mart(
        "migration_flows", 36, "Luồng di cư", "Migration flows", "year × flow_level × origin × destination",
        SuppressionRule(
            counts=("movers",),
            groups=(
                _by("year", "flow_level", "origin_code"),  # out-flows of an origin add up
                _by("year", "flow_level", "destination_code"),  # in-flows of a destination add up
            ),
        ),
    ),
]

# --- model 37 (labour): MARTS.extend([...]) and LABELS_VI.update({...}) here ---
# Register-based (labour-market register linked to the population register), not LFS estimates.
LABELS_VI.update({
    "age_band": "Nhóm tuổi", "working_age_population": "Dân số từ 15 tuổi trở lên",
    "no_labour_record": "Chưa có thông tin lao động", "labour_force": "Lực lượng lao động",
    "employed": "Số người có việc làm", "unemployed": "Số người thất nghiệp",
    "outside_labour_force": "Ngoài lực lượng lao động",
    "informal_employed": "Lao động có việc làm phi chính thức",
    "labour_force_participation_rate": "Tỷ lệ tham gia lực lượng lao động (%)",
    "employment_to_population_ratio": "Tỷ lệ có việc làm trên dân số (%)",
    "unemployment_rate": "Tỷ lệ thất nghiệp (%)",
    "informal_employment_rate": "Tỷ lệ lao động có việc làm phi chính thức (%)",
    "youth_population": "Dân số 15-24 tuổi", "youth_with_record": "Thanh niên có thông tin lao động",
    "youth_labour_force": "Lực lượng lao động thanh niên", "youth_employed": "Thanh niên có việc làm",
    "youth_unemployed": "Thanh niên thất nghiệp",
    "youth_outside_labour_force": "Thanh niên ngoài lực lượng lao động",
    "youth_in_education": "Thanh niên đang đi học",
    "youth_neet": "Thanh niên không có việc làm, không đi học (NEET)",
    "youth_unemployment_rate": "Tỷ lệ thất nghiệp thanh niên (%)",
    "neet_rate": "Tỷ lệ thanh niên NEET (%)",
    "vsic_section": "Ngành kinh tế (VSIC cấp 1)", "vsic_name": "Tên ngành kinh tế",
    "broad_sector": "Khu vực kinh tế", "broad_sector_name": "Tên khu vực kinh tế",
    "occupation_code": "Nghề nghiệp (VSCO cấp 1)", "occupation_name": "Tên nhóm nghề",
    "share": "Cơ cấu (%)",
})

_LABOUR_COUNTS = ("working_age_population", "no_labour_record", "labour_force", "employed",
                  "unemployed", "outside_labour_force", "informal_employed")
MARTS.extend([
    Mart(
        "labour_indicators", 37, "Các chỉ tiêu lao động, việc làm (từ cơ sở dữ liệu)",
        "Labour force, employment and unemployment (register-based)",
        "year × area × sex × age_band",
        SuppressionRule(
            counts=_LABOUR_COUNTS,
            derived={
                "labour_force_participation_rate": ("labour_force", "outside_labour_force"),
                "employment_to_population_ratio": ("employed", "labour_force", "outside_labour_force"),
                "unemployment_rate": ("unemployed", "labour_force"),
                "informal_employment_rate": ("informal_employed", "employed"),
            },
            groups=(
                _by("year", "area_level", "area_code", "age_band"),  # sexes add to 'Tổng'
                _by("year", "area_level", "area_code", "sex"),  # age bands add to 'Tổng'
                _by("year", "area_level", "parent_code", "sex", "age_band"),  # areas add up
                Group(("_row",), ("working_age_population", "no_labour_record", "labour_force",
                                  "outside_labour_force")),
                Group(("_row",), ("labour_force", "employed", "unemployed")),
            ),
        ),
    ),
    Mart(
        "youth_indicators", 37, "Thất nghiệp thanh niên và thanh niên NEET (từ cơ sở dữ liệu)",
        "Youth unemployment and NEET (register-based)", "year × area × sex",
        SuppressionRule(
            counts=("youth_population", "youth_with_record", "youth_labour_force", "youth_employed",
                    "youth_unemployed", "youth_outside_labour_force", "youth_in_education",
                    "youth_neet"),
            derived={
                "youth_unemployment_rate": ("youth_unemployed", "youth_labour_force"),
                "neet_rate": ("youth_neet", "youth_with_record"),
            },
            groups=(
                _by("year", "area_level", "area_code"),  # sexes add to 'Tổng'
                _by("year", "area_level", "parent_code", "sex"),  # areas add up
                Group(("_row",), ("youth_with_record", "youth_labour_force",
                                  "youth_outside_labour_force")),
                Group(("_row",), ("youth_labour_force", "youth_employed", "youth_unemployed")),
            ),
        ),
    ),
    Mart(
        "employment_by_sector", 37, "Lao động có việc làm theo ngành kinh tế (từ cơ sở dữ liệu)",
        "Employment by economic sector (register-based)", "year × area × sex × vsic_section",
        SuppressionRule(
            counts=("employed",),
            derived={"share": ("employed",)},
            groups=(
                _by("year", "area_level", "area_code", "sex"),  # sections add up
                _by("year", "area_level", "area_code", "vsic_section"),  # sexes add up
                _by("year", "area_level", "parent_code", "sex", "vsic_section"),  # areas add up
            ),
        ),
    ),
    Mart(
        "employment_by_occupation", 37, "Lao động có việc làm theo nghề nghiệp (từ cơ sở dữ liệu)",
        "Employment by occupation (register-based)", "year × area × sex × occupation_code",
        SuppressionRule(
            counts=("employed",),
            derived={"share": ("employed",)},
            groups=(
                _by("year", "area_level", "area_code", "sex"),  # groups add up
                _by("year", "area_level", "area_code", "occupation_code"),  # sexes add up
                _by("year", "area_level", "parent_code", "sex", "occupation_code"),  # areas add up
            ),
        ),
    ),
])

# --- model 38 (tourism through lodging) ---
# Person counts (arrivals, guest-nights) are suppressed from 1 to DE06_MIN_CELL − 1; every row
# describing fewer than 3 establishments is suppressed whole (its capacity and occupancy too, so
# those are counts here as well). Secondary suppression over the additive relations: communes of
# a district, types adding up to 'all', origins adding up to 'all' (arrivals and nights only).
MARTS.extend([
    Mart(
        "tourism_monthly", 38, "Khách lưu trú theo tháng, địa bàn, loại hình cơ sở và nguồn khách",
        "Accommodation statistics by month, area, establishment type and guest origin",
        "month × area × establishment_type × guest_origin",
        SuppressionRule(
            counts=("arrivals", "guest_nights", "rooms", "room_nights_available",
                    "occupied_room_nights"),
            derived={
                "average_length_of_stay": ("arrivals", "guest_nights"),
                "room_occupancy_rate": ("occupied_room_nights", "room_nights_available"),
                "room_occupancy_over_100": ("occupied_room_nights", "room_nights_available"),
            },
            groups=(
                _by("month", "area_level", "parent_code", "establishment_type", "guest_origin"),
                _by("month", "area_level", "area_code", "guest_origin"),
                Group(("measure", "month", "area_level", "area_code", "establishment_type"),
                      ("arrivals", "guest_nights")),
            ),
            unit_column="establishments", min_units=3,
        ),
    ),
    Mart(
        "tourism_by_nationality", 38, "Khách lưu trú theo quốc tịch", "Guests by nationality",
        "month × nationality (province)",
        SuppressionRule(
            counts=("arrivals", "guest_nights"),
            groups=(_by("month"), _by("month", "guest_origin")),
        ),
    ),
    Mart(
        "lodging_compliance", 38, "Chấp hành thông báo lưu trú đúng hạn",
        "Timeliness of lodging notifications", "month × area × establishment_type",
        SuppressionRule(
            counts=("notifications", "late_notifications"),
            derived={"late_share": ("notifications", "late_notifications")},
            groups=(
                _by("month", "area_level", "parent_code", "establishment_type"),
                _by("month", "area_level", "area_code"),
            ),
            unit_column="establishments", min_units=3,
        ),
    ),
])
LABELS_VI.update({
    "establishment_type": "Loại hình cơ sở lưu trú", "guest_origin": "Nguồn khách",
    "arrivals": "Lượt khách đến", "guest_nights": "Số đêm lưu trú của khách",
    "average_length_of_stay": "Số đêm lưu trú bình quân", "establishments": "Số cơ sở lưu trú",
    "rooms": "Số phòng", "room_nights_available": "Số đêm phòng sẵn có",
    "occupied_room_nights": "Số đêm phòng có khách", "room_occupancy_rate": "Công suất sử dụng phòng",
    "room_occupancy_over_100": "Công suất phòng trên 100 % (sổ đăng ký thiếu phòng)",
    "nationality": "Quốc tịch", "nationality_name": "Tên quốc tịch", "notifications": "Số thông báo lưu trú",
    "late_notifications": "Số thông báo quá hạn (sau 23 giờ)", "late_share": "Tỷ lệ thông báo quá hạn",
})


# --- model 39 (public order and social safety) ---
# Crime data are sensitive personal data (Law 91/2025/QH15): incident counts 1..min_cell-1 are
# suppressed like person counts, with secondary suppression over the ICCS sections of an area
# (they add up to the 'ALL' row) and over the communes of a district and the districts of the
# province. Violations are not person counts, but a plate identifies its owner: a small count in
# a commune, group and vehicle type could single out a vehicle, so violation and vehicle counts
# 1..min_cell-1 are suppressed at every level too (in practice communes and rare district cells;
# province cells are large), with the same secondary suppression over groups, vehicle types and
# areas; fines and paid share of a suppressed cell are suppressed with it.
LABELS_VI.update({
    "iccs_section": "Nhóm tội phạm (ICCS)", "iccs_section_name": "Tên nhóm tội phạm (ICCS)",
    "incidents": "Số vụ việc", "cleared": "Số vụ đã làm rõ",
    "clearance_rate": "Tỷ lệ làm rõ", "rate_per_100k": "Số vụ trên 100.000 dân",
    "violation_group": "Nhóm hành vi vi phạm", "vehicle_type": "Loại phương tiện",
    "violations": "Số vi phạm", "vehicles": "Số phương tiện", "fines_vnd": "Tiền phạt (đồng)",
    "paid_share": "Tỷ lệ đã nộp phạt",
})
MARTS.extend([
    Mart(
        "public_order_monthly", 39, "Vụ việc về trật tự xã hội theo nhóm tội phạm ICCS",
        "Public-order incidents by ICCS section", "month × area × iccs_section",
        SuppressionRule(
            counts=("incidents", "cleared", "population_start"),
            derived={"clearance_rate": ("incidents", "cleared"),
                     "rate_per_100k": ("incidents", "population_start")},
            groups=(
                # sections add up to the area's 'ALL' row
                Group(("measure", "month", "area_level", "area_code"), ("incidents", "cleared")),
                # communes add up to their district, districts to the province
                Group(("measure", "month", "area_level", "parent_code", "iccs_section"),
                      ("incidents", "cleared")),
            ),
        ),
    ),
    Mart(
        "traffic_violations_monthly", 39, "Vi phạm giao thông phát hiện qua camera",
        "Camera-detected traffic violations", "month × area × violation_group × vehicle_type",
        SuppressionRule(
            counts=("violations", "vehicles"),
            derived={"fines_vnd": ("violations",), "paid_share": ("violations",)},
            groups=(
                Group(("measure", "month", "area_level", "area_code", "vehicle_type"),
                      ("violations",)),  # groups add up
                Group(("measure", "month", "area_level", "area_code", "violation_group"),
                      ("violations",)),  # vehicle types add up
                Group(("measure", "month", "area_level", "parent_code", "violation_group",
                       "vehicle_type"), ("violations",)),  # areas add up
            ),
        ),
    ),
])

MART_BY_NAME = {m.name: m for m in MARTS}
