"""`make run`: run the whole pipeline once on the landing folder, as a Dagster run recorded in
DAGSTER_HOME (so it shows in `make dev`), then print where the results are.

    python -m dagster_project.run            # all months present in the landing folder
    python -m dagster_project.run --months 2025-11:2025-12
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from dagster_project.resources import REPO_ROOT


def ensure_dagster_home() -> Path:
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(REPO_ROOT / ".dagster_home")))
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text((REPO_ROOT / "dagster_project" / "dagster.yaml").read_text())
    return home


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--months", help="FIRST:LAST months to (re)load, e.g. 2024-01:2025-12")
    args = parser.parse_args(argv)
    ensure_dagster_home()

    import dagster as dg

    from dagster_project.definitions import build_definitions
    from dagster_project.jobs import landing_months, range_tags
    from dagster_project.resources import Warehouse

    warehouse = Warehouse.from_env()
    if args.months:
        first, _, last = args.months.partition(":")
        months = [first, last or first]
    else:
        months = landing_months(warehouse.landing)
    if not months:
        print(f"No monthly extracts in {warehouse.landing}; set DE06_LANDING_DIR.", file=sys.stderr)
        return 2
    print(f"de06: landing {warehouse.landing}, data {warehouse.data}, months {months[0]}..{months[-1]}")
    result = build_definitions(warehouse).resolve_job_def("de06_all").execute_in_process(
        instance=dg.DagsterInstance.get(), tags=range_tags(months), raise_on_error=False,
        # the console shows progress (INFO); step-level DEBUG events stay in the run history
        run_config={"loggers": {"console": {"config": {"log_level": os.environ.get("DE06_LOG_LEVEL", "INFO")}}}},
    )
    if not result.success:
        for event in result.all_events:
            if event.is_failure and event.event_specific_data is not None:
                error = getattr(event.event_specific_data, "error", None)
                message = error.message.strip().splitlines()[-1] if error else event.message
                print(f"FAILED {event.step_key}: {message}", file=sys.stderr)
        failed_checks = [
            e for e in result.all_events
            if e.event_type_value == "ASSET_CHECK_EVALUATION"
            and not e.event_specific_data.passed
        ]
        for e in failed_checks:
            print(f"CHECK FAILED {e.event_specific_data.check_name} on "
                  f"{e.event_specific_data.asset_key.to_user_string()}", file=sys.stderr)
        print("The published marts were left as they were.", file=sys.stderr)
        return 1
    published = warehouse.published
    print(f"Published to {published}:")
    for path in sorted(published.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            print(f"  {path.relative_to(published)}  ({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
