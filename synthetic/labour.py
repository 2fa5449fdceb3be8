"""Synthetic labour-market register extracts (model 37; synthetic persons only).

`generate(world, out_dir, rng, scale)` writes `landing/labour/labour_status_<YYYY>.xlsx` for 2024
and 2025 (reference date 1 July; the 2024 file uses the old commune codes, the 2025 file the 2025
codes) as the labour-market register delivers them: Excel, a title row above a Vietnamese
header, one row per resident aged 15+ on the reference date (the same personal IDs as the
population register, `world.residents_at`), plus defects injected at known rates. It returns the
ground truth computed here from the clean records, independently of the pipeline.

Structure (Bình Định, GSO labour force survey orders of magnitude): participation of the 15+
about 70 %, lower for women and from 60 on; unemployment about 2 % (higher for 15–24);
agriculture about a third of employment, industry and construction about 30 %; informal work
concentrated in agriculture and own-account / contributing family work.

Informal employment (the operational definition shared with marts/labour_indicators.sql):
employed persons who are contributing family workers, or who are employees, employers or
own-account workers without social insurance.

Excel is written by the small vectorised writer of `synthetic/ooxml.py`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from sources import admin_units
from sources.contracts.labour import LABOUR_STATUS
from synthetic import common as C
from synthetic.ooxml import num_cell, shared_cell, str_cell, write_xlsx

YEARS = (2024, 2025)
REFORM = date.fromisoformat(admin_units.REFORM_DATE)
SECTIONS = list("ABCDEFGHIJKLMNOPQRSTU")
BROAD = {s: ("A" if s == "A" else "B-F" if s in "BCDEF" else "G-U") for s in SECTIONS}
# Sections within industry & construction, and within services (shares of employment there).
IND_P = {"B": 0.02, "C": 0.70, "D": 0.01, "E": 0.01, "F": 0.26}
SERV_P = {
    "G": 0.32,
    "H": 0.08,
    "I": 0.14,
    "J": 0.01,
    "K": 0.02,
    "L": 0.01,
    "M": 0.01,
    "N": 0.02,
    "O": 0.06,
    "P": 0.09,
    "Q": 0.04,
    "R": 0.01,
    "S": 0.06,
    "T": 0.115,
    "U": 0.005,
}
# VSCO level-1 occupation by section (others: GENERIC_OCC).
OCC = {
    "A": {"6": 0.6, "9": 0.4},
    "C": {"8": 0.35, "7": 0.35, "9": 0.2, "3": 0.05, "4": 0.05},
    "F": {"7": 0.6, "9": 0.35, "3": 0.05},
    "G": {"5": 0.85, "4": 0.1, "1": 0.05},
    "I": {"5": 0.9, "9": 0.1},
    "O": {"0": 0.25, "2": 0.25, "3": 0.2, "4": 0.2, "1": 0.1},
    "P": {"2": 0.8, "3": 0.2},
    "Q": {"2": 0.6, "3": 0.4},
    "T": {"9": 0.9, "5": 0.1},
}
GENERIC_OCC = {"1": 0.03, "2": 0.1, "3": 0.12, "4": 0.15, "5": 0.3, "7": 0.1, "8": 0.05, "9": 0.15}
STATUSES = ["employee", "employer", "own_account", "contributing_family"]
# status in employment by broad sector
STATUS_P = {
    "A": [0.09, 0.01, 0.60, 0.30],
    "B-F": [0.75, 0.03, 0.18, 0.04],
    "G-U": [0.55, 0.04, 0.33, 0.08],
}
PUBLIC = set("OPQU")  # sections where almost everyone is an insured employee
# The fields only an employed person has (null for the unemployed and those outside).
EMPLOYED_ONLY = (
    "status_in_employment",
    "vsic_section",
    "occupation_code",
    "has_social_insurance",
    "has_labour_contract",
    "hours_per_week",
    "workplace_commune_code",
)

# Defects. Rejected: extra rows (DUPLICATE, INVALID_PERSON_ID, UNKNOWN_PERSON, UNDER_15) or a
# person's own row made contradictory (CONTRADICTORY_STATUS: that person then has no accepted
# record). Repairs: at most one per row.
REJECT_RATES = {
    "DUPLICATE": 0.003,
    "INVALID_PERSON_ID": 0.002,
    "UNKNOWN_PERSON": 0.002,
    "UNDER_15": 0.001,
    "CONTRADICTORY_STATUS": 0.001,
}
REPAIR_RATES = {
    "date_format": 0.02,
    "bool_spelling": 0.02,
    "status_fields_cleared": 0.004,
    "old_commune_code": 0.05,
    "sex_differs_from_register": 0.004,
    "birth_date_differs_from_register": 0.004,
}
INVALID_ID_KINDS = ["length_11", "length_13", "letter", "unknown_prefix", "century_digit"]
TRUE_SPELLINGS = ["Có", "1", "TRUE", "x"]
FALSE_SPELLINGS = ["Không", "0", "FALSE", "no"]
OUTSIDE_WORKPLACE = 0.01  # employed outside industry A working in another province


# =========================================================================== clean records
def _clean_records(rng: np.random.Generator, world, year: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(records of the 15+, residents aged 12–14) on 1 July of `year`, typed."""
    ref = date(year, 7, 1)
    geo = world.geo
    res = world.residents_at(ref.isoformat()).with_columns(
        age=C.age_on(pl.col("date_of_birth"), ref)
    )
    young = res.filter(pl.col("age").is_between(12, 14))
    r = res.filter(pl.col("age") >= 15)
    n = r.height
    age = r["age"].to_numpy()
    male = (r["sex"] == "Nam").to_numpy()
    cidx = np.searchsorted(geo.old_codes, r["commune_code_old"].to_numpy())
    ward = geo.is_ward[cidx]

    # in education: mostly 15–24
    p_edu = np.interp(
        age, [15, 17, 18, 22, 23, 25, 30, 31], [0.88, 0.82, 0.45, 0.30, 0.15, 0.05, 0.02, 0.004]
    )
    in_edu = rng.random(n) < p_edu
    # labour force participation by age and sex (ILO: employed or unemployed)
    ages = [15, 18, 20, 25, 55, 60, 65, 70, 75, 90]
    p_m = np.interp(age, ages, [0.30, 0.60, 0.86, 0.97, 0.95, 0.82, 0.55, 0.38, 0.20, 0.05])
    p_f = np.interp(age, ages, [0.25, 0.52, 0.78, 0.90, 0.86, 0.60, 0.40, 0.26, 0.12, 0.03])
    p_lf = np.where(male, p_m, p_f) * 0.96
    p_lf = np.where(in_edu, 0.10, p_lf)
    in_lf = rng.random(n) < p_lf
    p_unemp = np.where(age < 25, 0.065, np.where(age < 30, 0.025, 0.012))
    unemployed = in_lf & (rng.random(n) < p_unemp)
    employed = in_lf & ~unemployed
    status = np.where(employed, "employed", np.where(unemployed, "unemployed", "outside"))

    # sector: agriculture more often for older workers and outside wards
    p_a = np.interp(age, [15, 25, 40, 55, 65, 80], [0.24, 0.20, 0.30, 0.45, 0.62, 0.75])
    p_a = np.where(ward, p_a * 0.25, p_a * 1.15)
    u = rng.random(n)
    is_a = u < p_a
    p_ind = np.where(male, 0.50, 0.40)
    is_ind = ~is_a & (rng.random(n) < p_ind)
    ind = np.array(list(IND_P))[rng.choice(len(IND_P), n, p=list(IND_P.values()))]
    sv = np.array(list(SERV_P.values()), float)
    serv = np.array(list(SERV_P))[rng.choice(len(SERV_P), n, p=sv / sv.sum())]
    section = np.where(is_a, "A", np.where(is_ind, ind, serv))
    broad = np.where(is_a, "A", np.where(is_ind, "B-F", "G-U"))

    # status in employment
    sie = np.empty(n, dtype=object)
    for b, p in STATUS_P.items():
        m = broad == b
        sie[m] = np.array(STATUSES)[rng.choice(4, int(m.sum()), p=p)]
    public = np.isin(section, list(PUBLIC))
    sie = np.where(public, "employee", sie).astype(str)
    # occupation (VSCO level 1)
    occ = np.empty(n, dtype="U1")
    for s in SECTIONS:
        m = section == s
        dist = OCC.get(s, GENERIC_OCC)
        p = np.array(list(dist.values()), float)
        occ[m] = np.array(list(dist))[rng.choice(len(dist), int(m.sum()), p=p / p.sum())]
    # social insurance and contract
    p_si = np.select(
        [public, sie == "employee", sie == "employer", sie == "own_account"],
        [0.97, np.where(broad == "A", 0.15, 0.55), 0.40, 0.04],
        0.01,
    )
    si = rng.random(n) < p_si
    contract = np.where(sie == "employee", rng.random(n) < np.where(si, 0.98, 0.30), False)
    # usual hours
    hours = np.clip(np.round(rng.normal(np.where(broad == "A", 36, 46), 9, n)), 4, 84)
    # workplace: home commune, another commune of the area, or another province
    pop = np.bincount(cidx, minlength=len(geo.old_codes)).astype(float)
    other = rng.choice(len(pop), n, p=pop / pop.sum())
    widx = np.where(is_a | (rng.random(n) < 0.75), cidx, other)
    outside = ~is_a & (rng.random(n) < OUTSIDE_WORKPLACE)
    post = ref >= REFORM
    away = C.other_province_communes(post)
    away_code = away[rng.integers(0, len(away), n)]
    wcode = np.where(outside, away_code, geo.new_of_old[widx] if post else geo.old_codes[widx])

    e = pl.col("_employed")
    records = (
        pl.DataFrame(
            {
                "person_id": r["person_id"],
                "sex": r["sex"],
                "date_of_birth": r["date_of_birth"],
                "age": age,
                "commune_code_new": r["commune_code_new"],
                "employment_status": status,
                "_employed": employed,
                "status_in_employment": sie,
                "vsic_section": section,
                "occupation_code": occ,
                "has_social_insurance": si,
                "has_labour_contract": contract,
                "hours_per_week": hours,
                "in_education": in_edu,
                "workplace_commune_code": wcode,
                "workplace_outside": employed & outside,
                "workplace_idx": np.where(employed & ~outside, widx, -1),
            }
        )
        .with_columns([pl.when(e).then(pl.col(k)).alias(k) for k in EMPLOYED_ONLY])
        .drop("_employed")
    )
    return records, young


