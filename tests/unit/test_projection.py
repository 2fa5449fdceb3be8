"""The population projection (issue 21, projection/): the cohort-component step and the rates
against numbers worked out by hand, raking, additivity, the short-landing message, and the
backtest targets on a small landing generated here (cut at the end of 2024, scored against what
the full landing's register recorded on 1 January 2026), on exact and perturbed inputs."""

from __future__ import annotations

import math
from datetime import date

import duckdb
import numpy as np
import polars as pl
import pytest

from projection import load_inputs, project, score, write_tables
from projection.cohort import (
    cohort_component_step,
    estimate_rates,
    to_groups,
)
from projection.engine import Settings, project_inputs
from projection.inputs import N_AGES, ProjectionInputs
from projection.small_area import cohort_base, rake
from protection.cellkey import V as NOISE_VARIANCE


# ------------------------------------------------------------------ the step, by hand
def test_cohort_component_step_worked_by_hand():
    """Three ages (0, 1, 2+ open), two sexes; every number of the next year written out."""
    pop = np.array([[100.0, 80.0, 50.0], [90.0, 70.0, 60.0]])  # men, women at ages 0, 1, 2+
    mortality = np.array([[0.02, 0.01, 0.10], [0.01, 0.01, 0.08]])
    out_rate = np.array([[0.0, 0.10, 0.0], [0.0, 0.10, 0.0]])
    in_migrants = np.array([[4.0, 2.0, 0.0], [0.0, 6.0, 2.0]])  # by age on the move
    fertility = np.array([0.0, 0.5, 0.0])  # only women aged 1 bear children
    male_share = 0.6

    nxt, births = cohort_component_step(
        pop, mortality, out_rate, in_migrants, fertility, male_share
    )

    # hazards h = mortality + out-migration: men 0.02, 0.11, 0.10; women 0.01, 0.11, 0.08
    # men aged 1: the cohort aged 0 (half the year at h0, half at h1) + half the in-migrants
    # aged 0 on the move + half of those aged 1
    men_1 = 100 * math.exp(-(0.02 + 0.11) / 2) + 4 / 2 + 2 / 2  # 96.7067…
    # men 2+: the cohort aged 1 (h1, h2), the open group itself (h2), half the in-migrants aged 1
    men_2 = 80 * math.exp(-(0.11 + 0.10) / 2) + 50 * math.exp(-0.10) + 2 / 2 + 0  # 118.268…
    women_1 = 90 * math.exp(-(0.01 + 0.11) / 2) + 0 / 2 + 6 / 2  # 87.7588…
    women_2 = 70 * math.exp(-(0.11 + 0.08) / 2) + 60 * math.exp(-0.08) + 6 / 2 + 2  # 124.043…
    # births: rate 0.5 × women aged 1, the mean of the start (70) and the end of the year
    expected_births = 0.5 * (70 + women_1) / 2  # 39.4397…
    # newborns: their sex's share, half a year at the age-0 hazard, + half the infant migrants
    men_0 = 4 / 2 + expected_births * 0.6 * math.exp(-0.02 / 2)  # 25.4284…
    women_0 = 0 / 2 + expected_births * 0.4 * math.exp(-0.01 / 2)  # 15.6972…

    assert births == pytest.approx(expected_births, rel=1e-12)
    assert nxt == pytest.approx(
        np.array([[men_0, men_1, men_2], [women_0, women_1, women_2]]), rel=1e-12
    )
    # the arithmetic above, once in figures (a calculator's)
    assert nxt == pytest.approx(
        np.array([[25.42836, 96.70675, 118.26783], [15.69720, 87.75881, 124.04309]]), abs=1e-5
    )
    assert births == pytest.approx(39.43970, abs=1e-5)


def test_step_broadcasts_over_draws_and_never_goes_negative():
    rng = np.random.default_rng(0)
    pop = np.full((500, 2, 3), 2.0)  # tiny cells: random deaths and moves must not go below 0
    args = (
        np.full((2, 3), 0.5),
        np.full((2, 3), 0.5),
        np.zeros((2, 3)),
        np.array([0.0, 0.3, 0.0]),
        0.5,
    )
    nxt, births = cohort_component_step(pop, *args, rng=rng)
    assert nxt.shape == (500, 2, 3) and births.shape == (500,)
    assert (nxt >= 0).all() and (births >= 0).all()
    # on cells of a thousand the random events average out to the deterministic step
    large, _ = cohort_component_step(pop * 500, *args, rng=rng)
    deterministic, _ = cohort_component_step(pop[0] * 500, *args)
    assert large.mean(axis=0) == pytest.approx(deterministic, rel=0.01)


