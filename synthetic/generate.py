"""Generate the synthetic landing extracts and their ground truth.

    python -m synthetic.generate --scale 0.02 --seed 6 --out data_samples
    python -m synthetic.generate --scale 1.0 --out /tmp/full --sources population

Writes DIR/landing/<folder>/... and DIR/ground_truth/<source>.json. The same seed and scale
give byte-identical files.
"""

from __future__ import annotations

import argparse
import time

from synthetic import DEFAULT_SOURCES, run_sources


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--scale",
        type=float,
        default=0.02,
        help="fraction of the real population (1.0 ≈ 1.5 million residents)",
    )
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument(
        "--sources",
        default=",".join(DEFAULT_SOURCES),
        help="comma-separated sources (population first; others need it)",
    )
    args = ap.parse_args(argv)
    if args.scale <= 0:
        ap.error("--scale must be positive")
    sources = [s.strip() for s in args.sources.split(",") if s.strip()]
    t0 = time.perf_counter()
    try:
        run_sources(args.out, args.scale, args.seed, sources)
    except ValueError as exc:
        ap.error(str(exc))
    print(
        f"done in {time.perf_counter() - t0:.1f}s (scale {args.scale}, seed {args.seed}) "
        f"→ {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
