"""The cell key method (protection/), without a pipeline run: the p-table against its own
constraints, the SQL lookup against the reference lookup, record and cell keys, magnitudes, the
publication SQL and every blocking rule of the audit with a planted breach."""

import math
import random

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protection import audit, cellkey, perturb
from protection.perturb import Perturbation
from protection.ptable import Ptable

KEY = b"protection-unit-test-key-32-bytes!!"
PTABLE = cellkey.ptable_for(3)  # the table in force by default: D 3, V 2, js 2


@pytest.fixture()
def ckm():
    con = duckdb.connect()
    cellkey.register(con, KEY, 3)
    yield con
    con.close()


# --------------------------------------------------------------------------- the p-table
def rows_of(table, i):
    return [r for r in table if r.i == i]


def test_the_committed_table_is_the_one_the_parameters_give():
    """protection/reference/ptable_D3_V2_js2.csv is reference data: recomputing it from its
    parameters (maximum entropy, SciPy) gives the same probabilities."""
    assert PTABLE.from_reference
    committed, computed = PTABLE.table, PTABLE.computed
    assert [(r.i, r.j) for r in committed] == [(r.i, r.j) for r in computed]
    for a, b in zip(committed, computed, strict=True):
        assert a.p == pytest.approx(b.p, abs=2e-7)


@pytest.mark.parametrize(
    "table", [PTABLE, Ptable(3, 1.0, 2), Ptable(3, 1.5, 2), Ptable(5, 3.0, 4), Ptable(2, 1.0, 0)]
)
def test_every_row_keeps_the_constraints(table):
    for i in range(table.ncat + 1):
        row = rows_of(table.table, i)
        assert sum(r.p for r in row) == pytest.approx(1.0, abs=1e-7)
        assert sum(r.v * r.p for r in row) == pytest.approx(0.0, abs=1e-6), "unbiased"
        assert all(abs(r.v) <= table.D for r in row), "no deviation beyond D"
        assert all(r.j == 0 or r.j > table.js for r in row), "no mass on 1 … js"
        assert all(r.j >= 0 for r in row)
        # the intervals tile [0, 1): each starts where the previous ended
        assert row[0].lower == 0.0 and row[-1].upper == 1.0
        assert all(a.upper == b.lower for a, b in zip(row, row[1:], strict=False))
    assert [(r.j, r.p) for r in rows_of(table.table, 0)] == [(0, 1.0)], "a zero stays a zero"


def test_variance_is_V_wherever_the_forbidden_values_allow_it():
    stats = {r["i"]: r for r in PTABLE.rows()}
    for i in (3, 5, 6):  # rows free to reach V
        assert stats[i]["variance"] == pytest.approx(PTABLE.V, abs=1e-6)
    # 1 and 2 must jump over the forbidden values: the smallest variance that allows is 2
    for i in (1, 2):
        assert stats[i]["variance"] == pytest.approx(2.0, abs=1e-6)
    # 4 can move down by one only (3 is the smallest value it can reach): its variance is capped
    assert stats[4]["variance"] <= PTABLE.V
    # the symmetric row serves every larger count: symmetric around 0
    big = rows_of(PTABLE.table, PTABLE.ncat)
    for r in big:
        mirror = next(m for m in big if m.v == -r.v)
        assert mirror.p == pytest.approx(r.p, abs=1e-7)


def test_a_threshold_the_maximum_deviation_cannot_jump_is_refused():
    with pytest.raises(ValueError, match="needs a maximum deviation D ≥ 5"):
        Ptable(3, 2.0, 4)  # DE06_MIN_CELL 5 with D 3: a 5 could not move down and stay unbiased
    with pytest.raises(ValueError, match="DE06_MIN_CELL must be at least 1"):
        cellkey.ptable_for(0)
    # a larger DE06_MIN_CELL widens the noise with it
    assert (cellkey.ptable_for(5).D, cellkey.ptable_for(5).js) == (5, 4)


def test_more_variance_buys_less_exact_differencing():
    """The risk figure that chose V: the chance that two independently perturbed cells show
    their true difference falls as V grows, and the mean deviation rises."""
    risks = [Ptable(3, v, 2).risk() for v in (1.0, 1.5, 2.0)]
    assert (
        risks[0]["exact_difference"] > risks[1]["exact_difference"] > risks[2]["exact_difference"]
    )
    assert risks[0]["mean_abs_deviation"] < risks[2]["mean_abs_deviation"]


