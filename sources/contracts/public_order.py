"""Contracts of the police incident log and camera traffic violations (model 39).

Reading: CSV and Parquet (CSV deviations tolerated as listed in sources/contracts/base.py).
"""

from sources.admin_units import REFORM_DATE
from sources.contracts.base import BOOL, Column, SourceContract, codes

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
VEHICLE_TYPE = codes(
    "traffic_violations.vehicle_type",
    motorbike=("xe máy", "xe mô tô", "mô tô", "xe gắn máy", "motorcycle", "motor bike"),
    car=("ô tô", "xe ô tô", "ô tô con", "xe con", "xe hơi"),
    truck=("xe tải", "ô tô tải", "xe ô tô tải"),
    bus=("xe buýt", "xe bus", "ô tô khách", "xe ô tô khách", "xe khách", "coach"),
)

INCIDENTS = SourceContract(
    source="incidents",
    folder="public_order",
    pattern=r"incidents_(?P<period>\d{4}-\d{2})\.csv",
    file_format="csv",
    grain="incident of the police log (one row per incident, file = month reported)",
    key=("incident_id",),
    monthly=True,
    notes="category_code is 'HS' + the article of the 2015 Penal Code (KHAC: other); an article "
    "missing from sources/reference/penal_code_iccs.csv is kept in ICCS section 11.",
    columns=(
        Column("incident_id", "Mã vụ việc"),
        Column(
            "occurred_at",
            "Thời điểm xảy ra",
            description="yyyy-mm-dd HH:MM:SS, local time",
            kind="timestamp",
        ),
        Column(
            "reported_at",
            "Thời điểm tiếp nhận",
            description="yyyy-mm-dd HH:MM:SS, local time",
            kind="timestamp",
        ),
        Column(
            "commune_code",
            "Mã xã xảy ra",
            description=f"5-digit GSO code: old codes before {REFORM_DATE}, 2025 codes after",
        ),
        Column(
            "category_code", "Mã tội danh", description="HS<article of the 2015 Penal Code> or KHAC"
        ),
        Column("category_name", "Tên tội danh", required=False),
        Column(
            "status",
            "Tình trạng",
            description="under_investigation / cleared",
            kind="code",
            codes=INCIDENT_STATUS,
        ),
        Column("cleared_at", "Thời điểm làm rõ", required=False, kind="timestamp"),
        Column("persons_involved", "Số người liên quan", required=False),
    ),
)

TRAFFIC_VIOLATIONS = SourceContract(
    source="traffic_violations",
    folder="public_order",
    pattern=r"traffic_violations_(?P<period>\d{4}-\d{2})\.parquet",
    file_format="parquet",
    grain="traffic violation detected by a camera (file = month detected)",
    key=("violation_id",),
    monthly=True,
    notes="violation_code outside the code list is kept in the group 'other'.",
    columns=(
        Column("violation_id", "Mã vi phạm"),
        Column(
            "detected_at",
            "Thời điểm phát hiện",
            description="timestamp, local time",
            kind="timestamp",
        ),
        Column("commune_code", "Mã xã", description="5-digit GSO code at the detection date"),
        Column(
            "plate", "Biển số xe", description="Vietnamese plate, e.g. 77A-123.45, 77-B1 234.56"
        ),
        Column(
            "vehicle_type",
            "Loại phương tiện",
            description="motorbike / car / truck / bus",
            kind="code",
            codes=VEHICLE_TYPE,
        ),
        Column(
            "violation_code",
            "Mã hành vi vi phạm",
            description="TOC_DO, DEN_DO, LAN_DUONG, DUNG_DO, MU_BAO_HIEM, NONG_DO_CON, QUA_TAI",
        ),
        Column(
            "fine_vnd", "Số tiền phạt (đồng)", description="fine in VND (Decree 168/2024 from 2025)"
        ),
        Column("paid", "Đã nộp phạt", description="true / false", kind="bool", codes=BOOL),
    ),
)

CONTRACTS: list[SourceContract] = [INCIDENTS, TRAFFIC_VIOLATIONS]
