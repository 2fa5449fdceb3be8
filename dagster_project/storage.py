"""Dagster's SQLite event log, with its database connections kept open.

Why not Dagster's own class as it is: `SqliteEventLogStorage` creates a SQLAlchemy engine,
connects, and disposes of the engine for every event it stores. A month at province scale logs
about 640 events, and that took 3.9 s of its 36 s of step time on 2 cores (measured in
bench/RESULTS.md); with an engine kept per database file it takes 1.6 s. Everything else is
Dagster's: the files, the schema, the queries, the locking (every connection is used under the
storage's own lock, one statement block at a time), so `dagster dev` and the daemon read the same
history. dagster is pinned (pyproject.toml); tests/unit/test_event_log_storage.py runs a job on
it and reads its events back.

Configured in dagster_project/dagster.yaml (copied to $DAGSTER_HOME by `make run`/`make dev`).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from dagster import Field, StringSource
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
    `OPEN_DATABASES` most recently used; `base_dir` defaults to Dagster's own place for it,
    $DAGSTER_HOME/history/runs."""

    def __init__(self, base_dir: str | None = None, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        base_dir = base_dir or os.path.join(os.environ["DAGSTER_HOME"], "history", "runs", "")
        super().__init__(base_dir, inst_data)

    @classmethod
    def config_type(cls):
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

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
        super().wipe()

    def dispose(self) -> None:
        self._close_all()
        super().dispose()
