"""Benchmark: generate the extracts (or reuse a landing folder), then from this one invocation
time the floor (bench/floor.py, one plain DuckDB script doing the same design for all four
sources), the same floor keeping the design's raw and cleaned tables in a DuckDB file
(`bench.floor --persist`: what the design's two persistent layers cost at the least) and
`make run`'s entry point on the same files (a subprocess: Dagster start-up included) and a
rerun, wall time and peak memory of each process tree, and write them side by side in
bench/RESULTS.md with where the product's time goes (step times from the run's events).
Not part of the tests: timings are written down, never asserted.

    python -m bench.run --scale 1.0 [--sources population,labour,lodging,public_order]
    python -m bench.run --landing /tmp/perf-land/landing --scale 0.2   # reuse generated files
    python -m bench.run --landing /tmp/perf-land/landing --repeat 3     # alternated, medians

With `--repeat N` the floor, the floor with the layers and the product run N times in turn and
the upper medians are reported, with every run's figures: on a shared 2-core machine one run's
speed drifts by a fifth within the hour (bench/RESULTS.md).
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def generate_command(
    scale: float, seed: int, out: Path, sources: list[str] | None = None
) -> list[str]:
    """The synthetic generator's command line: extracts of `scale` for `seed` into `out`
    (`out/landing`, `out/ground_truth`), all sources unless `sources` names some."""
    command = [sys.executable, "-m", "synthetic.generate", "--scale", str(scale)]
    command += ["--seed", str(seed), "--out", str(out)]
    return command + (["--sources", ",".join(sources)] if sources is not None else [])


def timed(cmd: list[str], env: dict, log: Path) -> tuple[float, int, int]:
    """Wall time, peak RSS of the whole process tree (MiB, polled every 50 ms) and of its
    largest process (MiB, from the kernel) of a child command; its output goes to `log`.
    The writes of whatever ran before are flushed to disk first (os.sync), so that a command is
    not charged with an earlier one's: a monthly run in operation starts long after the last."""
    import psutil

    os.sync()
    start = time.perf_counter()
    peak_tree = 0
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=fh, stderr=subprocess.STDOUT)
        parent = psutil.Process(proc.pid)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            try:
                tree = [parent, *parent.children(recursive=True)]
                peak_tree = max(peak_tree, sum(p.memory_info().rss for p in tree))
            except psutil.Error:
                pass
            time.sleep(0.05)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({code}); see {log}")
    return wall, max(peak_tree // 2**20, usage.ru_maxrss // 1024), usage.ru_maxrss // 1024


def step_stats(dagster_home: Path) -> dict[str, float]:
    """Each step's time in the latest run of the Dagster instance at `dagster_home` (read in a
    process of its own: a benchmark with --repeat reads several instances in turn)."""
    code = (
        "import json, dagster as dg; i = dg.DagsterInstance.get(); r = i.get_runs(limit=1)[0]; "
        "print(json.dumps({s.step_key: (s.end_time or 0) - (s.start_time or 0) "
        "for s in i.get_run_step_stats(r.run_id)}))"
    )
    out = subprocess.check_output(
        [sys.executable, "-c", code], env={**os.environ, "DAGSTER_HOME": str(dagster_home)}
    )
    return json.loads(out)


# Slices by the source each step belongs to (checks go with their table).
GROUPS = {
    "reference": ("reference__",),
    "population: load, clean, validate": (
        "raw__residents",
        "raw__events",
        "staged_residents",
        "staged_events",
        "staging__residents",
        "staging__events",
    ),
    "population: model 36 marts": ("marts__population", "marts__migration"),
    "labour (model 37)": (
        "raw__labour",
        "staged_labour",
        "staging__labour",
        "quarantine__labour",
        "marts__labour",
        "marts__youth",
        "marts__employment",
    ),
    "lodging (model 38)": (
        "raw__establishments",
        "raw__stays",
        "staged_establishments",
        "staged_stays",
        "staging__establishments",
        "staging__stays",
        "marts__tourism",
        "marts__lodging",
    ),
    "public order (model 39)": (
        "raw__incidents",
        "raw__traffic",
        "staged_incidents",
        "staged_traffic",
        "staging__incidents",
        "staging__traffic",
        "marts__public_order",
        "marts__traffic",
    ),
    "disclosure control (protection and its audit)": ("publish__",),
    "reconciliation + publication": ("ops__", "published__"),
}


def group_of(step: str) -> str:
    for group, prefixes in GROUPS.items():
        if any(step.startswith(p) for p in prefixes):
            return group
    return "other"


def _floor_steps(log: Path) -> dict[str, float]:
    """The step times a floor run printed ("floor step <name>: <seconds> s")."""
    return {
        line.split("floor step ", 1)[1].rsplit(":", 1)[0]: float(line.rsplit(":", 1)[1].split()[0])
        for line in log.read_text().splitlines()
        if line.startswith("floor step ")
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--sources", default="population,labour,lodging,public_order")
    parser.add_argument("--out", default=str(HERE / "out"))
    parser.add_argument("--keep", action="store_true", help="reuse generated extracts if present")
    parser.add_argument(
        "--landing",
        default=None,
        help="an already generated landing folder to measure (no generation)",
    )
    parser.add_argument("--results", default=str(HERE / "RESULTS.md"), help="report to write")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="floor, floor with the layers and product, alternated this many times (upper medians "
        "reported, with each run's figures)",
    )
    args = parser.parse_args()
    out = Path(args.out)
    landing = Path(args.landing) if args.landing else out / "landing"
    env = {
        **os.environ,
        "DE06_LANDING_DIR": str(landing),
        "DE06_DATA_DIR": str(out / "data"),
        "DAGSTER_HOME": str(out / "dagster_home"),
        "GX_ANALYTICS_ENABLED": "False",
        "DE06_PSEUDONYM_KEY": "benchmark-key-not-secret-32-bytes-long",
        "PYTHONUNBUFFERED": "1",
    }
    available = [
        s
        for s in args.sources.split(",")
        if s == "population" or (REPO / "synthetic" / f"{s}.py").exists()
    ]

    if args.landing or (args.keep and landing.exists()):
        out.mkdir(parents=True, exist_ok=True)
        gen_wall, gen_mem = float("nan"), 0
    else:
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        gen_wall, gen_mem, _ = timed(
            generate_command(args.scale, args.seed, out, available), env, out / "generate.log"
        )
    input_mb = sum(p.stat().st_size for p in landing.rglob("*") if p.is_file()) / 2**20

    def floor(name: str, *extra: str) -> tuple[float, int, dict[str, float]]:
        shutil.rmtree(out / name, ignore_errors=True)
        wall, mem, _ = timed(
            [sys.executable, "-m", "bench.floor", "--landing", str(landing)]
            + ["--out", str(out / name), *extra],
            env,
            out / f"{name}.log",
        )
        steps = _floor_steps(out / f"{name}.log")
        if extra:  # the layers' file holds a copy of every extract
            shutil.rmtree(out / name, ignore_errors=True)
        return wall, mem, steps

    # The floors and the product alternate, `--repeat` times: this machine's speed drifts by a
    # fifth within the hour, and each figure is read against the ones measured beside it.
    rounds = []
    for _ in range(args.repeat):
        floor_round = floor("floor")
        layers_round = floor("floor-layers", "--persist", str(out / "floor-layers" / "f.duckdb"))
        for d in ("data", "dagster_home"):
            shutil.rmtree(out / d, ignore_errors=True)
        (out / "dagster_home").mkdir(parents=True)
        shutil.copy(
            REPO / "dagster_project" / "dagster.yaml", out / "dagster_home" / "dagster.yaml"
        )
        run_round = timed([sys.executable, "-m", "dagster_project.run"], env, out / "run.log")
        rounds.append((floor_round, layers_round, run_round, step_stats(out / "dagster_home")))
    # the product's run of median wall time is the one reported in detail (and the full run
    # bench.incremental reads); the other figures are the upper medians of their own runs
    median = sorted(rounds, key=lambda r: r[2][0])[len(rounds) // 2]
    (_, _, floor_steps), (_, _, layers_steps), (run_wall, run_mem, run_largest), steps = median
    floor_wall, floor_mem = (statistics.median_high(r[0][i] for r in rounds) for i in (0, 1))
    layers_wall, layers_mem = (statistics.median_high(r[1][i] for r in rounds) for i in (0, 1))
    rerun_wall, rerun_mem, _ = timed(
        [sys.executable, "-m", "dagster_project.run"], env, out / "rerun.log"
    )

    with duckdb.connect(str(out / "data" / "warehouse.duckdb"), read_only=True) as con:
        rows = dict(
            con.execute(
                "SELECT source, sum(rows_in) FROM ops.reconciliation GROUP BY source ORDER BY source"
            ).fetchall()
        )
    total_rows = sum(rows.values())
    by_group: dict[str, float] = defaultdict(float)
    for step, secs in steps.items():
        by_group[group_of(step)] += secs
    data_work = sum(steps.values())
    command = (
        f"python -m bench.run --scale {args.scale}"
        + (f" --landing {args.landing}" if args.landing else "")
        + (f" --repeat {args.repeat}" if args.repeat > 1 else "")
    )
    each = [
        f"{i + 1}: {f[0]:.1f} s / {la[0]:.1f} s / {r[0]:.1f} s ({r[0] / f[0]:.1f}×; "
        f"{sum(st.values()):.1f} s of steps)"
        for i, (f, la, r, st) in enumerate(rounds)
    ]

    load = os.getloadavg()[2]
    lines = [
        "# Benchmark results",
        "",
        f"Measured {datetime.now():%Y-%m-%d %H:%M} by `{command}` "
        f"on {platform.machine()}, {os.cpu_count()} cores (load average {load:.1f} over the last "
        f"15 minutes at the end), Python {platform.python_version()}, "
        f"duckdb {duckdb.__version__}. Sources: {', '.join(available)}; {input_mb:,.0f} MB of "
        f"landing files, {total_rows:,} input rows.",
        "",
        "| | product (`python -m dagster_project.run`) | floor (`bench/floor.py`) | product / floor |",
        "|---|---:|---:|---:|",
        f"| wall time (product: Dagster start-up included) | {run_wall:.1f} s | {floor_wall:.1f} s | "
        f"{run_wall / floor_wall:.1f}× |",
        f"| peak memory (process tree, RSS) | {run_mem:,} MiB | {floor_mem:,} MiB | "
        f"{run_mem / max(floor_mem, 1):.1f}× |",
        f"| throughput | {total_rows / run_wall:,.0f} rows/s | {total_rows / floor_wall:,.0f} rows/s | |",
        "",
        *(
            [
                f"Upper medians of {len(rounds)} alternated runs (the product's: the run of median "
                "wall time, detailed below). Each run, floor / floor with the design's layers / "
                "product: " + "; ".join(each) + ".",
                "",
            ]
            if len(rounds) > 1
            else []
        ),
        "The floor again, keeping the design's two persistent layers (`bench.floor --persist`: "
        "every extract copied as read into a raw table, the cleaned tables built from those, "
        "both in a DuckDB file; still no load columns, quarantine or rule columns):",
        "",
        "| | floor with the design's layers | / floor | product / it |",
        "|---|---:|---:|---:|",
        f"| wall time | {layers_wall:.1f} s | {layers_wall / floor_wall:.2f}× | "
        f"{run_wall / layers_wall:.1f}× |",
        f"| peak memory (process tree, RSS) | {layers_mem:,} MiB | "
        f"{layers_mem / max(floor_mem, 1):.1f}× | {run_mem / max(layers_mem, 1):.1f}× |",
        "",
        "| measure | value |",
        "|---|---:|",
        (
            f"| extract generation (these sources) | {gen_wall:.1f} s (peak {gen_mem} MiB) |"
            if gen_wall == gen_wall  # NaN when an existing landing was measured
            else "| extract generation | not in this run (`--landing`) |"
        ),
        *[f"| — {source} rows | {n:,} |" for source, n in rows.items()],
        f"| product, data work (sum of step times) | {data_work:.1f} s |",
        f"| product, Dagster start-up and bookkeeping (wall − step times) | {run_wall - data_work:.1f} s |",
        f"| product, largest single process | {run_largest:,} MiB |",
        f"| product, rerun on unchanged files (loads skipped, rest rebuilt) | {rerun_wall:.1f} s, {rerun_mem:,} MiB |",
        "",
        "Floor step times (seconds): "
        + ", ".join(f"{k} {v:.2f}" for k, v in floor_steps.items())
        + ".",
        "",
        "Floor with the design's layers, step times (seconds): "
        + ", ".join(f"{k} {v:.2f}" for k, v in layers_steps.items())
        + ".",
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
    (out / "results.json").write_text(
        json.dumps(
            {
                "generation_s": gen_wall,
                "floor_wall_s": floor_wall,
                "floor_peak_mib": floor_mem,
                "floor_steps": floor_steps,
                "floor_layers_wall_s": layers_wall,
                "floor_layers_peak_mib": layers_mem,
                "floor_layers_steps": layers_steps,
                "runs": [
                    {
                        "floor_s": f[0],
                        "floor_layers_s": la[0],
                        "run_wall_s": r[0],
                        "data_work_s": sum(st.values()),
                    }
                    for f, la, r, st in rounds
                ],
                "run_wall_s": run_wall,
                "data_work_s": data_work,
                "peak_mib": run_mem,
                "largest_process_mib": run_largest,
                "rerun_s": rerun_wall,
                "rows": rows,
                "steps": steps,
            },
            indent=1,
        )
    )
    results = Path(args.results)
    previous = results.read_text() if results.exists() else ""
    notes = previous.split("<!-- notes -->", 1)[1] if "<!-- notes -->" in previous else "\n"
    results.write_text(report + "\n<!-- notes -->" + notes)


if __name__ == "__main__":
    main()
