"""Writes the analyst notebooks from readable cell sources (run: python notebooks/make_notebooks.py).
Keeping the cells here keeps the .ipynb files free of outputs and easy to review."""

from pathlib import Path

import nbformat as nbf

HERE = Path(__file__).parent

OPEN_PUBLISHED = '''\
import os
from pathlib import Path

import duckdb
import plotly.express as px
import polars as pl

# Notebooks read the published copy only, never the pipeline's warehouse, so they can never
# block a run. DE06_DATA_DIR is the same setting the pipeline uses (default: data/ in the repo).
repo = Path.cwd() if (Path.cwd() / "pyproject.toml").exists() else Path.cwd().parent
data_dir = Path(os.environ.get("DE06_DATA_DIR") or repo / "data")
if not data_dir.is_absolute():
    data_dir = repo / data_dir
con = duckdb.connect(str(data_dir / "published" / "marts.duckdb"), read_only=True)
con.sql("SELECT mart, model, title_vi, title_en, grain FROM catalogue ORDER BY model, mart").pl()'''

NOTEBOOKS = {
    "36_population.ipynb": [
        ("md", "# Mô hình 36 — Tình hình dân cư / Model 36 — Population situation\n\n"
               "Khám phá các bảng tổng hợp đã công bố (`published/marts.duckdb`). Ô có cờ `c` bị ẩn "
               "để bảo vệ dữ liệu cá nhân. / Explore the published marts; cells flagged `c` are "
               "suppressed small counts."),
        ("code", OPEN_PUBLISHED),
        ("md", "## Tháp dân số / Population pyramid (province, latest reference date)"),
        ("code", '''\
latest = con.sql("SELECT max(ref_date) FROM population_by_age_sex").fetchone()[0]
pyramid = con.sql(f"""
    SELECT age_group, sex, population,
           CASE WHEN sex = 'Nam' THEN -population ELSE population END AS signed
    FROM population_by_age_sex
    WHERE area_level = 'province' AND ref_date = DATE '{latest}'
""").pl()
fig = px.bar(pyramid, x="signed", y="age_group", color="sex", orientation="h",
             title=f"Tháp dân số / population pyramid, {latest}")
fig.update_layout(barmode="relative", yaxis={"categoryorder": "array",
                  "categoryarray": pyramid.filter(pl.col("sex") == "Nam")["age_group"].to_list()})
fig'''),
        ("md", "## Chỉ tiêu theo huyện cũ / Indicators by former district"),
        ("code", '''\
con.sql(f"""
    SELECT area_name, population, sex_ratio, median_age, total_dependency_ratio, ageing_index,
           avg_household_size, density_per_km2
    FROM population_indicators
    WHERE area_level = 'district' AND ref_date = DATE '{latest}'
    ORDER BY population DESC NULLS LAST
""").pl()'''),
        ("md", "## Biến động hằng tháng / Monthly change (province)"),
        ("code", '''\
change = con.sql("""
    SELECT month, births, deaths, in_migrants, out_migrants, population_end
    FROM population_change WHERE area_level = 'province' ORDER BY month
""").pl()
assert (change["population_end"] > 0).all()
px.line(change.unpivot(index="month", on=["births", "deaths", "in_migrants", "out_migrants"]),
        x="month", y="value", color="variable", markers=True,
        title="Sinh, chết, di cư / births, deaths, migration")'''),
        ("md", "## Tỷ suất / Rates"),
        ("code", '''\
con.sql("""
    SELECT year, area_name, crude_birth_rate, crude_death_rate, natural_increase_rate,
           net_migration_rate, sex_ratio_at_birth
    FROM population_rates WHERE area_level IN ('province', 'district')
    ORDER BY year, area_level DESC, area_code
""").pl()'''),
    ],
}


def build(cells) -> nbf.NotebookNode:
    nb = nbf.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbf.v4.new_markdown_cell(src) if kind == "md" else nbf.v4.new_code_cell(src)
                for kind, src in cells]
    return nb


if __name__ == "__main__":
    for name, cells in NOTEBOOKS.items():
        nbf.write(build(cells), HERE / name)
        print("wrote", HERE / name)
