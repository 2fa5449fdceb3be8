"""Disclosure control: primary and secondary suppression on small hand-made marts."""

import duckdb
import pytest

from quality.suppression import Group, SuppressionRule, suppress


@pytest.fixture()
def con():
    c = duckdb.connect()
    yield c
    c.close()


def test_primary_and_secondary_within_a_partition(con):
    con.execute("""CREATE TABLE m AS SELECT * FROM (VALUES
        ('X', 'a', 3), ('X', 'b', 10), ('X', 'c', 12),
        ('Y', 'a', 20), ('Y', 'b', 30), ('Y', 'c', 0)) t(area, grp, population)""")
    rule = SuppressionRule(counts=("population",), groups=(Group(("measure", "area")),))
    stats = suppress(con, "m", "out", rule, min_cell=5)
    rows = con.execute("SELECT area, grp, population, population_flag FROM out ORDER BY 1, 2").fetchall()
    assert rows == [
        ("X", "a", None, "c"), ("X", "b", None, "c"), ("X", "c", 12, None),  # 10 protects 3
        ("Y", "a", 20, None), ("Y", "b", 30, None), ("Y", "c", 0, None),  # zero is published
    ]
    assert stats == {"primary": 1, "secondary": 1}


def test_no_suppressed_cell_is_recoverable_from_totals(con):
    # Communes of two districts; district totals are published in the same table.
    con.execute("""CREATE TABLE m AS SELECT * FROM (VALUES
        ('district', 'D1', 'P', 30), ('commune', 'c1', 'D1', 2), ('commune', 'c2', 'D1', 13),
        ('commune', 'c3', 'D1', 15),
        ('district', 'D2', 'P', 40), ('commune', 'c4', 'D2', 20), ('commune', 'c5', 'D2', 20))
        t(area_level, area_code, parent_code, population)""")
    rule = SuppressionRule(counts=("population",), groups=(Group(("measure", "area_level", "parent_code")),))
    suppress(con, "m", "out", rule, min_cell=5)
    published = dict(con.execute("SELECT area_code, population FROM out").fetchall())
    for district in ("D1", "D2"):
        children = con.execute(
            "SELECT count_if(population IS NULL) FROM out WHERE parent_code = ?", [district]).fetchone()[0]
        assert children != 1, "a single suppressed child could be recovered from the total"
    assert published["c1"] is None and published["c2"] is None and published["c3"] == 15


def test_row_equation_and_derived_values(con):
    con.execute("""CREATE TABLE m AS SELECT * FROM (VALUES
        ('X', 100, 3, 6, 103, NULL::DOUBLE)) t(area, population_start, births, deaths, population_end, rate)""")
    con.execute("UPDATE m SET rate = births * 1000.0 / population_start")
    rule = SuppressionRule(
        counts=("population_start", "births", "deaths", "population_end"),
        derived={"rate": ("births",)},
        groups=(Group(("_row",), ("population_start", "births", "deaths", "population_end")),),
    )
    suppress(con, "m", "out", rule, min_cell=5)
    row = con.execute("SELECT population_start, births, deaths, population_end, rate FROM out").fetchone()
    assert row[1] is None and row[4] is None
    assert row.count(None) >= 3  # births plus one more term of the equation, and the rate


def test_rows_with_too_few_units_are_suppressed(con):
    con.execute("""CREATE TABLE m AS SELECT * FROM (VALUES ('X', 2, 50), ('Y', 3, 60))
                   t(area, establishments, arrivals)""")
    rule = SuppressionRule(counts=("arrivals",), unit_column="establishments", min_units=3)
    suppress(con, "m", "out", rule, min_cell=5)
    assert con.execute("SELECT area, arrivals FROM out ORDER BY 1").fetchall() == [("X", None), ("Y", 60)]
