"""The floor: the pipeline's design done as one plain DuckDB script over the same landing files,
for all four sources, with none of the product's machinery (no Dagster, no lineage, no
reason codes, no quarantine, no validation suites, no reports).

Per source: read (DuckDB's own CSV/JSON/Parquet readers; Excel through calamine, which DuckDB
cannot read here), clean the essentials (trim, parse dates, drop duplicate keys), pseudonymise
the personal identifiers with the same keyed HMAC-SHA256 construction as the pipeline,
aggregate to the marts' grain (2025 commune, district and province where the source has a
commune), protect every count by the cell key method as the product does (the same record keys
and p-table, protection/cellkey.py: each count with the sum of its records' keys, perturbed by
the p-table), and write one Parquet file per mart.

With `--persist FILE` the floor also keeps the design's two persistent layers, and nothing
else of the product: every extract is first copied as read into a raw table, and the cleaned
tables are built from those; both live in a DuckDB file (the warehouse's place) rather than in
memory. It still keeps no load columns (`_source_file` and the like), no quarantine, no rule
columns, and reads the traffic violations' Parquet with its own types: a lower bound on what
the design's layers cost, not the product's way of doing them (bench/RESULTS.md).

    python -m bench.floor --landing /tmp/perf-land/landing --out /tmp/perf-floor
    python -m bench.floor --landing /tmp/perf-land/landing --out /tmp/perf-floor --persist /tmp/f.duckdb
"""

import argparse
import time
from pathlib import Path

import duckdb
import polars as pl

from protection import cellkey
from quality.rules import hmac_blocks
from sources.contracts import EVENTS, RESIDENTS
from sources.contracts.lodging import STAYS
from sources.contracts.public_order import INCIDENTS

DATE_FORMATS = "['%d/%m/%Y', '%Y-%m-%d', '%d-%m-%Y', '%d.%m.%Y', '%Y-%m-%d %H:%M:%S']"


def read_excel(path: Path, header_row: int) -> pl.DataFrame:
    """Every sheet of a workbook, all text (the labour register continues on further sheets)."""
    import fastexcel

    reader = fastexcel.read_excel(str(path))
    frames = [
        pl.read_excel(
            path,
            engine="calamine",
            sheet_name=name,
            read_options={"header_row": header_row, "dtypes": "string"},
        )
        for name in reader.sheet_names
    ]
    return pl.concat(frames, how="vertical_relaxed")


def read_csvs(files: list[Path], contract) -> str:
    """A DuckDB query over CSV files whose headers may be the canonical names or the Vietnamese
    labels, in any order (as the pipeline accepts them): each file read with its own header."""
    import csv

    canonical = dict(zip(contract.vietnamese_header(), contract.names, strict=True))
    parts = []
    for f in files:
        with open(f, encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh))
        names = [canonical.get(h.strip(), h.strip()) for h in header]
        parts.append(
            f"SELECT * FROM read_csv('{f}', all_varchar = true, header = true, names = {names})"
        )
    return "(" + " UNION ALL BY NAME ".join(parts) + ")"