# --------------------------------------------------------------------------- keys
def test_record_keys_are_keyed_and_stable(ckm):
    a = ckm.execute("SELECT record_key('person|abc'), record_key('person|abc')").fetchone()
    assert a[0] == a[1]
    other = duckdb.connect()
    cellkey.register(other, b"another-key-of-thirty-two-bytes!!!", 3)
    b = other.execute("SELECT record_key('person|abc')").fetchone()[0]
    assert b != a[0], "without the pseudonym key the record key cannot be computed"
    # the salt is in no macro's text and no table
    text = " ".join(
        r[0] or ""
        for r in ckm.execute("SELECT macro_definition FROM duckdb_functions()").fetchall()
    )
    assert cellkey.record_key_salt(KEY) not in text
    assert ckm.execute("SELECT count(*) FROM duckdb_tables()").fetchone()[0] == 0


def test_a_cell_key_is_the_sum_of_its_records_keys_and_additive(ckm):
    """Partial sums add up to the key of the union, and a difference of sums (a stock less its
    departures) is the key of what is left, even when it goes negative before the modulus."""
    keys = [
        r[0]
        for r in ckm.execute(
            "SELECT count_key(record_key('person|' || i::VARCHAR)) FROM range(100) t (i)"
        ).fetchall()
    ]
    whole = sum(keys)
    part_a, part_b = sum(keys[:37]), sum(keys[37:])
    ck = ckm.execute(
        "SELECT cell_key(?), cell_key(?::BIGINT + ?), cell_key(?::BIGINT - ?)",
        [whole, part_a, part_b, part_a, whole],
    ).fetchone()
    assert ck[0] == ck[1]
    assert ck[2] == pytest.approx(((part_a - whole) % 2**32) / 2**32)
    assert all(0 <= k < 1 for k in ck)


@settings(max_examples=300, deadline=None)
@given(n=st.integers(min_value=0, max_value=10_000), key_sum=st.integers(-(2**40), 2**45))
def test_the_sql_lookup_is_the_reference_lookup(n, key_sum):
    con = duckdb.connect()
    cellkey.register(con, KEY, 3)
    published, ck = con.execute(
        "SELECT ckm_count(?, ?), cell_key(?)", [n, key_sum, key_sum]
    ).fetchone()
    assert published == PTABLE.lookup(n, ck)
    assert published == 0 or published > PTABLE.js, "never a 1 or a 2"
    assert abs(published - n) <= PTABLE.D
    assert (published == 0) if n == 0 else True


def test_deviations_follow_the_ptable_probabilities(ckm):
    """Over many cells of a large count, each deviation turns up as often as the p-table says."""
    rows = ckm.execute(
        "SELECT ckm_count(100, count_key(record_key('cell|' || i::VARCHAR))) - 100 AS v, count(*) "
        "FROM range(60000) t (i) GROUP BY v"
    ).fetchall()
    seen = {v: n / 60000 for v, n in rows}
    for r in rows_of(PTABLE.table, PTABLE.ncat):
        sd = math.sqrt(r.p * (1 - r.p) / 60000)
        assert abs(seen.get(r.v, 0) - r.p) < 5 * sd + 1e-4


@settings(max_examples=200, deadline=None)
@given(
    total=st.integers(min_value=0, max_value=10**9),
    top_share=st.floats(min_value=0.0, max_value=1.0),
    key_sum=st.integers(0, 2**40),
)
def test_magnitudes_stay_close_to_their_largest_contribution(total, top_share, key_sum):
    con = duckdb.connect()
    cellkey.register(con, KEY, 3)
    top = int(total * top_share) if total else 0
    published = con.execute("SELECT ckm_magnitude(?, ?, ?)", [total, top, key_sum]).fetchone()[0]
    assert published >= 0
    assert not (1 <= published <= PTABLE.js), "a magnitude of 1 or 2 is never published"
    if total == 0:
        assert published == 0
    assert abs(published - total) <= PTABLE.D * cellkey.MAGNITUDE_SHARE * top + PTABLE.js + 1
    again = con.execute("SELECT ckm_magnitude(?, ?, ?)", [total, top, key_sum]).fetchone()[0]
    assert again == published


