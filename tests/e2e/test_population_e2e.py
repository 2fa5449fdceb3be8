"""End to end on the committed sample: the model-36 marts equal the generator's ground truth
exactly in the warehouse (schema `marts`), the published ones within the cell key method's
bounds (at most 3 away, never 1 or 2), every row is accounted for, and what is published is
privacy-safe."""

import pytest

from tests.helpers import all_protected_like

pytestmark = pytest.mark.e2e

AGE_GROUPS = [f"{a}-{a + 4}" for a in range(0, 80, 5)] + ["80+"]


@pytest.fixture(scope="module")
def truth(ground_truth):
    return ground_truth("population")


def test_population_by_sex_and_age_group_equals_truth(wh, pub, truth):
    for ref_date, expected in truth["population_at"].items():
        want = {
            (sex, g): expected["by_sex_age"][sex][g] for sex in ("Nam", "Nữ") for g in AGE_GROUPS
        }
        query = """SELECT sex, age_group, population FROM {t}population_by_age_sex
                   WHERE area_level = 'province' AND ref_date = ? AND sex <> 'Tổng'
                     AND age_group <> 'Tổng'"""
        exact = {
            (s, g): n for s, g, n in wh.execute(query.format(t="marts."), [ref_date]).fetchall()
        }
        assert exact == want, ref_date
        published = {
            (s, g): n for s, g, n in pub.execute(query.format(t=""), [ref_date]).fetchall()
        }
        assert all_protected_like(published, want) == [], ref_date
        total = pub.execute(
            """SELECT population FROM population_by_age_sex WHERE area_level = 'province'
               AND ref_date = ? AND sex = 'Tổng' AND age_group = 'Tổng'""",
            [ref_date],
        ).fetchone()[0]
        assert abs(total - expected["total"]) <= 3


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


def test_births_deaths_and_migration_by_month_equal_truth(wh, pub, truth):
    kinds = ("births", "deaths", "in_migrants", "out_migrants")
    query = """SELECT strftime(month, '%Y-%m'), births, deaths, in_migrants, out_migrants
               FROM {t}population_change WHERE area_level = 'province' ORDER BY month"""
    want = {(m, k): v[k] for m, v in truth["monthly"].items() for k in kinds}

    def cells(con, prefix):
        return {
            (row[0], k): n
            for row in con.execute(query.format(t=prefix)).fetchall()
            for k, n in zip(kinds, row[1:], strict=True)
        }

    assert cells(wh, "marts.") == want
    assert all_protected_like(cells(pub, ""), want) == []


def test_yearly_rates_follow_from_the_truth(wh, pub, truth):
    for year in (2024, 2025):
        start = truth["population_at"][f"{year}-01-01"]["total"]
        end = truth["population_at"][f"{year + 1}-01-01"]["total"]
        months = [v for m, v in truth["monthly"].items() if m.startswith(str(year))]
        births = sum(v["births"] for v in months)
        deaths = sum(v["deaths"] for v in months)
        query = """SELECT mean_population, crude_birth_rate, crude_death_rate, population_start,
                          population_end, births, deaths
                   FROM {t}population_rates WHERE area_level = 'province' AND year = ?"""
        row = wh.execute(query.format(t="marts."), [year]).fetchone()
        mean = (start + end) / 2
        assert row[0] == mean
        assert row[1] == pytest.approx(round(1000 * births / mean, 2))
        assert row[2] == pytest.approx(round(1000 * deaths / mean, 2))
        # published: counts within the bounds, rates from the published counts
        m, cbr, cdr, p_start, p_end, p_births, p_deaths = pub.execute(
            query.format(t=""), [year]
        ).fetchone()
        assert (
            all_protected_like(
                {"s": p_start, "e": p_end, "b": p_births, "d": p_deaths},
                {"s": start, "e": end, "b": births, "d": deaths},
            )
            == []
        )
        assert m == (p_start + p_end) / 2
        assert cbr == pytest.approx(round(1000 * p_births / m, 2))
        assert cdr == pytest.approx(round(1000 * p_deaths / m, 2))


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


def test_balancing_equation_holds_everywhere(wh, pub):
    balance = "population_start + births - deaths + in_migrants - out_migrants"
    exact = wh.execute(
        f"SELECT count(*) FROM marts.population_change WHERE population_end <> {balance}"
    ).fetchone()[0]
    assert exact == 0
    # published, each count is perturbed on its own: balance_adjustment closes the equation
    published = pub.execute(
        f"""SELECT count(*), count(*) FILTER (WHERE balance_adjustment <> 0)
            FROM population_change WHERE population_end <> {balance} + balance_adjustment"""
    ).fetchone()
    assert published[0] == 0


def test_published_marts_are_privacy_safe(pub, sample_run):
    """No identifier column anywhere, no key sum of the cell key method, no count from 1 to 2."""
    from domains import MARTS

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
                "record_key",
            )
        )
        assert not [c for c in cols if c.endswith(("__ck", "__top", "_flag"))]
    for mart in MARTS:
        for count in mart.perturbation.counts:
            small = pub.execute(
                f"SELECT count(*) FROM {mart.name} WHERE {count} BETWEEN 1 AND 2"
            ).fetchone()[0]
            assert small == 0, f"{mart.name}.{count} publishes a 1 or a 2"


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


def test_residents_staging_keeps_the_cell_key_methods_record_keys(wh):
    """staging.residents keeps each resident's and household's record key (the timeline reads
    them instead of hashing 1.5 million persons a month): MD5 of the keyed salt and the record's
    identity, its lower 64 bits (protection/cellkey.py), computed here in Python."""
    import hashlib
    import os

    from protection import cellkey

    salt = cellkey.record_key_salt(os.environ["DE06_PSEUDONYM_KEY"].encode())

    def record_key(identity: str) -> int:
        return int.from_bytes(hashlib.md5((salt + identity).encode()).digest()[8:], "little")

    rows = wh.execute(
        "SELECT person_key, household_key, rk, hh_rk FROM staging.residents USING SAMPLE 300 ROWS"
    ).fetchall()
    assert len(rows) == 300
    for person, household, rk, hh_rk in rows:
        assert rk == record_key(f"person|{person}")
        assert hh_rk == (None if household is None else record_key(f"household|{household}"))
    # the timeline's states carry the same keys
    differ = wh.execute(
        "SELECT count(*) FROM intermediate.person_states s JOIN staging.residents r "
        "USING (person_key) WHERE s.rk IS DISTINCT FROM r.rk"
    ).fetchone()[0]
    assert differ == 0
