"""Readers: landing files → raw tables, every value as text, with canonical column names.

Each file is read once by DuckDB's own reader (read_csv, read_json, read_parquet) or, for
Excel, by calamine straight to Arrow (fastexcel), into a temp table of the loading connection;
cheap probes of the file's head (magic bytes, encoding, delimiter, header row, JSON keys) decide
how. Headers may be canonical names or the Vietnamese labels of the contract. A file that
cannot be read raises `ExtractError` naming the file, the problem and the fix; nothing of it is
loaded. What the reading tolerated or skipped is recorded per file (ops.load_log.read_repairs;
the list is in sources/contracts/base.py).
"""

from __future__ import annotations

import codecs
import collections
import contextlib
import csv
import hashlib
import html
import io
import itertools
import json
import os
import re
import shutil
import tempfile
import time
import weakref
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import fastexcel
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from sources.contracts import CONTRACT_MODULES, CONTRACTS, SourceContract, normalise_header


class ExtractError(ValueError):
    """A landing file that cannot be loaded at all."""

    def __init__(self, path: Path | str, problem: str, fix: str):
        self.path, self.problem, self.fix = str(path), problem, fix
        super().__init__(f"{path}: {problem}. Fix: {fix}")


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative: str  # e.g. population/events_2024-03.csv, the _source_file value
    period: str  # the date or month in the file name


def landing_files(landing: Path, contract: SourceContract) -> list[LandingFile]:
    folder = Path(landing) / contract.folder
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.iterdir()):
        match = contract.match(path.name)
        if match and path.is_file():
            period = match.groupdict().get("period", "")
            out.append(LandingFile(path, f"{contract.folder}/{path.name}", period))
    return out


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------- diagnosing what arrived
# Magic bytes of the formats an exporter may deliver under the wrong name.
_MAGIC = (
    (b"PK\x03\x04", "xlsx", "an Excel workbook (.xlsx) or another ZIP archive"),
    (b"PAR1", "parquet", "a Parquet file"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "xls",
        "a legacy Excel 97-2003 workbook (.xls) or a password-protected Office file",
    ),
    (b"%PDF", "pdf", "a PDF document"),
    (b"\x1f\x8b", "gzip", "a gzip archive"),
)
_FORMAT_WORDS = {
    "csv": "a CSV file",
    "jsonl": "a JSON Lines file",
    "xlsx": "an Excel workbook (.xlsx)",
    "parquet": "a Parquet file",
}
_SAVE_AS = {
    "csv": "open it in Excel and save it as 'CSV UTF-8 (Comma delimited) (*.csv)'",
    "jsonl": "export it again as JSON Lines (JSONL) in UTF-8, one JSON object per line",
    "xlsx": "open it in Excel and save it as 'Excel Workbook (*.xlsx)'",
    "parquet": "export it again as Parquet",
}
_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
HEAD_BYTES = 1 << 16  # what is sniffed: magic bytes, encoding, delimiter, header row
HEADER_SEARCH_ROWS = 20  # a header further down than this is not looked for


def _contract_doc(contract: SourceContract) -> str:
    """The project file that documents a source's contract (e.g. sources/contracts/population.py)."""
    module = next(
        (m for m, names in CONTRACT_MODULES.items() if contract.source in names), "__init__"
    )
    return f"sources/contracts/{module}.py"


def _sniff(head: bytes) -> tuple[str, str]:
    """(kind, words) of what the first bytes of a file are: a binary format, UTF-16 text,
    other binary, empty, or 'text'."""
    for magic, kind, words in _MAGIC:
        if head.startswith(magic):
            return kind, words
    if not head.strip():
        return "empty", "empty"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        order = "little" if head.startswith(b"\xff\xfe") else "big"
        return "utf16", f"a text file encoded as UTF-16 ({order}-endian, with BOM)"
    sample = head[:4096]
    if sample.count(b"\x00") * 4 >= len(sample):  # every other byte NUL: UTF-16 without BOM
        odd = sample[1::2].count(b"\x00") > sample[0::2].count(b"\x00")
        order = "little" if odd else "big"
        return "utf16", f"a text file encoded as UTF-16 ({order}-endian, without BOM)"
    if b"\x00" in sample and not _text_with_stray_nul(sample):
        return "binary", "a binary file of an unknown format"
    return "text", "a text file"


def _text_with_stray_nul(sample: bytes) -> bool:
    """A few NUL bytes in otherwise valid UTF-8 text (a damaged value, not a binary format):
    the file is text, and the NUL is one bad value of one row for the rules to judge."""
    if sample.count(b"\x00") * 100 > len(sample):
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample.replace(b"\x00", b""), final=False)
    except UnicodeDecodeError:
        return False
    return True


def _text_words(head: bytes) -> str:
    first = head.lstrip(b"\xef\xbb\xbf \r\n\t")[:1]
    return "a JSON (Lines) text file" if first in (b"{", b"[") else "a CSV (text) file"


def _check_kind(path: Path, contract: SourceContract, head: bytes) -> None:
    """Fail, in the exporter's words, when the bytes are not the contract's format."""
    fmt = contract.file_format
    kind, words = _sniff(head)
    ext = path.suffix or "(no extension)"
    fix = f"{_SAVE_AS[fmt]} (see the contract in {_contract_doc(contract)}), then rerun"
    if kind == "empty":
        raise ExtractError(path, "the file is empty", f"deliver the complete extract: {fix}")
    if fmt in ("csv", "jsonl"):
        if kind == "utf16":
            raise ExtractError(
                path,
                f"the file is {words} (Excel's 'Unicode Text'); the contract asks for UTF-8",
                fix,
            )
        if kind != "text":
            raise ExtractError(
                path, f"this is {words} with a {ext} name, not {_FORMAT_WORDS[fmt]}", fix
            )
        return
    if fmt == kind:
        return
    if kind in ("text", "utf16"):
        words = _text_words(head) if kind == "text" else words
    raise ExtractError(path, f"this is {words} with a {ext} name, not {_FORMAT_WORDS[fmt]}", fix)


