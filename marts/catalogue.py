"""The mart catalogue: every published mart, its grain, its SQL file, its Vietnamese labels and
its protection (the cell key method, protection/). The analysts' contract: names and columns are fixed by the design.
Indicator definitions and sources are in the header of each SQL file.

Each domain declares its own marts and labels (`domains/<domain>.py`); this module keeps
the labels every model shares and gives the assembled catalogue under its usual names."""

from __future__ import annotations

from domains import LABELS_VI as _DOMAIN_LABELS
from domains import MARTS, MODELS
from domains.base import Mart

__all__ = ["LABELS_VI", "MARTS", "MODELS", "Mart"]

# Vietnamese labels for the Excel workbooks (English column name kept alongside): the columns
# every model shares, then each domain's own (domains/<domain>.py, LABELS).
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
