"""Readers: landing files → text frames with canonical column names, and the raw loader.

Every value is read as text (raw keeps what arrived); headers may be canonical names or the
Vietnamese labels of the contract. A file that cannot be read raises `ExtractError` naming the
file, the problem and the fix; nothing of it is loaded.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from sources.contracts import CONTRACT_MODULES, SourceContract, normalise_header


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
    if b"\x00" in sample:
        return "binary", "a binary file of an unknown format"
    return "text", "a text file"


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


def _read_csv(path: Path, contract: SourceContract, head: bytes) -> tuple[pl.DataFrame, list[str]]:
    repairs = []
    _check_utf8(path, contract)
    if head.startswith(b"\xef\xbb\xbf"):
        repairs.append("utf8_bom")
    if b"\r\n" in head:
        repairs.append("crlf_line_endings")
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
    if len(head) == HEAD_BYTES and "\n" in text:  # the last line of the sample may be cut
        text = text[: text.rindex("\n") + 1]
    # For each candidate delimiter, the rows it gives; the one giving the contract's header
    # is the file's delimiter (a ';' file read with ',' has one column per row).
    candidates = []
    for delimiter in _DELIMITERS:
        rows = list(
            itertools.islice(
                csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), HEADER_SEARCH_ROWS
            )
        )
        score = max((len(_required_found(r, contract)) for r in rows), default=0)
        candidates.append((score, delimiter == ",", delimiter, rows))
    score, _, delimiter, rows = max(candidates, key=lambda c: (c[0], c[1]))
    where = "comma-delimited" if delimiter == "," else f"{_DELIMITERS[delimiter]}-delimited"
    if score == 0:
        counts = {d: text.split("\n", 1)[0].count(d) for d in _DELIMITERS}
        delimiter = max(counts, key=counts.get) if max(counts.values()) else ","
        rows = list(
            itertools.islice(
                csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), HEADER_SEARCH_ROWS
            )
        )
        where = f"{_DELIMITERS[delimiter]}-delimited"
    header_row = _locate_header(path, contract, rows, 0, f"read as {where} CSV")
    _check_duplicates(path, contract, rows[header_row])
    if delimiter != ",":
        repairs.append(f"delimiter_{_DELIMITERS[delimiter].replace(' ', '_')}")
    if header_row:
        repairs.append(f"header_on_row_{header_row + 1}")
    frame = pl.read_csv(
        path,
        separator=delimiter,
        skip_rows=header_row,
        infer_schema=False,
        encoding="utf8",
        raise_if_empty=True,
    )
    return frame, repairs


def _read_jsonl(path: Path, contract: SourceContract) -> tuple[pl.DataFrame, list[str]]:
    _check_utf8(path, contract)
    try:
        frame = pl.read_ndjson(path, infer_schema_length=None)
    except Exception as exc:
        _diagnose_jsonl(path, contract, exc)
    _check_duplicates(path, contract, frame.columns)
    return frame.with_columns(pl.all().cast(pl.Utf8)), []


def _diagnose_jsonl(path: Path, contract: SourceContract, exc: Exception) -> None:
    """The line and character of the first broken record (a failure path only: the reader
    itself names neither). The parser's message names the syntax problem, never the values."""
    fix = f"{_SAVE_AS['jsonl']} (see {_contract_doc(contract)}), then rerun"
    with open(path, encoding="utf-8") as fh:
        lines = fh.readlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
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
        if not isinstance(record, dict):
            raise ExtractError(
                path,
                f"line {number} is a JSON {type(record).__name__}, not an "
                "object (one record per line)",
                fix,
            ) from None
    raise ExtractError(path, f"cannot be read as JSON Lines ({type(exc).__name__})", fix) from None