def _check_utf8(path: Path, contract: SourceContract) -> None:
    """The whole file must be valid UTF-8: a legacy code page is never read lossily."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, lines = 0, 1
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                # position inside this block (the decoder may hold back an incomplete sequence)
                bad = max(exc.start - len(decoder.getstate()[0]), 0)
                lines += block[:bad].count(b"\n")
                _fail_encoding(path, contract, lines, offset + bad)
            lines += block.count(b"\n")
            offset += len(block)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            _fail_encoding(path, contract, lines, offset)


def _fail_encoding(path: Path, contract: SourceContract, line: int, offset: int) -> None:
    with open(path, "rb") as fh:
        data = fh.read(HEAD_BYTES * 16)
    guess = "an unknown legacy encoding"
    try:
        text = data.decode("cp1258")
        if any(ch in text for ch in "ăâđêôơưĂÂĐÊÔƠƯ\u0300\u0301\u0303\u0309\u0323"):
            guess = "Windows-1258 (the legacy Vietnamese code page)"
        else:
            guess = "a legacy 8-bit code page such as Windows-1252 or Windows-1258"
    except UnicodeDecodeError:
        pass
    raise ExtractError(
        path,
        f"the file is not valid UTF-8 (first invalid byte on line {line}, byte {offset}); it "
        f"looks like {guess}, which cannot be converted with certainty, so nothing of it is read",
        f"{_SAVE_AS[contract.file_format]} (UTF-8), see {_contract_doc(contract)}, then rerun",
    )


def _required_found(cells: list, contract: SourceContract) -> set[str]:
    aliases = contract.alias_map()
    found = {aliases.get(normalise_header(str(c))) for c in cells if c is not None}
    return found & set(contract.required)


def _locate_header(
    path: Path, contract: SourceContract, rows: list[list], expected_row: int, where: str
) -> int:
    """The index of the header row among the first rows. The expected row when it holds every
    required column; another row only when exactly one does and the rows above it are titles
    (at most two filled cells), so the repair is certain. Otherwise a message naming the number
    of columns and the missing names (never a cell value: a headerless extract has a person's
    record in its first row)."""
    needed = set(contract.required)
    complete = [i for i, r in enumerate(rows) if _required_found(r, contract) == needed]
    if expected_row in complete:
        return expected_row
    filled = [sum(1 for c in r if c is not None and str(c).strip()) for r in rows]
    if len(complete) == 1 and all(n <= 2 for n in filled[: complete[0]]):
        return complete[0]
    labels = {c.name: c.label_vi for c in contract.columns}
    fix = (
        f"deliver the file with the contract's header on row {expected_row + 1} (canonical "
        f"names or Vietnamese labels, see {_contract_doc(contract)}), then rerun"
    )
    if len(complete) > 1:
        raise ExtractError(
            path,
            f"{where}: the header appears on several rows "
            f"({', '.join(str(i + 1) for i in complete)})",
            fix,
        )
    best = max(range(len(rows)), key=lambda i: len(_required_found(rows[i], contract)), default=0)
    row = rows[best] if rows else []
    missing = [c for c in contract.required if c not in _required_found(row, contract)]
    wanted = ", ".join(f"{m} ('{labels[m]}')" for m in missing)
    if not _required_found(row, contract):
        raise ExtractError(
            path,
            f"{where}: no header row found in the first {len(rows)} rows; row "
            f"{expected_row + 1} has {len(rows[expected_row]) if len(rows) > expected_row else 0} "
            "columns and none of them is a column name of the contract (an extract exported "
            "without its header row?)",
            fix,
        )
    raise ExtractError(
        path,
        f"{where}: missing required column(s) {wanted}; the header (row {best + 1}) has "
        f"{len(row)} columns",
        fix,
    )


def _check_duplicates(path: Path, contract: SourceContract, header: list) -> None:
    """Two header cells naming the same contract column: which one is meant is not certain."""
    aliases = contract.alias_map()
    seen: dict[str, int] = {}
    labels = {c.name: c.label_vi for c in contract.columns}
    for i, cell in enumerate(header):
        canonical = aliases.get(normalise_header(str(cell))) if cell is not None else None
        if canonical is None:
            continue
        if canonical in seen:
            raise ExtractError(
                path,
                f"the column {canonical} ('{labels[canonical]}') appears twice in the "
                f"header (columns {seen[canonical] + 1} and {i + 1})",
                "remove or rename one of the two columns so each column appears once, then rerun",
            )
        seen[canonical] = i


# ---------------------------------------------------------------- reading into DuckDB
# Each format is read by DuckDB's own reader (read_csv, read_json, read_parquet) or, for Excel,
# by calamine straight to Arrow (fastexcel), every value as text, into the relation _read of the
# connection (the reader's own column names and _row_number): a temp table where the row
# numbers come from the file's order (CSV, JSON, Excel), a view over the file for Parquet
# (which numbers its rows itself). The probes above (magic bytes, encoding, delimiter, header
# row) look at the head of the file only; the file itself is read once. _finish names the
# columns by the contract in the view _incoming (contract columns, _row_number), which the
# loader inserts into raw.

READ = "_read"  # the reader's columns and _row_number (a view)
READ_ROWS = "_read_rows"  # the rows as read, in file order (a temp table behind _read)
INCOMING = "_incoming"  # the contract's columns as text, and _row_number (a view)


def _quote(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _columns_literal(names: list[str]) -> str:
    return "{" + ", ".join(f"{_quote(n)}: 'VARCHAR'" for n in names) + "}"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _materialise(con: duckdb.DuckDBPyConnection, select: str) -> None:
    """The rows of `select` (a reader) in a temp table, in file order, and the view _read
    numbering them (the connection preserves insertion order while it reads, see read_into)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {READ_ROWS} AS {select}")
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {READ} AS SELECT *, rowid + 1 AS _row_number FROM {READ_ROWS}"
    )


def drop_reading(con: duckdb.DuckDBPyConnection) -> None:
    """Forget what read_into left on the connection."""
    con.execute(f"DROP VIEW IF EXISTS {INCOMING}")
    con.execute(f"DROP VIEW IF EXISTS {READ}")
    con.execute(f"DROP TABLE IF EXISTS {READ_ROWS}")
    with contextlib.suppress(Exception):
        con.unregister("_arrow")


def _map_header(cells: list, contract: SourceContract) -> dict[int, str]:
    """Position of a header cell -> the contract column it names (canonical or Vietnamese label,
    any case, spacing or Unicode form)."""
    aliases = contract.alias_map()
    out = {}
    for i, cell in enumerate(cells):
        if cell is None:
            continue
        name = aliases.get(normalise_header(str(cell)))
        if name is not None:
            out[i] = name
    return out


