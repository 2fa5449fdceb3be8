"""End to end on the committed sample: the published model-36 indicators equal the generator's
ground truth, every row is accounted for, and what is published is privacy-safe."""

import pytest

pytestmark = pytest.mark.e2e

AGE_GROUPS = [f"{a}-{a + 4}" for a in range(0, 80, 5)] + ["80+"]


@pytest.fixture(scope="module")
def truth(ground_truth):
    return ground_truth("population")


def test_population_by_sex_and_age_group_equals_truth(pub, truth):
    for ref_date, expected in truth["population_at"].items():
        rows = pub.execute(
            """SELECT sex, age_group, population FROM population_by_age_sex
               WHERE area_level = 'province' AND ref_date = ?""",
            [ref_date],
        ).fetchall()
        got = {(sex, group): n for sex, group, n in rows}
        want = {
            (sex, g): expected["by_sex_age"][sex][g] for sex in ("Nam", "Nữ") for g in AGE_GROUPS
        }
        # province cells are large at sample scale; a suppressed one would show as None
        assert got == want, ref_date


def test_population_totals_by_district_and_commune_equal_truth(wh, truth):
    for ref_date, expected in truth["population_at"].items():
        province = wh.execute(
            """SELECT population, males, females FROM marts.population_indicators
               WHERE area_level = 'province' AND ref_date = ?""",
            [ref_date],
        ).fetchone()
        assert province == (expected["total"], expected["male"], expected["female"])
        communes = dict(
            wh.execute(
                """SELECT area_code, population FROM marts.population_indicators
               WHERE area_level = 'commune' AND ref_date = ?""",
                [ref_date],
            ).fetchall()
        )
        assert communes == expected["by_new_commune"]
        districts = dict(
            wh.execute(
                """SELECT area_code, population FROM marts.population_indicators
               WHERE area_level = 'district' AND ref_date = ?""",
                [ref_date],
            ).fetchall()
        )
        assert sum(districts.values()) == expected["total"]


def test_births_deaths_and_migration_by_month_equal_truth(pub, truth):
    rows = pub.execute(
        """SELECT strftime(month, '%Y-%m'), births, deaths, in_migrants, out_migrants
           FROM population_change WHERE area_level = 'province' ORDER BY month"""
    ).fetchall()
    got = {m: dict(births=b, deaths=d, in_migrants=i, out_migrants=o) for m, b, d, i, o in rows}
    want = {
        m: {k: v[k] for k in ("births", "deaths", "in_migrants", "out_migrants")}
        for m, v in truth["monthly"].items()
    }
    assert got == want


def test_yearly_rates_follow_from_the_truth(pub, truth):
    for year in (2024, 2025):
        start = truth["population_at"][f"{year}-01-01"]["total"]
        end = truth["population_at"][f"{year + 1}-01-01"]["total"]
        months = [v for m, v in truth["monthly"].items() if m.startswith(str(year))]
        births = sum(v["births"] for v in months)
        deaths = sum(v["deaths"] for v in months)
        row = pub.execute(
            """SELECT mean_population, crude_birth_rate, crude_death_rate FROM population_rates
               WHERE area_level = 'province' AND year = ?""",
            [year],
        ).fetchone()
        mean = (start + end) / 2
        assert row[0] == mean
        assert row[1] == pytest.approx(round(1000 * births / mean, 2))
        assert row[2] == pytest.approx(round(1000 * deaths / mean, 2))


def test_quarantine_counts_per_defect_kind_equal_truth(wh, truth):
    for source in ("residents", "events"):
        got = dict(
            wh.execute(
                f"SELECT r, count(*) FROM (SELECT unnest(reason_codes) AS r FROM quarantine.{source}) GROUP BY r"
            ).fetchall()
        )
        assert got == truth["quarantine"][source], source


def test_repairs_counted(wh, truth):
    figures = dict(
        wh.execute(
            """SELECT source || '.' || figure, sum(value) FROM ops.quality_figures
           WHERE kind = 'repair' GROUP BY 1"""
        ).fetchall()
    )
    r, e = truth["repairs"]["residents"], truth["repairs"]["events"]
    assert figures["residents.sex_spelling"] == r["sex_spellings"]
    assert figures["residents.nationality_spelling"] == r["nationality_spellings"]
    assert figures["residents.text_form"] == r["nfd_text"] + r["stray_spaces"]
    assert figures["events.old_commune_code"] == e["old_commune_codes_after_reform"]
    # an event registered in a later month than it happened (the deliberate 2–4 month delays too)
    assert figures["events.late_registration"] == e["registered_in_later_month"]


