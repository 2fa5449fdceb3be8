"""Source contracts: the SourceContract type and header matching.

One `SourceContract` per extract: the file pattern in the landing folder, the canonical column
names with their Vietnamese labels (either may be used as the header), which columns are
required, and the key that identifies a duplicate. Readers load every column as text into `raw`;
typing and cleaning happen in staging by the rules in `quality/rules.py`.

How a file is read (sources/readers.py). Each file is read once by DuckDB's own reader
(read_csv, read_json, read_parquet) or, for Excel, by calamine straight to Arrow, every value
as text; the checks below look at the head of the file (and DuckDB's reader reports what lies
further down). The bytes must be the contract's format: a CSV file with an .xlsx name, a
workbook with a .csv name, a Word document or a text file with a .parquet name is refused with
that diagnosis. Text formats (CSV, JSON Lines) must be UTF-8; UTF-16 and legacy code pages
(Windows-1258, TCVN3, VNI) are refused: which code page a file is in cannot be known with
certainty, and a wrong guess silently damages names. A header naming the same column twice is
refused; so is a CSV whose lines do not split into the header's fields (each such line is
named; a last line cut short with no line break is a cut delivery). A NUL byte inside a value
is one bad value (clean_text reads control characters as blanks), not a binary file.
Deviations whose repair is certain and lossless are tolerated and recorded per file in
`ops.load_log.read_repairs`:
- `utf8_bom`: a UTF-8 byte-order mark (Excel's "CSV UTF-8" writes one; also before the first
  JSON record);
- `crlf_line_endings`: Windows line endings;
- `delimiter_semicolon`, `delimiter_tab`, `delimiter_vertical_bar`: a CSV delimited otherwise
  than by commas (`;` is Excel's list separator in a Vietnamese locale), recognised because the
  contract's header splits into its columns with that delimiter and with no other;
- `header_on_row_<n>`: the header found on row n instead of the contract's row, when exactly
  one of the first 20 rows holds every required column and the rows above it are titles or
  blank (at most two filled cells);
- `blank_rows_skipped_<n>`: rows whose contract columns are all blank (blank lines, rows of a
  layout, a subheading in a column the contract does not know);
- `unknown_columns_ignored_<n>`, `unknown_keys_ignored_<n>`: columns or JSON keys the contract
  does not know, holding values (a number column "STT", keys an API adds); JSON keys are
  counted in the first records;
- `json_array`: a JSON array of records instead of JSON Lines;
- `sheets_skipped_<n>`: sheets not read: hidden ones, and visible ones without the contract's
  header (instructions, lookup lists); the sheet the contract names (`extra["sheet"]`) is
  read, else the first visible sheet holding the header (with `all_sheets`, every one);
- `column_numbers_row_skipped`: a row of column numbers ((1) (2) (3) …) under the header;
- `notes_below_skipped_<n>`: notes under a table laid out for people (rows after a blank row
  below the data, filling at most one contract column);
- `excel_1904_dates`: serial numbers in the date columns of a workbook that counts dates from
  1904, read as the dates they stand for.
Nested JSON values (objects, arrays) are kept as JSON text and numbers as text; staging judges
them like any other value. The date in a file name places the file (sources/placement.py): no
calendar date, after the run date, before the baseline, or a month apart from every other
monthly extract fails the file by name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Codes:
    """A code list, declared like the header aliases: each code with the ways people write it
    (its Vietnamese label, common spellings, English words). A value is matched by its
    spelling key (quality/rules.sql, `code_key`): case, accents and the Vietnamese đ, spaces,
    underscores and punctuation do not matter, so `Đang điều tra`, `dang dieu tra` and
    `ĐANG ĐIỀU TRA` are one spelling, and `move_in` and `Move-in` another. `read_code(list,
    value)` gives the code, or NULL for a value of no code: staging then rejects the row with a
    reason code or keeps it and counts it (a quality figure that warns), never a silent
    default. Two codes of a list never share a spelling (tests/unit/test_code_lists.py)."""

    name: str  # the list's name in SQL: read_code('<name>', value)
    spellings: tuple[tuple[str, tuple[str, ...]], ...]  # (code, its other spellings)

    @property
    def codes(self) -> list[str]:
        return list(dict.fromkeys(code for code, _ in self.spellings))

    def rows(self) -> list[tuple[str, str, str]]:
        """(list, spelling, code) for every spelling, the code itself included."""
        return [
            (self.name, spelling, code)
            for code, others in self.spellings
            for spelling in (code, *others)
        ]


def codes(name: str, **spellings: tuple[str, ...]) -> Codes:
    return Codes(name, tuple(spellings.items()))


# Shared code lists (sex as the GSO codes 1/2 too; booleans as offices tick them).
SEX = Codes(
    "sex",
    (
        ("Nam", ("1", "M", "male", "man", "trai")),
        ("Nữ", ("2", "F", "female", "woman", "gái")),
    ),
)
BOOL = Codes(
    "bool",
    (
        ("true", ("có", "1", "x", "yes", "y", "đúng", "có tham gia", "đã", "rồi", "✓", "✔")),
        ("false", ("không", "0", "no", "n", "sai", "không tham gia", "chưa")),
        # the paid flag of a fine
        ("true", ("đã nộp", "đã nộp phạt", "paid")),
        ("false", ("chưa nộp", "chưa nộp phạt", "unpaid", "not paid")),
    ),
)


@dataclass(frozen=True)
class Column:
    name: str
    label_vi: str
    required: bool = True
    description: str = ""
    # text | id | code | date | timestamp | number | bool: what the value is (a date column of
    # a workbook that counts dates from 1904 has its serial numbers read as dates)
    kind: str = "text"
    codes: Codes | None = None  # the code list of a coded column


# A contract's columns by kind: name, Vietnamese label, what the value holds.
def text(name: str, label_vi: str, description: str = "", *, required: bool = True) -> Column:
    return Column(name, label_vi, required, description)


def date(name: str, label_vi: str, description: str = "", *, required: bool = True) -> Column:
    return Column(name, label_vi, required, description, kind="date")


def timestamp(name: str, label_vi: str, description: str = "", *, required: bool = True) -> Column:
    return Column(name, label_vi, required, description, kind="timestamp")


def coded(
    name: str, label_vi: str, codes: Codes, description: str = "", *, required: bool = True
) -> Column:
    """A column read through its code list."""
    return Column(name, label_vi, required, description, "code", codes)


def flag(name: str, label_vi: str) -> Column:
    """A yes/no column, read through the BOOL list."""
    return Column(name, label_vi, True, "true / false", "bool", BOOL)


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

    def code_lists(self) -> list[Codes]:
        return [c.codes for c in self.columns if c.codes is not None]

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


# The date in a file name, as a contract's file name template writes it, and its pattern.
PERIODS = {"YYYY-MM-DD": r"\d{4}-\d{2}-\d{2}", "YYYY-MM": r"\d{4}-\d{2}", "YYYY": r"\d{4}"}


def extract(file: str, *columns: Column, **fields) -> SourceContract:
    """The contract of the files named like `file`, `<folder>/<source>[_<period>].<format>`
    (e.g. `lodging/stays_YYYY-MM.jsonl`), with these columns in their order: its folder,
    source, format, the file-name pattern (the period as group 'period') and, for a YYYY-MM
    period, monthly; `fields` gives the rest (grain, key, notes …)."""
    folder, name = file.split("/")
    stem, file_format = name.rsplit(".", 1)
    source, period = re.fullmatch(r"(\w+?)(?:_(YYYY(?:-MM(?:-DD)?)?))?", stem).groups()
    dated = f"_(?P<period>{PERIODS[period]})" if period else ""
    return SourceContract(
        source=source,
        folder=folder,
        pattern=rf"{re.escape(source)}{dated}\.{file_format}",
        file_format=file_format,
        monthly=period == "YYYY-MM",
        columns=columns,
        **fields,
    )


def normalise_header(text: str) -> str:
    """Header matching ignores BOM, Unicode form, case, and runs of spaces/underscores."""
    text = unicodedata.normalize("NFC", text.replace("\ufeff", "")).strip().lower()
    return re.sub(r"[\s_]+", " ", text)
