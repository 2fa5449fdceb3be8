"""Incremental runs: what was built from what (`ops.build_log`), so that an asset whose inputs
did not change skips its work, and a new month is staged on its own.

Every instrumented asset computes the fingerprint of its inputs before it works:

- the **code version**: sha256 of the files that define it (its SQL, the rule macros, the Python
  module, the contract), so a changed rule or mart rebuilds;
- the **upstream fingerprints**: for each asset it depends on, the fingerprint that asset
  recorded when it was last built (a reference table built in Python, which always rebuilds, is
  fingerprinted by its content instead);
- **parameters** where they matter: the pseudonym key's fingerprint (staging), DE06_MIN_CELL
  (protection and publication);
- for a raw asset, the **landing files** it holds: path, size and sha256 of the bytes, from
  `ops.load_log` (the loader hashes every file anyway to skip unchanged ones). One row per file
  (the partition) and one for the whole table. No cell value is ever logged.

**Dagster's own versioning.** The same digests are what Dagster sees: every asset declares
`code_version` = the first 16 characters of its code digest (`dagster_code_version`; assets are
defined through `assets.common.versioned_asset`, `mart_asset`, the staging specs and
`raw_code_version`), and every materialization reports `DataVersion` = its fingerprint
(`Plan.data_version`; a raw asset, the digest of the files it holds). The UI therefore shows
which assets are stale and why (a changed SQL file, an upstream with a new data version).

**Why `ops.build_log` stays beside them.** The skip decision must describe what the *warehouse*
holds, and Dagster's event log describes what runs reported: the two drift apart whenever one
is replaced without the other — a new `DAGSTER_HOME` (the tests' ephemeral instances, an
operator's fresh UI), a warehouse restored from a backup, a failed step whose tables were rolled
back after Dagster recorded events. So the record the decision reads is written in the warehouse
itself, in the same connection as the tables it describes, and Dagster gets the same versions
as a mirror. It also holds what Dagster cannot: one record per landing file (path, size, sha256)
under the raw asset, which a partition key does not identify.

When the fingerprint equals the one recorded and the asset's tables exist, the asset keeps its
tables, reports `skipped: unchanged inputs` in its metadata and records the run; otherwise it
builds and records the new fingerprint. A rerun on unchanged files therefore does no data work
past hashing the files, and `published/` is not rewritten (no new version folder).

**A new month.** The raw loader already reads only new or changed files. Staging of the
monthly sources whose rules look across months only to find *earlier* copies (re-sent
notifications, duplicate incident and violation ids; `APPEND`) stages the new files on their own
and appends them, when the only change since the last staging is files that sort after every
file already staged (the usual case: next month's delivery). Their rows are checked against the
rows already staged or quarantined, so a copy of an earlier month's record is still a
`DUPLICATE`, exactly as a staging of all months would find it; for stays, open stays of earlier
months get the new censoring date and the guest-in-two-places flag is recomputed for the guests
the new rows touch; for population events, the person-level rules (unknown person, second
death) read the earlier rows of the new rows' persons (quality/sql/append/events.sql), and an
earlier row whose verdict the new rows change (an event of a person unknown until a
late-registered birth or move-in, a death that a new death dated before it makes the second)
moves between staging and quarantine. Anything else (a replaced or withdrawn file, a month inserted before
the last one, a changed rule, register or reference table) restages the source from all of raw.
The typed and pseudonymised rows of population events are kept per file, and only a new file's
are typed (`TYPED_ROWS`).

**Periods rebuilt.** An appended stays or traffic violations staging records the first date
whose figures the append can change (`APPENDED`). A mart with a period (`Mart.period`: the
lodging marts, traffic_violations_monthly, population_indicators) whose only
changed inputs are such appends onto the very builds it last read recomputes its periods from
that date on and keeps the earlier ones (`periods_changed_from`, `rebuild_periods`; its SQL
computes only the periods from the variable `rebuild_from` on); it records the same marker for
the marts that read it. Protection keeps the published table of a mart that is the very build
it last read, and publishes anew only the periods from the marker's date of a period mart whose
published rows each follow from their own mart row (`upstream_changes`,
assets/publish.protection_kept_rows); the audit still reads every table. Both replace the
rows of those periods in place (`replace_periods`): only they reach the write-ahead log. Other
marts and publication rebuild whole when any input changed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib import resources
from pathlib import Path

import dagster as dg
import duckdb

from marts.lineage import PYTHON_TABLES, sql_files
from projection import InputError, load_inputs
from quality.staging import (
    QUALITY_FIGURES_DDL,
    checked_table,
    figures_sql,
    fix_columns,
    run_script,
    run_sql_file,
)
from quality.suites import AppendedRows
from sources.readers import ensure_load_log, ensured, mark_ensured
from warehouse.publication_store import current_version

REPO = Path(__file__).resolve().parent.parent
SKIPPED = "unchanged inputs"

BUILD_LOG_DDL = """
CREATE TABLE IF NOT EXISTS ops.build_log (
    asset VARCHAR, partition VARCHAR, fingerprint VARCHAR, inputs VARCHAR, status VARCHAR,
    run_id VARCHAR, built_run_id VARCHAR, recorded_at TIMESTAMP)"""

# Code shared by every staging step (the rule macros and the split into staging/quarantine).
STAGING_CODE = (
    "quality/rules.sql",
    "quality/rules.py",
    "quality/staging.py",
    "warehouse/incremental.py",
    "quality/sql/append/stays.sql",
    "quality/sql/append/stay_keys.sql",
    "quality/sql/append/events.sql",
    # the record keys staging.residents keeps (record_key)
    "protection/cellkey.py",
    # the code lists read by read_code (rules.sql) are declared in the contracts
    "sources/contracts/base.py",
    "sources/contracts/population.py",
    "sources/contracts/labour.py",
    "sources/contracts/lodging.py",
    "sources/contracts/public_order.py",
)
# Code shared by every mart: the rule macros and the marts' shared macros (marts/shared/).
MART_CODE = ("quality/rules.sql", "marts/shared/macros.sql")


# ------------------------------------------------------------------ fingerprints


@cache
def _file_digest(relative: str) -> str:
    return hashlib.sha256((REPO / relative).read_bytes()).hexdigest()


def code_version(files: tuple[str, ...] | list[str]) -> str:
    """sha256 over the named project files (paths relative to the repository). Its first 16
    characters are the asset's `code_version` in Dagster (`dagster_code_version`)."""
    digest = hashlib.sha256()
    for relative in sorted(set(files)):
        digest.update(f"{relative}:{_file_digest(relative)}\n".encode())
    return digest.hexdigest()


