"""Writes the analyst notebooks from the readable cell sources below
(run: `.venv/bin/python notebooks/make_notebooks.py`). Keeping the cells here keeps the .ipynb
files free of outputs and their review a diff of Python.

Every notebook reads `published/` only (DE06_DATA_DIR), answers its model's questions (who,
where, trend, former districts against 2025 communes) and checks a figure it shows against an
independent computation: the published tables by another route, and, when DE06_GROUND_TRUTH
points at a generator manifest (the tests do), the synthetic sample's ground truth.
"""

from pathlib import Path

import nbformat as nbf

HERE = Path(__file__).parent

OPEN_PUBLISHED = """\
import json
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
published = data_dir / "published"
con = duckdb.connect(str(published / "marts.duckdb"), read_only=True)
# Ground truth exists for the synthetic sample only (the tests set DE06_GROUND_TRUTH).
truth_dir = os.environ.get("DE06_GROUND_TRUTH")
truth = (lambda domain: json.loads((Path(truth_dir) / f"{domain}.json").read_text("utf-8"))) if truth_dir else None
tables = {r[0] for r in con.sql("SELECT table_name FROM information_schema.tables").fetchall()}
con.sql("SELECT mart, model, title_vi, title_en, grain FROM catalogue ORDER BY model, mart").pl()"""

SUPPRESSED_NOTE = (
    "Ô bị ẩn: giá trị NULL và cột `<count>_flag = 'c'` — không bao giờ coi là 0. "
    "/ A suppressed cell is NULL with `<count>_flag = 'c'`: never read it as 0."
)

