"""Validation suites: the source contracts as great-expectations expectations.

Each suite runs against a staging table of the warehouse (fetched as a pandas frame of the
columns it names: great-expectations' SQL path is broken on DuckDB, see STACK notes in the
README) with an ephemeral context, so nothing is written to disk. `blocking` suites guard the
marts; `warning` suites carry quality thresholds. Results feed Dagster asset checks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import duckdb
import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.data_context.types.base import ProgressBarsConfig

logging.getLogger("great_expectations").setLevel(logging.ERROR)

SEXES = ["Nam", "Nữ"]
EVENT_TYPES = ["birth", "death", "move_in", "move_out", "internal_move"]
IDENTIFIER_COLUMNS = {"person_key", "household_key", "mother_key", "guest_key", "plate_key"}


@dataclass
class Suite:
    name: str
    table: str  # schema.table in the warehouse
    expectations: list = field(default_factory=list)
    blocking: bool = True
    description: str = ""

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


def communes_2025(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("SELECT commune_code FROM reference.communes_2025").fetchall()]


def residents_contract(con: duckdb.DuckDBPyConnection) -> Suite:
    return Suite(
        name="staging_residents_contract",
        table="staging.residents",
        description="Accepted residents: one row per pseudonymised person, typed, in a 2025 commune.",
        expectations=[
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
        ],
    )


def residents_quality(con: duckdb.DuckDBPyConnection) -> Suite:
    return Suite(
        name="staging_residents_quality",
        table="staging.residents",
        blocking=False,
        description="Quality thresholds on the residents snapshot (code lists, nationality).",
        expectations=[
            gxe.ExpectColumnValuesToBeInSet(
                column="relation_to_head",
                value_set=["chủ hộ", "vợ", "chồng", "con", "cha", "mẹ", "cháu", "khác"], mostly=0.99),
            gxe.ExpectColumnValuesToBeInSet(
                column="marital_status",
                value_set=["chưa kết hôn", "có vợ/chồng", "góa", "ly hôn"], mostly=0.99),
            gxe.ExpectColumnValuesToBeInSet(
                column="education_level",
                value_set=["chưa đi học", "tiểu học", "THCS", "THPT", "trung cấp", "cao đẳng",
                           "đại học", "sau đại học"], mostly=0.99),
            gxe.ExpectColumnValuesToMatchRegex(column="nationality", regex=r"^[A-Z]{3}$", mostly=0.999),
            gxe.ExpectColumnValuesToMatchRegex(column="ethnicity_code", regex=r"^\d{2}$", mostly=0.999),
        ],
    )


def events_contract(con: duckdb.DuckDBPyConnection) -> Suite:
    return Suite(
        name="staging_events_contract",
        table="staging.events",
        description="Accepted population events: typed, dated, in a 2025 commune, unique.",
        expectations=[
            gxe.ExpectColumnValuesToNotBeNull(column="event_id"),
            gxe.ExpectColumnValuesToBeUnique(column="event_id"),
            gxe.ExpectColumnValuesToNotBeNull(column="person_key"),
            gxe.ExpectColumnValuesToBeInSet(column="event_type", value_set=EVENT_TYPES),
            gxe.ExpectColumnValuesToNotBeNull(column="event_date"),
            gxe.ExpectColumnValuesToBeInSet(column="commune_code", value_set=communes_2025(con)),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="registered_date", column_B="event_date", or_equal=True, mostly=0.99,
                ignore_row_if="either_value_is_missing",
            ),
        ],
    )


def validate(con: duckdb.DuckDBPyConnection, suite: Suite) -> dict:
    """Run a suite; return success, evaluated rows and, per failed expectation, the failing count
    and (for non-identifier columns) a few example values."""
    frame = con.execute(
        f"SELECT {', '.join(suite.columns)} FROM {suite.table}"
    ).df()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas(f"de06_{suite.name}")
    batch_def = source.add_dataframe_asset(suite.name).add_batch_definition_whole_dataframe("all")
    gx_suite = context.suites.add(gx.ExpectationSuite(name=suite.name))
    for expectation in suite.expectations:
        gx_suite.add_expectation(expectation)
    result = batch_def.get_batch(batch_parameters={"dataframe": frame}).validate(gx_suite)
    failures = []
    for r in result.results:
        if r.success:
            continue
        cfg = r.expectation_config
        column = cfg.kwargs.get("column") or f"{cfg.kwargs.get('column_A')},{cfg.kwargs.get('column_B')}"
        res = r.result or {}
        failure = {
            "expectation": cfg.type,
            "column": column,
            "unexpected_count": res.get("unexpected_count"),
            "unexpected_percent": round(res.get("unexpected_percent") or 0.0, 4),
        }
        if column not in IDENTIFIER_COLUMNS:
            failure["examples"] = [str(v) for v in (res.get("partial_unexpected_list") or [])[:5]]
        failures.append(failure)
    return {
        "success": bool(result.success),
        "rows": len(frame),
        "expectations": len(suite.expectations),
        "failed": failures,
    }
