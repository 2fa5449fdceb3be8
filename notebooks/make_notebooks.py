"""Writes the analyst notebooks from the readable cell sources below
(run: `.venv/bin/python notebooks/make_notebooks.py`). Keeping the cells here keeps the .ipynb
files free of outputs and their review a diff of Python.

Every notebook opens with the questions it answers and, in its first code cells, the answers
(a table, then the charts); the code that checks them comes below. It reads `published/` only
(DE06_DATA_DIR; the quality notebook also the operators' `operations/` folder), assumes nothing
about which cells hold what (every cell is published, perturbed by the cell key method; tables
are not additive), and checks what it shows: cells of the same persons in two tables are equal,
a total and the sum of its parts agree within the perturbation's bound, derived figures follow
from the published counts, and, when DE06_GROUND_TRUTH points at a generator manifest (the tests
set it), every figure checked is within the perturbation of the synthetic landing's truth.
Shared helpers: notebooks/de06nb.py.
"""

from pathlib import Path

import nbformat as nbf

HERE = Path(__file__).parent

PERTURBED_VI = (
    "**Số liệu đã được làm nhiễu (phương pháp khóa ô, cell key method)**: mỗi số đếm lệch tối đa "
    "±3 so với số thật, không bao giờ là 1 hoặc 2; các bảng **không cộng dồn** (huyện không "
    "bằng đúng tổng các xã, năm không bằng đúng tổng các tháng). Cùng những người thì cùng một "
    "số ở mọi bảng."
)
PERTURBED_EN = (
    "*Figures are perturbed by the cell key method: every count is within ±3 of the true one, "
    "never 1 or 2; tables are **not additive** (a district is not exactly the sum of its "
    "communes, a year not the sum of its months). The same persons have the same figure in "
    "every table.*"
)
CHECKS_MD = (
    "## Kiểm tra / Checks\n\n"
    "Các số trên được kiểm tra ở đây, không giả định bảng cộng dồn. / What is shown above is "
    "checked here, without assuming that tables add up:\n"
    "- cùng những người ở hai bảng → **bằng nhau** / the same persons in two tables → "
    "**equal**;\n"
    "- một tổng và tổng các phần của nó lệch nhau tối đa D × (số phần + 1), D = 3 / a total and "
    "the sum of its n parts differ by at most D × (n + 1): each is within D of its true value, "
    "and the true values add up;\n"
    "- các tỷ lệ tính lại được từ số đã công bố / rates follow from the published counts;\n"
    "- với dữ liệu tổng hợp (DE06_GROUND_TRUTH), mỗi số nằm trong ±D của số thật / on a "
    "synthetic landing (DE06_GROUND_TRUTH) every figure is within ±D of the generator's truth."
)


# The ground-truth cell of a notebook: `parts`, the figures compared with the generator's truth
# (against_truth frames), are all within ±D, or the cell fails showing which are not.
def truth_check(domain: str, parts: str, end: str = "\n") -> tuple[str, str]:
    return (
        "code",
        f"""\
# 4. Against the generator's truth (synthetic landings only: DE06_GROUND_TRUTH).
gt = truth("{domain}")
if gt:
{parts}    ], how="diagonal")
    assert checked.height > 0 and checked["ok"].all(), checked.filter(~pl.col("ok"))
    print(f"{{checked.height}} figures within ±{{D}} of the truth; "
          f"mean |deviation| {{checked['deviation'].abs().mean():.2f}}")
else:
    print("Không có ground truth (dữ liệu thật) / no ground truth (real extracts)"){end}""",
    )


# Every total against the sum of its parts (`checks`: name → sum_check / hierarchy_check frame).
SUM_CHECKS = """\
for name, check in checks.items():
    assert check.height > 0 and check["ok"].all(), (name, check.filter(~pl.col("ok")))
    print(f"{name}: {check.height} totals, largest gap {check['gap'].max()} "
          f"(allowed {check['tolerance'].min()}–{check['tolerance'].max()})")
"""


def where(
    n: int,
    rate: tuple[str, str],
    hover: list[str],
    title: tuple[str, str],
    communes: str,
    small: str,
    note: str = "",
) -> list[tuple[str, str]]:
    """Section `n`, "where": the former districts by `rate` (column, axis label; `title` in two
    lines of an f-string), then the 15 2025 communes of highest rate with their former district,
    ⚠ where the count `small` is small (`communes`: the frame's expression; `note`: a comment
    line above it)."""
    column, label = rate
    shown = ", ".join(f'"{c}"' for c in hover)
    chart = f"""\
fig = px.bar(districts.sort("{column}", nulls_last=True), x="{column}", y="area_name",
             orientation="h", hover_data=[{shown}],
             labels={{"{column}": "{label}",
                     "area_name": "huyện cũ / former district"}},
             title=f"{title[0]}"
                   f"{title[1]}")
drawn(fig)"""
    table = f"""\
{note}print(SMALL_NOTE.format(D=D))
({communes}
    .join(districts.select(pl.col("area_code").alias("parent_code"), pl.col("area_name").alias("district")),
          on="parent_code")
    .with_columns(small=pl.when(small_count(pl.col("{small}"), D)).then(pl.lit("⚠")))
    .sort("{column}", descending=True, nulls_last=True)
    .select("district", "area_name", {shown}, "{column}", "small")
    .head(15))"""
    heading = (
        f"## {n}. Ở đâu / Where: huyện cũ và xã, phường 2025 / former districts and 2025 communes"
    )
    return [("md", heading), ("code", chart), ("code", table)]


def header(title: str, questions: list[str], source: str) -> str:
    numbered = "\n".join(f"{i}. {q}" for i, q in enumerate(questions, start=1))
    return (
        f"# {title}\n\n**Câu hỏi / Questions**\n\n{numbered}\n\n"
        "Câu trả lời ở ngay dưới (bảng, rồi biểu đồ); phần kiểm tra ở cuối. / The answers come "
        "first (a table, then the charts); the checks are at the end.\n\n"
        f"{PERTURBED_VI}\n\n{PERTURBED_EN}\n\n"
        f"Nguồn / source: {source}"
    )


PUBLISHED_SOURCE = (
    "`published/marts.duckdb` của thư mục `DE06_DATA_DIR` (mặc định `data/`), chỉ đọc / the "
    "published marts of `DE06_DATA_DIR` (default `data/`), read-only; `make run` writes them."
)


def opening(
    title: str, questions: list[str], code: str, note: str = "", source: str = PUBLISHED_SOURCE
) -> list[tuple[str, str]]:
    """A notebook's first two cells: its title, questions and source (`header`, the published
    marts unless `source` says otherwise, and `note` on what they hold), then the imports and
    the tables it reads (`code`)."""
    source = f"{source}\n\n{note}" if note else source
    return [("md", header(title, questions, source)), ("code", IMPORTS + code)]


IMPORTS = """\
import plotly.express as px
import polars as pl
from IPython.display import display

from de06nb import (ESTABLISHMENT_TYPES, ORIGIN, SEX, SMALL_NOTE, VEHICLE_TYPES,
                    VIOLATION_GROUPS, against_truth, all_check, answers, drawn, hierarchy_check,
                    note, open_published, pct_change, small_count, sum_check, symmetric_ticks,
                    truth, vn, year_check)

pub = open_published()  # DE06_DATA_DIR/published/marts.duckdb, read-only
D, JS = pub.D, pub.JS
note(pub)"""

