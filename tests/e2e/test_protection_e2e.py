"""The cell key method end to end, on the committed sample's run and on a generated landing of
another seed and scale (`other_landing_run`): every published count is
within D of its true count and never 1 or 2, the same persons have the same value in every
table, derived figures follow from the published counts (recomputed here, independently of the
declarations), and a planted breach blocks publication, leaving published/ as it was."""

import os
import shutil

import dagster as dg
import duckdb
import polars as pl
import pytest

import assets.publish as publish
from domains import MARTS
from protection import perturb
from warehouse import incremental
from warehouse.resource import Warehouse

D, JS = 3, 2
LANDINGS = ["sample_run", "other_landing_run"]


@pytest.fixture(scope="module", params=LANDINGS)
def run(request):
    """The pipeline run on each landing (the sample, then another seed and scale)."""
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="module")
def published(run):
    """Read-only connection to that run's published marts."""
    con = run.published_db()
    yield con
    con.close()


def test_the_audit_passes(run):
    with run.warehouse_db() as con:
        row = con.execute(
            "SELECT cells, perturbed, small_published, not_from_ptable, two_values, "
            "changed_since_release, derived_not_following, negative, unclassified_columns, passed "
            "FROM ops.disclosure_audit"
        ).fetchone()
    cells, perturbed, *failures, passed = row
    assert cells > 10_000 and 0 < perturbed < cells
    assert failures == [0] * 7 and passed is True
    verdicts = [
        e.passed
        for e in run.result.get_asset_check_evaluations()
        if e.check_name == "disclosure_audit"
    ]
    assert verdicts == [True]


@pytest.mark.parametrize("mart", [m for m in MARTS], ids=lambda m: m.name)
def test_every_published_count_is_within_D_of_the_truth(run, mart):
    """Joined on the mart's keys, each published count differs from the warehouse's true count
    by at most 3, is never 1 or 2, and a true zero stays zero; nothing is suppressed (no NULL
    where the truth has a count)."""
    p = mart.perturbation
    keys = ", ".join(p.keys)
    with run.warehouse_db() as con:
        con.execute(f"ATTACH '{run.published / 'marts.duckdb'}' AS pub (READ_ONLY)")
        for column in p.counts:
            bad = con.execute(
                f"""SELECT count(*) FILTER (WHERE abs(x.{column} - m.{column}) > {D}),
                           count(*) FILTER (WHERE x.{column} BETWEEN 1 AND {JS}),
                           count(*) FILTER (WHERE m.{column} = 0 AND x.{column} <> 0),
                           count(*) FILTER (WHERE m.{column} IS NOT NULL AND x.{column} IS NULL),
                           count(*)
                    FROM marts.{mart.name} m JOIN pub.{mart.name} x USING ({keys})"""
            ).fetchone()
            assert bad[:4] == (0, 0, 0, 0), (mart.name, column, bad)
            assert bad[4] == con.execute(f"SELECT count(*) FROM pub.{mart.name}").fetchone()[0]
        published = {r[0] for r in con.execute(f"DESCRIBE pub.{mart.name}").fetchall()}
    assert not {c for c in published if c.endswith((perturb.KEY_SUFFIX, perturb.TOP_SUFFIX))}