# --------------------------------------------------------------------------- publication
TOY = Perturbation(
    keys=("area", "sex"),
    counts=("persons", "employed"),
    magnitudes=("nights",),
    derived={"employment_rate": "round(100.0 * p.employed / nullif(p.persons, 0), 2)"},
    exact=("rooms",),
    level="'commune'",
)


def toy_mart(con, rows=60, seed=3) -> None:
    """A small mart with its key sums, built from records, as a mart's SQL builds it."""
    rng = random.Random(seed)
    con.execute("CREATE SCHEMA IF NOT EXISTS marts; CREATE SCHEMA IF NOT EXISTS publish")
    con.execute("CREATE SCHEMA IF NOT EXISTS ops")
    records = [
        (
            f"A{rng.randrange(rows // 2)}",
            rng.choice("MF"),
            f"p{i}",
            rng.random() < 0.6,
            rng.randrange(1, 15),
        )
        for i in range(rows * 5)
    ]
    con.execute(
        "CREATE TEMP TABLE recs (area VARCHAR, sex VARCHAR, id VARCHAR, emp BOOLEAN, n INT)"
    )
    con.executemany("INSERT INTO recs VALUES (?, ?, ?, ?, ?)", records)
    con.execute(
        """CREATE OR REPLACE TABLE marts.toy AS
           SELECT area, sex, count(*)::BIGINT AS persons, count_if(emp)::BIGINT AS employed,
                  sum(n)::BIGINT AS nights, 7::BIGINT AS rooms,
                  round(100.0 * count_if(emp) / count(*), 2)::DOUBLE AS employment_rate,
                  sum(count_key(record_key(id)))::BIGINT AS persons__ck,
                  coalesce(sum(count_key(record_key(id))) FILTER (WHERE emp), 0)::BIGINT AS employed__ck,
                  sum(magnitude_key(record_key(id)))::BIGINT AS nights__ck,
                  max(n)::BIGINT AS nights__top
           FROM recs GROUP BY ALL ORDER BY ALL"""
    )


def publish_toy(con):
    columns = audit.table_columns(con, "marts", "toy")
    con.execute(perturb.publish_sql("toy", TOY, columns, "marts", "publish"))


def run_audit(con):
    return audit.audit(con, {"toy": TOY}, PTABLE)


def test_publication_perturbs_counts_keeps_register_figures_and_drops_the_keys(ckm):
    toy_mart(ckm)
    publish_toy(ckm)
    columns = audit.table_columns(ckm, "publish", "toy")
    assert not [c for c in columns if c.endswith(("__ck", "__top"))]
    rows = ckm.execute(
        "SELECT m.persons, p.persons, m.rooms, p.rooms, p.employed, p.employment_rate "
        "FROM marts.toy m JOIN publish.toy p USING (area, sex)"
    ).fetchall()
    assert any(a != b for a, b, *_ in rows), "something is perturbed"
    for true, pub, rooms, pub_rooms, employed, rate in rows:
        assert abs(pub - true) <= 3 and not (1 <= pub <= 2)
        assert rooms == pub_rooms
        assert rate == (round(100.0 * employed / pub, 2) if pub else None)
    result = run_audit(ckm)
    assert result.passed, result.failures
    assert result.cells == 2 * len(rows) and result.magnitudes == len(rows)


@pytest.mark.parametrize(
    ("rule", "breach"),
    [
        ("small_published", "UPDATE publish.toy SET persons = 1 WHERE rowid = 0"),
        (
            "not_from_ptable",
            "UPDATE publish.toy SET persons = persons + 1 WHERE persons > 3 AND rowid < 5",
        ),
        ("not_from_ptable", "UPDATE publish.toy SET nights = nights + 1000 WHERE rowid = 0"),
        ("derived_not_following", "UPDATE publish.toy SET employment_rate = 99.9 WHERE rowid = 0"),
        ("negative", "UPDATE marts.toy SET persons = -4 WHERE rowid = 0"),
        ("unclassified_columns", "ALTER TABLE marts.toy ADD COLUMN loose BIGINT DEFAULT 1"),
    ],
)
def test_each_blocking_rule_catches_its_planted_breach(ckm, rule, breach):
    toy_mart(ckm)
    publish_toy(ckm)
    assert run_audit(ckm).passed
    ckm.execute(breach)
    result = run_audit(ckm)
    assert not result.passed
    assert result.failures[rule] > 0, result.failures
    assert all(not any(ch.isdigit() and len(ch) > 6 for ch in d) for d in result.details[rule])


