"""Synthetic public-order extracts (model 39): the police incident log and camera traffic
violations of the former Bình Định area, 2024-01 … 2025-12 (synthetic events only).

`generate(world, out_dir, rng, scale)` writes
- `landing/public_order/incidents_YYYY-MM.csv` (one file per month the incident was reported),
- `landing/public_order/traffic_violations_YYYY-MM.parquet` (one file per month detected),
and returns the ground truth (written by the registry to `ground_truth/public_order.json`),
computed here from the clean synthetic events, independently of the pipeline.

Design (scale 1.0 ≈ 1.5 million residents): about 9,000 incidents and 290,000 camera violations
a year. Incidents follow the population, with more in Quy Nhơn and along National Highway 1
(QL1); violations follow the cameras, mostly on QL1 and in Quy Nhơn. Both rise around Tết
(gambling, theft, alcohol). About 80 % of incidents are cleared by the time of the extract.
Fines are the middle of the bracket (the rule of the Law on Handling Administrative
Violations), using brackets modelled on Decree 100/2019/NĐ-CP as amended by 123/2021 for 2024
and on Decree 168/2024/NĐ-CP from 1 January 2025 (approximate synthetic amounts).

Defects (each recorded in the truth): rejected — DUPLICATE (exact later copies of real rows),
UNKNOWN_COMMUNE, OCCURRED_AFTER_REPORTED (incidents), NEGATIVE_FINE and INVALID_PLATE
(violations), all extra rows; kept — an unknown Penal Code article (section 11), an unknown
violation code (group `other`) and old commune codes after 1 July 2025 (converted), applied to
real rows. Everything is vectorised; the only loops are over months, categories and codes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from sources.contracts.public_order import INCIDENTS, TRAFFIC_VIOLATIONS
from synthetic import common as C
from synthetic.population import LAST_DAY, REFORM, _alias_codes, _has_alias

INCIDENTS_PER_YEAR = 9_000
VIOLATIONS_PER_YEAR = 290_000
VIETNAMESE_HEADER_MONTH = "2025-03"  # one incident file arrives with the Vietnamese labels
BOM_MONTHS = ("2024-05", "2025-09")  # and two with a byte-order mark
EXTRACT_LAG_DAYS = 45  # the incident log of a month is extracted 45 days after it ends

QUY_NHON = "540"
QL1_DISTRICTS = (
    "543",
    "545",
    "548",
    "549",
    "550",
)  # Hoài Nhơn, Phù Mỹ, Phù Cát, An Nhơn, Tuy Phước

# Penal Code 2015 articles (synthetic/reference/penal_code_articles.csv): code, Vietnamese name,
# ICCS v1.0 section, weight, clearance probability. The pipeline's own mapping is
# sources/reference/penal_code_iccs.csv; this one is the generator's, kept separately so the
# truth does not come from the pipeline's reference data.
CATEGORIES = [
    (
        r["category_code"],
        r["category_name"],
        r["iccs_section"],
        float(r["weight"]),
        float(r["clearance_p"]),
    )
    for r in C.reference_rows("penal_code_articles")
]
SECTIONS = [f"{i:02d}" for i in range(1, 12)]
UNKNOWN_ARTICLES = [
    ("HS999", "Tội danh chưa xác định"),
    ("HS427", "Tội danh khác (mã lạ)"),
    ("HS0", "Không rõ"),
]
STATUSES = ("under_investigation", "cleared")

VEHICLES = ["motorbike", "car", "truck", "bus"]
VEHICLE_P = [0.70, 0.20, 0.08, 0.02]
CODES = ["TOC_DO", "DEN_DO", "LAN_DUONG", "DUNG_DO", "MU_BAO_HIEM", "NONG_DO_CON", "QUA_TAI"]
CODE_P = {  # per vehicle type, in CODES order
    "motorbike": [0.25, 0.20, 0.15, 0.05, 0.25, 0.10, 0.00],
    "car": [0.45, 0.15, 0.20, 0.15, 0.00, 0.05, 0.00],
    "truck": [0.35, 0.10, 0.20, 0.10, 0.00, 0.03, 0.22],
    "bus": [0.45, 0.10, 0.25, 0.15, 0.00, 0.05, 0.00],
}
UNKNOWN_CODES = ["KHONG_GPLX", "CHO_QUA_SO_NGUOI", "VP_KHAC"]
# Fine brackets (thousand VND; synthetic/reference/traffic_fines.csv):
# {(wheels, code): (tier probabilities, 2024 brackets, 2025 brackets)}
# wheels: 2 = motorbike, 4 = car/truck/bus. Tiers are the speeding / alcohol / overload levels.


def _fine_brackets() -> dict[tuple[int, str], tuple[list, list, list]]:
    """FINES from synthetic/reference/traffic_fines.csv, one row per tier."""
    fines: dict = {}
    for r in C.reference_rows("traffic_fines"):
        tier_p, b2024, b2025 = fines.setdefault(
            (int(r["wheels"]), r["violation_code"]), ([], [], [])
        )
        tier_p.append(float(r["tier_p"]))
        b2024.append((int(r["min_2024"]), int(r["max_2024"])))
        b2025.append((int(r["min_2025"]), int(r["max_2025"])))
    return fines


FINES = _fine_brackets()
UNKNOWN_CODE_FINE = (800, 1000)
PAID_P = {"motorbike": 0.60, "car": 0.78, "truck": 0.75, "bus": 0.80}

# Plates: series letters used on Vietnamese plates (no I, J, O, Q, W); provinces of other
# plates seen in the area; plates that are not Vietnamese plates.
SERIES_LETTERS = list("ABCDEFGHKLMNPRSTUVXYZ")
HOME_PLATE = "77"
OTHER_PLATES = ["76", "78", "81", "82", "79", "43", "47", "51", "29", "92"]
OTHER_PLATE_P = [0.25, 0.2, 0.15, 0.05, 0.1, 0.08, 0.05, 0.06, 0.04, 0.02]
INVALID_PLATES = [
    "ABC-1234",
    "7A-123.45",
    "77-123456",
    "N/A",
    "13A-123.45",
    "77I-123.45",
    "XE KHONG BIEN",
    "123456789",
    "77A-1234567",
    None,
]

INC_REJECT = {"DUPLICATE": 0.01, "UNKNOWN_COMMUNE": 0.005, "OCCURRED_AFTER_REPORTED": 0.005}
INC_KEEP = {"unknown_article": 0.01, "old_commune_code": 0.05}
VIO_REJECT = {
    "DUPLICATE": 0.005,
    "UNKNOWN_COMMUNE": 0.002,
    "NEGATIVE_FINE": 0.001,
    "INVALID_PLATE": 0.003,
}
VIO_KEEP = {"unknown_violation_code": 0.005, "old_commune_code": 0.03}


def _pick(rng, eligible: np.ndarray, k: int) -> np.ndarray:
    """A mask of k rows drawn among the eligible ones (fewer if there are not enough)."""
    idx = np.flatnonzero(eligible)
    mask = np.zeros(len(eligible), bool)
    mask[rng.choice(idx, size=min(k, len(idx)), replace=False)] = True
    return mask


def _with_exact_copies(rows: pl.DataFrame, rng, k: int) -> pl.DataFrame:
    """k exact copies of real rows, each right after its original in the same file (the
    DUPLICATE defect; the copies are not real rows)."""
    real_pos = rows.with_row_index("_pos").filter(pl.col("_real"))["_pos"].to_numpy()
    pos = np.sort(rng.choice(real_pos, size=k, replace=False))
    dups = rows[pos].with_columns(_real=pl.lit(False), _k=pl.col("_k") + 1e-6)
    return pl.concat([rows, dups]).sort("_k", maintain_order=True)


def _real_by_month(full: pl.DataFrame, at: str) -> pl.DataFrame:
    """The real rows (no injected defect row), with the month of the timestamp column `at`."""
    return full.filter(pl.col("_real")).with_columns(month=C.month_key(pl.col(at) // 86400))


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _by_new_commune(real: pl.DataFrame) -> dict:
    counts = dict(real.group_by("_new").len().iter_rows())
    return {code: int(n) for code, n in sorted(counts.items())}


# --------------------------------------------------------------------------- geography
def _commune_weights(world) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Population per old commune on 2024-01-01 and the QL1 / Quy Nhơn flags."""
    geo = world.geo
    pop = world.residents_at("2024-01-01").group_by("commune_code_old").len()
    lookup = dict(zip(pop["commune_code_old"].to_list(), pop["len"].to_list(), strict=True))
    people = np.array([lookup.get(c, 0) for c in geo.old_codes], dtype=float) + 1.0
    quy_nhon = geo.district == QUY_NHON
    ql1 = np.isin(geo.district, QL1_DISTRICTS) & geo.is_ward
    # wards and townships of the QL1 districts lie on the highway (Bồng Sơn, Tam Quan, Phù Mỹ,
    # Ngô Mây, Đập Đá, Diêu Trì …): an approximation documented in the module docstring.
    return people, quy_nhon, ql1


