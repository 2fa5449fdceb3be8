"""The models' workbooks written side by side, one process each.

xlsxwriter is pure Python: a province's four workbooks (about 2.4 million cells) took 15 to 18 s
on one core, most of publication. Each workbook is independent of the others, so each is
written by a process of its own (`python -m reporting.workbook_jobs`, fed its arguments on
stdin). A plain subprocess, not multiprocessing: its spawn start re-imports the parent's main
module (the Dagster run, great-expectations included: seconds per process), and a fork would
inherit polars' and DuckDB's thread pools without their threads.

Each process opens the published database read-only (reporting.workbook reads the data
sheets from it). A failure names the workbook, the exception's type and the exit status, never
the exception's message (it may quote a cell).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

from reporting import workbook


class WorkbookError(RuntimeError):
    """A workbook process failed."""


def _run(db_path: Path, job: dict) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run(
        [sys.executable, "-m", "reporting.workbook_jobs", str(db_path)],
        input=pickle.dumps(job),
        capture_output=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise WorkbookError(
            f"writing {Path(job['path']).name} failed in its own process ({_error_type(done.stderr)}, "
            f"exit status {done.returncode}); nothing was published. Fix: report it with this "
            "message; the workbook's code is reporting/workbook.py"
        ) from None


def _error_type(stderr: bytes) -> str:
    """The exception's type from a traceback's last line, never its message (which may quote a
    cell)."""
    lines = [line for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    name = lines[-1].split(":", 1)[0].strip() if lines else ""
    return name if name.replace(".", "").replace("_", "").isalnum() else "an error"


def write_workbooks(db_path: Path, jobs: list[dict], processes: int | None = None) -> None:
    """Write every job's workbook (reporting.workbook.write_workbook's arguments, `path` among
    them, without the connection) from the database at `db_path`, at most `processes` at a
    time (default: one per core)."""
    if not jobs:
        return
    processes = max(1, min(len(jobs), processes or os.cpu_count() or 1))
    if processes == 1:  # one core: no process to start
        with duckdb.connect(str(db_path), read_only=True) as con:
            for job in jobs:
                workbook.write_workbook(con=con, **job)
        return
    with ThreadPoolExecutor(processes) as pool:
        list(pool.map(lambda job: _run(db_path, job), jobs))  # raises the first failure


def _main() -> None:
    job = pickle.loads(sys.stdin.buffer.read())
    with duckdb.connect(sys.argv[1], read_only=True) as con:
        workbook.write_workbook(con=con, **job)


if __name__ == "__main__":
    _main()
