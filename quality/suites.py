"""Validation suites: the source contracts as great-expectations expectations.

Each suite runs against a staging table of the warehouse where the data is: great-expectations'
SQL datasource through the `duckdb-sqlalchemy` dialect, on a cursor of the pipeline's open
connection (the regex expectations, which GX does not support on DuckDB, are run as equivalent
SQL, see `_in_duckdb`), with an ephemeral context, so nothing is written to disk. The pandas
route stays for the test proving both give the same verdicts. Each suite is declared with
`@suite(table, blocking, description)`: blocking suites (contracts) guard the marts, the others
carry quality thresholds. Results feed Dagster asset checks (assets.common.suite_check).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.execution_engine import pandas_execution_engine

logging.getLogger("great_expectations").setLevel(logging.ERROR)

# GX fingerprints every pandas batch by hashing the whole frame (two passes, about 3 s per
# million rows here) only to label the batch. Our batches are labelled by suite and table, so the
# fingerprint is switched off: frames "larger" than 0 bytes are not hashed.
pandas_execution_engine.HASH_THRESHOLD = 0

SEXES = ["Nam", "Nữ"]
EVENT_TYPES = ["birth", "death", "move_in", "move_out", "internal_move"]


@dataclass
class Suite:
    name: str
    table: str  # schema.table in the warehouse
    expectations: list = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        cols: list[str] = []
        for e in self.expectations:
            for attr in ("column", "column_A", "column_B"):
                c = getattr(e, attr, None)
                if c and c not in cols:
                    cols.append(c)
            for c in getattr(e, "column_list", None) or []:
                if c not in cols:
                    cols.append(c)
        return cols


def suite(table: str, blocking: bool, description: str):
    """Declare a suite: the staging table it validates, whether its Dagster check blocks the
    marts (a contract) or warns (quality thresholds), and what it checks. The one place these
    are written: assets.common.suite_check builds the check from them. The decorated function
    returns the expectations (it may read reference tables through `con`); calling it gives the
    Suite."""

    def declare(expectations: Callable[[duckdb.DuckDBPyConnection], list]):
        name = f"{table.replace('.', '_')}_{'contract' if blocking else 'quality'}"

        @functools.wraps(expectations)
        def build(con: duckdb.DuckDBPyConnection) -> Suite:
            return Suite(name=name, table=table, expectations=expectations(con))

        build.table, build.blocking, build.description = table, blocking, description
        return build

    return declare


def communes_2025(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0] for r in con.execute("SELECT commune_code FROM reference.communes_2025").fetchall()
    ]


@suite(
    "staging.residents",
    blocking=True,
    description="Accepted residents: one row per pseudonymised person, typed, in a 2025 commune.",
)
def residents_contract(con: duckdb.DuckDBPyConnection) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="person_key"),
        gxe.ExpectColumnValuesToBeUnique(column="person_key"),
        gxe.ExpectColumnValueLengthsToEqual(column="person_key", value=64),
        gxe.ExpectColumnValuesToBeInSet(column="sex", value_set=SEXES),
        gxe.ExpectColumnValuesToNotBeNull(column="date_of_birth"),
        gxe.ExpectColumnValuesToBeInSet(column="commune_code", value_set=communes_2025(con)),
        gxe.ExpectColumnValuesToBeInSet(column="status", value_set=["alive", "deceased"]),
        gxe.ExpectColumnValuesToBeInSet(
            column="residence_type", value_set=["thường trú", "tạm trú"], mostly=0.99
        ),
    ]


@suite(
    "staging.residents",
    blocking=False,
    description="Quality thresholds on the residents snapshot (code lists, nationality).",
)
def residents_quality(con: duckdb.DuckDBPyConnection) -> list:
    return [
        gxe.ExpectColumnValuesToBeInSet(
            column="relation_to_head",
            value_set=["chủ hộ", "vợ", "chồng", "con", "cha", "mẹ", "cháu", "khác"],
            mostly=0.99,
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="marital_status",
            value_set=["chưa kết hôn", "có vợ/chồng", "góa", "ly hôn"],
            mostly=0.99,
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="education_level",
            value_set=[
                "chưa đi học",
                "tiểu học",
                "THCS",
                "THPT",
                "trung cấp",
                "cao đẳng",
                "đại học",
                "sau đại học",
            ],
            mostly=0.99,
        ),
        gxe.ExpectColumnValuesToMatchRegex(column="nationality", regex=r"^[A-Z]{3}$", mostly=0.999),
        gxe.ExpectColumnValuesToMatchRegex(column="ethnicity_code", regex=r"^\d{2}$", mostly=0.999),
    ]


@suite(
    "staging.events",
    blocking=True,
    description="Accepted population events: typed, dated, in a 2025 commune, unique.",
)
def events_contract(con: duckdb.DuckDBPyConnection) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="event_id"),
        gxe.ExpectColumnValuesToBeUnique(column="event_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="person_key"),
        gxe.ExpectColumnValuesToBeInSet(column="event_type", value_set=EVENT_TYPES),
        gxe.ExpectColumnValuesToNotBeNull(column="event_date"),
        gxe.ExpectColumnValuesToBeInSet(column="commune_code", value_set=communes_2025(con)),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="registered_date",
            column_B="event_date",
            or_equal=True,
            mostly=0.99,
            ignore_row_if="either_value_is_missing",
        ),
    ]


def validate(con: duckdb.DuckDBPyConnection, suite: Suite, route: str = "duckdb") -> dict:
    """Run a suite; return success, evaluated rows and, per failed expectation, the failing count
    and share (never a cell value: failures go to Dagster metadata).

    route "duckdb" (the pipeline's): great-expectations runs its SQL in the warehouse, on the
    caller's open connection; route "pandas": on a pandas copy of the suite's columns (kept to
    prove both routes give the same verdicts, tests/test_suites_duckdb.py)."""
    if route not in ("duckdb", "pandas"):
        raise ValueError(f"unknown great-expectations route {route!r}: use 'duckdb' or 'pandas'")
    context = gx.get_context(mode="ephemeral")  # nothing written to disk
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    gx_suite = context.suites.add(gx.ExpectationSuite(name=suite.name))
    engine = None
    if route == "duckdb":
        rows = con.execute(f"SELECT count(*) FROM {suite.table}").fetchone()[0]
        # A cursor of the pipeline's own connection: a second duckdb.connect() of the same file
        # fails ("different configuration"), and GX's own engine closes its connection before
        # the rows are fetched (GX issues #10738, #11579).
        source = context.data_sources.add_sql(
            f"de06_{suite.name}",
            connection_string="duckdb:///:memory:",
            kwargs={"creator": lambda: con.cursor()},
        )
        schema, table = suite.table.split(".")
        batch = (
            source.add_table_asset(suite.name, table_name=table, schema_name=schema)
            .add_batch_definition_whole_table("all")
            .get_batch()
        )
        engine = source.get_engine()
        expectations = [_in_duckdb(e, table=suite.table) for e in suite.expectations]
    else:
        frame = con.execute(f"SELECT {', '.join(suite.columns)} FROM {suite.table}").df()
        rows = len(frame)
        source = context.data_sources.add_pandas(f"de06_{suite.name}")
        batch = (
            source.add_dataframe_asset(suite.name)
            .add_batch_definition_whole_dataframe("all")
            .get_batch(batch_parameters={"dataframe": frame})
        )
        expectations = suite.expectations
    originals = {}
    for original, expectation in zip(suite.expectations, expectations, strict=True):
        added = gx_suite.add_expectation(expectation.copy(deep=True))
        originals[added.id] = original
    try:
        result = batch.validate(gx_suite, result_format="BASIC")
    finally:
        if engine is not None:
            engine.dispose()  # the cursors; the pipeline's connection stays open
    failures = []
    for r in result.results:
        if r.success:
            continue
        original = originals[r.expectation_config.id]
        res = r.result or {}
        if "observed_value" in res and "unexpected_count" not in res:
            # a regex check run as SQL: the query returns the unexpected rows when over threshold
            unexpected = int(res["observed_value"])
            nonnull = con.execute(f"SELECT count({original.column}) FROM {suite.table}").fetchone()[
                0
            ]
            percent = 100.0 * unexpected / nonnull if nonnull else 0.0
        else:
            unexpected, percent = res.get("unexpected_count"), res.get("unexpected_percent") or 0.0
        failures.append(
            {
                "expectation": original.expectation_type,
                "column": _columns_of(original),
                "unexpected_count": unexpected,
                "unexpected_percent": round(percent, 4),
            }
        )
    return {
        "success": bool(result.success),
        "rows": rows,
        "expectations": len(suite.expectations),
        "failed": failures,
    }


def _columns_of(e) -> str:
    if getattr(e, "column", None):
        return e.column
    if getattr(e, "column_list", None):
        return ",".join(e.column_list)
    return f"{e.column_A},{e.column_B}"


def _in_duckdb(e, table: str):
    """The form of an expectation great-expectations can run on DuckDB. Only the regex
    expectations need one ("Regex is not supported for dialect duckdb"): they become an
    UnexpectedRowsExpectation with the same verdict as on pandas (nulls ignored, `mostly`
    over the non-null values), which returns the unexpected rows only when over threshold."""
    if not isinstance(e, gxe.ExpectColumnValuesToMatchRegex):
        return e
    if not (e.regex.startswith("^") and e.regex.endswith("$")):
        # pandas searches (re.search); regexp_full_match matches the whole value: the same
        # only for anchored patterns.
        raise ValueError(
            f"suite pattern {e.regex!r} on {table}.{e.column} must be anchored (^...$)"
        )
    col = f'"{e.column}"'
    # GX formats the query with str.format (braces doubled); SQL quotes doubled.
    pattern = e.regex.replace("'", "''").replace("{", "{{").replace("}", "}}")
    mostly = 1.0 if e.mostly is None else float(e.mostly)
    return gxe.UnexpectedRowsExpectation(
        description=f"{e.column} matches {e.regex} (mostly {mostly})",
        unexpected_rows_query=(
            f"WITH bad AS (SELECT 1 AS unexpected FROM {{batch}} "
            f"WHERE {col} IS NOT NULL AND NOT regexp_full_match({col}::VARCHAR, '{pattern}')), "
            f"n AS (SELECT count({col}) AS nonnull, (SELECT count(*) FROM bad) AS bad FROM {{batch}}) "
            f"SELECT bad.unexpected FROM bad, n "
            f"WHERE (n.nonnull - n.bad)::DOUBLE / n.nonnull < {mostly!r}"
        ),
    )


# --------------------------------------------------------------------------- model 37 (labour)
LABOUR_STATUSES = ["employed", "unemployed", "outside"]
STATUS_IN_EMPLOYMENT = ["employee", "employer", "own_account", "contributing_family"]
VSIC_SECTIONS = list("ABCDEFGHIJKLMNOPQRSTU")
VSCO_GROUPS = list("1234567890")


@suite(
    "staging.labour_status",
    blocking=True,
    description="Accepted labour records: one per pseudonymised person and year, aged 15+ "
    "by the register, living in a 2025 commune, with a valid employment status.",
)
def labour_contract(con: duckdb.DuckDBPyConnection) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="person_key"),
        gxe.ExpectColumnValueLengthsToEqual(column="person_key", value=64),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["person_key", "year"]),
        gxe.ExpectColumnValuesToNotBeNull(column="ref_date"),
        gxe.ExpectColumnValuesToBeInSet(column="sex", value_set=SEXES),
        gxe.ExpectColumnValuesToNotBeNull(column="age"),
        gxe.ExpectColumnValuesToBeBetween(column="age", min_value=15, max_value=125),
        gxe.ExpectColumnValuesToBeInSet(column="employment_status", value_set=LABOUR_STATUSES),
        gxe.ExpectColumnValuesToNotBeNull(column="employment_status"),
        gxe.ExpectColumnValuesToBeInSet(column="commune_code", value_set=communes_2025(con)),
        gxe.ExpectColumnValuesToNotBeNull(column="commune_code"),
        gxe.ExpectColumnValuesToBeBetween(column="hours_per_week", min_value=0, max_value=100),
    ]


@suite(
    "staging.labour_status",
    blocking=False,
    description="Code lists and completeness of the labour records (warning thresholds).",
)
def labour_quality(con: duckdb.DuckDBPyConnection) -> list:
    return [
        gxe.ExpectColumnValuesToBeInSet(
            column="status_in_employment", value_set=STATUS_IN_EMPLOYMENT, mostly=0.99
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="vsic_section", value_set=VSIC_SECTIONS, mostly=0.99
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="occupation_code", value_set=VSCO_GROUPS, mostly=0.99
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="workplace_commune_code", value_set=communes_2025(con), mostly=0.99
        ),
        gxe.ExpectColumnValuesToNotBeNull(column="in_education", mostly=0.99),
    ]


# --------------------------------------------------------------- model 39 (public order) suites
ICCS_SECTIONS = [f"{i:02d}" for i in range(1, 12)]
INCIDENT_STATUSES = ["under_investigation", "cleared"]
VEHICLE_TYPES = ["motorbike", "car", "truck", "bus"]
VIOLATION_GROUPS = [
    "TOC_DO",
    "DEN_DO",
    "LAN_DUONG",
    "DUNG_DO",
    "MU_BAO_HIEM",
    "NONG_DO_CON",
    "QUA_TAI",
    "other",
]


@suite(
    "staging.incidents",
    blocking=True,
    description="Accepted incidents: unique, timed, in a 2025 commune, in an ICCS section, "
    "never occurring after they were reported.",
)
def incidents_contract(con: duckdb.DuckDBPyConnection) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="incident_id"),
        gxe.ExpectColumnValuesToBeUnique(column="incident_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="occurred_at"),
        gxe.ExpectColumnValuesToNotBeNull(column="occurred_month"),
        gxe.ExpectColumnValuesToBeInSet(column="commune_code", value_set=communes_2025(con)),
        gxe.ExpectColumnValuesToBeInSet(column="iccs_section", value_set=ICCS_SECTIONS),
        gxe.ExpectColumnValuesToBeInSet(column="status", value_set=INCIDENT_STATUSES),
        gxe.ExpectColumnValuesToNotBeNull(column="cleared"),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="reported_at",
            column_B="occurred_at",
            or_equal=True,
        ),
    ]


@suite(
    "staging.incidents",
    blocking=False,
    description="At most 2 % of incidents with an article the reference list does not know "
    "or an unknown status.",
)
def incidents_quality(con: duckdb.DuckDBPyConnection) -> list:
    return [
        gxe.ExpectColumnValuesToBeInSet(
            column="fix_unknown_article", value_set=[False], mostly=0.98
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="fix_unknown_status", value_set=[False], mostly=0.98
        ),
        gxe.ExpectColumnValuesToMatchRegex(
            column="category_code", regex=r"^(HS\d{1,3}|KHAC)$", mostly=0.99
        ),
    ]


@suite(
    "staging.traffic_violations",
    blocking=True,
    description="Accepted violations: unique, timed, in a 2025 commune, with a plate "
    "pseudonym and a non-negative fine.",
)
def traffic_violations_contract(con: duckdb.DuckDBPyConnection) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="violation_id"),
        gxe.ExpectColumnValuesToBeUnique(column="violation_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="detected_at"),
        gxe.ExpectColumnValuesToBeInSet(column="commune_code", value_set=communes_2025(con)),
        gxe.ExpectColumnValuesToNotBeNull(column="plate_key"),
        gxe.ExpectColumnValueLengthsToEqual(column="plate_key", value=64),
        gxe.ExpectColumnValuesToBeBetween(column="fine_vnd", min_value=0),
        gxe.ExpectColumnValuesToNotBeNull(column="fine_vnd"),
        gxe.ExpectColumnValuesToBeInSet(column="violation_group", value_set=VIOLATION_GROUPS),
        gxe.ExpectColumnValuesToBeInSet(column="vehicle_type", value_set=VEHICLE_TYPES + ["other"]),
    ]


@suite(
    "staging.traffic_violations",
    blocking=False,
    description="At most 2 % of violations with an unknown code, 1 % with an unknown "
    "vehicle type; plates registered in a province code.",
)
def traffic_violations_quality(con: duckdb.DuckDBPyConnection) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeInSet(
            column="violation_group", value_set=["other"], mostly=0.98
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="vehicle_type", value_set=VEHICLE_TYPES, mostly=0.99
        ),
        gxe.ExpectColumnValuesToMatchRegex(column="plate_province", regex=r"^\d{2}$"),
    ]


# --------------------------------------------------------------- model 38 (lodging) suites
ESTABLISHMENT_TYPES = [
    "hotel_1star",
    "hotel_2star",
    "hotel_3star",
    "hotel_4star",
    "hotel_5star",
    "guesthouse",
    "motel",
    "homestay",
    "rental_room",
    "industrial_housing",
    "hospital",
    "long_distance_bus",
]


@suite(
    "staging.establishments",
    blocking=True,
    description="Accepted lodging establishments: unique ID, a known type, a 2025 commune, "
    "at least one room, an opening date.",
)
def establishments_contract(con: duckdb.DuckDBPyConnection) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="establishment_id"),
        gxe.ExpectColumnValuesToBeUnique(column="establishment_id"),
        gxe.ExpectColumnValuesToBeInSet(column="establishment_type", value_set=ESTABLISHMENT_TYPES),
        gxe.ExpectColumnValuesToBeInSet(column="commune_code", value_set=communes_2025(con)),
        gxe.ExpectColumnValuesToBeBetween(column="rooms", min_value=1),
        gxe.ExpectColumnValuesToNotBeNull(column="opened_on"),
    ]


@suite(
    "staging.stays",
    blocking=True,
    description="Accepted stays: unique notification, pseudonymised guest, a registered "
    "establishment, check-out not before check-in, nights not negative.",
)
def stays_contract(con: duckdb.DuckDBPyConnection) -> list:
    return [
        gxe.ExpectColumnValuesToBeUnique(column="notification_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="guest_key"),
        gxe.ExpectColumnValueLengthsToEqual(column="guest_key", value=64),
        gxe.ExpectColumnValuesToBeInSet(column="establishment_type", value_set=ESTABLISHMENT_TYPES),
        gxe.ExpectColumnValuesToBeInSet(
            column="guest_origin", value_set=["domestic", "international"]
        ),
        gxe.ExpectColumnValuesToNotBeNull(column="check_in"),
        gxe.ExpectColumnValuesToBeBetween(column="nights", min_value=0),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="check_out",
            column_B="check_in",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
    ]


@suite(
    "staging.stays",
    blocking=False,
    description="Nationality as ISO alpha-3 for 99.9 %; at most 20 % late notifications; at "
    "most 2 % of stays with the guest in two places the same night.",
)
def stays_quality(con: duckdb.DuckDBPyConnection) -> list:
    return [
        gxe.ExpectColumnValuesToMatchRegex(
            column="guest_nationality", regex=r"^[A-Z]{3}$", mostly=0.999
        ),
        gxe.ExpectColumnValuesToBeInSet(column="is_late", value_set=[False], mostly=0.8),
        gxe.ExpectColumnValuesToBeInSet(column="guest_two_places", value_set=[False], mostly=0.98),
    ]
