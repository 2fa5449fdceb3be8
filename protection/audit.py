"""The disclosure audit: what publication waits for.

It reads the unprotected marts (schema `marts`, with their cells' key sums) and the tables
about to be published (schema `publish`), and counts, per rule, the cells that break it. Any
count > 0 blocks publication:

- `small_published`: a published count (or magnitude) from 1 to js (DE06_MIN_CELL − 1);
- `not_from_ptable`: a published count that is not its true count plus the deviation the p-table
  gives for its cell key (looked up here by a join on the p-table, independently of the
  macros that perturbed it), or a magnitude that does not follow the magnitude rule — this is
  also what bounds every deviation by D;
- `two_values`: cells of the same records (same true value and cell key) published with two
  values, anywhere in the release;
- `changed_since_release`: a cell of the same records published with another value by the
  previous release (same p-table), kept in `ops.ckm_released`;
- `derived_not_following`: a derived figure (rate, ratio, share, mean, balance, median age)
  that is not what its declared formula gives on the published figures;
- `negative`: a negative count, true or published;
- `unclassified_columns`: a numeric column of a mart that no declaration classifies, or a
  mart whose declared keys do not identify its rows (its cells could not be told apart).

It also measures the perturbation's utility per mart, level and kind (counts or magnitudes), as
`cellKey::ck_cnt_measures` does: cells, cells perturbed, mean and largest absolute deviation,
mean relative deviation of non-zero cells, non-zero cells published as 0, and the relative
deviation of the level's total.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from protection.cellkey import KEY_MODULUS, MAGNITUDE_SHARE
from protection.perturb import KEY_SUFFIX, TOP_SUFFIX, Perturbation, _q, derived_check_sql
from protection.perturb import unclassified_columns as _unclassified

RULES = (
    "small_published",
    "not_from_ptable",
    "two_values",
    "changed_since_release",
    "derived_not_following",
    "negative",
    "unclassified_columns",
)
RELEASED = "ops.ckm_released"
# the cells of the release being audited (true values), for the protection step only: a
# temporary table (writing its 530,000 rows to the warehouse file took 0.2 s of a month at
# province scale); what the next release is held to goes to CANDIDATE
CELLS = "_ckm_cells"
# the release's distinct cells (true value, key, published value), kept in the warehouse until
# the publication makes them the reference (record_release)
CANDIDATE = "ops.ckm_release_candidate"


@dataclass
class AuditResult:
    failures: dict[str, int]
    cells: int
    magnitudes: int
    perturbed: int
    max_abs_deviation: float
    utility: list[dict] = field(default_factory=list)
    details: dict[str, list[str]] = field(default_factory=dict)  # where, never a value

    @property
    def passed(self) -> bool:
        return not any(self.failures.values())


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict[str, str]:
    """A table's columns and their types, in order (duckdb_columns(): information_schema is
    several times slower)."""
    return dict(
        con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = "
            "current_database() AND schema_name = ? AND table_name = ? ORDER BY column_index",
            [schema, table],
        ).fetchall()
    )


def schema_columns(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, dict[str, str]]:
    """Every table of a schema: its columns and their types, in order, read in one query (one
    `table_columns` call per table took 3 ms each, 0.3 s of a protection's 90 calls)."""
    out: dict[str, dict[str, str]] = {}
    for table, column, data_type in con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE database_name = "
        "current_database() AND schema_name = ? ORDER BY table_name, column_index",
        [schema],
    ).fetchall():
        out.setdefault(table, {})[column] = data_type
    return out


