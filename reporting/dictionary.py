"""The data dictionary: one row per published column — its table, name, Vietnamese and
English label, unit, definition with the standard it follows, and how it is protected.

It is generated, so it cannot drift from what is published:
- the columns are those of the published marts.duckdb (information_schema);
- labels and units are the domains' declarations (`Label`, passed in by the caller);
- definitions come from the header of each mart's SQL file (`sql_header`): the entry that
  defines the column (`col: …`, `col = …`, `a, b: …`, or the aligned `col   text` form), else
  the label's declared definition (keys and names no header defines), else the header's
  sentence that names the column;
- the standard is the one cited in that definition (UN DESA, ILO 19th ICLS, IRTS 2008,
  ICCS …), else the one cited in the mart's introduction;
- protection is `Perturbation.how(column)` of the mart's declaration.

A column with no label or no definition is reported by `missing` (a test fails on it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

SQL_DIR = Path(__file__).resolve().parent.parent / "marts"
COLUMNS = (
    "table_name",
    "table_title",
    "column_name",
    "data_type",
    "label_vi",
    "label_en",
    "unit",
    "definition",
    "standard",
    "protection",
)
# The standards the SQL headers cite, as the dictionary names them.
STANDARDS = (
    (r"UN DESA|Principles and Recommendations", "UN DESA"),
    (r"Manual III", "UN Manual III (1956)"),
    (r"19th ICLS|ICLS 19", "ILO 19th ICLS (2013)"),
    (r"17th ICLS", "ILO 17th ICLS (2003)"),
    (r"21st ICLS", "ILO 21st ICLS (2023)"),
    (r"\bILO\b(?! 1\d| 2\d)", "ILO"),
    (r"SDG 8\.6\.1", "SDG 8.6.1"),
    (r"IRTS 2008", "IRTS 2008 (UN)"),
    (r"Eurostat", "Eurostat"),
    (r"\bICCS\b", "ICCS v1.0 (UNODC 2015)"),
    (r"\bUNODC\b(?! 2015)", "UNODC"),
    (r"VSIC 2018", "VSIC 2018"),
    (r"VSCO 2008", "VSCO 2008"),
    (r"ISO 3166", "ISO 3166"),
    (r"\bGSO\b|TCTK", "GSO (Tổng cục Thống kê)"),
    (r"Decree \d+/\d+/NĐ-CP", "Decrees on traffic fines"),
    (r"Law on Residence", "Law on Residence 2020"),
    (r"vietnamadminunits", "vietnamadminunits (GSO unit codes)"),
)
_TERM = r"[a-z][a-z0-9_]*"
_TERMS = rf"{_TERM}(?:\s*(?:,|/)\s*{_TERM})*"
_ENTRY = re.compile(rf"({_TERMS})(\s*\([^)]*\))?(\s*[:=]\s*|\s{{2,}}|\s(?=[A-Z]))")
_SUBTERM = re.compile(rf"(?:^|(?<=[.;])\s+)({_TERMS})\s*(?:\([^)]*\))?\s*([:=])\s*")


@dataclass(frozen=True)
class Label:
    """How a column is labelled wherever it is published: Vietnamese and English label, unit,
    and a definition for columns no SQL header defines (keys, names)."""

    vi: str
    en: str
    unit: str
    definition: str = ""


@dataclass(frozen=True)
class TableDoc:
    """A published table as the dictionary describes it: its SQL file (whose header defines
    its columns; None for tables built by the publication itself) and how a column is
    protected."""

    name: str
    title_vi: str
    title_en: str
    how: Callable[[str], str]
    sql: Path | None = None
    labels: dict[str, Label] = field(default_factory=dict)  # this table's own columns


@dataclass
class Entry:
    """One entry of a SQL header: the columns it defines as terms (none for prose) and its
    text after them."""

    terms: tuple[str, ...]
    text: str
    sep: str = ":"  # ':' for a definition, '=' for a formula


@dataclass
class Header:
    """A SQL file's header: the introduction (before the first column entry) and its entries."""

    intro: str
    entries: list[Entry]

    def defined(self, column: str) -> str:
        """The definition the header gives the column as a term ('col: …', 'a, b = …', the
        aligned 'col    text', or a term inside another entry after '.' or ';'), or ''."""
        for e in self.entries:
            if column in e.terms:
                body = _SUBTERM.split(e.text, maxsplit=1)[0].strip().rstrip(";").strip()
                return f"{column} = {body}" if e.sep == "=" else body
        for e in self.entries:
            starts = list(_SUBTERM.finditer(e.text))
            for i, m in enumerate(starts):
                if m.start() > 0 and column in _split(m.group(1)):
                    end = starts[i + 1].start() if i + 1 < len(starts) else len(e.text)
                    body = e.text[m.end() : end].strip().rstrip(";").strip()
                    return f"{column} = {body}" if m.group(2) == "=" else body
        return ""

    def mentioned(self, column: str) -> str:
        """The first sentence of the header that names the column, or ''."""
        word = re.compile(rf"(?<![\w<]){re.escape(column)}(?!\w)")
        texts = [self.intro] + [
            f"{', '.join(e.terms)}{' =' if e.sep == '=' else ':'} {e.text}" if e.terms else e.text
            for e in self.entries
        ]
        for text in texts:
            for sentence in _SENTENCE.split(text):
                if word.search(sentence):
                    return sentence.strip()
        return ""


