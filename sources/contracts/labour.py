"""Contracts of the labour-market register (model 37).

Reading: Excel (the header row is found when a title row is missing or added, see
sources/contracts/base.py).
"""

from sources.contracts.base import BOOL, SEX, Column, SourceContract, codes

EMPLOYMENT_STATUS = codes(
    "labour_status.employment_status",
    employed=("có việc làm", "đang có việc làm", "đang làm việc", "có việc"),
    unemployed=("thất nghiệp", "đang thất nghiệp"),
    outside=(
        "ngoài lực lượng lao động",
        "ngoài LLLĐ",
        "không tham gia lực lượng lao động",
        "không hoạt động kinh tế",
        "outside the labour force",
        "outside labour force",
        "inactive",
    ),
)
STATUS_IN_EMPLOYMENT = codes(
    "labour_status.status_in_employment",
    employee=(
        "làm công ăn lương",
        "lao động làm công",
        "người làm công",
        "làm công",
        "wage worker",
    ),
    employer=(
        "chủ cơ sở",
        "chủ cơ sở sản xuất kinh doanh",
        "chủ cơ sở SXKD",
        "người sử dụng lao động",
    ),
    own_account=(
        "tự làm",
        "lao động tự làm",
        "tự làm không thuê lao động",
        "own account worker",
        "self employed",
    ),
    contributing_family=(
        "lao động gia đình",
        "lao động gia đình không hưởng lương",
        "contributing family worker",
        "family worker",
    ),
)
VSIC_SECTION = codes(
    "labour_status.vsic_section", **{s: (f"ngành {s}",) for s in "ABCDEFGHIJKLMNOPQRSTU"}
)
OCCUPATION = codes("labour_status.occupation_code", **{d: (f"0{d}",) for d in "1234567890"})

LABOUR_STATUS = SourceContract(
    source="labour_status",
    folder="labour",
    pattern=r"labour_status_(?P<period>\d{4})\.xlsx",
    file_format="xlsx",
    header_row=1,  # a title row above the header
    grain="person aged 15+ on the reference date (1 July), yearly update of the labour-market register",
    key=("person_id", "year of the file"),
    columns=(
        Column("person_id", "Số định danh cá nhân", description="12-digit personal ID"),
        Column(
            "reference_date",
            "Ngày tham chiếu",
            description="1 July of the year; an Excel date cell, dd/mm/yyyy text or a serial",
            kind="date",
        ),
        Column(
            "sex",
            "Giới tính",
            required=False,
            description="as the labour register holds it; the population register wins",
            kind="code",
            codes=SEX,
        ),
        Column(
            "date_of_birth",
            "Ngày sinh",
            required=False,
            description="as the labour register holds it; the population register wins",
            kind="date",
        ),
        Column(
            "employment_status",
            "Tình trạng việc làm",
            description="employed / unemployed / outside (ILO 19th ICLS)",
            kind="code",
            codes=EMPLOYMENT_STATUS,
        ),
        Column(
            "status_in_employment",
            "Vị thế việc làm",
            description="employee / employer / own_account / contributing_family (employed only)",
            kind="code",
            codes=STATUS_IN_EMPLOYMENT,
        ),
        Column(
            "vsic_section",
            "Ngành kinh tế (VSIC cấp 1)",
            description="A–U (employed only)",
            kind="code",
            codes=VSIC_SECTION,
        ),
        Column(
            "occupation_code",
            "Nghề nghiệp (VSCO cấp 1)",
            description="1–9, 0 (employed only)",
            kind="code",
            codes=OCCUPATION,
        ),
        Column(
            "has_social_insurance",
            "Tham gia BHXH",
            description="true / false",
            kind="bool",
            codes=BOOL,
        ),
        Column(
            "has_labour_contract",
            "Có hợp đồng lao động",
            description="true / false",
            kind="bool",
            codes=BOOL,
        ),
        Column("hours_per_week", "Số giờ làm việc/tuần", description="usual hours, employed only"),
        Column("in_education", "Đang đi học", description="true / false", kind="bool", codes=BOOL),
        Column(
            "workplace_commune_code",
            "Mã xã nơi làm việc",
            description="5-digit GSO code (old codes in 2024, 2025 codes from 1 July 2025)",
        ),
    ),
    notes="Excel with a title row above the Vietnamese header; yearly file labour_status_<YYYY>.xlsx. "
    "A province-scale list (over Excel's 1,048,576 rows) continues on further sheets, each with "
    "the same title row and header; all sheets are read, in order.",
    extra={"all_sheets": True},
)

CONTRACTS: list[SourceContract] = [LABOUR_STATUS]
