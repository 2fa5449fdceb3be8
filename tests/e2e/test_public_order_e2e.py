"""End to end, model 39: the whole pipeline on the sample against the generator's ground truth
(incidents, clearance, rates per 100,000, violations, fines, quarantine), privacy of the
published marts, and a bad traffic-violations file failing with file/problem/fix."""

from __future__ import annotations

import shutil
from datetime import date

import dagster as dg
import polars as pl
import pytest
from conftest import SAMPLE

SECTIONS = [f"{i:02d}" for i in range(1, 12)]


@pytest.fixture(scope="module")
def truth(ground_truth):
    return ground_truth("public_order")


def _month(m: str) -> date:
    return date.fromisoformat(m + "-01")


def test_incidents_by_month_and_section_equal_truth(wh, truth):
    got = {
        (m, s): (i, c, r)
        for m, s, i, c, r in wh.execute(
            """SELECT strftime(month, '%Y-%m'), iccs_section, incidents, cleared, clearance_rate
               FROM marts.public_order_monthly WHERE area_level = 'province'"""
        ).fetchall()
    }
    for m, v in truth["incidents"]["by_month"].items():
        i, c, r = got[(m, "ALL")]
        assert (i, c) == (v["incidents"], v["cleared"]), m
        assert r == pytest.approx(v["clearance_rate"], abs=1e-4)
        for s in SECTIONS:
            t = v["by_section"][s]
            i, c, r = got[(m, s)]
            assert (i, c) == (t["incidents"], t["cleared"]), (m, s)
            if t["clearance_rate"] is None:
                assert r is None
            else:
                assert r == pytest.approx(t["clearance_rate"], abs=1e-4)


def test_rate_per_100k_uses_population_at_start_of_month(wh, truth, ground_truth):
    pop = ground_truth("population")
    start = pop["population_at"]["2024-01-01"]["total"]
    population_start = {}
    for m in sorted(pop["monthly"]):
        population_start[m] = start
        v = pop["monthly"][m]
        start += v["births"] - v["deaths"] + v["in_migrants"] - v["out_migrants"]
    rows = wh.execute(
        """SELECT strftime(month, '%Y-%m'), population_start, rate_per_100k
           FROM marts.public_order_monthly WHERE area_level = 'province' AND iccs_section = 'ALL'"""
    ).fetchall()
    assert len(rows) == 24
    for m, p, rate in rows:
        assert p == population_start[m], m
        expected = truth["incidents"]["by_month"][m]["incidents"] / population_start[m] * 100000
        assert rate == pytest.approx(expected, abs=0.006), m
    # every area level has its own denominator from model 36
    missing = wh.execute(
        "SELECT count(*) FROM marts.public_order_monthly WHERE population_start IS NULL"
    ).fetchone()[0]
    assert missing == 0


def test_incidents_by_commune_equal_truth(wh, truth):
    got = dict(
        wh.execute(
            """SELECT area_code, sum(incidents) FROM marts.public_order_monthly
           WHERE area_level = 'commune' AND iccs_section = 'ALL' GROUP BY 1"""
        ).fetchall()
    )
    expected = truth["incidents"]["by_new_commune"]
    assert {k: v for k, v in got.items() if v} == expected


