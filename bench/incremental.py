"""Benchmark of incremental runs (warehouse/incremental.py) on one landing folder: a full run on
every month, then, in another data folder, a run without the last month(s) followed by each
held month's delivery ("add one month"; with `--held 2` the second is the steady state), then a
rerun on the same files ("unchanged"). Each run is `python -m dagster_project.run` as a
subprocess (Dagster start-up included); data work is the sum of the run's step times (from its
Dagster events), per slice. Prints a markdown table;
timings are written down, never asserted.

    python -m bench.incremental --landing data_samples/landing
    python -m bench.incremental --landing /tmp/bench-0.05/landing
    python -m bench.incremental --landing /tmp/b1/landing --full-from bench/out
        # the full run is the one `python -m bench.run` just measured on the same landing
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.run import REPO, step_stats

MONTHLY_FOLDERS = ("population", "lodging", "public_order")


def _run(env: dict, log: Path) -> float:
    # the writes of the run before are flushed first (bench.run.timed says why)
    os.sync()
    start = time.perf_counter()
    with open(log, "w") as fh:
        code = subprocess.call(
            [sys.executable, "-m", "dagster_project.run"],
            env=env,
            cwd=REPO,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    if code != 0:
        raise SystemExit(f"run failed ({code}); see {log}")
    return time.perf_counter() - start


def _slices(steps: dict[str, float]) -> dict[str, float]:
    out = {"protection (publish__protected_marts)": 0.0, "publication (published__marts)": 0.0}
    rest = 0.0
    for step, seconds in steps.items():
        if step == "publish__protected_marts":
            out["protection (publish__protected_marts)"] += seconds
        elif step == "published__marts":
            out["publication (published__marts)"] += seconds
        else:
            rest += seconds
    out["everything else (load, stage, checks, marts)"] = rest
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--landing", default=str(REPO / "data_samples" / "landing"))
    parser.add_argument("--out", default="/tmp/bench-incremental")
    parser.add_argument(
        "--full-from",
        default=None,
        help="the output folder of `python -m bench.run` on the same landing: its full run is "
        "taken as this table's full run instead of running one more",
    )
    parser.add_argument(
        "--held",
        type=int,
        default=1,
        help="months held back and then added one at a time (2: the second is the steady state)",
    )
    args = parser.parse_args()
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    source = Path(args.landing)
    months = sorted(
        {
            p.stem.rsplit("_", 1)[-1]
            for f in MONTHLY_FOLDERS
            for p in (source / f).glob("*_????-??.*")
        }
    )
    held_months = months[-args.held :]
    partial = out / "landing"
    shutil.copytree(source, partial, copy_function=os.link)  # hard links: nothing writes them
    stash = out / "held"
    for month in held_months:
        for p in [p for f in MONTHLY_FOLDERS for p in (partial / f).glob(f"*_{month}.*")]:
            (stash / month / p.parent.name).mkdir(parents=True, exist_ok=True)
            shutil.move(p, stash / month / p.parent.name / p.name)

    def env(name: str, landing: Path) -> tuple[dict, Path]:
        home = out / f"{name}-dagster"
        home.mkdir(exist_ok=True)
        shutil.copy(REPO / "dagster_project" / "dagster.yaml", home / "dagster.yaml")
        e = {
            **os.environ,
            "DE06_LANDING_DIR": str(landing),
            "DE06_DATA_DIR": str(out / f"{name}-data"),
            "DAGSTER_HOME": str(home),
            "DE06_PSEUDONYM_KEY": os.environ.get("DE06_PSEUDONYM_KEY", "bench-key-" + "x" * 32),
            "GX_ANALYTICS_ENABLED": "False",
        }
        return e, home

    rows = []
    if args.full_from:
        import json

        done = Path(args.full_from)
        measured = json.loads((done / "results.json").read_text())
        rows.append(
            (
                "full run, all months, empty warehouse",
                measured["run_wall_s"],
                _slices(measured["steps"]),
            )
        )
    else:
        e, home = env("full", source)
        wall = _run(e, out / "full.log")
        rows.append(("full run, all months, empty warehouse", wall, _slices(step_stats(home))))
    e, home = env("incr", partial)
    _run(e, out / "first.log")  # all months but the held ones (not measured)
    for i, month in enumerate(held_months):
        for p in (stash / month).rglob("*.*"):
            shutil.copy2(p, partial / p.parent.name / p.name)
        wall = _run(e, out / f"add-{month}.log")
        # the first append after a full staging also keys the earlier months' stays once
        # (warehouse/incremental.py, intermediate.stays_stay_keys); later ones do not
        label = "steady state" if i else "the first after a full run"
        rows.append((f"add one month ({month}; {label})", wall, _slices(step_stats(home))))
    wall = _run(e, out / "rerun.log")
    rows.append(("rerun on unchanged files", wall, _slices(step_stats(home))))

    names = list(rows[0][2])
    print(
        f"Landing {source} ({len(months)} months); {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
    )
    print()
    print(
        "| run | wall (Dagster start-up included) | data work (sum of step times) | "
        + " | ".join(names)
        + " |"
    )
    print("|---|---:|---:|" + "---:|" * len(names))
    for label, wall, sl in rows:
        cells = " | ".join(f"{sl[n]:.1f} s" for n in names)
        print(f"| {label} | {wall:.1f} s | {sum(sl.values()):.1f} s | {cells} |")


if __name__ == "__main__":
    main()