def _finish(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    contract: SourceContract,
    mapping: dict[str, str],
    repairs: list[str],
) -> list[str]:
    """_read (reader's columns) -> the view _incoming (contract columns in contract order, missing
    optional ones NULL, _row_number). Rows whose contract columns are all blank carry nothing of
    the contract (a blank line or row of a layout): they are skipped and counted. Columns the
    contract does not know that hold values are counted too."""
    read_columns = [r[0] for r in con.execute(f"DESCRIBE {READ}").fetchall()]
    missing = [c for c in contract.required if c not in mapping.values()]
    if missing:
        labels = {c.name: c.label_vi for c in contract.columns}
        wanted = ", ".join(f"{m} ('{labels[m]}')" for m in missing)
        raise ExtractError(
            path,
            f"missing required column(s) {wanted}; the file has {len(read_columns) - 1} columns",
            "deliver the file with the contract's header (canonical names or Vietnamese labels, "
            f"see {_contract_doc(contract)}), then rerun",
        )
    by_name = {v: k for k, v in mapping.items()}
    renamed = {c: _ident(by_name[c]) if c in by_name else "NULL::VARCHAR" for c in contract.names}
    blank = " AND ".join(f"coalesce(trim({v}), '') = ''" for v in renamed.values())
    filled = " OR ".join(f"trim({v}) <> ''" for c, v in renamed.items() if c in by_name)
    skipped = con.execute(f"SELECT count(*) FROM {READ} WHERE {blank}").fetchone()[0]
    if skipped:
        repairs.append(f"blank_rows_skipped_{skipped}")
    others = [c for c in read_columns if c not in mapping and c != "_row_number"]
    if others:
        counts = con.execute(
            "SELECT " + ", ".join(f"count({_ident(c)})" for c in others) + f" FROM {READ}"
        ).fetchone()
        ignored = sum(1 for n in counts if n)
        if ignored:
            repairs.append(f"unknown_columns_ignored_{ignored}")
    select = ", ".join(f"{v} AS {_ident(c)}" for c, v in renamed.items())
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {INCOMING} AS SELECT {select}, _row_number FROM {READ} "
        f"WHERE {filled}"
    )
    return repairs


# -- CSV


def _probe_csv(
    path: Path, contract: SourceContract, head: bytes
) -> tuple[str, int, list, list[str]]:
    """(delimiter, header row, header cells, repairs) from the head of a CSV file."""
    repairs = []
    if head.startswith(b"\xef\xbb\xbf"):
        repairs.append("utf8_bom")
    if b"\r\n" in head:
        repairs.append("crlf_line_endings")
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff").replace("\x00", "")
    if len(head) == HEAD_BYTES and "\n" in text:  # the last line of the sample may be cut
        text = text[: text.rindex("\n") + 1]

    def sample(delimiter: str) -> list[list[str]]:
        return list(
            itertools.islice(
                csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), HEADER_SEARCH_ROWS
            )
        )

    # For each candidate delimiter, the rows it gives; the one giving the contract's header
    # is the file's delimiter (a ';' file read with ',' has one column per row).
    candidates = []
    for delimiter in _DELIMITERS:
        rows = sample(delimiter)
        score = max((len(_required_found(r, contract)) for r in rows), default=0)
        candidates.append((score, delimiter == ",", delimiter, rows))
    score, _, delimiter, rows = max(candidates, key=lambda c: (c[0], c[1]))
    if score == 0:
        counts = {d: text.split("\n", 1)[0].count(d) for d in _DELIMITERS}
        delimiter = max(counts, key=counts.get) if max(counts.values()) else ","
        rows = sample(delimiter)
    where = "comma-delimited" if delimiter == "," else f"{_DELIMITERS[delimiter]}-delimited"
    header_row = _locate_header(path, contract, rows, 0, f"read as {where} CSV")
    _check_duplicates(path, contract, rows[header_row])
    if delimiter != ",":
        repairs.append(f"delimiter_{_DELIMITERS[delimiter].replace(' ', '_')}")
    if header_row:
        repairs.append(f"header_on_row_{header_row + 1}")
    return delimiter, header_row, rows[header_row], repairs


_REJECT_WORDS = {
    "MISSING COLUMNS": "has {found} fields where the header has {width}",
    "TOO MANY COLUMNS": "has more fields than the header's {width} (a value holding the "
    "delimiter without quotes?)",
    "UNQUOTED VALUE": "has a quote that is not closed, or a stray quote inside a value",
    "LINE SIZE OVER MAXIMUM": "is longer than the longest line a CSV reader accepts (a quote "
    "that is never closed?)",
}


def _load_csv(con: duckdb.DuckDBPyConnection, path: Path, contract: SourceContract, head: bytes):
    delimiter, header_row, header, repairs = _probe_csv(path, contract, head)
    width = len(header)
    names = [f"c{i}" for i in range(width)]
    con.execute("DROP TABLE IF EXISTS _csv_rejects; DROP TABLE IF EXISTS _csv_scans")
    _materialise(
        con,
        f"SELECT * FROM read_csv({_quote(path)}, "
        f"auto_detect = false, header = true, skip = {header_row}, delim = {_quote(delimiter)}, "
        f"quote = '\"', escape = '\"', columns = {_columns_literal(names)}, "
        "strict_mode = true, encoding = 'utf-8', store_rejects = true, "
        "rejects_table = '_csv_rejects', rejects_scan = '_csv_scans')",
    )
    rejects = con.execute(
        "SELECT line, line_byte_position, error_type, column_idx FROM _csv_rejects "
        "ORDER BY line, column_idx"
    ).fetchall()
    con.execute("DROP TABLE IF EXISTS _csv_rejects; DROP TABLE IF EXISTS _csv_scans")
    if rejects:
        _fail_csv_lines(path, contract, width, rejects)
    mapping = {f"c{i}": name for i, name in _map_header(header, contract).items()}
    return _finish(con, path, contract, mapping, repairs)


def _last_line(path: Path) -> tuple[int, bool]:
    """(the number of the file's last line, whether the file ends with a line break); a failure
    path only: it counts the line breaks of the whole file."""
    breaks, last = 0, b""
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            breaks += block.count(b"\n")
            last = block[-1:]
    ends_with_break = last == b"\n"
    return breaks + (0 if ends_with_break else 1), ends_with_break


def _fail_csv_lines(path: Path, contract: SourceContract, width: int, rejects: list) -> None:
    """A CSV whose lines do not split into the header's fields: name the lines and what is
    wrong with them (DuckDB's own message quotes the line: never shown)."""
    if any(r[2] == "INVALID ENCODING" for r in rejects):
        _check_utf8(path, contract)  # names the first invalid byte and the likely code page
    first_of_line: dict[int, tuple] = {}
    for r in rejects:  # DuckDB may report a short line once per missing field
        first_of_line.setdefault(r[0], r)
    rejects = [first_of_line[n] for n in sorted(first_of_line)]
    last_line, ends_with_break = _last_line(path)
    line, _, kind, found = rejects[-1]
    if not ends_with_break and line == last_line and kind in ("MISSING COLUMNS", "UNQUOTED VALUE"):
        raise ExtractError(
            path,
            f"the last line (line {line}) "
            + _REJECT_WORDS[kind].format(found=found, width=width)
            + " and the file does not end with a line break: the delivery looks cut off",
            "send the whole file again (the copy or the export stopped early), then rerun",
        )
    shown = [
        f"line {r[0]} " + _REJECT_WORDS.get(r[2], "cannot be read").format(found=r[3], width=width)
        for r in rejects[:3]
    ]
    more = f" (and {len(rejects) - 3} more lines)" if len(rejects) > 3 else ""
    raise ExtractError(
        path,
        "the CSV lines do not all split into the header's columns: " + "; ".join(shown) + more,
        f"{_SAVE_AS['csv']}: it puts every value holding a delimiter, a quote or a line break in "
        f"quotes (see {_contract_doc(contract)}), then rerun",
    )


