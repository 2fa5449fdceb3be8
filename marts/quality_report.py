"""The figures of the data-quality report for the people running the pipeline:
`DE06_DATA_DIR/operations/quality.html` (owner-only, never under published/: it counts rows as
received; the page itself is reporting/quality_page.py), with its figures as Parquet beside it (`quality_flags.parquet`,
`quality_monthly.parquet`, `quality_signals.parquet`, which `notebooks/quality.ipynb` reads) and
a Dagster metadata section.

It opens on a short list of things to check, each in plain words: which source, file, former
district and month, what was seen against what was expected, and what to do. A flag is raised
only when a count is both improbable (more than Z_LIMIT standard deviations of its own noise
away from what was expected: Poisson, times the source's dispersion estimated from all its
cells, since guests come in parties) and material (at least REL_LIMIT away), so it is rare on a
clean delivery at any scale:

- **Files** (per source and period): a monthly file missing between the first and the last;
  rows in against the median of the five files before; for the seasonal source (stays) the
  month's like-for-like stays (below) of the whole province against the same month a year
  before, times the like-for-like growth of the three months before (January and February
  together: Tết falls in either); a quarantine share more than Z_LIMIT binomial sd above the
  source's share over all its files and QUARANTINE_POINTS points above it.
- **Former districts** (per source, measure and month, on a complete frame: nothing counts 0):
  population events by type, incidents and traffic violations against the median of the five
  months before; stays, which are seasonal, against the same month a year before, like for
  like (only the establishments the register has open through both months), times how the
  typical district changed over that year (the median of the districts' like-for-like ratios).
  So the season, Tết, the year's trend and an establishment opening or closing raise nothing,
  and a district that moves on its own does. "Stopped" is a count of 0 where at least
  STOPPED_MIN_MEAN times the dispersion were expected (a chance below 1/1000). Before a
  seasonal source has a year of history only "stopped" is judged (against a median of at least
  SEASONAL_STOPPED_MIN_MEAN: the low season can fall to 40 % of the months before it). When
  FOLD_DISTRICTS or more districts of one source and month move the same way, that is one flag.

Everything is read from the warehouse's own bookkeeping (`ops.reconciliation`, `ops.load_log`,
`ops.quality_figures`), the register of establishments and the staging tables' lineage and
grain columns, as aggregates: no cell value of an extract is ever read into this report.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

Z_LIMIT = 4.0  # standard deviations of the count's own noise
REL_LIMIT = 0.3  # and at least 30 % away from what was expected
MIN_EXPECTED = 5.0  # below this a count says too little to judge a rise or a fall
STOPPED_MIN_MEAN = 7.0  # P(0 | Poisson 7) < 1/1000
SEASONAL_STOPPED_MIN_MEAN = 20.0  # 40 % of it is 8: P(0 | 8) < 1/1000
QUARANTINE_POINTS = 0.02  # quarantine share at least 2 points above the source's pooled share
FOLD_DISTRICTS = 3
PARTY_KEYS = {"stays": "establishment_id, room, check_in_date, nights"}
HISTORY = 5  # months (files) a non-seasonal count is compared with: their median
MEDIAN_VAR = 1 + 3.1416 / (2 * HISTORY)  # Var(n - median of HISTORY Poisson counts) / mean
DISPERSION_MIN_CELLS = 10
SEASONAL_SOURCES = ("stays",)

# (staging table, measure expression, month column): what each extract reports per district.
SIGNALS = [
    ("events", "event_type", "event_month"),
    ("incidents", "'incidents'", "occurred_month"),
    ("traffic_violations", "'violations'", "detected_month"),
    ("stays", "'arrivals'", "check_in_month"),
]
MEASURE_VI = {
    "birth": "sinh / births",
    "death": "chết / deaths",
    "move_in": "chuyển đến / moves in",
    "move_out": "chuyển đi / moves out",
    "internal_move": "chuyển nội tỉnh / internal moves",
    "incidents": "vụ việc / incidents",
    "violations": "vi phạm / violations",
    "arrivals": "lượt lưu trú / stays",
}
# source: (name, who delivers it), Vietnamese / English
SOURCE_INFO = {
    "residents": (
        "dân cư (bản chụp) / residents snapshot",
        "Cơ sở dữ liệu quốc gia về dân cư (Công an tỉnh) / the national population database "
        "(provincial police)",
    ),
    "events": (
        "biến động dân cư / population events",
        "Cơ sở dữ liệu quốc gia về dân cư (Công an tỉnh) / the national population database "
        "(provincial police)",
    ),
    "labour_status": (
        "thị trường lao động / labour register",
        "đơn vị quản lý cơ sở dữ liệu thị trường lao động / the labour-market register's keeper",
    ),
    "establishments": (
        "cơ sở lưu trú / lodging establishments",
        "Công an tỉnh (quản lý cư trú) / provincial police (residence management)",
    ),
    "stays": (
        "thông báo lưu trú / lodging notifications",
        "hệ thống thông báo lưu trú (Công an tỉnh) / the lodging notification system "
        "(provincial police)",
    ),
    "incidents": (
        "vụ việc an ninh trật tự / public-order incidents",
        "Công an tỉnh (sổ tiếp nhận tin báo) / provincial police incident log",
    ),
    "traffic_violations": (
        "vi phạm giao thông qua camera / camera traffic violations",
        "hệ thống camera giám sát giao thông (Công an tỉnh) / the traffic camera system "
        "(provincial police)",
    ),
}
# what a figure is compared with, Vietnamese / English
BASIS_TEXT = {
    "files_before": ("trung vị năm tệp trước", "the median of the five files before"),
    "first_to_last_month_delivered": ("", ""),
    "share_over_all_files": ("", ""),
    "districts_together": ("", ""),
    "months_before": ("trung vị năm tháng trước", "the median of the five months before"),
    "same_month_last_year_like_for_like": (
        "cùng tháng năm trước, chỉ các cơ sở hoạt động cả hai năm, nhân mức tăng của ba tháng "
        "trước",
        "the same month a year before, only establishments open in both years, times the "
        "growth of the three months before",
    ),
    "january_february_last_year_like_for_like": (
        "tháng 1 và 2 cộng lại so với năm trước (Tết rơi vào tháng 1 hoặc 2), chỉ các cơ sở "
        "hoạt động cả hai năm",
        "January and February together against a year before (Tết falls in either), only "
        "establishments open in both years",
    ),
    "same_month_last_year_like_for_like_vs_typical_district": (
        "cùng tháng năm trước, chỉ các cơ sở hoạt động cả hai năm, nhân mức thay đổi của huyện "
        "điển hình (trung vị)",
        "the same month a year before, only establishments open in both years, times how the "
        "typical district changed (median)",
    ),
}
KIND_VI = {
    "missing_file": "thiếu tệp / file missing",
    "rows_low": "ít dòng bất thường / too few rows",
    "rows_high": "nhiều dòng bất thường / too many rows",
    "quarantine": "cách ly nhiều / many rows rejected",
    "stopped": "ngừng báo cáo / stopped reporting",
    "drop": "giảm mạnh / sharp fall",
    "rise": "tăng mạnh / sharp rise",
}


def _exists(con, schema: str, table: str) -> bool:
    return bool(_columns(con, schema, table))  # (a table has a column)


def _columns(con, schema: str, table: str) -> set[str]:
    # duckdb_columns(): information_schema is several times slower
    return {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
            [schema, table],
        ).fetchall()
    }


def _dispersion(z2: pl.Expr) -> pl.Expr:
    """Quasi-Poisson dispersion from squared standardised residuals: their median over the
    median of a chi-square with one degree of freedom (0.455), robust to the flagged months
    themselves; at least 1, and 1 when fewer than DISPERSION_MIN_CELLS cells say anything."""
    return (
        pl.when(z2.count() >= DISPERSION_MIN_CELLS)
        .then(pl.max_horizontal(pl.lit(1.0), z2.median() / 0.455))
        .otherwise(pl.lit(1.0))
    )


def _flag_expr(n: str, e: str, var: str) -> pl.Expr:
    """'low' / 'high' when n is both improbable (Z_LIMIT sd of var) and material (REL_LIMIT)."""
    n_, e_ = pl.col(n), pl.col(e)
    off = (n_ - e_).abs()
    material = (e_ >= MIN_EXPECTED) & (off > Z_LIMIT * pl.col(var).sqrt()) & (off > REL_LIMIT * e_)
    return (
        pl.when(material & (n_ < e_))
        .then(pl.lit("low"))
        .when(material & (n_ > e_))
        .then(pl.lit("high"))
    )


# ------------------------------------------------------------------ per source and file
def monthly_figures(
    con: duckdb.DuckDBPyConnection, seasonal: pl.DataFrame | None = None
) -> pl.DataFrame:
    """One row per source and extract file: period, rows in, accepted, quarantined, quarantined
    share, coverage (rows in / rows in of the previous period), then the file's check: the
    count judged (`judged_rows`: rows in; for a seasonal source the like-for-like stays of the
    month, `seasonal_files`), what was expected (`expected_rows`) on which basis (`rows_basis`)
    and `rows_flag` ('low'/'high'); the pooled quarantine share of the source; then
    `reject:<REASON>` and `repair:<kind>` / `flag:<kind>` columns. `coverage_jump` (rows
    flagged) and `quarantine_jump` are the two highlights (booleans)."""
    if not _exists(con, "ops", "reconciliation"):
        return pl.DataFrame()
    # every file delivered (the load log: an empty file has no row to reconcile), with its rows
    log = "SELECT NULL::VARCHAR AS source, NULL::VARCHAR AS source_file, NULL::VARCHAR AS period"
    if _exists(con, "ops", "load_log"):
        status = "status" in _columns(con, "ops", "load_log")
        live = "WHERE coalesce(status, 'loaded') <> 'withdrawn'" if status else ""
        log = (
            "SELECT source, source_file, arg_max(period, loaded_at) AS period FROM ops.load_log "
            f"{live} GROUP BY ALL"
        )
    base = con.execute(
        f"""SELECT source, source_file, coalesce(nullif(l.period, ''), source_file) AS period,
                   coalesce(r.rows_in, 0) AS rows_in, coalesce(r.rows_staged, 0) AS accepted,
                   coalesce(r.rows_quarantined, 0) AS quarantined,
                   round(coalesce(r.rows_quarantined, 0) / nullif(r.rows_in, 0), 4)
                       AS quarantined_share
            FROM ops.reconciliation r FULL JOIN ({log}) l USING (source, source_file)"""
    ).pl()
    is_seasonal = pl.col("source").is_in(SEASONAL_SOURCES)
    before = [pl.col("rows_in").shift(k).over("source") for k in range(1, HISTORY + 1)]
    base = (
        base.sort("source", "period")
        .with_columns(
            coverage=(pl.col("rows_in") / before[0]).round(3),
            # the median of the files before: one bad file does not move it
            median_before=pl.when(
                pl.sum_horizontal(*(b.is_not_null() for b in before)) == HISTORY
            ).then(pl.concat_list(*before).list.median()),
            pooled_share=pl.col("quarantined").sum().over("source")
            / pl.col("rows_in").sum().over("source"),
        )
        .with_columns(
            judged_rows=pl.when(~is_seasonal).then(pl.col("rows_in")),
            expected_rows=pl.when(~is_seasonal).then(pl.col("median_before")),
            rows_basis=pl.when(~is_seasonal & pl.col("median_before").is_not_null()).then(
                pl.lit("files_before")
            ),
            # Poisson noise of the file and of the median it is compared with
            rows_var=pl.when(~is_seasonal).then(pl.col("median_before") * MEDIAN_VAR),
        )
        .drop("median_before")
    )
    if seasonal is not None and seasonal.height:
        base = (
            base.join(
                seasonal.select(
                    "source",
                    period=pl.col("month").dt.strftime("%Y-%m"),
                    s_judged="judged",
                    s_expected="expected",
                    s_basis="basis",
                    s_var="var",
                ),
                on=["source", "period"],
                how="left",
            )
            .with_columns(
                judged_rows=pl.coalesce("judged_rows", "s_judged"),
                expected_rows=pl.coalesce("expected_rows", "s_expected"),
                rows_basis=pl.coalesce("rows_basis", "s_basis"),
                rows_var=pl.coalesce("rows_var", "s_var"),
            )
            .drop("s_judged", "s_expected", "s_basis", "s_var")
        )
    base = (
        base.with_columns(
            dispersion=pl.when(is_seasonal)
            .then(pl.lit(1.0))  # already in the seasonal check's variance
            .otherwise(
                _dispersion(
                    (
                        (pl.col("judged_rows") - pl.col("expected_rows")) ** 2 / pl.col("rows_var")
                    ).filter(pl.col("expected_rows") >= MIN_EXPECTED)
                ).over("source")
            ),
            quarantine_expected=pl.col("pooled_share") * pl.col("rows_in"),
        )
        .with_columns(rows_var=pl.col("rows_var") * pl.col("dispersion"))
        .with_columns(
            rows_flag=_flag_expr("judged_rows", "expected_rows", "rows_var"),
            # binomial: improbable for the source's usual share, and 2 points above it
            quarantine_flag=(
                pl.col("quarantined")
                > pl.col("quarantine_expected")
                + Z_LIMIT * (pl.col("quarantine_expected") * (1 - pl.col("pooled_share"))).sqrt()
                + 1
            )
            & (pl.col("quarantined_share") > pl.col("pooled_share") + QUARANTINE_POINTS),
        )
        .with_columns(
            coverage_jump=pl.col("rows_flag").is_not_null(),
            quarantine_jump=pl.col("quarantine_flag").fill_null(False),
            expected_rows=pl.col("expected_rows").round(1),
            pooled_share=pl.col("pooled_share").round(4),
        )
        .drop("rows_var", "quarantine_expected", "quarantine_flag", "dispersion")
    )
    if _exists(con, "ops", "quality_figures"):
        figures = con.execute(
            # ordered: the pivot's columns follow the figures' order (a GROUP BY's is not fixed,
            # so two runs on the same files wrote their columns in different orders)
            """SELECT source_file, kind || ':' || figure AS figure, arg_max(value, computed_at) AS value
               FROM ops.quality_figures GROUP BY ALL ORDER BY figure, source_file"""
        ).pl()
        if figures.height:
            wide = figures.pivot(on="figure", index="source_file", values="value")
            base = base.join(wide, on="source_file", how="left")
    return base.sort("source", "period")


def missing_files(monthly: pl.DataFrame) -> pl.DataFrame:
    """Months with no file between a monthly source's first and last file."""
    empty = pl.DataFrame(schema={"source": pl.String, "month": pl.Date})
    if not monthly.height:
        return empty
    months = (
        monthly.filter(pl.col("period").str.contains(r"^\d{4}-\d{2}$"))
        .select("source", month=pl.col("period").str.to_date("%Y-%m"))
        .unique()
    )
    if not months.height:
        return empty
    frame = (
        months.group_by("source")
        .agg(month=pl.date_ranges(pl.col("month").min(), pl.col("month").max(), "1mo"))
        .explode("month")
    )
    return frame.join(months, on=["source", "month"], how="anti").sort("source", "month")


