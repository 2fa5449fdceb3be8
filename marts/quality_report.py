"""The data-quality report for the people running the pipeline: `published/reports/quality.html`
(with its figures as `quality_monthly.parquet` and `quality_signals.parquet` beside it, which the
quality notebook reads) and a Dagster metadata section.

Per source and month (the month of the extract file; the snapshot date or year for the others):
rows in, accepted, quarantined by reason, repairs by kind, late registrations and late
notifications, and coverage against the previous month. Per source, former district and month:
the counts of what the extract reports (births, deaths, moves, stays, incidents, violations),
with the months where a count falls to nothing or jumps against the three months before
highlighted, so a district that stopped reporting deaths in March shows on one page.

Everything is read from the warehouse's own bookkeeping (`ops.reconciliation`, `ops.load_log`,
`ops.quality_figures`) and from the staging tables' lineage and grain columns, as aggregates:
no cell value of an extract is ever read into this report.
"""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path

import duckdb
import plotly.graph_objects as go
import polars as pl

# Highlighting thresholds. Small counts move a lot by chance, so a district-month is judged
# against a Poisson count with the mean of the three months before: 0 after a mean of 7 or more
# has a chance below 1/1000 ("stopped reporting"); a jump is a count more than 4 standard
# deviations (√mean) away from that mean. Scale-free: at province scale the same rules see a
# district that stops reporting deaths in any month.
COVERAGE_LOW, COVERAGE_HIGH = 0.7, 1.43  # rows in / rows in of the previous month
STOPPED_MIN_MEAN = 7.0
JUMP_MIN_MEAN = 5.0
JUMP_SD = 4.0
QUARANTINE_JUMP = 0.02  # quarantine share above the source's median by more than 2 points

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