# ============================================================================ 36 population
POPULATION = [
    *opening(
        "Mô hình 36 — Tình hình dân cư / Model 36 — Population situation",
        [
            "Bao nhiêu người sống trên địa bàn vào ngày tham chiếu mới nhất, nam và nữ, "
            "tăng bao nhiêu? / How many people live in the area on the latest reference "
            "date, men and women, and how has that changed?",
            "Dân số già hay trẻ: tuổi trung vị, tỷ số phụ thuộc, chỉ số già hóa, tháp dân "
            "số? / How old is the population: median age, dependency ratios, ageing index, "
            "the pyramid?",
            "Ở đâu: huyện cũ nào đông dân, mật độ ra sao, các xã 2025 khác nhau thế nào? / "
            "Where: which former districts are largest and densest, how do the 2025 "
            "communes differ?",
            "Sinh, chết, di cư mỗi năm và mỗi tháng: tỷ suất thô? / Births, deaths and "
            "migration each year and month: the crude rates?",
            "Dân số sẽ ra sao đến năm 2031 (dự báo), và dự báo đáng tin đến đâu? / Where "
            "is the population going to 2031 (projection), and how far can it be trusted?",
        ],
        '''

ind = pub.sql("""
    SELECT ref_date, area_level, area_code, area_name, parent_code, population, males, females,
           sex_ratio, median_age, young_dependency_ratio, old_dependency_ratio,
           total_dependency_ratio, ageing_index, households, avg_household_size, density_per_km2
    FROM population_indicators ORDER BY ref_date, area_level, area_code""")
rates = pub.sql("""
    SELECT year, area_level, area_code, area_name, parent_code, population_start, population_end,
           mean_population, births, deaths, in_migrants, out_migrants, crude_birth_rate,
           crude_death_rate, natural_increase_rate, net_migration_rate
    FROM population_rates ORDER BY year, area_level, area_code""")
dates = ind["ref_date"].unique().sort().to_list()
latest, previous = dates[-1], (dates[-2] if len(dates) > 1 else None)
on = lambda level, day: ind.filter((pl.col("area_level") == level) & (pl.col("ref_date") == day))
now = on("province", latest).row(0, named=True)
before = on("province", previous).row(0, named=True) if previous else None
districts = on("district", latest).sort("population", descending=True)
largest, densest = districts.row(0, named=True), districts.sort("density_per_km2").row(-1, named=True)
year = rates.filter(pl.col("area_level") == "province").row(-1, named=True)
ahead = pub.sql("""
    SELECT ref_date, projected_population, lower_80, upper_80 FROM population_projection
    WHERE area_level = 'province' AND sex = 'Tổng' AND age_group = 'Tổng' ORDER BY ref_date""")
tested = pub.sql("""
    SELECT mape_projection, mape_naive, coverage_80 FROM population_projection_backtest
    WHERE area_level = 'commune' AND measure = 'total' ORDER BY target_date DESC LIMIT 1""")
if ahead.is_empty():
    projected = pub.sql("SELECT value FROM population_projection_metadata "
                        "WHERE item = 'message'").item()
else:
    end = ahead.row(-1, named=True)
    projected = (f"**{vn(end['projected_population'])}** người ngày {end['ref_date']:%d/%m/%Y} / "
                 f"persons on {end['ref_date']:%Y-%m-%d} (khoảng 80 % / 80 % interval "
                 f"{vn(end['lower_80'])}–{vn(end['upper_80'])}; "
                 f"{pct_change(end['projected_population'], now['population'])})")
    if not tested.is_empty():
        bt = tested.row(0, named=True)
        projected += (f"; kiểm định ngược, tổng dân số xã / backtest, commune totals: sai số "
                      f"MAPE {vn(bt['mape_projection'], 2)} % so với ngoại suy / against naive "
                      f"{vn(bt['mape_naive'], 2)} %, {vn(bt['coverage_80'], 0)} % xã trong khoảng "
                      f"80 % / of communes inside their 80 % interval")
answers([
    (f"1. Dân số ngày {latest:%d/%m/%Y} / population on {latest:%Y-%m-%d}",
     f"**{vn(now['population'])}** người / persons: nam / men {vn(now['males'])}, nữ / women "
     f"{vn(now['females'])} (tỷ số giới tính / sex ratio {vn(now['sex_ratio'], 1)})"
     + (f"; {pct_change(now['population'], before['population'])} so với / since "
        f"{previous:%d/%m/%Y}" if before else "")),
    ("2. Già hay trẻ? / How old?",
     f"tuổi trung vị / median age **{vn(now['median_age'], 1)}**; tỷ số phụ thuộc chung / "
     f"total dependency ratio {vn(now['total_dependency_ratio'], 1)} (trẻ / young "
     f"{vn(now['young_dependency_ratio'], 1)}, già / old {vn(now['old_dependency_ratio'], 1)}); "
     f"chỉ số già hóa / ageing index {vn(now['ageing_index'], 1)}"),
    ("3. Ở đâu? / Where?",
     f"đông nhất / largest: **{largest['area_name']}** ({vn(largest['population'])}); mật độ "
     f"cao nhất / densest: {densest['area_name']} ({vn(densest['density_per_km2'], 1)} "
     f"người/km² / per km²); {districts.height} huyện cũ / former districts, "
     f"{on('commune', latest).height} xã, phường 2025 / 2025 communes"),
    (f"4. Sinh, chết, di cư năm {year['year']} / births, deaths, migration in {year['year']}",
     f"sinh / births {vn(year['births'])} (**{vn(year['crude_birth_rate'], 1)} ‰**), chết / "
     f"deaths {vn(year['deaths'])} ({vn(year['crude_death_rate'], 1)} ‰); tăng tự nhiên / "
     f"natural increase {vn(year['natural_increase_rate'], 1)} ‰; di cư thuần / net migration "
     f"{vn(year['net_migration_rate'], 1)} ‰ (trên dân số trung bình / per mean population "
     f"{vn(year['mean_population'])})"),
    ("5. Đến năm 2031 (dự báo) / to 2031 (projection)", projected),
])''',
    ),
    ("md", "## 1–2. Tháp dân số / The population pyramid (toàn tỉnh / the province)"),
    (
        "code",
        '''\
pyramid = pub.sql("""
    SELECT age_group, sex, population FROM population_by_age_sex
    WHERE area_level = 'province' AND ref_date = ? AND sex <> 'Tổng' AND age_group <> 'Tổng'""",
    [latest]).with_columns(
        signed=pl.when(pl.col("sex") == "Nam").then(-pl.col("population")).otherwise("population"),
        sex_label=pl.col("sex").replace_strict(SEX),
        age_from=pl.col("age_group").str.extract(r"^(\\d+)").cast(pl.Int32))
order = pyramid.sort("age_from")["age_group"].unique(maintain_order=True).to_list()
ticks, labels = symmetric_ticks(pyramid["population"].max())
fig = px.bar(pyramid, x="signed", y="age_group", color="sex_label", orientation="h",
             category_orders={"age_group": order[::-1]},
             labels={"signed": "người / persons", "age_group": "nhóm tuổi / age group",
                     "sex_label": "giới tính / sex"},
             title=f"Tháp dân số ngày {latest:%d/%m/%Y} / population pyramid, {latest:%Y-%m-%d}")
fig.update_layout(barmode="relative", bargap=0.05)
fig.update_xaxes(tickvals=ticks, ticktext=labels)
drawn(fig)''',
    ),
    ("md", "## 3. Ở đâu / Where: huyện cũ và xã, phường 2025 / former districts and 2025 communes"),
    (
        "code",
        """\
display(districts.select("area_name", "population", "males", "females", "sex_ratio", "median_age",
                         "total_dependency_ratio", "ageing_index", "avg_household_size",
                         "density_per_km2"))
communes = on("commune", latest).join(
    districts.select(pl.col("area_code").alias("parent_code"), pl.col("area_name").alias("district")),
    on="parent_code")
fig = px.scatter(communes, x="median_age", y="density_per_km2", size="population", color="district",
                 hover_name="area_name", log_y=True,
                 color_discrete_sequence=px.colors.qualitative.Dark24,  # 11 districts, 11 colours
                 labels={"median_age": "tuổi trung vị / median age",
                         "density_per_km2": "mật độ, người/km² / density per km²",
                         "district": "huyện cũ / former district"},
                 title="Xã, phường 2025: tuổi trung vị, mật độ, dân số (cỡ) / 2025 communes: "
                       "median age, density, population (size)")
drawn(fig)""",
    ),
    ("md", "## 4. Sinh, chết, di cư / Births, deaths and migration"),
    (
        "code",
        '''\
change = pub.sql("""
    SELECT month, births, deaths, in_migrants, out_migrants, population_start, population_end,
           balance_adjustment
    FROM population_change WHERE area_level = 'province' ORDER BY month""")
flows = {"births": "sinh / births", "deaths": "chết / deaths",
         "in_migrants": "chuyển đến / in-migrants", "out_migrants": "chuyển đi / out-migrants"}
fig = px.line(change.unpivot(index="month", on=list(flows)).with_columns(
                  pl.col("variable").replace_strict(flows)),
              x="month", y="value", color="variable", markers=True,
              labels={"value": "người / persons", "month": "tháng / month", "variable": ""},
              title="Sinh, chết, di cư hằng tháng (toàn tỉnh) / births, deaths and migration "
                    "by month (province)")
drawn(fig)''',
    ),
    (
        "code",
        """\
# Crude rates per 1,000 mean population, by former district (latest year); ⚠ small counts.
(rates.filter(pl.col("area_level").is_in(["province", "district"]) & (pl.col("year") == year["year"]))
      .with_columns(births_small=pl.when(small_count(pl.col("births"), D)).then(pl.lit("⚠")))
      .select("area_name", "mean_population", "births", "births_small", "crude_birth_rate",
              "deaths", "crude_death_rate", "natural_increase_rate", "net_migration_rate"))""",
    ),
    (
        "md",
        "## 5. Dân số đến 2031 (dự báo) / Population to 2031 (projection)\n\n"
        "Dự báo từ chính các tỷ suất của sổ đăng ký, xuất phát từ dân số đã công bố; khoảng 80 % "
        "mô phỏng; kiểm định ngược so với ngoại suy tuyến tính. / A projection from the "
        "register's own rates, started from the published stock; simulated 80 % intervals; "
        "backtested against a naive linear extrapolation. Method: `docs/PROJECTION.md`.",
    ),
    (
        "code",
        '''\
meta = dict(pub.sql("SELECT item, value FROM population_projection_metadata").iter_rows())
projection = pub.sql("""
    SELECT ref_date, area_level, area_code, area_name, parent_code, sex, age_group,
           projected_population, lower_80, upper_80
    FROM population_projection ORDER BY ref_date, area_level, area_code""")
if projection.is_empty():  # less than a year of events: the metadata says why
    print(meta.get("message", "Chưa có dự báo / no projection"))
else:
    print(meta.get("method_vi", ""), "—", "gốc / base", meta.get("base_date", ""))
    total = projection.filter((pl.col("sex") == "Tổng") & (pl.col("age_group") == "Tổng"))
    province = total.filter(pl.col("area_level") == "province")
    history = ind.filter((pl.col("area_level") == "province") & (pl.col("ref_date").dt.month() == 1)
                         & (pl.col("ref_date").dt.day() == 1))
    display(pl.concat([
        history.select("ref_date", pl.col("population").alias("dân số / population"),
                       kind=pl.lit("đã công bố / published")),
        province.select("ref_date", pl.col("projected_population").alias("dân số / population"),
                        kind=pl.lit("dự báo / projection"), lower_80="lower_80",
                        upper_80="upper_80"),
    ], how="diagonal"))
    fig = px.line(province, x="ref_date", y="projected_population", markers=True,
                  labels={"ref_date": "ngày / date", "projected_population": "người / persons"},
                  title="Dân số toàn tỉnh đến 2031, dự báo với khoảng 80 % / province "
                        "population to 2031, projection with its 80 % interval")
    fig.add_scatter(x=province["ref_date"], y=province["upper_80"], mode="lines",
                    line={"width": 0}, showlegend=False, name="80 %")
    fig.add_scatter(x=province["ref_date"], y=province["lower_80"], mode="lines",
                    line={"width": 0}, fill="tonexty", name="khoảng 80 % / 80 % interval")
    fig.add_scatter(x=history["ref_date"], y=history["population"], mode="lines+markers",
                    name="đã công bố / published")
    drawn(fig)
    broad = (projection.filter((pl.col("area_level") == "province") & (pl.col("sex") == "Tổng")
                               & pl.col("age_group").is_in(["0-14", "15-64", "65+"]))
             .pivot(on="age_group", index="ref_date", values="projected_population")
             .select("ref_date", "0-14", "15-64", "65+"))
    display(broad)
    display(pub.sql("""
        SELECT target_date, area_level, measure_label, n_areas, round(mape_projection, 2) AS mape,
               round(mape_naive, 2) AS mape_naive, round(coverage_80, 1) AS coverage_80
        FROM population_projection_backtest ORDER BY target_date, area_level, measure"""))''',
    ),
    ("md", CHECKS_MD),
    (
        "code",
        '''\
# 1. The same persons, the same figure: every stock of population_indicators is the 'Tổng'
#    cell of population_by_age_sex, and every month's start is the stock of that day.
cells = pub.sql("""
    SELECT i.ref_date, i.area_code, i.population, i.males, i.females,
           max(a.population) FILTER (WHERE a.sex = 'Tổng') AS all_ages,
           max(a.population) FILTER (WHERE a.sex = 'Nam') AS men,
           max(a.population) FILTER (WHERE a.sex = 'Nữ') AS women
    FROM population_indicators i JOIN population_by_age_sex a
      ON a.ref_date = i.ref_date AND a.area_level = i.area_level AND a.area_code = i.area_code
    WHERE a.age_group = 'Tổng' GROUP BY ALL""")
assert cells.height == ind.height
assert (cells["population"] == cells["all_ages"]).all()
assert (cells["males"] == cells["men"]).all() and (cells["females"] == cells["women"]).all()
starts = pub.sql("""
    SELECT c.population_start, s.population FROM population_change c
    JOIN population_indicators s ON s.ref_date = c.month AND s.area_level = c.area_level
                                AND s.area_code = c.area_code""")
assert starts.height > 0 and (starts["population_start"] == starts["population"]).all()

# 2. Not additive, but close: totals against their parts within D × (parts + 1).
by_age = sum_check(pub.sql("""SELECT ref_date, area_code, age_group, population
                              FROM population_by_age_sex WHERE sex = 'Tổng'"""),
                   ["ref_date", "area_code"], pl.col("age_group") == "Tổng", "population", D)
by_area = hierarchy_check(ind, "population", ["ref_date"], D)
months = pub.sql("""SELECT year(month) AS year, area_level, area_code, births, false AS is_year
                    FROM population_change""")
by_month = sum_check(pl.concat([months, rates.select("year", "area_level", "area_code", "births",
                                                     is_year=True)]),
                     ["year", "area_level", "area_code"], pl.col("is_year"), "births", D)
for name, check in [("age groups", by_age), ("areas", by_area), ("months", by_month)]:
    assert check.height > 0 and check["ok"].all(), check.filter(~pl.col("ok"))
    print(f"{name}: {check.height} totals, largest gap {check['gap'].max()} "
          f"(allowed {check['tolerance'].min()}–{check['tolerance'].max()})")

# 3. Derived figures follow from the published counts.
assert (change["population_end"] == change["population_start"] + change["births"]
        - change["deaths"] + change["in_migrants"] - change["out_migrants"]
        + change["balance_adjustment"]).all()
recomputed = rates.select(
    cbr=(1000 * pl.col("births") / ((pl.col("population_start") + pl.col("population_end")) / 2)
         ).round(2) - pl.col("crude_birth_rate"))
assert (recomputed["cbr"].abs() <= 0.01 + 1e-9).all()  # one unit of the published rounding

# 4. The projection: whole persons, raked so that areas add up (each figure rounded once,
#    so within half a person per part), the broad age groups are sums of the five-year groups,
#    and every interval holds its point.
if not projection.is_empty():
    assert (projection["lower_80"] <= projection["projected_population"]).all()
    assert (projection["projected_population"] <= projection["upper_80"]).all()
    areas = hierarchy_check(total.rename({"projected_population": "population"}), "population",
                            ["ref_date"], 0)
    parts = areas.with_columns(ok=pl.col("gap") <= 0.5 * (pl.col("parts") + 1))
    assert parts.height > 0 and parts["ok"].all(), parts.filter(~pl.col("ok"))
    five = projection.filter(pl.col("sex") == "Tổng", ~pl.col("age_group").is_in(
        ["Tổng", "0-14", "15-64", "65+"]))
    young = five.filter(pl.col("age_group").is_in(["0-4", "5-9", "10-14"])).group_by(
        "ref_date", "area_code").agg(parts=pl.col("projected_population").sum())
    check = young.join(projection.filter(pl.col("sex") == "Tổng", pl.col("age_group") == "0-14"),
                       on=["ref_date", "area_code"])
    assert check.height > 0
    assert ((check["parts"] - check["projected_population"]).abs() <= 2).all()
    print(f"projection: {areas.height} area totals add up, {check.height} 0-14 groups sum")''',
    ),
    truth_check(
        "population",
        """\
    at = gt["population_at"]
    stocks = pl.DataFrame(
        [(d, "52", f, t[k]) for d, t in at.items()
         for f, k in [("population", "total"), ("males", "male"), ("females", "female")]]
        + [(d, code, "population", n) for d, t in at.items() for code, n in t["by_district"].items()],
        schema=["ref_date", "area_code", "figure", "true"], orient="row")
    ages = pl.DataFrame([(d, sex, age, n) for d, t in at.items()
                         for sex, by_age in t["by_sex_age"].items() for age, n in by_age.items()],
                        schema=["ref_date", "sex", "age_group", "true"], orient="row")
    months = pl.DataFrame([(m, f, t[f]) for m, t in gt["monthly"].items() for f in flows],
                          schema=["month", "figure", "true"], orient="row")
    day = pl.col("ref_date").str.to_date()
    checked = pl.concat([
        against_truth(ind.filter(pl.col("area_level") != "commune").unpivot(
                          index=["ref_date", "area_code"], on=["population", "males", "females"],
                          variable_name="figure", value_name="published"),
                      stocks.with_columns(day), ["ref_date", "area_code", "figure"], D, JS),
        against_truth(pub.sql("SELECT ref_date, sex, age_group, population AS published "
                              "FROM population_by_age_sex WHERE area_level = 'province'"),
                      ages.with_columns(day), ["ref_date", "sex", "age_group"], D, JS),
        against_truth(change.unpivot(index="month", on=list(flows), variable_name="figure",
                                     value_name="published")
                      .with_columns(pl.col("month").dt.strftime("%Y-%m")),
                      months, ["month", "figure"], D, JS),
""",
    ),
]