def _day_weights(window_factor: float, before: int, after: int) -> np.ndarray:
    days = np.arange(C.PERIOD_START, C.PERIOD_END)
    w = np.ones(len(days))
    for t in C.TET_DAYS:
        w[(days >= t - before) & (days <= t + after)] *= window_factor
    return w


def _old_code_rows(rng, geo, c_idx: np.ndarray, day: np.ndarray, exclude, rate: float):
    """A mask of the rows whose commune is written with its old code (a kept defect the pipeline
    converts): after the reform, in a commune with an old code of its own, not in `exclude`."""
    alias_ok = (day >= REFORM) & _has_alias(geo)[geo.new_idx_of_old[c_idx]]
    return _pick(rng, alias_ok & ~exclude, C.defect_count(rate, len(c_idx)))


def _real_rows(rng, geo, c_idx: np.ndarray, day, old_code, columns: dict) -> pl.DataFrame:
    """The real rows: their columns, the commune code as written (the old code on the `old_code`
    rows), then the truth columns every log carries (the new commune the row counts in, and
    `_real`; not written)."""
    return pl.DataFrame(
        {
            **columns,
            "commune_code": _written_codes(rng, geo, c_idx, day, old_code),
            "_new": geo.new_of_old[c_idx],
            "_real": np.ones(len(c_idx), bool),
        }
    )