def load_ptable(con: duckdb.DuckDBPyConnection, ptable) -> None:
    """The p-table in force as a table (the audit's independent lookup)."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _ckm_ptable (i INTEGER, j INTEGER, v INTEGER, p DOUBLE, "
        "lower DOUBLE, upper DOUBLE)"
    )
    con.executemany(
        "INSERT INTO _ckm_ptable VALUES (?, ?, ?, ?, ?, ?)",
        [(r.i, r.j, r.v, r.p, r.lower, r.upper) for r in ptable.table],
    )


def collect_cells(
    con: duckdb.DuckDBPyConnection, marts: dict[str, Perturbation], source: str, published: str
) -> None:
    """One row per published count or magnitude cell (a NULL is no cell: a capacity column on
    an origin row, a population not covered yet): its true value, key (mod 2³²), largest
    contribution (magnitudes) and published value, in the temporary table CELLS (true values:
    never outside the warehouse). One join of a mart with its published table, its cells unnested from it."""
    selects = []
    for name, p in marts.items():
        if not p.counts and not p.magnitudes:
            continue
        keys = ", ".join(_q(k) for k in p.keys)
        cells = [
            f"""{{'measure': '{c}', 'kind': 'count', 'original': m.{_q(c)}::BIGINT,
                 'key': m.{_q(c + KEY_SUFFIX)}::BIGINT, 'top': NULL::DOUBLE,
                 'published': x.{_q(c)}::BIGINT}}"""
            for c in p.counts
        ] + [
            f"""{{'measure': '{c}', 'kind': 'magnitude', 'original': m.{_q(c)}::BIGINT,
                 'key': m.{_q(c + KEY_SUFFIX)}::BIGINT, 'top': m.{_q(c + TOP_SUFFIX)}::DOUBLE,
                 'published': x.{_q(c)}::BIGINT}}"""
            for c in p.magnitudes
        ]
        level = p.level.replace("area_level", "m.area_level")
        selects.append(
            f"""SELECT '{name}' AS mart, c.measure, c.kind, level, c.original,
                       ((c.key % {KEY_MODULUS}) + {KEY_MODULUS}) % {KEY_MODULUS} AS key,
                       c.top, c.published
                FROM (SELECT ({level}) AS level, unnest([{", ".join(cells)}]) AS c
                      FROM {source}.{_q(name)} m JOIN {published}.{_q(name)} x USING ({keys}))
                WHERE c.original IS NOT NULL"""
        )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {CELLS} AS "
        + (
            " UNION ALL ".join(selects)
            if selects
            else "SELECT NULL::VARCHAR AS mart, NULL::VARCHAR AS measure, NULL::VARCHAR AS kind, "
            "NULL::VARCHAR AS level, NULL::BIGINT AS original, NULL::BIGINT AS key, "
            "NULL::DOUBLE AS top, NULL::BIGINT AS published WHERE FALSE"
        )
    )


def _expected_sql(ptable) -> str:
    """The published value each cell should have, recomputed from the p-table table."""
    js, top = ptable.js, ptable.ncat
    ck = f"c.key::DOUBLE / {KEY_MODULUS}"
    return f"""
        WITH looked_up AS (
            SELECT c.*, pc.v AS count_v, pm.v AS magnitude_v
            FROM {CELLS} c
            LEFT JOIN _ckm_ptable pc
              ON c.kind = 'count' AND pc.i = least(c.original, {top})
             AND {ck} >= pc.lower AND {ck} < pc.upper
            LEFT JOIN _ckm_ptable pm
              ON c.kind = 'magnitude' AND pm.i = {top} AND {ck} >= pm.lower AND {ck} < pm.upper
        ),
        raw AS (
            SELECT *,
                CASE WHEN kind = 'count' THEN
                         CASE WHEN original <= 0 THEN original ELSE original + count_v END
                     WHEN original <= 0 OR coalesce(top, 0) <= 0 THEN greatest(original, 0)
                     ELSE greatest(0, original + round({MAGNITUDE_SHARE} * top * magnitude_v))
                END AS r
            FROM looked_up
        )
        SELECT * EXCLUDE (r, count_v, magnitude_v),
            (CASE WHEN kind = 'magnitude' AND r BETWEEN 1 AND {js}
                  THEN CASE WHEN 2 * r < {js + 1} THEN 0 ELSE {js + 1} END
                  ELSE r END)::BIGINT AS expected
        FROM raw"""


def _each(con: duckdb.DuckDBPyConnection, queries: list[str]) -> list[int]:
    """The single count each query gives, all of them in one statement, in their order."""
    if not queries:
        return []
    rows = con.execute(
        " UNION ALL ".join(f"SELECT {i} AS i, ({q}) AS n" for i, q in enumerate(queries))
    ).fetchall()
    return [n for _, n in sorted(rows)]


def audit(
    con: duckdb.DuckDBPyConnection,
    marts: dict[str, Perturbation],
    ptable,
    source: str = "marts",
    published: str = "publish",
) -> AuditResult:
    """Audit the tables of `published` against the unprotected marts of `source`."""
    failures = dict.fromkeys(RULES, 0)
    details: dict[str, list[str]] = {rule: [] for rule in RULES}
    source_columns = schema_columns(con, source)
    # (the checks of every mart in one query each: one query per mart and per derived column
    # took 0.3 s of a month at province scale, their planning more than their work)
    keyed = []
    for name, p in marts.items():
        loose = _unclassified(p, source_columns.get(name, {}))
        if loose:
            failures["unclassified_columns"] += len(loose)
            details["unclassified_columns"] += [f"{name}.{c}" for c in loose]
        else:
            keyed.append((name, p))
    for (name, _), repeated in zip(
        keyed,
        _each(
            con,
            [
                f"SELECT count(*) - count(DISTINCT ({', '.join(_q(k) for k in p.keys)})) "
                f"FROM {source}.{_q(name)}"
                for name, p in keyed
            ],
        ),
        strict=True,
    ):
        if repeated:
            failures["unclassified_columns"] += repeated
            details["unclassified_columns"].append(f"{name}: {repeated} rows repeat its keys")
    if failures["unclassified_columns"]:  # the cells cannot be read reliably
        return AuditResult(failures, 0, 0, 0, 0.0, [], details)

    load_ptable(con, ptable)
    collect_cells(con, marts, source, published)
    checked = _expected_sql(ptable)
    per_rule = {
        "small_published": f"published BETWEEN 1 AND {ptable.js}",
        "not_from_ptable": "published IS DISTINCT FROM expected",
        "negative": "original < 0 OR published < 0",
    }
    counts = con.execute(
        "SELECT "
        + ", ".join(f"count(*) FILTER (WHERE {where})" for where in per_rule.values())
        + f" FROM ({checked})"
    ).fetchone()
    for (rule, where), n in zip(per_rule.items(), counts, strict=True):
        failures[rule] = n
        if n:  # where, for the operators: mart and column, never a value
            details[rule] = [
                f"{m}.{c}: {k} cells"
                for m, c, k in con.execute(
                    f"SELECT mart, measure, count(*) FROM ({checked}) WHERE {where} "
                    "GROUP BY ALL ORDER BY ALL LIMIT 20"
                ).fetchall()
            ]
    con.execute(
        f"CREATE OR REPLACE TABLE {CANDIDATE} AS "
        f"SELECT DISTINCT kind, original, key, top, published FROM {CELLS}"
    )
    # cells of the same records with more than one published value: the candidate holds each
    # distinct value once (NULL aside, as count(DISTINCT published) over the cells sets it aside)
    failures["two_values"] = con.execute(
        f"""SELECT count(*) FROM (SELECT kind, original, key, top FROM {CANDIDATE}
           GROUP BY ALL HAVING count(published) > 1)"""
    ).fetchone()[0]
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'ops' AND table_name = 'ckm_released'"
    ).fetchone()[0]
    if exists:
        failures["changed_since_release"] = con.execute(
            f"""SELECT count(*) FROM {CANDIDATE} c
                JOIN {RELEASED} r ON r.ptable = ? AND r.kind = c.kind AND r.original = c.original
                 AND r.key = c.key AND r.top IS NOT DISTINCT FROM c.top
                WHERE r.published <> c.published""",
            [ptable.label],
        ).fetchone()[0]
    published_columns = schema_columns(con, published)
    derived = [
        (name, col, derived_check_sql(name, p, col, published_columns.get(name, {}), published))
        for name, p in marts.items()
        for col in p.derived
    ]
    for (name, col, _), n in zip(derived, _each(con, [sql for *_, sql in derived]), strict=True):
        if n:
            failures["derived_not_following"] += n
            details["derived_not_following"].append(f"{name}.{col}: {n} rows")

    utility = [
        dict(zip(UTILITY_COLUMNS, row, strict=True))
        for row in con.execute(
            f"""SELECT mart, level, kind, count(*) AS cells,
                      count(*) FILTER (WHERE original > 0) AS nonzero_cells,
                      count(*) FILTER (WHERE published <> original) AS perturbed,
                      avg(abs(published - original)) AS mean_abs_deviation,
                      max(abs(published - original)) AS max_abs_deviation,
                      avg(abs(published - original) / original) FILTER (WHERE original > 0)
                          AS mean_relative_deviation,
                      count(*) FILTER (WHERE original > 0 AND published = 0) AS nonzero_to_zero,
                      abs(sum(published) - sum(original)) / nullif(sum(original), 0)
                          AS total_relative_deviation
               FROM {CELLS} GROUP BY ALL ORDER BY mart, level, kind"""
        ).fetchall()
    ]
    totals = con.execute(
        f"""SELECT count(*) FILTER (WHERE kind = 'count'), count(*) FILTER (WHERE kind = 'magnitude'),
                  count(*) FILTER (WHERE published <> original),
                  coalesce(max(abs(published - original)) FILTER (WHERE kind = 'count'), 0)
           FROM {CELLS}"""
    ).fetchone()
    return AuditResult(
        failures, totals[0], totals[1], totals[2], float(totals[3]), utility, details
    )


UTILITY_COLUMNS = (
    "mart",
    "level",
    "kind",
    "cells",
    "nonzero_cells",
    "perturbed",
    "mean_abs_deviation",
    "max_abs_deviation",
    "mean_relative_deviation",
    "nonzero_to_zero",
    "total_relative_deviation",
)


def record_release(con: duckdb.DuckDBPyConnection, ptable) -> None:
    """After a publication: the release's cells (true value, key, published value) become the
    reference the next release is held to (same records, same value)."""
    con.execute(
        f"CREATE OR REPLACE TABLE {RELEASED} AS SELECT *, ? AS ptable FROM {CANDIDATE}",
        [ptable.label],
    )


def drop_work_tables(con: duckdb.DuckDBPyConnection) -> None:
    for t in ("_ckm_checked", "_ckm_ptable", CELLS):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    con.execute("DROP TABLE IF EXISTS ops.ckm_cells")  # where earlier versions kept the cells
