"""Contracts of the labour-market register (model 37).

Reading: Excel (the header row is found when a title row is missing or added, see
sources/contracts/base.py).
"""

from sources.contracts.base import SEX, SourceContract, coded, codes, date, extract, flag, text

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

LABOUR_STATUS = extract(
    "labour/labour_status_YYYY.xlsx",
    text("person_id", "Số định danh cá nhân", "12-digit personal ID"),
    date(
        "reference_date",
        "Ngày tham chiếu",
        "1 July of the year; an Excel date cell, dd/mm/yyyy text or a serial",
    ),
    coded(
        "sex",
        "Giới tính",
        SEX,
        "as the labour register holds it; the population register wins",
        required=False,
    ),
    date(
        "date_of_birth",
        "Ngày sinh",
        "as the labour register holds it; the population register wins",
        required=False,
    ),
    coded(
        "employment_status",
        "Tình trạng việc làm",
        EMPLOYMENT_STATUS,
        "employed / unemployed / outside (ILO 19th ICLS)",
    ),
    coded(
        "status_in_employment",
        "Vị thế việc làm",
        STATUS_IN_EMPLOYMENT,
        "employee / employer / own_account / contributing_family (employed only)",
    ),
    coded("vsic_section", "Ngành kinh tế (VSIC cấp 1)", VSIC_SECTION, "A–U (employed only)"),
    coded("occupation_code", "Nghề nghiệp (VSCO cấp 1)", OCCUPATION, "1–9, 0 (employed only)"),
    flag("has_social_insurance", "Tham gia BHXH"),
    flag("has_labour_contract", "Có hợp đồng lao động"),
    text("hours_per_week", "Số giờ làm việc/tuần", "usual hours, employed only"),
    flag("in_education", "Đang đi học"),
    text(
        "workplace_commune_code",
        "Mã xã nơi làm việc",
        "5-digit GSO code (old codes in 2024, 2025 codes from 1 July 2025)",
    ),
    header_row=1,  # a title row above the header
    grain="person aged 15+ on the reference date (1 July), yearly update of the labour-market register",
    key=("person_id", "year of the file"),
    notes="Excel with a title row above the Vietnamese header; yearly file labour_status_<YYYY>.xlsx. "
    "A province-scale list (over Excel's 1,048,576 rows) continues on further sheets, each with "
    "the same title row and header; all sheets are read, in order.",
    extra={"all_sheets": True},
)

CONTRACTS: list[SourceContract] = [LABOUR_STATUS]