def test_violations_fines_and_paid_share_equal_truth(wh, truth):
    rows = wh.execute(
        """SELECT strftime(month, '%Y-%m'), violation_group, sum(violations), sum(fines_vnd),
                  sum(round(paid_share * violations))
           FROM marts.traffic_violations_monthly
           WHERE area_level = 'province' AND vehicle_type = 'all' AND violation_group <> 'all'
           GROUP BY ALL"""
    ).fetchall()
    got = {(m, g): (int(n), int(f), int(p)) for m, g, n, f, p in rows}
    for m, v in truth["violations"]["by_month"].items():
        tot = [0, 0, 0]
        for g, t in v["by_group"].items():
            n, f, p = got.get((m, g), (0, 0, 0))
            assert (n, f, p) == (t["violations"], t["fines_vnd"], t["paid"]), (m, g)
            tot = [tot[0] + n, tot[1] + f, tot[2] + p]
        assert tot == [v["violations"], v["fines_vnd"], v["paid"]]
        assert tot[2] / tot[0] == pytest.approx(v["paid_share"])
    by_vehicle = dict(
        ((m, veh), n)
        for m, veh, n in wh.execute(
            """SELECT strftime(month, '%Y-%m'), vehicle_type, sum(violations)
           FROM marts.traffic_violations_monthly
           WHERE area_level = 'province' AND violation_group = 'all' AND vehicle_type <> 'all'
           GROUP BY ALL"""
        ).fetchall()
    )
    for m, v in truth["violations"]["by_month"].items():
        for veh, n in v["by_vehicle"].items():
            assert by_vehicle.get((m, veh), 0) == n, (m, veh)
    communes = dict(
        wh.execute(
            """SELECT area_code, sum(violations) FROM marts.traffic_violations_monthly
           WHERE area_level = 'commune' AND violation_group = 'all' AND vehicle_type = 'all'
           AND violations > 0 GROUP BY 1"""
        ).fetchall()
    )
    assert communes == truth["violations"]["by_new_commune"]


def test_quarantine_counts_per_reason(wh, truth):
    for source in ("incidents", "traffic_violations"):
        got = dict(
            wh.execute(
                f"""SELECT r, count(*) FROM (SELECT unnest(reason_codes) AS r
                FROM quarantine.{source}) GROUP BY r"""
            ).fetchall()
        )
        assert got == truth["quarantine"][source], source
        # one reason per rejected row: the generator injects one defect per row
        assert (
            wh.execute(f"SELECT max(len(reason_codes)) FROM quarantine.{source}").fetchone()[0] == 1
        )


def test_kept_defects_are_quality_figures(wh, truth):
    figures = {
        (s, f): v
        for s, f, v in wh.execute(
            """SELECT source, figure, sum(value) FROM ops.quality_figures
               WHERE source IN ('incidents', 'traffic_violations') AND kind = 'repair'
               GROUP BY ALL"""
        ).fetchall()
    }
    kept = truth["kept_defects"]
    assert figures[("incidents", "unknown_article")] == kept["incidents"]["unknown_article"]
    assert figures[("incidents", "old_commune_code")] == kept["incidents"]["old_commune_code"]
    assert (
        figures[("traffic_violations", "unknown_violation_code")]
        == kept["traffic_violations"]["unknown_violation_code"]
    )
    assert (
        figures[("traffic_violations", "old_commune_code")]
        == kept["traffic_violations"]["old_commune_code"]
    )
    # unknown articles are in staging, in section 11 — never dropped
    n11 = wh.execute(
        "SELECT count(*) FROM staging.incidents WHERE fix_unknown_article AND iccs_section = '11'"
    ).fetchone()[0]
    assert n11 == kept["incidents"]["unknown_article"]


def test_reconciliation_clean_and_rows_per_file(wh, truth):
    rows = wh.execute(
        """SELECT source, source_file, rows_in, rows_unaccounted FROM ops.reconciliation
           WHERE source IN ('incidents', 'traffic_violations')"""
    ).fetchall()
    assert len(rows) == 48
    assert all(r[3] == 0 for r in rows)
    for source, f, n, _ in rows:
        month = f.split("_")[-1].split(".")[0]
        assert n == truth["rows"][source][month], f


def test_no_plate_in_staging_quarantine_or_published(sample_run, wh):
    for t in ("staging.traffic_violations", "quarantine.traffic_violations"):
        cols = [r[0] for r in wh.execute(f"DESCRIBE {t}").fetchall()]
        assert "plate" not in cols and "plate_key" in cols
    assert (
        wh.execute(
            "SELECT count(*) FROM staging.traffic_violations WHERE length(plate_key) <> 64"
        ).fetchone()[0]
        == 0
    )
    with sample_run.published_db() as pub:
        cols = {r[0] for r in pub.execute("DESCRIBE traffic_violations_monthly").fetchall()}
        assert not cols & {"plate", "plate_key", "violation_id"}


