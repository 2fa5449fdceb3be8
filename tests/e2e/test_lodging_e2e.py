"""Model 38 end to end: the pipeline's lodging marts and quarantine against the generator's
ground truth (computed independently in synthetic/lodging.py), on the shared sample run."""

import shutil

import pytest

from tests.conftest import SAMPLE

MONTH_FIELDS = (
    "arrivals",
    "guest_nights",
    "room_nights_available",
    "occupied_room_nights",
    "establishments",
)
RATE_FIELDS = ("average_length_of_stay", "room_occupancy_rate")


@pytest.fixture(scope="module")
def truth(ground_truth):
    return ground_truth("lodging")


def _province(wh, where=""):
    rows = wh.execute(
        f"""SELECT strftime(month, '%Y-%m'), establishment_type, guest_origin, arrivals, guest_nights,
                   average_length_of_stay, room_nights_available, occupied_room_nights,
                   establishments, room_occupancy_rate
            FROM marts.tourism_monthly WHERE area_level = 'province' {where}"""
    ).fetchall()
    cols = (
        "arrivals",
        "guest_nights",
        "average_length_of_stay",
        "room_nights_available",
        "occupied_room_nights",
        "establishments",
        "room_occupancy_rate",
    )
    return {(r[0], r[1], r[2]): dict(zip(cols, r[3:], strict=True)) for r in rows}


def test_province_month_figures_equal_truth(wh, truth):
    got = _province(wh)
    assert len(truth["monthly"]) == 24
    for month, t in truth["monthly"].items():
        cell = got[(month, "all", "all")]
        for f in MONTH_FIELDS:
            assert cell[f] == t["province"][f], (month, f)
        for f in RATE_FIELDS:
            assert cell[f] == pytest.approx(t["province"][f], abs=1e-4), (month, f)


def test_by_type_and_origin_equal_truth(wh, truth):
    got = _province(wh)
    for month, t in truth["monthly"].items():
        for typ, tt in t["by_type"].items():
            cell = got.get((month, typ, "all"))
            if tt["establishments"] == 0:
                assert cell is None
                continue
            for f in MONTH_FIELDS:
                assert cell[f] == tt[f], (month, typ, f)
        for origin, to in t["by_origin"].items():
            cell = got[(month, "all", origin)]
            assert (cell["arrivals"], cell["guest_nights"]) == (to["arrivals"], to["guest_nights"])
            assert cell["occupied_room_nights"] is None  # rooms are not split by origin


def test_late_share_equals_truth(wh, truth):
    rows = dict(
        (r[0], r[1:])
        for r in wh.execute(
            """SELECT strftime(month, '%Y-%m'), notifications, late_notifications, late_share
               FROM marts.lodging_compliance
               WHERE area_level = 'province' AND establishment_type = 'all'"""
        ).fetchall()
    )
    for month, t in truth["monthly"].items():
        p = t["province"]
        assert rows[month][:2] == (p["notifications"], p["late_notifications"]), month
        assert rows[month][2] == pytest.approx(p["late_share"], abs=1e-6)


def test_nationality_equals_truth(wh, truth):
    """Every nationality of the reference list in every month (a complete frame): the truth's
    where guests came, zeros elsewhere."""
    got = {
        (r[0], r[1]): [r[2], r[3]]
        for r in wh.execute(
            "SELECT strftime(month, '%Y-%m'), nationality, arrivals, guest_nights "
            "FROM marts.tourism_by_nationality"
        ).fetchall()
    }
    want = {(m, n): v for m, d in truth["nationality"].items() for n, v in d.items()}
    assert {k: v for k, v in got.items() if v != [0, 0]} == want
    months = {m for m, _ in got}
    nationalities = {n for _, n in got}
    assert len(got) == len(months) * len(nationalities) and len(nationalities) > 200


def test_areas_add_up(wh):
    bad = wh.execute(
        """SELECT count(*) FROM (
             SELECT c.month, c.establishment_type, c.guest_origin, sum(c.arrivals) a, sum(c.guest_nights) g
             FROM marts.tourism_monthly c WHERE c.area_level = 'commune' GROUP BY ALL) c
           JOIN marts.tourism_monthly p ON p.area_level = 'province' AND p.month = c.month
            AND p.establishment_type = c.establishment_type AND p.guest_origin = c.guest_origin
           WHERE p.arrivals <> c.a OR p.guest_nights <> c.g"""
    ).fetchone()[0]
    assert bad == 0


def test_quarantine_counts_equal_truth(wh, truth):
    got = dict(
        wh.execute(
            "SELECT r, count(*) FROM (SELECT unnest(reason_codes) r FROM quarantine.stays) GROUP BY r"
        ).fetchall()
    )
    want = {k: v for k, v in truth["quarantine"]["stays"].items() if v}
    assert got == want
    assert wh.execute("SELECT count(*) FROM quarantine.establishments").fetchone()[0] == 0
    assert wh.execute("SELECT count(*) FROM staging.stays").fetchone()[0] == truth["stays_accepted"]