def _informal() -> pl.Expr:
    return (pl.col("employment_status") == "employed") & (
        (pl.col("status_in_employment") == "contributing_family")
        | ~pl.col("has_social_insurance").fill_null(False)
    )


# =========================================================================== truth
def _rates(df: pl.DataFrame, wap: int) -> dict:
    emp = int((df["employment_status"] == "employed").sum())
    une = int((df["employment_status"] == "unemployed").sum())
    out = int((df["employment_status"] == "outside").sum())
    lf = emp + une
    informal = int(df.select(_informal().sum()).item())
    y = df.filter(pl.col("age") < 25)
    y_emp = int((y["employment_status"] == "employed").sum())
    y_une = int((y["employment_status"] == "unemployed").sum())
    neet = int(
        y.filter((pl.col("employment_status") != "employed") & ~pl.col("in_education")).height
    )
    e = df.filter(pl.col("employment_status") == "employed")
    broad = e["vsic_section"].replace_strict(BROAD, return_dtype=pl.String)

    def pct(a, b):
        return round(100.0 * a / b, 2) if b else None

    return {
        "working_age_population": wap,
        "with_labour_record": df.height,
        "no_labour_record": wap - df.height,
        "labour_force": lf,
        "employed": emp,
        "unemployed": une,
        "outside": out,
        "informal_employed": informal,
        "youth_with_record": y.height,
        "youth_labour_force": y_emp + y_une,
        "youth_unemployed": y_une,
        "youth_neet": neet,
        "participation_rate": pct(lf, lf + out),
        "employment_to_population_ratio": pct(emp, lf + out),
        "unemployment_rate": pct(une, lf),
        "informal_employment_rate": pct(informal, emp),
        "youth_unemployment_rate": pct(y_une, y_emp + y_une),
        "neet_rate": pct(neet, y.height),
        "employed_by_broad_sector": {b: int((broad == b).sum()) for b in ("A", "B-F", "G-U")},
        "sector_share": {b: pct(int((broad == b).sum()), emp) for b in ("A", "B-F", "G-U")},
    }


