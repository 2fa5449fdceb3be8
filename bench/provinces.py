"""Two provinces' worth of data: the same pipeline run as two processes in parallel (each with its
own DE06_DATA_DIR / DE06_LANDING_DIR / DAGSTER_HOME, as one DuckDB file per province would be)
against the two one after the other. Prints the figures for docs/SCALE.md.

    python -m bench.provinces --scale 0.05 --out /tmp/perf-provinces
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


def env_for(out: Path, name: str, mode: str) -> dict:
    root = out / name / mode
    shutil.rmtree(root, ignore_errors=True)
    (root / "dagster_home").mkdir(parents=True)
    shutil.copy(REPO / "dagster_project" / "dagster.yaml", root / "dagster_home" / "dagster.yaml")
    return {
        **os.environ,
        "DE06_LANDING_DIR": str(out / name / "landing"),
        "DE06_DATA_DIR": str(root / "data"),
        "DAGSTER_HOME": str(root / "dagster_home"),
        "DE06_PSEUDONYM_KEY": "benchmark-key",
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
    args = parser.parse_args()
    out = Path(args.out)
    names = ["province_a", "province_b"]
    for seed, name in zip((21, 22), names, strict=True):
        if not (out / name / "landing").exists():
            subprocess.run(
                generate_command(args.scale, seed, out / name),
                cwd=REPO,
                check=True,
                stdout=subprocess.DEVNULL,
            )
    sequential = {}
    t0 = time.perf_counter()
    for name in names:
        t = time.perf_counter()
        proc = start(env_for(out, name, "sequential"), out / f"{name}-sequential.log")
        if proc.wait():
            raise SystemExit(f"{name} failed, see {out / f'{name}-sequential.log'}")
        sequential[name] = time.perf_counter() - t
    sequential_total = time.perf_counter() - t0
    t0 = time.perf_counter()
    procs = [start(env_for(out, n, "parallel"), out / f"{n}-parallel.log") for n in names]
    codes = [p.wait() for p in procs]
    parallel_total = time.perf_counter() - t0
    if any(codes):
        raise SystemExit(f"a parallel run failed ({codes}), see {out}/*-parallel.log")
    print(f"scale {args.scale}, {os.cpu_count()} cores")
    for name, secs in sequential.items():
        print(f"sequential {name}: {secs:.1f} s")
    print(f"one after the other: {sequential_total:.1f} s")
    print(
        f"two processes in parallel: {parallel_total:.1f} s "
        f"({sequential_total / parallel_total:.2f}x faster)"
    )


if __name__ == "__main__":
    main()