# ------------------------------------------------------------------ seasonal: like for like
def like_for_like(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Stays per former district and check-in month of the establishments the register has open
    through the month and through the same month a year before: now (`n_ll`) and then
    (`b_ll`), and how many of them sent nothing now after sending something then. Empty
    without the register or before a year of history."""
    if not (_exists(con, "staging", "stays") and _exists(con, "staging", "establishments")):
        return pl.DataFrame()
    return con.execute(
        """WITH est_month AS (
                SELECT establishment_id, check_in_month AS month, count(*) AS n
                FROM staging.stays WHERE check_in_month IS NOT NULL GROUP BY ALL),
            ll_months AS (
                SELECT unnest(generate_series(min(month) + INTERVAL 12 MONTH, max(month),
                                              INTERVAL 1 MONTH))::DATE AS month
                FROM est_month),
            pairs AS (
                SELECT c.district_code, m.month, coalesce(cur.n, 0) AS n, coalesce(prev.n, 0) AS b
                FROM staging.establishments e
                JOIN reference.communes_2025 c USING (commune_code)
                CROSS JOIN ll_months m
                LEFT JOIN est_month cur
                    ON cur.establishment_id = e.establishment_id AND cur.month = m.month
                LEFT JOIN est_month prev ON prev.establishment_id = e.establishment_id
                    AND prev.month = (m.month - INTERVAL 12 MONTH)::DATE
                WHERE e.opened_on <= m.month - INTERVAL 12 MONTH
                  AND (e.closed_on IS NULL OR e.closed_on > last_day(m.month)))
            SELECT 'stays' AS source, 'arrivals' AS measure, district_code, month,
                   sum(n)::BIGINT AS n_ll, sum(b)::BIGINT AS b_ll,
                   (count(*) FILTER (WHERE n = 0 AND b > 0))::BIGINT AS silent_establishments
            FROM pairs GROUP BY ALL ORDER BY district_code, month"""
    ).pl()


def seasonal_province(ll: pl.DataFrame, dispersion: dict) -> pl.DataFrame:
    """The seasonal source's check of the whole month (the file): like-for-like stays of the
    province against the same month a year before, scaled by the like-for-like ratio of the
    three months before (growth; 1 until there are any). Tết falls in January or February, so
    February is judged with January (both months against both a year before), January alone is
    not judged, and the growth counts January and February as one."""
    if not ll.height:
        return pl.DataFrame()
    over = ("source", "measure")
    prov = (
        ll.group_by("source", "measure", "month")
        .agg(pl.col("n_ll").sum(), pl.col("b_ll").sum())
        .sort("source", "measure", "month")
        .with_columns(
            pooled=(pl.col("month").dt.month() == 2)
            & (pl.col("month").shift(1).over(over) == pl.col("month").dt.offset_by("-1mo"))
        )
    )
    units = (
        prov.with_columns(
            judged=pl.when("pooled")
            .then(pl.col("n_ll") + pl.col("n_ll").shift(1).over(over))
            .otherwise(pl.col("n_ll")),
            base=pl.when("pooled")
            .then(pl.col("b_ll") + pl.col("b_ll").shift(1).over(over))
            .otherwise(pl.col("b_ll")),
        )
        .filter(pl.col("month").dt.month() != 1)
        .sort("source", "measure", "month")
    )
    n3, b3 = (
        pl.sum_horizontal(*(pl.col(c).shift(k).over(over) for k in (1, 2, 3)))
        for c in ("judged", "base")
    )
    units = (
        units.with_columns(
            g=pl.when(b3 > 0).then((n3 / b3).clip(0.5, 2.0)).otherwise(1.0),
            # relative variance of the growth: Poisson noise of both its sums
            g_rel_var=pl.when(b3 > 0).then(1 / n3.clip(1) + 1 / b3).otherwise(0.0),
        )
        .with_columns(
            expected=pl.col("base") * pl.col("g"),
            basis=pl.when("pooled")
            .then(pl.lit("january_february_last_year_like_for_like"))
            .otherwise(pl.lit("same_month_last_year_like_for_like")),
        )
        .with_columns(
            var=(
                pl.col("expected") * (1 + pl.col("g"))
                + pl.col("expected") ** 2 * pl.col("g_rel_var")
            )
            * pl.col("source").replace_strict(dispersion, default=1.0, return_dtype=pl.Float64),
        )
    )
    return units.select("source", "measure", "month", "judged", "expected", "basis", "var", "g")


# ------------------------------------------------------------------ per former district
def district_signals(
    con: duckdb.DuckDBPyConnection, ll: pl.DataFrame | None = None, floor: dict | None = None
) -> pl.DataFrame:
    """Counts per source, measure, former district and month from the staging tables, on a
    complete frame (a district with nothing in a month counts 0), with what was expected, on
    which basis, and the highlights: `stopped`, `jump` (a rise or a fall: `direction`).

    Non-seasonal sources: against the median of the five months before. The seasonal source
    (stays): the district's like-for-like stays against its own a year before, scaled by how
    the typical district moved over the same year (the median of the districts' like-for-like
    ratios): the season, Tết, the trend and openings or closings raise nothing; a district that
    moves on its own does. (A month that moves everywhere is the file's check.)"""
    if not _exists(con, "reference", "communes_2025"):
        return pl.DataFrame()
    parts = []
    for source, measure, month in SIGNALS:
        if not _exists(con, "staging", source):
            continue
        parts.append(
            f"""SELECT '{source}' AS source, {measure} AS measure, c.district_code,
                       c.district_name, date_trunc('month', s.{month})::DATE AS month,
                       count(*)::BIGINT AS n
                FROM staging.{source} s JOIN reference.communes_2025 c USING (commune_code)
                WHERE s.{month} IS NOT NULL GROUP BY ALL"""
        )
    if not parts:
        return pl.DataFrame()
    frame = con.execute(
        f"""WITH counts AS ({" UNION ALL ".join(parts)}),
            months AS (SELECT source, measure, unnest(generate_series(min(month), max(month),
                              INTERVAL 1 MONTH))::DATE AS month FROM counts GROUP BY ALL),
            districts AS (SELECT DISTINCT district_code, district_name FROM reference.communes_2025),
            frame AS (
                SELECT m.source, m.measure, d.district_code, d.district_name, m.month,
                       coalesce(c.n, 0) AS n
                FROM months m CROSS JOIN districts d
                LEFT JOIN counts c USING (source, measure, district_code, month))
            SELECT *, median(n) OVER ph AS prev_median, count(*) OVER ph AS prev_months,
                   lag(n, 12) OVER p AS n_year_before
            FROM frame
            WINDOW p AS (PARTITION BY source, measure, district_code ORDER BY month),
                   ph AS (p ROWS BETWEEN {HISTORY} PRECEDING AND 1 PRECEDING)
            ORDER BY source, measure, district_code, month"""
    ).pl()
    if ll is None:
        ll = like_for_like(con)
    if floor is None:
        floor = party_dispersion(con)
    keys = ["source", "measure", "district_code", "month"]
    if ll.height:
        # how the typical district changed: the median of the districts' like-for-like ratios
        # (those with MIN_EXPECTED or more a year before), robust to one district's outage
        ratio = (pl.col("n_ll") / pl.col("b_ll")).filter(pl.col("b_ll") >= MIN_EXPECTED)
        month = ("source", "measure", "month")
        ll = ll.with_columns(
            g=pl.coalesce(ratio.median().over(month), pl.lit(1.0)).clip(0.5, 2.0),
            # relative variance of the growth, about that of the province's like-for-like ratio
            g_rel_var=1 / pl.col("n_ll").sum().over(month).clip(1)
            + 1 / pl.col("b_ll").sum().over(month).clip(1),
        )
        frame = frame.join(ll, on=keys, how="left")
    else:
        frame = frame.with_columns(
            n_ll=pl.lit(None, pl.Int64),
            b_ll=pl.lit(None, pl.Int64),
            silent_establishments=pl.lit(None, pl.Int64),
            g=pl.lit(None, pl.Float64),
            g_rel_var=pl.lit(None, pl.Float64),
        )
    seasonal = pl.col("source").is_in(SEASONAL_SOURCES)
    yoy = seasonal & pl.col("b_ll").is_not_null()
    return (
        frame.with_columns(
            basis=pl.when(yoy)
            .then(pl.lit("same_month_last_year_like_for_like_vs_typical_district"))
            .when(pl.col("prev_months") == HISTORY)
            .then(pl.lit("months_before")),
            # the count judged: like for like against a year before, else all of it
            judged=pl.when(yoy).then(pl.col("n_ll")).otherwise(pl.col("n")),
            expected=pl.when(yoy)
            .then(pl.col("b_ll") * pl.col("g"))
            .when(pl.col("prev_months") == HISTORY)
            .then(pl.col("prev_median")),
        )
        .with_columns(
            # Poisson noise of the count and of what it is compared with ...
            var=pl.when(yoy)
            .then(
                pl.col("expected") * (1 + pl.col("g"))
                + pl.col("expected") ** 2 * pl.col("g_rel_var")
            )
            .otherwise(pl.col("expected") * MEDIAN_VAR),
        )
        .with_columns(
            # ... times the source's own dispersion (guests come in parties: stays vary more
            # than a Poisson count), estimated robustly from all its district-months
            dispersion=pl.max_horizontal(
                _dispersion(
                    ((pl.col("judged") - pl.col("expected")) ** 2 / pl.col("var")).filter(
                        pl.col("expected") >= MIN_EXPECTED
                    )
                ).over("source", "measure"),
                pl.col("source").replace_strict(floor, default=1.0, return_dtype=pl.Float64),
            ),
        )
        .with_columns(
            var=pl.col("var") * pl.col("dispersion"),
            # 0 where so many were expected that 0 has a chance below 1/1000 (the dispersion
            # is how many records come together: parties of guests)
            stopped=pl.col("basis").is_not_null()
            & (pl.col("judged") == 0)
            & (
                pl.col("expected")
                >= pl.when(seasonal & ~yoy)
                .then(SEASONAL_STOPPED_MIN_MEAN)
                .otherwise(STOPPED_MIN_MEAN)
                * pl.col("dispersion")
            ),
        )
        .with_columns(
            # before a year of history a seasonal swing is not judged
            direction=pl.when(seasonal & ~yoy)
            .then(None)
            .otherwise(_flag_expr("judged", "expected", "var")),
        )
        .with_columns(
            jump=(pl.col("direction").is_not_null() & ~pl.col("stopped")).fill_null(False),
            stopped=pl.col("stopped").fill_null(False),
            expected=pl.col("expected").round(1),
            g=pl.col("g").round(3),
            dispersion=pl.col("dispersion").round(2),
        )
        .drop("var", "g_rel_var")
    )


def party_dispersion(con: duckdb.DuckDBPyConnection) -> dict:
    """A floor for the dispersion of sources whose records come in groups: guests of one party
    (same establishment, room, check-in day and nights) are one arrival event, so a count of
    stays varies like a compound Poisson count, variance = mean × E[size²] / E[size]."""
    out = {}
    for source, keys in PARTY_KEYS.items():
        if _exists(con, "staging", source) and set(keys.split(", ")) <= _columns(
            con, "staging", source
        ):
            # grouped by one 64-bit hash of the party's columns: half the time of grouping by
            # the four (6 million stays at province scale), and two parties sharing a hash
            # (about one chance in ten million there) would move this floor by nothing visible
            value = con.execute(
                f"""SELECT sum(s * s) / nullif(sum(s), 0) FROM (
                        SELECT count(*) AS s FROM staging.{source} GROUP BY hash({keys}))"""
            ).fetchone()[0]
            out[source] = float(value or 1.0)
    return out


def source_dispersion(signals: pl.DataFrame) -> dict:
    """The dispersion of each source's district counts (the largest over its measures)."""
    if not signals.height:
        return {}
    return dict(signals.group_by("source").agg(pl.col("dispersion").max()).iter_rows())


# ------------------------------------------------------------------ what to check
def _measure(measure: str) -> tuple[str, str]:
    vi, _, en = MEASURE_VI.get(measure, f"{measure} / {measure}").partition(" / ")
    return vi, en


def _vi_en(text: str) -> tuple[str, str]:
    vi, _, en = text.partition(" / ")
    return vi, en or vi


def _source_name(source: str) -> str:
    return SOURCE_INFO.get(source, (f"{source} / {source}", ""))[0]


def _agency(source: str) -> tuple[str, str]:
    return _vi_en(SOURCE_INFO.get(source, ("", "đơn vị cung cấp / the delivering agency"))[1])


def _pct(n, e) -> str:
    return f"{(n - e) / e:+.0%}" if e else ""


def _rerun(month: date | None) -> str:
    if month is None:
        return "python -m dagster_project.run"
    return f"python -m dagster_project.run --months {month:%Y-%m}"


FLAG_SCHEMA = {
    "kind": pl.String,
    "what": pl.String,
    "source": pl.String,
    "source_name": pl.String,
    "where": pl.String,
    "month": pl.Date,
    "seen": pl.Int64,
    "expected": pl.Float64,
    "basis": pl.String,
    "what_to_check_vi": pl.String,
    "what_to_check_en": pl.String,
}


def flags(monthly: pl.DataFrame, signals: pl.DataFrame) -> pl.DataFrame:
    """The list of things to check: one row per flag, with the source, where (a file or a
    former district), the month, what was seen and expected on which basis, and what to do, in
    plain words (Vietnamese, English). A handful at most: the loop runs over flags, never over
    data rows."""
    rows: list[dict] = []
    file_months: set[tuple[str, date]] = set()

    def add(kind, source, where, month, seen, expected, basis, vi, en):
        rows.append(dict(zip(FLAG_SCHEMA, (kind, KIND_VI[kind], source, _source_name(source),
                                           where, month, seen, expected, basis, vi, en),
                             strict=True)))  # fmt: skip

    for source, month in missing_files(monthly).iter_rows():
        file_months.add((source, month))
        name_vi, name_en = _vi_en(_source_name(source))
        agency_vi, agency_en = _agency(source)
        add(
            "missing_file",
            source,
            "toàn tỉnh / whole province",
            month,
            0,
            None,
            "first_to_last_month_delivered",
            f"Không có tệp {name_vi} của tháng {month:%m/%Y}. Yêu cầu {agency_vi} gửi tệp, đặt "
            f"vào thư mục landing rồi chạy `{_rerun(month)}`.",
            f"No {name_en} file for {month:%Y-%m}: ask {agency_en} for it, put it in the "
            f"landing folder and run `{_rerun(month)}`.",
        )
    for r in (
        monthly.filter(pl.col("coverage_jump") | pl.col("quarantine_jump")).iter_rows(named=True)
        if monthly.height
        else []
    ):
        month = _period_month(r["period"])
        if month is not None:
            file_months.add((r["source"], month))
        agency_vi, agency_en = _agency(r["source"])
        if r["coverage_jump"]:
            low = r["rows_flag"] == "low"
            unit_vi, unit_en = (
                ("lượt lưu trú của các cơ sở so sánh được", "comparable stays")
                if r["source"] in SEASONAL_SOURCES
                else ("dòng", "rows")
            )
            basis_vi, basis_en = BASIS_TEXT[r["rows_basis"]]
            seen, expected = r["judged_rows"], r["expected_rows"]
            add(
                "rows_low" if low else "rows_high",
                r["source"],
                r["source_file"],
                month,
                seen,
                expected,
                r["rows_basis"],
                f"Tệp {r['source_file']}: {seen:,} {unit_vi}, dự kiến {expected:,.0f} "
                f"({basis_vi}; {_pct(seen, expected)}). "
                + (
                    f"Hỏi {agency_vi} tệp có đầy đủ không (bị cắt, thiếu xã, huyện hay cơ sở?); "
                    f"nếu thiếu thì gửi lại và chạy `{_rerun(month)}`."
                    if low
                    else "Xem số dòng trùng (reject: DUPLICATE) và hỏi đơn vị cung cấp có gửi "
                    "lặp hoặc gộp tháng khác vào tệp không."
                ),
                f"{r['source_file']}: {seen:,} {unit_en} against {expected:,.0f} expected "
                f"({basis_en}; {_pct(seen, expected)}). "
                + (
                    f"Ask {agency_en} whether the file is complete (cut short, communes, "
                    "districts or establishments missing?); if not, re-deliver it and run "
                    f"`{_rerun(month)}`."
                    if low
                    else "Check the duplicates (reject: DUPLICATE) and ask the agency whether "
                    "records were sent twice or another month's records are in the file."
                ),
            )
        if r["quarantine_jump"]:
            reasons = {
                c.removeprefix("reject:"): r[c]
                for c in monthly.columns
                if c.startswith("reject:") and r.get(c)
            }
            main = max(reasons, key=reasons.get) if reasons else None
            add(
                "quarantine",
                r["source"],
                r["source_file"],
                month,
                r["quarantined"],
                round(r["pooled_share"] * r["rows_in"], 1),
                "share_over_all_files",
                f"{r['quarantined']:,} dòng của {r['source_file']} bị cách ly "
                f"({r['quarantined_share']:.1%}, thường {r['pooled_share']:.1%})"
                + (f", chủ yếu {main} ({reasons[main]:,} dòng)" if main else "")
                + f". Xem quarantine.{r['source']} (cột reason_codes) của tệp này và báo "
                f"{agency_vi} lý do.",
                f"{r['quarantined']:,} rows of {r['source_file']} rejected "
                f"({r['quarantined_share']:.1%}, usually {r['pooled_share']:.1%})"
                + (f", mostly {main} ({reasons[main]:,} rows)" if main else "")
                + f": look at quarantine.{r['source']} (reason_codes) for this file and tell "
                f"{agency_en} why.",
            )
    if signals.height:
        district = signals.filter(pl.col("stopped") | pl.col("jump")).with_columns(
            direction=pl.when(pl.col("stopped")).then(pl.lit("low")).otherwise("direction")
        )
        # a problem of the whole file shows in many districts at once: one flag
        groups = district.group_by("source", "measure", "month", "direction").agg(
            pl.len().alias("districts"),
            pl.col("district_name"),
            pl.col("judged").sum(),
            pl.col("expected").sum(),
        )
        folded = groups.filter(pl.col("districts") >= FOLD_DISTRICTS)
        for r in folded.sort("source", "month").iter_rows(named=True):
            if (r["source"], r["month"]) in file_months:
                continue  # the file's own flag says it
            low = r["direction"] == "low"
            measure_vi, measure_en = _measure(r["measure"])
            agency_vi, agency_en = _agency(r["source"])
            names = ", ".join(sorted(r["district_name"]))
            add(
                "drop" if low else "rise",
                r["source"],
                f"{r['districts']} huyện cũ / former districts",
                r["month"],
                r["judged"],
                round(r["expected"], 1),
                "districts_together",
                f"{measure_vi} tháng {r['month']:%m/%Y} {'giảm' if low else 'tăng'} cùng lúc ở "
                f"{r['districts']} huyện ({names}): tổng {r['judged']:,}, dự kiến "
                f"{r['expected']:,.0f}. Có thể tệp của tháng "
                f"{'thiếu dữ liệu' if low else 'bị gửi lặp'}: kiểm tra tệp với {agency_vi}, "
                f"gửi lại nếu cần và chạy `{_rerun(r['month'])}`.",
                f"{measure_en} of {r['month']:%Y-%m} {'fell' if low else 'rose'} in "
                f"{r['districts']} districts at once ({names}): {r['judged']:,} against "
                f"{r['expected']:,.0f} expected. The file is probably "
                f"{'incomplete' if low else 'duplicated'}: check it with {agency_en}, "
                f"re-deliver it if needed and run `{_rerun(r['month'])}`.",
            )
        singles = district.join(
            folded.select("source", "measure", "month", "direction"),
            on=["source", "measure", "month", "direction"],
            how="anti",
        ).sort("source", "month", "district_name")
        for r in singles.iter_rows(named=True):  # more precise than a file's flag: kept
            add(*_district_flag(r))
    return pl.DataFrame(rows, schema=FLAG_SCHEMA).sort("month", "source", nulls_last=True)


def _period_month(period: str | None) -> date | None:
    try:
        return datetime.strptime(period or "", "%Y-%m").date()
    except ValueError:
        return None


def _district_flag(r: dict) -> tuple:
    measure_vi, measure_en = _measure(r["measure"])
    agency_vi, agency_en = _agency(r["source"])
    units_vi, units_en = (
        ("các xã, cơ sở lưu trú", "communes or establishments")
        if r["source"] == "stays"
        else ("các xã", "communes")
    )
    where, month = r["district_name"], r["month"]
    basis_vi, basis_en = BASIS_TEXT[r["basis"]]
    seen, expected = r["judged"], r["expected"]
    silent = r.get("silent_establishments") or 0
    silent_vi = f" {silent} cơ sở có khách năm trước không gửi thông báo nào." if silent else ""
    silent_en = f" {silent} establishment(s) with guests a year before sent none." if silent else ""
    rerun = _rerun(month)
    if r["stopped"]:
        kind = "stopped"
        vi = (
            f"{where}: không có {measure_vi} nào trong tháng {month:%m/%Y}, dự kiến "
            f"{expected:,.0f} ({basis_vi}).{silent_vi} Hỏi {agency_vi} xem {units_vi} của huyện "
            f"có gửi dữ liệu không; nếu thiếu, gửi lại tệp và chạy `{rerun}`."
        )
        en = (
            f"{where}: no {measure_en} in {month:%Y-%m} where {expected:,.0f} were expected "
            f"({basis_en}).{silent_en} Ask {agency_en} whether the district's {units_en} "
            f"reported; if records are missing, re-deliver the file and run `{rerun}`."
        )
    else:
        low = r["direction"] == "low"
        kind = "drop" if low else "rise"
        pct = _pct(seen, expected)
        vi = (
            f"{where}: {measure_vi} tháng {month:%m/%Y} là {seen:,}, dự kiến {expected:,.0f} "
            f"({basis_vi}; {pct}).{silent_vi} "
            + (
                f"Hỏi {agency_vi} có {units_vi} nào của huyện ngừng gửi dữ liệu không; nếu "
                f"thiếu, gửi lại tệp và chạy `{rerun}`."
                if low
                else "Xem dòng trùng (quarantine, DUPLICATE) và hỏi đơn vị cung cấp có gửi lặp "
                "không, hay có sự kiện thật (lễ hội, cơ sở mới)."
            )
        )
        en = (
            f"{where}: {seen:,} {measure_en} in {month:%Y-%m} against {expected:,.0f} expected "
            f"({basis_en}; {pct}).{silent_en} "
            + (
                f"Ask {agency_en} whether some of the district's {units_en} stopped reporting; "
                f"if so, re-deliver the file and run `{rerun}`."
                if low
                else "Check the duplicates (quarantine, DUPLICATE) and ask the agency whether "
                "records were sent twice, or whether something real happened (a festival, a new "
                "establishment)."
            )
        )
    return (kind, r["source"], where, month, seen, expected, r["basis"], vi, en)


def quality_figures(con: duckdb.DuckDBPyConnection, folder: Path) -> dict:
    """Compute the report's figures from the warehouse connection and write them as Parquet in
    `folder` (quality_monthly, quality_signals, quality_flags); return them for the page
    (reporting.quality_page) and the Dagster metadata (`assets.publish.quality_metadata`)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ll = like_for_like(con)
    signals = district_signals(con, ll)
    seasonal = seasonal_province(ll, source_dispersion(signals))
    monthly = monthly_figures(con, seasonal)
    to_check = flags(monthly, signals)
    monthly.write_parquet(folder / "quality_monthly.parquet")
    signals.write_parquet(folder / "quality_signals.parquet")
    to_check.write_parquet(folder / "quality_flags.parquet")
    flagged = (
        signals.filter(pl.col("stopped") | pl.col("jump")) if signals.height else pl.DataFrame()
    )
    return {
        "monthly": monthly,
        "signals": signals,
        "flagged": flagged,
        "flags": to_check,
        "limits": {
            "z": Z_LIMIT,
            "relative": REL_LIMIT,
            "quarantine_points": QUARANTINE_POINTS,
            "stopped_min_mean": STOPPED_MIN_MEAN,
            "fold_districts": FOLD_DISTRICTS,
        },
        "measure_names": MEASURE_VI,
    }
