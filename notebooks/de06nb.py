"""What the analyst notebooks share (notebooks/*.ipynb, written by make_notebooks.py): open the
published marts read-only, the generator's ground truth when there is one, checks with the
tolerances the cell key method allows, Vietnamese numbers and labels, the answer table, and a
guard that a chart draws something.

Published figures are protected by the cell key method: every count of persons or events is
its true value plus a deviation of at most D (3), never 1 or 2, and the same persons have the
same figure in every table. So tables are not additive (a total is counted and perturbed on its
own): a total and the sum of its n parts differ by at most D × (n + 1); cells of the same
persons in two tables are equal; a published count is within D of the true one.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

REPO = Path(__file__).resolve().parent.parent

NOTE_VI = (
    "Số liệu được bảo vệ bằng phương pháp khóa ô (cell key method): mỗi số đếm người hoặc sự "
    "kiện được cộng một sai lệch nhỏ (tối đa ±{D}, không bao giờ công bố 1 hoặc 2); cùng những "
    "người thì cùng một số ở mọi bảng. Các bảng không cộng dồn: tổng của huyện không bằng đúng "
    "tổng các xã, năm không bằng đúng tổng các tháng — mỗi tổng được đếm và làm nhiễu riêng. "
    "Các tỷ lệ tính từ số đã công bố."
)
NOTE_EN = (
    "Figures are protected by the cell key method: every count of persons or events carries a "
    "small deviation (at most ±{D}; 1 and 2 are never published), and the same persons have the "
    "same figure in every table. Tables are not additive: a district is not exactly the sum of "
    "its communes, nor a year the sum of its months — every total is counted and perturbed on "
    "its own. Rates are computed from the published counts."
)

SEX = {"Nam": "Nam / male", "Nữ": "Nữ / female", "Tổng": "Tổng / total"}
ORIGIN = {
    "domestic": "Khách nội địa / domestic",
    "international": "Khách quốc tế / international",
    "all": "Tổng / all",
}
ESTABLISHMENT_TYPES = {
    "hotel_5star": "Khách sạn 5 sao / 5-star hotel",
    "hotel_4star": "Khách sạn 4 sao / 4-star hotel",
    "hotel_3star": "Khách sạn 3 sao / 3-star hotel",
    "hotel_2star": "Khách sạn 2 sao / 2-star hotel",
    "hotel_1star": "Khách sạn 1 sao / 1-star hotel",
    "guesthouse": "Nhà khách / guesthouse",
    "motel": "Nhà nghỉ / motel",
    "homestay": "Nhà ở có phòng cho khách thuê / homestay",
    "rental_room": "Phòng trọ cho thuê / rental room",
    "industrial_housing": "Nhà ở công nhân / workers' housing",
    "hospital": "Bệnh viện / hospital",
    "long_distance_bus": "Xe khách đường dài / long-distance bus",
    "all": "Tổng / all",
}
VEHICLE_TYPES = {
    "motorbike": "Xe máy / motorbike",
    "car": "Ô tô con / car",
    "truck": "Xe tải / truck",
    "bus": "Xe khách / bus",
    "all": "Tổng / all",
}


def _violation_groups() -> dict[str, str]:
    """Violation groups with their Vietnamese and English names (reference data)."""
    path = REPO / "sources" / "reference" / "violation_codes.csv"
    labels = {"other": "Hành vi khác / other", "all": "Tổng / all"}
    if path.exists():
        ref = pl.read_csv(path, infer_schema=False)
        labels |= {
            g: f"{vi} / {en}"
            for g, vi, en in ref.select("violation_group", "name_vi", "name_en").iter_rows()
        }
    return labels


VIOLATION_GROUPS = _violation_groups()


def data_dir() -> Path:
    """DE06_DATA_DIR, the pipeline's own setting (default: data/ in the repository)."""
    folder = Path(os.environ.get("DE06_DATA_DIR") or REPO / "data")
    return folder if folder.is_absolute() else REPO / folder


@dataclass
class Published:
    """The published marts, read-only (never the pipeline's warehouse: a notebook can never
    block a run), with the perturbation's parameters read from the published audit."""

    con: duckdb.DuckDBPyConnection
    folder: Path
    D: int  # largest deviation of a published count
    JS: int  # counts 1 … JS are never published
    tables: set[str] = field(default_factory=set)

    def sql(self, query: str, params: list | None = None) -> pl.DataFrame:
        return self.con.execute(query, params or []).pl()

    def one(self, query: str, params: list | None = None):
        return self.con.execute(query, params or []).fetchone()[0]


