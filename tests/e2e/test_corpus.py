"""The corpus of odd-but-real extracts (tests/corpus/, issue 22): every case behaves as written.

The base landing is built once (reference, raw, staging and the reconciliation of every source,
no marts, no publication); each case then runs on a copy of that warehouse with its files in
place, through the raw, staging and quarantine assets of its source and the reconciliation
(with their checks). A case that loads accounts for every row of its files; a case that fails
names the file, the problem and the fix, quotes no value and changes nothing of its source.
Two failing cases run the whole job on a published set and leave published/ as it was."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.definitions import build_definitions
from dagster_project.jobs import landing_months, range_tags
from dagster_project.run import _failure_lines
from tests.corpus import base as b
from tests.corpus.cases import CASES, Case
from tests.corpus.make_corpus import make
from warehouse import publication_store
from warehouse.resource import Warehouse

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
QUALITY_SUITES = {
    "residents": "residents_quality",
    "labour_status": "labour_quality",
    "stays": "stays_quality",
    "incidents": "incidents_quality",
    "traffic_violations": "traffic_violations_quality",
}
# values of the extracts that no message, log line or metadata may quote
SECRETS = [
    *b.IDS,
    *b.NAMES,
    b.BABY_1,
    b.BABY_2,
    b.NEWCOMER,
    *(p for p, _ in b.PASSPORTS),
    *b.PLATES,
]
PUBLISHED_CASES = ("residents_saved_as_utf16", "events_year_typo_in_file_name")


def _job(warehouse: Warehouse):
    return build_definitions(warehouse).resolve_job_def("de06_all")


@pytest.fixture(scope="module")
def instance():
    """One in-memory Dagster instance for the corpus's runs (each run is its own)."""
    with dg.DagsterInstance.ephemeral() as inst:
        yield inst


@pytest.fixture(scope="module")
def base_build(tmp_path_factory) -> Path:
    """The base landing's warehouse: everything but the marts and the publication."""
    root = tmp_path_factory.mktemp("corpus_base")
    shutil.copytree(CORPUS / "base" / "landing", root / "landing")
    warehouse = Warehouse(landing_dir=str(root / "landing"), data_dir=str(root / "data"))
    graph = build_definitions(warehouse).resolve_asset_graph()
    keys = [
        k for k in graph.get_all_asset_keys() if k.path[0] not in ("marts", "publish", "published")
    ]
    keys.append(dg.AssetKey(["marts", "population_timeline"]))  # labour staging links to it
    result = _job(warehouse).execute_in_process(
        tags=range_tags(landing_months(warehouse.landing)),
        asset_selection=keys,
        raise_on_error=False,
    )
    assert result.success, _failure_lines(result)
    with duckdb.connect(str(warehouse.database_path), read_only=True) as con:
        rejected = sum(
            con.execute(f"SELECT count(*) FROM quarantine.{s}").fetchone()[0]
            for s in ("residents", "events", "labour_status", "establishments", "stays",
                      "incidents", "traffic_violations")
        )  # fmt: skip
    assert rejected == 0, "the base landing must be clean: every case changes one thing"
    return root


def prepare(case: Case, base_root: Path, tmp: Path) -> tuple[Warehouse, list[str]]:
    """The base landing with the case's files in place, and a copy of the base warehouse."""
    landing = tmp / "landing"
    shutil.copytree(base_root / "landing", landing)
    folder = CORPUS / "cases" / case.name
    files = []
    if (folder / "landing").exists():
        for path in sorted((folder / "landing").rglob("*")):
            if path.is_file():
                relative = path.relative_to(folder / "landing").as_posix()
                (landing / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, landing / relative)
                files.append(relative)
    if (folder / "removed.txt").exists():
        for relative in (folder / "removed.txt").read_text().split():
            (landing / relative).unlink()
    shutil.copytree(base_root / "data", tmp / "data")
    return Warehouse(landing_dir=str(landing), data_dir=str(tmp / "data")), files


def event_texts(result) -> str:
    """Every message and metadata value of the run, as text."""
    return "\n".join(f"{e.message or ''} {e.event_specific_data!r}" for e in result.all_events)


def run_case(case: Case, warehouse: Warehouse, instance, whole_job: bool = False):
    months = landing_months(warehouse.landing)
    assert months == b.MONTHS, "the run's months never stretch to fit an odd file"
    selection = None
    if not whole_job:
        selection = [
            dg.AssetKey(["raw", case.source]),
            dg.AssetKey(["staging", case.source]),
            dg.AssetKey(["quarantine", case.source]),
            dg.AssetKey(["ops", "reconciliation"]),
        ]
    return _job(warehouse).execute_in_process(
        tags=range_tags(months), asset_selection=selection, raise_on_error=False, instance=instance
    )


