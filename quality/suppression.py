"""Statistical disclosure control for the published marts.

Primary suppression: a person count from 1 to min_cell − 1 is published as NULL with flag 'c'.
Rows describing fewer than `min_units` units (e.g. establishments) are suppressed whole.
Secondary suppression: for every additive relation a mart has (cells of a partition summing to a
published total: age groups of an area, communes of a district, the terms of a row's balancing
equation), a partition with exactly one suppressed cell gets its smallest other cell suppressed
too, repeated until nothing changes, so no suppressed value can be recovered by subtraction.
Derived values (rates, differences) are NULL when any count they depend on is suppressed.

Everything runs set-based in DuckDB on a long (cell-per-row) form of the mart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb


@dataclass(frozen=True)
class Group:
    """Cells that add up to a published total: those sharing `partition` (columns of the long
    form: the mart's key columns, 'measure', or '_row' for one mart row), limited to `measures`
    (all count measures when empty)."""

    partition: tuple[str, ...]
    measures: tuple[str, ...] = ()


@dataclass(frozen=True)
class SuppressionRule:
    counts: tuple[str, ...] = ()  # person counts subject to primary suppression
    derived: dict[str, tuple[str, ...]] = field(default_factory=dict)  # value -> counts used
    groups: tuple[Group, ...] = ()
    unit_column: str | None = None  # rows with unit_column < min_units are suppressed whole
    min_units: int = 0
    sensitive: bool = True  # False: published as computed (no person counts)


MAX_PASSES = 50


def suppress(
    con: duckdb.DuckDBPyConnection, source: str, target: str, rule: SuppressionRule, min_cell: int
) -> dict:
    """Write `target` = `source` with suppression applied; returns counts of suppressed cells."""
    key_cols = [
        r[0] for r in con.execute(f"DESCRIBE {source}").fetchall()
        if r[0] not in rule.counts and r[0] not in rule.derived
    ]
    if not rule.counts:
        con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM {source}")
        return {"primary": 0, "secondary": 0}
    con.execute(f"CREATE OR REPLACE TEMP TABLE _rows AS SELECT row_number() OVER () AS _row, * FROM {source}")
    unit_condition = (
        f"OR (r.{rule.unit_column} < {rule.min_units})" if rule.unit_column else ""
    )
    keys = ", ".join(f'r."{c}"' for c in key_cols)
    unpivot = " UNION ALL ".join(
        f"SELECT r._row, {keys}, '{c}' AS measure, r.\"{c}\"::DOUBLE AS value, "
        f"coalesce((r.\"{c}\" BETWEEN 1 AND {min_cell - 1}) {unit_condition}, FALSE) AS supp "
        "FROM _rows r"
        for c in rule.counts
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _cells AS {unpivot}")
    primary = con.execute("SELECT coalesce(count_if(supp), 0) FROM _cells").fetchone()[0]

    for _ in range(MAX_PASSES):
        changed = 0
        for group in rule.groups:
            part = ", ".join(f'"{c}"' for c in group.partition)
            where = (
                "WHERE measure IN (" + ", ".join(f"'{m}'" for m in group.measures) + ")"
                if group.measures else ""
            )
            changed += con.execute(
                f"""
                UPDATE _cells SET supp = TRUE
                FROM (
                    SELECT _row, measure FROM (
                        SELECT _row, measure, supp,
                               count_if(supp) OVER w AS n_supp,
                               count(*) OVER w AS n_cells,
                               row_number() OVER (PARTITION BY {part}, supp
                                                  ORDER BY value, _row, measure) AS rank_in_part
                        FROM _cells {where}
                        WINDOW w AS (PARTITION BY {part})
                    ) WHERE n_supp = 1 AND n_cells > 1 AND NOT supp AND rank_in_part = 1
                ) pick
                WHERE _cells._row = pick._row AND _cells.measure = pick.measure
                """
            ).fetchone()[0]
        if changed == 0:
            break
    total = con.execute("SELECT coalesce(count_if(supp), 0) FROM _cells").fetchone()[0]

    select_cols = []
    for c in con.execute(f"DESCRIBE {source}").fetchall():
        name = c[0]
        if name in rule.counts:
            select_cols.append(
                f'CASE WHEN s_{name} THEN NULL ELSE r."{name}" END AS "{name}", '
                f"CASE WHEN s_{name} THEN 'c' END AS \"{name}_flag\""
            )
        elif name in rule.derived:
            deps = rule.derived[name] or rule.counts
            cond = " OR ".join(f"s_{d}" for d in deps)
            select_cols.append(f'CASE WHEN {cond} THEN NULL ELSE r."{name}" END AS "{name}"')
        else:
            select_cols.append(f'r."{name}"')
    flags = ", ".join(f"bool_or(supp) FILTER (WHERE measure = '{c}') AS s_{c}" for c in rule.counts)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {target} AS
        WITH f AS (SELECT _row, {flags} FROM _cells GROUP BY _row)
        SELECT {', '.join(select_cols)}
        FROM _rows r JOIN f USING (_row)
        ORDER BY r._row
        """
    )
    con.execute("DROP TABLE _cells")
    con.execute("DROP TABLE _rows")
    return {"primary": int(primary), "secondary": int(total - primary)}
