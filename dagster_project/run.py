"""`make run`: run the whole pipeline once on the landing folder, as a Dagster run recorded in
DAGSTER_HOME (so it shows in `make dev`), then print where the results are.

    python -m dagster_project.run            # all months present in the landing folder
    python -m dagster_project.run --months 2025-11:2025-12
    python -m dagster_project.run --withdraw population/events_2024-03.csv   # take back a file
    python -m dagster_project.run --rebuild-for-new-key   # after a deliberate key change
    python -m dagster_project.run --rollback              # published/ back to the previous set
    python -m dagster_project.run --full-rebuild          # ignore ops.build_log: rebuild all

Runs are incremental (warehouse/incremental.py): an asset whose inputs are unchanged since it was
last built skips its work, and a new month is staged on its own; the run says how many.

One run at a time per data folder: the run holds DE06_DATA_DIR/.run.lock from start to end,
whoever started it (this command, the schedule, the sensor or the UI); a second run waits
DE06_LOCK_WAIT seconds (default 10), then says which process is running.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import dagster as dg

from dagster_project.definitions import build_definitions
from dagster_project.jobs import landing_months, misplaced_files, range_tags
from dagster_project.storage import keep_connections_open
from quality.rules import KeyError_
from sources.readers import ExtractError, withdraw_file
from warehouse import incremental, publication_store
from warehouse.resource import (
    REPO_ROOT,
    RunAlreadyGoing,
    Warehouse,
    acquire_run_lock,
    release_run_lock,
    secure,
)


def ensure_dagster_home() -> Path:
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(REPO_ROOT / ".dagster_home")))
    home.mkdir(parents=True, exist_ok=True)
    secure(home, 0o700)  # run history and logs: the operators' only, on every run
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text((REPO_ROOT / "dagster_project" / "dagster.yaml").read_text())
    return home


def _failure_lines(result) -> list[str]:
    """One line per failed step: the innermost message (a Failure's description names the file
    and the fix; Dagster's own wrapper, DagsterExecutionStepExecutionError, says nothing)."""
    lines = []
    for event in result.all_events:
        if event.is_failure and event.event_specific_data is not None:
            data = event.event_specific_data
            user = getattr(data, "user_failure_data", None)
            error = getattr(data, "error", None)
            if user is not None and user.description:
                message = user.description
            elif error is not None:
                while error.cause is not None:
                    error = error.cause
                message = (
                    error.message.strip().splitlines()[-1]
                    if error.message.strip()
                    else error.cls_name
                )
            else:
                message = event.message or ""
            lines.append(f"FAILED {event.step_key}: {message}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--months", help="FIRST:LAST months to (re)load, e.g. 2024-01:2025-12")
    parser.add_argument(
        "--withdraw",
        action="append",
        metavar="FILE",
        default=[],
        help="take back a delivery (its path in the landing folder, e.g. "
        "population/events_2024-03.csv): its rows leave raw, recorded in "
        "ops.load_log, then everything is rebuilt by this run; repeatable",
    )
    parser.add_argument(
        "--rebuild-for-new-key",
        action="store_true",
        help="after a deliberate change of the pseudonym key: drop every table "
        "derived with the old key (raw stays) and rebuild them all",
    )
    parser.add_argument(
        "--full-rebuild",
        action="store_true",
        help="forget what was built from what (ops.build_log): every asset is rebuilt from raw "
        "(unchanged landing files are still not read again)",
    )
    parser.add_argument(
        "--rollback",
        action="store_true",
        help="point published/ back at the previous complete set, then stop",
    )
    args = parser.parse_args(argv)
    ensure_dagster_home()

    warehouse = Warehouse.from_env()
    try:
        acquire_run_lock(
            warehouse.data,
            float(os.environ.get("DE06_LOCK_WAIT", "10")),
            "python -m dagster_project.run",
        )
    except RunAlreadyGoing as exc:
        print(str(exc), file=sys.stderr)
        return 3
    try:
        # what killed runs left (partial sets, temporary links) goes before anything else
        publication_store.cleanup_leftovers(warehouse.published)
        if args.rollback:
            version = publication_store.rollback(warehouse.published)
            print(f"published/ now shows the set {version.name}")
            return 0
        return _run(args, warehouse)
    except Exception as exc:  # the operator gets the message, not a traceback
        if isinstance(exc, (ExtractError, KeyError_, RuntimeError)):
            print(f"de06: {exc}", file=sys.stderr)
            return 2
        raise
    finally:
        release_run_lock(warehouse.data)


def _run(args, warehouse) -> int:
    if args.rebuild_for_new_key:
        dropped = warehouse.reset_for_new_key() if warehouse.database_path.exists() else []
        print(
            f"de06: rebuilding with the current key; dropped {', '.join(dropped) or 'nothing'} "
            "(raw and ops.load_log kept)"
        )
    if args.full_rebuild and warehouse.database_path.exists():
        with warehouse.connect() as con:
            incremental.forget_builds(con)
        print("de06: full rebuild (ops.build_log cleared)")
    if args.withdraw:
        with warehouse.connect() as con:
            for relative in args.withdraw:
                out = withdraw_file(con, relative)
                print(
                    f"de06: withdrew {out['file']} ({out['rows_removed']} rows removed from "
                    f"raw.{out['source']}; recorded in ops.load_log); rebuilding everything"
                )
    if args.months:
        first, _, last = args.months.partition(":")
        months = [first, last or first]
    else:
        months = landing_months(warehouse.landing)
    if not months:
        for line in misplaced_files(warehouse.landing):  # files there, but none can be placed
            print(f"de06: {line}", file=sys.stderr)
        print(f"No monthly extracts in {warehouse.landing}; set DE06_LANDING_DIR.", file=sys.stderr)
        return 2
    print(
        f"de06: landing {warehouse.landing}, data {warehouse.data}, months {months[0]}..{months[-1]}"
    )
    result = (
        build_definitions(warehouse)
        .resolve_job_def("de06_all")
        .execute_in_process(
            instance=keep_connections_open(dg.DagsterInstance.get()),
            tags=range_tags(months),
            raise_on_error=False,
            # the console shows progress (INFO); step-level DEBUG events stay in the run history
            run_config={
                "loggers": {
                    "console": {"config": {"log_level": os.environ.get("DE06_LOG_LEVEL", "INFO")}}
                }
            },
        )
    )
    if not result.success:
        for line in _failure_lines(result):
            print(line, file=sys.stderr)
        failed_checks = [
            e
            for e in result.all_events
            if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.event_specific_data.passed
        ]
        for e in failed_checks:
            print(
                f"CHECK FAILED {e.event_specific_data.check_name} on "
                f"{e.event_specific_data.asset_key.to_user_string()}",
                file=sys.stderr,
            )
        print("The published marts were left as they were.", file=sys.stderr)
        return 1
    with warehouse.connect() as con:
        counts = incremental.summary(con, result.run_id)
    print(
        "de06: assets "
        + ", ".join(f"{n} {status}" for status, n in counts.items())
        + " (skipped: unchanged inputs; appended: new months staged on their own; periods "
        "rebuilt: a mart's periods that the new months change, its earlier ones kept)"
    )
    published = warehouse.published
    print(f"Published to {published}:")
    for path in sorted(published.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            print(f"  {path.relative_to(published)}  ({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
