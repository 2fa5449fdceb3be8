"""The catalogue's labels: the Vietnamese label of every published column, for the workbooks
and the data dictionary (English column name kept alongside): the columns every model shares,
then each domain's own (domains/<domain>.py, LABELS). The marts themselves are domains.MARTS;
their definitions and sources are in the header of each SQL file."""

from __future__ import annotations

from domains import LABELS_VI as _DOMAIN_LABELS

LABELS_VI: dict[str, str] = {
    "ref_date": "Thời điểm",
    "month": "Tháng",
    "year": "Năm",
    "area_level": "Cấp địa bàn",
    "area_code": "Mã địa bàn",
    "area_name": "Tên địa bàn",
    "parent_code": "Mã địa bàn cấp trên",
    "sex": "Giới tính",
    "age_group": "Nhóm tuổi",
    "population": "Dân số",
    **_DOMAIN_LABELS,
}