_SENTENCE = re.compile(r"(?<=[.])(?<!e\.g\.)(?<!i\.e\.)(?<!Rev\.)(?<!art\.)(?<!No\.)\s+(?=[\w'(])")


def _split(terms: str) -> list[str]:
    return [t.strip() for t in re.split(r"\s*(?:,|/)\s*", terms)]


def sql_header(path: Path, columns: list[str]) -> Header:
    """Read the comment block at the top of a SQL file into its introduction and entries.

    An entry starts at a line naming some of `columns` as terms: `col: …`, `a, b: …`,
    `col = …`, or the aligned form `  col    text` (two spaces or more, or one space within a
    block of aligned entries); or at an unindented line that starts with a capital or with a
    column's name. Every other line continues the entry before it."""
    known = set(columns)
    lines: list[tuple[tuple[str, ...], str, str, bool]] = []  # terms, sep, text, aligned
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.startswith("--"):
            break
        body = raw[2:]
        body = body[1:] if body.startswith(" ") else body
        stripped = body.strip()
        if not stripped:
            lines.append(((), ":", "", False))
            continue
        indent = len(body) - len(body.lstrip(" "))
        m = _ENTRY.match(stripped)
        terms = tuple(_split(m.group(1))) if m else ()
        if m and indent <= 4 and terms and all(t in known for t in terms):
            rest = stripped[m.end() :]
            sep = m.group(3).strip()
            aligned = sep not in (":", "=")
            lines.append((terms, sep if not aligned else ":", rest, aligned))
            continue
        first = re.match(r"[a-z][a-z0-9_]*", stripped)
        after_aligned = bool(lines) and lines[-1][3]
        if first and first.group(0) in known and (indent == 0 or (indent <= 4 and after_aligned)):
            rest = stripped[first.end() :].lstrip()
            if indent and after_aligned:  # '  average_length_of_stay guest_nights / arrivals'
                lines.append(((first.group(0),), ":", rest, True))
            else:  # prose that starts with a column's name
                lines.append(((), ":", stripped, False))
            continue
        if not lines or not lines[-1][2] or (indent == 0 and re.match(r"[A-Z<]", stripped)):
            lines.append(((), ":", stripped, False))
        else:
            terms_, sep_, text_, aligned_ = lines[-1]
            lines[-1] = (terms_, sep_, f"{text_} {stripped}", aligned_)
    first_term = next((i for i, line in enumerate(lines) if line[0]), len(lines))
    intro = " ".join(t for _, _, t, _ in lines[:first_term] if t and not t.startswith("<"))
    entries = [Entry(terms, text, sep) for terms, sep, text, _ in lines[first_term:] if text]
    return Header(intro, entries)


def standards(text: str) -> list[str]:
    return [name for pattern, name in STANDARDS if re.search(pattern, text)]


