"""The mart catalogue: every published mart, its grain, its SQL file, its Vietnamese labels and
its disclosure-control rule. The analysts' contract: names and columns are fixed by the design.
Indicator definitions and sources are in the header of each SQL file.

Each domain declares its own marts, links and labels (`domains/<domain>.py`); this module keeps
the labels every model shares and gives the assembled catalogue under its usual names."""

from __future__ import annotations

from domains import LABELS_VI as _DOMAIN_LABELS
from domains import LINKS, MARTS, MODELS
from domains.base import Mart

__all__ = ["LABELS_VI", "LINKS", "MARTS", "MODELS", "Mart"]

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


# --- disclosure rules (the Protection of each Mart(...) in domains/<domain>.py) -----------------
# Person counts are protected wherever they are small. Counts of events are protected only where
# a cell can point at a person (the README gives the rule): incidents of the violent and sexual
# ICCS sections (01 acts leading to death, 02 acts causing harm, 03 sexual acts) and an area's
# total of incidents in a 2025 commune; a commune's small counts of guests' stays in a month;
# guests of a nationality in a month (a rare nationality points at a guest). Other incidents and
# camera violations never (a count of thefts or of speeding vehicles names no one). Never at
# province level.
