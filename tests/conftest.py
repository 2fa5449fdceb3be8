"""Shared fixtures: the committed sample, a pipeline run on it in a temporary data folder, and
the generator's ground truth; the `e2e` marking.

Layout: tests/unit (no pipeline run: rules, readers, generators, reporting helpers, the
protection method), tests/assets (single assets, checks, the resource and the definitions on
small hand-made landings), tests/e2e (whole runs on the committed sample, a landing of another
seed, the corpus of odd extracts, notebooks, `make run` as a subprocess)."""

import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("DE06_PSEUDONYM_KEY", "test-key-not-secret-but-32-bytes-long")

REPO = Path(__file__).resolve().parent.parent
# The committed sample; DE06_TEST_SAMPLE points the end-to-end tests at another generated folder
# (same layout: landing/ and ground_truth/), e.g. while developing a new source.
SAMPLE = Path(os.environ.get("DE06_TEST_SAMPLE") or REPO / "data_samples")


# Fixtures that run the whole pipeline (or a large part of it): a test that uses one, directly
# or through another fixture, is end-to-end. `make test-fast` runs everything else.
PIPELINE_FIXTURES = {"sample_run", "other_landing_run", "warehouses", "incremental"}
E2E_DIR = Path(__file__).resolve().parent / "e2e"


def _uses(item, fixture: str) -> bool:
    """Whether a test needs the fixture, by name or as a parameter naming it."""
    params = getattr(item, "callspec", None)
    named = params.params.values() if params else ()
    return fixture in item.fixturenames or any(isinstance(v, str) and v == fixture for v in named)


# tryfirst: before pytest-xdist's own hook, which reads the xdist_group marks
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark `e2e` every test under tests/e2e/ and every test elsewhere that needs a pipeline
    run (its fixture closure holds one of PIPELINE_FIXTURES).

    For `make test`'s workers (pytest-xdist, `--dist loadgroup`): the tests of one module go to
    one worker, so a module's fixtures (its own pipeline runs) are built once; the modules that
    read `other_landing_run` go to one worker together, so that landing is generated and run
    once. Each worker still makes its own `sample_run` when its tests need it."""
    other_landing = {item.module.__name__ for item in items if _uses(item, "other_landing_run")}
    for item in items:
        path = Path(str(item.fspath)).resolve()
        if E2E_DIR in path.parents or PIPELINE_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.e2e)
        if not any(item.iter_markers("xdist_group")):
            module = item.module.__name__
            group = "other_landing_run" if module in other_landing else module
            item.add_marker(pytest.mark.xdist_group(group))


@dataclass
class PipelineRun:
    warehouse: "object"
    result: "object"

    @property
    def published(self) -> Path:
        return self.warehouse.published

    def published_db(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.published / "marts.duckdb"), read_only=True)

    def warehouse_db(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.warehouse.database_path), read_only=True)


def run_pipeline(landing: Path, data_dir: Path, months: list[str] | None = None, min_cell: int = 3):
    """Run the de06_all job in-process on a landing folder into data_dir."""
    from dagster_project.definitions import build_definitions
    from dagster_project.jobs import landing_months, range_tags
    from warehouse.resource import Warehouse

    warehouse = Warehouse(landing_dir=str(landing), data_dir=str(data_dir), min_cell=min_cell)
    months = months or landing_months(warehouse.landing)
    result = (
        build_definitions(warehouse)
        .resolve_job_def("de06_all")
        .execute_in_process(tags=range_tags(months), raise_on_error=False)
    )
    return PipelineRun(warehouse, result)


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> PipelineRun:
    """One full run on the committed sample (shared by the end-to-end tests)."""
    run = run_pipeline(SAMPLE / "landing", tmp_path_factory.mktemp("sample_data"))
    assert run.result.success, "the pipeline failed on the committed sample"
    return run


@pytest.fixture(scope="module")
def wh(sample_run):
    """Read-only connection to the sample run's warehouse."""
    con = sample_run.warehouse_db()
    yield con
    con.close()


@pytest.fixture(scope="module")
def pub(sample_run):
    """Read-only connection to the sample run's published marts."""
    con = sample_run.published_db()
    yield con
    con.close()


RULES_KEY = b"unit-test-key"


@pytest.fixture(scope="module")
def con():
    """An in-memory DuckDB connection with the cleaning-rule macros (for rule unit tests)."""
    from protection import cellkey
    from quality.rules import register_rules

    c = duckdb.connect()
    register_rules(c, RULES_KEY)
    cellkey.register(c, RULES_KEY, 3)  # record_key(), which the staging SQL uses
    yield c
    c.close()


@pytest.fixture(scope="session")
def ground_truth():
    """The generator's manifest for the committed sample, per source domain."""

    def load(domain: str) -> dict:
        return json.loads((SAMPLE / "ground_truth" / f"{domain}.json").read_text(encoding="utf-8"))

    return load


@pytest.fixture(scope="module")
def yearbooks(pub):
    """The numbered yearbook tables of every model, built from the published marts as the
    publication builds them."""
    import domains
    from reporting.yearbook import numbered

    return {
        d.MODEL: numbered(d.YEARBOOK_TABLES(pub), chapter)
        for chapter, d in enumerate(domains.DOMAINS, start=1)
    }


# Another landing than the committed sample: another seed and scale, generated in the test run
# (about 2 s) and run through the pipeline once (about 60 s on 2 cores). The notebooks and the
# quality report are checked on it, so neither can depend on what one sample happens to hold.
OTHER_SEED, OTHER_SCALE = 19, 0.005


@pytest.fixture(scope="session")
def other_landing_run(tmp_path_factory) -> PipelineRun:
    """A full run on a generated landing of seed OTHER_SEED and scale OTHER_SCALE; its ground
    truth is in `run.warehouse.landing.parent / "ground_truth"`."""
    import subprocess
    import sys

    root = tmp_path_factory.mktemp(f"landing_seed{OTHER_SEED}")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "synthetic.generate",
            "--scale",
            str(OTHER_SCALE),
            "--seed",
            str(OTHER_SEED),
            "--out",
            str(root),
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    run = run_pipeline(root / "landing", tmp_path_factory.mktemp(f"data_seed{OTHER_SEED}"))
    assert run.result.success, f"the pipeline failed on the landing of seed {OTHER_SEED}"
    return run