def _table_columns(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.execute(
        """SELECT table_name, column_name, data_type, column_index
           FROM duckdb_columns() WHERE schema_name = 'main' AND database_name = current_database()
           ORDER BY table_name, column_index"""
    ).pl()


def build(
    con: duckdb.DuckDBPyConnection, docs: list[TableDoc], labels: dict[str, Label]
) -> pl.DataFrame:
    """The dictionary of every column of every table of the published database `con` that
    `docs` describes, in the order of `docs` (a table without a doc gets rows with no label
    and no definition, which `missing` reports)."""
    columns = _table_columns(con)
    rows = []
    order = {d.name: i for i, d in enumerate(docs)}
    by_name = {d.name: d for d in docs}
    names = sorted(columns["table_name"].unique().to_list(), key=lambda t: (order.get(t, 1e9), t))
    for table in names:  # a few dozen tables: the per-column work is reading their headers
        cols = columns.filter(pl.col("table_name") == table)
        doc = by_name.get(table)
        header = (
            sql_header(doc.sql, cols["column_name"].to_list())
            if doc is not None and doc.sql is not None and doc.sql.exists()
            else Header("", [])
        )
        intro_standards = standards(header.intro)
        for column, dtype in cols.select("column_name", "data_type").iter_rows():
            label = (doc.labels.get(column) if doc else None) or labels.get(column)
            definition = (
                header.defined(column)
                or (label.definition if label else "")
                or header.mentioned(column)
            )
            cited = standards(definition) or intro_standards
            rows.append(
                {
                    "table_name": table,
                    "table_title": f"{doc.title_vi} / {doc.title_en}" if doc else None,
                    "column_name": column,
                    "data_type": dtype,
                    "label_vi": label.vi if label else None,
                    "label_en": label.en if label else None,
                    "unit": label.unit if label else None,
                    "definition": definition or None,
                    "standard": "; ".join(cited) or None,
                    "protection": doc.how(column) if doc else None,
                }
            )
    return pl.DataFrame(rows, schema={c: pl.String for c in COLUMNS})


def missing(dictionary: pl.DataFrame) -> list[str]:
    """'table.column' of every published column without a label, unit, definition or
    protection."""
    needed = ("table_title", "label_vi", "label_en", "unit", "definition", "protection")
    gaps = dictionary.filter(pl.any_horizontal(pl.col(c).is_null() for c in needed))
    return [f"{t}.{c}" for t, c in gaps.select("table_name", "column_name").iter_rows()]


def self_doc(how: Callable[[str], str]) -> TableDoc:
    """The dictionary's own entry (it is published in marts.duckdb too)."""
    return TableDoc(
        "data_dictionary",
        "Từ điển dữ liệu",
        "Data dictionary",
        how,
        labels={
            "table_name": Label("Bảng", "Table", "tên / name", "The published table."),
            "table_title": Label(
                "Tên bảng", "Table title", "văn bản / text", "The table's title, VI / EN."
            ),
            "column_name": Label("Cột", "Column", "tên / name", "The column's name."),
            "data_type": Label("Kiểu dữ liệu", "Data type", "DuckDB", "The column's type."),
            "label_vi": Label(
                "Nhãn tiếng Việt", "Vietnamese label", "văn bản / text", "As printed."
            ),
            "label_en": Label("Nhãn tiếng Anh", "English label", "văn bản / text", "As printed."),
            "unit": Label("Đơn vị", "Unit", "văn bản / text", "The unit of the column's values."),
            "definition": Label(
                "Định nghĩa",
                "Definition",
                "văn bản / text",
                "From the header of the table's SQL file (marts/<table>.sql), else declared "
                "with the label.",
            ),
            "standard": Label(
                "Chuẩn",
                "Standard",
                "văn bản / text",
                "The standards the definition cites (else the table's introduction).",
            ),
            "protection": Label(
                "Bảo vệ",
                "Protection",
                "văn bản / text",
                "How the column is protected (cell key method), from the table's declaration.",
            ),
        },
    )


def catalogue_entry(mart, source: str, sql_dir: Path = SQL_DIR) -> dict[str, str]:
    """A mart's catalogue entry (the Dagster UI, the published `catalogue`): its definition in
    words (the introduction of its SQL file's header, never a repository path), grain, source
    and disclosure rule."""
    path = sql_dir / mart.sql
    declared = sorted(mart.perturbation.declared)
    intro = sql_header(path, declared).intro if path.exists() else ""
    return {
        "definition": (intro + " " if intro else "")
        + f"Every column is defined in the data dictionary (table data_dictionary, "
        f"data_dictionary.html) under {mart.name}.",
        "grain": mart.grain,
        "source": source,
        "disclosure_rule": mart.disclosure_rule,
    }