# ============================================================================ 37 labour
LABOUR = [
    *opening(
        "Mô hình 37 — Tình hình lao động / Model 37 — Labour situation",
        [
            "Bao nhiêu người trong lực lượng lao động, có việc làm, thất nghiệp; tỷ lệ "
            "tham gia và tỷ lệ thất nghiệp? / How many are in the labour force, employed "
            "and unemployed; the participation and unemployment rates?",
            "Thất nghiệp khác nhau thế nào theo giới tính và nhóm tuổi? / How does "
            "unemployment differ by sex and age?",
            "Thanh niên 15–24: thất nghiệp và không học, không làm (NEET)? / Youth 15–24: "
            "unemployment and NEET?",
            "Lao động làm trong khu vực nào, bao nhiêu phi chính thức? / Which sectors "
            "employ people, how much is informal?",
            "Huyện cũ, xã nào thất nghiệp cao? / Which former districts and communes have "
            "high unemployment?",
        ],
        '''

lab = pub.sql("""
    SELECT year, area_level, area_code, area_name, parent_code, sex, age_band,
           working_age_population, labour_force, employed, unemployed, outside_labour_force,
           informal_employed, labour_force_participation_rate, employment_to_population_ratio,
           unemployment_rate, informal_employment_rate
    FROM labour_indicators ORDER BY year, area_level, area_code, sex, age_band""")
youth = pub.sql("""
    SELECT year, area_level, area_code, area_name, sex, youth_population, youth_with_record,
           youth_labour_force, youth_employed, youth_unemployed, youth_neet,
           youth_unemployment_rate, neet_rate
    FROM youth_indicators""")
sector = pub.sql("""
    SELECT year, area_level, area_code, sex, vsic_section, vsic_name, broad_sector,
           broad_sector_name, employed, share FROM employment_by_sector""")
years = lab["year"].unique().sort().to_list()
latest, previous = years[-1], (years[-2] if len(years) > 1 else None)
total = (pl.col("sex") == "Tổng") & (pl.col("age_band") == "Tổng")
at = lambda frame, level, year: frame.filter((pl.col("area_level") == level) & (pl.col("year") == year))
now = at(lab, "province", latest).filter(total).row(0, named=True)
before = at(lab, "province", previous).filter(total).row(0, named=True) if previous else None
by_sex = {r["sex"]: r for r in at(lab, "province", latest).filter(pl.col("age_band") == "Tổng")
          .iter_rows(named=True)}
young = {r["sex"]: r for r in at(youth, "province", latest).iter_rows(named=True)}
# broad sectors as published (counted from the persons), shares of the published total
broad = at(sector, "province", latest).filter(
    (pl.col("sex") == "Tổng") & pl.col("vsic_section").is_in(["A", "B-F", "G-U"])).sort("vsic_section")
districts = at(lab, "district", latest).filter(total).sort("unemployment_rate", descending=True,
                                                           nulls_last=True)
answers([
    (f"1. Lực lượng lao động năm {latest} / labour force in {latest}",
     f"**{vn(now['labour_force'])}** người / persons (tỷ lệ tham gia / participation "
     f"{vn(now['labour_force_participation_rate'], 1)} %); có việc làm / employed "
     f"{vn(now['employed'])}; thất nghiệp / unemployed {vn(now['unemployed'])} "
     f"(**{vn(now['unemployment_rate'], 2)} %**)"
     + (f"; lực lượng lao động / labour force {pct_change(now['labour_force'], before['labour_force'])} "
        f"so với / against {previous}" if before else "")),
    ("2. Thất nghiệp theo giới tính / unemployment by sex",
     f"nam / men {vn(by_sex['Nam']['unemployment_rate'], 2)} %, nữ / women "
     f"{vn(by_sex['Nữ']['unemployment_rate'], 2)} % (theo nhóm tuổi: biểu đồ dưới / by age: "
     "chart below)"),
    ("3. Thanh niên 15–24 / youth 15–24",
     f"thất nghiệp / unemployment {vn(young['Tổng']['youth_unemployment_rate'], 2)} %; NEET "
     f"{vn(young['Tổng']['neet_rate'], 2)} % (nam / men {vn(young['Nam']['neet_rate'], 2)} %, nữ / "
     f"women {vn(young['Nữ']['neet_rate'], 2)} %)"),
    ("4. Khu vực / sectors",
     "; ".join(f"{r['broad_sector_name']} ({r['vsic_section']}) {vn(r['share'], 1)} %"
               for r in broad.iter_rows(named=True))
     + f"; phi chính thức / informal {vn(now['informal_employment_rate'], 1)} % of employed"),
    ("5. Ở đâu thất nghiệp cao nhất? / Where is unemployment highest?",
     f"**{districts['area_name'][0]}** ({vn(districts['unemployment_rate'][0], 2)} %"
     f"{' ⚠' if districts['unemployed'][0] < 10 * D else ''}); thấp nhất / lowest "
     f"{districts['area_name'][-1]} ({vn(districts['unemployment_rate'][-1], 2)} %"
     f"{' ⚠' if districts['unemployed'][-1] < 10 * D else ''}) — " + SMALL_NOTE.format(D=D)),
])''',
        note="Số liệu từ cơ sở dữ liệu thị trường lao động (không phải điều tra), định "
        "nghĩa ILO ICLS 19, từ 15 tuổi. / Register-based figures (not a survey), ILO 19th "
        "ICLS definitions, aged 15+.",
    ),
    (
        "md",
        "## 2. Thất nghiệp theo giới tính và tuổi / Unemployment by sex and age (toàn tỉnh / province)",
    ),
    (
        "code",
        """\
bands = at(lab, "province", latest).filter((pl.col("age_band") != "Tổng") & (pl.col("sex") != "Tổng"))
fig = px.bar(bands.with_columns(sex_label=pl.col("sex").replace_strict(SEX)),
             x="age_band", y="unemployment_rate", color="sex_label", barmode="group",
             category_orders={"age_band": sorted(bands["age_band"].unique())},
             hover_data=["labour_force", "unemployed"],
             labels={"unemployment_rate": "tỷ lệ thất nghiệp / unemployment rate, %",
                     "age_band": "nhóm tuổi / age", "sex_label": "giới tính / sex"},
             title=f"Tỷ lệ thất nghiệp theo giới tính và nhóm tuổi, {latest} / unemployment rate by "
                   f"sex and age, {latest}")
drawn(fig)""",
    ),
    ("md", "## 3. Thanh niên / Youth 15–24"),
    (
        "code",
        """\
display(youth.filter(pl.col("area_level") == "province").sort("year", "sex")
        .select("year", "sex", "youth_labour_force", "youth_unemployed", "youth_unemployment_rate",
                "youth_with_record", "youth_neet", "neet_rate"))""",
    ),
    ("md", "## 4. Khu vực kinh tế / Sectors (toàn tỉnh / province)"),
    (
        "code",
        """\
# The published broad-sector rows, side by side (grouped, not stacked: they are not parts that
# add up to the published total).
broad_years = sector.filter((pl.col("area_level") == "province") & (pl.col("sex") == "Tổng")
                            & pl.col("vsic_section").is_in(["A", "B-F", "G-U"]))
fig = px.bar(broad_years.with_columns(pl.col("year").cast(pl.String),
                                      label=pl.col("broad_sector_name") + " (" + pl.col("vsic_section") + ")"),
             x="label", y="employed", color="year", barmode="group", text="share",
             labels={"employed": "người có việc làm / employed", "label": "khu vực / broad sector",
                     "year": "năm / year", "share": "%"},
             title="Lao động có việc làm theo khu vực kinh tế / employed by broad sector")
drawn(fig)""",
    ),
    (
        "code",
        """\
at(sector, "province", latest).filter((pl.col("sex") == "Tổng")
      & ~pl.col("vsic_section").is_in(["B-F", "G-U", "Tổng"])).sort("employed", descending=True
      ).select("vsic_section", "vsic_name", "broad_sector", "employed", "share")""",
    ),
    *where(
        5,
        ("unemployment_rate", "tỷ lệ thất nghiệp / unemployment rate, %"),
        ["labour_force", "unemployed"],
        (
            "Tỷ lệ thất nghiệp theo huyện cũ, {latest} / unemployment rate by former ",
            "district, {latest}",
        ),
        'at(lab, "commune", latest).filter(total)',
        "unemployed",
        note="# 2025 communes with the highest unemployment; ⚠ where the count of unemployed is "
        "small.\n",
    ),
    ("md", CHECKS_MD),
    (
        "code",
        """\
# 1. The same persons, the same figure: the youth mart is the 15–24 band of labour_indicators;
#    the 'Tổng' rows of the sector and occupation marts are labour_indicators' employed.
band = lab.filter(pl.col("age_band") == "15-24").join(
    youth, on=["year", "area_level", "area_code", "sex"], how="inner")
assert band.height == youth.height
for mine, theirs in [("labour_force", "youth_labour_force"), ("unemployed", "youth_unemployed"),
                     ("employed", "youth_employed"), ("working_age_population", "youth_population")]:
    assert (band[mine] == band[theirs]).all(), mine
occupation = pub.sql("SELECT year, area_level, area_code, sex, employed AS occupation_total "
                     "FROM employment_by_occupation WHERE occupation_code = 'Tổng'")
totals = (lab.filter(pl.col("age_band") == "Tổng")
          .join(sector.filter(pl.col("vsic_section") == "Tổng").select(
                    "year", "area_level", "area_code", "sex", sector_total="employed"),
                on=["year", "area_level", "area_code", "sex"])
          .join(occupation, on=["year", "area_level", "area_code", "sex"]))
assert totals.height == lab.filter(pl.col("age_band") == "Tổng").height
assert (totals["employed"] == totals["sector_total"]).all()
assert (totals["employed"] == totals["occupation_total"]).all()

# 2. Not additive, but close: totals against their parts within D × (parts + 1).
keys = ["year", "area_level", "area_code"]
split = lab.filter(pl.col("age_band") == "Tổng").unpivot(
    index=[*keys, "sex"], on=["labour_force", "employed", "unemployed"])
checks = {
    "labour force vs employed + unemployed": sum_check(
        split.filter(pl.col("sex") == "Tổng"), keys, pl.col("variable") == "labour_force", "value", D),
    "both sexes vs men + women": sum_check(
        lab.filter(pl.col("age_band") == "Tổng"), keys, pl.col("sex") == "Tổng", "labour_force", D),
    "all ages vs age bands": sum_check(
        lab.filter(pl.col("sex") == "Tổng"), keys, pl.col("age_band") == "Tổng", "labour_force", D),
    "areas": hierarchy_check(lab.filter(total), "unemployed", ["year"], D),
    "total vs broad sectors": sum_check(
        sector.filter(pl.col("vsic_section").is_in(["A", "B-F", "G-U", "Tổng"])), [*keys, "sex"],
        pl.col("vsic_section") == "Tổng", "employed", D),
    "broad sectors vs sections": sum_check(
        sector.filter(pl.col("broad_sector").is_in(["B-F", "G-U"])), [*keys, "sex", "broad_sector"],
        pl.col("vsic_section") == pl.col("broad_sector"), "employed", D),
}
"""
        + SUM_CHECKS
        + """
# 3. Rates follow from the published counts.
# (to one unit of the published rounding: DuckDB rounds halves away from zero, polars to even)
rate = (100 * pl.col("unemployed") / pl.col("labour_force")).round(2)
assert (lab.filter(pl.col("labour_force") > 0).select((rate - pl.col("unemployment_rate")).abs().max()
        ).item() <= 0.01 + 1e-9)""",
    ),
    truth_check(
        "labour",
        """\
    fields = ["labour_force", "employed", "unemployed", "working_age_population"]
    youth_fields = ["youth_labour_force", "youth_unemployed", "youth_neet"]
    true = pl.DataFrame([(int(y), sex, f, t[f]) for y, d in gt["years"].items()
                         for sex, t in d["province"].items() for f in fields + youth_fields],
                        schema=["year", "sex", "figure", "true"], orient="row")
    broad_true = pl.DataFrame([(int(y), sex, b, n) for y, d in gt["years"].items()
                               for sex, t in d["province"].items()
                               for b, n in t["employed_by_broad_sector"].items()],
                              schema=["year", "sex", "vsic_section", "true"], orient="row")
    province = pl.col("area_level") == "province"
    published = pl.concat([
        lab.filter(province & (pl.col("age_band") == "Tổng")).unpivot(
            index=["year", "sex"], on=fields, variable_name="figure", value_name="published"),
        youth.filter(province).unpivot(index=["year", "sex"], on=youth_fields,
                                       variable_name="figure", value_name="published")])
    checked = pl.concat([
        against_truth(published, true, ["year", "sex", "figure"], D, JS),
        against_truth(sector.filter(province).select("year", "sex", "vsic_section",
                                                     published="employed"),
                      broad_true, ["year", "sex", "vsic_section"], D, JS),
""",
    ),
]