def dagster_code_version(files: tuple[str, ...] | list[str]) -> str:
    """The code version an asset declares to Dagster: the same digest its skip decision uses."""
    return code_version(files)[:16]


def _digest(payload) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def ensure_build_log(con: duckdb.DuckDBPyConnection) -> None:
    if ensured(con, "ops.build_log"):
        return
    con.execute(BUILD_LOG_DDL)
    mark_ensured(con, "ops.build_log")


def recorded(con: duckdb.DuckDBPyConnection, asset: str, partition: str = "") -> dict | None:
    ensure_build_log(con)
    row = con.execute(
        "SELECT fingerprint, inputs, status, built_run_id FROM ops.build_log "
        "WHERE asset = ? AND partition = ?",
        [asset, partition],
    ).fetchone()
    if row is None:
        return None
    return {"fingerprint": row[0], "inputs": json.loads(row[1]), "status": row[2], "built": row[3]}


def write_record(
    con: duckdb.DuckDBPyConnection,
    asset: str,
    fingerprint: str,
    inputs: dict,
    status: str,
    run_id: str,
    partition: str = "",
) -> None:
    ensure_build_log(con)
    built = run_id
    if status in ("skipped", "unchanged"):
        row = con.execute(
            "SELECT built_run_id FROM ops.build_log WHERE asset = ? AND partition = ?",
            [asset, partition],
        ).fetchone()
        built = row[0] if row else run_id
    con.execute("DELETE FROM ops.build_log WHERE asset = ? AND partition = ?", [asset, partition])
    con.execute(
        "INSERT INTO ops.build_log VALUES (?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP)",
        [asset, partition, fingerprint, json.dumps(inputs, sort_keys=True), status, run_id, built],
    )


def forget(con: duckdb.DuckDBPyConnection, asset: str, partition: str = "") -> None:
    """Drop an asset's record: the next run builds it whole."""
    ensure_build_log(con)
    con.execute("DELETE FROM ops.build_log WHERE asset = ? AND partition = ?", [asset, partition])


def table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    """A table or view of the warehouse (population_timeline.sql creates a view) that can be
    read: asked of DuckDB's binder, about 0.4 ms, where a query of information_schema took 5 to
    12 ms, some 200 times a run (a catalog error leaves an open transaction usable). A view
    whose table is gone cannot be read, and counts as absent."""
    schema, name = qualified.split(".", 1)
    database = con.execute("SELECT current_database()").fetchone()[0]
    parts = ".".join('"' + part.replace('"', '""') + '"' for part in (database, schema, name))
    try:
        con.execute(f"SELECT 1 FROM {parts} LIMIT 0")
    except duckdb.CatalogException:
        return False
    return True


def _python_tables() -> dict[str, list[str]]:
    """Reference assets built in Python (no record of theirs): asset -> its tables."""

    out: dict[str, list[str]] = {}
    for table, key in PYTHON_TABLES.items():
        out.setdefault("/".join(key), []).append(table)
    return out


def _content_fingerprint(con: duckdb.DuckDBPyConnection, tables: list[str]) -> str:
    """Order-independent digest of tables' rows (small reference tables only)."""
    parts = []
    for table in sorted(tables):
        if not table_exists(con, table):
            parts.append(f"{table}:absent")
            continue
        n, h = con.execute(f"SELECT count(*), sum(hash(t)::HUGEINT) FROM {table} t").fetchone()
        parts.append(f"{table}:{n}:{h}")
    return _digest(parts)


# The content digests of the Python reference assets, per run. Their tables are written by their
# own step only, which runs before every step that reads them: within a run a digest is worked
# out once (the administrative units' took 60 ms, and 30 assets read them).
_run_digests: dict[tuple[str, str], str] = {}


def upstream_fingerprint(con: duckdb.DuckDBPyConnection, dep: str, run_id: str = "") -> str:
    """The fingerprint of an upstream asset: its record, or its tables' content for a Python
    reference asset (once per run, given `run_id`). An upstream never recorded gets a marker
    that never matches a record."""
    python = _python_tables()
    if dep in python:
        if not run_id:
            return _content_fingerprint(con, python[dep])
        if (run_id, dep) not in _run_digests:
            if any(run != run_id for run, _ in _run_digests):
                _run_digests.clear()  # an earlier run's
            _run_digests[run_id, dep] = _content_fingerprint(con, python[dep])
        return _run_digests[run_id, dep]
    record = recorded(con, dep)
    return record["fingerprint"] if record else "unrecorded"


# ------------------------------------------------------------------ narrowed inputs

# Labour staging and labour_base read the population timeline (the population_timeline asset's
# intermediate.person_states and staging.persons) up to the labour reference dates only. A
# month whose events all fall after them changes the timeline asset but nothing these steps
# read: for them the timeline's input is the content they read, not its record, so such a
# month does not rebuild labour staging and the labour marts (19 s of a month at province
# scale). A late-registered event before a reference date, or a corrected birth date of a
# person in the labour extracts, changes that content and rebuilds them.
TIMELINE = "marts/population_timeline"

# the columns labour staging and labour_base read (tests/unit/test_narrowed_inputs.py parses
# both SQL files to hold them to it); valid_until, for one, changes for an earlier state when a
# later event ends it, and they never read it
LABOUR_READS = {
    "intermediate.person_states": (
        "person_key",
        "valid_from",
        "step",
        "source_file",
        "row_number",
        "commune_code",
        "rk",
    ),
    "staging.persons": ("person_key", "sex", "date_of_birth"),
}
LABOUR_VIEW_TABLES = (
    "staging.labour_status",
    "quarantine.labour_status",
    *LABOUR_READS,
)
# The register's snapshot is in the digest by its staging's record and the timeline's code: a
# snapshot state (event_type 'snapshot') and a resident's row of staging.persons hold the values
# of staging.residents only (marts/population_timeline.sql), so the same record and code mean
# the same rows. The rest, hashed row by row, is what the events add: their states up to the last
# reference date and the persons they brought in (rk NULL in staging.persons) whom those states
# or the labour extracts name. Hashing every state and person instead took 0.9-1.2 s of a month
# at province scale; this takes about 0.2 s.
RESIDENTS = "staging/residents"

