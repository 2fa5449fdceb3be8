"""Contracts of the national population database extracts (model 36).

Reading: CSV, UTF-8 (a BOM, CRLF, a ';' or tab delimiter and a title row above the header are
tolerated and recorded, see sources/contracts/base.py).
"""

from sources.contracts.base import SEX, Column, SourceContract, codes

RELATION_TO_HEAD = codes(
    "residents.relation_to_head",
    **{
        "chủ hộ": ("chủ hộ gia đình", "head", "head of household", "household head"),
        "vợ": ("wife",),
        "chồng": ("husband",),
        "con": ("con đẻ", "con ruột", "con nuôi", "child", "son", "daughter"),
        "cha": ("bố", "ba", "father"),
        "mẹ": ("má", "mother"),
        "cháu": ("cháu nội", "cháu ngoại", "grandchild"),
        "khác": ("other", "quan hệ khác"),
    },
)
MARITAL_STATUS = codes(
    "residents.marital_status",
    **{
        "chưa kết hôn": (
            "chưa có vợ/chồng",
            "chưa vợ/chồng",
            "độc thân",
            "single",
            "never married",
        ),
        "có vợ/chồng": ("có vợ", "có chồng", "đã kết hôn", "đã có vợ/chồng", "married"),
        "góa": ("góa vợ", "góa chồng", "góa vợ/chồng", "widowed"),
        "ly hôn": ("đã ly hôn", "divorced"),
    },
)
EDUCATION_LEVEL = codes(
    "residents.education_level",
    **{
        "chưa đi học": ("chưa từng đi học", "không đi học", "never attended", "none"),
        "tiểu học": ("cấp 1", "cấp I", "primary"),
        "THCS": ("trung học cơ sở", "cấp 2", "cấp II", "lower secondary"),
        "THPT": ("trung học phổ thông", "cấp 3", "cấp III", "upper secondary"),
        "trung cấp": ("trung cấp chuyên nghiệp", "trung cấp nghề", "vocational"),
        "cao đẳng": ("college",),
        "đại học": ("cử nhân", "university", "bachelor"),
        "sau đại học": ("thạc sĩ", "tiến sĩ", "postgraduate", "master", "doctorate"),
    },
)
RESIDENCE_TYPE = codes(
    "residents.residence_type",
    **{
        "thường trú": ("đăng ký thường trú", "permanent"),
        "tạm trú": ("đăng ký tạm trú", "temporary"),
    },
)
RESIDENT_STATUS = codes(
    "residents.status",
    alive=("còn sống", "sống", "đang sống", "living"),
    deceased=("đã chết", "chết", "đã mất", "mất", "tử vong", "đã tử vong", "dead", "died"),
)
EVENT_TYPE = codes(
    "events.event_type",
    birth=("sinh", "khai sinh", "đăng ký khai sinh", "sinh ra"),
    death=("chết", "tử vong", "khai tử", "đăng ký khai tử", "mất"),
    move_in=("chuyển đến", "di chuyển đến", "in migration", "immigration"),
    move_out=("chuyển đi", "di chuyển đi", "out migration", "emigration"),
    internal_move=("chuyển nội bộ", "di chuyển nội bộ", "internal", "internal migration"),
)

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
        Column(
            "sex",
            "Giới tính",
            description="Nam/Nữ (1/2, M/F and case variants repaired)",
            kind="code",
            codes=SEX,
        ),
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
        Column("relation_to_head", "Quan hệ với chủ hộ", kind="code", codes=RELATION_TO_HEAD),
        Column("marital_status", "Tình trạng hôn nhân", kind="code", codes=MARITAL_STATUS),
        Column("education_level", "Trình độ học vấn", kind="code", codes=EDUCATION_LEVEL),
        Column("commune_code", "Mã xã nơi cư trú", description="5-digit GSO commune code"),
        Column(
            "residence_type",
            "Loại cư trú",
            description="thường trú / tạm trú",
            kind="code",
            codes=RESIDENCE_TYPE,
        ),
        Column(
            "status",
            "Trạng thái",
            description="alive / deceased",
            kind="code",
            codes=RESIDENT_STATUS,
        ),
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
        Column("event_type", "Loại sự kiện", kind="code", codes=EVENT_TYPE),
        Column("person_id", "Số định danh cá nhân"),
        Column("event_date", "Ngày xảy ra", kind="date"),
        Column("registered_date", "Ngày đăng ký", kind="date"),
        Column("commune_code", "Mã xã"),
        Column("from_commune_code", "Mã xã đi", required=False),
        Column("to_commune_code", "Mã xã đến", required=False),
        Column("sex", "Giới tính", required=False, kind="code", codes=SEX),
        Column("date_of_birth", "Ngày sinh", required=False, kind="date"),
        Column("mother_id", "Số định danh của mẹ", required=False),
    ),
)


CONTRACTS: list[SourceContract] = [RESIDENTS, EVENTS]
