"""Contracts of the national population database extracts (model 36).

Reading: CSV, UTF-8 (a BOM, CRLF, a ';' or tab delimiter and a title row above the header are
tolerated and recorded, see sources/contracts/base.py).
"""

from sources.contracts.base import Column, SourceContract

RESIDENTS = SourceContract(
    source="residents",
    folder="population",
    pattern=r"residents_(?P<period>\d{4}-\d{2}-\d{2})\.csv",
    file_format="csv",
    grain="person (baseline snapshot of the national population database)",
    key=("person_id",),
    columns=(
        Column("person_id", "Số định danh cá nhân", description="12-digit personal ID"),
        Column("full_name", "Họ và tên", description="dropped in staging"),
        Column("sex", "Giới tính", description="Nam/Nữ (1/2, M/F and case variants repaired)"),
        Column(
            "date_of_birth",
            "Ngày sinh",
            description="dd/mm/yyyy (other formats repaired)",
            kind="date",
        ),
        Column("ethnicity_code", "Mã dân tộc", description="GSO two-digit code, 01 Kinh"),
        Column("religion", "Tôn giáo"),
        Column("nationality", "Quốc tịch", description="ISO 3166 alpha-3"),
        Column("household_id", "Số hộ khẩu", description="household number, text"),
        Column("relation_to_head", "Quan hệ với chủ hộ"),
        Column("marital_status", "Tình trạng hôn nhân"),
        Column("education_level", "Trình độ học vấn"),
        Column("commune_code", "Mã xã nơi cư trú", description="5-digit GSO commune code"),
        Column("residence_type", "Loại cư trú", description="thường trú / tạm trú"),
        Column("status", "Trạng thái", description="alive / deceased"),
    ),
)

EVENTS = SourceContract(
    source="events",
    folder="population",
    pattern=r"events_(?P<period>\d{4}-\d{2})\.csv",
    file_format="csv",
    grain="population event (birth, death, move_in, move_out, internal_move)",
    key=("event_id",),
    monthly=True,
    columns=(
        Column("event_id", "Mã sự kiện"),
        Column("event_type", "Loại sự kiện"),
        Column("person_id", "Số định danh cá nhân"),
        Column("event_date", "Ngày xảy ra", kind="date"),
        Column("registered_date", "Ngày đăng ký", kind="date"),
        Column("commune_code", "Mã xã"),
        Column("from_commune_code", "Mã xã đi", required=False),
        Column("to_commune_code", "Mã xã đến", required=False),
        Column("sex", "Giới tính", required=False),
        Column("date_of_birth", "Ngày sinh", required=False, kind="date"),
        Column("mother_id", "Số định danh của mẹ", required=False),
    ),
)


CONTRACTS: list[SourceContract] = [RESIDENTS, EVENTS]