def _exists(con, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def monthly_figures(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per source and extract file: period, rows in, accepted, quarantined, quarantined
    share, coverage against the previous period, then `reject:<REASON>` and `repair:<kind>` /
    `flag:<kind>` columns, and the highlights (`coverage_jump`, `quarantine_jump`)."""
    if not _exists(con, "ops", "reconciliation"):
        return pl.DataFrame()
    has_log = _exists(con, "ops", "load_log")
    period = "coalesce(nullif(l.period, ''), r.source_file)" if has_log else "r.source_file"
    log = (
        (
            "LEFT JOIN (SELECT source_file, arg_max(period, loaded_at) AS period FROM ops.load_log "
            "GROUP BY 1) l USING (source_file)"
        )
        if has_log
        else ""
    )
    base = con.execute(
        f"""SELECT r.source, r.source_file, {period} AS period, r.rows_in,
                   r.rows_staged AS accepted, r.rows_quarantined AS quarantined,
                   round(r.rows_quarantined / nullif(r.rows_in, 0), 4) AS quarantined_share
            FROM ops.reconciliation r {log}"""
    ).pl()
    base = (
        base.sort("source", "period")
        .with_columns(
            coverage=(pl.col("rows_in") / pl.col("rows_in").shift(1).over("source")).round(3),
        )
        .with_columns(
            coverage_jump=(pl.col("coverage") < COVERAGE_LOW)
            | (pl.col("coverage") > COVERAGE_HIGH),
            quarantine_jump=pl.col("quarantined_share")
            > pl.col("quarantined_share").median().over("source") + QUARANTINE_JUMP,
        )
        .with_columns(pl.col("coverage_jump").fill_null(False))
    )
    if _exists(con, "ops", "quality_figures"):
        figures = con.execute(
            """SELECT source_file, kind || ':' || figure AS figure, arg_max(value, computed_at) AS value
               FROM ops.quality_figures GROUP BY ALL"""
        ).pl()
        if figures.height:
            wide = figures.pivot(on="figure", index="source_file", values="value")
            base = base.join(wide, on="source_file", how="left")
    return base.sort("source", "period")


def district_signals(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Counts per source, measure, former district and month from the staging tables, on a
    complete frame (a district with nothing in a month counts 0), with the mean of the three
    months before and the highlights: `stopped` (0 after a mean ≥ 3) and `jump`."""
    if not _exists(con, "reference", "communes_2025"):
        return pl.DataFrame()
    parts = []
    for source, measure, month in SIGNALS:
        if not _exists(con, "staging", source):
            continue
        parts.append(
            f"""SELECT '{source}' AS source, {measure} AS measure, c.district_code,
                       c.district_name, date_trunc('month', s.{month})::DATE AS month, count(*) AS n
                FROM staging.{source} s JOIN reference.communes_2025 c USING (commune_code)
                WHERE s.{month} IS NOT NULL GROUP BY ALL"""
        )
    if not parts:
        return pl.DataFrame()
    return con.execute(
        f"""WITH counts AS ({" UNION ALL ".join(parts)}),
            months AS (SELECT source, measure, unnest(generate_series(min(month), max(month),
                              INTERVAL 1 MONTH))::DATE AS month FROM counts GROUP BY ALL),
            districts AS (SELECT DISTINCT district_code, district_name FROM reference.communes_2025),
            frame AS (
                SELECT m.source, m.measure, d.district_code, d.district_name, m.month,
                       coalesce(c.n, 0) AS n
                FROM months m CROSS JOIN districts d
                LEFT JOIN counts c USING (source, measure, district_code, month)),
            w AS (
                SELECT *, avg(n) OVER (PARTITION BY source, measure, district_code ORDER BY month
                                       ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING) AS prev_mean,
                       count(*) OVER (PARTITION BY source, measure, district_code ORDER BY month
                                      ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING) AS prev_months
                FROM frame)
            SELECT source, measure, district_code, district_name, month, n,
                   round(prev_mean, 2) AS prev_mean,
                   prev_months = 3 AND n = 0 AND prev_mean >= {STOPPED_MIN_MEAN} AS stopped,
                   prev_months = 3 AND prev_mean >= {JUMP_MIN_MEAN}
                       AND abs(n - prev_mean) > {JUMP_SD} * sqrt(prev_mean) AS jump
            FROM w ORDER BY source, measure, district_code, month"""
    ).pl()


# ------------------------------------------------------------------ HTML
def _td(v, highlight: bool = False) -> str:
    if v is None:
        text = "-"
    elif isinstance(v, float):
        text = f"{v:,.3f}".replace(",", " ")
    elif isinstance(v, int):
        text = f"{v:,}".replace(",", ".")
    else:
        text = html.escape(str(v))
    return f"<td class='{'hl' if highlight else ''}'>{text}</td>"


def _source_table(frame: pl.DataFrame) -> str:
    fixed = [
        "period",
        "source_file",
        "rows_in",
        "accepted",
        "quarantined",
        "quarantined_share",
        "coverage",
    ]
    extra = [c for c in frame.columns if ":" in c and frame[c].fill_null(0).sum() > 0]
    cols = fixed + sorted(extra)
    head = "".join(f"<th>{html.escape(c.replace(':', ': '))}</th>" for c in cols)
    rows = []
    for r in frame.iter_rows(named=True):
        cells = []
        for c in cols:
            hl = (c == "coverage" and r["coverage_jump"]) or (
                c in ("quarantined", "quarantined_share") and r["quarantine_jump"]
            )
            cells.append(_td(r.get(c), bool(hl)))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<div class='scroll'><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _signal_heatmap(part: pl.DataFrame, title: str) -> str:
    wide = part.pivot(on="month", index="district_name", values="n", sort_columns=True)
    flags = part.with_columns(mark=pl.col("stopped") | pl.col("jump")).pivot(
        on="month", index="district_name", values="mark", sort_columns=True
    )
    months = [c for c in wide.columns if c != "district_name"]
    z = wide.select(months).to_numpy()
    marks = flags.select(months).to_numpy()
    text = [
        ["⚠ " + str(int(v)) if m else str(int(v)) for v, m in zip(zr, mr, strict=True)]
        for zr, mr in zip(z, marks, strict=True)
    ]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=months,
            y=wide["district_name"].to_list(),
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            showscale=False,
            hovertemplate="%{y}, %{x}: %{z}<extra></extra>",
        )
    )
    fig.update_layout(
        title=title,
        height=380,
        template="plotly_white",
        margin=dict(l=150, r=20, t=50, b=40),
        yaxis=dict(autorange="reversed"),
    )
    return fig.to_html(full_html=False, include_plotlyjs=False)