def _rates_by_sex(accepted: pl.DataFrame, residents15: pl.DataFrame) -> dict:
    out = {"Tổng": _rates(accepted, residents15.height)}
    for s in ("Nam", "Nữ"):
        out[s] = _rates(accepted.filter(pl.col("sex") == s), int((residents15["sex"] == s).sum()))
    return out


# =========================================================================== defects & text
def _bool_text(col: str, variant: pl.Expr, tv: pl.Expr, fv: pl.Expr) -> pl.Expr:
    v = pl.col(col)
    return (
        pl.when(v.is_null())
        .then(pl.lit(None, pl.String))
        .when(variant)
        .then(pl.when(v).then(tv).otherwise(fv))
        .otherwise(pl.when(v).then(pl.lit("true")).otherwise(pl.lit("false")))
    )


def _invalid_ids(rng, ids: np.ndarray) -> tuple[np.ndarray, dict]:
    """The IDs of template rows, each broken in one of the INVALID_ID_KINDS; and the kind counts."""
    kinds, counts = C.spread_kinds(rng, len(ids), INVALID_ID_KINDS)
    return C.broken_ids(rng, ids, kinds, INVALID_ID_KINDS), counts


def _unknown_ids(rng, world, male: np.ndarray, dob_year: np.ndarray) -> np.ndarray:
    """Valid personal IDs (structure, sex and birth year) that the register does not hold."""
    known = C.UsedInts()
    known.add(world.persons["pid"].to_numpy())
    home = np.full(len(male), C.HOME_PROVINCE_PREFIX)
    return np.array(C.format_ids(C.person_ids(rng, home, male, dob_year, known)).to_list())