# -- JSON Lines (and a JSON array of records)


def _load_json(con: duckdb.DuckDBPyConnection, path: Path, contract: SourceContract, head: bytes):
    repairs = []
    source, copy = path, None
    if head.startswith(b"\xef\xbb\xbf"):
        # DuckDB's JSON reader refuses a BOM: read a copy without it (a certain repair)
        repairs.append("utf8_bom")
        handle, name = tempfile.mkstemp(suffix=".json", prefix="de06-nobom-")
        copy = Path(name)
        with os.fdopen(handle, "wb") as out, open(path, "rb") as fh:
            fh.seek(3)
            shutil.copyfileobj(fh, out, 1 << 22)
        source = copy
    try:
        first = head.lstrip(b"\xef\xbb\xbf \r\n\t")[:1]
        fmt = "array" if first == b"[" else "newline_delimited"
        if fmt == "array":
            repairs.append("json_array")
        try:
            keys = _json_head_keys(head, fmt) or _json_keys(con, source, fmt, limit=JSON_KEY_PROBE)
            found = _map_header(keys, contract)
            if set(contract.required) - set(found.values()):  # keys absent from the first records
                keys = _json_keys(con, source, fmt, limit=None)
                found = _map_header(keys, contract)
        except duckdb.OutOfMemoryException:
            raise  # the machine, not the file (read_into)
        except duckdb.Error:
            _diagnose_json(path, contract, fmt)
        _check_duplicates(path, contract, keys)
        unknown = len(keys) - len(found)
        if unknown:
            repairs.append(f"unknown_keys_ignored_{unknown}")
        mapped = [keys[i] for i in sorted(found)]
        names = ", ".join(f"{_ident(k)} AS k{i}" for i, k in enumerate(mapped)) or "NULL AS _none"
        try:
            _materialise(
                con,
                f"SELECT {names} FROM read_json({_quote(source)}, format = '{fmt}', "
                f"records = true, columns = {_columns_literal(mapped or ['_'])}, "
                f"maximum_object_size = {JSON_MAX_RECORD_BYTES})",
            )
        except duckdb.OutOfMemoryException:
            raise  # the machine, not the file (read_into)
        except duckdb.Error:
            _diagnose_json(path, contract, fmt)
    finally:
        if copy is not None:
            copy.unlink(missing_ok=True)
    mapping = {f"k{i}": found[keys.index(k)] for i, k in enumerate(mapped)}
    return _finish(con, path, contract, mapping, repairs)


# DuckDB's default maximum_object_size (16 MiB). A larger one makes its reader allocate buffers
# of that size for every file: 256 MiB read the stays files at half the speed, and under a
# 1 GB memory_limit not at all (bench/RESULTS.md); a lodging record is a few hundred bytes.
JSON_MAX_RECORD_BYTES = 16 * 2**20
JSON_KEY_PROBE = 10_000  # records whose keys name the columns (all records if one is missing)


def _json_head_keys(head: bytes, fmt: str) -> list[str]:
    """The keys of the JSON Lines records in the head of the file, in order of appearance
    (empty when they cannot be read there: DuckDB's probe takes over)."""
    if fmt != "newline_delimited":
        return []
    lines = head.decode("utf-8", errors="ignore").lstrip("\ufeff").split("\n")
    if len(head) == HEAD_BYTES:
        lines = lines[:-1]  # the last line of the sample may be cut
    keys: dict[str, None] = {}
    for line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            return []
        if not isinstance(record, dict):
            return []
        keys.update(dict.fromkeys(record))
    return list(keys)


def _json_keys(con, source: Path, fmt: str, limit: int | None) -> list[str]:
    """The keys of the records, in order of first appearance (a probe of the first records)."""
    cut = f"LIMIT {limit}" if limit else ""
    rows = con.execute(
        "SELECT k FROM (SELECT unnest(json_keys(json)) AS k, "
        "row_number() OVER () AS n FROM (SELECT json FROM "
        f"read_json_objects({_quote(source)}, format = '{fmt}') {cut})) GROUP BY k ORDER BY min(n)"
    ).fetchall()
    return [r[0] for r in rows]


def _diagnose_json(path: Path, contract: SourceContract, fmt: str) -> None:
    """The line and character of the first broken record (a failure path only: DuckDB's
    message may quote the record). The parser's message names the syntax problem only."""
    _check_utf8(path, contract)
    fix = f"{_SAVE_AS['jsonl']} (see {_contract_doc(contract)}), then rerun"
    with open(path, encoding="utf-8-sig") as fh:
        text = fh.read()
    if fmt == "array":
        try:
            records = json.loads(text)
        except json.JSONDecodeError as err:
            raise ExtractError(
                path,
                f"the JSON array is broken on line {err.lineno}, character {err.colno}: {err.msg}",
                fix,
            ) from None
        bad = next((i for i, r in enumerate(records) if not isinstance(r, dict)), None)
        if not isinstance(records, list) or bad is not None:
            raise ExtractError(
                path, f"record {(bad or 0) + 1} of the JSON array is not an object", fix
            ) from None
        raise ExtractError(path, "cannot be read as a JSON array of records", fix) from None
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if len(line) * 4 > JSON_MAX_RECORD_BYTES and len(line.encode()) > JSON_MAX_RECORD_BYTES:
            raise ExtractError(
                path,
                f"the record on line {number} is {len(line.encode()) / 2**20:.0f} MB, over the "
                f"{JSON_MAX_RECORD_BYTES // 2**20} MB a record may hold",
                f"deliver the long values (a scanned document?) apart from the extract; {fix}",
            ) from None
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            last = number == len(lines) or not any(x.strip() for x in lines[number:])
            cut = " (the last record is incomplete: the file looks cut off)" if last else ""
            raise ExtractError(
                path,
                f"broken JSON record on line {number}, character {err.colno}: {err.msg}{cut}",
                fix,
            ) from None
        if not isinstance(record, dict | None):
            raise ExtractError(
                path,
                f"line {number} is a JSON {type(record).__name__}, not an "
                "object (one record per line)",
                fix,
            ) from None
    raise ExtractError(path, "cannot be read as JSON Lines", fix) from None


# -- Excel