LABOUR_VIEW_OF_TIMELINE_SQL = f"""
WITH bound AS (
    SELECT max(ref_date) AS last_reference_date
    FROM (SELECT ref_date FROM staging.labour_status
          UNION ALL SELECT ref_date FROM quarantine.labour_status)
),
states AS (
    SELECT {", ".join(LABOUR_READS["intermediate.person_states"])}
    FROM intermediate.person_states, bound
    WHERE valid_from <= last_reference_date AND event_type <> 'snapshot'
),
-- (the labour extracts' persons are looked up among these few: a hash table of the persons the
-- events brought in, not of the extracts' 2.4 million rows at province scale)
brought AS MATERIALIZED (
    SELECT {", ".join(LABOUR_READS["staging.persons"])} FROM staging.persons WHERE rk IS NULL
),
persons AS (
    SELECT * FROM brought
    WHERE person_key IN (SELECT person_key FROM states)
       OR person_key IN (SELECT person_key FROM staging.labour_status
                         WHERE person_key IN (SELECT person_key FROM brought))
       OR person_key IN (SELECT person_key FROM quarantine.labour_status
                         WHERE person_key IN (SELECT person_key FROM brought))
)
SELECT (SELECT last_reference_date FROM bound),
       (SELECT count(*) FROM states), (SELECT sum(hash(s)::HUGEINT) FROM states s),
       (SELECT count(*) FROM persons), (SELECT sum(hash(p)::HUGEINT) FROM persons p)
"""


def labour_view_of_timeline(con: duckdb.DuckDBPyConnection) -> str:
    """Digest of what labour staging and labour_base read of the population timeline: the
    person states up to the latest labour reference date, and the register's rows of the
    persons in them or in the labour extracts, in the columns the two read (order-independent,
    like _content_fingerprint); the snapshot's part by the record of residents staging and the
    timeline's code. The reference dates are those of the labour staging in place: labour
    staging records the digest after its build (record), and when the labour extracts change,
    their own input changes and the steps rebuild anyway."""
    if not all(table_exists(con, t) for t in LABOUR_VIEW_TABLES):
        return "absent"
    residents, timeline = recorded(con, RESIDENTS), recorded(con, TIMELINE)
    return "content:" + _digest(
        [
            residents["fingerprint"] if residents else "unrecorded",
            timeline["inputs"].get("code") if timeline else "unrecorded",
        ]
        + list(con.execute(LABOUR_VIEW_OF_TIMELINE_SQL).fetchone())
    )


# The population projection reads of the protected marts the 1 January stocks and the flows of
# the complete calendar years (projection/inputs.ProjectionInputs.projection_view). Eleven months
# of twelve change neither (a late-registered event before the latest 1 January does): for the
# projection such a month changes nothing, and it is not run again (1.7 s of a month at province
# scale).
PROTECTED = "publish/protected_marts"


def projection_view_of_published(con: duckdb.DuckDBPyConnection) -> str:
    """Digest of what the projection reads of the protected marts (0.1 s: the input tables are
    aggregates)."""
    try:
        return "content:" + load_inputs(con, "publish").digest()
    except InputError:
        return "absent"


# a step's asset -> {its upstream asset: the digest of what the step reads of it}; the record
# keeps the upstream's own fingerprint under NARROWED_FROM, to digest again only after it changed
NARROWED_FROM = "narrowed_from"
NARROWED_INPUTS = {
    "staging/labour_status": {TIMELINE: labour_view_of_timeline},
    "marts/labour_base": {TIMELINE: labour_view_of_timeline},
    "publish/population_projection": {PROTECTED: projection_view_of_published},
}


# Labour staging and labour_base take the same digest in one run (0.2 s at province scale):
# it is kept for the run's process, under the records of every asset whose tables it reads and
# the warehouse file, so it is taken again as soon as any of them is rebuilt.
_NARROWED_READS = {
    labour_view_of_timeline: (TIMELINE, "staging/labour_status", RESIDENTS),
    projection_view_of_published: (PROTECTED,),
}
_narrowed_taken: dict[tuple, str] = {}


def _narrowed_digest(con: duckdb.DuckDBPyConnection, digest) -> str:
    database = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()[0]
    key = (
        digest.__name__,
        database,
        tuple(upstream_fingerprint(con, a) for a in _NARROWED_READS[digest]),
    )
    if key not in _narrowed_taken:
        _narrowed_taken[key] = digest(con)
    return _narrowed_taken[key]


# ------------------------------------------------------------------ plans


@dataclass
class Plan:
    """What an asset step is about to build from, and whether it did so before."""

    assets: list[str]
    outputs: list[str]
    fingerprint: str
    inputs: dict
    previous: dict | None
    run_id: str
    unchanged: bool = False
    status: str = "built"
    notes: dict = field(default_factory=dict)

    @property
    def data_version(self) -> dg.DataVersion:
        """The asset's data version in Dagster: the fingerprint of its inputs (code, upstream
        data versions, parameters), so the UI shows what is stale and why."""
        return dg.DataVersion(self.fingerprint[:16])

    def metadata(self) -> dict:
        """Metadata every instrumented asset adds: whether it worked or skipped, and why."""
        out = {"incremental/fingerprint": self.fingerprint[:16], "incremental/status": self.status}
        if self.unchanged:
            out["skipped"] = SKIPPED
        for k, v in self.notes.items():
            out[f"incremental/{k}"] = dg.MetadataValue.json(v) if isinstance(v, list | dict) else v
        return out


def _step_assets(context) -> tuple[list[str], list[str]]:
    """The asset keys a step writes and the keys they depend on (outside the step)."""
    adef = context.assets_def
    keys = sorted(k.to_user_string() for k in context.selected_asset_keys)
    own = {k.to_user_string() for k in adef.keys}
    deps = {
        d.to_user_string() for k in context.selected_asset_keys for d in adef.asset_deps.get(k, ())
    }
    return keys, sorted(deps - own)


def current_context():
    """The running asset step's context, or None when called outside a Dagster run."""
    try:
        return dg.AssetExecutionContext.get()
    except Exception:
        return None


_BUILDING: ContextVar[Plan | None] = ContextVar("building", default=None)


@contextmanager
def building(p: Plan) -> Iterator[None]:
    """While a versioned asset's function runs: the plan it runs under (building_plan)."""
    token = _BUILDING.set(p)
    try:
        yield
    finally:
        _BUILDING.reset(token)


def building_plan() -> Plan | None:
    """The plan of the versioned asset whose function is running (None outside one): what it
    read at its last build, for a function that rebuilds only what changed."""
    return _BUILDING.get()