def _year_file(rng, world, year: int, out_dir: Path) -> dict:
    geo = world.geo
    ref = date(year, 7, 1)
    post = ref >= REFORM
    rec, young = _clean_records(rng, world, year)
    n = rec.height
    emp = (rec["employment_status"] == "employed").to_numpy()
    # ---- repairs, one kind per row, each on the rows it can apply to
    alias_ok = np.zeros(n, bool)
    widx = rec["workplace_idx"].to_numpy()
    if post:
        alias_ok = (widx >= 0) & geo.old_alias_ok[np.maximum(widx, 0)]
    elig = {
        "date_format": np.ones(n, bool),
        "bool_spelling": np.ones(n, bool),
        "status_fields_cleared": ~emp,
        "old_commune_code": alias_ok,
        "sex_differs_from_register": np.ones(n, bool),
        "birth_date_differs_from_register": np.ones(n, bool),
    }
    repair = np.zeros(n, np.int64)
    for i, (name, p) in enumerate(REPAIR_RATES.items()):
        pool = np.flatnonzero(elig[name] & (repair == 0))
        k = min(int(round(p * n)), len(pool))
        repair[rng.choice(pool, size=k, replace=False)] = i + 1
    R = {name: i + 1 for i, name in enumerate(REPAIR_RATES)}
    # ---- CONTRADICTORY_STATUS: persons whose own row is made contradictory (rejected)
    k_con = C.defect_count(REJECT_RATES["CONTRADICTORY_STATUS"], n)
    plain = (repair == 0) & ~rec["workplace_outside"].to_numpy()  # rows with no figure at all
    clean_pool = np.flatnonzero(plain)
    con = rng.choice(clean_pool, size=k_con, replace=False)
    con_mask = np.zeros(n, bool)
    con_mask[con] = True
    con_emp = con_mask & emp
    con_not = con_mask & ~emp
    # ---- the typed rows as they will be written
    sex_flip = {"Nam": "Nữ", "Nữ": "Nam"}
    shift = rng.integers(1, 4, n) * 365
    date_kind = rng.integers(
        1, 6, n
    )  # 1 yyyy-mm-dd, 2 d/m/yyyy, 3 dd-mm-yyyy, 4 dd.mm.yyyy, 5 serial
    canonical_text = rng.random(n) < 0.1  # dd/mm/yyyy as text instead of a date cell
    bool_variant = rng.integers(0, len(TRUE_SPELLINGS), n)
    wrong_section = np.array(SECTIONS)[rng.integers(0, 21, n)]
    wrong_occ = np.array(list("1234567890"))[rng.integers(0, 10, n)]
    wrong_sie = np.array(STATUSES)[rng.integers(0, 4, n)]
    serial = (ref - C.EPOCH).days - C.EXCEL_EPOCH_DAYS  # Excel's day number of `ref`
    rp = pl.Series(repair)
    t = rec.with_columns(
        _repair=rp,
        _con_emp=pl.Series(con_emp),
        _con_not=pl.Series(con_not),
        _dk=pl.Series(date_kind),
        _canon=pl.Series(canonical_text),
        _bv=pl.Series(bool_variant),
        _shift=pl.Series(shift),
        _ws=pl.Series(wrong_section),
        _wo=pl.Series(wrong_occ),
        _wsie=pl.Series(wrong_sie),
        _hrs_bad=pl.Series(rng.integers(101, 141, n).astype(float)),
        _hrs_not=pl.Series(rng.integers(4, 41, n).astype(float)),
    )
    r = pl.col("_repair")
    tv = pl.col("_bv").replace_strict(dict(enumerate(TRUE_SPELLINGS)), return_dtype=pl.String)
    fv = pl.col("_bv").replace_strict(dict(enumerate(FALSE_SPELLINGS)), return_dtype=pl.String)
    is_bool_rep = r == R["bool_spelling"]
    cleared = r == R["status_fields_cleared"]
    t = t.with_columns(
        # reference date: an Excel date cell (most rows), dd/mm/yyyy text, or another spelling
        ref_serial=pl.when((r != R["date_format"]) & ~pl.col("_canon"))
        .then(pl.lit(serial))
        .when((r == R["date_format"]) & (pl.col("_dk") == 5))
        .then(pl.lit(serial)),
        ref_is_date_cell=(r != R["date_format"]) & ~pl.col("_canon"),
        ref_text=pl.when(r == R["date_format"])
        .then(
            pl.col("_dk").replace_strict(
                {
                    1: ref.strftime("%Y-%m-%d"),
                    2: f"{ref.day}/{ref.month}/{ref.year}",
                    3: ref.strftime("%d-%m-%Y"),
                    4: ref.strftime("%d.%m.%Y"),
                    5: None,
                },
                return_dtype=pl.String,
            )
        )
        .when(pl.col("_canon"))
        .then(pl.lit(ref.strftime("%d/%m/%Y"))),
        sex_text=pl.when(r == R["sex_differs_from_register"])
        .then(pl.col("sex").replace_strict(sex_flip))
        .otherwise("sex"),
        dob_text=pl.when(r == R["birth_date_differs_from_register"])
        .then((pl.col("date_of_birth").cast(pl.Int32) - pl.col("_shift")).cast(pl.Date))
        .otherwise("date_of_birth")
        .dt.strftime("%d/%m/%Y"),
        status_in_employment=pl.when(cleared)
        .then(pl.col("_wsie"))
        .otherwise("status_in_employment"),
        vsic_section=pl.when(cleared).then(pl.col("_ws")).otherwise("vsic_section"),
        occupation_code=pl.when(cleared).then(pl.col("_wo")).otherwise("occupation_code"),
        hours_per_week=pl.when(pl.col("_con_emp"))
        .then(pl.col("_hrs_bad"))
        .when(pl.col("_con_not"))
        .then(pl.col("_hrs_not"))
        .otherwise("hours_per_week"),
        has_social_insurance=_bool_text("has_social_insurance", is_bool_rep, tv, fv),
        has_labour_contract=_bool_text("has_labour_contract", is_bool_rep, tv, fv),
        in_education=_bool_text("in_education", is_bool_rep, tv, fv),
        workplace_commune_code=pl.when(r == R["old_commune_code"])
        .then(pl.Series(geo.old_codes[np.maximum(widx, 0)]))
        .otherwise("workplace_commune_code"),
    )
    written = t.select(_OUT_COLS)
    accepted = rec.filter(~pl.Series(con_mask))
    templates = written.filter(pl.Series(plain & ~con_mask))  # extra rows copy plain rows

    # ---- extra rejected rows
    extra, counts = [], {}
    k = C.defect_count(REJECT_RATES["INVALID_PERSON_ID"], n)
    tmpl = templates[rng.integers(0, templates.height, k)]
    bad_ids, id_kinds = _invalid_ids(rng, tmpl["person_id"].to_numpy())
    extra.append(tmpl.with_columns(person_id=pl.Series(bad_ids)))
    counts["INVALID_PERSON_ID"] = k
    k = C.defect_count(REJECT_RATES["UNKNOWN_PERSON"], n)
    tmpl = templates[rng.integers(0, templates.height, k)]
    dob_year = tmpl["dob_text"].str.slice(6, 4).cast(pl.Int64).to_numpy()
    ids = _unknown_ids(rng, world, (tmpl["sex_text"] == "Nam").to_numpy(), dob_year)
    extra.append(tmpl.with_columns(person_id=pl.Series(ids)))
    counts["UNKNOWN_PERSON"] = k
    k = min(C.defect_count(REJECT_RATES["UNDER_15"], n), young.height)
    kids = young[np.sort(rng.choice(young.height, size=k, replace=False))]
    works = rng.random(k) < 0.5
    w = pl.col("_works")
    extra.append(
        pl.DataFrame(
            {
                "person_id": kids["person_id"],
                "ref_serial": np.full(k, serial),
                "ref_is_date_cell": np.ones(k, bool),
                "ref_text": pl.Series([None] * k, dtype=pl.String),
                "sex_text": kids["sex"],
                "dob_text": kids["date_of_birth"].dt.strftime("%d/%m/%Y"),
                "employment_status": np.where(works, "employed", "outside"),
                "_works": works,
                "hours_per_week": rng.integers(6, 20, k).astype(float),
                "in_education": np.full(k, "true"),
                "workplace_commune_code": kids["commune_code_new" if post else "commune_code_old"],
            }
        )
        .with_columns(
            status_in_employment=pl.when(w).then(pl.lit("contributing_family")),
            vsic_section=pl.when(w).then(pl.lit("A")),
            occupation_code=pl.when(w).then(pl.lit("9")),
            has_social_insurance=pl.when(w).then(pl.lit("false")),
            has_labour_contract=pl.when(w).then(pl.lit("false")),
            hours_per_week=pl.when(w).then(pl.col("hours_per_week")),
            workplace_commune_code=pl.when(w).then(pl.col("workplace_commune_code")),
        )
        .select(_OUT_COLS)
    )
    counts["UNDER_15"] = k
    counts["CONTRADICTORY_STATUS"] = k_con
    fab = pl.concat(extra, how="vertical_relaxed")
    k_dup = C.defect_count(REJECT_RATES["DUPLICATE"], n)
    src = np.sort(rng.choice(np.flatnonzero(plain & ~con_mask), size=k_dup, replace=False))
    counts["DUPLICATE"] = k_dup
    rows = C.with_extra_rows(written, fab, src, rng)
    path = out_dir / "landing" / LABOUR_STATUS.folder / f"labour_status_{year}.xlsx"
    title = (
        f"DANH SÁCH THÔNG TIN THỊ TRƯỜNG LAO ĐỘNG - THỜI ĐIỂM {ref:%d/%m/%Y} "
        f"(tỉnh {'Gia Lai' if post else 'Bình Định'})"
    )
    write_labour_xlsx(rows, path, title)

    residents15 = rec.select("sex")
    repairs = {name: int((repair == i + 1).sum()) for i, name in enumerate(REPAIR_RATES)}
    repairs["workplace_outside_area"] = int(rec["workplace_outside"].sum())
    return {
        "reference_date": ref.isoformat(),
        "file": f"{LABOUR_STATUS.folder}/{path.name}",
        "rows": rows.height,
        "province": _rates_by_sex(accepted, residents15),
        "quarantine": counts,
        "invalid_id_kinds": id_kinds,
        "contradictory_kinds": {
            "hours_over_100": int(con_emp.sum()),
            "not_employed_with_hours": int(con_not.sum()),
        },
        "repairs": repairs,
        "date_cells": int(rows["ref_is_date_cell"].sum()),
    }