# ============================================================================ 38 tourism
TOURISM = [
    *opening(
        "Mô hình 38 — Du lịch qua thông báo lưu trú / Model 38 — Tourism through lodging",
        [
            "Bao nhiêu lượt khách và đêm lưu trú trong năm, ở lại bao lâu, so với năm "
            "trước? / How many arrivals and guest-nights in the year, how long do guests "
            "stay, against the year before?",
            "Tháng nào đông khách nhất (mùa vụ)? / Which months are busiest (seasonality)?",
            "Khách từ đâu: nội địa, quốc tế, quốc tịch nào? / Where do guests come from: "
            "domestic, international, which nationalities?",
            "Loại cơ sở nào, công suất phòng ra sao? / Which kinds of establishment, and "
            "how full are the rooms?",
            "Huyện cũ nào đón nhiều khách? / Which former districts receive the guests?",
            "Cơ sở có thông báo lưu trú đúng hạn không? / Do establishments notify on time?",
        ],
        '''

ty = pub.sql("""
    SELECT year, months_covered, area_level, area_code, area_name, parent_code,
           establishment_type, guest_origin, arrivals, guest_nights, average_length_of_stay,
           establishments, room_nights_available, occupied_room_nights, room_occupancy_rate
    FROM tourism_yearly ORDER BY year""")
tm = pub.sql("""
    SELECT month, year(month) AS year, area_level, area_code, area_name, parent_code,
           establishment_type, guest_origin, arrivals, guest_nights, average_length_of_stay
    FROM tourism_monthly ORDER BY month""")
nat = pub.sql("""SELECT year, months_covered, nationality, nationality_name, guest_origin,
                        arrivals, guest_nights FROM tourism_by_nationality_yearly""")
comp = pub.sql("""SELECT month, year(month) AS year, area_level, area_code, establishment_type,
                         notifications, late_notifications, late_share FROM lodging_compliance""")
everything = (pl.col("establishment_type") == "all") & (pl.col("guest_origin") == "all")
province = pl.col("area_level") == "province"
per_year = ty.filter(province & everything).sort("year")
full = per_year.filter(pl.col("months_covered") == 12)
this = (full if full.height else per_year).row(-1, named=True)
year = this["year"]
last = per_year.filter((pl.col("year") == year - 1) & (pl.col("months_covered") == this["months_covered"]))
last = last.row(0, named=True) if last.height else None
season = tm.filter(province & everything & (pl.col("year") == year)).sort("arrivals")
by_origin = dict(ty.filter(province & (pl.col("establishment_type") == "all") & (pl.col("year") == year))
                 .select("guest_origin", "arrivals").iter_rows())
top_nat = (nat.filter((pl.col("year") == year) & (pl.col("guest_origin") == "international")
                      & (pl.col("arrivals") > 0)).sort("arrivals", descending=True))
late = comp.filter(province & (pl.col("year") == year) & (pl.col("establishment_type") != "all")
                   ).group_by("establishment_type").agg(
    pl.col("notifications", "late_notifications").sum()).filter(pl.col("notifications") > 0
    ).with_columns(share=pl.col("late_notifications") / pl.col("notifications")
    ).sort("share", descending=True)
districts = ty.filter((pl.col("area_level") == "district") & everything & (pl.col("year") == year)
                      ).sort("arrivals", descending=True)
answers([
    (f"1. Năm {year} ({this['months_covered']} tháng / months)",
     f"**{vn(this['arrivals'])}** lượt khách / arrivals, {vn(this['guest_nights'])} đêm / "
     f"guest-nights, bình quân / average {vn(this['average_length_of_stay'], 2)} đêm / nights"
     + (f"; lượt khách / arrivals {pct_change(this['arrivals'], last['arrivals'])} so với / "
        f"against {year - 1}" if last else "")),
    ("2. Mùa vụ / seasonality",
     f"đông nhất / busiest **{season['month'][-1]:%m/%Y}** ({vn(season['arrivals'][-1])}), vắng "
     f"nhất / quietest {season['month'][0]:%m/%Y} ({vn(season['arrivals'][0])})"),
    ("3. Nguồn khách / origin",
     f"quốc tế / international {vn(by_origin.get('international', 0))} "
     f"({vn(100 * by_origin.get('international', 0) / max(by_origin.get('all', 0), 1), 1)} %)"
     + ("; nhiều nhất / most: " + ", ".join(
         f"{r['nationality_name']} ({r['nationality']}) {vn(r['arrivals'])}"
         for r in top_nat.head(3).iter_rows(named=True)) if top_nat.height else "")),
    ("4. Công suất phòng / room occupancy",
     f"**{vn(100 * (this['room_occupancy_rate'] or 0), 1)} %** của "
     f"{vn(this['room_nights_available'])} đêm phòng / of room-nights available"),
    ("5. Ở đâu? / Where?",
     f"**{districts['area_name'][0]}** ({vn(districts['arrivals'][0])} lượt / arrivals, "
     f"{vn(100 * districts['arrivals'][0] / this['arrivals'], 0)} %)"),
    ("6. Thông báo đúng hạn? / Notified on time?",
     (f"quá hạn nhiều nhất / latest most often: {ESTABLISHMENT_TYPES.get(late['establishment_type'][0])} "
      f"({vn(100 * late['share'][0], 1)} %, tổng các tháng / sum of months)") if late.height else "-"),
])''',
        note="IRTS 2008: lượt khách theo tháng nhận phòng, đêm lưu trú theo tháng của "
        "đêm. Số năm lấy từ bảng năm (`tourism_yearly`, `tourism_by_nationality_yearly`, có "
        "`months_covered`), không cộng các tháng; riêng thông báo muộn (không có bảng năm) "
        "là tổng các tháng đã công bố. / IRTS 2008: arrivals by check-in month, nights in "
        "the month they fall in. Yearly figures come from the yearly marts (with "
        "`months_covered`), never from sums of months; only late notifications, which have "
        "no yearly mart, are sums of the published months (each within ±3).",
    ),
    ("md", "## 1–3. Mùa vụ và nguồn khách / Seasonality and origin (toàn tỉnh / province)"),
    (
        "code",
        """\
# Lines, not stacked bars: the published total is not the sum of domestic and international.
months = tm.filter(province & (pl.col("establishment_type") == "all"))
fig = px.line(months.with_columns(origin=pl.col("guest_origin").replace_strict(ORIGIN)),
              x="month", y="arrivals", color="origin", markers=True,
              labels={"arrivals": "lượt khách / arrivals", "month": "tháng / month", "origin": ""},
              title="Lượt khách hằng tháng / arrivals by month")
drawn(fig)""",
    ),
    (
        "code",
        """\
top = top_nat.head(12).with_columns(
    label=pl.col("nationality_name") + " (" + pl.col("nationality") + ")").sort("arrivals")
if top.height:
    display(drawn(px.bar(
        top, x="arrivals", y="label", orientation="h",
        labels={"arrivals": f"lượt khách năm {year} / arrivals in {year}",
                "label": "quốc tịch / nationality"},
        title=f"Khách quốc tế theo quốc tịch, {year} / international guests by nationality")))
else:
    print("Không có khách quốc tế / no international guests")""",
    ),
    ("md", "## 4. Loại cơ sở và công suất phòng / Establishment types and room occupancy"),
    (
        "code",
        """\
types = (ty.filter(province & (pl.col("guest_origin") == "all") & (pl.col("establishment_type") != "all")
                   & (pl.col("year") == year))
         .with_columns(occupancy=(100 * pl.col("room_occupancy_rate")).round(1),
                       type=pl.col("establishment_type").replace(ESTABLISHMENT_TYPES))
         .sort("occupancy"))
fig = px.bar(types, x="occupancy", y="type", orientation="h", hover_data=["arrivals", "establishments"],
             labels={"occupancy": "công suất phòng / room occupancy, %", "type": ""},
             title=f"Công suất phòng theo loại cơ sở, {year} / room occupancy by type, {year}")
drawn(fig)""",
    ),
    ("md", "## 5–6. Ở đâu, và thông báo đúng hạn / Where, and notifications on time"),
    (
        "code",
        """\
fig = px.bar(districts.sort("arrivals"), x="arrivals", y="area_name", orientation="h",
             labels={"arrivals": f"lượt khách năm {year} / arrivals in {year}",
                     "area_name": "huyện cũ / former district"},
             title=f"Lượt khách theo huyện cũ, {year} / arrivals by former district, {year}")
drawn(fig)""",
    ),
    (
        "code",
        """\
# late notifications: sums of the published months (there is no yearly compliance mart)
late.with_columns(type=pl.col("establishment_type").replace(ESTABLISHMENT_TYPES),
                  share=(100 * pl.col("share")).round(1)
                  ).select("type", "notifications", "late_notifications", "share")""",
    ),
    ("md", CHECKS_MD),
    (
        "code",
        """\
# 1. The same guests, the same figure: domestic guests are the nationality VNM, in every year.
vnm = nat.filter(pl.col("nationality") == "VNM").join(
    ty.filter(province & (pl.col("establishment_type") == "all") & (pl.col("guest_origin") == "domestic")),
    on="year")
assert vnm.height == per_year.height
assert (vnm["arrivals"] == vnm["arrivals_right"]).all()
assert (vnm["guest_nights"] == vnm["guest_nights_right"]).all()

# 2. Not additive, but close: totals against their parts within D × (parts + 1).
keys = ["year", "area_level", "area_code"]
checks = {
    "all guests vs domestic + international": all_check(
        ty, keys, "guest_origin", "establishment_type", "arrivals", D),
    "all types vs each type": all_check(
        ty, keys, "establishment_type", "guest_origin", "arrivals", D),
    "areas": hierarchy_check(ty.filter(everything), "arrivals", ["year"], D),
    "year vs its months": year_check(
        ty.filter(everything), tm.filter(everything), keys, "arrivals", D),
}
"""
        + SUM_CHECKS
        + """
# 3. Derived figures follow from the published counts (to one unit of their rounding).
for frame in (ty, tm):
    alos = frame.filter(pl.col("arrivals") > 0).select(
        ((pl.col("guest_nights") / pl.col("arrivals")).round(4) - pl.col("average_length_of_stay")).abs().max())
    assert alos.item() <= 1e-4 + 1e-12
occupancy = ty.filter(pl.col("room_nights_available") > 0).select(
    ((pl.col("occupied_room_nights") / pl.col("room_nights_available")).round(6)
     - pl.col("room_occupancy_rate")).abs().max())
assert occupancy.item() <= 1e-6 + 1e-12
share = comp.filter(pl.col("notifications") > 0).select(
    ((pl.col("late_notifications") / pl.col("notifications")).round(6) - pl.col("late_share")).abs().max())
assert share.item() <= 1e-6 + 1e-12""",
    ),
    truth_check(
        "lodging",
        """\
    ym = pl.col("month").dt.strftime("%Y-%m")
    province_all = province & (pl.col("establishment_type") == "all")
    guests = pl.DataFrame(
        [(m, "all", t["province"]["arrivals"]) for m, t in gt["monthly"].items()]
        + [(m, o, v["arrivals"]) for m, t in gt["monthly"].items() for o, v in t["by_origin"].items()],
        schema=["month", "guest_origin", "true"], orient="row")
    notices = pl.DataFrame([(m, f, t["province"][f]) for m, t in gt["monthly"].items()
                            for f in ("notifications", "late_notifications")],
                           schema=["month", "figure", "true"], orient="row")
    nationalities = pl.DataFrame([(int(m[:4]), n, v[0]) for m, d in gt["nationality"].items()
                                  for n, v in d.items()],
                                 schema=["year", "nationality", "true"], orient="row"
                                 ).group_by("year", "nationality").agg(pl.col("true").sum())
    year_of = pl.col("month").str.slice(0, 4).cast(pl.Int64).alias("year")
    checked = pl.concat([
        against_truth(tm.filter(province_all).select(ym, "guest_origin", published="arrivals"),
                      guests, ["month", "guest_origin"], D, JS),
        # a year's arrivals: the truth's months added up (the published year is counted)
        against_truth(ty.filter(province_all).select("year", "guest_origin", published="arrivals"),
                      guests.group_by(year_of, "guest_origin").agg(pl.col("true").sum()),
                      ["year", "guest_origin"], D, JS),
        against_truth(comp.filter(province_all).unpivot(
                          index="month", on=["notifications", "late_notifications"],
                          variable_name="figure", value_name="published").with_columns(ym),
                      notices, ["month", "figure"], D, JS),
        # every nationality of every year: the truth's guests, or none
        against_truth(nat.select("year", "nationality", published="arrivals"), nationalities,
                      ["year", "nationality"], D, JS, absent_is_zero=True),
""",
        end="",
    ),
]