def test_two_values_for_the_same_records_are_caught(ckm):
    """Two cells made of the same records (same count, same key) must be published alike; a
    copy published with another value (a table perturbed another way) blocks publication."""
    toy_mart(ckm)
    ckm.execute(
        """INSERT INTO marts.toy SELECT 'COPY', sex, persons, employed, nights, rooms,
                  employment_rate, persons__ck, employed__ck, nights__ck, nights__top
           FROM marts.toy WHERE area = (SELECT min(area) FROM marts.toy) AND sex = 'M'"""
    )
    publish_toy(ckm)
    assert run_audit(ckm).failures["two_values"] == 0, "the same records: the same values"
    ckm.execute("UPDATE publish.toy SET persons = persons + 3 WHERE area = 'COPY'")
    result = run_audit(ckm)
    assert result.failures["two_values"] > 0 and result.failures["not_from_ptable"] > 0


def test_a_cell_published_otherwise_than_in_the_previous_release_is_caught(ckm):
    toy_mart(ckm)
    publish_toy(ckm)
    run_audit(ckm)
    audit.record_release(ckm, PTABLE)
    assert run_audit(ckm).failures["changed_since_release"] == 0, "a rerun changes nothing"
    ckm.execute("UPDATE ops.ckm_released SET published = published + 1 WHERE kind = 'count'")
    assert run_audit(ckm).failures["changed_since_release"] > 0


def test_the_utility_measures_are_those_of_the_deviations(ckm):
    toy_mart(ckm)
    publish_toy(ckm)
    result = run_audit(ckm)
    (counts,) = [u for u in result.utility if u["kind"] == "count"]
    pairs = ckm.execute(
        "SELECT m.persons, p.persons FROM marts.toy m JOIN publish.toy p USING (area, sex) "
        "UNION ALL SELECT m.employed, p.employed FROM marts.toy m JOIN publish.toy p USING (area, sex)"
    ).fetchall()
    deviations = [abs(b - a) for a, b in pairs]
    assert counts["cells"] == len(pairs)
    assert counts["perturbed"] == sum(d > 0 for d in deviations)
    assert counts["mean_abs_deviation"] == pytest.approx(sum(deviations) / len(deviations))
    assert counts["max_abs_deviation"] == max(deviations)
    assert counts["level"] == "commune"


def test_a_numeric_column_nobody_declared_is_named():
    loose = perturb.unclassified_columns(
        TOY, {"area": "VARCHAR", "sex": "VARCHAR", "persons": "BIGINT", "secret": "BIGINT"}
    )
    assert "secret" in loose
    assert "persons__ck (declared, not in the mart)" in loose


def test_keys_that_do_not_identify_the_rows_are_caught(ckm):
    """Two rows with the same keys: the audit cannot tell their cells apart, so it blocks."""
    toy_mart(ckm)
    ckm.execute("INSERT INTO marts.toy SELECT * FROM marts.toy LIMIT 1")
    publish_toy(ckm)
    result = run_audit(ckm)
    assert result.failures["unclassified_columns"] == 1
    assert result.details["unclassified_columns"] == ["toy: 1 rows repeat its keys"]


def test_a_schemas_columns_read_at_once_are_each_tables_in_order(ckm):
    """The audit and the perturbation read every table's columns in one query
    (audit.schema_columns): the same columns, types and order as one table at a time."""
    toy_mart(ckm)
    publish_toy(ckm)
    ckm.execute("CREATE OR REPLACE TABLE marts.other (z INTEGER, a VARCHAR, m DOUBLE)")
    for schema in ("marts", "publish"):
        at_once = audit.schema_columns(ckm, schema)
        tables = [r[0] for r in ckm.execute(f"SHOW TABLES FROM {schema}").fetchall()]
        assert sorted(at_once) == sorted(tables) and tables
        for table in tables:
            assert list(at_once[table].items()) == list(
                audit.table_columns(ckm, schema, table).items()
            )
    assert list(audit.schema_columns(ckm, "marts")["other"]) == ["z", "a", "m"]
    ckm.execute("DROP TABLE marts.other")
