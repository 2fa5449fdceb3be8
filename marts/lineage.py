"""Lineage from the SQL itself: which tables each SQL file reads and creates, and so which
assets its asset depends on.

Every `marts/*.sql` and `quality/sql/*.sql` file is parsed with sqlglot (DuckDB dialect). A
file's inputs are the schema-qualified tables it reads, less the tables it creates itself; CTE
names and temp tables (created unqualified) are the file's own business. A table maps to the
asset that produces it:

- a table created by an SQL file belongs to that file's asset (`marts/<stem>.sql` is the asset
  `marts/<stem>`, whatever schema the table is in: `marts`, `intermediate`, …; a file that
  creates several tables has them all as outputs);
- `quality/sql/stage_<…>.sql` reads exactly one raw table, `raw.<source>`, and its asset writes
  `staging.<source>` and `quarantine.<source>` (quality/staging.py);
- `raw.*`, `staging.*`, `quarantine.*` tables are assets of the same name; the reference tables
  built in Python (assets/reference.py) are listed in PYTHON_TABLES;
- `ops.load_log` is written by every raw load: a read of it names its source
  (`WHERE source = 'events'`), and depends on that raw asset.

tests/unit/test_lineage.py checks that every asset declares what its SQL reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import sqlglot
from sqlglot import exp

REPO = Path(__file__).resolve().parent.parent
SQL_DIRS = (REPO / "marts", REPO / "quality" / "sql")

# Tables written by Python assets rather than SQL files: table -> asset key.
_ADMIN_UNITS = ("reference", "admin_units")
PYTHON_TABLES: dict[str, tuple[str, ...]] = {
    **{
        f"reference.{t}": _ADMIN_UNITS
        for t in (
            "communes_legacy",
            "communes_2025",
            "commune_crosswalk",
            "commune_lookup",
            "areas",
            "area_membership",
            "id_province_prefixes",
        )
    },
    "reference.penal_code_iccs": ("reference", "penal_code_iccs"),
    "reference.violation_codes": ("reference", "violation_codes"),
    **{
        f"reference.{t}": ("reference", "countries")
        for t in ("countries", "nationalities", "nationality_spellings")
    },
}
SAME_NAME_SCHEMAS = ("raw", "staging", "quarantine")
LOAD_LOG = "ops.load_log"


class LineageError(ValueError):
    """An SQL file whose inputs cannot be traced to an asset."""


@dataclass(frozen=True)
class SqlFile:
    path: Path
    reads: frozenset[str]  # schema.table read, less the file's own outputs
    creates: frozenset[str]  # schema.table created (temp tables excluded)
    unqualified: frozenset[str]  # tables read without a schema that are no CTE nor own temp

    @property
    def name(self) -> str:
        return (
            str(self.path.relative_to(REPO)) if self.path.is_relative_to(REPO) else str(self.path)
        )

    @property
    def is_staging(self) -> bool:
        return self.path.parent.name == "sql" and self.path.name.startswith("stage_")

    @property
    def source(self) -> str:
        """For a staging file: the source it stages (its one raw input)."""
        raws = sorted(t.split(".", 1)[1] for t in self.reads if t.startswith("raw."))
        if len(raws) != 1:
            raise LineageError(
                f"{self.name}: a staging file reads exactly one raw table, found {raws or 'none'}. "
                "Fix: stage one source per file."
            )
        return raws[0]

    @property
    def asset_key(self) -> tuple[str, ...]:
        return ("staging", self.source) if self.is_staging else ("marts", self.path.stem)

    @property
    def outputs(self) -> frozenset[str]:
        if self.is_staging:  # quality/staging.split_checked renames staging._checked_<source>
            return frozenset({f"staging.{self.source}", f"quarantine.{self.source}"})
        return self.creates


def _qualified(table: exp.Table) -> str | None:
    return f"{table.db}.{table.name}" if table.db else None


def _load_log_source(table: exp.Table, file: str) -> str:
    """The source a read of ops.load_log filters on (`source = '<name>'`)."""
    select = table.find_ancestor(exp.Select)
    where = select.args.get("where") if select else None
    for eq in where.find_all(exp.EQ) if where else ():
        col, lit = eq.left, eq.right
        if isinstance(lit, exp.Column):
            col, lit = lit, col
        if isinstance(col, exp.Column) and col.name == "source" and isinstance(lit, exp.Literal):
            return lit.this
    raise LineageError(
        f"{file}: reads {LOAD_LOG} without `WHERE source = '<source>'`, so its raw input is "
        "unknown. Fix: filter the load log on the source the query needs."
    )


def parse_sql(path: Path) -> SqlFile:
    name = str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)
    try:
        statements = [
            s for s in sqlglot.parse(path.read_text(encoding="utf-8"), dialect="duckdb") if s
        ]
    except sqlglot.errors.ParseError as exc:
        raise LineageError(f"{name}: sqlglot cannot parse it as DuckDB SQL ({exc}).") from exc
    creates: set[str] = set()
    temps: set[str] = set()
    reads: set[str] = set()
    unqualified: set[str] = set()
    for statement in statements:
        if isinstance(statement, exp.Drop):
            continue  # dropping a stale table of an older layout reads nothing
        targets: set[int] = set()
        if isinstance(statement, (exp.Create, exp.Insert)):
            target = (
                statement.this
                if isinstance(statement.this, exp.Table)
                else statement.this.find(exp.Table)
            )
            targets.add(id(target))
            qualified = _qualified(target)
            temporary = isinstance(statement, exp.Create) and any(
                isinstance(p, exp.TemporaryProperty)
                for p in statement.find_all(exp.TemporaryProperty)
            )
            if qualified and not temporary and target.db not in ("temp",):
                if isinstance(statement, exp.Create):
                    creates.add(qualified)
            else:
                temps.add(target.name)
        ctes = {cte.alias_or_name for cte in statement.find_all(exp.CTE)}
        for table in statement.find_all(exp.Table):
            if id(table) in targets or not table.name:
                continue
            qualified = _qualified(table)
            if qualified == LOAD_LOG:
                reads.add(f"raw.{_load_log_source(table, name)}")
            elif qualified:
                reads.add(qualified)
            elif table.name not in ctes and table.name not in temps:
                unqualified.add(table.name)
    return SqlFile(path, frozenset(reads - creates), frozenset(creates), frozenset(unqualified))


@lru_cache(maxsize=1)
def sql_files() -> dict[str, SqlFile]:
    """Every SQL file of the project, by its path relative to the repository."""
    files = {}
    for directory in SQL_DIRS:
        for path in sorted(directory.glob("*.sql")):
            parsed = parse_sql(path)
            files[parsed.name] = parsed
    return files


def producers(files: dict[str, SqlFile] | None = None) -> dict[str, tuple[str, ...]]:
    """schema.table -> the asset key that writes it, from the SQL files and PYTHON_TABLES."""
    return _producers(tuple((files or sql_files()).values()))


@lru_cache(maxsize=4)
def _producers(files: tuple[SqlFile, ...]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = dict(PYTHON_TABLES)
    for f in files:
        for table in f.outputs:
            if table in out and out[table] != f.asset_key:
                raise LineageError(
                    f"{f.name}: creates {table}, which {'/'.join(out[table])} writes too. Fix: one "
                    "asset per table."
                )
            out[table] = f.asset_key
    return out


def producer(
    table: str, reader: str = "", files: dict[str, SqlFile] | None = None
) -> tuple[str, ...]:
    found = producers(files).get(table)
    if found:
        return found
    schema, name = table.split(".", 1)
    if schema in SAME_NAME_SCHEMAS:
        return (schema, name)
    raise LineageError(
        f"{reader or 'an SQL file'}: reads {table}, which no SQL file creates and no asset is "
        "known to write. Fix: create it in an SQL file, or add its Python asset to "
        "marts/lineage.PYTHON_TABLES."
    )


def deps_of(sql_file: str, files: dict[str, SqlFile] | None = None) -> list[list[str]]:
    """The asset keys an SQL file's asset depends on (sorted), e.g.
    deps_of("marts/population_rates.sql")."""
    files = files or sql_files()
    f = files.get(sql_file)
    if f is None:
        raise LineageError(f"{sql_file}: no such SQL file under marts/ or quality/sql/.")
    own = f.asset_key
    keys = {producer(t, f.name, files) for t in f.reads} - {own}
    return [list(k) for k in sorted(keys)]