def _workbook_info(path: Path) -> tuple[bool, dict[str, str]]:
    """(the workbook counts dates from 1904, sheet name -> state: visible/hidden/veryHidden),
    from xl/workbook.xml (a small part of the ZIP: nothing of a sheet is read)."""
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/workbook.xml").decode("utf-8", errors="replace")
    date1904 = re.search(r"<(?:\w+:)?workbookPr\b[^>]*\bdate1904=\"(1|true)\"", xml) is not None
    states = {}
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", xml):
        name = re.search(r'\bname="([^"]*)"', tag)
        state = re.search(r'\bstate="([^"]*)"', tag)
        if name:
            states[html.unescape(name.group(1))] = state.group(1) if state else "visible"
    return date1904, states


_OTHER_ZIPS = (
    ("word/document.xml", "a Word document (.docx)"),
    ("ppt/presentation.xml", "a PowerPoint presentation (.pptx)"),
    ("content.xml", "an OpenDocument file (.ods/.odt: LibreOffice)"),
)


def _check_workbook_parts(path: Path, fix: str) -> None:
    """A ZIP archive that is no Excel workbook says what it is (its part names only)."""
    try:
        with zipfile.ZipFile(path) as z:
            parts = set(z.namelist())
    except zipfile.BadZipFile:
        raise ExtractError(
            path,
            "the file starts like an Excel workbook but is not a complete ZIP archive (the copy "
            "or the export stopped early, or the file is damaged)",
            fix,
        ) from None
    if "xl/workbook.xml" in parts:
        return
    words = next((w for part, w in _OTHER_ZIPS if part in parts), None)
    raise ExtractError(
        path,
        f"this is {words} with a .xlsx name, not an Excel workbook"
        if words
        else f"this ZIP archive holds no Excel workbook ({len(parts)} files, none of them "
        "xl/workbook.xml)",
        fix,
    )


def _numbering_row(cells: list) -> bool:
    """A row of column numbers under a header, as forms print them: (1) (2) (3) … or A B C."""
    filled = [str(c).strip() for c in cells if c is not None and str(c).strip()]
    return len(filled) >= 3 and all(re.fullmatch(r"\(?[0-9A-Z]{1,2}\)?", c) for c in filled)


def _load_xlsx(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    contract: SourceContract,
    prefetched: dict[str, pa.Table] | None = None,
):
    """The sheet the contract names, else the first visible sheet holding the contract's
    header (a contract with all_sheets: every visible sheet holding it, in order, as one list).
    Each sheet is read once, whole, by calamine straight to Arrow; the header is looked for in
    its first rows. Sheets not read (hidden, or without the header) are counted."""
    fix = f"{_SAVE_AS['xlsx']} (see {_contract_doc(contract)}), then rerun"
    _check_workbook_parts(path, fix)
    try:
        date1904, states = _workbook_info(path)
        reader = fastexcel.read_excel(str(path))
        names = reader.sheet_names
    except Exception as exc:
        raise ExtractError(
            path, f"a ZIP file that is not a readable Excel workbook ({type(exc).__name__})", fix
        ) from None
    wanted = contract.extra.get("sheet")
    if wanted is not None and wanted in names:
        candidates = [wanted]
    else:
        candidates = [n for n in names if states.get(n, "visible") == "visible"]
    if not candidates:
        raise ExtractError(path, f"the workbook has no visible sheet ({len(names)} hidden)", fix)
    needed = set(contract.required)
    repairs: list[str] = []
    parts, read, first_map, probe = [], [], None, None
    for name in candidates:
        table = (prefetched or {}).get(name)
        if table is None:
            table = _sheet_table(reader, name)
        rows = [list(r.values()) for r in table.slice(0, HEADER_SEARCH_ROWS).to_pylist()]
        probe = probe or (name, rows)
        if not any(_required_found(r, contract) == needed for r in rows):
            continue  # an instructions or lookup sheet: counted below
        where = f"sheet '{name}'"
        header_row = _locate_header(path, contract, rows, contract.header_row, where)
        header = rows[header_row]
        _check_duplicates(path, contract, header)
        positions = _map_header(header, contract)
        if first_map is None:
            first_map = positions
            if header_row != contract.header_row:
                repairs.append(f"header_on_row_{header_row + 1}")
        elif sorted(positions.values()) != sorted(first_map.values()):
            raise ExtractError(
                path,
                f"sheet '{name}' has other columns than the first sheet read",
                "give every sheet of the list the same title row and header, then rerun",
            )
        start = header_row + 1
        if start < len(rows) and _numbering_row(rows[start]):
            start += 1
            repairs.append("column_numbers_row_skipped")
        data = table.slice(start)
        ignored = sum(
            1
            for i in range(data.num_columns)
            if i not in positions and pc.count(data.column(i)).as_py() > 0
        )
        if ignored:
            repairs.append(f"unknown_columns_ignored_{ignored}")
        offset = sum(p.num_rows for p in parts)
        by_name = {n: i for i, n in positions.items()}
        parts.append(
            pa.table(
                [
                    data.column(by_name[c])
                    if c in by_name
                    else pa.nulls(data.num_rows, pa.string())
                    for c in contract.names
                ]
                + [pa.array(range(offset + 1, offset + data.num_rows + 1), pa.int64())],
                names=[*contract.names, "_row_number"],
            )
        )
        read.append(name)
        if not contract.extra.get("all_sheets"):
            break
    if not parts:  # no sheet holds the header: say what the first one lacks
        name, rows = probe
        _locate_header(path, contract, rows, contract.header_row, f"sheet '{name}'")
    if len(names) > len(read):
        repairs.append(f"sheets_skipped_{len(names) - len(read)}")
    con.register("_arrow", pa.concat_tables(parts))
    try:
        dates = [c.name for c in contract.columns if c.kind == "date"] if date1904 else []
        select = ", ".join(_serial_1904(c) if c in dates else _ident(c) for c in contract.names)
        if dates:
            repairs.append("excel_1904_dates")
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {READ_ROWS} AS SELECT {select}, _row_number FROM _arrow"
        )
        con.execute(f"CREATE OR REPLACE TEMP VIEW {READ} AS SELECT * FROM {READ_ROWS}")
    finally:
        con.unregister("_arrow")
    _drop_notes_below(con, contract, repairs)
    mapping = {c: c for c in contract.names if c in first_map.values()}
    return _finish(con, path, contract, mapping, repairs)


def _sheet_table(reader, name: str) -> pa.Table:
    """A whole sheet, every cell as text, by calamine straight to Arrow."""
    table = reader.load_sheet(name, header_row=None, dtypes="string", eager=True)
    return pa.Table.from_batches([table]) if isinstance(table, pa.RecordBatch) else table


def prefetch_sheets(path: Path, contract: SourceContract) -> dict[str, pa.Table] | None:
    """The sheets _load_xlsx would read of a workbook (the contract's sheet, else every visible
    one), read ahead; None when anything goes wrong: _load_xlsx then reads the workbook itself
    and says what is wrong with it."""
    try:
        _, states = _workbook_info(path)
        reader = fastexcel.read_excel(str(path))
        wanted = contract.extra.get("sheet")
        if wanted is not None and wanted in reader.sheet_names:
            names = [wanted]
        else:
            names = [n for n in reader.sheet_names if states.get(n, "visible") == "visible"]
        return {n: _sheet_table(reader, n) for n in names}
    except Exception:
        return None