# ============================================================================ 39 public order
PUBLIC_ORDER = [
    *opening(
        "Mô hình 39 — Trật tự, an toàn xã hội / Model 39 — Public order and social safety",
        [
            "Bao nhiêu vụ việc trong năm, trên 100.000 dân, bao nhiêu được làm rõ? / How "
            "many incidents in the year, per 100,000 population, how many cleared?",
            "Nhóm hành vi (ICCS) nào nhiều nhất? / Which kinds of offence (ICCS sections) "
            "are most common?",
            "Huyện cũ nào có tỷ lệ cao? / Which former districts have high rates?",
            "Xu hướng theo tháng? / What is the monthly trend?",
            "Vi phạm giao thông qua camera: bao nhiêu, hành vi nào, loại xe nào, tiền phạt, "
            "đã nộp bao nhiêu? / Camera traffic violations: how many, which behaviours and "
            "vehicles, fines, how much paid?",
        ],
        '''

yearly = pub.sql("""
    SELECT year, area_level, area_code, area_name, parent_code, iccs_section, iccs_section_name,
           months_covered, incidents, cleared, clearance_rate, mean_population, rate_per_100k
    FROM public_order_yearly ORDER BY year, area_level, area_code, iccs_section""")
monthly = pub.sql("""
    SELECT month, year(month) AS year, area_level, area_code, iccs_section, incidents, cleared,
           clearance_rate, population_start, rate_per_100k
    FROM public_order_monthly ORDER BY month""")
traffic = pub.sql("""
    SELECT year, area_level, area_code, area_name, parent_code, violation_group, vehicle_type,
           months_covered, violations, fines_vnd, paid, paid_share
    FROM traffic_violations_yearly""")
ALL = pl.col("iccs_section") == "ALL"
years = yearly["year"].unique().sort().to_list()
latest, previous = years[-1], (years[-2] if len(years) > 1 else None)
at = lambda frame, level, year: frame.filter((pl.col("area_level") == level) & (pl.col("year") == year))
now = at(yearly, "province", latest).filter(ALL).row(0, named=True)
before = at(yearly, "province", previous).filter(ALL).row(0, named=True) if previous else None
sections = at(yearly, "province", latest).filter(~ALL).sort("incidents", descending=True)
districts = at(yearly, "district", latest).filter(ALL).sort("rate_per_100k", descending=True,
                                                           nulls_last=True)
trend = monthly.filter((pl.col("area_level") == "province") & ALL)
every = (pl.col("violation_group") == "all") & (pl.col("vehicle_type") == "all")
cams = at(traffic, "province", latest)
cams_all = cams.filter(every).row(0, named=True)
groups = cams.filter((pl.col("vehicle_type") == "all") & (pl.col("violation_group") != "all")
                     ).sort("violations", descending=True)
answers([
    (f"1. Năm {latest} ({now['months_covered']} tháng / months)",
     f"**{vn(now['incidents'])}** vụ / incidents, **{vn(now['rate_per_100k'], 1)}** trên 100.000 "
     f"dân / per 100,000; làm rõ / cleared {vn(now['cleared'])} "
     f"({vn(100 * (now['clearance_rate'] or 0), 1)} %)"
     + (f"; {pct_change(now['incidents'], before['incidents'])} so với / against {previous}"
        if before and before["months_covered"] == now["months_covered"] else "")),
    ("2. Nhóm nhiều nhất / most common (ICCS)",
     "; ".join(f"{r['iccs_section']} {r['iccs_section_name']}: {vn(r['incidents'])}"
               for r in sections.head(3).iter_rows(named=True))),
    ("3. Ở đâu? / Where?",
     f"cao nhất / highest: **{districts['area_name'][0]}** ({vn(districts['rate_per_100k'][0], 1)} "
     f"/ 100.000{' ⚠' if districts['incidents'][0] < 10 * D else ''}); thấp nhất / lowest: "
     f"{districts['area_name'][-1]} ({vn(districts['rate_per_100k'][-1], 1)}"
     f"{' ⚠' if districts['incidents'][-1] < 10 * D else ''}) — " + SMALL_NOTE.format(D=D)),
    ("4. Xu hướng / trend",
     f"{trend.height} tháng / months: cao nhất / highest {trend.sort('incidents')['month'][-1]:%m/%Y} "
     f"({vn(trend['incidents'].max())}), thấp nhất / lowest "
     f"{trend.sort('incidents')['month'][0]:%m/%Y} ({vn(trend['incidents'].min())})"),
    (f"5. Vi phạm giao thông qua camera, {latest} / camera traffic violations",
     f"**{vn(cams_all['violations'])}** vi phạm / violations; nhiều nhất / most: "
     f"{VIOLATION_GROUPS.get(groups['violation_group'][0], groups['violation_group'][0])} "
     f"({vn(groups['violations'][0])}); tiền phạt / fines {vn(cams_all['fines_vnd'] / 1e6)} triệu "
     f"đồng / million VND, đã nộp / paid {vn(100 * (cams_all['paid_share'] or 0), 1)} %"),
])''',
        note="Số năm lấy từ bảng năm (`public_order_yearly`, `traffic_violations_yearly`, "
        "có `months_covered`), không cộng các tháng. / Yearly figures come from the yearly "
        "marts (with `months_covered`), never from sums of months.",
    ),
    ("md", "## 1–2. Nhóm hành vi / ICCS sections (toàn tỉnh / province)"),
    (
        "code",
        """\
fig = px.bar(at(yearly, "province", latest).filter(~ALL & (pl.col("incidents") > 0))
             .with_columns(section=pl.col("iccs_section") + " " + pl.col("iccs_section_name"))
             .sort("incidents"),
             x="incidents", y="section", orientation="h", hover_data=["cleared", "clearance_rate"],
             labels={"incidents": f"vụ việc năm {latest} / incidents in {latest}", "section": ""},
             title=f"Vụ việc theo nhóm ICCS, {latest} / incidents by ICCS section, {latest}")
drawn(fig)""",
    ),
    *where(
        3,
        ("rate_per_100k", "vụ trên 100.000 dân / per 100,000"),
        ["incidents", "mean_population"],
        (
            "Vụ việc trên 100.000 dân theo huyện cũ, {latest} / incidents per 100,000 by ",
            "former district, {latest}",
        ),
        'at(yearly, "commune", latest).filter(ALL)',
        "incidents",
    ),
    ("md", "## 4. Xu hướng / Monthly trend (toàn tỉnh / province)"),
    (
        "code",
        """\
fig = px.line(trend, x="month", y="incidents", markers=True, hover_data=["rate_per_100k"],
              labels={"incidents": "vụ việc / incidents", "month": "tháng / month"},
              title="Vụ việc hằng tháng (toàn tỉnh) / incidents by month (province)")
drawn(fig)""",
    ),
    ("md", "## 5. Vi phạm giao thông qua camera / Camera traffic violations"),
    (
        "code",
        """\
by_vehicle = cams.filter((pl.col("violation_group") != "all") & (pl.col("vehicle_type") != "all")
                         & (pl.col("violations") > 0)).with_columns(
    group=pl.col("violation_group").replace(VIOLATION_GROUPS),
    vehicle=pl.col("vehicle_type").replace(VEHICLE_TYPES))
fig = px.bar(by_vehicle, x="violations", y="group", color="vehicle", orientation="h", barmode="group",
             labels={"violations": f"vi phạm năm {latest} / violations in {latest}", "group": "",
                     "vehicle": "loại xe / vehicle"},
             title=f"Vi phạm theo hành vi và loại xe, {latest} / violations by behaviour and "
                   f"vehicle, {latest}")
drawn(fig)""",
    ),
    ("md", CHECKS_MD),
    (
        "code",
        """\
# 1. The same persons, the same figure: the population the rates use is model 36's.
pop = pub.sql("SELECT year, area_level, area_code, mean_population AS model_36 FROM population_rates")
same = yearly.filter(ALL).join(pop, on=["year", "area_level", "area_code"])
assert same.height == yearly.filter(ALL).height and (same["mean_population"] == same["model_36"]).all()
starts = pub.sql("SELECT month, area_level, area_code, population_start AS model_36 FROM population_change")
same = monthly.filter(ALL).join(starts, on=["month", "area_level", "area_code"])
assert same.height > 0 and (same["population_start"] == same["model_36"]).all()

# 2. Not additive, but close: totals against their parts within D × (parts + 1).
keys = ["year", "area_level", "area_code"]
covered = yearly.select("year", "months_covered").unique()
months = monthly.join(covered, on="year").group_by([*keys, "iccs_section"]).agg(
    pl.col("incidents"), published=pl.len(), covered=pl.col("months_covered").first())
checks = {
    "all sections vs each section": sum_check(yearly, keys, ALL, "incidents", D),
    "year vs its months": year_check(yearly.filter(ALL), monthly.filter(ALL), keys, "incidents", D),
    "areas": hierarchy_check(yearly.filter(ALL), "incidents", ["year"], D),
    "violations: all groups vs each": all_check(
        traffic, keys, "violation_group", "vehicle_type", "violations", D),
    "violations: all vehicles vs each": all_check(
        traffic, keys, "vehicle_type", "violation_group", "violations", D),
}
"""
        + SUM_CHECKS
        + """# a year's months_covered is the number of its months published
assert (months.filter(pl.col("iccs_section") == "ALL")["published"]
        == months.filter(pl.col("iccs_section") == "ALL")["covered"]).all()

# 3. Rates follow from the published counts.
rate = (pl.col("incidents") * 100000 / pl.col("mean_population")).round(2)
# (to one unit of the published rounding: DuckDB rounds halves away from zero, polars to even)
assert yearly.filter(pl.col("mean_population") > 0).select(
    (rate - pl.col("rate_per_100k")).abs().max()).item() <= 0.01 + 1e-9
cleared = (pl.col("cleared") / pl.col("incidents")).round(4)
assert yearly.filter(pl.col("incidents") > 0).select(
    (cleared - pl.col("clearance_rate")).abs().max()).item() <= 1e-4 + 1e-12""",
    ),
    truth_check(
        "public_order",
        """\
    year = pl.col("month").str.slice(0, 4).cast(pl.Int64).alias("year")
    incidents = pl.DataFrame(
        [(m, "ALL", "incidents", t["incidents"]) for m, t in gt["incidents"]["by_month"].items()]
        + [(m, "ALL", "cleared", t["cleared"]) for m, t in gt["incidents"]["by_month"].items()]
        + [(m, s, "incidents", v["incidents"]) for m, t in gt["incidents"]["by_month"].items()
           for s, v in t["by_section"].items()],
        schema=["month", "iccs_section", "figure", "true"], orient="row",
    ).group_by(year, "iccs_section", "figure").agg(pl.col("true").sum())
    violations = pl.DataFrame(
        [(m, "all", t["violations"]) for m, t in gt["violations"]["by_month"].items()]
        + [(m, g, v["violations"]) for m, t in gt["violations"]["by_month"].items()
           for g, v in t["by_group"].items()],
        schema=["month", "violation_group", "true"], orient="row",
    ).group_by(year, "violation_group").agg(pl.col("true").sum())
    province = pl.col("area_level") == "province"
    published = pl.concat([
        yearly.filter(province).select("year", "iccs_section", pl.lit("incidents").alias("figure"),
                                       published="incidents"),
        yearly.filter(province & ALL).select("year", "iccs_section", pl.lit("cleared").alias("figure"),
                                             published="cleared")])
    checked = pl.concat([
        against_truth(published, incidents, ["year", "iccs_section", "figure"], D, JS),
        against_truth(traffic.filter(province & (pl.col("vehicle_type") == "all")).select(
                          "year", "violation_group", published="violations"),
                      violations, ["year", "violation_group"], D, JS),
""",
    ),
]

