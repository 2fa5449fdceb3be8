"""The operators' data-quality page, `DE06_DATA_DIR/operations/quality.html`, from the figures
`marts.quality_report.quality_figures` computes (the Jinja2 template templates/quality.html):
first what to check and what to do, then an overview per source, every file's rows in,
accepted and quarantined, and the counts by former district and month as heat maps (⚠ where
flagged). Aggregates only; the numbers keep the register's integers (no perturbation: the page
never leaves the operators' folder)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
from markupsafe import Markup

from reporting import charts
from reporting.html import ENV

SOURCE_COLUMNS = [
    "period",
    "source_file",
    "rows_in",
    "accepted",
    "quarantined",
    "quarantined_share",
    "coverage",
    "judged_rows",
    "expected_rows",
]


def cell(v, highlight: bool = False) -> dict:
    """A table cell: its text (integers with '.' thousands, shares to three decimals, '-' for
    none) and whether it is highlighted."""
    if v is None:
        text = "-"
    elif isinstance(v, float):
        text = f"{v:,.3f}".replace(",", " ")
    elif isinstance(v, int):
        text = f"{v:,}".replace(",", ".")
    else:
        text = str(v)
    return {"text": text, "hl": highlight}


def source_table(frame: pl.DataFrame) -> dict:
    """One source's files: the fixed columns, then its reason and repair columns that occur."""
    frame = frame.with_columns(pl.col("expected_rows").round(0).cast(pl.Int64))
    extra = [c for c in frame.columns if ":" in c and frame[c].fill_null(0).sum() > 0]
    columns = SOURCE_COLUMNS + sorted(extra)
    rows = [
        [
            cell(
                r.get(c),
                bool(
                    (c in ("judged_rows", "expected_rows") and r["coverage_jump"])
                    or (c in ("quarantined", "quarantined_share") and r["quarantine_jump"])
                ),
            )
            for c in columns
        ]
        for r in frame.iter_rows(named=True)
    ]
    return {"columns": [c.replace(":", ": ") for c in columns], "rows": rows}


def overview(monthly: pl.DataFrame) -> dict:
    summary = (
        monthly.group_by("source")
        .agg(
            files=pl.len(),
            rows_in=pl.col("rows_in").sum(),
            accepted=pl.col("accepted").sum(),
            quarantined=pl.col("quarantined").sum(),
            files_rows_flagged=pl.col("coverage_jump").sum(),
            files_quarantine_flagged=pl.col("quarantine_jump").sum(),
        )
        .sort("source")
    )
    return {
        "columns": summary.columns,
        "rows": [
            [cell(v, k >= 5 and bool(v)) for k, v in enumerate(r)] for r in summary.iter_rows()
        ],
    }


def signal_heatmap(part: pl.DataFrame, title: str) -> Markup:
    """Counts by former district (rows) and month (columns), ⚠ where flagged."""
    wide = part.pivot(on="month", index="district_name", values="n", sort_columns=True)
    marks = part.with_columns(mark=pl.col("stopped") | pl.col("jump")).pivot(
        on="month", index="district_name", values="mark", sort_columns=True
    )
    months = [c for c in wide.columns if c != "district_name"]
    z = wide.select(months).to_numpy()
    flagged = marks.select(months).to_numpy()
    labels = [
        ["⚠ " + str(int(v)) if m else str(int(v)) for v, m in zip(zr, mr, strict=True)]
        for zr, mr in zip(z, flagged, strict=True)
    ]
    fig = charts.house_figure(
        go.Heatmap(
            z=z,
            x=months,
            y=wide["district_name"].to_list(),
            text=labels,
            texttemplate="%{text}",
            colorscale="Blues",
            showscale=False,
            hovertemplate="%{y}, %{x}: %{z}<extra></extra>",
        )
    )
    fig.update_layout(
        title=title,
        height=380,
        margin=dict(l=150, r=20, t=50, b=40),
        yaxis=dict(autorange="reversed"),
    )
    return Markup(fig.to_html(full_html=False, include_plotlyjs=False))


def write_quality_page(path: Path, figures: dict) -> None:
    """Render templates/quality.html from the figures of marts.quality_report.quality_figures."""
    monthly, signals, to_check = figures["monthly"], figures["signals"], figures["flags"]
    names = figures["measure_names"]
    sources = monthly["source"].unique().sort().to_list() if monthly.height else []
    heatmaps = []
    if signals.height:
        for (source, measure), part in signals.group_by(["source", "measure"], maintain_order=True):
            name = names.get(measure, measure)
            heatmaps.append(
                (
                    f"{source}: {name} theo huyện cũ và tháng",
                    signal_heatmap(part, f"{source}: {name} — ⚠: cần kiểm tra / to check"),
                )
            )
    Path(path).write_text(
        ENV.get_template("quality.html").render(
            limits=figures["limits"],
            generated=datetime.now(),
            to_check=to_check.to_dicts(),
            overview=overview(monthly) if monthly.height else None,
            sources=[(s, source_table(monthly.filter(pl.col("source") == s))) for s in sources],
            heatmaps=heatmaps,
        ),
        encoding="utf-8",
    )
