"""Measure the population projection (issue 21) on a landing: build the population part of the
warehouse (reference, population raw/staging, the model 36 marts and the projection's input
marts; nothing else of the pipeline), then

- project from the latest stock and print the method's own backtest;
- with --cut YYYY-MM: build a second warehouse from the landing cut after that month (its
  events only up to it), project from that cut, and score the projection of the next 1 January
  against what the full landing's register recorded (the issue's "landing cut at the end of one
  year" check);
- each on the exact input tables (schema marts) and on the published ones (schema publish,
  perturbed by the pipeline's own cell key method, protection/), read with cell_noise_variance
  = the p-table's variance.

    python -m bench.projection_check --landing data_samples/landing --work /tmp/pc --cut 2024-12

Needs DE06_PSEUDONYM_KEY (or a key file in the work folder). Prints tables; writes nothing
outside --work.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from projection import load_inputs, score
from projection.engine import Settings, project_inputs
from protection import audit, cellkey, perturb

NOISE_VARIANCE = cellkey.V  # the p-table's variance

PROJECTION_MARTS = (
    "population_by_single_age.sql",
    "births_by_mother_age.sql",
    "deaths_by_age_sex.sql",
    "migration_by_age_sex.sql",
)
COLUMNS = [
    "base_date",
    "target_date",
    "area_level",
    "measure",
    "n_areas",
    "mape_projection",
    "mape_naive",
    "coverage_80",
]


def cut_landing(landing: Path, target: Path, last_month: str) -> Path:
    """A landing folder holding the population extracts up to `last_month` (links, no copies)."""
    folder = target / "population"
    folder.mkdir(parents=True, exist_ok=True)
    for f in sorted((landing / "population").iterdir()):
        period = f.stem.split("_", 1)[-1]
        if f.name.startswith("residents_") or (
            f.name.startswith("events_") and period <= last_month
        ):
            (folder / f.name).symlink_to(f.resolve())
    return target


def build(landing: Path, data_dir: Path) -> Path:
    """The population part of the warehouse, plus the projection's input marts."""
    from assets import population, reference
    from dagster_project.jobs import landing_months, range_tags
    from quality.staging import run_sql_file
    from warehouse.resource import Warehouse

    warehouse = Warehouse(landing_dir=str(landing), data_dir=str(data_dir))
    months = [m for m in landing_months(landing)]
    result = dg.materialize(
        [reference.admin_units_reference, *dg.load_assets_from_modules([population])],
        resources={"warehouse": warehouse},
        tags=range_tags(months) if months else {},
        selection=dg.AssetSelection.all(),
        raise_on_error=False,
    )
    if not result.success:
        raise SystemExit(f"building the population warehouse from {landing} failed")
    with warehouse.connect() as con:
        for name in PROJECTION_MARTS:
            run_sql_file(con, "marts", name)
        publish_population(con)
    return warehouse.database_path


def publish_population(con: duckdb.DuckDBPyConnection) -> None:
    """The model 36 marts protected as the pipeline publishes them (schema publish)."""
    from domains import population as domain

    con.execute("CREATE SCHEMA IF NOT EXISTS publish")
    for mart in domain.MARTS:  # in catalogue order: the median age reads the age groups
        columns = audit.table_columns(con, "marts", mart.name)
        con.execute(perturb.publish_sql(mart.name, mart.perturbation, columns, "marts", "publish"))


def report(title: str, frame: pl.DataFrame) -> None:
    print(f"\n## {title}")
    if not frame.height:
        print("(no rows)")
        return
    print(
        f"{'base':10} {'target':10} {'level':8} {'measure':9} {'n':>4} "
        f"{'MAPE method':>11} {'MAPE naive':>10} {'cover80 %':>9}"
    )
    for r in frame.select(COLUMNS).iter_rows(named=True):  # a printed table of a few rows
        print(
            f"{r['base_date']!s:10} {r['target_date']!s:10} {r['area_level']:8} "
            f"{r['measure']:9} {r['n_areas']:>4} {r['mape_projection']:>11.2f} "
            f"{r['mape_naive']:>10.2f} {r['coverage_80']:>9.1f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", required=True, type=Path)
    parser.add_argument("--work", required=True, type=Path)
    parser.add_argument("--cut", help="last month of the cut landing, e.g. 2024-12")
    parser.add_argument("--reuse", action="store_true", help="reuse warehouses already built")
    args = parser.parse_args(argv)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("DAGSTER_HOME", str(args.work / "dagster_home"))
    Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)

    def warehouse_for(name: str, landing: Path) -> Path:
        data = args.work / name
        db = data / "warehouse.duckdb"
        if args.reuse and db.exists():
            return db
        shutil.rmtree(data, ignore_errors=True)
        started = time.time()
        db = build(landing, data)
        print(f"built {name} from {landing} in {time.time() - started:.0f} s")
        return db

    full_db = warehouse_for("full", args.landing.resolve())
    cut_db = None
    if args.cut:
        cut_dir = args.work / f"landing_cut_{args.cut}"
        shutil.rmtree(cut_dir, ignore_errors=True)
        cut_db = warehouse_for(
            f"cut_{args.cut}", cut_landing(args.landing.resolve(), cut_dir, args.cut)
        )

    for schema, noise in (("marts", 0.0), ("publish", NOISE_VARIANCE)):
        settings = Settings(cell_noise_variance=noise)
        with duckdb.connect(str(full_db), read_only=True) as con:
            full = load_inputs(con, schema)
        started = time.time()
        result = project_inputs(full, settings=settings)
        print(
            f"\n# {args.landing} · inputs {schema} · status {result.status} · base "
            f"{result.model.base_date if result.model else '-'} · {time.time() - started:.1f} s"
        )
        if result.status != "ok":
            print(result.message)
        report(f"backtest of the full landing ({schema})", result.backtest)
        if cut_db is not None:
            with duckdb.connect(str(cut_db), read_only=True) as con:
                cut = load_inputs(con, schema)
            cut_result = project_inputs(cut, settings=settings, with_backtest=False)
            if cut_result.status != "ok":
                print(f"cut {args.cut}: {cut_result.status}: {cut_result.message}")
                continue
            report(
                f"landing cut after {args.cut}, projection from {cut_result.model.base_date} "
                f"scored against the full landing's register ({schema})",
                score(cut_result, full, settings),
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