# ============================================================================ quality
QUALITY = [
    *opening(
        "Chất lượng dữ liệu / Data quality (cho người vận hành / for operators)",
        [
            "Cần kiểm tra gì, và làm gì? / What needs checking, and what to do?",
            "Mọi dòng nhận được có được chấp nhận hoặc cách ly không? / Was every row "
            "received accepted or quarantined?",
            "Dòng nào bị loại, vì sao? / What was rejected, and why?",
            "Bao nhiêu đăng ký muộn và thông báo lưu trú muộn? / How many late "
            "registrations and late lodging notifications?",
            "Bảo vệ số liệu (khóa ô) làm lệch số công bố bao nhiêu? / How much does the "
            "protection move the published figures?",
        ],
        """

from de06nb import data_dir

operations = data_dir() / "operations"  # the operators' side of the data folder (0700)
if not (operations / "quality_flags.parquet").exists():
    raise FileNotFoundError(f"{operations}/quality_flags.parquet: run the pipeline (make run); "
                            "this folder is the operators' only")
flags = pl.read_parquet(operations / "quality_flags.parquet")
monthly = pl.read_parquet(operations / "quality_monthly.parquet")
signals = pl.read_parquet(operations / "quality_signals.parquet")
reasons = (monthly.select("source", "source_file", "period", pl.col("^reject:.*$"))
           .unpivot(index=["source", "source_file", "period"], variable_name="reason", value_name="rows")
           .drop_nulls("rows").filter(pl.col("rows") > 0)
           .with_columns(pl.col("reason").str.strip_prefix("reject:")))
by_reason = reasons.group_by("source", "reason").agg(pl.col("rows").sum()).sort("rows", descending=True)
late = {c: monthly[c].sum() for c in ("repair:late_registration", "flag:late_notification")
        if c in monthly.columns}
utility = pub.sql("SELECT mart, level, kind, cells, cells_perturbed_share, mean_abs_deviation, "
                  "max_abs_deviation, mean_relative_deviation FROM disclosure_utility")
counts = utility.filter(pl.col("kind") == "count")
perturbed = (counts["cells"] * counts["cells_perturbed_share"]).sum() / counts["cells"].sum()
answers([
    ("1. Cần kiểm tra / to check",
     f"**{flags.height}** "
     + ("(" + "; ".join(f"{r['what']}: {r['source']} {r['where']} "
                        f"{'' if r['month'] is None else format(r['month'], '%m/%Y')}"
                        for r in flags.head(5).iter_rows(named=True)) + ") — bảng dưới / table below"
        if flags.height else "— không có gì / nothing")),
    ("2. Mọi dòng được xử lý? / every row accounted for?",
     f"{monthly.height} tệp / files, {vn(monthly['rows_in'].sum())} dòng nhận / rows in = "
     f"{vn(monthly['accepted'].sum())} chấp nhận / accepted + {vn(monthly['quarantined'].sum())} "
     f"cách ly / quarantined"),
    ("3. Lý do cách ly / why rejected",
     "; ".join(f"{r['source']} {r['reason']}: {vn(r['rows'])}" for r in by_reason.head(4).iter_rows(named=True))
     or "-"),
    ("4. Muộn / late",
     f"đăng ký muộn / late registrations {vn(late.get('repair:late_registration', 0))}; thông báo "
     f"lưu trú muộn / late notifications {vn(late.get('flag:late_notification', 0))}"),
    ("5. Bảo vệ số liệu / protection",
     f"{vn(100 * perturbed, 0)} % số ô đếm bị thay đổi / of count cells changed, lệch tối đa / "
     f"at most ±{int(counts['max_abs_deviation'].max())}, bình quân / mean "
     f"{vn((counts['cells'] * counts['mean_abs_deviation']).sum() / counts['cells'].sum(), 2)}"),
])
if flags.height:
    display(flags.select("month", "source_name", "where", "what", "seen", "expected",
                         "what_to_check_vi", "what_to_check_en"))""",
        source="`DE06_DATA_DIR/operations/quality_flags.parquet`, `quality_monthly.parquet`, "
        "`quality_signals.parquet` — số đếm như đã nhận, chỉ người vận hành đọc được (thư "
        "mục dữ liệu, chỉ chủ sở hữu), cùng số liệu với `operations/quality.html`; và "
        "`published/marts.duckdb` (bảng `disclosure_utility`). / The operators' figures "
        "(counts as received, in the owner-only data folder; the same as "
        "`operations/quality.html`, written by every run) and the published "
        "`disclosure_utility`. Analysts, who get the share only, cannot open this "
        "notebook's first source.",
    ),
    ("md", "## 2–3. Theo nguồn và tháng / By source and month"),
    (
        "code",
        """\
by_source = monthly.group_by("source").agg(
    pl.len().alias("files"), pl.col("rows_in", "accepted", "quarantined").sum(),
    pl.col("coverage_jump", "quarantine_jump").sum()).sort("source")
display(by_source)
fig = px.bar(reasons.filter(pl.col("period").str.contains(r"^\\d{4}-\\d{2}$")),
             x="period", y="rows", color="reason", facet_row="source", height=900,
             color_discrete_sequence=px.colors.qualitative.Dark24,  # one colour per reason
             labels={"rows": "dòng / rows", "period": "tháng / month", "reason": "lý do / reason"},
             title="Dòng bị cách ly theo lý do / quarantined rows by reason")
drawn(fig)""",
    ),
    ("md", "## 4. Đăng ký muộn, thông báo muộn / Late registrations and notifications"),
    (
        "code",
        """\
late_cols = [c for c in ("repair:late_registration", "flag:late_notification") if c in monthly.columns]
fig = px.line(monthly.select("source", "period", *late_cols).unpivot(index=["source", "period"])
              .drop_nulls("value"), x="period", y="value", color="variable", markers=True,
              labels={"value": "dòng / rows", "period": "tháng / month", "variable": ""},
              title="Đăng ký muộn, thông báo muộn / late registrations and notifications")
drawn(fig)""",
    ),
    ("md", "## 5. Bảo vệ số liệu / The protection's utility (published `disclosure_utility`)"),
    ("code", """utility.sort("mart", "level", "kind")"""),
    (
        "md",
        CHECKS_MD.split("\n\n")[0] + "\n\nSố đếm ở đây là số như đã nhận (không làm nhiễu): "
        "so sánh chính xác. / Counts here are as received (not perturbed): compared exactly.",
    ),
    (
        "code",
        """\
# 1. Every row received is accepted or quarantined, in every file.
assert (monthly["rows_in"] == monthly["accepted"] + monthly["quarantined"]).all()
# 2. Every flag says what to check, in both languages, and a district flag comes from its signal.
assert flags.filter((pl.col("what_to_check_vi").str.len_chars() < 40)
                    | (pl.col("what_to_check_en").str.len_chars() < 40)).height == 0
marked = signals.filter(pl.col("stopped") | pl.col("jump"))
districts = flags.filter(pl.col("kind").is_in(["stopped", "drop", "rise"])
                         & ~pl.col("where").str.contains("/"))
assert districts.join(marked.select(pl.col("district_name").alias("where"), "month", "source"),
                      on=["where", "month", "source"], how="anti").height == 0
# 3. The published utility: no deviation beyond the audit's bound.
assert counts["max_abs_deviation"].max() <= D""",
    ),
    (
        "code",
        """\
# 4. Against the generator's truth (synthetic landings only): the quarantine by reason is what
#    the generator planted.
gts = {d: truth(d) for d in ("population", "public_order", "lodging", "labour")}
if all(gts.values()):
    planted = {**gts["population"]["quarantine"], **gts["public_order"]["quarantine"],
               "stays": gts["lodging"]["quarantine"]["stays"]}
    labour = {}
    for y in gts["labour"]["years"].values():
        for reason, n in y["quarantine"].items():
            labour[reason] = labour.get(reason, 0) + n
    planted["labour_status"] = labour
    got = {(s, r): n for s, r, n in by_reason.iter_rows()}
    want = {(s, r): n for s, by in planted.items() for r, n in by.items() if n}
    assert {k: v for k, v in got.items() if k[0] in planted} == want
    print(f"quarantine by reason equals the truth: {len(want)} source-reasons")
else:
    print("Không có ground truth (dữ liệu thật) / no ground truth (real extracts)")""",
    ),
]

NOTEBOOKS = {
    "36_population.ipynb": POPULATION,
    "37_labour.ipynb": LABOUR,
    "38_tourism.ipynb": TOURISM,
    "39_public_order.ipynb": PUBLIC_ORDER,
    "quality.ipynb": QUALITY,
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
