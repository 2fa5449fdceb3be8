"""Readers: landing files → text frames with canonical column names, and the raw loader.

Every value is read as text (raw keeps what arrived); headers may be canonical names or the
Vietnamese labels of the contract. A file that cannot be read raises `ExtractError` naming the
file, the problem and the fix; nothing of it is loaded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

from sources.contracts import SourceContract, normalise_header

LINEAGE = ["_source_file", "_row_number", "_batch_id", "_loaded_at"]


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


def _read_frame(path: Path, contract: SourceContract) -> pl.DataFrame:
    fmt = contract.file_format
    try:
        if fmt == "csv":
            return pl.read_csv(path, infer_schema=False, encoding="utf8-lossy", raise_if_empty=True)
        if fmt == "xlsx" and contract.extra.get("all_sheets"):
            # a long list continued over several sheets, each with the same header: read in order
            sheets = pl.read_excel(
                path, engine="calamine", infer_schema_length=0, sheet_id=0,
                read_options={"header_row": contract.header_row},
            )
            frames = list(sheets.values())
            for name, frame in sheets.items():
                if frame.columns != frames[0].columns:
                    raise ExtractError(
                        path, f"sheet '{name}' has another header than the first sheet "
                        f"({frame.columns[:20]})",
                        "give every sheet the same title row and header, then rerun",
                    )
            return pl.concat(frames, how="vertical")
        if fmt == "xlsx":
            return pl.read_excel(
                path, engine="calamine", infer_schema_length=0,
                read_options={"header_row": contract.header_row},
            )
        if fmt == "jsonl":
            frame = pl.read_ndjson(path, infer_schema_length=None)
        elif fmt == "parquet":
            frame = pl.read_parquet(path)
        else:  # pragma: no cover - contracts are fixed in code
            raise ValueError(f"unknown format {fmt}")
        return frame.with_columns(pl.all().cast(pl.Utf8))
    except ExtractError:
        raise
    except Exception as exc:  # the reader's own message, wrapped with file and fix
        raise ExtractError(
            path,
            f"cannot be read as {fmt.upper()} ({type(exc).__name__}: {str(exc)[:200]})",
            f"deliver the extract as {fmt.upper()} as the source contract '{contract.source}' "
            "describes (sources/contracts.py), then rerun",
        ) from exc


def read_text_frame(path: Path, contract: SourceContract) -> pl.DataFrame:
    """Read one landing file as text with canonical column names, in contract order."""
    frame = _read_frame(Path(path), contract)
    aliases = contract.alias_map()
    renames: dict[str, str] = {}
    for col in frame.columns:
        canonical = aliases.get(normalise_header(col))
        if canonical and canonical not in renames.values():
            renames[col] = canonical
    missing = [c for c in contract.required if c not in renames.values()]
    if missing:
        labels = {c.name: c.label_vi for c in contract.columns}
        wanted = ", ".join(f"{m} ('{labels[m]}')" for m in missing)
        raise ExtractError(
            path,
            f"missing required column(s) {wanted}; header found: {frame.columns[:20]}",
            "deliver the file with the contract's header (canonical names or Vietnamese labels, "
            "see sources/contracts.py), then rerun",
        )
    frame = frame.select([pl.col(k).alias(v) for k, v in renames.items()])
    return frame.select(
        [pl.col(c) if c in frame.columns else pl.lit(None, pl.Utf8).alias(c) for c in contract.names]
    )


def ensure_raw_table(con: duckdb.DuckDBPyConnection, contract: SourceContract) -> None:
    cols = ", ".join(f'"{c}" VARCHAR' for c in contract.names)
    con.execute(
        f"CREATE TABLE IF NOT EXISTS raw.{contract.source} ({cols}, _source_file VARCHAR, "
        "_row_number BIGINT, _batch_id VARCHAR, _loaded_at TIMESTAMP)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS ops.load_log (source VARCHAR, source_file VARCHAR, "
        "period VARCHAR, sha256 VARCHAR, rows BIGINT, batch_id VARCHAR, loaded_at TIMESTAMP)"
    )


def load_raw_file(
    con: duckdb.DuckDBPyConnection, contract: SourceContract, file: LandingFile, batch_id: str
) -> dict:
    """Load one file into raw.<source>, replacing an earlier load of the same file.

    Idempotent: a file whose content (sha256) was already loaded is skipped, so a rerun changes
    nothing. The file is read completely before anything is written, and the replace runs in
    one transaction: an unreadable file leaves earlier loads untouched."""
    ensure_raw_table(con, contract)
    digest = file_sha256(file.path)
    previous = con.execute(
        "SELECT sha256, rows FROM ops.load_log WHERE source = ? AND source_file = ?",
        [contract.source, file.relative],
    ).fetchone()
    if previous and previous[0] == digest:
        return {"file": file.relative, "rows": previous[1], "status": "unchanged"}
    frame = read_text_frame(file.path, contract).with_columns(
        pl.lit(file.relative).alias("_source_file"),
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("_row_number"),
        pl.lit(batch_id).alias("_batch_id"),
        pl.lit(datetime.now(timezone.utc).replace(tzinfo=None)).alias("_loaded_at"),
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
            "INSERT INTO ops.load_log VALUES (?, ?, ?, ?, ?, ?, now()::TIMESTAMP)",
            [contract.source, file.relative, file.period, digest, frame.height, batch_id],
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return {"file": file.relative, "rows": frame.height, "status": "replaced" if previous else "new"}
