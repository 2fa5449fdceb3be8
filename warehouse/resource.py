"""The warehouse resource: dagster-duckdb's DuckDBResource with the project's folders, run lock,
pseudonym key and rule macros.

`Warehouse` is a `dagster_duckdb.DuckDBResource`: `database` (the warehouse file, by default
DE06_DATA_DIR/warehouse.duckdb) and `connection_config` are the library's fields, and assets ask
for a connection with `get_connection()` (`connect()` is the same). Its settings come from the
DE06_* variables of the design (`Warehouse.from_env()`: a `dg.EnvVar` when the variable is set,
so the UI shows where a value comes from; the README's default otherwise). Every connection is
prepared in one place, `prepare_connection`: schemas, the key's fingerprint check, the key bound
to `hmac_pseudonym` and the rule macros (TEMP macros and Python UDFs live per connection).

What DuckDBResource cannot carry, hence the override of `get_connection` (the fields, the
resource type and the name of the call are the library's):
- its retry is fixed (10 retries, about 100 s) and ends in DuckDB's bare lock error; here a
  second writer is retried for about 30 s (`attempts`, exponential waits with the `backoff`
  library), then the message names the process that holds the warehouse and what to do;
- it closes the connection only when the block ends normally (no `finally`), and a failing
  step must not leave the single writer's connection open;
- it has no per-connection set-up, which the key (a Python UDF bound to this process) and the
  TEMP macros need;
- it opens a connection per call. During a run the steps go one after another in one process
  (the in-process executor), so the run holds one prepared connection from its first call to
  its end and hands it to each step in turn: opening a province-scale warehouse file and
  preparing it costs about 0.1 s, and a run asks for one about 140 times (on an unchanged rerun
  that was most of the work). Between two holders the connection is returned clean: an open
  transaction rolled back, temporary tables and views dropped. A block opened inside another
  (no step does this) would get a connection of its own, as outside a run.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import backoff
import dagster as dg
import duckdb
import filelock
from dagster_duckdb import DuckDBResource
from pydantic import Field, PrivateAttr

from marts.macros import register_macros
from protection import cellkey
from quality.rules import KeyError_, key_fingerprint, load_or_create_key, register_rules
from sources.readers import forget_ensured

REPO_ROOT = Path(__file__).resolve().parent.parent


SCHEMAS = ("raw", "staging", "quarantine", "reference", "intermediate", "marts", "publish", "ops")
# intermediate: person-level working tables behind the marts (never published)

AUTO = "auto"
MEMORY_PER_LANDING_BYTE = 1.75
MEMORY_LIMIT_RANGE = (750 * 10**6, 2 * 10**9)  # 750 MB to 2 GB (DuckDB's MB and GB are decimal)


def auto_memory_limit(landing: Path) -> str:
    """DuckDB's memory_limit for a landing folder: 1.75 times its files' bytes, between 750 MB
    and 2 GB. DuckDB keeps the blocks it reads and writes cached up to its limit, so a run's
    peak follows the limit, not the data: a fifth of the province (425 MB of extracts) peaked
    at 1.9 GB with 2 GB, 1.6 GB with 1 GB and 1.4 GB with 780 MB, in the same time (stays
    staging, the largest step, held 750 MB of DuckDB's memory when nothing limited it). At
    province scale (2.1 GB of extracts) the limit stays 2 GB: with less, stays staging reads
    again what the raw load had just written (bench/RESULTS.md)."""
    size = (
        sum(entry.stat().st_size for entry in Path(landing).rglob("*") if entry.is_file())
        if Path(landing).is_dir()
        else 0
    )
    low, high = MEMORY_LIMIT_RANGE
    return f"{min(high, max(low, int(size * MEMORY_PER_LANDING_BYTE))) // 10**6}MB"


def _setting(var: str, default: str) -> str:
    """A DE06_* setting: dg.EnvVar(var) when the variable is set (resolved by Dagster when a run
    starts), else the default."""
    return dg.EnvVar(var) if os.environ.get(var) else default


def _absolute(value: str) -> Path:
    """A folder setting as an absolute path (relative ones from the working directory). An
    EnvVar not resolved yet (outside a run: `make run`, tests) is read from the environment."""
    if isinstance(value, dg.EnvVar):
        value = value.get_value() or ""
    path = Path(value)
    return path if path.is_absolute() else Path.cwd() / path


class RunAlreadyGoing(RuntimeError):
    """Another process holds the run lock of this data folder."""


def _process_name(pid: int) -> str:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        return cmd[:160] or "?"
    except OSError:
        return "?"


# One run at a time per data folder: DE06_DATA_DIR/.run.lock, a `filelock` lock (flock(2) on
# POSIX: the kernel releases it when the process ends, a SIGKILL included), re-entrant in the
# process (`make run` takes it before the Dagster run, and the run's resource again). Who holds
# it is written beside it, in .run.holder, for the message a second run prints (a waiting
# process must not write into the lock file itself).
_LOCKS: dict[str, filelock.FileLock] = {}


def acquire_run_lock(data_dir: Path, wait_s: float = 10.0, what: str = "run") -> None:
    """Take DE06_DATA_DIR/.run.lock for this process. Waits up to wait_s, then raises
    RunAlreadyGoing naming the process that holds it."""
    data_dir = ensure_data_dir(Path(data_dir))
    path = data_dir / ".run.lock"
    lock = _LOCKS.setdefault(str(path), filelock.FileLock(path, mode=0o600, thread_local=False))
    first = not lock.is_locked
    try:
        lock.acquire(timeout=wait_s, poll_interval=0.2)
    except filelock.Timeout:
        holder = data_dir / ".run.holder"
        who = holder.read_text(errors="replace").strip() if holder.exists() else "unknown"
        raise RunAlreadyGoing(
            f"A run is already going on {data_dir} (lock {path} held by {who or 'unknown'}). "
            "Wait for it to finish (the Dagster UI shows it), or stop that process; then "
            "rerun. Runs never share the warehouse."
        ) from None
    if first:
        holder = data_dir / ".run.holder"
        holder.write_text(f"pid {os.getpid()} ({what}, since {datetime.now():%Y-%m-%d %H:%M:%S})")
        secure(holder, 0o600)


def release_run_lock(data_dir: Path) -> None:
    """Release this process's hold of the run lock (the outermost release frees it)."""
    lock = _LOCKS.get(str(Path(data_dir) / ".run.lock"))
    if lock is None or not lock.is_locked:
        return
    lock.release()
    if not lock.is_locked:
        (Path(data_dir) / ".run.holder").unlink(missing_ok=True)


# What the data folder holds that only the pipeline's owner may read: the folder itself and its
# working folders (0700), the warehouse (raw personal data), its log, the key and the run lock
# (0600). Analysts get the published sets through DE06_SHARE_DIR (README, "Settings").
PRIVATE_FOLDERS = ("versions", "operations", "cache")
PRIVATE_FILES = (
    "warehouse.duckdb",
    "warehouse.duckdb.wal",
    ".pseudonym_key",
    ".run.lock",
    ".run.holder",
)


def ensure_data_dir(data_dir: Path) -> Path:
    """The data folder, owner-only on every run, not only when it is created: a folder made by
    hand or by an older version (0755, a 0644 warehouse: DuckDB writes with the umask) is
    tightened before anything is opened."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, mode=0o700, exist_ok=True)
    secure(data_dir, 0o700)  # mkdir's mode is masked by the umask
    for name in PRIVATE_FOLDERS:
        secure(data_dir / name, 0o700)
    for name in PRIVATE_FILES:
        secure(data_dir / name, 0o600)
    return data_dir


def secure(path: Path, mode: int) -> None:
    """chmod where the mode is looser (and the path exists and is ours)."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    if path.is_symlink() or st.st_uid != os.getuid():
        return
    if st.st_mode & 0o777 != mode:
        os.chmod(path, mode)


def warehouse_lock_message(database: Path, exc: Exception) -> str:
    """DuckDB's lock error names the holder's PID: say which process it is."""
    match = re.search(r"PID (\d+)", str(exc))
    holder = "another process"
    if match:
        pid = int(match.group(1))
        holder = f"process {pid} ({_process_name(pid)})"
    return (
        f"Cannot open the warehouse {database}: it is held by {holder}. Analysts and notebooks "
        "must read published/marts.duckdb instead. Close that process (or wait for its run to "
        "finish) and rerun."
    )


class Warehouse(DuckDBResource):
    """The pipeline's DuckDB warehouse and its folders.

    landing_dir: incoming extracts (DE06_LANDING_DIR, default data_samples/landing).
    data_dir: holds warehouse.duckdb and published/ (DE06_DATA_DIR, default data).
    min_cell: smallest count ever published (DE06_MIN_CELL, default 3): the perturbation
        table publishes no count from 1 to min_cell − 1.
    share_dir: the analysts' copy of every published set (DE06_SHARE_DIR, optional): readable
        by them, unlike the data folder.
    database: the warehouse file; empty means data_dir/warehouse.duckdb.
    connection_config: DuckDB settings of every connection.
    """

    database: str = Field(
        default="", description="The warehouse file; empty: <data_dir>/warehouse.duckdb."
    )
    connection_config: dict[str, Any] = Field(
        default={"memory_limit": AUTO, "preserve_insertion_order": "false"},
        description="DuckDB settings of every connection (threads: DuckDB's default, all cores; "
        "memory_limit 'auto': 1.75 times the landing files' size, between 750 MB and 2 GB).",
    )
    landing_dir: str = Field(description="Folder of incoming extracts (DE06_LANDING_DIR).")
    data_dir: str = Field(description="Warehouse and published/ (DE06_DATA_DIR).")
    min_cell: int = Field(
        default=3, description="Smallest count ever published (1 … min_cell − 1 never are)."
    )
    share_dir: str = Field(
        default="",
        description="The analysts' read-only copy of each published set (DE06_SHARE_DIR); empty: "
        "no share.",
    )
    lock_wait_s: float = Field(default=10.0, description="How long a second run waits.")

    # the run's held connection (see the module docstring): whether this resource instance
    # serves a run, the connection once opened, and whether a step is using it now
    _holds: bool = PrivateAttr(default=False)
    _held: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)
    _held_in_use: bool = PrivateAttr(default=False)
    _prepared_temp: frozenset = PrivateAttr(default=frozenset())

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # the run history holds step logs and metadata: the operators' only, whoever started it
        if os.environ.get("DAGSTER_HOME"):
            secure(Path(os.environ["DAGSTER_HOME"]), 0o700)
        # a run (not a sensor evaluation) holds the run lock from its first step to its end
        if getattr(context, "dagster_run", None) is not None:
            acquire_run_lock(
                self.data, self.lock_wait_s, f"Dagster run {context.dagster_run.run_id[:8]}"
            )
            self._holds = True

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        try:
            self.close_held()
        finally:
            if getattr(context, "dagster_run", None) is not None:
                release_run_lock(self.data)

    @classmethod
    def from_env(cls) -> Warehouse:
        """The warehouse of the DE06_* variables (README, Settings)."""
        min_cell = os.environ.get("DE06_MIN_CELL")
        return cls(
            landing_dir=_setting("DE06_LANDING_DIR", str(REPO_ROOT / "data_samples" / "landing")),
            data_dir=_setting("DE06_DATA_DIR", str(REPO_ROOT / "data")),
            min_cell=dg.EnvVar.int("DE06_MIN_CELL") if min_cell else 3,
            share_dir=_setting("DE06_SHARE_DIR", ""),
        )

    @property
    def landing(self) -> Path:
        return _absolute(self.landing_dir)

    @property
    def data(self) -> Path:
        return _absolute(self.data_dir)

    @property
    def database_path(self) -> Path:
        return _absolute(self.database) if self.database else self.data / "warehouse.duckdb"

    @property
    def published(self) -> Path:
        return self.data / "published"

    @property
    def share(self) -> Path | None:
        """The analysts' share (DE06_SHARE_DIR), or None."""
        value = (
            self.share_dir.get_value() if isinstance(self.share_dir, dg.EnvVar) else self.share_dir
        )
        return _absolute(value) if value else None

    @contextmanager
    def get_connection(self, attempts: int = 10) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection, prepared (prepare_connection).

        The warehouse has one writer; a lock held by another process (a stray notebook that
        opened the warehouse instead of published/) is retried for about 30 s, then reported
        with that process's PID and command. The pseudonym key must be the one the warehouse
        was built with (ops.key_fingerprint)."""
        if self._holds and not self._held_in_use:
            if self._held is None:
                self._held = self._open_prepared(attempts)
                self._prepared_temp = frozenset(_temporary_objects(self._held))
            self._held_in_use = True
            try:
                yield self._held
            finally:
                self._held_in_use = False
                _return_clean(self._held, self._prepared_temp)
            return
        con = self._open_prepared(attempts)
        try:
            yield con
        finally:
            con.close()

    connect = get_connection

    def close_held(self) -> None:
        """Compact the tables with many deleted rows (compact_tables), then close the run's held
        connection (DuckDB checkpoints the file on close)."""
        if self._held is not None:
            held, self._held = self._held, None
            try:
                compacted = compact_tables(held)
                if compacted:
                    dg.get_dagster_logger().info(
                        "compacted "
                        + ", ".join(f"{t} ({dead:,} deleted rows)" for t, dead in compacted)
                    )
            except duckdb.Error as exc:  # the tables stand as they were; the next run retries
                dg.get_dagster_logger().warning(
                    f"compacting the warehouse failed ({type(exc).__name__}); nothing was changed"
                )
            finally:
                held.close()

    def duckdb_config(self) -> dict[str, Any]:
        """connection_config with an 'auto' memory_limit resolved (auto_memory_limit)."""
        config = dict(self.connection_config)
        if config.get("memory_limit") == AUTO:
            config["memory_limit"] = auto_memory_limit(self.landing)
        return config

    def _open_prepared(self, attempts: int) -> duckdb.DuckDBPyConnection:
        ensure_data_dir(self.data)
        key = load_or_create_key(self.data)  # refused before anything is opened if too short
        connect = backoff.on_exception(
            backoff.expo,
            duckdb.IOException,  # the lock is held by another process
            max_tries=attempts,
            max_value=5,
            factor=0.5,
            logger=None,
        )(duckdb.connect)
        try:
            con = connect(database=str(self.database_path), config=self.duckdb_config())
        except duckdb.IOException as exc:
            raise RuntimeError(warehouse_lock_message(self.database_path, exc)) from exc
        try:
            prepare_connection(con, key, self.database_path, self.min_cell)
        except BaseException:
            con.close()
            raise
        return con

    def reset_for_new_key(self) -> list[str]:
        """Drop everything derived with the old key (staging, quarantine, marts and the ops
        tables built from them) and its fingerprint; raw and ops.load_log stay, so the next run
        rebuilds every table from what was received, with the new key. Nothing received is
        lost. Returns what was dropped."""
        dropped = []
        with duckdb.connect(str(self.database_path)) as con:
            schemas = {
                r[0]
                for r in con.execute(
                    "SELECT schema_name FROM duckdb_schemas() WHERE database_name = current_database()"
                ).fetchall()
            }
            for schema in ("staging", "quarantine", "marts", "intermediate", "publish"):
                if schema in schemas:
                    con.execute(f"DROP SCHEMA {schema} CASCADE")
                    dropped.append(schema)
            if "ops" in schemas:
                for (table,) in con.execute(
                    "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'ops' "
                    "AND table_name <> 'load_log'"
                ).fetchall():
                    con.execute(f"DROP TABLE ops.{table}")
                    dropped.append(f"ops.{table}")
        return dropped


COMPACT_MIN_SHARE = 0.25  # of a table's stored rows deleted ...
COMPACT_MIN_ROWS = 10_000  # ... and at least this many


def compact_tables(
    con: duckdb.DuckDBPyConnection,
    min_share: float = COMPACT_MIN_SHARE,
    min_rows: int = COMPACT_MIN_ROWS,
) -> list[tuple[str, int]]:
    """Rewrite each table of the warehouse whose deleted rows are at least `min_share` of its
    stored rows and at least `min_rows`: a copy of its rows, in their order, takes its place in
    one transaction. With row-group merging off (prepare_connection) nothing else reclaims them;
    an incremental month deletes and rewrites part of a few working tables (person states,
    population flows). Tables with column defaults or constraints are left as they are (a copy
    would lose them; none is large). Returns the tables rewritten and their deleted rows."""
    stored = con.execute(
        """SELECT t.schema_name, t.table_name, t.estimated_size FROM duckdb_tables() t
           WHERE t.database_name = current_database() AND NOT t.temporary
             AND t.estimated_size >= ? AND NOT t.has_primary_key
             AND NOT EXISTS (SELECT 1 FROM duckdb_columns() c
                             WHERE c.table_oid = t.table_oid
                               AND (c.column_default IS NOT NULL OR NOT c.is_nullable))
             AND NOT EXISTS (SELECT 1 FROM duckdb_constraints() k WHERE k.table_oid = t.table_oid)""",
        [min_rows],
    ).fetchall()
    compacted = []
    for schema, table, size in stored:
        name, copy = f'"{schema}"."{table}"', f'"{schema}"."{table}__compacted"'
        dead = size - con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        if dead < min_rows or dead < min_share * size:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(f"CREATE TABLE {copy} AS SELECT * FROM {name} ORDER BY rowid")
            con.execute(f"DROP TABLE {name}")
            con.execute(f'ALTER TABLE {copy} RENAME TO "{table}"')
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        compacted.append((f"{schema}.{table}", dead))
    return compacted


def _temporary_objects(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT 'TABLE', table_name FROM duckdb_tables() WHERE temporary "
        "UNION ALL SELECT 'VIEW', view_name FROM duckdb_views() WHERE temporary AND NOT internal"
    ).fetchall()


def _return_clean(con: duckdb.DuckDBPyConnection, prepared: frozenset) -> None:
    """Leave the held connection as the next step expects a new one: no open transaction (a
    step that failed inside BEGIN … COMMIT), no temporary table or view of the step before
    (those of prepare_connection, `prepared`, stay)."""
    with contextlib.suppress(duckdb.TransactionException):  # none open: the usual case
        con.execute("ROLLBACK")
    forget_ensured(con)  # (a rolled-back step may have taken a bookkeeping table back)
    for kind, name in _temporary_objects(con):
        if (kind, name) not in prepared:
            con.execute(f'DROP {kind} IF EXISTS temp.main."{name}"')


KEY_REBUILD_COMMAND = "python -m dagster_project.run --rebuild-for-new-key"


def prepare_connection(
    con: duckdb.DuckDBPyConnection, key: bytes, database: Path, min_cell: int = 3
) -> None:
    """What every warehouse connection has, set up here only: the schemas, the key's
    fingerprint check, the key bound to hmac_pseudonym, the rule macros of quality/rules.sql, the
    cell key method's record keys and perturbation macros (protection/cellkey.py) and the marts'
    shared macros (marts/shared/macros.sql)."""
    for schema in SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    # No row-group merging at checkpoints: a month appended to a table whose last row group is
    # part-filled was merged into it and compressed again, row by row, at the next checkpoint
    # (2.6 s for a month of stays in raw, staging and the stay keys at province scale, against
    # 0.09 s without). Deleted rows are reclaimed by compact_tables at the end of a run instead.
    con.execute("SET max_vacuum_tasks = 0")
    check_key_fingerprint(con, key, database)
    register_rules(con, key)
    cellkey.register(con, key, min_cell)
    register_macros(con)


def check_key_fingerprint(con: duckdb.DuckDBPyConnection, key: bytes, database: Path) -> None:
    """Record the key's fingerprint on first use; refuse a different key (its pseudonyms would
    not link with the ones already in the warehouse)."""
    fingerprint = key_fingerprint(key)
    con.execute(
        "CREATE TABLE IF NOT EXISTS ops.key_fingerprint (fingerprint VARCHAR, "
        "recorded_at TIMESTAMP)"
    )
    row = con.execute("SELECT fingerprint FROM ops.key_fingerprint LIMIT 1").fetchone()
    if row is None:
        con.execute("INSERT INTO ops.key_fingerprint VALUES (?, now()::TIMESTAMP)", [fingerprint])
    elif row[0] != fingerprint:
        raise KeyError_(
            f"The pseudonym key (fingerprint {fingerprint}) is not the key the warehouse "
            f"{database} was built with (fingerprint {row[0]}): its pseudonyms would not link "
            "with the ones already there, so nothing is run. Fix: restore the old key "
            "(DE06_PSEUDONYM_KEY, or the file .pseudonym_key in the data folder, from your "
            f"backup); or, to start over with the new key, run `{KEY_REBUILD_COMMAND}` (keeps "
            "every received row in raw and rebuilds all tables from it with the new key)."
        )
