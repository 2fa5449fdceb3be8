"""Contracts of the national population database extracts (model 36).

Reading: CSV, UTF-8 (a BOM, CRLF, a ';' or tab delimiter and a title row above the header are
tolerated and recorded, see sources/contracts/base.py).
"""

from sources.contracts.base import SEX, SourceContract, coded, codes, date, extract, text

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

RESIDENTS = extract(
    "population/residents_YYYY-MM-DD.csv",
    text("person_id", "Số định danh cá nhân", "12-digit personal ID"),
    text("full_name", "Họ và tên", "dropped in staging"),
    coded("sex", "Giới tính", SEX, "Nam/Nữ (1/2, M/F and case variants repaired)"),
    date("date_of_birth", "Ngày sinh", "dd/mm/yyyy (other formats repaired)"),
    text("ethnicity_code", "Mã dân tộc", "GSO two-digit code, 01 Kinh"),
    text("religion", "Tôn giáo"),
    text("nationality", "Quốc tịch", "ISO 3166 alpha-3"),
    text("household_id", "Số hộ khẩu", "household number, text"),
    coded("relation_to_head", "Quan hệ với chủ hộ", RELATION_TO_HEAD),
    coded("marital_status", "Tình trạng hôn nhân", MARITAL_STATUS),
    coded("education_level", "Trình độ học vấn", EDUCATION_LEVEL),
    text("commune_code", "Mã xã nơi cư trú", "5-digit GSO commune code"),
    coded("residence_type", "Loại cư trú", RESIDENCE_TYPE, "thường trú / tạm trú"),
    coded("status", "Trạng thái", RESIDENT_STATUS, "alive / deceased"),
    grain="person (baseline snapshot of the national population database)",
    key=("person_id",),
)

EVENT_TYPE = codes(
    "events.event_type",
    birth=("sinh", "khai sinh", "đăng ký khai sinh", "sinh ra"),
    death=("chết", "tử vong", "khai tử", "đăng ký khai tử", "mất"),
    move_in=("chuyển đến", "di chuyển đến", "in migration", "immigration"),
    move_out=("chuyển đi", "di chuyển đi", "out migration", "emigration"),
    internal_move=("chuyển nội bộ", "di chuyển nội bộ", "internal", "internal migration"),
)

EVENTS = extract(
    "population/events_YYYY-MM.csv",
    text("event_id", "Mã sự kiện"),
    coded("event_type", "Loại sự kiện", EVENT_TYPE),
    text("person_id", "Số định danh cá nhân"),
    date("event_date", "Ngày xảy ra"),
    date("registered_date", "Ngày đăng ký"),
    text("commune_code", "Mã xã"),
    text("from_commune_code", "Mã xã đi", required=False),
    text("to_commune_code", "Mã xã đến", required=False),
    coded("sex", "Giới tính", SEX, required=False),
    date("date_of_birth", "Ngày sinh", required=False),
    text("mother_id", "Số định danh của mẹ", required=False),
    grain="population event (birth, death, move_in, move_out, internal_move)",
    key=("event_id",),
)


CONTRACTS: list[SourceContract] = [RESIDENTS, EVENTS]