def plan(
    context,
    con: duckdb.DuckDBPyConnection,
    code: tuple[str, ...] | list[str],
    outputs: list[str],
    params: dict | None = None,
    extra: dict | None = None,
) -> Plan:
    """The fingerprint of a step's inputs (code, upstream records, parameters) and whether the
    recorded build of its first asset has the same one (and its tables still exist). An
    upstream in NARROWED_INPUTS counts by the content the step reads of it, digested again only
    when the upstream's record changed since (an unchanged rerun reads none of it)."""
    if context is None:  # outside a run: always build, record nothing
        assets, deps, run_id = [], [], ""
    else:
        (assets, deps), run_id = _step_assets(context), context.run_id
    previous = recorded(con, assets[0]) if assets else None
    narrowed = next((NARROWED_INPUTS[a] for a in assets if a in NARROWED_INPUTS), {})
    upstream = {d: upstream_fingerprint(con, d, run_id) for d in deps}
    seen = (previous or {}).get("inputs", {}).get(NARROWED_FROM, {})

    def counted(d: str) -> str:
        if d not in narrowed:
            return upstream[d]
        if seen.get(d) == upstream[d]:  # the upstream's record as when last digested
            return previous["inputs"]["deps"][d]
        return _narrowed_digest(con, narrowed[d])

    inputs = {
        "code": code_version(tuple(code)),
        "deps": {d: counted(d) for d in deps},
        "params": params or {},
    }
    fingerprint = _digest(inputs)
    inputs.update(extra or {})
    if narrowed:
        inputs[NARROWED_FROM] = {d: upstream[d] for d in deps if d in narrowed}
    unchanged = (
        previous is not None
        and previous["fingerprint"] == fingerprint
        and all(
            (r := recorded(con, a)) is not None and r["fingerprint"] == fingerprint
            for a in assets[1:]
        )
        and all(table_exists(con, t) for t in outputs)
    )
    p = Plan(assets, outputs, fingerprint, inputs, previous, run_id, unchanged)
    if unchanged:
        p.status = "skipped"
    return p


def record(con: duckdb.DuckDBPyConnection, p: Plan) -> None:
    """Write the step's fingerprint for each of its assets (after the work succeeded). A
    narrowed input that reads the step's own outputs is digested again after the build, so
    that the record holds what the next run will compare with."""
    if not p.unchanged and set(p.outputs) & set(LABOUR_VIEW_TABLES):
        narrowed = next((NARROWED_INPUTS[a] for a in p.assets if a in NARROWED_INPUTS), {})
        for dep, digest in narrowed.items():
            if dep in p.inputs["deps"]:
                p.inputs["deps"][dep] = digest(con)
        p.fingerprint = _digest({k: p.inputs[k] for k in ("code", "deps", "params")})
    for asset in p.assets:
        write_record(con, asset, p.fingerprint, p.inputs, p.status, p.run_id)


# ------------------------------------------------------------------ periods rebuilt

# A step whose upstreams changed only by appends records what changed under APPENDED: the
# fingerprint it had before ("onto") and the first date whose figures can differ ("from"). A
# staging append of stays sets it (quality/sql/append/stays.sql): every row it adds checks in
# on that date or later; an earlier row it changes keeps its check-in and its nights before
# that date (an open stay censored anew gains nights from its old end on) and may change its
# guest-in-two-places flag. A period mart therefore reads the stays by check-in and by the
# nights in [check_in_date, nights_end), never a stay's flag or total length by its check-in
# (tests/assets/test_period_rebuild.py holds their SQL to it). A mart rebuilt from a date
# records the marker too, for the marts that read it.
APPENDED = "appended"


UNCHANGED = "unchanged"


def upstream_changes(con: duckdb.DuckDBPyConnection, p: Plan) -> dict[str, str | None] | None:
    """What changed in each upstream of a step since the step's recorded build: UNCHANGED, the
    first date an append's period rebuild changed (its APPENDED marker, made onto the very build
    the step read), or None (changed otherwise). None for all of them when the step has no
    record or its code or parameters changed: then it is rebuilt whole."""
    prev = p.previous
    if prev is None:
        return None
    was = prev["inputs"]
    if was.get("code") != p.inputs["code"] or was.get("params") != p.inputs["params"]:
        return None
    changes: dict[str, str | None] = {}
    for dep, now in p.inputs["deps"].items():
        before = was.get("deps", {}).get(dep)
        if before is not None and now == before:
            changes[dep] = UNCHANGED
            continue
        rec = recorded(con, dep)
        appended = (rec or {}).get("inputs", {}).get(APPENDED)
        made_onto = (
            before is not None
            and appended
            and rec["fingerprint"] == now
            and appended.get("onto") == before
        )
        changes[dep] = appended["from"] if made_onto else None
    return changes


def periods_changed_from(con: duckdb.DuckDBPyConnection, p: Plan) -> str | None:
    """The date from which a mart must be recomputed, when the only change since its recorded
    build is appends to its upstreams onto the very builds it read (the earliest of their dates);
    None when anything else changed (its code, a parameter, an upstream rebuilt whole, two
    appends with no build of the mart between them): then it is rebuilt whole."""
    if p.previous is None or p.unchanged:
        return None
    if set(p.previous["inputs"].get("deps", {})) != set(p.inputs["deps"]):
        return None
    changes = upstream_changes(con, p)
    if changes is None or any(change is None for change in changes.values()):
        return None
    froms = [change for change in changes.values() if change != UNCHANGED]
    if not froms or not all(table_exists(con, t) for t in p.outputs):
        return None
    return min(froms)


def period_start(period: tuple[str, str]) -> str:
    """SQL for the first day of a row's period (Mart.period: its column and grain), the value
    compared with rebuild_from(grain)."""
    column, grain = period
    return f"make_date({column}, 1, 1)" if grain == "year" else column


@contextmanager
def _rebuilding_from(con: duckdb.DuckDBPyConnection, since: str) -> Iterator[None]:
    """A transaction with the variable rebuild_from set to `since`: committed when the block
    ends, rolled back when it fails; the variable reset either way."""
    day = date.fromisoformat(since)  # (a date, so the literal below is one)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"SET VARIABLE rebuild_from = DATE '{day.isoformat()}'")
        yield
        con.execute("RESET VARIABLE rebuild_from")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        con.execute("RESET VARIABLE rebuild_from")
        raise


def replace_periods(
    con: duckdb.DuckDBPyConnection,
    table: str,
    period: tuple[str, str],
    since: str,
    rows_sql: str,
) -> None:
    """Replace the rows of `table` whose period starts on or after rebuild_from(grain) for
    `since` with the rows of `rows_sql` (which may read rebuild_from), in one transaction; a
    failure leaves the table as it was."""
    with _rebuilding_from(con, since):
        _replace_rows(con, table, period, rows_sql)