def read_ahead(
    con: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    files: list,
    workers: int | None = None,
):
    """(file, its prefetched sheets or None) for each of `files` in order. The workbooks of a
    source that may need loading (may_need_loading) are read side by side, up to `workers`
    ahead of the one being loaded: calamine releases the GIL, so two yearly labour workbooks
    take the time of one on two cores. Files of other formats, and a source of one file, are
    not read ahead (DuckDB's readers use every core on one file)."""
    if contract.file_format != "xlsx" or len(files) < 2:
        yield from ((f, None) for f in files)
        return
    wanted = [f for f in files if may_need_loading(con, contract, f)]
    workers = max(1, min(len(wanted) or 1, workers or os.cpu_count() or 1, 4))
    with ThreadPoolExecutor(workers) as pool:
        ahead = collections.deque(
            (f, pool.submit(prefetch_sheets, f.path, contract)) for f in wanted[:workers]
        )
        later = iter(wanted[workers:])
        for f in files:
            if not ahead or ahead[0][0] is not f:
                yield f, None  # not read ahead: skipped by the loader (or read by it)
                continue
            _, future = ahead.popleft()
            nxt = next(later, None)
            if nxt is not None:
                ahead.append((nxt, pool.submit(prefetch_sheets, nxt.path, contract)))
            yield f, future.result()


def _serial_1904(column: str) -> str:
    """A serial day number of a 1904-dated workbook (a date cell formatted as a number), as the
    date it stands for; date cells calamine already read, and other text, unchanged."""
    c = _ident(column)
    return (
        f"CASE WHEN regexp_full_match(trim({c}), '\\d{{1,6}}(\\.\\d+)?') "
        f"THEN strftime(DATE '1904-01-01' + CAST(floor(CAST(trim({c}) AS DOUBLE)) AS INTEGER), "
        f"'%Y-%m-%d') ELSE {c} END AS {c}"
    )


def _drop_notes_below(con: duckdb.DuckDBPyConnection, contract: SourceContract, repairs) -> None:
    """Notes under a table laid out for people ('Ghi chú: …', 'Người lập biểu'): rows after the
    last row that fills at least half of the required columns, below a blank row, filling at
    most one contract column. Counted; any other row is read."""
    filled = " + ".join(f"(coalesce(trim({_ident(c)}), '') <> '')::INT" for c in contract.names)
    required = " + ".join(
        f"(coalesce(trim({_ident(c)}), '') <> '')::INT" for c in contract.required
    )
    half = max(len(contract.required) // 2, 1)
    # Only the rows after the last data row can be notes: the filled cells are counted on those
    # alone (counted on every row, a province's yearly labour workbook took 2 s here).
    dropped = con.execute(
        f"""DELETE FROM {READ_ROWS} WHERE _row_number IN (
            WITH last_data AS (SELECT max(_row_number) AS n FROM {READ_ROWS} WHERE {required} >= {half}),
            tail AS MATERIALIZED (SELECT _row_number, {filled} AS filled
                                  FROM {READ_ROWS}, last_data WHERE _row_number > last_data.n),
            first_blank AS (SELECT min(_row_number) AS n FROM tail WHERE filled = 0)
            SELECT t._row_number FROM tail t, first_blank
            WHERE t._row_number > first_blank.n AND t.filled <= 1)"""
    ).fetchone()[0]
    if dropped:
        repairs.append(f"notes_below_skipped_{dropped}")


# -- Parquet


def _parquet_text(column: str, duck_type: str, logical: str | None, converted: str | None) -> str:
    """A Parquet column as text, as it was written (timestamps with the precision of their unit;
    a timestamp with a time zone as UTC with 'Z'; nested values as JSON)."""
    c = _ident(column)
    logical, converted = logical or "", converted or ""
    if duck_type == "TIMESTAMP WITH TIME ZONE":
        return f"strftime(timezone('UTC', {c}), '%Y-%m-%dT%H:%M:%S.%fZ')"
    if duck_type.startswith("TIMESTAMP"):
        if "MILLIS=MilliSeconds" in logical or converted == "TIMESTAMP_MILLIS":
            return f"strftime({c}, '%Y-%m-%d %H:%M:%S.%g')"
        if "NANOS=NanoSeconds" in logical or duck_type == "TIMESTAMP_NS":
            return f"strftime({c}, '%Y-%m-%d %H:%M:%S.%n')"
        return f"strftime({c}, '%Y-%m-%d %H:%M:%S.%f')"
    if duck_type.endswith("]") or duck_type.startswith(("STRUCT", "MAP", "UNION")):
        return f"CAST(to_json({c}) AS VARCHAR)"
    return f"CAST({c} AS VARCHAR)"


def _load_parquet(con: duckdb.DuckDBPyConnection, path: Path, contract: SourceContract):
    with open(path, "rb") as fh:
        fh.seek(max(path.stat().st_size - 4, 0))
        tail = fh.read(4)
    fix = f"{_SAVE_AS['parquet']} (see {_contract_doc(contract)}), then rerun"
    if tail != b"PAR1":
        raise ExtractError(
            path,
            "the Parquet file is truncated (its footer is missing: the "
            "copy or the export stopped early)",
            fix,
        )
    try:
        columns = con.execute(
            f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet({_quote(path)}))"
        ).fetchall()
        leaves = {
            r[0]: (r[1], r[2])
            for r in con.execute(
                f"SELECT name, logical_type, converted_type FROM parquet_schema({_quote(path)})"
            ).fetchall()
        }
    except duckdb.Error as exc:
        raise ExtractError(
            path, f"the Parquet file is damaged and cannot be read ({type(exc).__name__})", fix
        ) from None
    header = [c[0] for c in columns]
    _check_duplicates(path, contract, header)
    found = _map_header(header, contract)
    select = ", ".join(
        f"{_parquet_text(name, kind, *leaves.get(name, (None, None)))} AS p{i}"
        for i, (name, kind) in enumerate(columns)
    )
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {READ} AS SELECT {select}, "
            f"file_row_number + 1 AS _row_number FROM read_parquet({_quote(path)}, "
            "file_row_number = true)"
        )
    except duckdb.Error as exc:
        raise ExtractError(
            path, f"the Parquet file is damaged and cannot be read ({type(exc).__name__})", fix
        ) from None
    mapping = {f"p{i}": name for i, name in found.items()}
    return _finish(con, path, contract, mapping, [])


