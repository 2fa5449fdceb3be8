"""Model 37 end to end: the pipeline's labour marts and quarantine against the generator's ground
truth (computed independently in synthetic/labour.py), row accounting, publication, and a
bad labour file."""

import shutil

import dagster as dg
import polars as pl
import pytest

YEARS = ("2024", "2025")
SEXES = ("Nam", "Nữ", "Tổng")


@pytest.fixture(scope="module")
def truth(ground_truth):
    return ground_truth("labour")


def test_province_indicators_equal_truth(wh, truth):
    rows = wh.execute(
        """SELECT year, sex, working_age_population, no_labour_record, labour_force, employed,
                  unemployed, outside_labour_force, informal_employed,
                  labour_force_participation_rate, employment_to_population_ratio,
                  unemployment_rate, informal_employment_rate
           FROM marts.labour_indicators WHERE area_level = 'province' AND age_band = 'Tổng'"""
    ).fetchall()
    got = {(str(r[0]), r[1]): r[2:] for r in rows}
    assert set(got) == {(y, s) for y in YEARS for s in SEXES}
    for y in YEARS:
        for s in SEXES:
            t = truth["years"][y]["province"][s]
            expected = (
                t["working_age_population"],
                t["no_labour_record"],
                t["labour_force"],
                t["employed"],
                t["unemployed"],
                t["outside"],
                t["informal_employed"],
                t["participation_rate"],
                t["employment_to_population_ratio"],
                t["unemployment_rate"],
                t["informal_employment_rate"],
            )
            assert got[(y, s)] == pytest.approx(expected, abs=0.011), (y, s)


def test_youth_equal_truth(wh, truth):
    rows = wh.execute(
        """SELECT year, sex, youth_with_record, youth_labour_force, youth_unemployed, youth_neet,
                  youth_unemployment_rate, neet_rate
           FROM marts.youth_indicators WHERE area_level = 'province'"""
    ).fetchall()
    got = {(str(r[0]), r[1]): r[2:] for r in rows}
    for y in YEARS:
        for s in SEXES:
            t = truth["years"][y]["province"][s]
            expected = (
                t["youth_with_record"],
                t["youth_labour_force"],
                t["youth_unemployed"],
                t["youth_neet"],
                t["youth_unemployment_rate"],
                t["neet_rate"],
            )
            assert got[(y, s)] == pytest.approx(expected, abs=0.011), (y, s)


def test_sector_shares_equal_truth(wh, pub, truth):
    """The broad-sector rows (counted from the persons) equal the truth in the warehouse; the
    published shares follow from the published broad-sector and 'Tổng' rows."""
    query = """SELECT year::VARCHAR AS year, sex, vsic_section, employed, share
               FROM {t}employment_by_sector WHERE area_level = 'province'
                 AND vsic_section IN ('A', 'B-F', 'G-U', 'Tổng')"""
    frame = wh.execute(query.format(t="marts.")).pl()
    published = pub.execute(query.format(t="")).pl()
    for y in YEARS:
        for s in SEXES:
            t = truth["years"][y]["province"][s]
            part = frame.filter((pl.col("year") == y) & (pl.col("sex") == s))
            by = dict(zip(part["vsic_section"], part["employed"], strict=True))
            total = by.pop("Tổng")
            assert by == t["employed_by_broad_sector"], (y, s)
            assert total == t["employed"]
            shares = dict(zip(part["vsic_section"], part["share"], strict=True))
            for b, share in t["sector_share"].items():
                assert shares[b] == pytest.approx(share, abs=0.011)
            pub_part = published.filter((pl.col("year") == y) & (pl.col("sex") == s))
            pub_by = dict(zip(pub_part["vsic_section"], pub_part["employed"], strict=True))
            pub_shares = dict(zip(pub_part["vsic_section"], pub_part["share"], strict=True))
            assert abs(pub_by["Tổng"] - t["employed"]) <= 3
            for b in t["sector_share"]:
                assert abs(pub_by[b] - t["employed_by_broad_sector"][b]) <= 3
                assert pub_shares[b] == pytest.approx(
                    round(100.0 * pub_by[b] / pub_by["Tổng"], 2), abs=1e-9
                )


def test_occupations_add_up(wh):
    """In the warehouse (exact counts) the groups add up to 'Tổng', which is labour_indicators'
    employed; published, each is perturbed on its own."""
    bad = wh.execute(
        """SELECT count(*) FROM (
               SELECT o.year, o.area_level, o.area_code, o.sex,
                      sum(o.employed) FILTER (WHERE o.occupation_code <> 'Tổng') AS s,
                      any_value(o.employed) FILTER (WHERE o.occupation_code = 'Tổng') AS t,
                      any_value(i.employed) AS e
               FROM marts.employment_by_occupation o
               JOIN marts.labour_indicators i USING (year, area_level, area_code, sex)
               WHERE i.age_band = 'Tổng' GROUP BY ALL) WHERE s <> e OR t <> e"""
    ).fetchone()[0]
    assert bad == 0


