"""HTML pages from the Jinja2 templates of reporting/templates/: a report per model, the index
page (`published/index.html`) and the data dictionary page. Every page links back to the
index and to the other pages, and carries the perturbation note."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import jinja2
import plotly.graph_objects as go
import polars as pl
from markupsafe import Markup

from reporting import text
from reporting.charts import figure_html
from reporting.yearbook import Frame, YearbookTable

TEMPLATES = Path(__file__).parent / "templates"
ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
ENV.globals["text"] = text


@dataclass
class Note:
    """A paragraph of plain text under a chart or table (escaped)."""

    text: str


@dataclass
class Section:
    """A report section: a title and its blocks, in order — figures, yearbook tables, frames
    and notes."""

    title: str
    blocks: list = field(default_factory=list)


@dataclass(frozen=True)
class Link:
    href: str
    label: str


INDEX = "index.html"
DICTIONARY = "data_dictionary.html"


def report_name(model: int) -> str:
    return f"model_{model}.html"


def navigation(models: list[tuple[int, str]], root: str = "") -> list[Link]:
    """The links every page carries: the index, each model's report, the data dictionary.
    `root` leads from the page to published/ ('' for pages there, '../' for reports/)."""
    return [
        Link(f"{root}{INDEX}", "Trang đầu / Index"),
        *(Link(f"{root}reports/{report_name(m)}", f"{m}. {title}") for m, title in models),
        Link(f"{root}{DICTIONARY}", "Từ điển dữ liệu / Data dictionary"),
    ]


def _letters(n: int) -> str:
    """0 → 'a', 25 → 'z', 26 → 'ba': ids without digits."""
    out = ""
    while True:
        n, r = divmod(n, 26)
        out = chr(ord("a") + r) + out
        if n == 0:
            return out


def _block(block, height: int = 450, position: int = 0) -> Markup:
    if isinstance(block, go.Figure):  # plotly's own HTML
        return Markup(figure_html(block, height, div_id=f"chart-{_letters(position)}"))
    if isinstance(block, YearbookTable):
        return Markup(ENV.get_template("_yearbook_table.html").render(t=block))
    if isinstance(block, Frame):
        return Markup(ENV.get_template("_frame.html").render(f=block))
    if isinstance(block, Note):
        return Markup("<p class='note'>{}</p>").format(block.text)
    raise TypeError(f"not a report block: {type(block).__name__}")


def yearbook_html(t: YearbookTable) -> str:
    """A yearbook table in HTML: every row (scrolling, never cut)."""
    return str(_block(t))


def render(template: str, **values) -> str:
    return ENV.get_template(template).render(**values)


def write_report(
    path: Path,
    *,
    model: int,
    title: tuple[str, str],
    source: str,
    sections: list[Section],
    nav: list[Link],
    tables: list[YearbookTable],
) -> None:
    """The report of a model: its sections (charts, lists), then every yearbook table whole
    (folded). With no sections (the model's extracts not delivered yet) it says so."""
    rendered, position = [], 0
    for s in sections:  # each figure in an element of its own
        blocks = []
        for b in s.blocks:
            blocks.append(_block(b, 560 if _tall(b) else 450, position))
            position += 1
        rendered.append((s.title, blocks))
    path.write_text(
        render(
            "report.html",
            model=model,
            title=title,
            source=source,
            sections=rendered,
            tables=[(t, _block(t)) for t in tables],
            nav=nav,
            here=path.name,
            generated=datetime.now(),
        ),
        encoding="utf-8",
    )


def _tall(block) -> bool:
    return isinstance(block, go.Figure) and (block.layout.meta or {}).get("kind") in (
        "map",
        "pyramid",
    )


def write_index(
    path: Path,
    *,
    published_at: datetime,
    models: list[dict],
    extracts: pl.DataFrame,
    notebooks: list[dict],
    nav: list[Link],
    protection: dict,
) -> None:
    """published/index.html: what was published when, from which extracts (file names and
    periods, never a cell value), and a link to everything."""
    by_source = (
        extracts.group_by("source", maintain_order=True)
        .agg(
            pl.len().alias("files"),
            pl.col("period").filter(pl.col("period") != "").min().alias("first"),
            pl.col("period").filter(pl.col("period") != "").max().alias("last"),
            pl.col("source_file").sort().alias("names"),
        )
        .sort("source")
        .to_dicts()
    )
    path.write_text(
        render(
            "index.html",
            published_at=published_at,
            models=models,
            sources=by_source,
            notebooks=notebooks,
            nav=nav,
            here=path.name,
            protection=protection,
        ),
        encoding="utf-8",
    )


def write_dictionary(path: Path, dictionary: pl.DataFrame, *, nav: list[Link]) -> None:
    """The data dictionary as a page: one row per published column, grouped by table."""
    tables = [
        (name, rows.to_dicts())
        for (name,), rows in dictionary.group_by("table_name", maintain_order=True)
    ]
    path.write_text(
        render("dictionary.html", tables=tables, nav=nav, here=path.name, generated=datetime.now()),
        encoding="utf-8",
    )