def _replace_rows(
    con: duckdb.DuckDBPyConnection, table: str, period: tuple[str, str], rows_sql: str
) -> None:
    """(In a transaction, rebuild_from set.) The kept rows stay where they are and the new ones
    follow in their order: the order a whole build gives, every period table being ordered by
    its period first. Only the replaced rows reach the write-ahead log: a table written again
    whole put all of it there, and a month's log crossed DuckDB's checkpoint threshold (a
    checkpoint inside a step) more often."""
    grain = period[1]
    con.execute(f"DELETE FROM {table} WHERE {period_start(period)} >= rebuild_from('{grain}')")
    con.execute(f"INSERT INTO {table} BY NAME {rows_sql}")


def rebuild_periods(
    con: duckdb.DuckDBPyConnection,
    table: str,
    period: tuple[str, str],
    sql_file: str,
    since: str,
) -> None:
    """Recompute a mart's periods from `since` on (marts/<sql_file>, run with the variable
    rebuild_from set, computes only those) and keep its earlier periods' rows, in one
    transaction: the table holds the earlier rows in their order, then the new ones in theirs,
    the order a full build gives (_replace_rows). A failure leaves it as it was."""
    schema, name = table.split(".")
    kept, new = f"{schema}._kept_{name}", f"{schema}._new_{name}"
    with _rebuilding_from(con, since):
        # the SQL creates the table anew: the kept one steps aside while it runs
        con.execute(f"ALTER TABLE {table} RENAME TO _kept_{name}")
        run_sql_file(con, "marts", sql_file)
        con.execute(f"ALTER TABLE {table} RENAME TO _new_{name}")
        con.execute(f"ALTER TABLE {kept} RENAME TO {name}")
        _replace_rows(con, table, period, f"SELECT * FROM {new} ORDER BY rowid")
        con.execute(f"DROP TABLE {new}")


def row_count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def key_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT fingerprint FROM ops.key_fingerprint LIMIT 1").fetchone()
    return row[0] if row else ""


def sql_outputs(sql_file: str) -> tuple[str, ...]:
    """The tables an SQL file creates (marts/lineage.py reads them from the file)."""

    return tuple(sorted(sql_files()[sql_file].outputs))


def protection_kept(con: duckdb.DuckDBPyConnection) -> dict:
    """The kept protection's audit figures, for the skipped asset's metadata."""
    row = con.execute("SELECT cells, perturbed, passed FROM ops.disclosure_audit").fetchone()
    return {"count_cells": row[0], "cells_perturbed": row[1], "audit_passed": row[2]}


def published_state(warehouse) -> dict:
    """The version folder published/ shows (a rollback or a removed set republishes)."""

    version = current_version(warehouse.published)
    ok = version is not None and (version / "marts.duckdb").is_file()
    return {"published_version": version.name if ok else None}


# ------------------------------------------------------------------ raw


def record_raw(
    context, con: duckdb.DuckDBPyConnection, contract, results: list[dict], files
) -> dict:
    """Record the raw table's files (path, size, sha256; per file and for the whole table) and
    say whether the load changed anything."""
    asset = f"raw/{contract.source}"
    sizes = {f.relative: f.path.stat().st_size for f in files if f.path.exists()}
    logged = con.execute(
        "SELECT source_file, period, sha256, rows, status FROM ops.load_log WHERE source = ? "
        "ORDER BY source_file",
        [contract.source],
    ).fetchall()
    status_of = {r["file"]: r["status"] for r in results}
    # one commit for the whole record, not two per file (each commit syncs the WAL)
    con.execute("BEGIN TRANSACTION")
    try:
        out = _record_raw_files(context, con, asset, logged, status_of, sizes)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return out


def _record_raw_files(context, con, asset: str, logged, status_of: dict, sizes: dict) -> dict:
    for file, period, sha, rows, _status in logged:
        if file not in status_of:
            continue  # a file of another partition: its record stays as it was
        inputs = {"file": file, "size": sizes.get(file), "sha256": sha, "rows": rows}
        changed = status_of[file] in ("new", "replaced")
        write_record(
            con,
            asset,
            _digest(inputs),
            inputs,
            "built" if changed else "unchanged",
            context.run_id,
            partition=period or file,
        )
    table = {"files": {f: [s, st] for f, _, s, _, st in logged}}
    fingerprint = _digest(table)
    previous = recorded(con, asset)
    unchanged = previous is not None and previous["fingerprint"] == fingerprint
    if previous is not None and not unchanged:
        # only new files, every earlier one as it was: a period mart that lists the periods
        # the extracts cover (ops.load_log) recomputes them from the earliest new one on
        before, now = previous["inputs"].get("files", {}), table["files"]
        new = {f: period for f, period, *_ in logged if f not in before}
        first = _period_start(min(new.values())) if new else None
        if first and all(now.get(f) == v for f, v in before.items()):
            table = {**table, APPENDED: {"onto": previous["fingerprint"], "from": first}}
    write_record(
        con, asset, fingerprint, table, "skipped" if unchanged else "built", context.run_id
    )
    out = {"incremental/fingerprint": fingerprint[:16]}
    if unchanged:
        out["skipped"] = SKIPPED
    out["incremental/status"] = "skipped" if unchanged else "built"
    out["incremental/files_loaded"] = dg.MetadataValue.json(
        sorted(f for f, s in status_of.items() if s in ("new", "replaced"))
    )
    return out


def _period_start(period: str | None) -> str | None:
    """The first day of a landing file's period ('2025-12', '2024-01-01', '2025'), ISO; None
    when it is none of these."""
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            return datetime.strptime(period or "", fmt).date().isoformat()
        except ValueError:
            continue
    return None


def loaded_files(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, str]:
    """The files in raw.<source> now: path -> sha256 (withdrawn files are not in raw)."""

    ensure_load_log(con)
    return dict(
        con.execute(
            "SELECT source_file, sha256 FROM ops.load_log WHERE source = ? AND status = 'loaded'",
            [source],
        ).fetchall()
    )


# ------------------------------------------------------------------ staging: appending a month