def write_quality_report(con: duckdb.DuckDBPyConnection, path: Path) -> dict:
    """Write quality.html (and its figures as Parquet beside it) from the warehouse connection;
    return the figures for the Dagster metadata (`dagster_metadata`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    monthly = monthly_figures(con)
    signals = district_signals(con)
    monthly.write_parquet(path.with_name("quality_monthly.parquet"))
    signals.write_parquet(path.with_name("quality_signals.parquet"))

    flagged = (
        signals.filter(pl.col("stopped") | pl.col("jump")) if signals.height else pl.DataFrame()
    )
    sections = []
    if monthly.height:
        summary = (
            monthly.group_by("source")
            .agg(
                files=pl.len(),
                rows_in=pl.col("rows_in").sum(),
                accepted=pl.col("accepted").sum(),
                quarantined=pl.col("quarantined").sum(),
                months_coverage_jump=pl.col("coverage_jump").sum(),
                months_quarantine_jump=pl.col("quarantine_jump").sum(),
            )
            .sort("source")
        )
        head = "".join(f"<th>{c}</th>" for c in summary.columns)
        body = "".join(
            "<tr>" + "".join(_td(v, k >= 5 and bool(v)) for k, v in enumerate(r)) + "</tr>"
            for r in summary.iter_rows()
        )
        sections.append(
            (
                "Tổng quan / Overview",
                f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>",
            )
        )
    if flagged.height:
        rows = "".join(
            f"<tr><td>{r['source']}</td><td>{html.escape(MEASURE_VI.get(r['measure'], r['measure']))}"
            f"</td><td>{html.escape(r['district_name'])}</td><td>{r['month']:%m/%Y}</td>"
            f"<td class='hl'>{r['n']}</td><td>{r['prev_mean']}</td>"
            f"<td>{'ngừng báo cáo / stopped' if r['stopped'] else 'biến động / jump'}</td></tr>"
            for r in flagged.iter_rows(named=True)
        )
        sections.append(
            (
                f"Cần kiểm tra: {flagged.height} tháng bất thường theo huyện / Months to check",
                "<table><thead><tr><th>source</th><th>measure</th><th>former district</th><th>month"
                "</th><th>count</th><th>mean of 3 months before</th><th>why</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>",
            )
        )
    for source in monthly["source"].unique().sort().to_list() if monthly.height else []:
        sections.append(
            (f"Nguồn / source: {source}", _source_table(monthly.filter(pl.col("source") == source)))
        )
    if signals.height:
        for (source, measure), part in signals.group_by(["source", "measure"], maintain_order=True):
            sections.append(
                (
                    f"{source}: {MEASURE_VI.get(measure, measure)} theo huyện cũ và tháng",
                    _signal_heatmap(
                        part,
                        f"{source}: {MEASURE_VI.get(measure, measure)} — "
                        "⚠: ngừng báo cáo hoặc biến động / stopped or jump",
                    ),
                )
            )
    body = "".join(f"<section><h2>{html.escape(t)}</h2>{c}</section>" for t, c in sections)
    path.write_text(
        f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">
<title>Chất lượng dữ liệu / Data quality</title><script src="plotly.min.js"></script>
<style>body{{font-family:system-ui,sans-serif;max-width:1300px;margin:auto;padding:1em}}
table{{border-collapse:collapse;font-size:12px}}td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}
th{{background:#f3f3f3}}td.hl{{background:#ffd7a8;font-weight:bold}}
.scroll{{max-height:420px;overflow:auto;border:1px solid #ddd}}</style></head><body>
<h1>Chất lượng dữ liệu đầu vào / Data quality of the extracts</h1>
<p>For operators: per source and month, rows in = accepted + quarantined (by reason), repairs
by kind, late registrations (<code>repair: late_registration</code>) and late notifications
(<code>flag: late_notification</code>), coverage = rows in / rows in of the previous month
(highlighted outside {COVERAGE_LOW}–{COVERAGE_HIGH}); quarantine share highlighted when more than
{QUARANTINE_JUMP:.0%} above the source's median. Per former district: a month is flagged when
its count falls to 0 after a mean of at least {STOPPED_MIN_MEAN:g} over the three months before
("stopped reporting", a chance below 1/1000 for a Poisson count), or moves more than
{JUMP_SD:g} standard deviations (√mean) away from that mean (from a mean of {JUMP_MIN_MEAN:g}). Aggregates only. Generated {datetime.now():%d/%m/%Y %H:%M}.</p>
{body}</body></html>""",
        encoding="utf-8",
    )
    return {"monthly": monthly, "signals": signals, "flagged": flagged}


def dagster_metadata(figures: dict) -> dict:
    """The quality section of the publish asset's metadata: aggregates only (counts per source
    and the flagged district-months, no extract value)."""
    import dagster as dg
    from tabulate import tabulate

    def md_table(header: list[str], rows) -> str:  # values as they are, no number parsing
        return tabulate(list(rows), headers=header, tablefmt="github", disable_numparse=True)

    monthly, flagged = figures["monthly"], figures["flagged"]
    by_source = []
    if monthly.height:
        by_source = (
            monthly.group_by("source")
            .agg(
                pl.len(),
                pl.col("rows_in").sum(),
                pl.col("accepted").sum(),
                pl.col("quarantined").sum(),
                pl.col("coverage_jump").sum(),
                pl.col("quarantine_jump").sum(),
            )
            .sort("source")
            .iter_rows()
        )
    flag_rows = [
        (
            r["source"],
            r["measure"],
            r["district_name"],
            f"{r['month']:%Y-%m}",
            r["n"],
            r["prev_mean"],
        )
        for r in (flagged.head(50).iter_rows(named=True) if flagged.height else [])
    ]
    return {
        "quality_by_source": dg.MetadataValue.md(
            md_table(
                [
                    "source",
                    "files",
                    "rows in",
                    "accepted",
                    "quarantined",
                    "coverage jumps",
                    "quarantine jumps",
                ],
                by_source,
            )
        ),
        "quality_flagged_district_months": int(flagged.height),
        "quality_flagged": dg.MetadataValue.md(
            md_table(
                ["source", "measure", "former district", "month", "count", "3-month mean"],
                flag_rows,
            )
        ),
        "quality_report": dg.MetadataValue.path("reports/quality.html"),
    }
