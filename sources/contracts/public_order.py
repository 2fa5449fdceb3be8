"""Contracts of the police incident log and camera traffic violations (model 39).

Reading: CSV and Parquet (CSV deviations tolerated as listed in sources/contracts/base.py).
"""

from sources.admin_units import REFORM_DATE
from sources.contracts.base import SourceContract, coded, codes, extract, flag, text, timestamp

INCIDENT_STATUS = codes(
    "incidents.status",
    under_investigation=(
        "đang điều tra",
        "đang điều tra xác minh",
        "đang xác minh",
        "chưa làm rõ",
        "chưa khám phá",
        "under investigation",
        "investigating",
    ),
    cleared=("đã làm rõ", "đã điều tra làm rõ", "làm rõ", "đã khám phá", "solved"),
)

INCIDENTS = extract(
    "public_order/incidents_YYYY-MM.csv",
    text("incident_id", "Mã vụ việc"),
    timestamp("occurred_at", "Thời điểm xảy ra", "yyyy-mm-dd HH:MM:SS, local time"),
    timestamp("reported_at", "Thời điểm tiếp nhận", "yyyy-mm-dd HH:MM:SS, local time"),
    text(
        "commune_code",
        "Mã xã xảy ra",
        f"5-digit GSO code: old codes before {REFORM_DATE}, 2025 codes after",
    ),
    text("category_code", "Mã tội danh", "HS<article of the 2015 Penal Code> or KHAC"),
    text("category_name", "Tên tội danh", required=False),
    coded("status", "Tình trạng", INCIDENT_STATUS, "under_investigation / cleared"),
    timestamp("cleared_at", "Thời điểm làm rõ", required=False),
    text("persons_involved", "Số người liên quan", required=False),
    grain="incident of the police log (one row per incident, file = month reported)",
    key=("incident_id",),
    notes="category_code is 'HS' + the article of the 2015 Penal Code (KHAC: other); an article "
    "missing from sources/reference/penal_code_iccs.csv is kept in ICCS section 11.",
)

VEHICLE_TYPE = codes(
    "traffic_violations.vehicle_type",
    motorbike=("xe máy", "xe mô tô", "mô tô", "xe gắn máy", "motorcycle", "motor bike"),
    car=("ô tô", "xe ô tô", "ô tô con", "xe con", "xe hơi"),
    truck=("xe tải", "ô tô tải", "xe ô tô tải"),
    bus=("xe buýt", "xe bus", "ô tô khách", "xe ô tô khách", "xe khách", "coach"),
)

TRAFFIC_VIOLATIONS = extract(
    "public_order/traffic_violations_YYYY-MM.parquet",
    text("violation_id", "Mã vi phạm"),
    timestamp("detected_at", "Thời điểm phát hiện", "timestamp, local time"),
    text("commune_code", "Mã xã", "5-digit GSO code at the detection date"),
    text("plate", "Biển số xe", "Vietnamese plate, e.g. 77A-123.45, 77-B1 234.56"),
    coded("vehicle_type", "Loại phương tiện", VEHICLE_TYPE, "motorbike / car / truck / bus"),
    text(
        "violation_code",
        "Mã hành vi vi phạm",
        "TOC_DO, DEN_DO, LAN_DUONG, DUNG_DO, MU_BAO_HIEM, NONG_DO_CON, QUA_TAI",
    ),
    text("fine_vnd", "Số tiền phạt (đồng)", "fine in VND (Decree 168/2024 from 2025)"),
    flag("paid", "Đã nộp phạt"),
    grain="traffic violation detected by a camera (file = month detected)",
    key=("violation_id",),
    notes="violation_code outside the code list is kept in the group 'other'.",
)

CONTRACTS: list[SourceContract] = [INCIDENTS, TRAFFIC_VIOLATIONS]
