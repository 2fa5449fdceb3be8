"""The words and number formats every published page shares: the perturbation note (in the
words ONS and ABS use for the cell key method), the symbols, the source line, Vietnamese
number formatting and the one markdown table helper."""

from __future__ import annotations

from tabulate import tabulate

PLOTLY_JS = "plotly.min.js"  # one shared copy beside the reports (offline)
NOTHING = "-"  # no figure: no such unit in the period, or a rate without a denominator
SMALL_MARK = "*"  # a rate on a small base (reporting.yearbook.SmallBase)
PRELIMINARY = "Sơ bộ / Prel."

FOOTNOTE_PERTURBED = (
    "Số liệu đã được điều chỉnh ngẫu nhiên ở mức nhỏ để bảo vệ dữ liệu cá nhân (phương pháp khóa "
    "ô): mỗi số đếm chênh lệch tối đa ±3 so với số thực, không công bố giá trị 1 và 2; cùng một "
    "nhóm người luôn có cùng một số ở mọi biểu, nhưng tổng có thể không bằng cộng các thành phần "
    "(bảng không cộng dồn); các tỷ lệ được tính từ số đã điều chỉnh."
)
FOOTNOTE_PERTURBED_EN = (
    "Figures have been randomly adjusted by small amounts to protect personal data (cell key "
    "method): each count differs from the true count by at most 3, values of 1 and 2 are never "
    "shown, and the same group of people always has the same figure in every table, but totals "
    "may not equal the sum of their parts (tables are not additive); rates are computed from the "
    "adjusted counts."
)
FOOTNOTE_DASH = "-: không có số liệu / không tính được"
FOOTNOTE_DASH_EN = "-: no figure / cannot be computed"
FOOTNOTE_PRELIMINARY = (
    "Sơ bộ: số liệu năm gần nhất có thể thay đổi khi các biến động đăng ký muộn được chuyển đến. "
    "/ Prel.: the latest year's figures may change when late registrations arrive."
)
SOURCE_VI = "Nguồn: Cơ sở dữ liệu quốc gia về dân cư và các cơ sở dữ liệu liên thông (Đề án 06)"
SOURCE_EN = "Source: national population database and the databases linked to it (Project 06)"
# the printed footer of every page: a page torn out of a yearbook still says what it holds
FOOTER_PROTECTED = "Số liệu bảo vệ bằng phương pháp khóa ô, bảng không cộng dồn / cell key method"


def bilingual(vi: str, en: str) -> str:
    """'Vietnamese / English' (the Vietnamese alone when both are the same)."""
    return vi if not en or en == vi else f"{vi} / {en}"


def vn_number(v: float, decimals: int = 0) -> str:
    """1234567.8 → '1.234.567,8' (Vietnamese: '.' groups thousands, ',' is the decimal mark)."""
    text = f"{v:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def md_table(header: list[str], rows) -> str:
    """A markdown (GitHub) table, e.g. for Dagster metadata. Values are shown as they are (no
    number parsing: a code such as '052' stays '052'); None is an empty cell."""
    return tabulate(list(rows), headers=header, tablefmt="github", disable_numparse=True)