def test_quarantine_per_reason_equals_truth(wh, truth):
    rows = wh.execute(
        """SELECT file_year::VARCHAR, r, count(*) FROM (
               SELECT file_year, unnest(reason_codes) AS r FROM quarantine.labour_status)
           GROUP BY ALL"""
    ).fetchall()
    got = {(y, r): n for y, r, n in rows}
    for y in YEARS:
        expected = {k: v for k, v in truth["years"][y]["quarantine"].items() if v}
        assert {r: n for (yy, r), n in got.items() if yy == y} == expected, y


def test_quality_figures_equal_truth(wh, truth):
    rows = wh.execute(
        """SELECT source_file, figure, value FROM ops.quality_figures
           WHERE source = 'labour_status' AND kind = 'repair'"""
    ).fetchall()
    got = {(f, k): v for f, k, v in rows}
    for y in YEARS:
        file = truth["years"][y]["file"]
        for figure, n in truth["years"][y]["repairs"].items():
            assert got.get((file, figure), 0) == n, (y, figure)


def test_every_labour_row_accounted(wh, truth):
    rows = wh.execute(
        """SELECT source_file, rows_in, rows_staged, rows_quarantined, rows_unaccounted
           FROM ops.reconciliation WHERE source = 'labour_status' ORDER BY source_file"""
    ).fetchall()
    assert [r[0] for r in rows] == sorted(truth["rows"])
    for f, rows_in, staged, quarantined, unaccounted in rows:
        assert rows_in == truth["rows"][f]
        assert unaccounted == 0 and staged + quarantined == rows_in


def test_staging_holds_no_identifier(wh):
    cols = {r[0] for r in wh.execute("DESCRIBE staging.labour_status").fetchall()}
    assert "person_key" in cols
    assert not cols & {"person_id", "date_of_birth", "full_name"}


def test_published_within_the_bounds(sample_run, truth):
    """The province's unemployed men and women, each year, are published (never blank) within
    3 of the truth, and the unemployment rate follows from the published counts."""
    with sample_run.published_db() as pub:
        tables = {r[0] for r in pub.execute("SHOW TABLES").fetchall()}
        assert {
            "labour_indicators",
            "youth_indicators",
            "employment_by_sector",
            "employment_by_occupation",
        } <= tables
        rows = pub.execute(
            """SELECT year::VARCHAR, sex, unemployed, labour_force, unemployment_rate
               FROM labour_indicators WHERE area_level = 'province' AND age_band = 'Tổng'"""
        ).fetchall()
    assert len(rows) == len(YEARS) * len(SEXES)
    for year, sex, unemployed, labour_force, rate in rows:
        t = truth["years"][year]["province"][sex]
        assert abs(unemployed - t["unemployed"]) <= 3 and abs(labour_force - t["labour_force"]) <= 3
        assert rate == pytest.approx(round(100.0 * unemployed / labour_force, 2), abs=1e-9)
    assert (sample_run.published / "excel" / "model_37.xlsx").exists()
    assert (sample_run.published / "reports" / "model_37.html").exists()


def test_missing_column_fails_and_keeps_earlier_load(tmp_path):
    """A labour file without a required column fails raw.labour_status naming the file, the
    problem and the fix; the earlier load of that file is untouched."""
    from conftest import SAMPLE

    from assets.labour import raw_labour_status
    from sources.contracts.labour import LABOUR_STATUS
    from synthetic.ooxml import str_cell, write_xlsx
    from warehouse.resource import Warehouse

    landing = tmp_path / "landing"
    (landing / "labour").mkdir(parents=True)
    good = SAMPLE / "landing" / "labour" / "labour_status_2024.xlsx"
    shutil.copy(good, landing / "labour" / good.name)
    warehouse = Warehouse(landing_dir=str(landing), data_dir=str(tmp_path / "data"))
    first = dg.materialize([raw_labour_status], resources={"warehouse": warehouse})
    assert first.success
    with warehouse.connect() as con:
        before = con.execute("SELECT count(*), max(_batch_id) FROM raw.labour_status").fetchone()
        log_before = con.execute("SELECT sha256, rows FROM ops.load_log").fetchall()

    # the same file re-delivered without the employment status column
    cols = [c for c in LABOUR_STATUS.columns if c.name != "employment_status"]
    frame = pl.DataFrame({c.name: ["x"] for c in cols})
    write_xlsx(
        landing / "labour" / good.name,
        "DANH SÁCH",
        [c.label_vi for c in cols],
        [(lambda n: lambda L: str_cell(L, pl.col(n)))(c.name) for c in cols],
        frame,
    )
    second = dg.materialize(
        [raw_labour_status], resources={"warehouse": warehouse}, raise_on_error=False
    )
    assert not second.success
    failure = next(e for e in second.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.event_specific_data.error.message
    assert "labour_status_2024.xlsx" in message
    assert "missing required column" in message and "employment_status" in message
    assert "Fix:" in message
    with warehouse.connect() as con:
        assert (
            con.execute("SELECT count(*), max(_batch_id) FROM raw.labour_status").fetchone()
            == before
        )
        assert con.execute("SELECT sha256, rows FROM ops.load_log").fetchall() == log_before