def _written_codes(rng, geo, c_idx: np.ndarray, days: np.ndarray, use_alias: np.ndarray):
    code = geo.code_at(c_idx, days)
    alias = _alias_codes(rng, geo, c_idx)
    return np.where(use_alias & (alias != ""), alias, code)


# --------------------------------------------------------------------------- incidents
def _incidents(world, rng, scale: float) -> tuple[pl.DataFrame, dict]:
    geo = world.geo
    people, quy_nhon, ql1 = _commune_weights(world)
    cw = people * np.where(quy_nhon, 1.8, 1.0) * np.where(ql1, 1.5, 1.0)
    n = max(int(round(INCIDENTS_PER_YEAR * scale * (C.PERIOD_END - C.PERIOD_START) / 365.25)), 60)
    counts = {k: C.defect_count(v, n) for k, v in INC_REJECT.items()}  # rejected extra rows
    cat_w = np.array([c[3] for c in CATEGORIES])
    cat = rng.choice(len(CATEGORIES), size=n, p=cat_w / cat_w.sum())
    # day of occurrence: Tết raises theft and disorder, gambling much more
    day = np.empty(n, dtype=np.int64)
    general = _day_weights(1.6, 21, 7)
    gambling = _day_weights(4.0, 7, 10)
    for k, (code, *_rest) in enumerate(CATEGORIES):
        m = cat == k
        w = gambling if code in ("HS321", "HS322") else general
        day[m] = C.PERIOD_START + rng.choice(len(w), size=int(m.sum()), p=w / w.sum())
    c_idx = rng.choice(len(cw), size=n, p=cw / cw.sum())
    occurred = day * 86400 + rng.integers(0, 86400, n)
    delay = np.where(
        rng.random(n) < 0.8, rng.integers(600, 6 * 3600, n), rng.integers(6 * 3600, 5 * 86400, n)
    )
    reported = np.maximum(np.minimum(occurred + delay, LAST_DAY * 86400 + 86399), occurred)
    rep_day = reported // 86400
    # clearance: eventually cleared with the category's probability, after a lag; the status is
    # what the log says at the extract, 45 days after the end of the month reported
    clear_p = np.array([c[4] for c in CATEGORIES])[cat]
    will = rng.random(n) < clear_p
    cleared_at = reported + (rng.geometric(1 / 12, n) * 86400 + rng.integers(0, 86400, n))
    rep_month_end = (
        (np.asarray(rep_day, dtype="datetime64[D]").astype("datetime64[M]") + 1)
        .astype("datetime64[D]")
        .astype(np.int64)
    )
    cleared = will & (cleared_at // 86400 < rep_month_end + EXTRACT_LAG_DAYS)
    persons = np.minimum(rng.geometric(0.55, n), 12)

    # kept defects on real rows: unknown article, old commune code after the reform
    unknown_article = _pick(rng, np.ones(n, bool), C.defect_count(INC_KEEP["unknown_article"], n))
    old_code = _old_code_rows(rng, geo, c_idx, day, unknown_article, INC_KEEP["old_commune_code"])
    codes = np.array([c[0] for c in CATEGORIES])[cat]
    names = np.array([c[1] for c in CATEGORIES])[cat]
    sections = np.array([c[2] for c in CATEGORIES])[cat]
    ua = rng.integers(0, len(UNKNOWN_ARTICLES), n)
    codes = np.where(unknown_article, np.array([u[0] for u in UNKNOWN_ARTICLES])[ua], codes)
    names = np.where(unknown_article, np.array([u[1] for u in UNKNOWN_ARTICLES])[ua], names)
    sections = np.where(unknown_article, "11", sections)
    columns = {
        "occurred": occurred,
        "reported": reported,
        "cleared_at": np.where(cleared, cleared_at, -1),
        "cleared": cleared,
        "category_code": codes,
        "category_name": names,
        "persons_involved": persons,
        "_section": sections,  # truth column (not written)
    }
    real = _real_rows(rng, geo, c_idx, day, old_code, columns)

    # rejected extra rows
    fabs = []
    k = counts["UNKNOWN_COMMUNE"]
    pick = rng.integers(0, n, k)
    bad = C.unknown_commune_codes()[rng.integers(0, len(C.unknown_commune_codes()), k)]
    fabs.append(real[pick].with_columns(commune_code=pl.Series(bad), _real=pl.lit(False)))
    k = counts["OCCURRED_AFTER_REPORTED"]
    pick = rng.integers(0, n, k)
    f = real[pick]
    later = f["reported"].to_numpy() + rng.integers(3600, 3 * 86400, k)
    fabs.append(
        f.with_columns(
            occurred=pl.Series(later),
            _real=pl.lit(False),
            cleared=pl.lit(False),
            cleared_at=pl.lit(-1, pl.Int64),
        )
    )
    rows = pl.concat([real, *fabs])
    rows = C.numbered_in_month_files(rows, rng, "reported", "incident_id", "VV", 6, per_day=86400)
    text = rows.with_columns(
        occurred_at=C.fmt_timestamp(pl.col("occurred")),
        reported_at=C.fmt_timestamp(pl.col("reported")),
        status=pl.when(pl.col("cleared"))
        .then(pl.lit("cleared"))
        .otherwise(pl.lit("under_investigation")),
        cleared_at=pl.when(pl.col("cleared"))
        .then(C.fmt_timestamp(pl.col("cleared_at")))
        .otherwise(pl.lit(None, pl.String)),
        persons_involved=pl.col("persons_involved").cast(pl.String),
    )
    full = _with_exact_copies(text, rng, counts["DUPLICATE"])
    kept = {"unknown_article": int(unknown_article.sum()), "old_commune_code": int(old_code.sum())}
    return full, {"quarantine": counts, "kept": kept}


def _incident_truth(full: pl.DataFrame) -> dict:
    real = _real_by_month(full, "occurred")
    out = {
        m: {
            "incidents": 0,
            "cleared": 0,
            "by_section": {s: {"incidents": 0, "cleared": 0} for s in SECTIONS},
        }
        for m in C.MONTH_KEYS
    }
    for mon, sec, inc, clr in (
        real.group_by("month", "_section").agg(pl.len(), pl.col("cleared").sum()).iter_rows()
    ):
        out[mon]["by_section"][sec] = {"incidents": int(inc), "cleared": int(clr)}
        out[mon]["incidents"] += int(inc)
        out[mon]["cleared"] += int(clr)
    for v in out.values():
        v["clearance_rate"] = _share(v["cleared"], v["incidents"])
        for s in v["by_section"].values():
            s["clearance_rate"] = _share(s["cleared"], s["incidents"])
    return {"by_month": out, "by_new_commune": _by_new_commune(real)}


# --------------------------------------------------------------------------- violations
def _plates(rng, vehicle: np.ndarray) -> np.ndarray:
    n = len(vehicle)
    home = rng.random(n) < 0.82
    other = np.array(OTHER_PLATES)[
        rng.choice(len(OTHER_PLATES), size=n, p=np.array(OTHER_PLATE_P) / sum(OTHER_PLATE_P))
    ]
    prov = np.where(home, HOME_PLATE, other)
    five = rng.random(n) < 0.75
    num = np.where(five, rng.integers(0, 100000, n), rng.integers(0, 10000, n))
    df = pl.DataFrame(
        {
            "prov": prov,
            "veh": vehicle,
            "five": five,
            "num": num,
            "letter": np.array(SERIES_LETTERS)[rng.integers(0, len(SERIES_LETTERS), n)],
            "digit": rng.integers(1, 10, n),
        }
    ).with_columns(
        digits=pl.when(pl.col("five"))
        .then(
            pl.col("num").cast(pl.String).str.zfill(5).str.slice(0, 3)
            + "."
            + pl.col("num").cast(pl.String).str.zfill(5).str.slice(3, 2)
        )
        .otherwise(pl.col("num").cast(pl.String).str.zfill(4)),
        series4=pl.when(pl.col("veh") == "truck")
        .then(pl.lit("C"))
        .when(pl.col("veh") == "bus")
        .then(pl.lit("B"))
        .otherwise(pl.lit("A")),
    )
    plate = df.select(
        pl.when(pl.col("veh") == "motorbike")
        .then(
            pl.col("prov")
            + "-"
            + pl.col("letter")
            + pl.col("digit").cast(pl.String)
            + " "
            + pl.col("digits")
        )
        .otherwise(pl.col("prov") + pl.col("series4") + "-" + pl.col("digits"))
    ).to_series()
    return plate.to_numpy()


def _fines(rng, vehicle: np.ndarray, code: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Fine in VND: the middle of the bracket, sometimes its minimum or maximum."""
    n = len(code)
    lo = np.full(n, UNKNOWN_CODE_FINE[0], dtype=np.int64)
    hi = np.full(n, UNKNOWN_CODE_FINE[1], dtype=np.int64)
    wheels = np.where(vehicle == "motorbike", 2, 4)
    y2025 = day >= C.day(2025, 1, 1)
    for (w, c), (tier_p, b2024, b2025) in FINES.items():
        m = (wheels == w) & (code == c)
        k = int(m.sum())
        if not k:
            continue
        tier = rng.choice(len(tier_p), size=k, p=tier_p)
        lo_t = np.where(
            y2025[m], np.array([b[0] for b in b2025])[tier], np.array([b[0] for b in b2024])[tier]
        )
        hi_t = np.where(
            y2025[m], np.array([b[1] for b in b2025])[tier], np.array([b[1] for b in b2024])[tier]
        )
        lo[m], hi[m] = lo_t, hi_t
    u = rng.random(n)
    fine = np.where(u < 0.10, lo, np.where(u < 0.15, hi, (lo + hi) // 2))
    return fine * 1000


def _violations(world, rng, scale: float) -> tuple[pl.DataFrame, dict]:
    geo = world.geo
    people, quy_nhon, ql1 = _commune_weights(world)
    cw = people * np.where(ql1, 4.0, np.where(quy_nhon, 2.5, 0.4))
    n = max(int(round(VIOLATIONS_PER_YEAR * scale * (C.PERIOD_END - C.PERIOD_START) / 365.25)), 200)
    counts = {k: C.defect_count(v, n) for k, v in VIO_REJECT.items()}  # rejected extra rows
    veh = np.array(VEHICLES)[rng.choice(len(VEHICLES), size=n, p=VEHICLE_P)]
    code = np.empty(n, dtype=object)
    for v in VEHICLES:
        m = veh == v
        p = np.array(CODE_P[v])
        code[m] = np.array(CODES)[rng.choice(len(CODES), size=int(m.sum()), p=p / p.sum())]
    code = code.astype(str)
    # Tết: alcohol violations 2.5 times as frequent, others 1.2 times
    day = np.empty(n, dtype=np.int64)
    alcohol = _day_weights(2.5, 7, 14)
    other = _day_weights(1.2, 14, 7)
    for is_alc, w in ((True, alcohol), (False, other)):
        m = (code == "NONG_DO_CON") == is_alc
        day[m] = C.PERIOD_START + rng.choice(len(w), size=int(m.sum()), p=w / w.sum())
    hours = np.clip(rng.normal(14, 4.5, n), 0, 23.999)
    detected = day * 86400 + (hours * 3600).astype(np.int64)
    c_idx = rng.choice(len(cw), size=n, p=cw / cw.sum())
    # a vehicle pool: some vehicles are caught more than once
    pool = _plates(rng, veh)
    repeat = rng.random(n) < 0.15
    same = np.flatnonzero(~repeat)
    src = np.where(repeat, same[rng.integers(0, len(same), n)], np.arange(n))
    plate = pool[src]
    veh = veh[src]
    code = np.where(repeat & (veh != "truck") & (code == "QUA_TAI"), "TOC_DO", code)
    code = np.where(repeat & (veh != "motorbike") & (code == "MU_BAO_HIEM"), "TOC_DO", code)
    fine = _fines(rng, veh, code, day)
    paid = rng.random(n) < np.vectorize(PAID_P.get)(veh)

    unknown = _pick(rng, np.ones(n, bool), C.defect_count(VIO_KEEP["unknown_violation_code"], n))
    code = np.where(unknown, np.array(UNKNOWN_CODES)[rng.integers(0, len(UNKNOWN_CODES), n)], code)
    old_code = _old_code_rows(rng, geo, c_idx, day, unknown, VIO_KEEP["old_commune_code"])
    columns = {
        "detected": detected,
        "plate": plate,
        "vehicle_type": veh,
        "violation_code": code,
        "fine_vnd": fine,
        "paid": paid,
        "_group": np.where(unknown, "other", code),  # truth column (not written)
    }
    real = _real_rows(rng, geo, c_idx, day, old_code, columns)
    fabs = []
    k = counts["UNKNOWN_COMMUNE"]
    bad = C.unknown_commune_codes()[rng.integers(0, len(C.unknown_commune_codes()), k)]
    fabs.append(real[rng.integers(0, n, k)].with_columns(commune_code=pl.Series(bad)))
    k = counts["NEGATIVE_FINE"]
    f = real[rng.integers(0, n, k)]
    fabs.append(f.with_columns(fine_vnd=-pl.col("fine_vnd")))
    k = counts["INVALID_PLATE"]
    f = real[rng.integers(0, n, k)]
    bad_plates = [INVALID_PLATES[i % len(INVALID_PLATES)] for i in range(k)]
    fabs.append(f.with_columns(plate=pl.Series(bad_plates, dtype=pl.String)))
    fabs = [x.with_columns(_real=pl.lit(False)) for x in fabs]
    rows = pl.concat([real, *fabs])
    rows = C.numbered_in_month_files(rows, rng, "detected", "violation_id", "VP", 7, per_day=86400)
    rows = rows.with_columns(detected_at=(pl.col("detected") * 1000).cast(pl.Datetime("ms")))
    full = _with_exact_copies(rows, rng, counts["DUPLICATE"])
    kept = {"unknown_violation_code": int(unknown.sum()), "old_commune_code": int(old_code.sum())}
    return full, {"quarantine": counts, "kept": kept}


def _violation_truth(full: pl.DataFrame) -> dict:
    real = _real_by_month(full, "detected")
    groups = CODES + ["other"]
    out = {
        m: {
            "violations": 0,
            "fines_vnd": 0,
            "paid": 0,
            "by_group": {g: {"violations": 0, "fines_vnd": 0, "paid": 0} for g in groups},
            "by_vehicle": {v: 0 for v in VEHICLES},
        }
        for m in C.MONTH_KEYS
    }
    for mon, grp, cnt, fines, paid in (
        real.group_by("month", "_group")
        .agg(pl.len(), pl.col("fine_vnd").sum(), pl.col("paid").sum())
        .iter_rows()
    ):
        out[mon]["by_group"][grp] = {
            "violations": int(cnt),
            "fines_vnd": int(fines),
            "paid": int(paid),
        }
        out[mon]["violations"] += int(cnt)
        out[mon]["fines_vnd"] += int(fines)
        out[mon]["paid"] += int(paid)
    for mon, veh, cnt in real.group_by("month", "vehicle_type").len().iter_rows():
        out[mon]["by_vehicle"][veh] = int(cnt)
    for v in out.values():
        v["paid_share"] = _share(v["paid"], v["violations"])
        for g in v["by_group"].values():
            g["paid_share"] = _share(g["paid"], g["violations"])
    return {"by_month": out, "by_new_commune": _by_new_commune(real)}


# --------------------------------------------------------------------------- entry point
def generate(world, out_dir: Path, rng: np.random.Generator, scale: float) -> dict:
    out = Path(out_dir) / "landing" / "public_order"
    out.mkdir(parents=True, exist_ok=True)
    incidents, inc_defects = _incidents(world, rng, scale)
    violations, vio_defects = _violations(world, rng, scale)
    rows_inc, rows_vio = {}, {}
    for mon in C.MONTH_KEYS:
        part = incidents.filter(pl.col("file") == mon).select(INCIDENTS.names)
        header = (
            INCIDENTS.vietnamese_header() if mon == VIETNAMESE_HEADER_MONTH else INCIDENTS.names
        )
        rows_inc[mon] = C.write_csv(
            part, out / f"incidents_{mon}.csv", header, bom=mon in BOM_MONTHS
        )
        vpart = violations.filter(pl.col("file") == mon).select(TRAFFIC_VIOLATIONS.names)
        vpart.write_parquet(out / f"traffic_violations_{mon}.parquet", statistics=False)
        rows_vio[mon] = vpart.height
    return {
        "seed_stream": "public_order",
        "scale": scale,
        "months": C.MONTH_KEYS,
        "incidents_per_year_at_scale_1": INCIDENTS_PER_YEAR,
        "violations_per_year_at_scale_1": VIOLATIONS_PER_YEAR,
        "vietnamese_header_month": VIETNAMESE_HEADER_MONTH,
        "incidents": _incident_truth(incidents),
        "violations": _violation_truth(violations),
        "quarantine": {
            "incidents": inc_defects["quarantine"],
            "traffic_violations": vio_defects["quarantine"],
        },
        "kept_defects": {
            "incidents": inc_defects["kept"],
            "traffic_violations": vio_defects["kept"],
        },
        "rows": {"incidents": rows_inc, "traffic_violations": rows_vio},
    }