# The written frame: the contract's columns in its order, the reference date as the parts of its
# cell (serial, whether it is a date cell, text) and sex and birth date as the text written.
_WRITTEN_AS = {
    "reference_date": ("ref_serial", "ref_is_date_cell", "ref_text"),
    "sex": ("sex_text",),
    "date_of_birth": ("dob_text",),
}
_OUT_COLS = [part for name in LABOUR_STATUS.names for part in _WRITTEN_AS.get(name, (name,))]


# =========================================================================== Excel writer
def write_labour_xlsx(rows: pl.DataFrame, path: Path, title: str) -> int:
    """The labour extract layout: title row, Vietnamese header, the contract's columns."""
    c = pl.col
    spec = {
        "reference_date": lambda L: (
            pl.when(c("ref_is_date_cell"))
            .then(num_cell(L, c("ref_serial"), pl.lit(' s="1"')))
            .when(c("ref_text").is_not_null())
            .then(str_cell(L, c("ref_text")))
            .otherwise(num_cell(L, c("ref_serial")))
        ),
        "sex": lambda L: shared_cell(L, "sex_text"),
        "date_of_birth": lambda L: shared_cell(L, "dob_text"),
        "hours_per_week": lambda L: num_cell(L, c("hours_per_week").cast(pl.Int64)),
    }
    text = [col.name for col in LABOUR_STATUS.columns if col.name not in spec]
    cells = [
        spec.get(col.name, (lambda name: lambda L: shared_cell(L, name))(col.name))
        for col in LABOUR_STATUS.columns
    ]
    return write_xlsx(
        path,
        title,
        LABOUR_STATUS.vietnamese_header(),
        cells,
        rows,
        shared=(*text, "sex_text", "dob_text"),
    )


# =========================================================================== entry point
def generate(world, out_dir: Path, rng: np.random.Generator, scale: float) -> dict:
    """Write both yearly labour extracts; return the ground truth."""
    out_dir = Path(out_dir)
    years = {str(y): _year_file(rng, world, y, out_dir) for y in YEARS}
    return {
        "scale": scale,
        "definitions": {
            "participation_rate": "labour force / persons 15+ with an accepted record, %",
            "unemployment_rate": "unemployed / labour force, %",
            "informal_employment": "employed contributing family workers, and employed "
            "employees, employers and own-account workers without social insurance",
            "neet_rate": "15-24 not employed and not in education / 15-24 with a record, %",
            "broad_sectors": {"A": "A", "B-F": "B..F", "G-U": "G..U"},
        },
        "years": years,
        "rows": {v["file"]: v["rows"] for v in years.values()},
    }
