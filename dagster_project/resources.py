"""Resources, defined once: where things live (from the DE06_* environment variables) and the
warehouse connection (the pipeline is its only writer)."""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import dagster as dg
import duckdb

from quality.rules import load_or_create_key, register_rules

REPO_ROOT = Path(__file__).resolve().parent.parent


def _env_path(var: str, default: str) -> str:
    value = os.environ.get(var) or default
    path = Path(value)
    return str(path if path.is_absolute() else (Path.cwd() / path))


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

    @classmethod
    def from_env(cls) -> "Warehouse":
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
        opened the warehouse instead of published/) is retried for about 30 s, then reported."""
        self.data.mkdir(parents=True, exist_ok=True)
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
                time.sleep(min(0.5 * 2**attempt, 5))
        else:
            raise RuntimeError(
                f"Cannot open the warehouse {self.database_path}: {last}. Another process holds "
                "it; analysts and notebooks must read published/marts.duckdb instead. Close that "
                "process and rerun."
            )
        try:
            register_rules(con, load_or_create_key(self.data))
            # intermediate: person-level working tables behind the marts (never published)
            for schema in ("raw", "staging", "quarantine", "reference", "intermediate", "marts", "ops"):
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            yield con
        finally:
            con.close()