def read_into(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    contract: SourceContract,
    prefetched: dict[str, pa.Table] | None = None,
) -> list[str]:
    """Read one landing file into the temp table _incoming of `con`: the contract's columns as
    text, in contract order, and _row_number (the row's place among the file's data rows).
    Returns the repairs the reading needed (tolerated deviations, recorded in ops.load_log; the
    contract docstrings list them). A file whose problem has no certain fix raises ExtractError
    naming the problem in the exporter's words; nothing of it is read. Rows keep the file's
    order: the connection preserves insertion order while it reads."""
    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    _check_kind(path, contract, head)
    if contract.file_format in ("csv", "jsonl"):
        try:  # the head must be UTF-8 (the rest is checked by DuckDB's reader as it reads)
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        except UnicodeDecodeError:
            _check_utf8(path, contract)
    readers = {
        "csv": lambda: _load_csv(con, path, contract, head),
        "jsonl": lambda: _load_json(con, path, contract, head),
        "xlsx": lambda: _load_xlsx(con, path, contract, prefetched),
        "parquet": lambda: _load_parquet(con, path, contract),
    }
    previous = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()[0]
    con.execute("SET preserve_insertion_order = true")
    try:
        return readers[contract.file_format]()
    except (ExtractError, duckdb.OutOfMemoryException):  # out of memory: the machine, not the file
        drop_reading(con)
        raise
    except Exception as exc:  # the reader's own message may quote cells: only its type is kept
        drop_reading(con)
        raise ExtractError(
            path,
            f"cannot be read as {_FORMAT_WORDS[contract.file_format]} ({type(exc).__name__})",
            f"{_SAVE_AS[contract.file_format]} (see {_contract_doc(contract)}), then rerun",
        ) from None
    finally:
        con.execute(f"SET preserve_insertion_order = {'true' if previous else 'false'}")


def read_extract(path: Path, contract: SourceContract) -> tuple[pl.DataFrame, list[str]]:
    """One landing file as a text frame with canonical column names, in contract order, and the
    repairs the reading needed (see read_into)."""
    con = duckdb.connect()
    try:
        repairs = read_into(con, Path(path), contract)
        columns = ", ".join(_ident(c) for c in contract.names)
        frame = con.execute(f"SELECT {columns} FROM {INCOMING} ORDER BY _row_number").pl()
    finally:
        con.close()
    return frame, repairs


def read_text_frame(path: Path, contract: SourceContract) -> pl.DataFrame:
    """Read one landing file as text with canonical column names, in contract order."""
    return read_extract(path, contract)[0]


def check_period(file: LandingFile, contract: SourceContract) -> None:
    """The date or month in a file name must be a calendar date: it dates every row."""
    if not file.period:
        return
    fmt = {10: "%Y-%m-%d", 7: "%Y-%m", 4: "%Y"}.get(len(file.period), "")
    try:
        datetime.strptime(file.period, fmt)
    except ValueError:
        example = {10: "YYYY-MM-DD", 7: "YYYY-MM", 4: "YYYY"}.get(len(file.period), "")
        raise ExtractError(
            file.path,
            f"the date in the file name ({file.period}) is not a calendar date",
            f"rename the file with the extract's real date ({example}, see "
            f"{_contract_doc(contract)}), then rerun",
        ) from None


LOAD_LOG_DDL = (
    "CREATE TABLE IF NOT EXISTS ops.load_log (source VARCHAR, source_file VARCHAR, "
    "period VARCHAR, sha256 VARCHAR, rows BIGINT, batch_id VARCHAR, loaded_at TIMESTAMP)"
)
# Added later: status (loaded / withdrawn), the reading repairs, when a file was withdrawn, and
# the file's size and modification time when it was last hashed (a file whose size and mtime
# are those recorded is not hashed again: an unchanged rerun reads no landing byte).
LOAD_LOG_COLUMNS = (
    ("status", "VARCHAR DEFAULT 'loaded'"),
    ("read_repairs", "VARCHAR"),
    ("withdrawn_at", "TIMESTAMP"),
    ("size_bytes", "BIGINT"),
    ("mtime_ns", "BIGINT"),
    ("hashed_ns", "BIGINT"),
)
# A file changed within this long before it was hashed may change again with the same mtime
# (file times have a coarse clock; git's "racy" case): such a file is always hashed again.
RACY_NS = 2_000_000_000


