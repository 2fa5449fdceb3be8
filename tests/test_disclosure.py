"""Disclosure control (quality/disclosure.py) on small tables whose answers are known, and an
independent attacker: scipy's linprog over the relations the published table states, written
here without the protector's code."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest
from scipy.optimize import linprog

from quality.disclosure import Link, Protection, Protector, Term

MIN_CELL = 5

# communes c1..c4 of district D (province P = D), two sexes and their total
VALUES = {  # (area_level, area_code, parent, sex) -> count
    ("commune", "c1", "D", "Nam"): 2,
    ("commune", "c1", "D", "Nữ"): 30,
    ("commune", "c2", "D", "Nam"): 25,
    ("commune", "c2", "D", "Nữ"): 27,
    ("commune", "c3", "D", "Nam"): 40,
    ("commune", "c3", "D", "Nữ"): 3,
    ("commune", "c4", "D", "Nam"): 33,
    ("commune", "c4", "D", "Nữ"): 0,
}


def _table(con: duckdb.DuckDBPyConnection, values=VALUES, year: int = 2025) -> None:
    rows = []
    for (level, code, parent, sex), v in values.items():
        rows.append((year, level, code, parent, sex, v))
    frame = {}
    for _, level, code, parent, sex, v in rows:
        frame.setdefault((level, code, parent), {})[sex] = v
    for (level, code, parent), by_sex in list(frame.items()):
        rows.append((2025, level, code, parent, "Tổng", sum(by_sex.values())))
    district = {}
    for _, level, _code, _parent, sex, v in list(rows):
        if level == "commune":
            district[sex] = district.get(sex, 0) + v
    for sex, v in district.items():
        rows.append((year, "district", "D", "P", sex, v))
        rows.append((year, "province", "P", None, sex, v))
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute(
        "CREATE TABLE IF NOT EXISTS marts.t (year INT, area_level VARCHAR, area_code VARCHAR, "
        "parent_code VARCHAR, sex VARCHAR, persons BIGINT)"
    )
    con.executemany("INSERT INTO marts.t VALUES (?, ?, ?, ?, ?, ?)", rows)


PROTECTION = Protection(counts=("persons",), keys=("year",), dims={"sex": "Tổng"})


@pytest.fixture()
def protected():
    con = duckdb.connect()
    _table(con)
    con.execute("CREATE SCHEMA publish")
    p = Protector(con, {"t": ("marts.t", PROTECTION)}, [], MIN_CELL)
    figures = p.protect()
    p.write("publish")
    yield con, p, figures
    con.close()


def _attacker_intervals(con) -> dict[tuple, tuple[float, float]]:
    """Intervals of the suppressed cells from the published table alone: sexes add up to the
    total, communes to the district, districts to the province; counts are never negative."""
    rows = con.execute(
        "SELECT area_level, area_code, parent_code, sex, persons FROM publish.t"
    ).fetchall()
    cells = {(r[0], r[1], r[3]): r[4] for r in rows}
    parent = {(r[0], r[1]): r[2] for r in rows}
    unknown = [k for k, v in cells.items() if v is None]
    index = {k: i for i, k in enumerate(unknown)}
    equations = []
    for (level, code), _ in parent.items():
        equations.append(([(level, code, s) for s in ("Nam", "Nữ")], (level, code, "Tổng")))
    for level, child_level in (("district", "commune"), ("province", "district")):
        for lv, code in parent:
            if lv != level:
                continue
            for sex in ("Nam", "Nữ", "Tổng"):
                parts = [
                    (child_level, c, sex)
                    for (cl, c), p in parent.items()
                    if cl == child_level and p == code
                ]
                equations.append((parts, (level, code, sex)))
    a_eq, b_eq = [], []
    for parts, total in equations:
        row, rhs = np.zeros(len(unknown)), 0.0
        for k, coef in [(p, 1.0) for p in parts] + [(total, -1.0)]:
            if k in index:
                row[index[k]] += coef
            else:
                rhs -= coef * cells[k]
        if row.any():
            a_eq.append(row)
            b_eq.append(rhs)
    out = {}
    for k, i in index.items():
        c = np.zeros(len(unknown))
        c[i] = 1
        lo = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        hi = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        out[k] = (lo.fun, -hi.fun if hi.status == 0 else np.inf)
    return out


def test_small_counts_are_suppressed_and_flagged(protected):
    con, _, _ = protected
    rows = dict(
        ((r[0], r[1]), (r[2], r[3]))
        for r in con.execute(
            "SELECT area_code || '/' || sex, 1, persons, persons_flag FROM publish.t"
        ).fetchall()
    )
    assert rows[("c1/Nam", 1)] == (None, "c")
    assert rows[("c3/Nữ", 1)] == (None, "c")
    assert rows[("c4/Nữ", 1)] == (0, None), "a zero is published as is"


def test_an_independent_attacker_cannot_narrow_any_suppressed_cell(protected):
    con, _, figures = protected
    intervals = _attacker_intervals(con)
    assert intervals, "something must be suppressed"
    for cell, (lo, hi) in intervals.items():
        assert hi - lo >= MIN_CELL, (cell, lo, hi)
    assert figures["failing"] == 0 and figures["exactly_recoverable"] == 0


def test_province_and_district_totals_stay_published(protected):
    con, _, _ = protected
    totals = con.execute(
        "SELECT area_level, persons FROM publish.t WHERE area_level <> 'commune'"
    ).fetchall()
    assert all(v is not None for _, v in totals)


def test_the_audit_catches_a_planted_leak(protected):
    con, p, _ = protected
    # publish one complementary cell again: its primary becomes recoverable by subtraction
    p.build()
    p.close()
    complement = con.execute(
        "SELECT cell FROM _cells WHERE supp AND NOT is_primary ORDER BY value LIMIT 1"
    ).fetchone()[0]
    con.execute("UPDATE _cells SET supp = FALSE WHERE cell = ?", [complement])
    leaked = p.audit()
    assert leaked["failing"] > 0
    assert leaked["narrowest_primary_interval"] < MIN_CELL


def test_relations_that_do_not_hold_are_reported():
    con = duckdb.connect()
    _table(con)
    con.execute(
        "UPDATE marts.t SET persons = persons + 1 WHERE area_level = 'district' AND sex = 'Nam'"
    )
    p = Protector(con, {"t": ("marts.t", PROTECTION)}, [], MIN_CELL)
    p.build()
    assert sum(p.violated.values()) >= 2  # the district's sex relation and its communes' relation


def test_a_link_between_two_marts_protects_both():
    """The same total in a second mart: once its parts are suppressed there, publishing the
    total here must not reveal them."""
    con = duckdb.connect()
    _table(con)
    con.execute(
        "CREATE TABLE marts.u AS SELECT year, area_level, area_code, parent_code, "
        "persons AS total FROM marts.t WHERE sex = 'Tổng'"
    )
    con.execute("CREATE SCHEMA publish")
    marts = {
        "t": ("marts.t", PROTECTION),
        "u": ("marts.u", Protection(counts=("total",), keys=("year",))),
    }
    links = [
        Link(
            "same_total",
            Term("u", "total", ("r.year", "r.area_level", "r.area_code")),
            (Term("t", "persons", ("r.year", "r.area_level", "r.area_code"), "r.sex = 'Tổng'"),),
        )
    ]
    p = Protector(con, marts, links, MIN_CELL)
    figures = p.protect()
    p.write("publish")
    assert figures["failing"] == 0
    same = con.execute(
        """SELECT count(*) FROM publish.t t JOIN publish.u u USING (year, area_level, area_code)
           WHERE t.sex = 'Tổng' AND (t.persons IS NULL) <> (u.total IS NULL)"""
    ).fetchone()[0]
    assert same == 0, "a cell and its copy in another mart are suppressed together"


def _protect_years(years: dict[int, dict], known=None):
    """marts.t for each year (no relation crosses years: one component each), protected."""
    con = duckdb.connect()
    for year, values in years.items():
        _table(con, values, year)
    con.execute("CREATE SCHEMA publish")
    p = Protector(con, {"t": ("marts.t", PROTECTION)}, [], MIN_CELL)
    figures = p.protect(known)
    p.write("publish")
    table = con.execute("SELECT * FROM publish.t ORDER BY ALL").fetchall()
    p.drop()
    con.close()
    return p, figures, table


def test_a_component_that_comes_back_keeps_its_protection_and_the_result_is_a_full_runs():
    """Two years, each its own part of the table; the second year changes. Protected with the
    first year's result reused, the tables equal a protection from scratch, and only the
    changed year was solved again."""
    changed = {**VALUES, ("commune", "c2", "D", "Nam"): 3, ("commune", "c4", "D", "Nữ"): 1}
    before, before_figures, _ = _protect_years({2024: VALUES, 2025: VALUES})
    assert before_figures["failing"] == 0 and before.solved and not before.reused
    reused, figures, table = _protect_years({2024: VALUES, 2025: changed}, before.solved)
    scratch, scratch_figures, scratch_table = _protect_years({2024: VALUES, 2025: changed})
    assert table == scratch_table
    # every part of 2024 reused (half of the parts before), the changed parts of 2025 solved
    assert len(reused.reused) >= len(before.solved) // 2 and reused.solved
    assert set(reused.reused) | set(reused.solved) == set(scratch.solved)
    assert not set(reused.solved) & set(before.solved)
    assert figures["reused_components"] == len(reused.reused) and figures["reused_cells"] > 0
    for name in ("suppressed", "failing", "narrowest_primary_interval", "released_complements"):
        assert figures[name] == scratch_figures[name], name
    # the suppression of 2024 came from the earlier run: a wrong record is used as it is
    # (the digest names its content), so the pattern published is the record's
    digest = max(reused.reused, key=lambda d: len(reused.reused[d]["suppressed"]))
    wrong = {digest: {**before.solved[digest], "suppressed": []}}
    _, _, unprotected = _protect_years({2024: VALUES, 2025: changed}, wrong)
    assert not any(r[5] is None for r in unprotected if r[0] == 2024)  # persons


# --- on the committed sample ---------------------------------------------------------------


def _total_condition(mart) -> str | None:
    dims = mart.protection.dims
    if any(v is None for v in dims.values()) or not mart.protection.areas:
        return None
    return " AND ".join([f"p.{d} = '{v}'" for d, v in dims.items()] or ["TRUE"])


def test_no_province_total_and_no_large_district_total_is_suppressed(sample_run):
    """Every model's province totals are published, and a former district's total is suppressed
    only where it is itself small (a primary cell)."""
    from marts.catalogue import MARTS

    with sample_run.warehouse_db() as w:
        checked = 0
        for mart in MARTS:
            total = _total_condition(mart)
            if total is None:
                continue
            p = mart.protection
            keys = [*p.keys, "area_level", "area_code", *p.dims]
            on = " AND ".join(f"p.{k} IS NOT DISTINCT FROM m.{k}" for k in keys)
            for c in p.counts:
                bad = w.execute(
                    f"""SELECT count(*) FROM publish.{mart.name} p JOIN marts.{mart.name} m ON {on}
                        WHERE {total} AND p.{c}_flag = 'c'
                          AND (p.area_level = 'province' AND m.{c} >= {MIN_CELL}
                               OR p.area_level = 'district' AND m.{c} >= {MIN_CELL}
                                  AND {"TRUE" if not p.unit_column else f"m.{p.unit_column} >= {p.min_units}"})"""
                ).fetchone()[0]
                assert bad == 0, (mart.name, c)
                checked += 1
        assert checked > 20


def test_the_audit_figures_are_published_with_the_marts(sample_run):
    with sample_run.published_db() as pub:
        audit = pub.execute(
            "SELECT cells, suppressed, relations, violated_relations FROM disclosure_audit"
        ).fetchone()
        catalogue = pub.execute("SELECT count(*), count(suppressed) FROM catalogue").fetchone()
        utility = pub.execute("SELECT count(*) FROM disclosure_utility").fetchone()[0]
    cells, suppressed, relations, violated = audit
    assert cells > 100_000 and 0 < suppressed < cells and relations > 50_000
    assert violated == 0, "every relation the marts state holds on their values"
    assert catalogue[0] == catalogue[1] >= 16 and utility > 30


def test_suppressed_cells_and_their_rates_are_blank_together(sample_run):
    with sample_run.published_db() as pub:
        assert (
            pub.execute(
                """SELECT count(*) FROM labour_indicators
               WHERE (labour_force IS NULL OR outside_labour_force IS NULL)
                 AND labour_force_participation_rate IS NOT NULL"""
            ).fetchone()[0]
            == 0
        )
        assert (
            pub.execute(
                """SELECT count(*) FROM public_order_yearly
               WHERE (incidents IS NULL OR mean_population IS NULL) AND rate_per_100k IS NOT NULL"""
            ).fetchone()[0]
            == 0
        )
        # a flag and a blank always go together
        assert (
            pub.execute(
                "SELECT count(*) FROM population_change WHERE (births IS NULL) <> (coalesce(births_flag, '') = 'c')"
            ).fetchone()[0]
            == 0
        )


def test_the_catalogue_share_is_the_suppressed_share_of_each_marts_counts(sample_run):
    """Recomputed from the warehouse's mart and the published blanks, not from the protector."""
    counts = [
        "population_start",
        "population_end",
        "births",
        "deaths",
        "in_migrants",
        "out_migrants",
        "births_male",
        "births_female",
    ]
    parts = " UNION ALL ".join(
        f"SELECT m.{c}::DOUBLE AS v, p.{c} IS NULL AS blank FROM marts.population_rates m "
        "JOIN publish.population_rates p USING (year, area_level, area_code)"
        for c in counts
    )
    with sample_run.warehouse_db() as w:
        expected = w.execute(
            f"SELECT sum(v) FILTER (WHERE blank) / sum(v) FROM ({parts})"
        ).fetchone()[0]
    with sample_run.published_db() as pub:
        share = pub.execute(
            "SELECT suppressed_share_of_counts FROM catalogue WHERE mart = 'population_rates'"
        ).fetchone()[0]
    assert share == pytest.approx(expected or 0.0, abs=1e-6)


