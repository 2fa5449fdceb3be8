"""Source contracts: what each landing extract must look like.

One `SourceContract` per extract: the file pattern in the landing folder, the canonical column
names with their Vietnamese labels (either may be used as the header), which columns are
required, and the key that identifies a duplicate. Readers load every column as text into `raw`;
typing and cleaning happen in staging by the rules in `quality/rules.py`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    label_vi: str
    required: bool = True
    description: str = ""


@dataclass(frozen=True)
class SourceContract:
    source: str  # short name, also the raw/staging table name
    folder: str  # sub-folder of the landing folder
    pattern: str  # regex of the file name; group 'period' is the date or month in the name
    file_format: str  # csv | xlsx | jsonl | parquet
    grain: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    monthly: bool = False
    header_row: int = 0  # Excel: rows above the header (a title row)
    notes: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def vietnamese_header(self) -> list[str]:
        return [c.label_vi for c in self.columns]

    def alias_map(self) -> dict[str, str]:
        """Normalised header (canonical or Vietnamese, any case/spacing/Unicode form) → name."""
        out: dict[str, str] = {}
        for c in self.columns:
            out[normalise_header(c.name)] = c.name
            out[normalise_header(c.label_vi)] = c.name
        return out

    def match(self, file_name: str) -> re.Match | None:
        return re.fullmatch(self.pattern, file_name)


def normalise_header(text: str) -> str:
    """Header matching ignores BOM, Unicode form, case, and runs of spaces/underscores."""
    text = unicodedata.normalize("NFC", text.replace("\ufeff", "")).strip().lower()
    return re.sub(r"[\s_]+", " ", text)


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
        Column("date_of_birth", "Ngày sinh", description="dd/mm/yyyy (other formats repaired)"),
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
        Column("event_date", "Ngày xảy ra"),
        Column("registered_date", "Ngày đăng ký"),
        Column("commune_code", "Mã xã"),
        Column("from_commune_code", "Mã xã đi", required=False),
        Column("to_commune_code", "Mã xã đến", required=False),
        Column("sex", "Giới tính", required=False),
        Column("date_of_birth", "Ngày sinh", required=False),
        Column("mother_id", "Số định danh của mẹ", required=False),
    ),
)

CONTRACTS = {c.source: c for c in (RESIDENTS, EVENTS)}