def test_the_same_persons_have_the_same_published_value_everywhere(published):
    """Cells made of the same records, in different tables: one published value."""
    pairs = {
        "stock on 1 January = that month's start": """
            SELECT count(*) FROM population_indicators i JOIN population_change c
              ON c.month = i.ref_date AND c.area_code = i.area_code AND c.area_level = i.area_level
            WHERE c.population_start <> i.population""",
        "a month's start = the previous month's end": """
            SELECT count(*) FROM population_change a JOIN population_change b
              ON b.month = (a.month + INTERVAL 1 MONTH)::DATE AND a.area_code = b.area_code
             AND a.area_level = b.area_level
            WHERE a.population_end <> b.population_start""",
        "age-sex totals = indicators": """
            SELECT count(*) FROM population_by_age_sex a JOIN population_indicators i
              USING (ref_date, area_level, area_code)
            WHERE a.sex = 'Tổng' AND a.age_group = 'Tổng' AND a.population <> i.population""",
        "males of the age-sex table = indicators": """
            SELECT count(*) FROM population_by_age_sex a JOIN population_indicators i
              USING (ref_date, area_level, area_code)
            WHERE a.sex = 'Nam' AND a.age_group = 'Tổng' AND a.population <> i.males""",
        "a year's start and end = January's start and December's end": """
            SELECT count(*) FROM population_rates r JOIN population_change c
              ON year(c.month) = r.year AND c.area_code = r.area_code AND c.area_level = r.area_level
            WHERE (month(c.month) = 1 AND c.population_start <> r.population_start)
               OR (month(c.month) = 12 AND c.population_end <> r.population_end)""",
        "youth = labour 15-24": """
            SELECT count(*) FROM youth_indicators y JOIN labour_indicators l
              USING (year, area_level, area_code, sex)
            WHERE l.age_band = '15-24' AND (y.youth_population <> l.working_age_population
               OR y.youth_unemployed <> l.unemployed OR y.youth_employed <> l.employed
               OR y.youth_labour_force <> l.labour_force)""",
        "all employed by sector and occupation = labour": """
            SELECT count(*) FROM labour_indicators l
            JOIN employment_by_sector s USING (year, area_level, area_code, sex)
            JOIN employment_by_occupation o USING (year, area_level, area_code, sex)
            WHERE l.age_band = 'Tổng' AND s.vsic_section = 'Tổng' AND o.occupation_code = 'Tổng'
              AND (s.employed <> l.employed OR o.employed <> l.employed)""",
        "section A = broad sector A (the same persons)": """
            SELECT count(*) FROM employment_by_sector WHERE vsic_section = 'A'
              AND broad_sector <> 'A'""",
        "population of a public-order month = model 36's": """
            SELECT count(*) FROM public_order_monthly o JOIN population_change c
              USING (month, area_level, area_code)
            WHERE o.population_start <> c.population_start""",
    }
    for name, sql in pairs.items():
        assert published.execute(sql).fetchone()[0] == 0, name


def test_derived_figures_follow_from_the_published_counts(published):
    """Recomputed here from the published table (not from the declarations' SQL): each rate is
    its published counts' ratio, rounded to the published decimals."""

    def rounds_to(published, exact, decimals):
        gap = (published - exact).abs().fill_nan(0).fill_null(0)
        return (gap <= 0.5 * 10**-decimals + 1e-9).all()

    ind = published.execute("SELECT * FROM population_indicators WHERE females > 0").pl()
    assert rounds_to(ind["sex_ratio"], 100.0 * ind["males"] / ind["females"], 1)
    lab = published.execute("SELECT * FROM labour_indicators WHERE labour_force > 0").pl()
    assert rounds_to(lab["unemployment_rate"], 100.0 * lab["unemployed"] / lab["labour_force"], 2)
    rates = published.execute("SELECT * FROM population_rates").pl()
    mean = (rates["population_start"] + rates["population_end"]) / 2
    assert ((rates["mean_population"] - mean).abs() < 1e-9).all()
    assert rounds_to(rates["crude_birth_rate"], 1000.0 * rates["births"] / mean, 2)
    change = published.execute("SELECT * FROM population_change").pl()
    closes = (
        change["population_start"]
        + change["births"]
        - change["deaths"]
        + change["in_migrants"]
        - change["out_migrants"]
        + change["balance_adjustment"]
    )
    assert (closes == change["population_end"]).all(), "the balancing equation holds published"
    assert (change["natural_increase"] == change["births"] - change["deaths"]).all()
    yearly = published.execute(
        "SELECT o.incidents, o.rate_per_100k, r.mean_population FROM public_order_yearly o "
        "JOIN population_rates r USING (year, area_level, area_code) WHERE r.mean_population > 0"
    ).pl()
    assert rounds_to(
        yearly["rate_per_100k"], yearly["incidents"] * 100000.0 / yearly["mean_population"], 2
    )


