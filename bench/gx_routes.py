"""great-expectations on its two routes, per million rows: the DuckDB route the pipeline uses
and the pandas route it replaced. A synthetic staging.stays of N rows (valid values, a few
planted violations) is validated with the stays suites (11 expectations, one of them a regex).

    python -m bench.gx_routes [--rows 1000000]
"""

import argparse
import logging
import time

import duckdb

from quality import suites

TYPES = "['hotel_3star', 'guesthouse', 'homestay', 'motel']"


def build(con: duckdb.DuckDBPyConnection, rows: int) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS staging")
    con.execute(f"""
        CREATE OR REPLACE TABLE staging.stays AS
        SELECT 'N' || i AS notification_id,
               sha256(i::VARCHAR) AS guest_key,
               {TYPES}[1 + i % 4] AS establishment_type,
               CASE WHEN i % 7 = 0 THEN 'international' ELSE 'domestic' END AS guest_origin,
               DATE '2024-01-01' + (i % 700)::INT AS check_in,
               DATE '2024-01-01' + (i % 700)::INT + (i % 5)::INT AS check_out,
               (i % 5)::INT AS nights,
               CASE WHEN i % 5000 = 0 THEN 'xx' ELSE 'VNM' END AS guest_nationality,
               i % 9 = 0 AS is_late,
               i % 211 = 0 AS guest_two_places
        FROM range({rows}) r(i)""")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    con = duckdb.connect()
    build(con, args.rows)
    per_million = {}
    for route in ("duckdb", "pandas"):
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            verdicts = [
                suites.validate(con, fn(con), route=route)["success"]
                for fn in (suites.stays_contract, suites.stays_quality)
            ]
            best = min(best, time.perf_counter() - start)
        per_million[route] = best * 1_000_000 / args.rows
        print(
            f"{route}: {best:.2f} s for {args.rows:,} rows (best of {args.repeat}), "
            f"{per_million[route]:.2f} s per million rows, verdicts {verdicts}"
        )
    print(f"pandas / duckdb: {per_million['pandas'] / per_million['duckdb']:.1f}x")


if __name__ == "__main__":
    main()
