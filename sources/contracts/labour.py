"""Contracts of the labour-market register (model 37).

Reading: Excel (the header row is found when a title row is missing or added, see
sources/contracts/base.py).
"""

from sources.contracts.base import Column, SourceContract

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
        ),
        Column(
            "status_in_employment",
            "Vị thế việc làm",
            description="employee / employer / own_account / contributing_family (employed only)",
        ),
        Column("vsic_section", "Ngành kinh tế (VSIC cấp 1)", description="A–U (employed only)"),
        Column("occupation_code", "Nghề nghiệp (VSCO cấp 1)", description="1–9, 0 (employed only)"),
        Column("has_social_insurance", "Tham gia BHXH", description="true / false"),
        Column("has_labour_contract", "Có hợp đồng lao động", description="true / false"),
        Column("hours_per_week", "Số giờ làm việc/tuần", description="usual hours, employed only"),
        Column("in_education", "Đang đi học", description="true / false"),
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