def _read_xlsx(path: Path, contract: SourceContract) -> tuple[pl.DataFrame, list[str]]:
    options = {"engine": "calamine", "infer_schema_length": 0}
    try:
        sheets = pl.read_excel(
            path,
            sheet_id=0,
            read_options={"header_row": None, "n_rows": HEADER_SEARCH_ROWS},
            **options,
        )
    except Exception as exc:
        raise ExtractError(
            path,
            f"a ZIP file that is not a readable Excel workbook ({type(exc).__name__})",
            f"{_SAVE_AS['xlsx']} (see {_contract_doc(contract)}), then rerun",
        ) from None
    names = list(sheets)
    if not contract.extra.get("all_sheets"):
        names = names[:1]
    first = sheets[names[0]]
    rows = [list(r) for r in first.rows()]
    header_row = _locate_header(path, contract, rows, contract.header_row, f"sheet '{names[0]}'")
    _check_duplicates(path, contract, rows[header_row])
    repairs = [f"header_on_row_{header_row + 1}"] if header_row != contract.header_row else []
    frames = []
    for name in names:
        frame = pl.read_excel(
            path, sheet_name=name, read_options={"header_row": header_row}, **options
        )
        if frames and frame.columns != frames[0].columns:
            raise ExtractError(
                path,
                f"sheet '{name}' has another header than the first sheet ({frame.width} "
                f"columns against {frames[0].width})",
                "give every sheet the same title row and header, then rerun",
            )
        frames.append(frame)
    return pl.concat(frames, how="vertical"), repairs


def _read_parquet(path: Path, contract: SourceContract) -> tuple[pl.DataFrame, list[str]]:
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
        import pyarrow.parquet as pq

        _check_duplicates(path, contract, pq.read_schema(path).names)
        frame = pl.read_parquet(path)
    except ExtractError:
        raise
    except Exception as exc:
        raise ExtractError(
            path, f"the Parquet file is damaged and cannot be read ({type(exc).__name__})", fix
        ) from None
    return frame.with_columns(pl.all().cast(pl.Utf8)), []


def read_extract(path: Path, contract: SourceContract) -> tuple[pl.DataFrame, list[str]]:
    """Read one landing file as text with canonical column names, in contract order, and the
    repairs the reading needed (tolerated deviations, recorded in ops.load_log; the contract
    docstrings list them). A file whose problem has no certain fix raises ExtractError naming
    the problem in the exporter's words; nothing of it is read."""
    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    _check_kind(path, contract, head)
    readers = {
        "csv": lambda: _read_csv(path, contract, head),
        "jsonl": lambda: _read_jsonl(path, contract),
        "xlsx": lambda: _read_xlsx(path, contract),
        "parquet": lambda: _read_parquet(path, contract),
    }
    try:
        frame, repairs = readers[contract.file_format]()
    except ExtractError:
        raise
    except Exception as exc:  # the reader's own message may quote cells: only its type is kept
        raise ExtractError(
            path,
            f"cannot be read as {_FORMAT_WORDS[contract.file_format]} ({type(exc).__name__})",
            f"{_SAVE_AS[contract.file_format]} (see {_contract_doc(contract)}), then rerun",
        ) from None
    aliases = contract.alias_map()
    renames = {
        c: aliases[normalise_header(c)] for c in frame.columns if normalise_header(c) in aliases
    }
    _check_duplicates(path, contract, frame.columns)
    missing = [c for c in contract.required if c not in renames.values()]
    if missing:
        labels = {c.name: c.label_vi for c in contract.columns}
        wanted = ", ".join(f"{m} ('{labels[m]}')" for m in missing)
        raise ExtractError(
            path,
            f"missing required column(s) {wanted}; the file has {frame.width} columns",
            "deliver the file with the contract's header (canonical names or Vietnamese labels, "
            f"see {_contract_doc(contract)}), then rerun",
        )
    frame = frame.select([pl.col(k).alias(v) for k, v in renames.items()])
    frame = frame.select(
        [
            pl.col(c) if c in frame.columns else pl.lit(None, pl.Utf8).alias(c)
            for c in contract.names
        ]
    )
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
# Added later: status (loaded / withdrawn), the reading repairs, and when a file was withdrawn.
LOAD_LOG_COLUMNS = (
    ("status", "VARCHAR DEFAULT 'loaded'"),
    ("read_repairs", "VARCHAR"),
    ("withdrawn_at", "TIMESTAMP"),
)


