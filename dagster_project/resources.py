"""Resources, defined once: where things live (from the DE06_* environment variables) and the
warehouse connection (the pipeline is its only writer)."""

from __future__ import annotations

import fcntl
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb

from quality.rules import KeyError_, key_fingerprint, load_or_create_key, register_rules

REPO_ROOT = Path(__file__).resolve().parent.parent


def _env_path(var: str, default: str) -> str:
    value = os.environ.get(var) or default
    path = Path(value)
    return str(path if path.is_absolute() else (Path.cwd() / path))


class RunAlreadyGoing(RuntimeError):
    """Another process holds the run lock of this data folder."""


# One lock per data folder and process, re-entrant: `make run` takes it before the Dagster run,
# and the run's warehouse resource takes it again in the same process.
_HELD: dict[str, list] = {}


def _process_name(pid: int) -> str:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        return cmd[:160] or "?"
    except OSError:
        return "?"


def acquire_run_lock(data_dir: Path, wait_s: float = 10.0, what: str = "run") -> None:
    """Take DE06_DATA_DIR/.run.lock for this process (an flock: released by the kernel when the
    process ends, a SIGKILL included). Waits up to wait_s, then raises RunAlreadyGoing naming
    the process that holds it."""
    data_dir = ensure_data_dir(Path(data_dir))
    path = data_dir / ".run.lock"
    key = str(path)
    if key in _HELD:
        _HELD[key][1] += 1
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
                os.close(fd)
                raise RunAlreadyGoing(
                    f"A run is already going on {data_dir} (lock {path} held by {holder}). "
                    "Wait for it to finish (the Dagster UI shows it), or stop that process; "
                    "then rerun. Runs never share the warehouse."
                ) from None
            time.sleep(0.2)
    os.ftruncate(fd, 0)
    os.pwrite(
        fd, f"pid {os.getpid()} ({what}, since {datetime.now():%Y-%m-%d %H:%M:%S})".encode(), 0
    )
    _HELD[key] = [fd, 1]


def release_run_lock(data_dir: Path) -> None:
    key = str(Path(data_dir) / ".run.lock")
    held = _HELD.get(key)
    if not held:
        return
    held[1] -= 1
    if held[1] == 0:
        os.ftruncate(held[0], 0)
        fcntl.flock(held[0], fcntl.LOCK_UN)
        os.close(held[0])
        del _HELD[key]


def ensure_data_dir(data_dir: Path) -> Path:
    """The data folder, created owner-only (0700): it holds the key, the warehouse with raw
    personal data, and published/."""
    data_dir = Path(data_dir)
    if not data_dir.exists():
        data_dir.mkdir(parents=True, mode=0o700, exist_ok=True)
        os.chmod(data_dir, 0o700)  # mkdir's mode is masked by the umask
    return data_dir


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


class Warehouse(dg.ConfigurableResource):
    """The pipeline's DuckDB warehouse and its folders.

    landing_dir: incoming extracts (DE06_LANDING_DIR, default data_samples/landing).
    data_dir: holds warehouse.duckdb and published/ (DE06_DATA_DIR, default data).
    min_cell: smallest person count published as is (DE06_MIN_CELL, default 5).
    """

    landing_dir: str
    data_dir: str
    min_cell: int = 5
    memory_limit: str = "2GB"
    threads: int = 0  # 0: DuckDB's default (all cores)
    lock_wait_s: float = 10.0  # how long a second run waits for the run lock

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # a run (not a sensor evaluation) holds the run lock from its first step to its end
        if getattr(context, "dagster_run", None) is not None:
            acquire_run_lock(
                self.data, self.lock_wait_s, f"Dagster run {context.dagster_run.run_id[:8]}"
            )

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if getattr(context, "dagster_run", None) is not None:
            release_run_lock(self.data)

    @classmethod
    def from_env(cls) -> Warehouse:
        return cls(
            landing_dir=_env_path("DE06_LANDING_DIR", str(REPO_ROOT / "data_samples" / "landing")),
            data_dir=_env_path("DE06_DATA_DIR", str(REPO_ROOT / "data")),
            min_cell=int(os.environ.get("DE06_MIN_CELL", "5")),
        )

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir)

    @property
    def data(self) -> Path:
        return Path(self.data_dir)

    @property
    def database_path(self) -> Path:
        return self.data / "warehouse.duckdb"

    @property
    def published(self) -> Path:
        return self.data / "published"

    @contextmanager
    def connect(self, attempts: int = 10) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection with the cleaning-rule macros registered.

        The warehouse has one writer; a lock held by another process (a stray notebook that
        opened the warehouse instead of published/) is retried for about 30 s, then reported
        with that process's PID and command. The pseudonym key must be the one the warehouse
        was built with (ops.key_fingerprint)."""
        ensure_data_dir(self.data)
        key = load_or_create_key(self.data)  # refused before anything is opened if too short
        config = {"memory_limit": self.memory_limit, "preserve_insertion_order": "false"}
        if self.threads:
            config["threads"] = str(self.threads)
        last: Exception | None = None
        for attempt in range(attempts):
            try:
                con = duckdb.connect(str(self.database_path), config=config)
                break
            except duckdb.IOException as exc:  # lock held by another process
                last = exc
                if attempt + 1 < attempts:
                    time.sleep(min(0.5 * 2**attempt, 5))
        else:
            raise RuntimeError(warehouse_lock_message(self.database_path, last)) from last
        try:
            # intermediate: person-level working tables behind the marts (never published)
            for schema in (
                "raw",
                "staging",
                "quarantine",
                "reference",
                "intermediate",
                "marts",
                "ops",
            ):
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            check_key_fingerprint(con, key, self.database_path)
            register_rules(con, key)
            yield con
        finally:
            con.close()

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


KEY_REBUILD_COMMAND = "python -m dagster_project.run --rebuild-for-new-key"


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
