"""Validation suites: the source contracts as great-expectations expectations.

Each suite runs against a staging table of the warehouse where the data is: great-expectations'
SQL datasource through the `duckdb-sqlalchemy` dialect, on a cursor of the pipeline's open
connection (the regex expectations, which GX does not support on DuckDB, are run as equivalent
SQL, see `_in_duckdb`), with an ephemeral context, so nothing is written to disk. The pandas
route stays for the test proving both give the same verdicts. Each suite is declared with
`@suite(table, blocking)` and says what it checks in its docstring: blocking suites (contracts)
guard the marts, the others carry quality thresholds. Results feed Dagster asset checks
(assets.common.suite_check).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from types import ModuleType

import duckdb

_IMPORTING = threading.Lock()  # one import at a time: a caller waits for one under way
_BACKGROUND = threading.Lock()  # guards _background: one background import per process
_background: threading.Thread | None = None


def great_expectations() -> ModuleType:
    """great-expectations, imported and configured on first use (or by `import_in_background`,
    then a caller waits for that import to finish). Importing it takes 5 s (8 s without
    compiled bytecode: its expectation classes, altair): a run pays it once, when its first
    file loads (`import_in_background`); `make dev`, a rerun that validates nothing and the
    tools that never validate do not pay it at all."""
    with _IMPORTING:
        return _imported()


def import_in_background() -> None:
    """Start importing great-expectations in a thread of its own, once per process, unless it
    is imported already. A run that loads a new file will validate it: the import (about 2 s of
    Python at province scale, on 2 cores) then runs while the loads and the staging SQL before
    the first suite run in DuckDB, which releases the GIL. A failed import is left to the
    first suite, which imports again and reports it."""
    global _background
    with _BACKGROUND:
        if _background is not None or "great_expectations.expectations" in sys.modules:
            return
        _background = threading.Thread(
            target=_import_quietly, name="great-expectations-import", daemon=True
        )
        _background.start()


def _import_quietly() -> None:
    # The import is Python, holding the GIL: at the default switch interval (5 ms) the run's
    # thread waited up to 5 ms for it after each DuckDB statement, and the steps it overlapped
    # took 2.2 s longer in a month at province scale; at 0.5 ms, 1.2 s (the first suite 2.6 s
    # shorter). The interval is put back when the import is done.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)
    try:
        great_expectations()
    except Exception:  # the first suite imports again and reports it
        pass
    finally:
        sys.setswitchinterval(interval)


@functools.cache
def _imported() -> ModuleType:
    """The import itself (great_expectations holds the lock).

    Of its 5 s, 1.1 s was `rfc3987_syntax` building its IRI grammar at import: jsonschema
    (through altair, which GX imports for its renderers) loads it when installed (jupyterlab
    brings it) to offer an "iri" format check no suite uses. It is hidden during GX's import
    (jsonschema then goes without that check, as it does where the package is not installed) and
    importable again afterwards.

    Another 0.2 to 0.3 s went to altair and scipy.stats, which GX's modules import for
    expectations and renderers no suite uses (`expect_column_kl_divergence_to_be_less_than`
    imports both): during the import they get a stand-in that imports the real module when one
    of its attributes is first read (`DEFERRED_IMPORTS`). While an import runs in the
    background, another thread importing one of them gets the stand-in (which works as the
    module); nothing in a run's steps imports them."""
    hidden = "rfc3987_syntax" not in sys.modules
    if hidden:
        sys.modules["rfc3987_syntax"] = None  # an ImportError, which jsonschema catches
    deferred = {}
    for name in DEFERRED_IMPORTS:
        if name not in sys.modules:
            sys.modules[name] = deferred[name] = _DeferredModule(name)
    try:
        import great_expectations as gx
        import great_expectations.expectations  # noqa: F401 (the expectation classes)
        from great_expectations.execution_engine import pandas_execution_engine
    finally:
        if hidden and sys.modules.get("rfc3987_syntax", 0) is None:
            del sys.modules["rfc3987_syntax"]
        for name, stand_in in deferred.items():  # GX's modules keep theirs; others import
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    # GX fingerprints every pandas batch by hashing the whole frame (two passes, about 3 s per
    # million rows here) only to label the batch. Our batches are labelled by suite and table, so
    # the fingerprint is switched off: frames "larger" than 0 bytes are not hashed.
    pandas_execution_engine.HASH_THRESHOLD = 0
    return gx


