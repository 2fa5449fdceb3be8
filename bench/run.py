"""Benchmark at province scale: generate the extracts, time the floor (one plain DuckDB script),
then time `make run`'s entry point on them (Dagster start-up included) and a rerun, and write
bench/RESULTS.md. Not part of the tests: timings are written down, never asserted.

    python -m bench.run --scale 1.0 [--sources population,labour,lodging,public_order]
"""

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import duckdb

from quality.rules import hmac_blocks

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def timed(cmd: list[str], env: dict, log: Path) -> tuple[float, int, str]:
    """Wall time and peak RSS (MiB) of that child process; its output goes to `log`."""
    start = time.perf_counter()
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=fh, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({code}); see {log}")
    return wall, usage.ru_maxrss // 1024, ""


def floor(landing: Path) -> float:
    residents = sorted((landing / "population").glob("residents_*.csv"))[-1]
    inner, outer = hmac_blocks(b"benchmark-key")
    sql = (HERE / "floor.sql").read_text().format(INNER=inner, OUTER=outer, RESIDENTS=residents)
    con = duckdb.connect()
    start = time.perf_counter()
    con.execute(sql)
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed


def step_stats(dagster_home: Path) -> dict[str, float]:
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    import dagster as dg

    instance = dg.DagsterInstance.get()
    run = instance.get_runs(limit=1)[0]
    return {
        s.step_key: (s.end_time or 0) - (s.start_time or 0)
        for s in instance.get_run_step_stats(run.run_id)
    }


# Slices by the source each step belongs to (checks go with their table).
GROUPS = {
    "reference": ("reference__",),
    "population: load, clean, validate": ("raw__residents", "raw__events", "staged_residents",
                                          "staged_events", "staging__residents", "staging__events"),
    "population: model 36 marts": ("marts__population", "marts__migration"),
    "labour (model 37)": ("raw__labour", "staged_labour", "staging__labour", "quarantine__labour",
                          "marts__labour", "marts__youth", "marts__employment"),
    "lodging (model 38)": ("raw__establishments", "raw__stays", "staged_establishments", "staged_stays",
                           "staging__establishments", "staging__stays", "marts__tourism",
                           "marts__lodging"),
    "public order (model 39)": ("raw__incidents", "raw__traffic", "staged_incidents", "staged_traffic",
                                "staging__incidents", "staging__traffic", "marts__public_order",
                                "marts__traffic"),
    "reconciliation + publish": ("ops__", "published__"),
}


def group_of(step: str) -> str:
    for group, prefixes in GROUPS.items():
        if any(step.startswith(p) for p in prefixes):
            return group
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--sources", default="population,labour,lodging,public_order")
    parser.add_argument("--out", default=str(HERE / "out"))
    parser.add_argument("--keep", action="store_true", help="reuse generated extracts if present")
    parser.add_argument("--results", default=str(HERE / "RESULTS.md"), help="report to write")
    args = parser.parse_args()
    out = Path(args.out)
    landing = out / "landing"
    env = {**os.environ, "DE06_LANDING_DIR": str(landing), "DE06_DATA_DIR": str(out / "data"),
           "DAGSTER_HOME": str(out / "dagster_home"), "GX_ANALYTICS_ENABLED": "False",
           "DE06_PSEUDONYM_KEY": "benchmark-key-not-secret-32-bytes-long", "PYTHONUNBUFFERED": "1"}
    available = [s for s in args.sources.split(",")
                 if s == "population" or (REPO / "sources" / "synthetic" / f"{s}.py").exists()]

    if not (args.keep and landing.exists()):
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        gen_wall, gen_mem, _ = timed([sys.executable, "-m", "sources.generate", "--scale", str(args.scale),
                                      "--seed", str(args.seed), "--out", str(out), "--sources",
                                      ",".join(available)], env, out / "generate.log")
    else:
        gen_wall, gen_mem = float("nan"), 0
    shutil.rmtree(out / "data", ignore_errors=True)
    shutil.rmtree(out / "dagster_home", ignore_errors=True)
    (out / "dagster_home").mkdir(parents=True)
    shutil.copy(REPO / "dagster_project" / "dagster.yaml", out / "dagster_home" / "dagster.yaml")

    input_rows = {}
    for path in sorted(landing.rglob("*")):
        if path.is_file():
            input_rows[path.parent.name] = input_rows.get(path.parent.name, 0) + path.stat().st_size
    floor_s = floor(landing)
    run_wall, run_mem, _ = timed([sys.executable, "-m", "dagster_project.run"], env, out / "run.log")
    steps = step_stats(out / "dagster_home")
    rerun_wall, _, _ = timed([sys.executable, "-m", "dagster_project.run"], env, out / "rerun.log")

    with duckdb.connect(str(out / "data" / "warehouse.duckdb"), read_only=True) as con:
        rows = dict(con.execute(
            "SELECT source, sum(rows_in) FROM ops.reconciliation GROUP BY source ORDER BY source"
        ).fetchall())
    total_rows = sum(rows.values())
    by_group: dict[str, float] = defaultdict(float)
    for step, secs in steps.items():
        by_group[group_of(step)] += secs
    data_work = sum(steps.values())

    lines = [
        "# Benchmark results",
        "",
        f"Measured {datetime.now():%Y-%m-%d %H:%M} by `python -m bench.run --scale {args.scale}` "
        f"on {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"duckdb {duckdb.__version__}. Sources: {', '.join(available)}.",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| extract generation (these sources) | {gen_wall:.1f} s (peak {gen_mem} MiB) |",
        f"| input rows (all files) | {total_rows:,} |",
        *[f"| — {source} rows | {n:,} |" for source, n in rows.items()],
        f"| floor: one DuckDB script, read + pseudonymise + aggregate residents | {floor_s:.2f} s |",
        f"| pipeline, first run, wall (Dagster start-up included) | {run_wall:.1f} s |",
        f"| pipeline, data work (sum of step times) | {data_work:.1f} s |",
        f"| pipeline throughput | {total_rows / run_wall:,.0f} rows/s |",
        f"| pipeline peak memory (largest process) | {run_mem} MiB |",
        f"| rerun on unchanged files (loads skipped, rest rebuilt) | {rerun_wall:.1f} s |",
        "",
        "Step time by slice (seconds):",
        "",
        "| slice | seconds |",
        "|---|---:|",
        *[f"| {g} | {s:.1f} |" for g, s in sorted(by_group.items(), key=lambda kv: -kv[1])],
        "",
        "Slowest steps:",
        "",
        "| step | seconds |",
        "|---|---:|",
        *[f"| {k} | {v:.1f} |" for k, v in sorted(steps.items(), key=lambda kv: -kv[1])[:12]],
        "",
    ]
    report = "\n".join(lines)
    print(report)
    (out / "results.json").write_text(json.dumps(
        {"generation_s": gen_wall, "floor_s": floor_s, "run_wall_s": run_wall, "data_work_s": data_work,
         "peak_mib": run_mem, "rerun_s": rerun_wall, "rows": rows, "steps": steps}, indent=1))
    results = Path(args.results)
    previous = results.read_text() if results.exists() else ""
    notes = previous.split("<!-- notes -->", 1)[1] if "<!-- notes -->" in previous else "\n"
    results.write_text(report + "\n<!-- notes -->" + notes)


if __name__ == "__main__":
    main()
