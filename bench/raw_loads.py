"""Time the raw loads alone: every landing file of every source into a fresh warehouse file,
through the product's own loader (sources.readers.load_raw_file), and optionally export the raw
tables to Parquet for a comparison of two code versions (issue 18, "raw loads with DuckDB's own
readers"; figures in bench/RESULTS.md).

    python -m bench.raw_loads --landing /tmp/x/landing --db /tmp/raw.duckdb [--export /tmp/raw_a]
    python -m bench.raw_loads --compare /tmp/raw_a /tmp/raw_b

The comparison reads the two exports and checks, per source, that the raw tables hold the same
rows (EXCEPT ALL both ways, every column but _loaded_at and _batch_id).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import duckdb

from sources.contracts import CONTRACTS
from sources.readers import ensure_raw_table, landing_files, load_raw_file


def load_all(landing: Path, db: Path) -> dict[str, dict]:
    if db.exists():
        db.unlink()
    con = duckdb.connect(
        str(db), config={"memory_limit": "2GB", "preserve_insertion_order": "false"}
    )
    for schema in ("raw", "ops"):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    out = {}
    for contract in CONTRACTS.values():
        ensure_raw_table(con, contract)
        files = landing_files(landing, contract)
        start = time.perf_counter()
        rows = 0
        for f in files:
            rows += load_raw_file(con, contract, f, "bench")["rows"]
        out[contract.source] = {
            "files": len(files),
            "rows": rows,
            "seconds": round(time.perf_counter() - start, 2),
        }
        print(
            f"{contract.source}: {len(files)} files, {rows:,} rows, {out[contract.source]['seconds']} s"
        )
    con.close()
    return out


def export(db: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db), read_only=True)
    for source in CONTRACTS:
        con.execute(
            f"COPY (SELECT * EXCLUDE (_loaded_at, _batch_id) FROM raw.{source}) "
            f"TO '{folder / source}.parquet' (FORMAT parquet)"
        )
    con.close()


def compare(a: Path, b: Path) -> bool:
    con = duckdb.connect()
    same = True
    for source in CONTRACTS:
        left, right = f"'{a / source}.parquet'", f"'{b / source}.parquet'"
        counts = con.execute(
            f"SELECT (SELECT count(*) FROM {left}), (SELECT count(*) FROM {right}), "
            f"(SELECT count(*) FROM (SELECT * FROM {left} EXCEPT ALL SELECT * FROM {right})), "
            f"(SELECT count(*) FROM (SELECT * FROM {right} EXCEPT ALL SELECT * FROM {left}))"
        ).fetchone()
        ok = counts[0] == counts[1] and counts[2] == 0 and counts[3] == 0
        same &= ok
        print(
            f"{source}: rows {counts[0]:,} / {counts[1]:,}; only in first {counts[2]:,}, "
            f"only in second {counts[3]:,} {'(identical)' if ok else '(DIFFERENT)'}"
        )
    return same


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--landing", type=Path)
    parser.add_argument("--db", type=Path, default=Path("/tmp/de06_raw_bench.duckdb"))
    parser.add_argument("--export", type=Path)
    parser.add_argument("--compare", nargs=2, type=Path)
    parser.add_argument("--json", type=Path, help="write the timings here")
    args = parser.parse_args(argv)
    if args.compare:
        return 0 if compare(*args.compare) else 1
    if not args.landing:
        parser.error("--landing or --compare")
    print(f"{platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    start = time.perf_counter()
    timings = load_all(args.landing, args.db)
    total = round(time.perf_counter() - start, 2)
    print(f"all raw loads: {total} s (load average {os.getloadavg()[0]:.2f})")
    if args.json:
        args.json.write_text(json.dumps({"total": total, "sources": timings}, indent=1))
    if args.export:
        export(args.db, args.export)
    return 0


if __name__ == "__main__":
    sys.exit(main())