def test_the_median_age_is_the_grouped_median_of_the_published_age_groups(published):
    groups = published.execute(
        """SELECT ref_date, area_code, age_group, population FROM population_by_age_sex
           WHERE sex = 'Tổng' AND age_group <> 'Tổng' AND area_level = 'district'"""
    ).pl()
    published = dict(
        ((r[0], r[1]), r[2])
        for r in published.execute(
            "SELECT ref_date, area_code, median_age FROM population_indicators "
            "WHERE area_level = 'district'"
        ).fetchall()
    )
    for (ref, area), part in groups.group_by(["ref_date", "area_code"]):
        part = part.with_columns(
            pl.col("age_group").str.extract(r"^(\d+)").cast(pl.Int64).alias("lower")
        ).sort("lower")
        total, below = part["population"].sum(), 0
        for lower, n in zip(part["lower"], part["population"], strict=True):
            if n and below + n >= total / 2:
                # to one decimal, half away from zero as SQL rounds (Python's round() goes
                # to even: 37.25 → 37.2, where the published 37.3 is right)
                exact = lower + 5 * (total / 2 - below) / n
                assert abs(published[(ref, area)] - exact) <= 0.05 + 1e-9, (ref, area, exact)
                break
            below += n


def test_a_planted_breach_blocks_publication(sample_run, tmp_path, monkeypatch):
    """Perturbation switched off for one mart (its true counts published): the blocking audit
    must stop the run before published/ is replaced."""
    data = tmp_path / "data"
    shutil.copytree(sample_run.warehouse.data, data, symlinks=True)
    before = os.readlink(data / "published")
    real = perturb.publish_sql

    def leaky(name, p, columns, source, target):
        sql = real(name, p, columns, source, target)
        # population_change published with its true counts: coalesce(n, cell key) is n
        return sql.replace("ckm_count_at(", "coalesce(") if name == "population_change" else sql

    monkeypatch.setattr(perturb, "publish_sql", leaky)
    warehouse = Warehouse(landing_dir=sample_run.warehouse.landing_dir, data_dir=str(data))
    with warehouse.connect() as con:
        incremental.forget_builds(con)  # the marts are unchanged: make protection run again
    result = dg.materialize(
        [publish.protected_marts, publish.disclosure_audit, publish.published_marts],
        resources={"warehouse": warehouse},
        raise_on_error=False,
    )
    assert not result.success
    verdicts = [
        e for e in result.get_asset_check_evaluations() if e.check_name == "disclosure_audit"
    ]
    assert len(verdicts) == 1 and not verdicts[0].passed
    assert verdicts[0].metadata["failing_not_from_ptable"].value > 0
    assert verdicts[0].metadata["failing_small_published"].value > 0
    materialized = {tuple(e.asset_key.path) for e in result.get_asset_materialization_events()}
    assert ("published", "marts") not in materialized
    assert os.readlink(data / "published") == before


def test_protecting_again_changes_no_published_value(sample_run, tmp_path):
    """The same marts protected again (build records forgotten) publish the same values: the
    audit holds them to the last release, and the tables are identical."""
    data = tmp_path / "data"
    shutil.copytree(sample_run.warehouse.data, data, symlinks=True)
    warehouse = Warehouse(landing_dir=sample_run.warehouse.landing_dir, data_dir=str(data))
    with warehouse.connect() as con:
        incremental.forget_builds(con)
        con.execute("DROP SCHEMA publish CASCADE")
    result = dg.materialize(
        [publish.protected_marts, publish.disclosure_audit],
        resources={"warehouse": warehouse},
        raise_on_error=False,
    )
    assert result.success
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        assert (
            con.execute("SELECT changed_since_release FROM ops.disclosure_audit").fetchone()[0] == 0
        )
        con.execute(f"ATTACH '{sample_run.warehouse.database_path}' AS first (READ_ONLY)")
        for mart in publish.PUBLISHED_MARTS:
            differ = con.execute(
                f"""SELECT count(*) FROM ((SELECT * FROM publish.{mart.name}
                                           EXCEPT ALL SELECT * FROM first.publish.{mart.name})
                                          UNION ALL (SELECT * FROM first.publish.{mart.name}
                                           EXCEPT ALL SELECT * FROM publish.{mart.name}))"""
            ).fetchone()[0]
            assert differ == 0, mart.name