def test_repairs_and_flags_equal_truth(wh, truth):
    figures = dict(
        ((k, f), v)
        for k, f, v in wh.execute(
            "SELECT kind, figure, sum(value)::BIGINT FROM ops.quality_figures WHERE source = 'stays' "
            "GROUP BY ALL"
        ).fetchall()
    )
    for name, value in truth["repairs"]["stays"].items():
        assert figures[("repair", name)] == value, name
    assert figures[("flag", "late_notification")] == truth["flags"]["late_notification"]
    assert figures[("flag", "guest_two_places")] == truth["flags"]["guest_two_places"]
    # residents among the guests link to the register (a few of their snapshot rows are
    # quarantined, so slightly fewer than the generator's resident stays)
    linked = figures[("flag", "guest_in_register")]
    assert 0.9 * truth["resident_guest_stays"] <= linked <= truth["resident_guest_stays"]


def test_reconciliation_clean(wh, truth):
    rows = wh.execute(
        "SELECT source_file, rows_in, rows_unaccounted FROM ops.reconciliation "
        "WHERE source IN ('stays', 'establishments')"
    ).fetchall()
    want = {**truth["rows"]["stays"], **truth["rows"]["establishments"]}
    assert {r[0]: r[1] for r in rows} == want
    assert all(r[2] == 0 for r in rows)


def test_no_identifiers_after_staging(wh):
    cols = {
        r[0]
        for r in wh.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'stays' "
            "AND schema_name IN ('staging', 'quarantine')"
        ).fetchall()
    }
    assert "guest_doc_number" not in cols and "guest_key" in cols
    mart_cols = {
        r[0]
        for r in wh.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'marts' "
            "AND table_name IN ('tourism_monthly', 'tourism_by_nationality', 'lodging_compliance')"
        ).fetchall()
    }
    assert not mart_cols & {"guest_key", "guest_doc_number", "guest_birth_year", "room"}


def test_published_within_the_bounds(sample_run, truth):
    """Guests' stays are perturbed like every count (never 1 or 2, at most 3 away), guest-nights
    around their largest stay; nothing is blank; capacity is register data, published as is."""
    with sample_run.published_db() as pub, sample_run.warehouse_db() as wh:
        small = pub.execute(
            "SELECT count(*) FROM tourism_monthly WHERE arrivals BETWEEN 1 AND 2 "
            "OR guest_nights BETWEEN 1 AND 2"
        ).fetchone()[0]
        blank = pub.execute(
            "SELECT count(*) FROM tourism_monthly WHERE arrivals IS NULL OR guest_nights IS NULL"
        ).fetchone()[0]
        capacity_blank = pub.execute(
            "SELECT count(*) FROM tourism_monthly WHERE guest_origin = 'all' AND rooms IS NULL"
        ).fetchone()[0]
        wh.execute(f"ATTACH '{sample_run.published / 'marts.duckdb'}' AS pub (READ_ONLY)")
        capacity_changed = wh.execute(
            """SELECT count(*) FROM marts.tourism_monthly m JOIN pub.tourism_monthly p
                 USING (month, area_level, area_code, establishment_type, guest_origin)
               WHERE m.rooms IS DISTINCT FROM p.rooms
                  OR m.room_nights_available IS DISTINCT FROM p.room_nights_available"""
        ).fetchone()[0]
        province = pub.execute(
            """SELECT strftime(month, '%Y-%m'), arrivals FROM tourism_monthly
               WHERE area_level = 'province' AND establishment_type = 'all'
                 AND guest_origin = 'all'"""
        ).fetchall()
    assert small == 0 and blank == 0 and capacity_blank == 0 and capacity_changed == 0
    for month, arrivals in province:
        assert abs(arrivals - truth["monthly"][month]["province"]["arrivals"]) <= 3, month
    assert (sample_run.published / "reports" / "model_38.html").exists()


def test_bad_stays_file_fails_and_earlier_loads_stay(tmp_path):
    """A stays file that is not JSON lines fails its asset with file/problem/fix; the raw rows
    loaded before stay as they were (asset-level, on two months of the sample)."""
    import dagster as dg

    from assets.lodging import raw_stays
    from warehouse.resource import Warehouse

    landing = tmp_path / "landing" / "lodging"
    landing.mkdir(parents=True)
    for month in ("2024-01", "2024-02"):
        shutil.copy(SAMPLE / "landing" / "lodging" / f"stays_{month}.jsonl", landing)
    warehouse = Warehouse(landing_dir=str(tmp_path / "landing"), data_dir=str(tmp_path / "data"))

    def load(month):
        return dg.materialize(
            [raw_stays],
            partition_key=f"{month}-01",
            resources={"warehouse": warehouse},
            raise_on_error=False,
        )

    assert load("2024-01").success and load("2024-02").success
    with warehouse.connect() as con:
        before = con.execute(
            "SELECT _source_file, count(*) FROM raw.stays GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert len(before) == 2
    (landing / "stays_2024-02.jsonl").write_text("notification_id;check_in\nTB1;x\n")
    second = load("2024-02")
    assert not second.success
    failures = [e for e in second.all_events if e.event_type_value == "STEP_FAILURE"]
    message = " ".join(str(e.event_specific_data.error) for e in failures)
    assert "stays_2024-02.jsonl" in message and "Fix:" in message and "JSONL" in message
    with warehouse.connect() as con:
        after = con.execute(
            "SELECT _source_file, count(*) FROM raw.stays GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert after == before