@dataclass(frozen=True)
class Append:
    """How a monthly source's new files are staged on their own: the column that identifies a
    record (its first copy in file order is kept, later copies are DUPLICATE) and an optional
    source-specific step before the rows are appended."""

    key: str
    before_append: str | None = None
    # the earlier staged rows the step before the append may rewrite: those matching
    # `rewritten_where`, in `rewritten_columns`, and any row in `rewritten_anywhere` (what a
    # suite validating only the appended rows must also read, quality.suites.AppendedRows;
    # tests/assets/test_appended_validation.py holds quality/sql/append/ to it)
    rewritten_where: str | None = None
    rewritten_columns: tuple[str, ...] = ()
    rewritten_anywhere: tuple[str, ...] = ()
    # the column holding a staged row's month (its first day): the period marts downstream then
    # recompute the months from the earliest of the new accepted rows' and the new files' on
    # (APPENDED); None: they are rebuilt whole (stays set the marker from their own rules)
    month: str | None = None
    # a source whose rules read earlier rows (population events: the person-level rules): the
    # SQL of quality/sql/append/ that checks the new rows against the earlier ones, in place of
    # the staging SQL's own check of every row (the statements before it still run, on the new
    # files), and the temporary table it leaves with the earlier rows whose verdict the new rows
    # change (file, row, their reason codes now), which move between staging and quarantine
    checked_sql: str | None = None
    rechecked: str | None = None


APPEND = {
    "incidents": Append("incident_id"),
    "traffic_violations": Append("violation_id", month="detected_month"),
    "stays": Append(
        "notification_id",
        before_append="stays",
        rewritten_where="is_open",  # open stays censored at the new month's end
        rewritten_columns=("nights_end", "nights", "is_same_day"),
        rewritten_anywhere=("guest_two_places",),  # the guests the new stays touch
    ),
    # (the marts of events, and the population timeline, read every month whole: no marker)
    "events": Append("event_id", checked_sql="events.sql", rechecked="_events_rechecked"),
}


def _only_raw_changed(source: str, p: Plan) -> bool:
    """Whether a staging's recorded build had the same code, parameters and inputs but its raw
    files."""
    prev = p.previous
    if prev is None or "files" not in prev["inputs"]:
        return False
    raw = f"raw/{source}"
    return (
        all(prev["inputs"].get(k) == p.inputs.get(k) for k in ("code", "params"))
        and set(prev["inputs"]["deps"]) == set(p.inputs["deps"])
        and all(v == prev["inputs"]["deps"].get(d) for d, v in p.inputs["deps"].items() if d != raw)
    )


# Population events are typed and pseudonymised per raw row, kept (quality/sql/stage_events.sql):
# the rows of a file typed once are typed again only when something besides the raw files
# changed, whether the events are then appended or staged whole.
TYPED_ROWS = {"events": ("intermediate.events_rows", "intermediate.events_typed_files")}


def keep_typed_rows(con: duckdb.DuckDBPyConnection, source: str, p: Plan) -> bool:
    """Before a staging of `source` (TYPED_ROWS): keep its typed rows when only its raw files
    changed since the recorded build, less those of a file withdrawn or loaded again; drop them
    otherwise, so that every row is typed again. Returns whether they were kept."""
    rows, files = TYPED_ROWS[source]
    if not (_only_raw_changed(source, p) and all(table_exists(con, t) for t in (rows, files))):
        for table in (rows, files):
            con.execute(f"DROP TABLE IF EXISTS {table}")
        return False
    loaded = f"SELECT DISTINCT _source_file, _batch_id FROM raw.{source}"
    for table in (files, rows):
        con.execute(
            f"DELETE FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM ({loaded}) l "
            "WHERE l._source_file = t._source_file AND l._batch_id IS NOT DISTINCT FROM t._batch_id)"
        )
    return True


def append_files(con: duckdb.DuckDBPyConnection, source: str, p: Plan) -> list[str] | None:
    """The new files a staging step may stage on their own, or None when it must restage all
    of raw: only new files since the recorded staging, all sorting after every staged file, the
    code, parameters and every other input unchanged, the tables in place."""
    prev = p.previous
    if source not in APPEND or not _only_raw_changed(source, p):
        return None
    before, now = prev["inputs"]["files"], p.inputs["files"]
    if any(now.get(f) != sha for f, sha in before.items()):
        return None  # a staged file was replaced or withdrawn
    new = sorted(set(now) - set(before))
    if not new or (before and min(new) <= max(before)):
        return None  # nothing new (then the fingerprint would match) or a month in between
    if not all(table_exists(con, t) for t in p.outputs):
        return None
    files_list = ", ".join("'" + f.replace("'", "''") + "'" for f in new)
    for table in p.outputs:  # never twice: rows of a "new" file already staged (belt and braces)
        if con.execute(
            f"SELECT count(*) FROM {table} WHERE _source_file IN ({files_list})"
        ).fetchone()[0]:
            return None
    return new


BATCH_CHECKED = "_checked_{source}"  # an append's checked rows (temporary, this connection's)


def _batch_sql(sql: str, source: str) -> str:
    """The staging SQL reading the new files only (the temp view _batch_raw) and writing their
    checked rows to a temporary table (BATCH_CHECKED): a month's rows never reach the warehouse
    file there (the persistent table took 0.8 s more for 300,000 stays, written to be dropped)."""
    sql = re.sub(rf"\braw\.{source}\b", "_batch_raw", sql)
    sql = sql.replace(
        f"CREATE OR REPLACE TABLE {checked_table(source)} ",
        f"CREATE OR REPLACE TEMP TABLE {BATCH_CHECKED.format(source=source)} ",
    )
    return re.sub(
        rf"\b{re.escape(checked_table(source))}\b", BATCH_CHECKED.format(source=source), sql
    )