def run(
    landing: Path,
    out: Path,
    key: bytes = b"benchmark-key",
    min_cell: int = 3,
    memory_limit: str | None = None,
    persist: Path | None = None,
) -> dict[str, float]:
    out.mkdir(parents=True, exist_ok=True)
    inner, outer = hmac_blocks(key)
    if persist is not None:
        persist.unlink(missing_ok=True)
    con = duckdb.connect(
        str(persist) if persist is not None else ":memory:",
        config={"memory_limit": memory_limit} if memory_limit else {},
    )
    con.execute(f"""
        CREATE MACRO pseudonym(v) AS
            sha256(unhex('{outer}') || unhex(sha256(unhex('{inner}') || encode(trim(v)))));
        CREATE MACRO to_date(v) AS try_strptime(trim(v), {DATE_FORMATS})::DATE;
    """)
    cellkey.register(con, key, min_cell)  # record_key, count_key, ckm_count
    # Any received commune code (2025 or pre-2025) -> its 2025 commune and former district.
    from sources import admin_units

    con.register(
        "_new", admin_units.new_communes().select("new_commune_code", "district_code").to_arrow()
    )
    con.register("_xwalk", admin_units.crosswalk().filter("is_default").to_arrow())
    con.execute("""
        CREATE TABLE communes AS
        SELECT code AS commune_code, any_value(new_code) AS new_code, any_value(district_code) AS district_code
        FROM (SELECT new_commune_code AS code, new_commune_code AS new_code FROM _new
              UNION ALL SELECT old_commune_code, new_commune_code FROM _xwalk)
        JOIN _new ON _new.new_commune_code = new_code GROUP BY code""")
    timings: dict[str, float] = {}

    def step(name: str, sql: str) -> None:
        start = time.perf_counter()
        con.execute(sql)
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - start

    def received(name: str, read: str) -> str:
        """What the cleaning reads: the extract itself, or (persist) its raw copy, made first."""
        if persist is None:
            return read
        step(f"raw {name}", f"CREATE TABLE raw_{name} AS SELECT * FROM {read}")
        return f"raw_{name}"

    def write(mart: str, select: str) -> None:
        step(mart, f"COPY ({select}) TO '{out / mart}.parquet' (FORMAT parquet)")

    def first_rows(name: str, key: str, select: str, table: str = "") -> None:
        """CREATE TABLE <table, else name> AS <select>, keeping the first row of each key (a
        re-sent record)."""
        step(
            name,
            f"CREATE TABLE {table or name} AS {select}\n"
            f"QUALIFY row_number() OVER (PARTITION BY {key}) = 1",
        )

    def monthly(table: str, column: str) -> str:
        """The table with the calendar month of `column` as `month`."""
        return f"(SELECT *, date_trunc('month', {column}) AS month FROM {table})"

    def by_area(table: str, keys: str, measures: str, counts: list[str]) -> str:
        """Aggregate at commune, district and province level, counts perturbed (each count `c`
        of `measures` comes with `c__ck`, the sum of its records' count keys)."""
        perturbed = ", ".join(f"ckm_count({c}, {c}__ck) AS {c}" for c in counts)
        keys_of = ", ".join(f"{c}, {c}__ck" for c in counts)
        return f"""
            WITH a AS (SELECT t.* EXCLUDE (commune_code), c.new_code AS commune_code, c.district_code
                       FROM {table} t JOIN communes c USING (commune_code))
            SELECT * EXCLUDE ({keys_of}), {perturbed} FROM (
                SELECT {keys}, 'commune' AS area_level, commune_code AS area_code, {measures}
                FROM a GROUP BY ALL
                UNION ALL SELECT {keys}, 'district', district_code, {measures} FROM a GROUP BY ALL
                UNION ALL SELECT {keys}, 'province', '52', {measures} FROM a GROUP BY ALL)"""

    pop = landing / "population"
    residents = sorted(pop.glob("residents_*.csv"))
    if residents:
        step(
            "residents",
            f"""
            CREATE TABLE residents AS
            SELECT pseudonym(person_id) AS person_key, pseudonym(household_id) AS household_key,
                   record_key('person|' || pseudonym(person_id)) AS rk,
                   trim(sex) AS sex, to_date(date_of_birth) AS dob, trim(commune_code) AS commune_code,
                   trim(status) AS status
            FROM {received("residents", read_csvs(residents[-1:], RESIDENTS))}
            QUALIFY count(*) OVER (PARTITION BY person_id) = 1""",
        )
        write(
            "population_by_age_sex",
            by_area(
                "(SELECT *, least(date_diff('year', dob, DATE '2024-01-01') // 5 * 5, 80) AS age_group "
                "FROM residents WHERE status = 'alive')",
                "sex, age_group",
                "count(*) AS population, sum(count_key(rk)) AS population__ck",
                ["population"],
            ),
        )
    if list(pop.glob("events_*.csv")):
        first_rows(
            "events",
            "event_id",
            f"""
            SELECT trim(event_id) AS event_id, trim(event_type) AS event_type,
                   pseudonym(person_id) AS person_key, to_date(event_date) AS event_date,
                   record_key('person|' || pseudonym(person_id)) AS rk,
                   trim(commune_code) AS commune_code
            FROM {received("events", read_csvs(sorted(pop.glob("events_*.csv")), EVENTS))}""",
        )
        write(
            "population_change",
            by_area(
                monthly("events", "event_date"),
                "month, event_type",
                "count(DISTINCT person_key) AS persons, sum(DISTINCT count_key(rk)) AS persons__ck",
                ["persons"],
            ),
        )

    labour_files = sorted((landing / "labour").glob("labour_status_*.xlsx"))
    if labour_files:
        start = time.perf_counter()
        frame = pl.concat(
            [
                read_excel(f, 1).with_columns(pl.lit(f.stem[-4:]).alias("year"))
                for f in labour_files
            ],
            how="vertical_relaxed",
        )
        timings["labour (Excel read)"] = time.perf_counter() - start
        con.register("_labour", frame.to_arrow())
        labour = received("labour", "_labour")
        step(
            "labour",
            f"""
            CREATE TABLE labour AS
            SELECT pseudonym("Số định danh cá nhân") AS person_key, year,
                   record_key('person|' || pseudonym("Số định danh cá nhân")) AS rk,
                   trim("Giới tính") AS sex, trim("Tình trạng việc làm") AS employment_status,
                   coalesce(trim("Mã xã nơi làm việc"), '') AS workplace,
                   trim("Ngành kinh tế (VSIC cấp 1)") AS vsic_section
            FROM {labour}
            QUALIFY count(*) OVER (PARTITION BY "Số định danh cá nhân", year) = 1""",
        )
        con.unregister("_labour")
        del frame
        write(
            "labour_indicators",
            """
            SELECT year, sex,
                   ckm_count(count(*) FILTER (WHERE employment_status = 'employed'),
                             coalesce(sum(count_key(rk)) FILTER (WHERE employment_status = 'employed'), 0))
                       AS employed,
                   ckm_count(count(*) FILTER (WHERE employment_status = 'unemployed'),
                             coalesce(sum(count_key(rk)) FILTER (WHERE employment_status = 'unemployed'), 0))
                       AS unemployed,
                   ckm_count(count(*), sum(count_key(rk))) AS persons
            FROM labour GROUP BY ALL""",
        )
        write(
            "employment_by_sector",
            """
            SELECT year, vsic_section, ckm_count(count(*), sum(count_key(rk))) AS employed FROM labour
            WHERE employment_status = 'employed' GROUP BY ALL""",
        )

    lodging = landing / "lodging"
    if (lodging / "establishments.xlsx").exists() and list(lodging.glob("stays_*.jsonl")):
        con.register("_est", read_excel(lodging / "establishments.xlsx", 0).to_arrow())
        establishments = received("establishments", "_est")
        # the design's raw copy keeps every column of the notifications; the floor reads six
        columns = (
            STAYS.names
            if persist is not None
            else [
                "notification_id",
                "establishment_id",
                "guest_doc_number",
                "guest_nationality",
                "check_in",
                "check_out",
            ]
        )
        stays = received(
            "stays",
            f"read_json('{lodging}/stays_*.jsonl', format = 'newline_delimited', columns = "
            + "{"
            + ", ".join(f"{c}: 'VARCHAR'" for c in columns)
            + "})",
        )
        step(
            "establishments",
            f"""
            CREATE TABLE establishments AS
            SELECT trim(establishment_id) AS establishment_id, trim(type) AS establishment_type,
                   trim(commune_code) AS commune_code, try_cast(rooms AS INTEGER) AS rooms
            FROM {establishments} QUALIFY row_number() OVER (PARTITION BY establishment_id) = 1""",
        )
        first_rows(
            "stays",
            "notification_id",
            f"""
            SELECT trim(notification_id) AS notification_id, trim(establishment_id) AS establishment_id,
                   pseudonym(guest_doc_number) AS guest_key,
                   record_key('stay|' || notification_id) AS rk,
                   CASE WHEN upper(trim(guest_nationality)) IN ('VNM', 'VN', 'VIỆT NAM')
                        THEN 'domestic' ELSE 'international' END AS guest_origin,
                   try_cast(check_in AS TIMESTAMP) AS check_in, try_cast(check_out AS TIMESTAMP) AS check_out
            FROM {stays}""",
        )
        write(
            "tourism_monthly",
            by_area(
                "(SELECT s.*, e.commune_code, date_trunc('month', check_in) AS month, "
                "greatest(date_diff('day', check_in::DATE, check_out::DATE), 0) AS nights "
                "FROM stays s JOIN establishments e USING (establishment_id))",
                "month, guest_origin",
                "count(*) AS guests, sum(count_key(rk)) AS guests__ck, "
                "ckm_magnitude(sum(nights), max(nights), sum(magnitude_key(rk))) AS nights",
                ["guests"],
            ),
        )

    po = landing / "public_order"
    if list(po.glob("incidents_*.csv")):
        first_rows(
            "incidents",
            "incident_id",
            f"""
            SELECT trim(incident_id) AS incident_id, try_cast(occurred_at AS TIMESTAMP) AS occurred_at,
                   trim(commune_code) AS commune_code, trim(category_code) AS category_code,
                   trim(status) = 'cleared' AS cleared, record_key('incident|' || incident_id) AS rk
            FROM {received("incidents", read_csvs(sorted(po.glob("incidents_*.csv")), INCIDENTS))}""",
        )
        write(
            "public_order_monthly",
            by_area(
                monthly("incidents", "occurred_at"),
                "month",
                "count(*) AS incidents, sum(count_key(rk)) AS incidents__ck, "
                "count_if(cleared) AS cleared, "
                "coalesce(sum(count_key(rk)) FILTER (WHERE cleared), 0) AS cleared__ck",
                ["incidents", "cleared"],
            ),
        )
    if list(po.glob("traffic_violations_*.parquet")):
        first_rows(
            "traffic_violations",
            "violation_id",
            f"""
            SELECT violation_id, detected_at, trim(commune_code) AS commune_code,
                   pseudonym(upper(replace(replace(plate, '-', ''), '.', ''))) AS plate_key,
                   vehicle_type, violation_code, fine_vnd, record_key('violation|' || violation_id) AS rk
            FROM {received("traffic_violations", f"read_parquet('{po}/traffic_violations_*.parquet', union_by_name = true)")}""",
            table="violations",
        )
        write(
            "traffic_violations_monthly",
            by_area(
                monthly("violations", "detected_at"),
                "month, vehicle_type",
                "count(*) AS violations, sum(count_key(rk)) AS violations__ck, "
                "ckm_magnitude(sum(fine_vnd), max(fine_vnd), sum(magnitude_key(rk))) AS fines_vnd",
                ["violations"],
            ),
        )
    con.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--landing", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--memory-limit", default=None)
    parser.add_argument(
        "--persist",
        default=None,
        help="a DuckDB file: keep raw copies and the cleaned tables there (the design's layers)",
    )
    args = parser.parse_args()
    start = time.perf_counter()
    timings = run(
        Path(args.landing),
        Path(args.out),
        memory_limit=args.memory_limit,
        persist=Path(args.persist) if args.persist else None,
    )
    for name, secs in timings.items():
        print(f"floor step {name}: {secs:.2f} s")
    print(f"floor total: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