def open_published() -> Published:
    folder = data_dir() / "published"
    path = folder / "marts.duckdb"
    if not path.exists():
        raise FileNotFoundError(
            f"{path} does not exist: run `make run` first, or set DE06_DATA_DIR to the data "
            "folder of a run (analysts: the share's folder, DE06_SHARE_DIR)"
        )
    con = duckdb.connect(str(path), read_only=True)
    tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    D, min_cell = 3, 3
    if "disclosure_audit" in tables:
        D, min_cell = con.execute("SELECT max_deviation, min_cell FROM disclosure_audit").fetchone()
    return Published(con, folder, int(D), int(min_cell) - 1, tables)


def ground_truth_dir() -> Path | None:
    folder = os.environ.get("DE06_GROUND_TRUTH")
    return Path(folder) if folder else None


def truth(domain: str) -> dict | None:
    """The generator's ground truth of a synthetic landing (DE06_GROUND_TRUTH, which the tests
    set), or None for real extracts."""
    folder = ground_truth_dir()
    if folder is None:
        return None
    return json.loads((folder / f"{domain}.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------ display
def vn(value, decimals: int = 0) -> str:
    """A number as Vietnamese texts write it: 1.234.567,8."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def pct_change(new, old) -> str:
    if not old or new is None:
        return "-"
    return f"{(new - old) / old * 100:+.1f} %".replace(".", ",")


def note(pub: Published) -> None:
    from IPython.display import Markdown, display

    display(Markdown(f"> {NOTE_VI.format(D=pub.D)}\n>\n> *{NOTE_EN.format(D=pub.D)}*"))


def answers(rows: list[tuple[str, str]]) -> None:
    """The notebook's questions and their answers, as a table at the top."""
    from IPython.display import Markdown, display

    body = "\n".join(f"| {q} | {a.replace('|', '/')} |" for q, a in rows)
    display(Markdown(f"| Câu hỏi / question | Trả lời / answer |\n|---|---|\n{body}"))


def numbers_drawn(values) -> int:
    """How many finite numbers a trace's axis holds: a list, an array, or plotly's encoded
    typed array ({"dtype": …, "bdata": …}, as figures are written to notebook outputs)."""
    import base64

    import numpy as np
    import pandas as pd

    if values is None:
        return 0
    if isinstance(values, dict) and "bdata" in values:
        values = np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
    flat = pd.Series(np.asarray(values, dtype=object).ravel())
    return int(np.isfinite(pd.to_numeric(flat, errors="coerce").astype(float)).sum())


def drawn(fig):
    """The figure, after checking that every trace draws at least one number (a chart that
    draws nothing must fail, not show an empty frame)."""
    data = fig["data"] if isinstance(fig, dict) else fig.data
    assert data, "the chart has no trace"
    for trace in data:
        get = trace.get if isinstance(trace, dict) else lambda axis, t=trace: getattr(t, axis, None)
        assert sum(numbers_drawn(get(axis)) for axis in ("x", "y", "z", "values")), (
            f"a trace draws nothing: {get('name')!r}"
        )
    return fig


# ------------------------------------------------------------------ checks
def sum_check(frame: pl.DataFrame, by: list[str], is_total: pl.Expr, value: str, D: int):
    """Per group of `by`: the published total, the sum of its published parts, the number of
    parts, and whether they agree within the perturbation: |total − Σ parts| ≤ D × (parts + 1)
    (each part and the total are each within D of their true values, and the true values add
    up). Returns one row per group with `gap`, `tolerance`, `ok`."""
    totals = frame.filter(is_total).select(*by, total=pl.col(value))
    parts = frame.filter(~is_total).group_by(by).agg(parts_sum=pl.col(value).sum(), parts=pl.len())
    return (
        totals.join(parts, on=by, how="inner")
        .with_columns(
            gap=(pl.col("total") - pl.col("parts_sum")).abs(),
            tolerance=D * (pl.col("parts") + 1),
        )
        .with_columns(ok=pl.col("gap") <= pl.col("tolerance"))
        .sort(by)
    )


def all_check(frame: pl.DataFrame, by: list[str], column: str, other: str, value: str, D: int):
    """sum_check of the 'all' row of `column` against its other values, on the rows where
    `other` (the frame's second breakdown) is 'all'."""
    return sum_check(frame.filter(pl.col(other) == "all"), by, pl.col(column) == "all", value, D)


def year_check(yearly: pl.DataFrame, monthly: pl.DataFrame, by: list[str], value: str, D: int):
    """sum_check of each year's published figure (`yearly`, a yearly mart) against the sum of its
    published months (`monthly`, the monthly mart with the same `by` columns, `year` among
    them): tables are not additive, so they agree within D × (months + 1), not exactly."""
    return sum_check(
        pl.concat(
            [
                yearly.select(*by, value, is_year=True),
                monthly.select(*by, value, is_year=False),
            ]
        ),
        by,
        pl.col("is_year"),
        value,
        D,
    )


def within(published, true, D: int, JS: int = 2) -> bool:
    """A published count as the cell key method may publish the true one: within D, never
    1 … JS, a true zero published as zero."""
    if true == 0:
        return published == 0
    return abs(published - true) <= D and not (1 <= published <= JS)


def against_truth(
    published: pl.DataFrame,
    true: pl.DataFrame,
    on: list[str],
    D: int,
    JS: int = 2,
    absent_is_zero: bool = False,
) -> pl.DataFrame:
    """Published figures (`on` + `published`) against the truth (`on` + `true`): the deviation
    and whether the cell key method may have published it (within D, never 1 … JS, a true zero
    as zero). Every truth row needs its published cell (a missing one fails); with
    absent_is_zero, every published cell is checked and a cell the truth does not list is a
    true zero (complete frames such as nationalities)."""
    if absent_is_zero:
        joined = published.join(true, on=on, how="left").with_columns(pl.col("true").fill_null(0))
    else:
        joined = true.join(published, on=on, how="left")
    return joined.with_columns(
        deviation=pl.col("published") - pl.col("true"),
        ok=pl.when(pl.col("true") == 0)
        .then(pl.col("published") == 0)
        .otherwise(
            ((pl.col("published") - pl.col("true")).abs() <= D)
            & ~pl.col("published").is_between(1, JS)
        )
        .fill_null(False),
    )


def small_count(count: pl.Expr, D: int) -> pl.Expr:
    """A rate whose numerator is under 10 × D: the perturbation alone (±D) can move it by more
    than 10 %. Marked ⚠ in tables, with the note SMALL_NOTE."""
    return count < 10 * D


SMALL_NOTE = (
    "⚠ số nhỏ: tử số dưới 10 × {D}, sai lệch ±{D} có thể làm tỷ lệ thay đổi hơn 10 % / small "
    "count: the numerator is under 10 × {D}, the perturbation alone can move the rate by more "
    "than 10 %"
)


def hierarchy_check(frame: pl.DataFrame, value: str, keys: list[str], D: int) -> pl.DataFrame:
    """sum_check of each province against its former districts and each district against its
    2025 communes (`area_level`, `area_code`, `parent_code` as the marts give them), per `keys`
    (e.g. the reference date)."""
    totals = frame.filter(pl.col("area_level") != "commune").select(
        *keys, group=pl.col("area_code"), level=pl.col("area_level"), v=pl.col(value), t=True
    )
    parts = frame.filter(pl.col("area_level") != "province").select(
        *keys,
        group=pl.col("parent_code"),
        level=pl.when(pl.col("area_level") == "commune")
        .then(pl.lit("district"))
        .otherwise(pl.lit("province")),
        v=pl.col(value),
        t=False,
    )
    return sum_check(pl.concat([totals, parts]), [*keys, "level", "group"], pl.col("t"), "v", D)


def symmetric_ticks(maximum: float, n: int = 3) -> tuple[list[float], list[str]]:
    """Tick values and Vietnamese labels for a chart drawn both ways from 0 (a pyramid): the
    labels are counts, never negative."""
    if not maximum or maximum <= 0:
        return [0], ["0"]
    step = 10 ** math.floor(math.log10(maximum / n))
    for factor in (1, 2, 5, 10):
        if maximum / (step * factor) <= n:
            step *= factor
            break
    values = [step * k for k in range(-n, n + 1) if abs(step * k) <= maximum * 1.05]
    return values, [vn(abs(v)) for v in values]