def test_published_marts_are_perturbed_not_suppressed(sample_run):
    with sample_run.published_db() as pub:
        # every count published, never 1 or 2, rates from the published counts
        assert (
            pub.execute(
                """SELECT count(*) FROM public_order_monthly
                   WHERE incidents IS NULL OR cleared IS NULL
                      OR incidents BETWEEN 1 AND 2 OR cleared BETWEEN 1 AND 2"""
            ).fetchone()[0]
            == 0
        )
        assert (
            pub.execute(
                """SELECT count(*) FROM public_order_monthly WHERE incidents > 0
                   AND clearance_rate IS DISTINCT FROM round(cleared / incidents, 4)"""
            ).fetchone()[0]
            == 0
        )
        # camera violations are perturbed too, with totals over groups and vehicles counted
        assert (
            pub.execute(
                "SELECT count(*) FROM traffic_violations_monthly WHERE violations IS NULL "
                "OR violations BETWEEN 1 AND 2"
            ).fetchone()[0]
            == 0
        )
        for column in ("violation_group", "vehicle_type"):
            assert pub.execute(
                f"SELECT count(*) FROM traffic_violations_monthly WHERE {column} = 'all'"
            ).fetchone()[0]
    report = (sample_run.published / "reports" / "model_39.html").read_text(encoding="utf-8")
    assert "ICCS" in report and "100.000" in report
    assert (sample_run.published / "excel" / "model_39.xlsx").stat().st_size > 0


# --------------------------------------------------------------------------- bad input
def _materialize(landing, data_dir, months):
    from assets.public_order import raw_traffic_violations
    from dagster_project.jobs import range_tags
    from warehouse.resource import Warehouse

    warehouse = Warehouse(landing_dir=str(landing), data_dir=str(data_dir))
    result = dg.materialize(
        [raw_traffic_violations],
        resources={"warehouse": warehouse},
        tags=range_tags(months),
        raise_on_error=False,
    )
    return warehouse, result


def _failure(result):
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failures
    return failures[0].event_specific_data.user_failure_data or failures[0].event_specific_data


@pytest.mark.parametrize("defect", ["not_parquet", "missing_column"])
def test_bad_violations_file_fails_with_file_problem_fix(tmp_path, defect):
    landing = tmp_path / "landing"
    (landing / "public_order").mkdir(parents=True)
    months = ["2024-01", "2024-02"]
    for m in months:
        name = f"traffic_violations_{m}.parquet"
        shutil.copy(SAMPLE / "landing" / "public_order" / name, landing / "public_order" / name)
    warehouse, result = _materialize(landing, tmp_path / "data", months)
    assert result.success
    import duckdb

    def state():
        with duckdb.connect(str(warehouse.database_path), read_only=True) as con:
            return (
                con.execute(
                    "SELECT _source_file, count(*), min(_batch_id) FROM raw.traffic_violations "
                    "GROUP BY 1 ORDER BY 1"
                ).fetchall(),
                con.execute("SELECT source_file, sha256 FROM ops.load_log ORDER BY 1").fetchall(),
            )

    before = state()
    bad = landing / "public_order" / "traffic_violations_2024-02.parquet"
    if defect == "not_parquet":
        bad.write_text("violation_id,detected_at\nVP1,2024-02-01\n", encoding="utf-8")
    else:
        pl.read_parquet(bad).drop("plate").write_parquet(bad)
    _, result = _materialize(landing, tmp_path / "data", months)
    assert not result.success
    failure = _failure(result)
    meta = {k: v.value for k, v in failure.metadata.items()}
    assert meta["file"].endswith("traffic_violations_2024-02.parquet")
    assert meta["fix"]
    if defect == "not_parquet":
        assert "this is a CSV (text) file with a .parquet name" in meta["problem"]
    else:
        assert "plate" in meta["problem"] and "Biển số xe" in meta["problem"]
    assert state() == before  # earlier loads untouched
