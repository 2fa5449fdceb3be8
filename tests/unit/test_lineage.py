"""Lineage from the SQL itself: every asset declares the tables its SQL file reads, working
tables map to the asset of the file that creates them, and staging never reads the marts."""

from pathlib import Path

import dagster as dg
import pytest

from domains import MARTS
from marts import lineage


@pytest.fixture(scope="module")
def graph():
    from dagster_project.definitions import build_definitions
    from warehouse.resource import Warehouse

    defs = build_definitions(Warehouse(landing_dir="/nonexistent", data_dir="/nonexistent"))
    return defs.resolve_asset_graph()


def undeclared(parents) -> dict[str, list[str]]:
    """SQL file -> the producers of tables it reads that its asset does not depend on
    (`parents`: asset key -> the keys it depends on)."""
    missing = {}
    for name, f in lineage.sql_files().items():
        declared = {k.to_user_string() for k in parents(dg.AssetKey(list(f.asset_key)))}
        needed = {"/".join(k) for k in lineage.deps_of(name)}
        if needed - declared:
            missing[name] = sorted(needed - declared)
    return missing


def test_every_sql_file_is_traced():
    files = lineage.sql_files()
    assert len(files) >= 20
    assert {f"marts/{m.sql}" for m in MARTS} <= set(files)
    for name, f in files.items():
        assert not f.unqualified, f"{name} reads tables without a schema: {sorted(f.unqualified)}"
        assert f.reads, f"{name}: no input found"
        lineage.deps_of(name)  # every input has a producer, or LineageError names it


def test_every_asset_declares_what_its_sql_reads(graph):
    assert undeclared(lambda key: graph.get(key).parent_keys) == {}
    for f in lineage.sql_files().values():  # every producer is an asset of the definitions
        for key in lineage.deps_of(f.name):
            assert graph.has(dg.AssetKey(key)), f"{f.name}: {key} is no asset"


def test_a_missing_dependency_is_caught(graph):
    """The checker is not vacuous: an asset graph whose mart lacks a dependency fails it."""
    from assets.common import mart_asset

    rates = next(m for m in MARTS if m.name == "population_rates")
    # the rates asset as it was declared by hand before, in the otherwise real graph
    by_hand = mart_asset(rates, deps=[["marts", "population_timeline"]], group="model_36")

    def parents(key):
        return by_hand.dependency_keys if key == by_hand.key else graph.get(key).parent_keys

    assert undeclared(parents) == {
        "marts/population_rates.sql": ["marts/population_change", "reference/admin_units"]
    }


def test_population_rates_depends_on_population_change(graph):
    parents = graph.get(dg.AssetKey(["marts", "population_rates"])).parent_keys
    assert dg.AssetKey(["marts", "population_change"]) in parents


def test_staging_sql_never_reads_marts():
    reads = {
        name: sorted(t for t in f.reads if t.startswith("marts."))
        for name, f in lineage.sql_files().items()
        if f.is_staging
    }
    assert len(reads) == 7
    assert {n: r for n, r in reads.items() if r} == {}


def test_parse_excludes_ctes_temps_and_own_outputs_and_maps_working_tables(tmp_path: Path):
    marts = tmp_path / "marts"
    sql_dir = tmp_path / "quality" / "sql"
    marts.mkdir(parents=True)
    sql_dir.mkdir(parents=True)
    (marts / "work.sql").write_text("""
        CREATE TEMP TABLE scratch AS SELECT * FROM staging.things;
        CREATE OR REPLACE TABLE intermediate.person_things AS
        WITH recent AS (SELECT * FROM scratch WHERE d > (
            SELECT max(period) FROM ops.load_log WHERE source = 'things'))
        SELECT * FROM recent JOIN reference.areas USING (commune_code);
        CREATE OR REPLACE TABLE intermediate.thing_counts AS
        SELECT count(*) AS n FROM intermediate.person_things;""")
    (marts / "thing_mart.sql").write_text(
        "CREATE OR REPLACE TABLE marts.thing_mart AS SELECT * FROM intermediate.thing_counts "
        "CROSS JOIN (SELECT 1 FROM intermediate.person_things)"
    )
    (sql_dir / "stage_things.sql").write_text(
        "CREATE OR REPLACE TEMP TABLE _checked AS SELECT * FROM raw.things "
        "LEFT JOIN intermediate.person_things USING (k)"
    )
    files = {
        str(p): lineage.parse_sql(p)
        for p in (marts / "work.sql", marts / "thing_mart.sql", sql_dir / "stage_things.sql")
    }
    work = files[str(marts / "work.sql")]
    assert work.creates == {"intermediate.person_things", "intermediate.thing_counts"}
    assert work.reads == {"staging.things", "raw.things", "reference.areas"}
    assert work.unqualified == frozenset()
    assert lineage.deps_of(str(marts / "thing_mart.sql"), files) == [["marts", "work"]]
    assert lineage.deps_of(str(sql_dir / "stage_things.sql"), files) == [
        ["marts", "work"],
        ["raw", "things"],
    ]
    assert lineage.deps_of(str(marts / "work.sql"), files) == [
        ["raw", "things"],
        ["reference", "admin_units"],
        ["staging", "things"],
    ]


def test_untraceable_reads_fail_clearly(tmp_path: Path):
    (tmp_path / "a.sql").write_text("CREATE TABLE marts.a AS SELECT * FROM ops.load_log")
    with pytest.raises(lineage.LineageError, match="without `WHERE source"):
        lineage.parse_sql(tmp_path / "a.sql")
    (tmp_path / "b.sql").write_text("CREATE TABLE marts.b AS SELECT * FROM elsewhere.t")
    files = {"b": lineage.parse_sql(tmp_path / "b.sql")}
    with pytest.raises(lineage.LineageError, match="elsewhere.t"):
        lineage.deps_of("b", files)