def _inputs_by_hand(single: np.ndarray, years=(2024,), **flows) -> ProjectionInputs:
    """A province-only ProjectionInputs with the same single-age stock every 1 January."""
    stocks = [date(y, 1, 1) for y in (*years, years[-1] + 1)]
    groups = to_groups(single)
    zeros_by_year = {y: np.zeros((2, 17)) for y in years}
    return ProjectionInputs(
        schema="hand",
        area_level=np.array(["province"]),
        area_code=np.array(["52"]),
        area_name=np.array(["P"]),
        parent=np.array([-1]),
        ref_dates=tuple(stocks),
        cells={d: groups[None] for d in stocks},
        totals={d: np.array([single.sum()]) for d in stocks},
        single_age={d: single for d in stocks},
        births_by_mother_age=flows.get("births", {y: np.zeros(7) for y in years}),
        births_mother_unknown=flows.get("unknown", {y: 0.0 for y in years}),
        births_by_sex=flows.get("births_by_sex", {y: np.array([51.0, 49.0]) for y in years}),
        deaths=flows.get("deaths", {y: np.zeros((2, 2)) for y in years}),
        death_age_from=np.array([0, 50]),
        in_migrants=flows.get("in_migrants", zeros_by_year),
        out_migrants=flows.get("out_migrants", zeros_by_year),
        area_flows={y: np.zeros(1) for y in years},
        area_vital={y: np.zeros(1) for y in years},
    )


def test_rates_worked_by_hand():
    """100 persons of each sex at every age, the same on both 1 Januaries."""
    single = np.full((2, N_AGES), 100.0)
    births = np.array([30.0, 60.0, 0, 0, 0, 0, 0])  # 15-19, 20-24
    out = np.zeros((2, 17))
    out[0, 4] = 50.0  # men 20-24
    arrivals = np.zeros((2, 17))
    arrivals[1, 0] = 10.0  # girls 0-4
    deaths = np.array([[0.0, 0.0], [0.0, 0.0]])
    deaths[0, 0] = 25.0  # men under 50: 25 deaths over 50 ages × 100 person-years
    inputs = _inputs_by_hand(
        single,
        births={2024: births},
        unknown={2024: 9.0},
        births_by_sex={2024: np.array([60.0, 40.0])},
        deaths={2024: deaths},
        out_migrants={2024: out},
        in_migrants={2024: arrivals},
    )
    rates = estimate_rates(inputs, [2024])
    # 9 births of unknown mothers go 3 to 15-19 and 6 to 20-24 (pro rata 30 : 60);
    # women of 15-19 lived 5 × 100 person-years
    assert rates.fertility[15:20] == pytest.approx([33 / 500] * 5)
    assert rates.fertility[20:25] == pytest.approx([66 / 500] * 5)
    assert rates.fertility[25:].sum() == 0 and rates.fertility[:15].sum() == 0
    assert rates.total_fertility == pytest.approx(5 * (33 + 66) / 500)
    assert rates.male_birth_share == pytest.approx(0.6)
    assert rates.out_rate[0, 20:25] == pytest.approx([50 / 500] * 5)
    assert rates.out_rate[1].sum() == 0
    # 10 girls a year spread over ages 0-4 like the base population (evenly here)
    assert rates.in_migrants[1, :5] == pytest.approx([2.0] * 5)
    assert rates.in_migrants.sum() == pytest.approx(10.0)
    # men under 30 (below the Gompertz fit): 25 deaths / 5,000 person-years
    assert rates.mortality[0, :30] == pytest.approx([25 / 5000] * 30)