def stage_append(
    con: duckdb.DuckDBPyConnection,
    source: str,
    sql_file: str,
    drop: tuple[str, ...],
    new_files: list[str],
    before_files: list[str],
    p: Plan | None = None,
) -> dict:
    """Stage the new files of a monthly source and append them to staging/quarantine, with the
    same verdicts a staging of all loaded files gives. Figures as quality.staging.split_checked."""

    rule = APPEND[source]
    checked = BATCH_CHECKED.format(source=source)
    sql = (resources.files("quality") / "sql" / sql_file).read_text(encoding="utf-8")
    files_list = ", ".join("'" + f.replace("'", "''") + "'" for f in new_files)
    # The batch's checking writes temporary tables only: it runs before the transaction, where
    # DuckDB keeps them in transaction-local storage (as split_checked, quality/staging.py).
    # A failure leaves only temporary objects, which the held connection drops on return.
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW _batch_raw AS SELECT * FROM raw.{source} "
        f"WHERE _source_file IN ({files_list})"
    )
    if rule.checked_sql:  # the staging SQL up to its check of every row, then the append's
        head = sql[: sql.index(f"CREATE OR REPLACE TABLE {checked_table(source)} ")]
        run_script(con, _batch_sql(head, source))
        run_script(con, _append_sql(rule.checked_sql))
    else:
        run_script(con, _batch_sql(sql, source))
    # A record whose id was already staged or quarantined (an earlier month's file comes
    # first in file order) is a later copy: DUPLICATE, and nothing else, as in full staging.
    # (the earlier ids are looked up among the batch's: a hash table of a month's ids, not of
    # every earlier one; a missing id is the same key as another missing id)
    earlier = (
        f"(SELECT {rule.key} AS k FROM staging.{source} "
        f"UNION ALL SELECT {rule.key} FROM quarantine.{source})"
    )
    con.execute(
        f"""UPDATE {checked} c SET reason_codes = ['DUPLICATE']
            WHERE c.{rule.key} IN (SELECT k FROM {earlier}
                                   WHERE k IN (SELECT {rule.key} FROM {checked}))
               OR (c.{rule.key} IS NULL AND EXISTS (SELECT 1 FROM {earlier} WHERE k IS NULL))"""
    )
    if rule.before_append == "stays":
        _batch_stay_keys(con, new_files)
    con.execute("BEGIN TRANSACTION")
    try:
        moved = _move_rechecked(con, source, rule.rechecked) if rule.rechecked else []
        if p is not None and p.previous is not None:  # what the contract suites validate
            p.inputs[APPENDED_ROWS] = {
                "onto": p.previous["fingerprint"],
                "files": sorted({*new_files, *moved}),  # (with the earlier rows moved)
            }
        if rule.before_append == "stays":
            _stays_before_append(con, before_files)
            if p is not None and p.previous is not None:  # what the period marts recompute
                since = con.execute("SELECT getvariable('appended_from')::DATE").fetchone()[0]
                if since is not None:
                    p.inputs[APPENDED] = {"onto": p.previous["fingerprint"], "from": str(since)}
        elif rule.month and p is not None and p.previous is not None:
            # a month mart counts the new accepted rows in their months, and lists every month
            # of the files the extracts cover (ops.load_log's periods): from the earliest on
            since = con.execute(
                f"""SELECT least(
                        (SELECT min({rule.month}) FROM {checked} WHERE len(reason_codes) = 0),
                        (SELECT min(try_strptime(period, '%Y-%m'))::DATE FROM ops.load_log
                         WHERE source = ? AND source_file IN ({files_list})))""",
                [source],
            ).fetchone()[0]
            if since is not None:
                p.inputs[APPENDED] = {"onto": p.previous["fingerprint"], "from": str(since)}
        excluded = ", ".join(["reason_codes", *drop])
        con.execute(
            f"INSERT INTO staging.{source} BY NAME "
            f"SELECT * EXCLUDE ({excluded}) FROM {checked} WHERE len(reason_codes) = 0"
        )
        con.execute(
            f"INSERT INTO quarantine.{source} BY NAME "
            f"SELECT * FROM {checked} WHERE len(reason_codes) > 0"
        )
        con.execute(QUALITY_FIGURES_DDL)
        # figures of the new files, and the flags the domain asset recomputes over all files
        con.execute(
            f"DELETE FROM ops.quality_figures WHERE source = ? "
            f"AND (kind = 'flag' OR source_file IN ({_quoted(sorted({*new_files, *moved}))}))",
            [source],
        )
        fixes = fix_columns(con, source, checked)
        con.execute("INSERT INTO ops.quality_figures " + figures_sql(source, checked, fixes))
        if moved:  # the figures of the earlier files whose rows moved, from all their rows
            earlier = _quoted(moved)
            con.execute(
                "INSERT INTO ops.quality_figures "
                + figures_sql(
                    source,
                    f"(SELECT *, []::VARCHAR[] AS reason_codes FROM staging.{source} "
                    f"WHERE _source_file IN ({earlier}) UNION ALL BY NAME "
                    f"SELECT * FROM quarantine.{source} WHERE _source_file IN ({earlier}))",
                    fixes,
                )
            )
        con.execute(f"DROP TABLE {checked}")
        con.execute("DROP VIEW _batch_raw")
        if p is not None:  # the record commits with the rows: a kill cannot append them twice
            record(con, p)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    staged = row_count(con, f"staging.{source}")
    quarantined = row_count(con, f"quarantine.{source}")
    reasons = dict(
        con.execute(
            f"SELECT r, count(*) FROM (SELECT unnest(reason_codes) r FROM quarantine.{source}) "
            "GROUP BY r ORDER BY r"
        ).fetchall()
    )
    repairs_out = dict(
        con.execute(
            "SELECT figure, sum(value)::BIGINT FROM ops.quality_figures "
            "WHERE source = ? AND kind = 'repair' GROUP BY figure ORDER BY figure",
            [source],
        ).fetchall()
    )
    return {
        "staged": staged,
        "quarantined": quarantined,
        "reasons": reasons,
        "repairs": repairs_out,
    }