def ensure_load_log(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(LOAD_LOG_DDL)
    for name, kind in LOAD_LOG_COLUMNS:
        con.execute(f"ALTER TABLE ops.load_log ADD COLUMN IF NOT EXISTS {name} {kind}")


def ensure_raw_table(con: duckdb.DuckDBPyConnection, contract: SourceContract) -> None:
    cols = ", ".join(f'"{c}" VARCHAR' for c in contract.names)
    con.execute(
        f"CREATE TABLE IF NOT EXISTS raw.{contract.source} ({cols}, _source_file VARCHAR, "
        "_row_number BIGINT, _batch_id VARCHAR, _loaded_at TIMESTAMP)"
    )
    ensure_load_log(con)


def load_raw_file(
    con: duckdb.DuckDBPyConnection, contract: SourceContract, file: LandingFile, batch_id: str
) -> dict:
    """Load one file into raw.<source>, replacing an earlier load of the same file.

    Idempotent: a file whose content (sha256) was already loaded is skipped, so a rerun changes
    nothing; a file the operator withdrew (run.py --withdraw) stays out while its content is
    unchanged (a corrected delivery, with other content, is loaded). The file is read
    completely before anything is written, and the replace runs in one transaction: an
    unreadable file leaves earlier loads untouched."""
    ensure_raw_table(con, contract)
    check_period(file, contract)
    digest = file_sha256(file.path)
    previous = con.execute(
        "SELECT sha256, rows, status FROM ops.load_log WHERE source = ? AND source_file = ?",
        [contract.source, file.relative],
    ).fetchone()
    if previous and previous[0] == digest:
        status = "withdrawn" if previous[2] == "withdrawn" else "unchanged"
        return {"file": file.relative, "rows": previous[1], "status": status, "repairs": []}
    frame, repairs = read_extract(file.path, contract)
    frame = frame.with_columns(
        pl.lit(file.relative).alias("_source_file"),
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("_row_number"),
        pl.lit(batch_id).alias("_batch_id"),
        pl.lit(datetime.now(UTC).replace(tzinfo=None)).alias("_loaded_at"),
    )
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM raw.{contract.source} WHERE _source_file = ?", [file.relative])
        con.register("_incoming", frame.to_arrow())
        con.execute(f"INSERT INTO raw.{contract.source} BY NAME SELECT * FROM _incoming")
        con.unregister("_incoming")
        con.execute(
            "DELETE FROM ops.load_log WHERE source = ? AND source_file = ?",
            [contract.source, file.relative],
        )
        con.execute(
            "INSERT INTO ops.load_log (source, source_file, period, sha256, rows, batch_id, "
            "loaded_at, status, read_repairs) VALUES (?, ?, ?, ?, ?, ?, now()::TIMESTAMP, "
            "'loaded', ?)",
            [
                contract.source,
                file.relative,
                file.period,
                digest,
                frame.height,
                batch_id,
                ",".join(repairs) or None,
            ],
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    status = "replaced" if previous else "new"
    return {"file": file.relative, "rows": frame.height, "status": status, "repairs": repairs}


def withdraw_file(con: duckdb.DuckDBPyConnection, relative: str) -> dict:
    """Take back a delivery: remove its rows from raw.<source> and mark it withdrawn in
    ops.load_log (the same content is not loaded again; a corrected file is). Everything built
    from raw is rebuilt by the next run. `relative` is the landing path, e.g.
    population/events_2024-03.csv."""
    from sources.contracts import CONTRACTS

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