def query(warehouse: Warehouse, sql: str, params=()):
    with duckdb.connect(str(warehouse.database_path), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def raw_counts(warehouse: Warehouse, source: str) -> list:
    return query(
        warehouse, f"SELECT _source_file, count(*) FROM raw.{source} GROUP BY 1 ORDER BY 1"
    )


def check_failure(case: Case, warehouse: Warehouse, result, before: list) -> None:
    assert not result.success, "the case must fail its raw asset"
    lines = _failure_lines(result)
    raw_step = [
        line for line in lines if f"raw__{case.source}" in line or f"raw_{case.source}" in line
    ]
    assert raw_step, lines
    message = raw_step[0]
    for words in case.fails:
        assert words in message, (words, message)
    assert "Fix:" in message  # the file, the problem and the fix
    assert not any(f"staging__{case.source}" in line for line in lines[1:])
    assert raw_counts(warehouse, case.source) == before  # nothing of the source changed


def check_load(case: Case, warehouse: Warehouse, result, files: list[str]) -> None:
    assert result.success, _failure_lines(result)
    inside = ", ".join(f"'{f}'" for f in files) or "NULL"
    recon = query(
        warehouse,
        "SELECT source_file, rows_in, rows_staged, rows_quarantined, rows_unaccounted "
        "FROM ops.reconciliation",
    )
    assert all(r[4] == 0 for r in recon), recon  # every row of every file accounted for
    staged = query(
        warehouse,
        f"SELECT count(*) FROM staging.{case.source} WHERE _source_file IN ({inside})",
    )[0][0]
    assert staged == case.staged
    reasons = dict(
        query(
            warehouse,
            f"SELECT r, count(*) FROM (SELECT unnest(reason_codes) r FROM quarantine.{case.source} "
            f"WHERE _source_file IN ({inside})) GROUP BY r",
        )
    )
    assert reasons == case.quarantined
    rows_in = sum(r[1] for r in recon if r[0] in files)
    quarantined = query(
        warehouse,
        f"SELECT count(*) FROM quarantine.{case.source} WHERE _source_file IN ({inside})",
    )[0][0]
    assert rows_in == staged + quarantined
    figures = dict(
        query(
            warehouse,
            f"SELECT figure, sum(value)::BIGINT FROM ops.quality_figures WHERE source = ? "
            f"AND source_file IN ({inside}) GROUP BY figure",
            [case.source],
        )
    )
    for figure, value in case.figures.items():
        assert figures.get(figure, 0) == value, (figure, figures)
    recorded = {
        repair
        for (text,) in query(
            warehouse,
            f"SELECT read_repairs FROM ops.load_log WHERE source_file IN ({inside})",
        )
        for repair in (text or "").split(",")
    }
    assert set(case.read_repairs) <= recorded, recorded
    checks = {
        e.event_specific_data.check_name: e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }
    assert checks["every_row_accounted"].passed
    if case.source in QUALITY_SUITES:
        warned = {n for n, c in checks.items() if n == QUALITY_SUITES[case.source] and not c.passed}
        assert warned == set(case.warns)
        assert all(c.passed for n, c in checks.items() if n.endswith("_contract"))
    for sql, value in case.holds:
        assert query(warehouse, sql)[0][0] == value, sql


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Case, base_build: Path, tmp_path: Path, instance):
    warehouse, files = prepare(case, base_build, tmp_path)
    before = raw_counts(warehouse, case.source)
    result = run_case(case, warehouse, instance)
    if case.fails:
        check_failure(case, warehouse, result, before)
    else:
        check_load(case, warehouse, result, files)
    text = event_texts(result)
    leaked = [s for s in SECRETS if s in text]
    assert leaked == [], "a value of the extract reached a message or metadata"


def _tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("name", PUBLISHED_CASES)
def test_a_failed_run_leaves_published_as_it_was(
    name: str, base_build: Path, tmp_path: Path, instance
):
    case = next(c for c in CASES if c.name == name)
    warehouse, _ = prepare(case, base_build, tmp_path)
    # a published set as analysts have it (the base run stops before the marts)
    work = publication_store.new_work_dir(warehouse.published)
    with duckdb.connect(str(work / "marts.duckdb")) as con:
        con.execute("CREATE TABLE population_indicators AS SELECT 1 AS population")
    (work / "parquet").mkdir()
    (work / "parquet" / "population_indicators.parquet").write_bytes(b"PAR1 earlier set PAR1")
    publication_store.publish_version(work, warehouse.published)
    target, before = warehouse.published.resolve(), _tree(warehouse.published)
    versions = sorted(p.name for p in (warehouse.data / "versions").iterdir())
    result = run_case(case, warehouse, instance, whole_job=True)
    assert not result.success
    assert any(case.fails[0] in line for line in _failure_lines(result))
    assert warehouse.published.resolve() == target and _tree(warehouse.published) == before
    assert sorted(p.name for p in (warehouse.data / "versions").iterdir()) == versions
    assert not any(s in event_texts(result) for s in SECRETS)


def test_the_corpus_is_what_the_script_makes(tmp_path: Path):
    """The committed files are byte for byte those tests/corpus/make_corpus.py writes (the
    workbooks carry a fixed creation date; the libraries are pinned in uv.lock). After a change
    to a case: python -m tests.corpus.make_corpus, and commit the files with it."""
    make(tmp_path)
    committed = {
        p.relative_to(CORPUS).as_posix(): p.read_bytes()
        for p in CORPUS.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".py"
    }
    made = {
        p.relative_to(tmp_path).as_posix(): p.read_bytes()
        for p in tmp_path.rglob("*")
        if p.is_file()
    }
    assert sorted(committed) == sorted(made)
    assert [f for f in made if made[f] != committed[f]] == []