def test_cohort_base_spreads_single_years_evenly():
    cells = np.array([50.0, 40.0, 30.0, *([10.0] * 13), 20.0])
    base = cohort_base(cells)
    assert base[0] == 50.0  # 0-4: births of the year take the place of those turning 5
    assert base[1] == pytest.approx(0.8 * 40 + 0.2 * 50)
    assert base[2] == pytest.approx(0.8 * 30 + 0.2 * 40)
    assert base[16] == pytest.approx(20 + 0.2 * 10)  # 80+ keeps everyone and gains 1/5 of 75-79


def test_rake_meets_both_margins_and_fills_a_cell_no_child_has():
    # three communes in two districts, three cells each
    seed_cells = np.array([[10.0, 5.0, 0.0], [2.0, 8.0, 4.0], [6.0, 6.0, 6.0]])
    parent_of = np.array([0, 0, 1])
    totals = np.array([20.0, 16.0, 21.0])
    parent = np.array([[14.0, 12.0, 10.0], [7.0, 8.0, 6.0]])  # rows add to 36 and 21
    x = rake(seed_cells, totals, parent, parent_of)
    assert x[:2].sum(axis=0) == pytest.approx(parent[0], rel=1e-12)  # exact: the last pass
    assert x[2] == pytest.approx(parent[1], rel=1e-12)
    assert x.sum(axis=1) == pytest.approx(totals, rel=1e-6)
    assert (x >= 0).all()
    # the first commune had nobody in cell 3; the district's 10 there go mostly to commune 2,
    # but the first commune's total can only be met with some of them
    assert x[1, 2] > x[0, 2] > 0


# ------------------------------------------------------------- on a generated landing
SCALE, SEED = "0.01", "5"


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory):
    """A population landing generated here (1 % of the province, 24 months), and three
    population-only warehouses with the projection's inputs: the full landing, the landing cut
    after December 2024 (12 months of events) and one cut after June 2024 (6 months)."""
    from bench.projection_check import build, cut_landing
    from synthetic.generate import main as generate

    root = tmp_path_factory.mktemp("projection")
    generate(
        ["--scale", SCALE, "--seed", SEED, "--out", str(root / "gen"), "--sources", "population"]
    )
    landing = root / "gen" / "landing"
    built = {"full": build(landing, root / "full")}
    for name, month in (("year", "2024-12"), ("half", "2024-06")):
        built[name] = build(cut_landing(landing, root / f"landing_{name}", month), root / name)
    return built


def _inputs(path, schema="marts"):
    with duckdb.connect(str(path), read_only=True) as con:
        return load_inputs(con, schema)


@pytest.mark.parametrize(
    "schema, noise", [("marts", 0.0), ("publish", NOISE_VARIANCE)], ids=["exact", "perturbed"]
)
def test_next_january_beats_naive_and_intervals_hold(warehouses, schema, noise):
    """The issue's target: from the landing cut at the end of 2024, the projection of 1 January
    2026 beats the naive linear extrapolation on commune totals, and 60–97 % of the communes
    are inside their 80 % interval; on the exact tables and on the published ones, perturbed by
    the cell key method (±3, no 1s or 2s). The recorded stocks come from the full landing's own
    warehouse."""
    settings = Settings(cell_noise_variance=noise, draws=300)
    result = project_inputs(_inputs(warehouses["year"], schema), settings=settings)
    assert result.status == "ok" and result.model.base_date == date(2025, 1, 1)
    scored = score(result, _inputs(warehouses["full"], schema), settings)
    communes = scored.filter(
        (pl.col("target_date") == date(2026, 1, 1))
        & (pl.col("area_level") == "commune")
        & (pl.col("measure") == "total")
    ).row(0, named=True)
    assert communes["n_areas"] == 58
    assert communes["mape_projection"] < communes["mape_naive"], communes
    assert 60.0 <= communes["coverage_80"] <= 97.0, communes
    # the scorer itself, recomputed here for the commune totals
    full = _inputs(warehouses["full"], schema)
    c = full.index_of_level("commune")
    observed = full.totals[date(2026, 1, 1)][c]
    projected = result.projection.filter(
        (pl.col("area_level") == "commune")
        & (pl.col("sex") == "Tổng")
        & (pl.col("age_group") == "Tổng")
        & (pl.col("ref_date") == date(2026, 1, 1))
    ).sort("area_code")
    assert projected["area_code"].to_list() == list(full.area_code[c])
    ape = np.abs(projected["projected_population"].to_numpy() - observed) / observed
    assert communes["mape_projection"] == pytest.approx(100 * ape.mean())
    inside = (projected["lower_80"].to_numpy() <= observed) & (
        observed <= projected["upper_80"].to_numpy()
    )
    assert communes["coverage_80"] == pytest.approx(100 * inside.mean())


