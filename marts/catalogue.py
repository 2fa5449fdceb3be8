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

# --- model 38 (tourism through lodging) ---

# --- model 39 (public order and social safety) ---

MART_BY_NAME = {m.name: m for m in MARTS}