NOTEBOOKS = {
    "36_population.ipynb": [
        (
            "md",
            "# Mô hình 36 — Tình hình dân cư / Model 36 — Population situation\n\n"
            "Ai, ở đâu, xu hướng, so sánh huyện cũ và xã 2025. / Who, where, the trend, former "
            "districts against 2025 communes.\n\n" + SUPPRESSED_NOTE,
        ),
        ("code", OPEN_PUBLISHED),
        ("md", "## Ai: tháp dân số / Who: the population pyramid (province, latest date)"),
        (
            "code",
            '''\
latest = con.sql("SELECT max(ref_date) FROM population_by_age_sex").fetchone()[0]
pyramid = con.sql(f"""
    SELECT age_group, sex, population::BIGINT AS population, population_flag,
           CASE WHEN sex = 'Nam' THEN -population ELSE population END AS signed,
           try_cast(regexp_extract(age_group, '^[0-9]+') AS INTEGER) AS age_from
    FROM population_by_age_sex
    WHERE area_level = 'province' AND ref_date = DATE '{latest}' ORDER BY age_from
""").pl()
fig = px.bar(pyramid, x="signed", y="age_group", color="sex", orientation="h",
             title=f"Tháp dân số / population pyramid, {latest:%d/%m/%Y}")
fig.update_layout(barmode="relative", yaxis={"categoryorder": "array",
                  "categoryarray": pyramid["age_group"].unique(maintain_order=True).to_list()})
fig''',
        ),
        (
            "md",
            "Kiểm tra / check: the province population of `population_indicators` equals the "
            "sum of its age-sex cells (another published table), and the sample's ground truth.",
        ),
        (
            "code",
            '''\
province = con.sql(f"""SELECT population, males, females FROM population_indicators
                       WHERE area_level = 'province' AND ref_date = DATE '{latest}'""").fetchone()
assert pyramid["population_flag"].is_null().all(), "province cells are never suppressed"
assert province[0] == pyramid["population"].sum(), (province, pyramid["population"].sum())
if truth:
    assert province[0] == truth("population")["population_at"][str(latest)]["total"]
print(f"Dân số tỉnh {latest:%d/%m/%Y}: {province[0]:,} (nam {province[1]:,}, nữ {province[2]:,})")''',
        ),
        ("md", "## Ở đâu: huyện cũ và xã 2025 / Where: former districts and 2025 communes"),
        (
            "code",
            '''\
areas = con.sql(f"""
    SELECT area_level, area_code, area_name, parent_code, population::BIGINT AS population, population_flag,
           sex_ratio, median_age, total_dependency_ratio, ageing_index, density_per_km2
    FROM population_indicators WHERE area_level <> 'province' AND ref_date = DATE '{latest}'
""").pl()
districts = areas.filter(pl.col("area_level") == "district").sort("population", descending=True)
districts''',
        ),
        (
            "code",
            """\
# Communes beside their former district: each district is the sum of its 2025 communes.
communes = areas.filter(pl.col("area_level") == "commune")
check = (communes.group_by("parent_code")
         .agg(commune_sum=pl.col("population").sum(), suppressed=pl.col("population_flag").is_not_null().sum())
         .join(districts.select(pl.col("area_code").alias("parent_code"), "area_name", "population"),
               on="parent_code"))
complete = check.filter(pl.col("suppressed") == 0)
assert complete.height and (complete["commune_sum"] == complete["population"]).all()
# (suppressed communes have no size to draw: they are listed in the table above, not drawn as 0)
px.scatter(communes.drop_nulls("population").join(districts.select(pl.col("area_code").alias("parent_code"),
                                          pl.col("area_name").alias("district")), on="parent_code"),
           x="median_age", y="density_per_km2", size="population", color="district",
           hover_name="area_name", log_y=True,
           title="Xã, phường 2025: tuổi trung vị và mật độ / 2025 communes: median age and density")""",
        ),
        ("md", "## Xu hướng / Trend: births, deaths and migration by month (province)"),
        (
            "code",
            '''\
change = con.sql("""
    SELECT month, births, deaths, in_migrants, out_migrants, population_end
    FROM population_change WHERE area_level = 'province' ORDER BY month
""").pl()
rates = con.sql("""SELECT year, births, crude_birth_rate, crude_death_rate, net_migration_rate
                   FROM population_rates WHERE area_level = 'province' ORDER BY year""").pl()
# The year's births (population_rates) equal the sum of the province's months (population_change).
by_year = change.group_by(pl.col("month").dt.year().alias("year")).agg(pl.col("births").sum())
assert rates.join(by_year, on="year").select((pl.col("births") == pl.col("births_right")).all()).item()
if truth:
    monthly = truth("population")["monthly"]
    assert change["births"].to_list() == [monthly[f"{m:%Y-%m}"]["births"] for m in change["month"]]
px.line(change.unpivot(index="month", on=["births", "deaths", "in_migrants", "out_migrants"]),
        x="month", y="value", color="variable", markers=True,
        title="Sinh, chết, di cư / births, deaths, migration")''',
        ),
        ("md", "## So sánh / Comparison: crude rates by former district"),
        (
            "code",
            '''\
con.sql("""
    SELECT year, area_name, births, births_flag, crude_birth_rate, crude_death_rate,
           natural_increase_rate, net_migration_rate
    FROM population_rates WHERE area_level IN ('province', 'district')
    ORDER BY year, area_level DESC, area_code
""").pl()''',
        ),
    ],
    "37_labour.ipynb": [
        (
            "md",
            "# Mô hình 37 — Tình hình lao động / Model 37 — Labour situation\n\n"
            "Số liệu từ cơ sở dữ liệu đăng ký (ILO ICLS 19, 15+), không phải điều tra. / "
            "Register-based figures.\n\n" + SUPPRESSED_NOTE,
        ),
        ("code", OPEN_PUBLISHED),
        ("md", "## Ai: lực lượng lao động theo giới tính / Who: labour force by sex (province)"),
        (
            "code",
            '''\
prov = con.sql("""
    SELECT year, sex, working_age_population, labour_force, employed, unemployed,
           outside_labour_force, labour_force_participation_rate, unemployment_rate,
           informal_employment_rate
    FROM labour_indicators WHERE area_level = 'province' AND age_band = 'Tổng' ORDER BY year, sex
""").pl()
total = prov.filter(pl.col("sex") == "Tổng")
# Labour force = employed + unemployed; the published rate recomputed from the published counts.
assert (total["labour_force"] == total["employed"] + total["unemployed"]).all()
recomputed = (total["labour_force"] / (total["labour_force"] + total["outside_labour_force"]) * 100).round(2)
assert ((recomputed - total["labour_force_participation_rate"]).abs() < 0.01).all()
if truth:
    for year, lf, ur in total.select("year", "labour_force", "unemployment_rate").iter_rows():
        gt = truth("labour")["years"][str(year)]["province"]["Tổng"]
        assert lf == gt["labour_force"] and abs(ur - gt["unemployment_rate"]) < 0.01
prov''',
        ),
        (
            "code",
            """\
px.bar(prov.filter(pl.col("sex") != "Tổng"), x="sex", y="unemployment_rate", color="sex",
       facet_col="year", title="Tỷ lệ thất nghiệp theo giới tính (%) / unemployment rate by sex")""",
        ),
        ("md", "## Ở đâu: huyện cũ và xã 2025 / Where: former districts and 2025 communes"),
        (
            "code",
            '''\
areas = con.sql("""
    SELECT year, area_level, area_code, area_name, parent_code, labour_force, labour_force_flag,
           unemployment_rate, informal_employment_rate
    FROM labour_indicators WHERE area_level <> 'province' AND sex = 'Tổng' AND age_band = 'Tổng'
""").pl()
latest = areas["year"].max()
districts = areas.filter((pl.col("area_level") == "district") & (pl.col("year") == latest))
px.bar(districts.sort("unemployment_rate"), x="area_name", y="unemployment_rate",
       title=f"Tỷ lệ thất nghiệp theo huyện cũ, {latest} (%) / by former district")''',
        ),
        (
            "code",
            """\
# 2025 communes ranked within their former district; suppressed rates stay empty (NULL), never 0.
(areas.filter((pl.col("area_level") == "commune") & (pl.col("year") == latest))
      .join(districts.select(pl.col("area_code").alias("parent_code"), pl.col("area_name").alias("district")),
            on="parent_code")
      .sort("district", "unemployment_rate", descending=[False, True], nulls_last=True)
      .select("district", "area_name", "labour_force", "labour_force_flag", "unemployment_rate"))""",
        ),
        ("md", "## Xu hướng và cơ cấu / Trend and structure: sectors, youth"),
        (
            "code",
            '''\
sector = con.sql("""SELECT year, broad_sector_name, sum(employed) AS employed
                    FROM employment_by_sector WHERE area_level = 'province' AND sex = 'Tổng'
                    GROUP BY ALL ORDER BY year, 2""").pl()
# Province sector cells are published: their sum is the province's employed.
assert (sector.group_by("year").agg(pl.col("employed").sum()).sort("year")["employed"]
        == total.sort("year")["employed"]).all()
youth = con.sql("""SELECT year, sex, youth_unemployment_rate, neet_rate FROM youth_indicators
                   WHERE area_level = 'province' ORDER BY year, sex""").pl()
display(youth)
px.bar(sector, x="year", y="employed", color="broad_sector_name",
       title="Lao động có việc làm theo khu vực / employed by broad sector")''',
        ),
    ],
    "38_tourism.ipynb": [
        (
            "md",
            "# Mô hình 38 — Du lịch qua thông báo lưu trú / Model 38 — Tourism through lodging\n\n"
            "IRTS 2008: lượt khách, đêm lưu trú, công suất, nguồn khách, mùa vụ, chấp hành. / "
            "Arrivals, nights, occupancy, origin, seasonality, compliance.\n\n" + SUPPRESSED_NOTE,
        ),
        ("code", OPEN_PUBLISHED),
        ("md", "## Xu hướng, mùa vụ / Trend and seasonality (province)"),
        (
            "code",
            '''\
season = con.sql("""
    SELECT month, arrivals, guest_nights, average_length_of_stay, room_occupancy_rate
    FROM tourism_monthly
    WHERE area_level = 'province' AND establishment_type = 'all' AND guest_origin = 'all'
    ORDER BY month
""").pl()
# Average length of stay recomputed from the published arrivals and nights.
assert ((season["guest_nights"] / season["arrivals"] - season["average_length_of_stay"]).abs() < 0.01).all()
if truth:
    gt = truth("lodging")["monthly"]
    assert season["arrivals"].to_list() == [gt[f"{m:%Y-%m}"]["province"]["arrivals"] for m in season["month"]]
px.bar(season, x="month", y="guest_nights", title="Đêm lưu trú hằng tháng / guest-nights by month")''',
        ),
        ("md", "## Ai: nguồn khách và quốc tịch / Who: origin and nationality"),
        (
            "code",
            '''\
origin = con.sql("""SELECT month, guest_origin, arrivals, arrivals_flag FROM tourism_monthly
                    WHERE area_level = 'province' AND establishment_type = 'all'
                      AND guest_origin <> 'all' ORDER BY month""").pl()
nat = con.sql("""SELECT nationality, count(*) FILTER (WHERE arrivals_flag = 'c') AS suppressed_months,
                        sum(arrivals) AS published_arrivals
                 FROM tourism_by_nationality WHERE nationality <> 'VNM'
                 GROUP BY 1 ORDER BY published_arrivals DESC NULLS LAST""").pl()
display(nat)  # published_arrivals is a lower bound wherever suppressed_months > 0
px.line(origin, x="month", y="arrivals", color="guest_origin", markers=True,
        title="Khách nội địa và quốc tế / domestic and international arrivals")''',
        ),
        ("md", "## Ở đâu: huyện cũ và xã 2025 / Where: former districts and 2025 communes"),
        (
            "code",
            '''\
areas = con.sql("""
    SELECT area_level, area_name, parent_code, area_code, month, arrivals, arrivals_flag,
           room_occupancy_rate
    FROM tourism_monthly
    WHERE area_level <> 'province' AND establishment_type = 'all' AND guest_origin = 'all'
""").pl()
last = areas["month"].max()
(areas.filter(pl.col("month") == last)
      .sort("area_level", "arrivals", descending=[True, True], nulls_last=True)
      .select("area_level", "area_name", "arrivals", "arrivals_flag", "room_occupancy_rate"))''',
        ),
        ("md", "## Chấp hành / Compliance: late notifications by establishment type"),
        (
            "code",
            '''\
late = con.sql("""SELECT month, establishment_type, notifications, late_notifications, late_share
                  FROM lodging_compliance WHERE area_level = 'province' ORDER BY month""").pl()
px.line(late.filter(pl.col("establishment_type") == "all"), x="month", y="late_share",
        title="Tỷ lệ thông báo quá hạn / share of late notifications")''',
        ),
    ],
    "39_public_order.ipynb": [
        (
            "md",
            "# Mô hình 39 — Trật tự, an toàn xã hội / Model 39 — Public order and social safety\n\n"
            "Vụ việc theo nhóm ICCS và địa bàn, tỷ lệ trên 100.000 dân, làm rõ, vi phạm giao "
            "thông. Số năm lấy từ bảng năm (`public_order_yearly`) khi có; không cộng tháng có "
            "ô bị ẩn. / Yearly figures from the yearly marts when published; never sums of "
            "months with holes.\n\n" + SUPPRESSED_NOTE,
        ),
        ("code", OPEN_PUBLISHED),
        (
            "md",
            "## Xu hướng: số vụ theo năm và tháng / Trend: incidents by year and month (province)",
        ),
        (
            "code",
            '''\
monthly = con.sql("""SELECT month, incidents, incidents_flag, cleared, clearance_rate, rate_per_100k
                     FROM public_order_monthly
                     WHERE area_level = 'province' AND upper(iccs_section) = 'ALL' ORDER BY month""").pl()
if "public_order_yearly" in tables:
    yearly = con.sql("""SELECT year, incidents, cleared, clearance_rate, rate_per_100k
                        FROM public_order_yearly
                        WHERE area_level = 'province' AND upper(iccs_section) = 'ALL' ORDER BY year""").pl()
else:  # a year from its months only when all 12 are published
    yearly = (monthly.group_by(pl.col("month").dt.year().alias("year"))
              .agg(pl.col("incidents").sum(), pl.col("cleared").sum(),
                   holes=pl.col("incidents_flag").is_not_null().sum(), months=pl.len())
              .filter((pl.col("holes") == 0) & (pl.col("months") == 12)).sort("year"))
if truth:
    gt = truth("public_order")["incidents"]["by_month"]
    for year, n in yearly.select("year", "incidents").iter_rows():
        assert n == sum(v["incidents"] for k, v in gt.items() if k.startswith(str(year))), year
assert yearly.height >= 1
yearly''',
        ),
        (
            "code",
            """\
px.line(monthly, x="month", y="rate_per_100k", markers=True,
        title="Số vụ trên 100.000 dân hằng tháng (tỉnh) / incidents per 100,000 by month")""",
        ),
        ("md", "## Cái gì: nhóm tội phạm ICCS / What: ICCS sections (province)"),
        (
            "code",
            '''\
sections = con.sql("""SELECT month, iccs_section || ' ' || iccs_section_name AS section, incidents, incidents_flag
                      FROM public_order_monthly
                      WHERE area_level = 'province' AND upper(iccs_section) <> 'ALL'""").pl()
px.bar(sections, x="month", y="incidents", color="section",
       title="Vụ việc theo nhóm ICCS (ô bị ẩn bỏ trống) / by ICCS section (suppressed left out)")''',
        ),
        ("md", "## Ở đâu: huyện cũ và xã 2025 / Where: former districts and 2025 communes"),
        (
            "code",
            '''\
source = "public_order_yearly" if "public_order_yearly" in tables else None
if source:
    areas = con.sql("""SELECT year, area_level, area_name, parent_code, incidents, incidents_flag,
                              rate_per_100k FROM public_order_yearly
                       WHERE area_level <> 'province' AND upper(iccs_section) = 'ALL'""").pl()
else:  # yearly per area from complete months only, rate on the published mean population
    areas = con.sql("""
        WITH y AS (SELECT year(month) AS year, area_level, area_code, any_value(area_name) AS area_name,
                          any_value(parent_code) AS parent_code,
                          CASE WHEN count(incidents_flag) = 0 THEN sum(incidents) END AS incidents,
                          CASE WHEN count(incidents_flag) > 0 THEN 'c' END AS incidents_flag
                   FROM public_order_monthly WHERE area_level <> 'province' AND iccs_section = 'ALL'
                   GROUP BY ALL)
        SELECT y.*, round(incidents * 100000.0 / r.mean_population, 1) AS rate_per_100k
        FROM y LEFT JOIN population_rates r USING (year, area_level, area_code)""").pl()
(areas.filter(pl.col("year") == areas["year"].max())
      .sort("area_level", "rate_per_100k", descending=[True, True], nulls_last=True))''',
        ),
        ("md", "## Vi phạm giao thông qua camera / Camera traffic violations"),
        (
            "code",
            '''\
if "traffic_violations_yearly" in tables:
    traffic = con.sql("""SELECT year, violation_group, violations, fines_vnd, paid_share
                         FROM traffic_violations_yearly
                         WHERE area_level = 'province' AND vehicle_type = 'all' ORDER BY year, 2""").pl()
else:
    traffic = con.sql("""SELECT year(month) AS year, violation_group, sum(violations) AS violations,
                                count(violations_flag) AS suppressed_cells
                         FROM traffic_violations_monthly WHERE area_level = 'province'
                           AND violation_group <> 'all' AND vehicle_type <> 'all'
                         GROUP BY ALL ORDER BY 1, 2""").pl()
groups = traffic.filter(pl.col("violation_group") != "all").with_columns(pl.col("year").cast(pl.String))
px.bar(groups, x="violation_group", y="violations", color="year", barmode="group",
       title="Vi phạm theo nhóm hành vi / violations by group (province)")''',
        ),
    ],
    "quality.ipynb": [
        (
            "md",
            "# Chất lượng dữ liệu / Data quality\n\n"
            "Cho người vận hành: mỗi nguồn, mỗi tháng — số dòng nhận, chấp nhận, cách ly theo lý "
            "do, sửa lỗi, đăng ký muộn, thông báo muộn, độ phủ so với tháng trước; các tháng "
            "bất thường theo huyện. Đọc `published/reports/quality_*.parquet` (tổng hợp, không "
            "có giá trị ô của dữ liệu gốc), và mức ẩn số liệu của các bảng đã công bố. / For "
            "operators: the figures of `reports/quality.html`, and how much each published "
            "mart suppresses.",
        ),
        ("code", OPEN_PUBLISHED),
        ("md", "## Theo nguồn và tháng / By source and month"),
        (
            "code",
            """\
monthly = pl.read_parquet(published / "reports" / "quality_monthly.parquet")
signals = pl.read_parquet(published / "reports" / "quality_signals.parquet")
# Every row received is accepted or quarantined, in every file.
assert (monthly["rows_in"] == monthly["accepted"] + monthly["quarantined"]).all()
by_source = monthly.group_by("source").agg(
    pl.len().alias("files"), pl.col("rows_in", "accepted", "quarantined").sum(),
    pl.col("coverage_jump", "quarantine_jump").sum()).sort("source")
by_source""",
        ),
        (
            "code",
            """\
reasons = (monthly.select("source", "period", pl.col("^reject:.*$"))
           .unpivot(index=["source", "period"], variable_name="reason", value_name="rows")
           .drop_nulls("rows").filter(pl.col("rows") > 0))
totals = reasons.group_by("source", "reason").agg(pl.col("rows").sum()).sort("source", "reason")
if truth:  # the quarantine by reason equals what the generator planted
    planted = {**truth("population")["quarantine"], **truth("public_order")["quarantine"]}
    for source, by_reason in planted.items():
        got = dict(totals.filter(pl.col("source") == source).select("reason", "rows").iter_rows())
        assert got == {f"reject:{k}": v for k, v in by_reason.items()}, source
px.bar(reasons, x="period", y="rows", color="reason", facet_row="source", height=900,
       title="Dòng bị cách ly theo lý do / quarantined rows by reason")""",
        ),
        (
            "code",
            """\
late = monthly.select("source", "period", pl.col("^(repair:late_registration|flag:late_notification)$"))
px.line(late.unpivot(index=["source", "period"]).drop_nulls("value"), x="period", y="value",
        color="variable", markers=True, title="Đăng ký muộn, thông báo muộn / late registrations and notifications")""",
        ),
        ("md", "## Tháng bất thường theo huyện cũ / District-months to check"),
        (
            "code",
            """\
flagged = signals.filter(pl.col("stopped") | pl.col("jump"))
# A flagged month is 0 after a mean of 7+ or more than 4 √mean away from the 3-month mean.
recheck = flagged.with_columns(
    ok=((pl.col("n") == 0) & (pl.col("prev_mean") >= 7)) | ((pl.col("n") - pl.col("prev_mean")).abs()
                                                          > 4 * pl.col("prev_mean").sqrt() - 0.01))
assert recheck["ok"].all()
flagged.select("source", "measure", "district_name", "month", "n", "prev_mean", "stopped", "jump")""",
        ),
        ("md", "## Mức ẩn số liệu đã công bố / Suppression in the published marts"),
        (
            "code",
            """\
rows = []
for (mart,) in con.sql("SELECT mart FROM catalogue ORDER BY mart").fetchall():
    flags = [c for (c,) in con.sql(f"SELECT column_name FROM information_schema.columns "
                                   f"WHERE table_name = '{mart}' AND column_name LIKE '%_flag'").fetchall()]
    if flags:
        cells = " + ".join(f"count(*) FILTER (WHERE {f} = 'c')" for f in flags)
        rows.append(con.sql(f"SELECT '{mart}' AS mart, count(*) * {len(flags)} AS cells, {cells} AS suppressed "
                            f"FROM {mart}").pl())
suppression = pl.concat(rows).with_columns(share=(pl.col("suppressed") / pl.col("cells")).round(3))
assert (suppression["suppressed"] <= suppression["cells"]).all()
suppression.sort("share", descending=True)""",
        ),
    ],
}


def build(cells) -> nbf.NotebookNode:
    nb = nbf.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbf.v4.new_markdown_cell(src) if kind == "md" else nbf.v4.new_code_cell(src)
        for kind, src in cells
    ]
    for i, cell in enumerate(nb.cells):  # stable ids: regenerating changes nothing
        cell["id"] = f"cell-{i:02d}"
    return nb


if __name__ == "__main__":
    for name, cells in NOTEBOOKS.items():
        nbf.write(build(cells), HERE / name)
        print("wrote", HERE / name)