def test_projection_adds_up_and_is_published_with_its_backtest(warehouses, tmp_path):
    db = tmp_path / "copy.duckdb"
    db.write_bytes(warehouses["full"].read_bytes())
    with duckdb.connect(str(db)) as con:
        result = project(con, "marts", draws=100, backtest_draws=100)
        write_tables(con, result, "marts")
        table = con.execute("SELECT * FROM marts.population_projection").pl()
        backtest = con.execute("SELECT * FROM marts.population_projection_backtest").pl()
        meta = dict(con.execute("SELECT * FROM marts.population_projection_metadata").fetchall())
    assert result.status == "ok" and meta["base_date"] == "2026-01-01"
    assert meta["label"] == "Dự báo / projection" and meta["interval_kind"] == "simulated"
    years = sorted(table["ref_date"].unique().to_list())
    assert years == [date(y, 1, 1) for y in range(2027, 2032)]
    # 70 areas × (Nam, Nữ, Tổng) × (17 groups + Tổng + 3 broad groups) per year
    assert table.height == 5 * 70 * 3 * 21
    assert (table["lower_80"] <= table["projected_population"]).all()
    assert (table["projected_population"] <= table["upper_80"]).all()
    assert (table["lower_80"] >= 0).all()

    keys = ["ref_date", "sex", "age_group"]
    value = "projected_population"
    communes = table.filter(pl.col("area_level") == "commune")
    districts = table.filter(pl.col("area_level") == "district")
    province = table.filter(pl.col("area_level") == "province")
    by_district = communes.group_by([*keys, "parent_code"]).agg(pl.col(value).sum().alias("sum"))
    joined = districts.join(
        by_district, left_on=[*keys, "area_code"], right_on=[*keys, "parent_code"]
    )
    assert joined.height == districts.height
    assert (joined[value] - joined["sum"]).abs().max() < 1e-6
    for lower in (communes, districts):
        summed = lower.group_by(keys).agg(pl.col(value).sum().alias("sum"))
        joined = province.join(summed, on=keys)
        assert joined.height == province.height
        assert (joined[value] - joined["sum"]).abs().max() < 1e-6
    # 'Tổng' rows are the sums of their sexes and of their five-year age groups, and the broad
    # groups the sums of theirs (0-14: 0-4, 5-9, 10-14; 65+: 65-69 … 80+)
    broad = {"0-14": ["0-4", "5-9", "10-14"], "65+": ["65-69", "70-74", "75-79", "80+"]}
    five_year = table.filter(~pl.col("age_group").is_in(["Tổng", "0-14", "15-64", "65+"]))
    for group, parts in broad.items():
        summed = (
            five_year.filter(pl.col("age_group").is_in(parts))
            .group_by("ref_date", "area_code", "sex")
            .agg(pl.col(value).sum().alias("sum"))
        )
        joined = table.filter(pl.col("age_group") == group).join(
            summed, on=["ref_date", "area_code", "sex"]
        )
        assert joined.height == 5 * 70 * 3
        assert (joined[value] - joined["sum"]).abs().max() < 1e-6
        assert (joined["lower_80"] <= joined[value]).all() and (
            joined[value] <= joined["upper_80"]
        ).all()
    cells = five_year.filter(pl.col("sex") != "Tổng")
    total = table.filter((pl.col("sex") == "Tổng") & (pl.col("age_group") == "Tổng"))
    summed = cells.group_by("ref_date", "area_code").agg(pl.col(value).sum().alias("sum"))
    joined = total.join(summed, on=["ref_date", "area_code"])
    assert (joined[value] - joined["sum"]).abs().max() < 1e-6
    by_sex = table.filter((pl.col("sex") != "Tổng") & (pl.col("age_group") == "0-4"))
    both = table.filter((pl.col("sex") == "Tổng") & (pl.col("age_group") == "0-4"))
    summed = by_sex.group_by("ref_date", "area_code").agg(pl.col(value).sum().alias("sum"))
    joined = both.join(summed, on=["ref_date", "area_code"])
    assert (joined[value] - joined["sum"]).abs().max() < 1e-6

    # the backtest from the earlier stock is published beside it
    assert set(backtest["base_date"].to_list()) == {date(2025, 1, 1)}
    assert set(backtest["target_date"].to_list()) == {date(2026, 1, 1)}
    assert {"commune", "district", "province"} == set(backtest["area_level"].to_list())


