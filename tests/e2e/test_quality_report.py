"""The operators' quality report (marts/quality_report.py) flags what needs checking and little
else: a district that stops reporting, a district whose stays fall against the same month a
year before, an incomplete or missing file, a quarantine spike — each with what to do — and
not the season of stays, an establishment that closed, nor the noise of small counts. It stays
on the operators' side of the data folder."""

import shutil
from datetime import date

import duckdb
import polars as pl
import pytest

from assets.publish import quality_metadata
from marts import quality_report
from reporting import quality_page

DISTRICTS = [("00001", "001", "Huyện A"), ("00002", "002", "Huyện B"), ("00003", "003", "Huyện C")]
SEASON = [0.9, 1.1, 0.8, 0.9, 1.0, 1.4, 1.6, 1.5, 0.9, 0.6, 0.5, 0.8]  # a threefold swing
MONTHS = [date(2024 + i // 12, i % 12 + 1, 1) for i in range(24)]


def _warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for s in ("ops", "reference", "staging"):
        con.execute(f"CREATE SCHEMA {s}")
    con.execute("CREATE TABLE reference.communes_2025 (commune_code, district_code, district_name) AS SELECT * FROM (VALUES " + ", ".join(str(d) for d in DISTRICTS) + ")")  # fmt: skip
    for table in ("reconciliation", "load_log", "quality_figures"):
        con.execute(
            {
                "reconciliation": "CREATE TABLE ops.reconciliation (source VARCHAR, source_file "
                "VARCHAR, rows_in BIGINT, rows_staged BIGINT, rows_quarantined BIGINT, "
                "rows_unaccounted BIGINT)",
                "load_log": "CREATE TABLE ops.load_log (source VARCHAR, source_file VARCHAR, "
                "period VARCHAR, loaded_at TIMESTAMP)",
                "quality_figures": "CREATE TABLE ops.quality_figures (source VARCHAR, "
                "source_file VARCHAR, kind VARCHAR, figure VARCHAR, value BIGINT, "
                "computed_at TIMESTAMP)",
            }[table]
        )
    return con


def _files(con, source: str, folder: str, ext: str, rows: dict, rejected: dict | None = None):
    """One delivered file per month: rows in, rows rejected (as DUPLICATE)."""
    rejected = rejected or {}
    for month, n in rows.items():
        name = f"{folder}/{source}_{month:%Y-%m}.{ext}"
        q = rejected.get(month, 0)
        con.execute(
            "INSERT INTO ops.reconciliation VALUES (?, ?, ?, ?, ?, 0)", [source, name, n, n - q, q]
        )
        con.execute(
            "INSERT INTO ops.load_log VALUES (?, ?, ?, now())", [source, name, f"{month:%Y-%m}"]
        )
        if q:
            con.execute(
                "INSERT INTO ops.quality_figures VALUES (?, ?, 'reject', 'DUPLICATE', ?, now())",
                [source, name, q],
            )


def _stays(con, per_establishment: list[tuple], establishments: list[tuple]) -> None:
    """staging.stays from (establishment_id, month, count); the register from (id, commune,
    opened_on, closed_on)."""
    con.execute(
        "CREATE TABLE staging.establishments (establishment_id VARCHAR, commune_code VARCHAR, "
        "opened_on DATE, closed_on DATE)"
    )
    con.executemany("INSERT INTO staging.establishments VALUES (?, ?, ?, ?)", establishments)
    con.execute("CREATE TABLE counts (establishment_id VARCHAR, month DATE, n BIGINT)")
    con.executemany("INSERT INTO counts VALUES (?, ?, ?)", per_establishment)
    con.execute(
        """CREATE TABLE staging.stays AS
           SELECT c.establishment_id, e.commune_code, c.month AS check_in_month
           FROM counts c JOIN staging.establishments e USING (establishment_id),
                range(c.n)"""
    )


# establishment: (id, commune, base stays a month)
HOTELS = [("H1", "00001", 300), ("H2", "00001", 60), ("H3", "00002", 120), ("H4", "00003", 80)]


def _seasonal_landing(change=lambda est, month, n: n, closed: dict | None = None):
    """Two years of stays with a strong season, 8 % growth the second year and the same counts
    in the delivered files; change(est, month, n) plants a problem."""
    con = _warehouse()
    closed = closed or {}
    counts = []
    for est, _, base in HOTELS:
        for i, month in enumerate(MONTHS):
            n = round(base * SEASON[month.month - 1] * (1.08 if i >= 12 else 1.0))
            if est in closed and month >= closed[est]:
                n = 0
            counts.append((est, month, change(est, month, n)))
    register = [(e, c, date(2020, 1, 1), closed.get(e)) for e, c, _ in HOTELS]
    _stays(con, counts, register)
    per_month = pl.DataFrame(counts, schema=["e", "month", "n"], orient="row")
    totals = dict(per_month.group_by("month").agg(pl.col("n").sum()).iter_rows())
    _files(con, "stays", "lodging", "jsonl", totals)
    return con


def _report(con, tmp_path) -> dict:
    figures = quality_report.quality_figures(con, tmp_path)
    quality_page.write_quality_page(tmp_path / "quality.html", figures)
    return figures


def test_the_season_of_stays_raises_nothing(tmp_path):
    figures = _report(_seasonal_landing(), tmp_path)
    assert figures["flags"].height == 0
    signals = figures["signals"]
    # the second year was judged against the same month a year before, like for like
    second = signals.filter(pl.col("month") >= date(2025, 1, 1))
    assert (second["basis"] == "same_month_last_year_like_for_like_vs_typical_district").all()
    # ... where the old report's rule (a count more than 4 √mean from the mean of the three
    # months before) saw the season: a control that the landing does swing
    mean3 = pl.col("n").shift(1).rolling_mean(3).over("source", "district_code", order_by="month")
    swing = signals.with_columns(mean3=mean3).filter(
        (pl.col("mean3") >= 5)
        & ((pl.col("n") - pl.col("mean3")).abs() > 4 * pl.col("mean3").sqrt())
    )
    assert swing.height > 10
    assert "Nothing to check" in (tmp_path / "quality.html").read_text(encoding="utf-8")


def test_an_establishment_that_closed_raises_nothing(tmp_path):
    """H1, most of district A's stays, closes in October 2024 (the register says so)."""
    con = _seasonal_landing(closed={"H1": date(2024, 10, 1)})
    figures = _report(con, tmp_path)
    assert figures["flags"].height == 0
    a = figures["signals"].filter(
        (pl.col("district_code") == "001") & (pl.col("month") == date(2025, 7, 1))
    )
    assert a["judged"].item() == round(60 * 1.6 * 1.08)  # H2 only: like for like


def test_a_district_whose_stays_fall_against_a_year_before_is_flagged(tmp_path):
    """District B loses 60 % of its stays in August 2025, in the high season: against the
    months before it is no fall at all, against August 2024 it is."""
    con = _seasonal_landing(
        lambda est, month, n: round(n * 0.4) if (est, month) == ("H3", date(2025, 8, 1)) else n
    )
    flags = _report(con, tmp_path)["flags"]
    assert flags.select("kind", "source", "where", "month").rows() == [
        ("drop", "stays", "Huyện B", date(2025, 8, 1))
    ]
    row = flags.row(0, named=True)
    august = round(120 * SEASON[7] * 1.08)
    assert row["seen"] == round(august * 0.4)
    assert row["expected"] == pytest.approx(august, rel=0.01)
    text = row["what_to_check_vi"] + "\n" + row["what_to_check_en"]
    assert "Huyện B" in text and "08/2025" in text and "--months 2025-08" in text
    assert "same month a year before" in text and "cùng tháng năm trước" in text


def test_a_district_that_stops_notifying_is_flagged_with_its_silent_establishments(tmp_path):
    con = _seasonal_landing(
        lambda est, month, n: 0 if (est, month) == ("H4", date(2025, 3, 1)) else n
    )
    flags = _report(con, tmp_path)["flags"]
    assert flags.select("kind", "where", "month").rows() == [
        ("stopped", "Huyện C", date(2025, 3, 1))
    ]
    assert "1 cơ sở" in flags["what_to_check_vi"].item()
    assert (
        "1 establishment(s) with guests a year before sent none" in flags["what_to_check_en"].item()
    )


def test_an_incomplete_file_of_the_seasonal_source_is_flagged_once(tmp_path):
    """Every establishment's October 2025 is cut by half: no district stands out against the
    others, the file does against October 2024."""
    con = _seasonal_landing(lambda est, month, n: n // 2 if month == date(2025, 10, 1) else n)
    flags = _report(con, tmp_path)["flags"]
    assert flags.select("kind", "source", "where", "month").rows() == [
        ("rows_low", "stays", "lodging/stays_2025-10.jsonl", date(2025, 10, 1))
    ]
    assert "lodging/stays_2025-10.jsonl" in flags["what_to_check_vi"].item()
    assert "re-deliver it and run `python -m dagster_project.run --months 2025-10`" in (
        flags["what_to_check_en"].item()
    )


def test_tet_moving_between_january_and_february_raises_nothing(tmp_path):
    """Tết in February 2024 and January 2025: January +50 % and February −30 % against a year
    before, the two months together as before."""

    def tet(est, month, n):
        if month == date(2025, 1, 1):
            return round(n * 1.5)
        if month == date(2025, 2, 1):
            jan = round(dict((e, b) for e, _, b in HOTELS)[est] * SEASON[0] * 1.08)
            return n - (round(jan * 1.5) - jan)
        return n

    figures = _report(_seasonal_landing(tet), tmp_path)
    assert figures["flags"].height == 0
    feb = figures["monthly"].filter(pl.col("period") == "2025-02")
    assert feb["rows_basis"].item() == "january_february_last_year_like_for_like"


def _events_landing(deaths, rows: dict, rejected: dict | None = None):
    """Deaths per district and month (dict of (district commune, month) -> n, default 12)."""
    con = _warehouse()
    con.execute("CREATE TABLE counts (commune_code VARCHAR, month DATE, n BIGINT)")
    con.executemany(
        "INSERT INTO counts VALUES (?, ?, ?)",
        [(c, m, deaths.get((c, m), 12)) for c, _, _ in DISTRICTS for m in MONTHS[:10]],
    )
    con.execute(
        """CREATE TABLE staging.events AS SELECT 'death' AS event_type, commune_code,
                  month AS event_month FROM counts, range(n)"""
    )
    _files(con, "events", "population", "csv", rows, rejected)
    return con


def test_a_district_that_stops_reporting_deaths_is_flagged(tmp_path):
    con = _events_landing({("00002", date(2024, 7, 1)): 0}, {m: 36 for m in MONTHS[:10]})
    figures = _report(con, tmp_path)
    flags = figures["flags"]
    assert flags.select("kind", "source", "where", "month").rows() == [
        ("stopped", "events", "Huyện B", date(2024, 7, 1))
    ]
    text = flags["what_to_check_vi"].item() + "\n" + flags["what_to_check_en"].item()
    assert "Huyện B" in text and "07/2024" in text and "deaths" in text and "chết" in text
    assert "python -m dagster_project.run --months 2024-07" in text
    html = (tmp_path / "quality.html").read_text(encoding="utf-8")
    assert "Huyện B" in html and "ngừng báo cáo" in html and 'class="hl"' in html
    assert pl.read_parquet(tmp_path / "quality_flags.parquet").equals(flags)
    meta = quality_metadata(figures)
    assert meta["quality_flags"] == 1 and meta["quality_flagged_district_months"] == 1


def test_small_counts_moving_by_chance_raise_nothing(tmp_path):
    """Deaths of 12 a month moving to 20 or 5: inside a Poisson count's noise."""
    con = _events_landing(
        {("00001", date(2024, 7, 1)): 20, ("00003", date(2024, 8, 1)): 5},
        {m: 36 for m in MONTHS[:10]},
    )
    assert _report(con, tmp_path)["flags"].height == 0


def test_a_short_file_a_missing_file_and_a_quarantine_spike_are_flagged(tmp_path):
    rows = {m: 1000 for m in MONTHS[:10]}
    rows[MONTHS[5]] = 400  # cut short
    del rows[MONTHS[6]]  # never delivered
    rejected = {m: 10 for m in rows} | {MONTHS[3]: 90}  # 1 % usually, 9 % once
    figures = _report(_events_landing({}, rows, rejected), tmp_path)
    flags = figures["flags"].sort("month")
    assert flags.select("kind", "month").rows() == [
        ("quarantine", MONTHS[3]),
        ("rows_low", MONTHS[5]),
        ("missing_file", MONTHS[6]),
    ]
    quarantine, short, missing = (flags["what_to_check_vi"] + flags["what_to_check_en"]).to_list()
    assert "DUPLICATE" in quarantine and "quarantine.events" in quarantine
    assert "population/events_2024-06.csv" in short and "400" in short
    assert "2024-07" in missing
    monthly = figures["monthly"]
    assert monthly["coverage_jump"].sum() == 1 and monthly["quarantine_jump"].sum() == 1
    assert monthly["reject:DUPLICATE"].sum() == 10 * 8 + 90


@pytest.mark.parametrize("landing", ["sample_run", "other_landing_run"])
def test_a_clean_landing_has_at_most_a_handful_of_flags(landing, request):
    """The committed sample (seed 6, scale 0.02) and a landing of another seed and scale: the
    generator plants defects at steady rates and no outage, so nothing should need checking.
    The old report flagged 44 district-months and files on the sample and 51 on the other."""
    run = request.getfixturevalue(landing)
    flags = pl.read_parquet(run.warehouse.data / "operations" / "quality_flags.parquet")
    assert flags.height <= 3, flags.select("kind", "source", "where", "month").rows()
    for lang in ("vi", "en"):  # each flag says what to do, in both languages
        assert (flags[f"what_to_check_{lang}"].str.len_chars() > 80).all()


def test_outages_planted_in_the_sample_are_flagged_and_nothing_else(sample_run, tmp_path):
    """On a copy of the sample run's warehouse: the district with the most stays in August 2025
    sends none, and the district with the most camera violations sends none in May 2025.
    Exactly those two districts are flagged (and at most the stays file of that month)."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(sample_run.warehouse.database_path, copy)
    con = duckdb.connect(str(copy))
    signals = quality_report.district_signals(con)

    def top(source, month):
        return (
            signals.filter((pl.col("source") == source) & (pl.col("month") == month))
            .sort("expected", descending=True)
            .row(0, named=True)
        )

    stays, cams = top("stays", date(2025, 8, 1)), top("traffic_violations", date(2025, 5, 1))
    assert cams["expected"] >= quality_report.STOPPED_MIN_MEAN * cams["dispersion"]
    district = "SELECT commune_code FROM reference.communes_2025 WHERE district_code = ?"
    con.execute(
        f"DELETE FROM staging.stays WHERE check_in_month = DATE '2025-08-01' "
        f"AND commune_code IN ({district})",
        [stays["district_code"]],
    )
    con.execute(
        f"DELETE FROM staging.traffic_violations WHERE detected_month = DATE '2025-05-01' "
        f"AND commune_code IN ({district})",
        [cams["district_code"]],
    )
    flags = _report(con, tmp_path)["flags"]
    where = pl.col("kind").is_in(["rows_low", "rows_high", "missing_file", "quarantine"])
    assert sorted(flags.filter(~where).select("kind", "source", "where", "month").rows()) == [
        ("stopped", "stays", stays["district_name"], date(2025, 8, 1)),
        ("stopped", "traffic_violations", cams["district_name"], date(2025, 5, 1)),
    ]
    # a district with most of the province's stays also makes the month's file fall
    assert flags.filter(where).select("kind", "source", "month").rows() in (
        [],
        [("rows_low", "stays", date(2025, 8, 1))],
    )


def test_the_figures_columns_come_in_one_order_whatever_order_they_were_recorded_in():
    """A rerun on the same files writes the same quality_monthly: its reject:/repair:/flag:
    columns in the figures' order, not in the order a GROUP BY happened to return them."""
    orders = []
    for figures in (
        ["NEGATIVE_FINE", "INVALID_PLATE", "DUPLICATE"],
        ["DUPLICATE", "INVALID_PLATE", "NEGATIVE_FINE"],
    ):
        con = _warehouse()
        _files(
            con, "traffic_violations", "public_order", "parquet", {MONTHS[0]: 100, MONTHS[1]: 90}
        )
        for month in MONTHS[:2]:
            for figure in figures:
                con.execute(
                    "INSERT INTO ops.quality_figures VALUES (?, ?, 'reject', ?, 1, now())",
                    [
                        "traffic_violations",
                        f"public_order/traffic_violations_{month:%Y-%m}.parquet",
                        figure,
                    ],
                )
        monthly = quality_report.monthly_figures(con)
        orders.append([c for c in monthly.columns if ":" in c])
    assert (
        orders[0]
        == orders[1]
        == ["reject:DUPLICATE", "reject:INVALID_PLATE", "reject:NEGATIVE_FINE"]
    )
