"""Dagster's SQLite event log, with its database connections kept open.

Why not Dagster's own class as it is: `SqliteEventLogStorage` creates a SQLAlchemy engine,
connects, and disposes of the engine for every event it stores. A month at province scale logs
about 640 events, and that took 3.9 s of its 36 s of step time on 2 cores (measured in
bench/RESULTS.md); with an engine kept per database file it takes 1.6 s. Everything else is
Dagster's: the files, the schema, the queries, the locking (every connection is used under the
storage's own lock, one statement block at a time), so `dagster dev` and the daemon read the same
history. dagster is pinned (pyproject.toml); tests/unit/test_event_log_storage.py runs a job on
it and reads its events back.

Applied by `python -m dagster_project.run` (`make run`, the benchmarks) to the instance it runs
on, when that instance's event log is Dagster's SQLite one (keep_connections_open). It is not
named in dagster.yaml: a storage class configured there cannot know the instance's folder (a
DagsterInstance.from_config(folder) other than $DAGSTER_HOME would read another history), so
`dagster dev` and its daemon keep Dagster's own class, reading the same files.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

OPEN_DATABASES = 16  # run databases kept open at once (the index and the latest runs)


class KeptOpenSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage keeping one engine (one connection) per database file, for the
    `OPEN_DATABASES` most recently used."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables_found: set[str] = set()
        super().__init__(base_dir, inst_data)

    def has_table(self, table_name: str) -> bool:
        """Dagster's answer, remembered once a table is found: Dagster asks before storing each
        asset event's tags and each check result (185 times in a month at province scale), and
        its own method opens a new engine on the index database every time. Tables are only
        ever added (`dagster instance migrate`), so a table found stays found; one not found is
        asked again."""
        if table_name not in self._tables_found and super().has_table(table_name):
            self._tables_found.add(table_name)
        return table_name in self._tables_found

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=StaticPool,  # one connection, used under self._db_lock only
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        while len(self._engines) > OPEN_DATABASES:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock, self._engine(shard).connect() as conn, conn.begin():
            yield conn

    def _close_all(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._close_all()  # the files are deleted: no connection may outlive them
        self._tables_found.clear()
        super().wipe()

    def dispose(self) -> None:
        self._close_all()
        super().dispose()


def keep_connections_open(instance: dg.DagsterInstance) -> dg.DagsterInstance:
    """The instance, its event log keeping its connections open if it is Dagster's SQLite one
    (the same object, its class made the subclass: nothing else of it changes)."""
    events = instance.event_log_storage
    if type(events) is SqliteEventLogStorage:
        with events._db_lock:
            events._engines = OrderedDict()
            events._tables_found = set()
            events.__class__ = KeptOpenSqliteEventLogStorage
    return instance
