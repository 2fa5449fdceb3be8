"""Synthetic lodging extracts (model 38): the establishment register and the monthly guest-stay
notifications, with the defects real exports carry, and the ground truth computed here
independently of the pipeline.

Volume. At scale ≥ 0.1 the stays follow the province (≈ 3 million a year at scale 1.0). Below
0.1 a *lodging volume factor* shrinks them faster than the population, so the committed sample
stays small: the effective lodging scale is `0.1 · (scale / 0.1) ** 2.4` (continuous at 0.1; at
scale 0.02 about 6,300 stays a year, ≈ 3.7 MB of JSON lines). Establishments are drawn at
`max(effective, 0.025)` of the province register and their rooms shrunk by the remaining factor,
so occupancy stays plausible at every scale. The truth is exact at any scale.

Everything is vectorised numpy/polars; the only Python loops are over months, types and
defect kinds, never over rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from sources.contracts.lodging import ESTABLISHMENTS, STAYS
from synthetic import common as C

END = C.PERIOD_END  # exclusive: the censoring date of open stays (end of the last month)
MONTH_START = np.array([C.day(y, m, 1) for y, m in C.MONTHS] + [END], dtype=np.int64)
QUY_NHON = "540"
DAY_S = 86_400

# Per type (synthetic/reference/lodging_types.csv): establishments at scale 1, mean rooms, stay
# weight per room, international share, same-day share, share of long stays, party size pmf 1..4;
# and the word its establishments' names begin with.


def _lodging_types() -> tuple[dict[str, tuple], dict[str, str]]:
    """TYPES and NAME_PREFIX from synthetic/reference/lodging_types.csv."""
    types, prefixes = {}, {}
    for r in C.reference_rows("lodging_types"):
        counts = (int(r["establishments"]), int(r["mean_rooms"]))
        rates = ("stay_weight", "international_share", "same_day_share", "long_stay_share")
        party = tuple(float(r[f"party_{size}"]) for size in range(1, 5))
        types[r["type"]] = (*counts, *(float(r[c]) for c in rates), party)
        prefixes[r["type"]] = r["name_prefix"]
    return types, prefixes


TYPES, NAME_PREFIX = _lodging_types()
TYPE_NAMES = list(TYPES)
NAME_WORDS = [
    "Hải Âu",
    "Biển Xanh",
    "Hoàng Gia",
    "Sao Mai",
    "Quy Nhơn",
    "Bình Minh",
    "Ánh Dương",
    "Phương Nam",
    "Hồng Ngọc",
    "Thanh Bình",
    "Kỳ Co",
    "Eo Gió",
    "Ghềnh Ráng",
    "Tây Sơn",
]
# Share of each type located in the former Quy Nhơn city (the rest spread over the province).
IN_QUY_NHON = {"hotel": 0.75, "homestay": 0.6, "guesthouse": 0.45, "rental_room": 0.45}

# Monthly index of arrivals (summer peak, Tết, storm-season dip) and the Tết bump (±7 days).
MONTH_INDEX = [0.95, 1.1, 0.85, 0.95, 1.05, 1.4, 1.5, 1.35, 0.9, 0.65, 0.6, 0.85]
TET_BUMP = 0.9

NATIONALITIES = ["KOR", "CHN", "USA", "FRA", "AUS", "JPN", "RUS", "DEU", "GBR", "TWN", "THA", "CAN"]
NAT_P = [0.34, 0.14, 0.08, 0.07, 0.06, 0.06, 0.06, 0.04, 0.04, 0.04, 0.04, 0.03]
# Spellings repaired to ISO alpha-3 (where the meaning is certain).
NAT_SPELLINGS = {
    "VNM": ["VN", "Việt Nam", "Viet Nam", "vnm"],
    "KOR": ["Korea", "KR", "Hàn Quốc"],
    "CHN": ["China", "CN", "Trung Quốc"],
    "USA": ["United States", "US"],
    "FRA": ["France", "FR"],
    "AUS": ["Australia", "AU"],
    "JPN": ["Japan", "JP"],
    "RUS": ["Russia", "RU"],
    "DEU": ["Germany", "DE"],
    "GBR": ["United Kingdom", "GB"],
    "TWN": ["Taiwan", "TW"],
    "THA": ["Thailand", "TH"],
    "CAN": ["Canada", "CA"],
}

SHARE_RESIDENT_GUESTS = 0.25  # domestic guests who live in the area
RATES = {
    "INVALID_PERSON_ID": 0.004,  # of cccd stays
    "CHECKOUT_BEFORE_CHECKIN": 0.003,
    "UNKNOWN_ESTABLISHMENT": 0.003,
    "resent": 0.010,  # re-sent notification (new notification_id), DUPLICATE
    "exact_copy": 0.003,  # the same notification twice, DUPLICATE
    "two_places": 0.002,  # extra stay of the same guest elsewhere on the same night (kept)
    "nationality_spelling": 0.02,
    "sex_spelling": 0.01,
    "never_closed": 0.0003,  # censored at the end: each adds up to 730 nights
    "late": 0.05,  # late notifications (rental rooms and homestays three times as often)
}


def lodging_scale(scale: float) -> float:
    """The effective scale of the lodging volume (see the module docstring)."""
    return scale if scale >= 0.1 else 0.1 * (scale / 0.1) ** 2.4


def _daily_weights() -> np.ndarray:
    days = np.arange(C.PERIOD_START, END)
    d64 = days.astype("datetime64[D]")
    month = d64.astype("datetime64[M]").astype(np.int64) % 12
    w = np.array(MONTH_INDEX)[month]
    for t in C.TET_DAYS:
        w = w * (1 + TET_BUMP * (np.abs(days - t) <= 7))
    dow = (days + 3) % 7  # 0 = Monday
    return w * np.where(dow >= 4, 1.25, 1.0)


# =========================================================================== establishments
def _establishments(rng, world, est_scale: float, room_factor: float) -> pl.DataFrame:
    geo = world.geo
    new_district = geo.district[geo.seat_of_new]
    in_qn = new_district == QUY_NHON
    types, rooms = [], []
    for t, (n1, mean_rooms, *_rest) in TYPES.items():
        n = max(2 if t.startswith("hotel") or t == "homestay" else 1, round(n1 * est_scale))
        types += [t] * n
        r = np.maximum(1, np.round(mean_rooms * room_factor * rng.lognormal(0, 0.4, n)))
        rooms.append(np.minimum(r, 999))
    types = np.array(types)
    rooms = np.concatenate(rooms).astype(np.int64)
    n = len(types)
    share_qn = np.array(
        [IN_QUY_NHON.get("hotel" if t.startswith("hotel") else t, 0.2) for t in types]
    )
    go_qn = rng.random(n) < share_qn
    qn_idx, other_idx = np.flatnonzero(in_qn), np.flatnonzero(~in_qn)
    commune = np.where(
        go_qn,
        qn_idx[rng.integers(0, len(qn_idx), n)],
        other_idx[rng.integers(0, len(other_idx), n)],
    )
    # openings: most before 2024, 8 % during 2024-2025; closings: 5 % during 2024-2025
    opened = np.where(
        rng.random(n) < 0.08,
        rng.integers(C.PERIOD_START, END - 120, n),
        rng.integers(C.day(2005, 1, 1), C.PERIOD_START, n),
    )
    closing = rng.random(n) < 0.05
    closed = np.where(
        closing, np.maximum(opened + 90, rng.integers(C.PERIOD_START + 60, END, n)), -1
    )
    closed = np.where(closed >= END, -1, closed)
    beds = np.round(rooms * rng.uniform(1.4, 2.2, n)).astype(np.int64)
    words = np.array(NAME_WORDS)[rng.integers(0, len(NAME_WORDS), n)]
    ids = np.arange(1, n + 1)
    est = pl.DataFrame(
        {
            "idx": np.arange(n),
            "type": types,
            "rooms": rooms,
            "beds": beds,
            "commune_code": geo.new_codes[commune],
            "opened": opened,
            "closed": closed,
            "establishment_id": [f"CSLT{i:05d}" for i in ids],  # n is small (thousands)
            "word": words,
        }
    )
    return est.with_columns(
        name=pl.col("type").replace_strict(NAME_PREFIX)
        + " "
        + pl.col("word")
        + " "
        + pl.col("idx").add(1).cast(pl.String),
    )


def _write_establishments(est: pl.DataFrame, out_dir: Path) -> int:
    path = out_dir / "landing" / ESTABLISHMENTS.folder / "establishments.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    out = est.select(
        "establishment_id",
        "name",
        "type",
        "commune_code",
        pl.col("rooms").cast(pl.String),
        pl.col("beds").cast(pl.String),
        C.fmt_dmy("opened").alias("opened_on"),
        pl.when(pl.col("closed") >= 0)
        .then(C.fmt_dmy("closed"))
        .otherwise(pl.lit(None))
        .alias("closed_on"),
    )
    out.write_excel(path, worksheet="co_so_luu_tru", autofit=False)
    return out.height


# =========================================================================== stays
def _guests(rng, world, n: int, resident: np.ndarray, pool_size: int):
    """Personal IDs (int64), sex, birth year for n domestic guest draws (repeat guests included):
    residents of the area on the snapshot date, else a pool of valid IDs of other provinces."""
    res = world.residents_at("2024-01-01")
    r_take = rng.integers(0, res.height, n)
    r_id = res["person_id"].cast(pl.Int64).to_numpy()[r_take]
    r_male = (res["sex"] == "Nam").to_numpy()[r_take]
    r_by = res["date_of_birth"].dt.year().to_numpy().astype(np.int64)[r_take]
    prefixes = C.other_province_prefixes()
    male = rng.random(pool_size) < 0.55
    age = np.clip(rng.normal(38, 14, pool_size), 1, 85).astype(np.int64)
    by = 2024 - age
    used = C.UsedInts()
    used.add(world.persons["pid"].to_numpy())
    pid = C.person_ids(rng, prefixes[rng.integers(0, len(prefixes), pool_size)], male, by, used)
    o_take = rng.integers(0, pool_size, n)
    doc = np.where(resident, r_id, pid[o_take])
    is_male = np.where(resident, r_male, male[o_take])
    byear = np.where(resident, r_by, by[o_take])
    return doc, is_male, byear


def generate(world, out_dir: Path, rng: np.random.Generator, scale: float) -> dict:
    out_dir = Path(out_dir)
    eff = lodging_scale(scale)
    est_scale = max(eff, 0.025)
    est = _establishments(rng, world, est_scale, eff / est_scale)
    n_est_rows = _write_establishments(est, out_dir)

    t_of = np.array([TYPE_NAMES.index(t) for t in est["type"].to_list()])
    P = {
        k: np.array([v[i] for v in TYPES.values()])
        for i, k in enumerate(["n1", "mean_rooms", "weight", "intl", "same_day", "long", "party"])
    }
    rooms = est["rooms"].to_numpy()
    opened, closed = est["opened"].to_numpy(), est["closed"].to_numpy()
    close_or_end = np.where(closed >= 0, closed, END)

    # ---- parties: establishment, check-in day, nights, room
    party_pmf = np.array([TYPES[t][6] for t in TYPE_NAMES])
    mean_party = (party_pmf[t_of] * np.arange(1, 5)).sum(1)
    w = rooms * P["weight"][t_of]
    target_stays = 3_000_000 * eff * 2
    n_party = int(round(target_stays / float((w * mean_party).sum() / w.sum())))
    e = rng.choice(len(w), size=n_party, p=w / w.sum())
    cdf = np.concatenate([[0.0], np.cumsum(_daily_weights())])
    lo = np.clip(opened[e], C.PERIOD_START, END) - C.PERIOD_START
    hi = np.clip(close_or_end[e], C.PERIOD_START, END) - C.PERIOD_START
    u = cdf[lo] + rng.random(n_party) * (cdf[hi] - cdf[lo])
    ci_day = C.PERIOD_START + np.clip(np.searchsorted(cdf, u, side="right") - 1, lo, hi - 1)
    te = t_of[e]
    same_day = rng.random(n_party) < P["same_day"][te]
    long = (~same_day) & (rng.random(n_party) < P["long"][te])
    short_n = 1 + rng.geometric(0.62, n_party) - 1
    nights = np.where(same_day, 0, np.where(long, rng.integers(7, 60, n_party), short_n))
    nights = np.where(te == TYPE_NAMES.index("long_distance_bus"), np.minimum(nights, 1), nights)
    co_day = np.minimum(ci_day + nights, close_or_end[e])
    co_day = np.where(same_day, ci_day, np.maximum(co_day, ci_day + 1))
    co_day = np.where(~same_day & (co_day > close_or_end[e]), ci_day, co_day)  # closes next day
    same_day = co_day == ci_day
    never_closed = (~same_day) & (closed[e] < 0) & (rng.random(n_party) < RATES["never_closed"])
    open_stay = never_closed | (co_day > END - 1)  # checked out after the last extract day
    room = 1 + (rng.random(n_party) * rooms[e]).astype(np.int64)
    ci_sec = np.where(
        same_day,
        rng.integers(7 * 3600, 15 * 3600, n_party),
        np.where(
            rng.random(n_party) < 0.08,
            rng.integers(0, 6 * 3600, n_party),
            rng.integers(12 * 3600, 24 * 3600 - 120, n_party),
        ),
    )
    co_sec = np.where(
        same_day,
        ci_sec + rng.integers(3600, 6 * 3600, n_party),
        rng.integers(6 * 3600, 12 * 3600, n_party),
    )
    size = 1 + (rng.random((n_party, 1)) > np.cumsum(party_pmf[te], 1)).sum(1)
    size = np.minimum(size, 4)
    intl = rng.random(n_party) < P["intl"][te]
    nat = np.where(
        intl, np.array(NATIONALITIES)[rng.choice(len(NATIONALITIES), n_party, p=NAT_P)], "VNM"
    )
    late_rate = RATES["late"] * np.where(
        np.isin(te, [TYPE_NAMES.index("rental_room"), TYPE_NAMES.index("homestay")]), 3, 1
    )

    # ---- one row per guest
    p = np.repeat(np.arange(n_party), size)
    n = len(p)
    member = np.arange(n) - np.repeat(np.cumsum(size) - size, size)
    g_intl = intl[p]
    resident = (~g_intl) & (rng.random(n) < SHARE_RESIDENT_GUESTS)
    doc_int, is_male, byear = _guests(rng, world, n, resident, max(1000, int(n * 0.6)))
    is_male = np.where(g_intl, rng.random(n) < 0.55, is_male)
    byear = np.where(g_intl, 2024 - np.clip(rng.normal(40, 13, n), 18, 80).astype(np.int64), byear)
    passport_no = rng.integers(10_000_000, 99_999_999, n)
    passport_letter = rng.integers(0, 9, n)
    ci_ts = ci_day[p] * DAY_S + ci_sec[p] + member * 20
    deadline = np.where(
        ci_sec[p] < 23 * 3600, ci_day[p] * DAY_S + 23 * 3600, (ci_day[p] + 1) * DAY_S + 8 * 3600
    )
    late = rng.random(n) < late_rate[p]
    on_time_delay = np.minimum(rng.exponential(900, n).astype(np.int64), deadline - ci_ts)
    notified = np.where(late, deadline + rng.integers(60, 48 * 3600, n), ci_ts + on_time_delay)
    stays = pl.DataFrame(
        {
            "party": p,
            "est": e[p],
            "type": np.array(TYPE_NAMES)[te[p]],
            "commune_code": est["commune_code"].to_numpy()[e[p]],
            "establishment_id": est["establishment_id"].to_numpy()[e[p]],
            "intl": g_intl,
            "doc_int": doc_int,
            "pp_no": passport_no,
            "pp_letter": passport_letter,
            "nat": nat[p],
            "male": is_male,
            "guest_birth_year": byear.astype(np.int64),
            "ci_day": ci_day[p],
            "co_day": co_day[p],
            "open": open_stay[p],
            "ci_ts": ci_ts,
            "co_ts": co_day[p] * DAY_S + co_sec[p] + member * 15,
            "notified_ts": notified,
            "room": room[p],
            "resident": resident,
        }
    )
    stays = stays.with_columns(
        guest_doc_type=pl.when("intl").then(pl.lit("passport")).otherwise(pl.lit("cccd")),
        guest_doc_number=pl.when("intl")
        .then(
            pl.col("pp_letter").replace_strict(dict(enumerate("BCEGKMNPS")), return_dtype=pl.String)
            + pl.col("pp_no").cast(pl.String)
        )
        .otherwise(pl.col("doc_int").cast(pl.String).str.zfill(12)),
        guest_sex=pl.when("male").then(pl.lit("Nam")).otherwise(pl.lit("Nữ")),
    ).drop("intl", "doc_int", "pp_no", "pp_letter")
    # one notification per guest, establishment and check-in: repeats drawn by chance are dropped
    stays = stays.filter(
        pl.struct("guest_doc_number", "establishment_id", "ci_ts").is_first_distinct()
    )

    # ---- the same guest in a second establishment on the same night (flagged, kept)
    n_two = int(round(RATES["two_places"] * stays.height))
    src = stays.filter(pl.col("co_day") > pl.col("ci_day")).sample(
        n_two, seed=int(rng.integers(2**31))
    )
    other = rng.integers(0, len(rooms), n_two)
    other = np.where(other == src["est"].to_numpy(), (other + 1) % len(rooms), other)
    day2 = src["ci_day"].to_numpy()
    ok = (opened[other] <= day2) & (close_or_end[other] > day2 + 1)
    other, src, day2 = other[ok], src.filter(pl.Series(ok)), day2[ok]
    k2 = len(other)
    ci2 = day2 * DAY_S + rng.integers(13 * 3600, 22 * 3600, k2)
    two = src.with_columns(
        est=pl.Series(other),
        type=pl.Series(est["type"].to_numpy()[other], dtype=pl.String),
        commune_code=pl.Series(est["commune_code"].to_numpy()[other], dtype=pl.String),
        establishment_id=pl.Series(est["establishment_id"].to_numpy()[other], dtype=pl.String),
        ci_day=pl.Series(day2),
        co_day=pl.Series(day2 + 1),
        open=pl.lit(False),
        ci_ts=pl.Series(ci2),
        co_ts=pl.Series((day2 + 1) * DAY_S + rng.integers(6 * 3600, 11 * 3600, k2)),
        notified_ts=pl.Series(ci2 + rng.integers(60, 3000, k2)),
        room=pl.Series(1 + (rng.random(k2) * rooms[other]).astype(np.int64)),
        party=pl.lit(-1, pl.Int64),
    )
    stays = pl.concat([stays, two]).sort("ci_ts", "establishment_id", "guest_doc_number")
    stays = stays.with_columns(
        notification_id=pl.lit("TB") + pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(9),
        month=C.month_key("ci_day"),
    )
    deadline_all = np.where(
        stays["ci_ts"].to_numpy() % DAY_S < 23 * 3600,
        stays["ci_day"].to_numpy() * DAY_S + 23 * 3600,
        (stays["ci_day"].to_numpy() + 1) * DAY_S + 8 * 3600,
    )
    stays = stays.with_columns(late=pl.Series(stays["notified_ts"].to_numpy() > deadline_all))

    # ---- defects: disjoint subsets of the clean rows become rejects
    m = stays.height
    u = rng.random(m)
    cccd = (stays["guest_doc_type"] == "cccd").to_numpy()
    closed_stay = ~stays["open"].to_numpy()
    edges = np.cumsum(
        [
            0,
            RATES["INVALID_PERSON_ID"],
            RATES["CHECKOUT_BEFORE_CHECKIN"],
            RATES["UNKNOWN_ESTABLISHMENT"],
        ]
    )
    bad_id = cccd & (u >= edges[0]) & (u < edges[1])
    bad_co = closed_stay & (u >= edges[1]) & (u < edges[2])
    bad_est = (u >= edges[2]) & (u < edges[3])
    reject = bad_id | bad_co | bad_est
    bad_pos = np.flatnonzero(bad_id)
    bad_docs = stays["guest_doc_number"].to_numpy().copy()
    bad_docs[bad_pos] = _invalid_guest_ids(
        rng,
        rng.integers(0, 5, len(bad_pos)),
        stays["guest_sex"].to_numpy()[bad_pos],
        stays["guest_birth_year"].to_numpy()[bad_pos],
    )
    stays = stays.with_columns(
        guest_doc_number=pl.Series(bad_docs, dtype=pl.String),
        co_ts=pl.when(pl.Series(bad_co))
        .then(pl.col("ci_ts") - pl.Series(rng.integers(3600, 3 * DAY_S, m)))
        .otherwise(pl.col("co_ts")),
        establishment_id=pl.when(pl.Series(bad_est))
        .then(pl.lit("CSLT9") + pl.Series(rng.integers(1000, 9999, m)).cast(pl.String))
        .otherwise(pl.col("establishment_id")),
        reject=pl.Series(reject),
    )
    # spellings (repairs) on any row; sex spellings M/F/nam/NU
    u2 = rng.random(m)
    nat_fix = u2 < RATES["nationality_spelling"] * np.where(stays["nat"].to_numpy() == "VNM", 1, 5)
    sex_fix = rng.random(m) < RATES["sex_spelling"]
    pick = rng.integers(0, 4, m)
    nat_expr = pl.col("nat")
    for k in range(4):  # the k-th spelling of each code (loop over spellings, not rows)
        mapping = {c: opts[k % len(opts)] for c, opts in NAT_SPELLINGS.items()}
        nat_expr = (
            pl.when(pl.Series(nat_fix) & (pl.Series(pick) == k))
            .then(pl.col("nat").replace(mapping))
            .otherwise(nat_expr)
        )
    male = stays["guest_sex"].to_numpy() == "Nam"
    sex_text = np.where(
        sex_fix,
        np.where(
            male, np.array(["M", "nam", "1", "NAM"])[pick], np.array(["F", "NU", "2", "nữ"])[pick]
        ),
        stays["guest_sex"].to_numpy(),
    )
    stays = stays.with_columns(
        guest_nationality=nat_expr,
        guest_sex_text=pl.Series(sex_text),
        fix_nat=pl.Series(nat_fix),
        fix_sex=pl.Series(sex_fix),
    )

    # ---- duplicates: re-sent (new id, later) and exact copies, of accepted rows only
    good = stays.filter(~pl.col("reject"))
    n_res = int(round(RATES["resent"] * m))
    n_copy = int(round(RATES["exact_copy"] * m))
    resent = good.sample(n_res, seed=int(rng.integers(2**31))).with_columns(
        notification_id=pl.lit("TB")
        + pl.int_range(m + 1, m + n_res + 1).cast(pl.String).str.zfill(9),
        notified_ts=pl.col("notified_ts") + pl.Series(rng.integers(3600, 2 * DAY_S, n_res)),
    )
    next_month = rng.random(n_res) < 0.3
    resent = resent.with_columns(
        month=pl.when(pl.Series(next_month) & (pl.col("month") < "2025-12"))
        .then(pl.from_epoch("ci_day", time_unit="d").dt.offset_by("1mo").dt.strftime("%Y-%m"))
        .otherwise(pl.col("month"))
    )
    copies = good.sample(n_copy, seed=int(rng.integers(2**31)))
    dups = pl.concat([resent, copies]).with_columns(dup=pl.lit(True))
    rows = pl.concat([stays.with_columns(dup=pl.lit(False)), dups])

    # ---- write one JSON Lines file per check-in month (duplicates appended at the end)
    out = rows.with_columns(
        check_in=C.fmt_timestamp(pl.col("ci_ts")),
        check_out=pl.when(pl.col("open"))
        .then(pl.lit(None))
        .otherwise(C.fmt_timestamp(pl.col("co_ts"))),
        notified_at=C.fmt_timestamp(pl.col("notified_ts")),
        room=pl.col("room").cast(pl.String),
        guest_sex=pl.col("guest_sex_text"),
    )
    folder = out_dir / "landing" / STAYS.folder
    folder.mkdir(parents=True, exist_ok=True)
    rows_per_file = {}
    for key in C.MONTH_KEYS:  # 24 files
        part = (
            out.filter(pl.col("month") == key).sort("dup", maintain_order=True).select(STAYS.names)
        )
        name = f"stays_{key}.jsonl"
        part.write_ndjson(folder / name)
        rows_per_file[f"{STAYS.folder}/{name}"] = part.height

    truth = _monthly_truth(stays.filter(~pl.col("reject")), est)
    quarantine = {
        "DUPLICATE": int(dups.height),
        "INVALID_PERSON_ID": int(bad_id.sum()),
        "CHECKOUT_BEFORE_CHECKIN": int(bad_co.sum()),
        "UNKNOWN_ESTABLISHMENT": int(bad_est.sum()),
    }
    truth.update(
        {
            "scale": scale,
            "lodging_scale": eff,
            "months": C.MONTH_KEYS,
            "deadline_rule": "late when notified_at is after 23:00 of the check-in day; a guest "
            "checking in at or after 23:00 is notified by 08:00 the next day (Law on Residence 2020, "
            "art. 30; Circular 55/2021/TT-BCA)",
            "censor_date": "2026-01-01",
            "establishments": int(n_est_rows),
            "establishments_by_type": est.group_by("type")
            .len()
            .sort("type")
            .pipe(lambda f: dict(zip(f["type"].to_list(), f["len"].to_list(), strict=True))),
            "quarantine": {"stays": quarantine, "establishments": {}},
            # repairs are counted on the accepted rows (quality/staging.py)
            "repairs": {
                "stays": {
                    "nationality_spelling": int(stays.filter(~pl.col("reject"))["fix_nat"].sum()),
                    "sex_spelling": int(stays.filter(~pl.col("reject"))["fix_sex"].sum()),
                }
            },
            "rows": {
                "establishments": {f"{ESTABLISHMENTS.folder}/establishments.xlsx": n_est_rows},
                "stays": rows_per_file,
            },
            "stays_written": int(rows.height),
            "stays_accepted": int(stays.height - int(reject.sum())),
        }
    )
    return truth


def _invalid_guest_ids(rng, kinds, sex, byear) -> np.ndarray:
    """A personal ID wrong in one way (0 length, 1 letter, 2 province prefix, 3 sex digit,
    4 birth year), checked against the guest's sex and birth year. Built from scratch on prefix
    079 (a letter inserted, a '7' appended), unlike common.broken_ids, which breaks a register
    ID in place: the lodging extracts were generated this way and stay byte-identical."""
    n = len(kinds)
    if n == 0:  # tiny scales inject none
        return np.array([], dtype=object)
    male = sex == "Nam"
    century = C.century_sex_digit(byear, male)
    digits = rng.integers(0, 10**6, n)
    good = np.char.add(
        np.char.add(
            np.char.add("079", century.astype(str)),
            np.char.zfill((np.asarray(byear) % 100).astype(str), 2),
        ),
        np.char.zfill(digits.astype(str), 6),
    )
    wrong_century = (century ^ 1).astype(str)
    wrong_year = np.char.zfill(((np.asarray(byear) + rng.integers(1, 9, n)) % 100).astype(str), 2)
    return np.select(
        [kinds == 0, kinds == 1, kinds == 2, kinds == 3],
        [
            np.char.add(good, "7"),
            np.char.add(
                np.char.add(np.char.ljust(good.astype("U6"), 6), "A"),
                np.char.zfill(digits.astype(str), 6).astype("U5"),
            ),
            np.char.add(
                "003",
                np.char.add(
                    century.astype(str),
                    np.char.add(
                        np.char.zfill((np.asarray(byear) % 100).astype(str), 2),
                        np.char.zfill(digits.astype(str), 6),
                    ),
                ),
            ),
            np.char.add(
                np.char.add(
                    np.char.add("079", wrong_century),
                    np.char.zfill((np.asarray(byear) % 100).astype(str), 2),
                ),
                np.char.zfill(digits.astype(str), 6),
            ),
        ],
        np.char.add(
            np.char.add(np.char.add("079", century.astype(str)), wrong_year),
            np.char.zfill(digits.astype(str), 6),
        ),
    )


# =========================================================================== ground truth
def _monthly_truth(acc: pl.DataFrame, est: pl.DataFrame) -> dict:
    """Monthly figures from the accepted stays (IRTS 2008 / Eurostat): nights are the dates
    between check-in and check-out (open stays censored at the end of the last month), counted
    in the month each night falls in; same-day stays are no arrivals."""
    ci = acc["ci_day"].to_numpy()
    co = np.where(acc["open"].to_numpy(), END, acc["co_day"].to_numpy())
    nights = co - ci
    arrival = nights >= 1
    t_idx = (
        acc["type"]
        .replace_strict({t: i for i, t in enumerate(TYPE_NAMES)}, return_dtype=pl.Int64)
        .to_numpy()
    )
    intl = (acc["nat"] != "VNM").to_numpy().astype(np.int64)
    ci_m = np.searchsorted(MONTH_START, ci, side="right") - 1
    late = acc["late"].to_numpy()
    nat_codes = sorted(set(acc["nat"].unique().to_list()))
    nat_idx = (
        acc["nat"]
        .replace_strict({c: i for i, c in enumerate(nat_codes)}, return_dtype=pl.Int64)
        .to_numpy()
    )
    # occupied room-nights: distinct (establishment, room, night)
    occ = (
        acc.select(pl.col("est"), pl.col("room"), pl.col("ci_day").alias("d"), pl.Series("co", co))
        .filter(pl.col("co") > pl.col("d"))
        .with_columns(d=pl.int_ranges("d", "co"))
        .explode("d")
        .select((pl.col("est") * 1000 + pl.col("room")) * 100_000 + pl.col("d"))
        .unique()
        .to_series()
        .to_numpy()
    )
    occ_est = occ // 100_000 // 1000
    occ_m = np.searchsorted(MONTH_START, occ % 100_000, side="right") - 1
    e_type = (
        est["type"]
        .replace_strict({t: i for i, t in enumerate(TYPE_NAMES)}, return_dtype=pl.Int64)
        .to_numpy()
    )
    opened, closed = est["opened"].to_numpy(), est["closed"].to_numpy()
    close_or_end = np.where(closed >= 0, closed, END)
    rooms = est["rooms"].to_numpy()
    nt, nm = len(TYPE_NAMES), len(C.MONTH_KEYS)

    def per_month_type(month_idx, type_idx, weights=None):
        return np.bincount(month_idx * nt + type_idx, weights=weights, minlength=nm * nt).reshape(
            nm, nt
        )

    arr_mt = per_month_type(ci_m[arrival], t_idx[arrival])
    arr_mo = np.bincount(ci_m[arrival] * 2 + intl[arrival], minlength=nm * 2).reshape(nm, 2)
    not_mt = per_month_type(ci_m, t_idx)
    late_mt = per_month_type(ci_m[late], t_idx[late])
    occ_mt = per_month_type(occ_m, e_type[occ_est])
    nights_mt = np.zeros((nm, nt))
    nights_mo = np.zeros((nm, 2))
    avail_mt = np.zeros((nm, nt))
    est_mt = np.zeros((nm, nt))
    nat_arr = np.bincount(
        ci_m[arrival] * len(nat_codes) + nat_idx[arrival], minlength=nm * len(nat_codes)
    ).reshape(nm, -1)
    nat_nights = np.zeros((nm, len(nat_codes)))
    for mi in range(nm):  # 24 months
        m0, m1 = MONTH_START[mi], MONTH_START[mi + 1]
        in_m = np.clip(np.minimum(co, m1) - np.maximum(ci, m0), 0, None)
        nights_mt[mi] = np.bincount(t_idx, weights=in_m, minlength=nt)
        nights_mo[mi] = np.bincount(intl, weights=in_m, minlength=2)
        nat_nights[mi] = np.bincount(nat_idx, weights=in_m, minlength=len(nat_codes))
        open_days = np.clip(np.minimum(close_or_end, m1) - np.maximum(opened, m0), 0, None)
        avail_mt[mi] = np.bincount(e_type, weights=open_days * rooms, minlength=nt)
        est_mt[mi] = np.bincount(e_type, weights=(open_days > 0), minlength=nt)

    def block(a, g, avail=None, occd=None, n_est=None, nn=None, nl=None):
        out = {
            "arrivals": int(a),
            "guest_nights": int(g),
            "average_length_of_stay": round(g / a, 6) if a else None,
        }
        if avail is not None:
            out.update(
                {
                    "establishments": int(n_est),
                    "room_nights_available": int(avail),
                    "occupied_room_nights": int(occd),
                    "room_occupancy_rate": round(occd / avail, 6) if avail else None,
                    "notifications": int(nn),
                    "late_notifications": int(nl),
                    "late_share": round(nl / nn, 6) if nn else None,
                }
            )
        return out

    monthly, nationality = {}, {}
    for mi, key in enumerate(C.MONTH_KEYS):
        monthly[key] = {
            "province": block(
                arr_mt[mi].sum(),
                nights_mt[mi].sum(),
                avail_mt[mi].sum(),
                occ_mt[mi].sum(),
                est_mt[mi].sum(),
                not_mt[mi].sum(),
                late_mt[mi].sum(),
            ),
            "by_type": {
                t: block(
                    arr_mt[mi, i],
                    nights_mt[mi, i],
                    avail_mt[mi, i],
                    occ_mt[mi, i],
                    est_mt[mi, i],
                    not_mt[mi, i],
                    late_mt[mi, i],
                )
                for i, t in enumerate(TYPE_NAMES)
            },
            "by_origin": {
                o: block(arr_mo[mi, k], nights_mo[mi, k])
                for k, o in enumerate(("domestic", "international"))
            },
        }
        nationality[key] = {
            c: [int(nat_arr[mi, j]), int(nat_nights[mi, j])]
            for j, c in enumerate(nat_codes)
            if nat_arr[mi, j] or nat_nights[mi, j]
        }

    # one guest in two establishments on the same night: accepted stays sharing a night with a
    # stay of the same guest elsewhere
    s = acc.select(
        "guest_doc_number",
        "establishment_id",
        "ci_day",
        pl.Series("co", co),
        pl.int_range(pl.len()).alias("i"),
    ).filter(pl.col("co") > pl.col("ci_day"))
    s = s.filter(pl.len().over("guest_doc_number") > 1)  # only repeat guests can be in two places
    pairs = s.join(s, on="guest_doc_number", suffix="_b").filter(
        (pl.col("establishment_id") != pl.col("establishment_id_b"))
        & (pl.col("ci_day") < pl.col("co_b"))
        & (pl.col("ci_day_b") < pl.col("co"))
    )
    two_places = int(pairs["i"].n_unique())
    days = np.arange(C.PERIOD_START, END)
    return {
        "monthly": monthly,
        "nationality": nationality,
        "totals": {
            "stays": int(acc.height),
            "arrivals": int(arrival.sum()),
            "same_day": int((~arrival).sum()),
            "guest_nights": int(nights.sum()),
            "average_length_of_stay": round(float(nights.sum() / max(arrival.sum(), 1)), 6),
            "international_share": round(float(intl[arrival].mean()), 6) if arrival.any() else 0.0,
            "open_stays": int(acc["open"].sum()),
            "late_notifications": int(late.sum()),
            "days": int(len(days)),
        },
        "flags": {
            "guest_two_places": two_places,
            "late_notification": int(late.sum()),
        },
        "resident_guest_stays": int((acc["resident"] & (acc["guest_doc_type"] == "cccd")).sum()),
    }


def summary(truth: dict) -> str:
    t = truth["totals"]
    return (
        f"lodging: {t['stays']:,} accepted stays, {t['arrivals']:,} arrivals, "
        f"ALOS {t['average_length_of_stay']:.2f}, international {t['international_share']:.1%}"
    )


__all__ = ["generate", "lodging_scale", "summary"]
