"""How a mart is protected, declared once (`Perturbation`), and the SQL that turns the mart of
the warehouse (schema `marts`, unprotected, with the key sums of its cells) into the table that
is published (schema `publish`).

A mart's SQL computes, beside every count `c`, the sum of its records' count keys `c__ck`, and
beside every magnitude `m`, its records' magnitude keys `m__ck` and its largest single
contribution `m__top` (protection/cellkey.py). Publication then:

1. perturbs every count (`ckm_count`) and magnitude (`ckm_magnitude`) and drops the key sums;
2. recomputes every derived figure (rates, ratios, shares, means, balances, the median age)
   from the perturbed values, by the SQL expression declared here — so no exact count can be
   read back from a derived figure;
3. keeps the figures declared `exact` (register counts of establishments, rooms, areas) and the
   keys and labels as they are.

Every numeric or boolean column of a mart must be declared one of these; a column nobody
declared is refused (`unclassified_columns`), so a new count can never leave unperturbed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

KEY_SUFFIX = "__ck"  # the sum of the cell's records' keys
TOP_SUFFIX = "__top"  # a magnitude's largest single contribution
NUMERIC_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "FLOAT",
    "DOUBLE",
    "DECIMAL",
    "BOOLEAN",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
)


@dataclass(frozen=True)
class Perturbation:
    """The protection of one mart.

    keys: the columns identifying a row (grain), published as they are.
    counts: counts of persons or of events about persons: perturbed by the p-table.
    magnitudes: sums over persons' records (guest-nights, fines): perturbed around the cell's
        largest contribution.
    derived: column → SQL expression computing it from the published row `p` (perturbed values;
        may use window functions over the published table and the relations of `joins`).
    joins: SQL appended after `FROM p` for derived figures that need other published marts
        (schema `publish`).
    exact: figures published as counted: register counts of businesses (establishments, rooms,
        beds), areas, coverage — never persons or their events.
    labels: numeric columns that are labels, not figures (an age group's lower bound).
    level: SQL over the mart's columns giving a row's geographic level (the utility measures
        are reported per mart and level)."""

    keys: tuple[str, ...]
    counts: tuple[str, ...] = ()
    magnitudes: tuple[str, ...] = ()
    derived: dict[str, str] = field(default_factory=dict)
    joins: str = ""
    exact: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    level: str = "area_level"

    @property
    def internal(self) -> tuple[str, ...]:
        """The working columns of the unprotected mart that never leave the warehouse."""
        return (
            *(c + KEY_SUFFIX for c in self.counts),
            *(m + KEY_SUFFIX for m in self.magnitudes),
            *(m + TOP_SUFFIX for m in self.magnitudes),
        )

    @property
    def row_wise(self) -> bool:
        """Whether each published row follows from its own mart row alone (no derived figure
        reads another row or another mart): then a period's rows can be published anew on
        their own."""
        return not self.joins and not any(
            re.search(r"\bOVER\b", expr, re.IGNORECASE) for expr in self.derived.values()
        )

    @property
    def declared(self) -> set[str]:
        return {
            *self.keys,
            *self.counts,
            *self.magnitudes,
            *self.derived,
            *self.exact,
            *self.labels,
        }

    def how(self, column: str) -> str:
        """How a published column is protected, in words (data dictionary, catalogue)."""
        if column in self.counts:
            return "perturbed count (cell key method)"
        if column in self.magnitudes:
            return "perturbed magnitude (cell key method, top contribution)"
        if column in self.derived:
            return "derived from the perturbed figures"
        if column in self.exact:
            return "published as counted (register figure, not about persons)"
        return "key or label"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def unclassified_columns(p: Perturbation, columns: dict[str, str]) -> list[str]:
    """Numeric or boolean columns of the mart that the declaration does not classify, and
    declared columns the mart does not have."""
    internal = set(p.internal)
    loose = [
        c
        for c, t in columns.items()
        if c not in internal and c not in p.declared and t.split("(")[0] in NUMERIC_TYPES
    ]
    missing = [c for c in sorted(p.declared | internal) if c not in columns]
    return loose + [f"{c} (declared, not in the mart)" for c in missing]


def publish_sql(
    name: str, p: Perturbation, columns: dict[str, str], source: str, target: str
) -> str:
    """CREATE the published table `target.name` from `source.name` (columns: the mart's columns
    and their types, in order)."""
    return f"CREATE OR REPLACE TABLE {target}.{_q(name)} AS " + protected_rows_sql(
        name, p, columns, source
    )


def protected_rows_sql(
    name: str, p: Perturbation, columns: dict[str, str], source: str, where: str = ""
) -> str:
    """The published rows of `source.name` (those matching `where`, in the mart's order). In
    layers, so each cell key is computed once: the keys as fractions, then the perturbed counts
    and raw magnitudes, then the magnitudes' small values, then the derived figures from the
    perturbed row."""
    keyed = p.counts + p.magnitudes
    fractions = ", ".join(f"cell_key({_q(c + KEY_SUFFIX)}) AS {_q(c + '__f')}" for c in keyed)
    replaced = ", ".join(
        [f"ckm_count_at({_q(c)}, {_q(c + '__f')}) AS {_q(c)}" for c in p.counts]
        + [
            f"ckm_magnitude_raw({_q(m)}, {_q(m + TOP_SUFFIX)}, {_q(m + '__f')}) AS {_q(m)}"
            for m in p.magnitudes
        ]
    )
    dropped = ", ".join(_q(c) for c in (*p.internal, *(c + "__f" for c in keyed)))
    small = ", ".join(f"ckm_no_small({_q(m)}) AS {_q(m)}" for m in p.magnitudes)
    derived = ", ".join(
        f"CAST(({expr}) AS {columns[col]}) AS {_q(col)}" for col, expr in p.derived.items()
    )
    return (
        f"WITH k AS (SELECT row_number() OVER () AS _position, *"
        f"{', ' + fractions if fractions else ''} FROM {source}.{_q(name)}"
        f"{f' WHERE {where}' if where else ''}), "
        f"m AS (SELECT *{f' EXCLUDE ({dropped})' if dropped else ''}"
        f"{f' REPLACE ({replaced})' if replaced else ''} FROM k), "
        f"p AS (SELECT *{f' REPLACE ({small})' if small else ''} FROM m) "
        f"SELECT p.* EXCLUDE (_position){f' REPLACE ({derived})' if derived else ''} "
        f"FROM p {p.joins} ORDER BY p._position"
    )


def derived_check_sql(
    name: str, p: Perturbation, column: str, columns: dict[str, str], published: str
) -> str:
    """The number of rows of the published table whose derived `column` does not follow from
    its published figures (the declared expression evaluated again on the published table)."""
    kind = columns[column].split("(")[0]
    if kind in ("DOUBLE", "FLOAT", "DECIMAL"):
        differs = (
            "(stored IS NULL) <> (again IS NULL) "
            "OR abs(stored - again) > 1e-9 * greatest(1, abs(again))"
        )
    else:
        differs = "stored IS DISTINCT FROM again"
    return (
        f"SELECT count(*) FROM (SELECT p.{_q(column)} AS stored, "
        f"CAST(({p.derived[column]}) AS {columns[column]}) AS again "
        f"FROM {published}.{_q(name)} p {p.joins}) WHERE {differs}"
    )