def test_less_than_a_year_of_events_gives_a_message_and_no_projection(warehouses, tmp_path):
    db = tmp_path / "half.duckdb"
    db.write_bytes(warehouses["half"].read_bytes())
    with duckdb.connect(str(db)) as con:
        result = project(con, "marts")
        write_tables(con, result, "marts")
        rows = con.execute("SELECT count(*) FROM marts.population_projection").fetchone()[0]
        backtest = con.execute(
            "SELECT count(*) FROM marts.population_projection_backtest"
        ).fetchone()[0]
        meta = dict(con.execute("SELECT * FROM marts.population_projection_metadata").fetchall())
    assert result.status == "insufficient_data"
    assert "at least one full calendar year" in result.message
    assert "2024-01-01 – 2024-07-01, 6 tháng / months" in result.message
    assert "năm dương lịch trọn vẹn" in result.message  # the Vietnamese half
    assert rows == 0 and backtest == 0
    assert meta["status"] == "insufficient_data" and meta["message"] == result.message


def test_the_projection_reads_up_to_the_latest_january_only(warehouses, tmp_path):
    """The projection and its digest (warehouse/incremental.py runs the projection again only
    when the digest changed) read the 1 January stocks and the complete years' flows: the
    months after the latest 1 January change neither; a stock before it does, and so does any
    month while no year is complete (the message cites the coverage)."""
    db = tmp_path / "full.duckdb"
    db.write_bytes(warehouses["full"].read_bytes())
    with duckdb.connect(str(db)) as con:
        before = load_inputs(con).digest()
        settings = Settings(draws=50, backtest_draws=50)
        projected = project_inputs(load_inputs(con), settings=settings)
        # the months of 2026 arrive: a later stock and flows of a year not yet complete
        for table in ("population_by_age_sex", "population_indicators", "population_by_single_age"):
            con.execute(
                f"INSERT INTO marts.{table} SELECT * REPLACE (DATE '2026-04-01' AS ref_date, "
                f"population + 7 AS population) FROM marts.{table} WHERE ref_date = '2026-01-01'"
            )
        for table, counts in (("births_by_mother_age", "births"), ("deaths_by_age_sex", "deaths")):
            con.execute(
                f"INSERT INTO marts.{table} SELECT * REPLACE (2026 AS year, {counts} + 3 AS "
                f"{counts}) FROM marts.{table} WHERE year = 2025"
            )
        con.execute(
            "INSERT INTO marts.population_rates SELECT * REPLACE (2026 AS year, births + 3 AS "
            "births) FROM marts.population_rates WHERE year = 2025"
        )
        later = load_inputs(con)
        assert 2026 in later.area_flows and date(2026, 4, 1) in later.ref_dates
        assert later.digest() == before
        again = project_inputs(later, settings=settings)
        assert again.projection.equals(projected.projection)
        assert again.backtest.equals(projected.backtest)
        # a late-registered event before the latest 1 January changes one of its stocks
        con.execute(
            "UPDATE marts.population_by_age_sex SET population = population + 1 WHERE rowid = "
            "(SELECT min(rowid) FROM marts.population_by_age_sex WHERE ref_date = '2025-01-01')"
        )
        assert load_inputs(con).digest() != before
    db = tmp_path / "half.duckdb"
    db.write_bytes(warehouses["half"].read_bytes())
    with duckdb.connect(str(db)) as con:
        short = load_inputs(con)
        assert not short.complete_years
        con.execute(
            "INSERT INTO marts.population_by_age_sex SELECT * REPLACE (DATE '2024-08-01' AS "
            "ref_date) FROM marts.population_by_age_sex WHERE ref_date = '2024-07-01'"
        )
        assert load_inputs(con).digest() != short.digest()