DEFERRED_IMPORTS = ("altair", "scipy.stats")


class _DeferredModule(ModuleType):
    """A module imported when one of its attributes is first read (then it holds the real
    module's attributes). The import system's probes (`__path__`, `__spec__`, ...) see an
    ordinary module."""

    def __getattr__(self, attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        if sys.modules.get(self.__name__) is self:  # read during GX's own import
            del sys.modules[self.__name__]
        real = importlib.import_module(self.__name__)
        self.__dict__.update(real.__dict__)
        return getattr(real, attr)


class _Expectations:
    """`great_expectations.expectations`, imported when an expectation is first named
    (`gxe.ExpectColumnValuesToNotBeNull(...)` in the domains' suites)."""

    def __getattr__(self, name: str):
        return getattr(great_expectations().expectations, name)


gxe = _Expectations()


SEXES = ["Nam", "Nữ"]


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


def suite(table: str, blocking: bool):
    """Declare a suite: the staging table it validates, whether its Dagster check blocks the
    marts (a contract) or warns (quality thresholds), and what it checks (the decorated
    function's docstring, its lines joined). The one place these are written:
    assets.common.suite_check builds the check from them. The decorated function returns the
    expectations (it may read reference tables through `con`); calling it gives the Suite."""

    def declare(expectations: Callable[[duckdb.DuckDBPyConnection], list]):
        name = f"{table.replace('.', '_')}_{'contract' if blocking else 'quality'}"
        description = " ".join((expectations.__doc__ or "").split())
        if not description:
            raise ValueError(f"{expectations.__name__}: say what the suite checks in its docstring")

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


@dataclass(frozen=True)
class AppendedRows:
    """What an append changed in a staging table since a suite last passed on it: the rows of
    the new landing files (`_source_file`), and the earlier rows it may rewrite: those matching
    `rewritten_where` in the columns `rewritten_columns`, and any row in the columns
    `rewritten_anywhere` (warehouse.incremental.APPEND declares them per source)."""

    files: tuple[str, ...]
    rewritten_where: str | None = None
    rewritten_columns: tuple[str, ...] = ()
    rewritten_anywhere: tuple[str, ...] = ()


# The expectations whose verdict on a table is the verdict on its rows one by one: unexpected
# rows of the whole table = those of the rows an append added or rewrote, when every other row
# passed before. Uniqueness is one too, validated with every row sharing a key with them.
_ROW_WISE = (
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_not_be_in_set",
    "expect_column_values_to_be_between",
    "expect_column_value_lengths_to_equal",
    "expect_column_values_to_match_regex",
    "expect_column_pair_values_a_to_be_greater_than_b",
)
_UNIQUE = "expect_column_values_to_be_unique"


def digest(suite: Suite) -> str:
    """A digest of the suite's expectations and their parameters (a changed expectation, or a
    changed reference list such as the communes, validates the whole table again)."""
    configs = [e.configuration.to_json_dict() for e in suite.expectations]
    for c in configs:
        c.pop("id", None)
    return hashlib.sha256(json.dumps(configs, sort_keys=True, default=str).encode()).hexdigest()


def validates_appended_rows(suite: Suite, appended: AppendedRows) -> bool:
    """Whether the suite's verdict on the whole table follows from the rows an append added or
    rewrote (given that it passed on the table before): every expectation row-wise or a
    uniqueness, none with a `mostly` threshold (a share of the whole table), none reading a
    column the append may rewrite on any row."""
    for e in suite.expectations:
        if e.expectation_type not in (*_ROW_WISE, _UNIQUE):
            return False
        if getattr(e, "mostly", None) not in (None, 1, 1.0):
            return False
    return not set(suite.columns) & set(appended.rewritten_anywhere)


def _appended_batch_sql(suite: Suite, appended: AppendedRows) -> str:
    """The rows to validate: those of the new files, the earlier rows the append may have
    rewritten (when the suite reads a rewritten column), and every other row sharing a value of
    a unique column with them (so a duplicate across months is found, and counted, as in the
    whole table)."""
    cols = ", ".join(f'"{c}"' for c in suite.columns)
    files = ", ".join("'" + f.replace("'", "''") + "'" for f in appended.files) or "NULL"
    changed = [f"SELECT {cols} FROM {suite.table} WHERE _source_file IN ({files})"]
    earlier = f"_source_file NOT IN ({files})"
    if appended.rewritten_where and set(suite.columns) & set(appended.rewritten_columns):
        rewritten = f"coalesce(({appended.rewritten_where}), FALSE)"
        changed.append(f"SELECT {cols} FROM {suite.table} WHERE {rewritten} AND {earlier}")
        earlier += f" AND NOT {rewritten}"
    keys = [e.column for e in suite.expectations if e.expectation_type == _UNIQUE]
    sql = "WITH changed AS (" + " UNION ALL ".join(changed) + ") SELECT * FROM changed"
    if keys:
        shared = " OR ".join(f'"{k}" IN (SELECT "{k}" FROM changed)' for k in keys)
        sql += f" UNION ALL SELECT {cols} FROM {suite.table} WHERE {earlier} AND ({shared})"
    return sql


def validate(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    route: str = "duckdb",
    appended: AppendedRows | None = None,
) -> dict:
    """Run a suite; return success, evaluated rows and, per failed expectation, the failing count
    and share (never a cell value: failures go to Dagster metadata).

    `appended` (route "duckdb"; `validates_appended_rows` must hold, and the suite must have
    passed on the table before the append): validate only the rows the append added or
    rewrote, with those sharing their unique keys, copied to a work table of the warehouse
    (great-expectations reads through its own cursors, which see no temporary table). The
    verdict and the failing counts are those of the whole table; shares are of the whole table
    too.

    route "duckdb" (the pipeline's): great-expectations runs its SQL in the warehouse, on the
    caller's open connection; route "pandas": on a pandas copy of the suite's columns (kept to
    prove both routes give the same verdicts, tests/assets/test_suites_duckdb.py)."""
    if route not in ("duckdb", "pandas"):
        raise ValueError(f"unknown great-expectations route {route!r}: use 'duckdb' or 'pandas'")
    if appended is not None:
        return _validate_appended(con, suite, appended)
    gx = great_expectations()
    from great_expectations.data_context.types.base import ProgressBarsConfig

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
        schema, table = suite.table.rsplit(".", 1)  # (catalog.)schema, table
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


VALIDATING = "validating"  # the in-memory catalog of the rows an append's suites validate


def _validate_appended(
    con: duckdb.DuckDBPyConnection, suite: Suite, appended: AppendedRows
) -> dict:
    if not validates_appended_rows(suite, appended):
        raise ValueError(f"suite {suite.name} cannot be validated on appended rows only")
    # The rows to validate go to an in-memory database attached to the connection (its cursors,
    # which great-expectations reads through, see it), not to the warehouse file: written there
    # and dropped, a month of stays cost 0.15-0.3 s more at province scale.
    con.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {VALIDATING}")
    batch = f"{VALIDATING}.main._validating_{suite.name}"
    con.execute(f"CREATE OR REPLACE TABLE {batch} AS {_appended_batch_sql(suite, appended)}")
    try:
        outcome = validate(con, replace(suite, table=batch))
    finally:
        con.execute(f"DROP TABLE IF EXISTS {batch}")
    for failure in outcome["failed"]:  # shares of the whole table, as a whole validation gives:
        # of its non-null values (GX), of all its rows for a check of nulls
        columns = failure["column"].split(",")
        counted = " AND ".join(f'"{c}" IS NOT NULL' for c in columns)
        if failure["expectation"] == "expect_column_values_to_not_be_null":
            counted = "TRUE"
        total = con.execute(f"SELECT count(*) FROM {suite.table} WHERE {counted}").fetchone()[0]
        n = failure["unexpected_count"] or 0
        failure["unexpected_percent"] = round(100.0 * n / total, 4) if total else 0.0
    outcome["table_rows"] = con.execute(f"SELECT count(*) FROM {suite.table}").fetchone()[0]
    return outcome


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