def _move_rechecked(con: duckdb.DuckDBPyConnection, source: str, rechecked: str) -> list[str]:
    """(In the append's transaction.) The earlier rows whose verdict the new rows changed (the
    temporary table `rechecked`: file, row and reason codes now) take it: an accepted row
    rejected now goes from staging to quarantine, a rejected one accepted now the other way, and
    one rejected still keeps its new reasons. Returns the files they belong to."""
    files = [
        r[0]
        for r in con.execute(f"SELECT DISTINCT _source_file FROM {rechecked} ORDER BY 1").fetchall()
    ]
    if files:
        on = "m._source_file = t._source_file AND m._row_number = t._row_number"
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _moved AS
                SELECT t.*, m.reason_codes FROM staging.{source} t JOIN {rechecked} m ON {on}
                UNION ALL BY NAME
                SELECT t.* REPLACE (m.reason_codes AS reason_codes)
                FROM quarantine.{source} t JOIN {rechecked} m ON {on}"""
        )
        for table in (f"staging.{source}", f"quarantine.{source}"):
            con.execute(
                f"DELETE FROM {table} t WHERE EXISTS (SELECT 1 FROM {rechecked} m WHERE {on})"
            )
        con.execute(
            f"INSERT INTO staging.{source} BY NAME "
            "SELECT * EXCLUDE (reason_codes) FROM _moved WHERE len(reason_codes) = 0"
        )
        con.execute(
            f"INSERT INTO quarantine.{source} BY NAME "
            "SELECT * FROM _moved WHERE len(reason_codes) > 0"
        )
        con.execute("DROP TABLE _moved")
    con.execute(f"DROP TABLE {rechecked}")
    return files


APPEND_SQL = "quality/sql/append"  # the appends' SQL (stays, events)


def _append_sql(name: str) -> str:
    return (REPO / APPEND_SQL / name).read_text(encoding="utf-8")


def _quoted(files: list[str]) -> str:
    return ", ".join("'" + f.replace("'", "''") + "'" for f in files) or "NULL"


def _stay_keys(con: duckdb.DuckDBPyConnection, files: list[str], into: str) -> None:
    """The stay keys (quality/sql/append/stay_keys.sql) of the raw rows of `files`, into `into`."""
    con.execute(
        "CREATE OR REPLACE TEMP VIEW _key_raw AS SELECT * FROM raw.stays "
        f"WHERE _source_file IN ({_quoted(files)})"
    )
    con.execute(f"{into} {_append_sql('stay_keys.sql')}")
    con.execute("DROP VIEW _key_raw")


def _batch_stay_keys(con: duckdb.DuckDBPyConnection, new_files: list[str]) -> None:
    """Stays, before the append's transaction (temporary objects only): the stay keys of the
    new rows (_batch_keys) and the variable `censor`, the day after the latest extract month
    (the new files are the latest)."""
    _stay_keys(con, new_files, "CREATE OR REPLACE TEMP TABLE _batch_keys AS")
    con.execute(
        r"""SET VARIABLE censor = (SELECT (max(try_strptime(regexp_extract(_source_file,
               '(\d{4}-\d{2})', 1), '%Y-%m')) + INTERVAL 1 MONTH)::DATE FROM _batch_raw)"""
    )


def _stays_before_append(con: duckdb.DuckDBPyConnection, before_files: list[str]) -> None:
    """Stays, in the append's transaction: a re-sent stay under a new notification id is a
    DUPLICATE of an earlier month's; open stays of earlier months are censored at the new date;
    the guest-in-two-places flag is recomputed for every guest the new rows or the re-censored
    stays touch (quality/sql/append/stays.sql). The earlier months' stay keys are kept in
    intermediate.stays_stay_keys, computed once, at the first append after a full staging."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS intermediate.stays_stay_keys "
        "(_source_file VARCHAR, _row_number BIGINT, stay_key UHUGEINT)"
    )
    have = {
        r[0]
        for r in con.execute(
            "SELECT DISTINCT _source_file FROM intermediate.stays_stay_keys"
        ).fetchall()
    }
    if gone := sorted(have - set(before_files)):  # (a scan of every key only when needed)
        con.execute(
            f"DELETE FROM intermediate.stays_stay_keys WHERE _source_file IN ({_quoted(gone)})"
        )
        have -= set(gone)
    missing = [f for f in before_files if f not in have]
    if missing:
        _stay_keys(con, missing, "INSERT INTO intermediate.stays_stay_keys")
    run_script(con, _append_sql("stays.sql"))


def forget_flags(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """Flags (kind 'flag') are counted by the domain asset over the whole staging table after
    stage(); a skipped or appended staging drops them first so they are not counted twice."""

    con.execute(QUALITY_FIGURES_DDL)
    con.execute("DELETE FROM ops.quality_figures WHERE source = ? AND kind = 'flag'", [source])


def clear_stay_keys(con: duckdb.DuckDBPyConnection) -> None:
    """A full staging of stays: the kept stay keys may no longer match the rows."""
    con.execute("DROP TABLE IF EXISTS intermediate.stays_stay_keys")


# ------------------------------------------------------------------ asset checks


def check_name(context) -> str:
    """The build-log name of the check a context runs."""
    key = context.check_specs[0].key
    return f"check:{key.asset_key.to_user_string()}:{key.name}"


def check_plan(
    context, con: duckdb.DuckDBPyConnection, code: tuple[str, ...]
) -> tuple[str, dict | None]:
    """A check's fingerprint (its asset's recorded fingerprint and the check's code) and its
    recorded outcome when that fingerprint is unchanged."""
    asset = context.check_specs[0].key.asset_key.to_user_string()
    name = check_name(context)
    fingerprint = _digest({"asset": upstream_fingerprint(con, asset), "code": code_version(code)})
    previous = recorded(con, name)
    if previous and previous["fingerprint"] == fingerprint:
        return fingerprint, previous["inputs"]
    return fingerprint, None


# A staging append records the fingerprint it appended onto and the new files (APPENDED_ROWS).
# A contract suite that passed on that very fingerprint then validates only the rows the
# append added or rewrote (quality.suites.validate with `appended`): every other row is as it
# was when the suite passed on it.
APPENDED_ROWS = "appended_rows"


def appended_since_check(
    con: duckdb.DuckDBPyConnection, check: str, asset: str, suite_digest: str, code: str
) -> AppendedRows | None:
    """What an append changed in `asset` since the check last passed on it, when that is the
    only change: the check's last record passed, with the same suite and code, on the very
    build the append was made onto. None otherwise (then the whole table is validated)."""
    previous = recorded(con, check)
    was = (previous or {}).get("inputs", {})
    if not was.get("success") or was.get("suite") != suite_digest or was.get("code") != code:
        return None
    rec = recorded(con, asset)
    appended = (rec or {}).get("inputs", {}).get(APPENDED_ROWS)
    if not appended or appended.get("onto") != was.get("asset_fingerprint"):
        return None
    rule = APPEND[asset.split("/")[-1]]
    return AppendedRows(
        files=tuple(appended["files"]),
        rewritten_where=rule.rewritten_where,
        rewritten_columns=rule.rewritten_columns,
        rewritten_anywhere=rule.rewritten_anywhere,
    )


def record_check(
    context, con: duckdb.DuckDBPyConnection, fingerprint: str, outcome: dict, status: str
) -> None:
    write_record(con, check_name(context), fingerprint, outcome, status, context.run.run_id)


def forget_builds(con: duckdb.DuckDBPyConnection) -> None:
    """Forget every record: the next run rebuilds every asset (run.py --full-rebuild)."""
    ensure_build_log(con)
    con.execute("DELETE FROM ops.build_log")


def summary(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """How many assets this run built, skipped or appended (run.py prints it)."""
    ensure_build_log(con)
    return dict(
        con.execute(
            "SELECT status, count(*) FROM ops.build_log WHERE run_id = ? AND partition = '' "
            "AND asset NOT LIKE 'check:%' GROUP BY status ORDER BY status",
            [run_id],
        ).fetchall()
    )
