"""Synthetic landing extracts, one module per source.

`population` builds the world (`population.generate_population`); every other source lives in
`synthetic/<name>.py` with `generate(world, out_dir, rng, scale) -> dict` returning its
ground truth, and is found by name (see `run_sources`).
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path

from synthetic import common
from synthetic.population import generate_population, summary

DEFAULT_SOURCES = ("population", "labour", "lodging", "public_order")


def source_generator(name: str):
    """The `generate(world, out_dir, rng, scale)` function of source `name`."""
    if not name.isidentifier():
        raise ValueError(f"bad source name {name!r}")
    try:
        module = importlib.import_module(f"synthetic.{name}")
    except ModuleNotFoundError as exc:
        raise ValueError(f"no generator for source {name!r} (synthetic/{name}.py)") from exc
    return module.generate


def run_sources(
    out_dir: str | Path, scale: float, seed: int, sources=DEFAULT_SOURCES, verbose: bool = True
) -> dict:
    """Generate the population world, then each requested source, in order. Returns
    {source: truth}. Each source gets its own random stream, so adding one never changes the
    files of another."""
    out_dir = Path(out_dir)
    sources = list(dict.fromkeys(sources))
    gens = {name: source_generator(name) for name in sources if name != "population"}
    truths: dict = {}
    t0 = time.perf_counter()
    world = generate_population(out_dir, scale=scale, seed=seed, verbose=verbose)
    if "population" in sources:
        truths["population"] = world.truth
        if verbose:
            print(summary(world.truth))
            print(f"population: {time.perf_counter() - t0:.1f}s")
    for name, gen in gens.items():
        t = time.perf_counter()
        truth = gen(world, out_dir, common.source_rng(seed, name), scale)
        common.write_json(truth, out_dir / "ground_truth" / f"{name}.json")
        truths[name] = truth
        if verbose:
            print(f"{name}: {time.perf_counter() - t:.1f}s")
    return truths