# The bookkeeping tables each connection has made sure of (ensure_load_log, and
# warehouse.incremental.ensure_build_log): their DDL ran for every landing file and every step
# (about 1,200 statements in a run at province scale, 0.3 s). The held connection forgets them
# after a step (warehouse.resource._return_clean), whose rollback may have taken them back.
_ENSURED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def ensured(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether `table` was made sure of on this connection (then mark_ensured needs no DDL)."""
    return table in _ENSURED.get(con, ())


def mark_ensured(con: duckdb.DuckDBPyConnection, table: str) -> None:
    _ENSURED.setdefault(con, set()).add(table)


def forget_ensured(con: duckdb.DuckDBPyConnection) -> None:
    _ENSURED.pop(con, None)


def ensure_load_log(con: duckdb.DuckDBPyConnection) -> None:
    if ensured(con, "ops.load_log"):
        return
    con.execute(LOAD_LOG_DDL)
    for name, kind in LOAD_LOG_COLUMNS:
        con.execute(f"ALTER TABLE ops.load_log ADD COLUMN IF NOT EXISTS {name} {kind}")
    mark_ensured(con, "ops.load_log")


def ensure_raw_table(con: duckdb.DuckDBPyConnection, contract: SourceContract) -> None:
    cols = ", ".join(f'"{c}" VARCHAR' for c in contract.names)
    con.execute(
        f"CREATE TABLE IF NOT EXISTS raw.{contract.source} ({cols}, _source_file VARCHAR, "
        "_row_number BIGINT, _batch_id VARCHAR, _loaded_at TIMESTAMP)"
    )
    ensure_load_log(con)


def _load_record(con: duckdb.DuckDBPyConnection, contract: SourceContract, file: LandingFile):
    """The file's row of ops.load_log (sha256, rows, status, size, mtime, hashed) or None."""
    return con.execute(
        "SELECT sha256, rows, status, size_bytes, mtime_ns, hashed_ns FROM ops.load_log "
        "WHERE source = ? AND source_file = ?",
        [contract.source, file.relative],
    ).fetchone()


def _same_stat(previous, stat: os.stat_result) -> bool:
    """Size and modification time as recorded when the file was last hashed (and not changed
    too soon before that hash for the clock to tell): its content is taken as unchanged."""
    return (
        previous is not None
        and (previous[3], previous[4]) == (stat.st_size, stat.st_mtime_ns)
        and previous[5] is not None
        and stat.st_mtime_ns < previous[5] - RACY_NS
    )


def may_need_loading(
    con: duckdb.DuckDBPyConnection, contract: SourceContract, file: LandingFile
) -> bool:
    """False when load_raw_file will certainly skip the file without reading it (same size and
    modification time as recorded); True otherwise (it may still find the same content)."""
    ensure_load_log(con)
    return not _same_stat(_load_record(con, contract, file), file.path.stat())


def load_raw_file(
    con: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    file: LandingFile,
    batch_id: str,
    prefetched: dict[str, pa.Table] | None = None,
) -> dict:
    """Load one file into raw.<source>, replacing an earlier load of the same file.

    Idempotent: a file whose content (sha256) was already loaded is skipped, so a rerun changes
    nothing (a file whose size and modification time are those recorded when it was last hashed
    is taken as unchanged without reading it; either changed, it is hashed again); a file the operator withdrew (run.py --withdraw) stays out while its content is
    unchanged (a corrected delivery, with other content, is loaded). The file is read
    completely before anything is written, and the replace runs in one transaction: an
    unreadable file leaves earlier loads untouched."""
    ensure_raw_table(con, contract)
    check_period(file, contract)
    stat = file.path.stat()
    previous = _load_record(con, contract, file)
    same_stat = _same_stat(previous, stat)
    hashed_ns = time.time_ns()
    if previous is None:
        # a file never loaded is read whatever its digest: it is hashed meanwhile (hashlib lets
        # go of the GIL on large blocks, so the two overlap: 1.6 s of a province's stays files)
        with ThreadPoolExecutor(1, thread_name_prefix="de06-sha256") as pool:
            hashing = pool.submit(file_sha256, file.path)
            repairs = read_into(con, file.path, contract, prefetched)
            digest = hashing.result()
        return _replace_file_rows(con, contract, file, batch_id, (digest, stat, hashed_ns), repairs)
    digest = previous[0] if same_stat else file_sha256(file.path)  # same stat: not read again
    if previous[0] == digest:
        if not same_stat:  # hashed again (touched, or hashed too soon after a change): record
            con.execute(
                "UPDATE ops.load_log SET size_bytes = ?, mtime_ns = ?, hashed_ns = ? "
                "WHERE source = ? AND source_file = ?",
                [stat.st_size, stat.st_mtime_ns, hashed_ns, contract.source, file.relative],
            )
        status = "withdrawn" if previous[2] == "withdrawn" else "unchanged"
        return {"file": file.relative, "rows": previous[1], "status": status, "repairs": []}
    repairs = read_into(con, file.path, contract, prefetched)
    return _replace_file_rows(
        con, contract, file, batch_id, (digest, stat, hashed_ns), repairs, replacing=True
    )


def _replace_file_rows(
    con: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    file: LandingFile,
    batch_id: str,
    hashed: tuple[str, os.stat_result, int],
    repairs: list[str],
    replacing: bool = False,
) -> dict:
    """The rows read_into left on `con` in place of the file's earlier rows in raw, and the
    file's record in ops.load_log (`hashed`: its digest, and its stat and the time when it was
    hashed), in one transaction (load_raw_file)."""
    digest, stat, hashed_ns = hashed
    rows = con.execute(f"SELECT count(*) FROM {READ}").fetchone()[0] - sum(
        int(r.rsplit("_", 1)[1]) for r in repairs if r.startswith("blank_rows_skipped_")
    )
    columns = ", ".join(_ident(c) for c in contract.names)
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM raw.{contract.source} WHERE _source_file = ?", [file.relative])
        con.execute(
            f"INSERT INTO raw.{contract.source} ({columns}, _source_file, _row_number, "
            f"_batch_id, _loaded_at) SELECT {columns}, ?, _row_number, ?, ? FROM {INCOMING}",
            [file.relative, batch_id, loaded_at],
        )
        con.execute(
            "DELETE FROM ops.load_log WHERE source = ? AND source_file = ?",
            [contract.source, file.relative],
        )
        con.execute(
            "INSERT INTO ops.load_log (source, source_file, period, sha256, rows, batch_id, "
            "loaded_at, status, read_repairs, size_bytes, mtime_ns, hashed_ns) VALUES "
            "(?, ?, ?, ?, ?, ?, now()::TIMESTAMP, 'loaded', ?, ?, ?, ?)",
            [
                contract.source,
                file.relative,
                file.period,
                digest,
                rows,
                batch_id,
                ",".join(repairs) or None,
                stat.st_size,
                stat.st_mtime_ns,
                hashed_ns,
            ],
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        drop_reading(con)
    status = "replaced" if replacing else "new"
    return {"file": file.relative, "rows": rows, "status": status, "repairs": repairs}


def withdraw_file(con: duckdb.DuckDBPyConnection, relative: str) -> dict:
    """Take back a delivery: remove its rows from raw.<source> and mark it withdrawn in
    ops.load_log (the same content is not loaded again; a corrected file is). Everything built
    from raw is rebuilt by the next run. `relative` is the landing path, e.g.
    population/events_2024-03.csv."""
    relative = relative.strip().strip("/")
    folder, _, name = relative.rpartition("/")
    contract = next((c for c in CONTRACTS.values() if c.folder == folder and c.match(name)), None)
    if contract is None:
        raise ExtractError(
            relative,
            "no source contract names a file like this",
            "give the path inside the landing folder, e.g. population/events_2024-03.csv",
        )
    ensure_raw_table(con, contract)
    logged = con.execute(
        "SELECT status, rows FROM ops.load_log WHERE source = ? AND source_file = ?",
        [contract.source, relative],
    ).fetchone()
    if logged is None:
        raise ExtractError(
            relative,
            "this file was never loaded, so there is nothing to withdraw",
            "check the name against ops.load_log (SELECT source_file FROM ops.load_log)",
        )
    con.execute("BEGIN TRANSACTION")
    try:
        removed = con.execute(
            f"DELETE FROM raw.{contract.source} WHERE _source_file = ?", [relative]
        ).fetchone()[0]
        con.execute(
            "UPDATE ops.load_log SET status = 'withdrawn', withdrawn_at = now()::TIMESTAMP "
            "WHERE source = ? AND source_file = ?",
            [contract.source, relative],
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return {
        "source": contract.source,
        "file": relative,
        "rows_removed": removed,
        "already_withdrawn": logged[0] == "withdrawn",
    }


def files_not_in_landing(
    con: duckdb.DuckDBPyConnection, contract: SourceContract, landing: Path
) -> list[str]:
    """Loaded files that are no longer in the landing folder (archived after loading): their
    rows are kept; the run reports them."""
    present = {f.relative for f in landing_files(landing, contract)}
    loaded = [
        r[0]
        for r in con.execute(
            "SELECT source_file FROM ops.load_log WHERE source = ? AND status = 'loaded' "
            "ORDER BY source_file",
            [contract.source],
        ).fetchall()
    ]
    return [f for f in loaded if f not in present]
