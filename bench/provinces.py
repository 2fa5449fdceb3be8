"""Two provinces' worth of data: the same pipeline run as two processes in parallel (each with its
own DE06_DATA_DIR / DE06_LANDING_DIR / DAGSTER_HOME, as one DuckDB file per province would be)
against the two one after the other. Prints the figures for docs/SCALE.md.

    python -m bench.provinces --scale 0.05 --out /tmp/perf-provinces
    python -m bench.provinces --landing /tmp/a/landing --landing /tmp/b/landing --out /tmp/p

With two --landing folders nothing is generated (two independent landings of the same scale,
e.g. from `python -m synthetic.generate --scale 1.0 --seed N`). Each run's peak memory is its
process's maximum resident set (the pipeline runs in one process: in-process executor).
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.run import generate_command

REPO = Path(__file__).resolve().parent.parent


def env_for(out: Path, name: str, mode: str, landing: Path) -> dict:
    root = out / name / mode
    shutil.rmtree(root, ignore_errors=True)
    (root / "dagster_home").mkdir(parents=True)
    shutil.copy(REPO / "dagster_project" / "dagster.yaml", root / "dagster_home" / "dagster.yaml")
    return {
        **os.environ,
        "DE06_LANDING_DIR": str(landing),
        "DE06_DATA_DIR": str(root / "data"),
        "DAGSTER_HOME": str(root / "dagster_home"),
        "DE06_PSEUDONYM_KEY": "benchmark-key-not-secret-32-bytes-long",
        "GX_ANALYTICS_ENABLED": "False",
    }


def start(env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dagster_project.run"],
        env=env,
        cwd=REPO,
        stdout=open(log, "w"),
        stderr=subprocess.STDOUT,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--out", default="/tmp/perf-provinces")
    parser.add_argument(
        "--landing",
        action="append",
        default=[],
        help="an already generated landing folder (give two: nothing is generated)",
    )
    args = parser.parse_args()
    out = Path(args.out)
    names = ["province_a", "province_b"]
    if args.landing and len(args.landing) != 2:
        raise SystemExit("give two --landing folders (or none: both are generated)")
    landings = [Path(p).resolve() for p in args.landing] or [out / n / "landing" for n in names]
    for seed, landing in zip((21, 22), landings, strict=True):
        if not landing.exists():
            subprocess.run(
                generate_command(args.scale, seed, landing.parent),
                cwd=REPO,
                check=True,
                stdout=subprocess.DEVNULL,
            )
    sequential, peaks = {}, {}
    t0 = time.perf_counter()
    for name, landing in zip(names, landings, strict=True):
        t = time.perf_counter()
        proc = start(env_for(out, name, "sequential", landing), out / f"{name}-sequential.log")
        code, peaks[name] = wait_peak(proc)
        if code:
            raise SystemExit(f"{name} failed, see {out / f'{name}-sequential.log'}")
        sequential[name] = time.perf_counter() - t
    sequential_total = time.perf_counter() - t0
    t0 = time.perf_counter()
    procs = [
        start(env_for(out, n, "parallel", landing), out / f"{n}-parallel.log")
        for n, landing in zip(names, landings, strict=True)
    ]
    waited = [wait_peak(p) for p in procs]
    parallel_total = time.perf_counter() - t0
    if any(code for code, _ in waited):
        raise SystemExit(f"a parallel run failed, see {out}/*-parallel.log")
    print(
        f"scale {args.scale if not args.landing else 'of the given landings'}, "
        f"{os.cpu_count()} cores"
    )
    for name, secs in sequential.items():
        print(f"sequential {name}: {secs:.1f} s, peak {peaks[name]:,} MiB")
    print(f"one after the other: {sequential_total:.1f} s")
    print(
        f"two processes in parallel: {parallel_total:.1f} s "
        f"({sequential_total / parallel_total:.2f}x faster), peaks "
        + ", ".join(f"{peak:,} MiB" for _, peak in waited)
    )


def wait_peak(proc: subprocess.Popen) -> tuple[int, int]:
    """Wait for a run; its exit code and peak resident memory (MiB)."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss // 1024


if __name__ == "__main__":
    main()