def test_the_component_cache_keeps_recent_runs_and_survives_a_damaged_file(tmp_path):
    from assets import protection_cache as cache

    (tmp_path / cache.COMPONENTS).write_bytes(b"not a database" * 10)
    assert cache.load_components(tmp_path, "method") == {}  # damaged: a full protection
    entry = {"suppressed": [0, 3], "figures": {"suppressed": 2}}
    cache.store_components(tmp_path, "method", {}, {"first": entry})
    assert cache.load_components(tmp_path, "method") == {"first": entry}
    assert cache.load_components(tmp_path, "another method") == {}  # stale rules or code
    for run in range(cache.KEEP_RUNS):
        # "first" is reused by the first of these runs only
        reused = {"first": entry} if run == 0 else {}
        cache.store_components(tmp_path, "method", reused, {f"run{run}": entry})
    kept = cache.load_components(tmp_path, "method")
    assert set(kept) == {f"run{r}" for r in range(cache.KEEP_RUNS)} | {"first"}
    cache.store_components(tmp_path, "method", {}, {"last": entry})
    assert "first" not in cache.load_components(tmp_path, "method")


def test_a_table_set_whose_every_component_comes_back_is_not_solved_again():
    """Nothing left to solve (every component known): the empty problem runs through, the
    tables and the audit's figures are those of the first protection."""
    first, first_figures, first_table = _protect_years({2024: VALUES, 2025: VALUES})
    again, figures, table = _protect_years({2024: VALUES, 2025: VALUES}, first.solved)
    assert table == first_table and not again.solved
    assert set(again.reused) == set(first.solved)
    for name in ("suppressed", "failing", "narrowest_primary_interval", "released_complements"):
        assert figures[name] == first_figures[name], name
    assert figures["lp_solves"] == 0