def test_every_row_reconciled(wh, truth):
    rows = wh.execute(
        "SELECT source, source_file, rows_in, rows_unaccounted FROM ops.reconciliation "
        "WHERE source IN ('residents', 'events')"
    ).fetchall()
    assert all(r[3] == 0 for r in rows)
    assert sum(r[2] for r in rows if r[0] == "residents") == truth["rows"]["residents"]
    assert sum(r[2] for r in rows if r[0] == "events") == sum(truth["rows"]["events"].values())


def test_balancing_equation_holds_everywhere(pub):
    bad = pub.execute(
        """SELECT count(*) FROM population_change
           WHERE population_end <> population_start + births - deaths + in_migrants - out_migrants"""
    ).fetchone()[0]
    assert bad == 0


def test_published_marts_are_privacy_safe(pub, sample_run):
    """No identifier column anywhere; no published person count from 1 to 4 (event counts are
    published as counted outside the cells the catalogue protects); a flag is never beside a
    value."""
    from marts.catalogue import MARTS

    persons = {
        (m.name, c)
        for m in MARTS
        for c in m.protection.counts
        if c not in m.protection.event_counts
    }
    tables = [r[0] for r in pub.execute("SHOW TABLES").fetchall()]
    assert {
        "population_by_age_sex",
        "population_indicators",
        "population_change",
        "population_rates",
        "migration_flows",
    } <= set(tables)
    for table in tables:
        cols = [r[0] for r in pub.execute(f"DESCRIBE {table}").fetchall()]
        assert not any(
            c in cols
            for c in (
                "person_key",
                "person_id",
                "full_name",
                "date_of_birth",
                "household_key",
                "guest_key",
                "plate_key",
            )
        )
        for flag in [c for c in cols if c.endswith("_flag")]:
            count = flag.removesuffix("_flag")
            if (table, count) in persons:
                small = pub.execute(
                    f"SELECT count(*) FROM {table} WHERE {count} BETWEEN 1 AND 4"
                ).fetchone()[0]
                assert small == 0, f"{table}.{count} publishes a count below 5"
            flagged = pub.execute(
                f"SELECT count(*) FROM {table} WHERE {flag} = 'c' AND {count} IS NOT NULL"
            ).fetchone()[0]
            assert flagged == 0


def test_no_single_suppressed_commune_within_a_published_district(pub):
    """Under a published district, a lone suppressed commune would be the district minus the
    others: never, except a cell the always-published figures pin whatever is suppressed (the
    audit reports those, and they stay blank)."""
    singles = pub.execute(
        """SELECT count(*) FROM (
               SELECT c.ref_date, c.parent_code, c.sex, c.age_group,
                      count_if(c.population IS NULL) AS n
               FROM population_by_age_sex c JOIN population_by_age_sex d
                 ON d.area_level = 'district' AND d.area_code = c.parent_code
                AND d.ref_date = c.ref_date AND d.sex = c.sex AND d.age_group = c.age_group
               WHERE c.area_level = 'commune' AND d.population IS NOT NULL GROUP BY ALL)
           WHERE n = 1"""
    ).fetchone()[0]
    determined = pub.execute(
        "SELECT determined_by_published_persons FROM disclosure_audit"
    ).fetchone()[0]
    assert singles <= determined


def test_published_files_for_analysts(sample_run):
    out = sample_run.published
    for mart in (
        "population_by_age_sex",
        "population_indicators",
        "population_change",
        "population_rates",
        "migration_flows",
    ):
        assert (out / "parquet" / f"{mart}.parquet").stat().st_size > 0
    assert (out / "excel" / "model_36.xlsx").exists()
    html = (out / "reports" / "model_36.html").read_text(encoding="utf-8")
    assert '<script src="plotly.min.js">' in html and "Tháp dân số" in html
    assert "cdn.plot.ly" not in html  # works offline
    assert (out / "reports" / "plotly.min.js").stat().st_size > 1_000_000
    assert not list(out.glob(".incoming-*"))
