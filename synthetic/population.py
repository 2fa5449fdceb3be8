"""Synthetic population register of the former Bình Định area (synthetic persons only).

`generate_population(out_dir, scale, seed)` builds a clean world — a baseline population on
2024-01-01 in households, then 24 months of births, deaths, moves in, out and within the area —
writes the landing extracts with defects injected at known rates, and writes the ground truth
computed from the clean world. It returns the `PopulationWorld`, which later generators
(labour, lodging, public order) use through `residents_at(date)`.

Everything is vectorised with numpy/polars; the only loops are over communes and months.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from sources import admin_units
from sources.contracts import EVENTS, RESIDENTS
from synthetic import common as C

BASELINE = date(2024, 1, 1)
BASE = C.PERIOD_START  # the baseline snapshot is taken on the first day of the period
END = C.PERIOD_END  # exclusive
LAST_DAY = END - 1
REFORM = C.day(*date.fromisoformat(admin_units.REFORM_DATE).timetuple()[:3])
VIETNAMESE_HEADER_MONTH = "2024-06"
TRUTH_DATES = ["2024-01-01", "2025-01-01", "2026-01-01"]
NOT_ENTERED = -(10**6)  # entry day of the baseline population
NOT_LEFT = 10**7  # exit day of someone still in the area

# Population of the former districts, thousands (≈ 2023).
DISTRICT_POP_K = {
    "540": 291,
    "543": 210,
    "548": 190,
    "550": 180,
    "549": 178,
    "545": 168,
    "547": 122,
    "544": 85,
    "546": 30,
    "542": 29,
    "551": 28,
}
MINORITY_DISTRICTS = ("542", "546", "551")  # An Lão, Vĩnh Thạnh, Vân Canh (Ba Na, Hrê, Chăm)

# Annual rates.
CRUDE_BIRTH = 0.013
CRUDE_DEATH = 0.006
INTERNAL_MOVE = 0.010
OUT_MIGRATION = 0.008
IN_MIGRATION = 0.006
SEX_RATIO_AT_BIRTH = 1.10

EVENT_TYPES = ["birth", "death", "move_in", "move_out", "internal_move"]
BIRTH, DEATH, MOVE_IN, MOVE_OUT, INTERNAL = range(5)

RELATIONS = ["chủ hộ", "vợ", "chồng", "con", "cha", "mẹ", "cháu", "khác"]
MARITAL = ["Chưa kết hôn", "Có vợ/chồng", "Góa", "Ly hôn"]
EDUCATION = [
    "Chưa đi học",
    "Tiểu học",
    "THCS",
    "THPT",
    "Trung cấp",
    "Cao đẳng",
    "Đại học",
    "Sau đại học",
]
RELIGIONS = ["Không", "Phật giáo", "Công giáo", "Tin lành", "Cao Đài"]
RELIGION_P = [0.835, 0.105, 0.04, 0.012, 0.008]


def _load_names() -> dict[tuple[str, str], tuple[list[str], list[float]]]:
    """{(part, sex): (names, weights)} from synthetic/reference/vietnamese_names.csv: surnames
    (sex ''), middle names and given names by sex; given names have no weight (drawn uniformly)."""
    out: dict = {}
    for r in C.reference_rows("vietnamese_names"):
        names, weights = out.setdefault((r["part"], r["sex"]), ([], []))
        names.append(r["name"])
        if r["weight"]:
            weights.append(float(r["weight"]))
    return out


NAMES = _load_names()
SURNAMES, SURNAME_P = NAMES["surname", ""]

# Defect rates. Rejected defects are extra rows; repairs are applied to real rows, at most one
# repair per row so that counts are unambiguous however the pipeline counts them.
RES_REJECT_RATES = {
    "DUPLICATE": 0.003,
    "INVALID_PERSON_ID": 0.002,
    "UNKNOWN_COMMUNE": 0.001,
    "INVALID_BIRTH_DATE": 0.0006,
}
RES_REPAIR_RATES = {
    "date_formats": 0.02,
    "sex_spellings": 0.03,
    "nfd_text": 0.05,
    "stray_spaces": 0.02,
    "nationality_spellings": 0.02,
}
EV_REJECT_RATES = {
    "DUPLICATE": 0.01,
    "INVALID_PERSON_ID": 0.005,
    "UNKNOWN_PERSON": 0.005,
    "SECOND_DEATH": 0.003,
    "UNKNOWN_COMMUNE": 0.003,
}
EV_REPAIR_RATES = {
    "date_formats": 0.02,
    "sex_spellings": 0.03,
    "stray_spaces": 0.02,
    "old_commune_codes_after_reform": 0.05,
    "late_registrations": 0.03,
}
INVALID_ID_KINDS = ["length_11", "length_13", "letter", "unknown_prefix", "sex_digit", "birth_year"]


# =========================================================================== geography
@dataclass
class Geo:
    old_codes: np.ndarray  # str, 155
    district: np.ndarray  # str district code per old commune
    is_ward: np.ndarray  # bool
    new_of_old: np.ndarray  # str default new code per old commune
    new_codes: np.ndarray  # str, 58
    new_idx_of_old: np.ndarray  # int index into new_codes
    seat_of_new: np.ndarray  # old index of the seat commune of each new commune
    old_alias_ok: np.ndarray  # bool: old code that is not itself a new code

    @classmethod
    def load(cls) -> Geo:
        old = admin_units.old_communes().sort("old_commune_code")
        cw = admin_units.crosswalk().filter(pl.col("is_default"))
        old = old.join(
            cw.select("old_commune_code", "new_commune_code"), on="old_commune_code", how="left"
        )
        old_codes = old["old_commune_code"].to_numpy().astype(str)
        new_of_old = old["new_commune_code"].to_numpy().astype(str)
        new_codes = np.array(sorted(set(new_of_old)))
        pos = {c: i for i, c in enumerate(old_codes)}
        seat = np.array([pos[c] for c in new_codes])
        return cls(
            old_codes=old_codes,
            district=old["district_code"].to_numpy().astype(str),
            is_ward=(old["old_commune_type"] == "Phường").to_numpy(),
            new_of_old=new_of_old,
            new_codes=new_codes,
            new_idx_of_old=np.searchsorted(new_codes, new_of_old),
            seat_of_new=seat,
            old_alias_ok=~np.isin(old_codes, new_codes),
        )

    def code_at(self, idx: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Commune code as written on a date: old code before the reform, new code after."""
        idx = np.asarray(idx)
        return np.where(np.asarray(days) >= REFORM, self.new_of_old[idx], self.old_codes[idx])


# =========================================================================== baseline
def _commune_targets(rng, geo: Geo, scale: float) -> np.ndarray:
    w = rng.lognormal(0.0, 0.35, len(geo.old_codes)) * np.where(geo.is_ward, 1.7, 1.0)
    target = np.zeros(len(w))
    for d, k in DISTRICT_POP_K.items():
        m = geo.district == d
        target[m] = k * 1000 * scale * w[m] / w[m].sum()
    return np.maximum(np.round(target).astype(np.int64), 3)


HH_SIZE_P = np.array([0.10, 0.19, 0.23, 0.26, 0.13, 0.06, 0.02, 0.01])


CHILD_AGES = np.arange(0, 36)
CHILD_AGE_P = np.interp(CHILD_AGES, [0, 14, 17, 22, 27, 35], [1.0, 1.0, 0.85, 0.5, 0.3, 0.05])
CHILD_AGE_P = CHILD_AGE_P / CHILD_AGE_P.sum()


def _head_age_pmf() -> tuple[np.ndarray, np.ndarray]:
    ages = np.arange(20, 100)
    w = np.interp(
        ages,
        [20, 25, 30, 40, 50, 60, 70, 80, 90, 99],
        [0.1, 0.5, 1.2, 1.9, 2.0, 1.75, 1.15, 0.55, 0.15, 0.02],
    )
    return ages, w / w.sum()


def _build_baseline(
    rng: np.random.Generator, geo: Geo, scale: float, used_ids: C.UsedInts, used_hh: C.UsedInts
) -> pl.DataFrame:
    targets = _commune_targets(rng, geo, scale)
    # households per commune: sizes until the target is reached (last one truncated)
    hh_commune, hh_size = [], []
    for c, t in enumerate(targets):
        sizes = rng.choice(8, size=int(t / 3.44 * 1.3) + 10, p=HH_SIZE_P) + 1
        cum = np.cumsum(sizes)
        n = int(np.searchsorted(cum, t)) + 1
        sizes = sizes[:n].copy()
        sizes[-1] -= cum[n - 1] - t
        sizes = sizes[sizes > 0]
        hh_commune.append(np.full(len(sizes), c))
        hh_size.append(sizes)
    hh_commune = np.concatenate(hh_commune)
    hh_size = np.concatenate(hh_size)
    n_hh = len(hh_size)

    # household-level draws
    ages, pmf = _head_age_pmf()
    head_age = rng.choice(ages, size=n_hh, p=pmf)
    p_male = np.interp(head_age, [20, 50, 65, 80, 95], [0.80, 0.78, 0.55, 0.33, 0.25])
    p_male = np.where(hh_size == 1, 0.36, p_male)
    head_male = rng.random(n_hh) < p_male
    p_sp = np.where(head_age < 60, 0.92, np.where(head_age < 75, 0.68, 0.40))
    has_spouse = (hh_size >= 2) & (rng.random(n_hh) < p_sp)
    spouse_age = np.maximum(
        head_age + np.where(head_male, -3, 3) + np.round(rng.normal(0, 3, n_hh)).astype(int), 18
    )
    mother_age = np.where(has_spouse & head_male, spouse_age, head_age)
    minority = np.isin(geo.district[hh_commune], MINORITY_DISTRICTS)
    eth_draw = rng.random(n_hh)
    ethnicity = np.where(
        minority & (eth_draw < 0.40),
        np.where(eth_draw < 0.24, "13", np.where(eth_draw < 0.34, "19", "17")),
        np.where(eth_draw < 0.004, np.where(eth_draw < 0.002, "04", "13"), "01"),
    )
    religion = rng.choice(len(RELIGIONS), size=n_hh, p=RELIGION_P)
    temporary = rng.random(n_hh) < 0.07
    hh_surname = C.choice_labels(rng, SURNAMES, SURNAME_P, n_hh)
    hh_id = _household_ids(rng, n_hh, used_hh)

    # persons
    h = np.repeat(np.arange(n_hh), hh_size)
    n = len(h)
    starts = np.cumsum(hh_size) - hh_size
    k = np.arange(n) - starts[h]
    sp = has_spouse[h]
    is_head = k == 0
    is_spouse = (k == 1) & sp
    j = k - 1 - sp.astype(int)
    n_oth = hh_size[h] - 1 - has_spouse[h].astype(int)
    old_head = head_age[h] >= 55
    u = rng.random(n)
    u2 = rng.random(n)
    other = ~is_head & ~is_spouse
    is_parent = other & ~old_head & (n_oth >= 3) & (j == n_oth - 1) & (u < 0.5)
    is_other = other & ~is_parent & (u2 < 0.03)
    is_grand = other & old_head & ~is_parent & ~is_other & (j >= 2)
    is_child = other & ~is_parent & ~is_other & ~is_grand

    ha = head_age[h].astype(float)
    age = np.zeros(n)
    age[is_head] = ha[is_head]
    age[is_spouse] = spouse_age[h][is_spouse]
    young_child = is_child & ~old_head
    # children's ages from a profile (fewer young adults still at home), within what the
    # mother's age allows (born when she was 18 or older)
    nyc = int(young_child.sum())
    yc = rng.choice(CHILD_AGES, size=nyc, p=CHILD_AGE_P) + rng.random(nyc)
    room = np.maximum(mother_age[h][young_child] - 18, 0.5)
    yc = np.where(yc > room, rng.random(nyc) * room, yc)
    age[young_child] = yc
    old_child = is_child & old_head
    age[old_child] = ha[old_child] - rng.uniform(22, 36, old_child.sum())
    age[is_grand] = ha[is_grand] - rng.uniform(44, 62, is_grand.sum())
    age[is_parent] = ha[is_parent] + rng.uniform(20, 34, is_parent.sum())
    age[is_other] = rng.uniform(15, 70, is_other.sum())
    neg = age < 0
    age[neg] = rng.uniform(0, 3, neg.sum())
    over = age > 104
    age[over] = 95 + rng.uniform(0, 9, over.sum())
    age = np.floor(age).astype(np.int64)

    male = np.where(
        is_head,
        head_male[h],
        np.where(is_spouse, ~head_male[h], np.where(is_parent, u2 < 0.25, rng.random(n) < 0.505)),
    )
    rel = np.select(
        [
            is_head,
            is_spouse & ~male,
            is_spouse & male,
            is_child,
            is_parent & male,
            is_parent & ~male,
            is_grand,
        ],
        [0, 1, 2, 3, 4, 5, 6],
        7,
    )
    # date of birth: completed age `age` on the baseline date
    dob = BASE - 1 - np.floor((age + rng.random(n)) * 365.2425).astype(np.int64)

    # marital status consistent with age and household role
    um = rng.random(n)
    married_p = np.select([age < 18, age < 25, age < 35, age < 60], [0.0, 0.15, 0.55, 0.75], 0.5)
    single_head = is_head & ~sp
    marital = np.select(
        [
            age < 18,
            is_spouse | (is_head & sp),
            single_head & (age < 30),
            single_head & (age < 60),
            single_head,
            is_parent | (age >= 70),
            um < married_p,
        ],
        [
            0,
            1,
            np.where(um < 0.8, 0, 3),
            np.where(um < 0.3, 0, np.where(um < 0.65, 3, 2)),
            np.where(um < 0.05, 0, np.where(um < 0.15, 3, 2)),
            np.where(um < 0.75, 2, 1),
            1,
        ],
        np.where(age < 30, 0, np.where(um < 0.9, 0, 3)),
    )
    education = _education(rng, age)
    # birth province: mostly Bình Định; adults more often born elsewhere
    prov_others = C.other_province_prefixes()
    born_else = rng.random(n) < np.where(age < 18, 0.03, 0.10)
    prefix = np.where(born_else, rng.choice(prov_others, size=n), C.HOME_PROVINCE_PREFIX)
    byear = _year_of(dob)
    pid = C.person_ids(rng, prefix, male, byear, used_ids)
    surname = np.where(
        (is_child | is_grand) & head_male[h],
        hh_surname[h],
        C.choice_labels(rng, SURNAMES, SURNAME_P, n),
    )
    surname = np.where(is_head, hh_surname[h], surname)
    names = _names(rng, surname, male)

    return pl.DataFrame(
        {
            "idx": np.arange(n, dtype=np.int64),
            "pid": pid,
            "full_name": names,
            "male": male,
            "dob": dob,
            "ethnicity_code": ethnicity[h],
            "religion": np.array(RELIGIONS)[religion[h]],
            "household": hh_id[h],
            "relation_to_head": np.array(RELATIONS)[rel],
            "marital_status": np.array(MARITAL)[marital],
            "education_level": np.array(EDUCATION)[education],
            "commune": hh_commune[h],
            "residence_type": np.where(temporary[h], "tạm trú", "thường trú"),
        }
    )


def _education(rng, age: np.ndarray) -> np.ndarray:
    bands = [
        (0, 6, [1, 0, 0, 0, 0, 0, 0, 0]),
        (6, 11, [0.01, 0.99, 0, 0, 0, 0, 0, 0]),
        (11, 15, [0.01, 0.04, 0.95, 0, 0, 0, 0, 0]),
        (15, 18, [0.01, 0.03, 0.14, 0.82, 0, 0, 0, 0]),
        (18, 23, [0.01, 0.04, 0.12, 0.50, 0.06, 0.09, 0.18, 0]),
        (23, 40, [0.01, 0.06, 0.22, 0.33, 0.08, 0.08, 0.20, 0.02]),
        (40, 60, [0.02, 0.15, 0.33, 0.28, 0.07, 0.05, 0.09, 0.01]),
        (60, 200, [0.10, 0.35, 0.30, 0.15, 0.04, 0.02, 0.037, 0.003]),
    ]
    out = np.zeros(len(age), dtype=np.int64)
    for lo, hi, p in bands:
        m = (age >= lo) & (age < hi)
        p = np.asarray(p, float)
        out[m] = rng.choice(8, size=int(m.sum()), p=p / p.sum())
    return out


def _drawn_names(rng, part: str, sex: str, n: int) -> np.ndarray:
    """n names of a part and sex, by their weights (uniformly where they have none)."""
    names, weights = NAMES[part, sex]
    idx = C.choice_labels(rng, names, weights, n) if weights else rng.integers(0, len(names), n)
    return np.array(names)[idx]


def _names(rng, surname_idx: np.ndarray, male: np.ndarray) -> np.ndarray:
    n = len(male)
    mid = np.where(male, _drawn_names(rng, "middle", "m", n), _drawn_names(rng, "middle", "f", n))
    given = np.where(male, _drawn_names(rng, "given", "m", n), _drawn_names(rng, "given", "f", n))
    return (
        pl.Series(np.array(SURNAMES)[surname_idx]) + " " + pl.Series(mid) + " " + pl.Series(given)
    ).to_numpy()


def _household_ids(rng, n: int, used: C.UsedInts) -> np.ndarray:
    """n new 8-digit household numbers, unique among all drawn so far (`used`)."""
    return C.unique_random_ints(rng, 10**7, 10**8, n, lambda r, mask=None: r.astype(np.int64), used)


def _year_of(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype="datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


# =========================================================================== the world
@dataclass
class PopulationWorld:
    """The clean synthetic population: who lives where, on any day of 2024–2025."""

    seed: int
    scale: float
    geo: Geo
    baseline: pl.DataFrame  # typed baseline rows (idx, pid, attributes, commune, household)
    persons: pl.DataFrame  # idx, person_id, male, dob, entry, exit, commune0, household0
    moves: pl.DataFrame  # idx, day, commune, household (internal moves, new place)
    events: pl.DataFrame  # clean events, typed
    truth: dict = field(default_factory=dict)

    def residents_at(self, on: date | str) -> pl.DataFrame:
        """The true population living in the area at 00:00 of `on` (events dated before `on`
        applied): person_id, sex, date_of_birth, commune_code_old, commune_code_new,
        household_id."""
        d = C.day(*map(int, str(on).split("-"))) if isinstance(on, str) else (on - C.EPOCH).days
        here = self.persons.filter((pl.col("entry") < d) & (pl.col("exit") >= d))
        last = (
            self.moves.filter(pl.col("day") < d)
            .sort("idx", "day")
            .group_by("idx", maintain_order=True)
            .last()
            .select("idx", "commune", "household")
        )
        here = here.join(last, on="idx", how="left").with_columns(
            commune=pl.coalesce("commune", "commune0"),
            household=pl.coalesce("household", "household0"),
        )
        cidx = here["commune"].to_numpy()
        return pl.DataFrame(
            {
                "person_id": here["person_id"],
                "sex": np.where(here["male"].to_numpy(), "Nam", "Nữ"),
                "date_of_birth": here["dob"].cast(pl.Int32).cast(pl.Date),
                "commune_code_old": self.geo.old_codes[cidx],
                "commune_code_new": self.geo.new_of_old[cidx],
                "household_id": here["household"].cast(pl.String).str.zfill(9),
            }
        )


def _mortality(age: np.ndarray, male: np.ndarray) -> np.ndarray:
    q = np.where(
        age < 1,
        0.012,
        np.where(age < 15, 0.0004, np.minimum(0.0008 * np.exp(0.09 * (age - 30)), 0.6)),
    )
    return q * np.where(male, 1.6, 1.0)


def _fertility(age: np.ndarray) -> np.ndarray:
    return np.select(
        [age < 15, age < 20, age < 25, age < 30, age < 35, age < 40, age < 45, age < 50],
        [0, 0.03, 0.12, 0.14, 0.10, 0.05, 0.015, 0.003],
        0.0,
    )


def _migration_weight(age: np.ndarray) -> np.ndarray:
    return np.select([age < 18, age < 35, age < 55], [0.8, 2.5, 1.0], 0.35)


def _migrant_ages(rng, n: int) -> np.ndarray:
    grp = rng.choice(4, size=n, p=[0.2, 0.58, 0.16, 0.06])
    lo = np.array([0, 18, 35, 60])[grp]
    hi = np.array([18, 35, 60, 90])[grp]
    return rng.uniform(lo, hi)


def _simulate(rng, geo: Geo, base: pl.DataFrame, used_ids: C.UsedInts, used_hh: C.UsedInts):
    n0 = base.height
    pid = base["pid"].to_numpy().copy()
    male = base["male"].to_numpy().copy()
    dob = base["dob"].to_numpy().copy()
    commune = base["commune"].to_numpy().copy()
    household = base["household"].to_numpy().copy()
    in_area = np.ones(n0, bool)
    last_birth = np.full(n0, NOT_ENTERED, dtype=np.int64)
    entry = np.full(n0, NOT_ENTERED, dtype=np.int64)
    exit_ = np.full(n0, NOT_LEFT, dtype=np.int64)
    commune0, household0 = commune.copy(), household.copy()

    pop_old = np.bincount(commune, minlength=len(geo.old_codes)).astype(float)
    pop_new = np.bincount(geo.new_idx_of_old[commune], minlength=len(geo.new_codes)).astype(float)
    prov_others = C.other_province_prefixes()
    ev: list[dict] = []
    moves: list[dict] = []

    def dest_commune(k, days, origin=None):
        """Destination old-commune index: by population before the reform; after it, a new
        commune by population, entered at its seat commune."""
        post = days >= REFORM
        out = rng.choice(len(pop_old), size=k, p=pop_old / pop_old.sum())
        new = rng.choice(len(pop_new), size=k, p=pop_new / pop_new.sum())
        out = np.where(post, geo.seat_of_new[new], out)
        if origin is not None:
            for _ in range(100):  # redraw the few that stay in place
                same = np.where(
                    post, geo.new_idx_of_old[out] == geo.new_idx_of_old[origin], out == origin
                )
                if not same.any():
                    break
                s = int(same.sum())
                o2 = rng.choice(len(pop_old), size=s, p=pop_old / pop_old.sum())
                n2 = rng.choice(len(pop_new), size=s, p=pop_new / pop_new.sum())
                out[same] = np.where(post[same], geo.seat_of_new[n2], o2)
        return out

    def outside_code(k, days):
        pre = C.other_province_communes(False)
        post = C.other_province_communes(True)
        code = np.where(
            days >= REFORM, post[rng.integers(0, len(post), k)], pre[rng.integers(0, len(pre), k)]
        )
        return np.where(rng.random(k) < 0.85, code, "")

    for y, m in C.MONTHS:
        ms = C.day(y, m, 1)
        me = C.day(y + (m == 12), m % 12 + 1, 1)
        nd = me - ms
        alive = np.flatnonzero(in_area)
        age = (ms - dob[alive]) / 365.2425
        q = _mortality(age, male[alive])
        p_d = q * (CRUDE_DEATH / 12) / q.mean()
        w = _migration_weight(age)
        w = w / w.mean()
        p_o = OUT_MIGRATION / 12 * w
        p_i = INTERNAL_MOVE / 12 * w
        u = rng.random(len(alive))
        when = ms + rng.integers(0, nd, len(alive))
        d_m = u < p_d
        o_m = ~d_m & (u < p_d + p_o)
        i_m = ~d_m & ~o_m & (u < p_d + p_o + p_i)
        busy = d_m | o_m | i_m

        # deaths and moves out
        for mask, et in ((d_m, DEATH), (o_m, MOVE_OUT)):
            who = alive[mask]
            dd = when[mask]
            ev.append(
                dict(
                    etype=np.full(len(who), et),
                    person=who,
                    day=dd,
                    commune=commune[who],
                    frm=np.full(len(who), -1),
                    to=np.full(len(who), -1),
                    ext_from=np.full(len(who), ""),
                    ext_to=outside_code(len(who), dd) if et == MOVE_OUT else np.full(len(who), ""),
                    mother=np.full(len(who), -1),
                )
            )
            in_area[who] = False
            exit_[who] = dd
        # internal moves
        who = alive[i_m]
        dd = when[i_m]
        dest = dest_commune(len(who), dd, commune[who])
        new_hh = _household_ids(rng, len(who), used_hh)
        ev.append(
            dict(
                etype=np.full(len(who), INTERNAL),
                person=who,
                day=dd,
                commune=dest,
                frm=commune[who].copy(),
                to=dest,
                ext_from=np.full(len(who), ""),
                ext_to=np.full(len(who), ""),
                mother=np.full(len(who), -1),
            )
        )
        moves.append(dict(idx=who, day=dd, commune=dest, household=new_hh))
        commune[who] = dest
        household[who] = new_hh

        # births: mothers are women 15–49 with no other event this month, no birth in 15 months
        fert = _fertility(age) * (~male[alive]) * (~busy) * ((ms - last_birth[alive]) > 450)
        season = 1 + 0.12 * np.cos(2 * np.pi * (m - 10) / 12)
        n_b = rng.poisson(CRUDE_BIRTH / 12 * len(alive) * season)
        mothers = alive[C.weighted_sample(rng, fert, n_b)]
        n_b = len(mothers)
        bd = ms + rng.integers(0, nd, n_b)
        b_male = rng.random(n_b) < SEX_RATIO_AT_BIRTH / (1 + SEX_RATIO_AT_BIRTH)
        b_pid = C.person_ids(
            rng, np.full(n_b, C.HOME_PROVINCE_PREFIX), b_male, _year_of(bd), used_ids
        )
        last_birth[mothers] = bd
        first_new = len(pid)
        b_idx = np.arange(first_new, first_new + n_b)
        ev.append(
            dict(
                etype=np.full(n_b, BIRTH),
                person=b_idx,
                day=bd,
                commune=commune[mothers],
                frm=np.full(n_b, -1),
                to=np.full(n_b, -1),
                ext_from=np.full(n_b, ""),
                ext_to=np.full(n_b, ""),
                mother=mothers,
            )
        )

        # moves in from outside the area
        n_in = int(rng.poisson(IN_MIGRATION / 12 * len(alive)))
        idd = ms + rng.integers(0, nd, n_in)
        i_age = _migrant_ages(rng, n_in)
        i_dob = np.minimum(idd - np.floor(i_age * 365.2425).astype(np.int64), idd - 1)
        i_male = rng.random(n_in) < 0.5
        i_pref = np.where(
            rng.random(n_in) < 0.25, C.HOME_PROVINCE_PREFIX, rng.choice(prov_others, size=n_in)
        )
        i_pid = C.person_ids(rng, i_pref, i_male, _year_of(i_dob), used_ids)
        i_dest = dest_commune(n_in, idd)
        i_hh = _household_ids(rng, n_in, used_hh)
        i_idx = np.arange(first_new + n_b, first_new + n_b + n_in)
        ev.append(
            dict(
                etype=np.full(n_in, MOVE_IN),
                person=i_idx,
                day=idd,
                commune=i_dest,
                frm=np.full(n_in, -1),
                to=i_dest,
                ext_from=outside_code(n_in, idd),
                ext_to=np.full(n_in, ""),
                mother=np.full(n_in, -1),
            )
        )

        # append the new persons
        pid = np.concatenate([pid, b_pid, i_pid])
        male = np.concatenate([male, b_male, i_male])
        dob = np.concatenate([dob, bd, i_dob])
        commune = np.concatenate([commune, commune[mothers], i_dest])
        household = np.concatenate([household, household[mothers], i_hh])
        in_area = np.concatenate([in_area, np.ones(n_b + n_in, bool)])
        last_birth = np.concatenate([last_birth, np.full(n_b + n_in, NOT_ENTERED)])
        entry = np.concatenate([entry, bd, idd])
        exit_ = np.concatenate([exit_, np.full(n_b + n_in, NOT_LEFT)])
        commune0 = np.concatenate([commune0, commune[b_idx], i_dest])
        household0 = np.concatenate([household0, household[b_idx], i_hh])

    persons = pl.DataFrame(
        {
            "idx": np.arange(len(pid), dtype=np.int64),
            "person_id": C.format_ids(pid),
            "pid": pid,
            "male": male,
            "dob": dob,
            "entry": entry,
            "exit": exit_,
            "commune0": commune0,
            "household0": household0,
        }
    )
    cat = {k: np.concatenate([e[k] for e in ev]) for k in ev[0]}
    events = pl.DataFrame(cat).with_columns(pl.col("day").cast(pl.Int64))
    mv = {k: np.concatenate([e[k] for e in moves]) for k in moves[0]}
    moves_df = pl.DataFrame(mv).with_columns(pl.col("day").cast(pl.Int64))
    return persons, events, moves_df


# =========================================================================== truth
AGE_GROUPS = [f"{a}-{a + 4}" for a in range(0, 80, 5)] + ["80+"]


def _population_stats(world: PopulationWorld, on: str) -> dict:
    r = world.residents_at(on)
    d = date.fromisoformat(on)
    r = r.with_columns(age=C.age_on(pl.col("date_of_birth"), d)).with_columns(
        grp=pl.when(pl.col("age") >= 80)
        .then(pl.lit("80+"))
        .otherwise(
            (pl.col("age") // 5 * 5).cast(pl.String)
            + "-"
            + (pl.col("age") // 5 * 5 + 4).cast(pl.String)
        )
    )
    district_of = dict(zip(world.geo.old_codes, world.geo.district, strict=True))
    by_sa = {s: {g: 0 for g in AGE_GROUPS} for s in ("Nam", "Nữ")}
    for s, g, n in r.group_by("sex", "grp").len().iter_rows():
        by_sa[s][g] = n
    by_d = {d_: 0 for d_ in sorted(DISTRICT_POP_K)}
    for c, n in r.group_by("commune_code_old").len().iter_rows():
        by_d[district_of[c]] += n
    by_new = {c: 0 for c in world.geo.new_codes.tolist()}
    for c, n in r.group_by("commune_code_new").len().iter_rows():
        by_new[c] = n
    male = int((r["sex"] == "Nam").sum())
    return {
        "total": r.height,
        "male": male,
        "female": r.height - male,
        "by_sex_age": by_sa,
        "by_district": by_d,
        "by_new_commune": by_new,
    }


def _monthly(events: pl.DataFrame) -> dict:
    key = {
        BIRTH: "births",
        DEATH: "deaths",
        MOVE_IN: "in_migrants",
        MOVE_OUT: "out_migrants",
        INTERNAL: "internal_moves",
    }
    out = {f"{y}-{m:02d}": {v: 0 for v in key.values()} for y, m in C.MONTHS}
    g = events.with_columns(mon=C.month_key("day")).group_by("mon", "etype").len()
    for mon, et, n in g.iter_rows():
        out[mon][key[et]] = n
    return out


# =========================================================================== writing: residents
def _resident_text(df: pl.DataFrame, geo: Geo, repair: np.ndarray, rng) -> pl.DataFrame:
    """Typed resident rows → contract text columns, applying the repair kind per row
    (0 none, 1 date, 2 sex, 3 NFD, 4 stray spaces, 5 nationality)."""
    n = df.height
    r = pl.col("repair")
    sex = C.sex_text(rng, df["male"], r == 2)
    date_kind = np.where(repair == 1, C.date_variant_kinds(rng, df["dob"].to_numpy()), 0)
    space_targets = ["full_name", "religion", "household_id", "commune_code"]
    stray_spaces = C.stray_spaces(rng, n, space_targets, r == 4)
    nat = np.array(C.NATIONALITY_SPELLINGS)[rng.integers(0, 3, n)]
    commune_code = (
        df["commune_code"]
        if "commune_code" in df.columns
        else pl.Series(geo.old_codes[df["commune"].to_numpy()])
    )
    t = df.with_columns(
        repair=pl.Series(repair),
        date_kind=pl.Series(date_kind),
        nat=pl.Series(nat),
        commune_code=commune_code,
    )
    text_cols = [
        "full_name",
        "religion",
        "relation_to_head",
        "marital_status",
        "education_level",
        "residence_type",
    ]
    t = (
        t.with_columns(
            person_id=pl.col("person_id"),
            sex=sex,
            date_of_birth=C.fmt_date_variant("dob", pl.col("date_kind")),
            nationality=pl.when(r == 5).then(pl.col("nat")).otherwise(pl.lit("VNM")),
            household_id=pl.col("household").cast(pl.String).str.zfill(9),
            status=pl.lit("alive"),
        )
        .with_columns(
            [
                pl.when(r == 3).then(C.nfd(pl.col(c))).otherwise(pl.col(c)).alias(c)
                for c in text_cols
            ]
        )
        .with_columns(stray_spaces)
    )
    return t.select(RESIDENTS.names)


def _fabricated_ids(
    rng, kinds: np.ndarray, male: np.ndarray, dob: np.ndarray, used: C.UsedInts
) -> np.ndarray:
    """IDs that are wrong in the way `kinds` says (indices into INVALID_ID_KINDS), never equal
    to a real person's ID (the sex- and year-digit kinds look like IDs of someone else)."""
    out = _mutated_ids(rng, kinds, male, dob, used)
    for _ in range(20):
        digits = np.char.isdigit(out) & (np.char.str_len(out) == 12)
        as_int = np.where(digits, out, "0").astype(np.int64)
        clash = digits & used.contains(as_int)
        if not clash.any():
            break
        out[clash] = _mutated_ids(rng, kinds[clash], male[clash], dob[clash], used)
    used.add(as_int[digits])
    return out


def _mutated_ids(
    rng, kinds: np.ndarray, male: np.ndarray, dob: np.ndarray, used: C.UsedInts
) -> np.ndarray:
    """New valid IDs for the sex and birth date, then broken in the way `kinds` says."""
    base = C.person_ids(rng, np.full(len(kinds), C.HOME_PROVINCE_PREFIX), male, _year_of(dob), used)
    return C.broken_ids(rng, C.format_ids(base).to_list(), kinds, INVALID_ID_KINDS)


def _write_residents(rng, world: PopulationWorld, out_dir: Path, used_ids: C.UsedInts) -> dict:
    geo = world.geo
    base = world.baseline.with_columns(person_id=C.format_ids(world.baseline["pid"].to_numpy()))
    n = base.height
    # repairs: one kind per row at most
    u = rng.random(n)
    edges = np.cumsum([0] + list(RES_REPAIR_RATES.values()))
    repair = np.zeros(n, dtype=np.int64)
    for i in range(len(RES_REPAIR_RATES)):
        repair[(u >= edges[i]) & (u < edges[i + 1])] = i + 1
    clean_text = _resident_text(base, geo, repair, rng)

    counts = {k: C.defect_count(v, n) for k, v in RES_REJECT_RATES.items()}
    fab_parts, id_kinds, bd_kinds = [], {}, {}
    # INVALID_PERSON_ID: fabricated persons copying attributes of a real row
    k = counts["INVALID_PERSON_ID"]
    tmpl = base[rng.integers(0, n, k)]
    kinds, id_kinds = C.spread_kinds(rng, k, INVALID_ID_KINDS)
    ids = _fabricated_ids(rng, kinds, tmpl["male"].to_numpy(), tmpl["dob"].to_numpy(), used_ids)
    fab_parts.append(tmpl.with_columns(person_id=pl.Series(ids)))
    # UNKNOWN_COMMUNE: a valid person in a commune that exists nowhere
    k = counts["UNKNOWN_COMMUNE"]
    tmpl = base[rng.integers(0, n, k)]
    ids = C.person_ids(
        rng,
        np.full(k, C.HOME_PROVINCE_PREFIX),
        tmpl["male"].to_numpy(),
        _year_of(tmpl["dob"].to_numpy()),
        used_ids,
    )
    bad = C.unknown_commune_codes()[rng.integers(0, len(C.unknown_commune_codes()), k)]
    fab_parts.append(tmpl.with_columns(person_id=C.format_ids(ids), commune_code=pl.Series(bad)))
    # INVALID_BIRTH_DATE: born in the future, or more than 120 years before the snapshot
    k = counts["INVALID_BIRTH_DATE"]
    tmpl = base[rng.integers(0, n, k)]
    future = np.arange(k) % 2 == 0
    dob = np.where(
        future,
        BASE + 1 + rng.integers(0, 3 * 365, k),
        C.day(1890, 1, 1) + rng.integers(0, C.day(1903, 12, 31) - C.day(1890, 1, 1), k),
    )
    ids = C.person_ids(
        rng, np.full(k, C.HOME_PROVINCE_PREFIX), tmpl["male"].to_numpy(), _year_of(dob), used_ids
    )
    fab_parts.append(tmpl.with_columns(person_id=C.format_ids(ids), dob=pl.Series(dob)))
    bd_kinds = {"future": int(future.sum()), "over_120_years": int((~future).sum())}

    n_fab = [p.height for p in fab_parts]
    fab = pl.concat(
        [
            p.with_columns(commune_code=pl.col("commune_code"))
            if "commune_code" in p.columns
            else p.with_columns(commune_code=pl.Series(geo.old_codes[p["commune"].to_numpy()]))
            for p in fab_parts
        ],
        how="diagonal_relaxed",
    )
    fab_text = _resident_text(fab, geo, np.zeros(fab.height, dtype=np.int64), rng)

    # DUPLICATE: exact copies of unrepaired real rows, placed after the original
    k = counts["DUPLICATE"]
    src = np.sort(rng.choice(np.flatnonzero(repair == 0), size=k, replace=False))
    allrows = C.with_extra_rows(clean_text, fab_text, src, rng)
    path = out_dir / "landing" / "population" / f"residents_{BASELINE.isoformat()}.csv"
    rows = C.write_csv(allrows, path, RESIDENTS.vietnamese_header(), bom=True)
    names = list(RES_REPAIR_RATES)
    return {
        "rows": rows,
        "quarantine": {
            "DUPLICATE": k,
            "INVALID_PERSON_ID": n_fab[0],
            "UNKNOWN_COMMUNE": n_fab[1],
            "INVALID_BIRTH_DATE": n_fab[2],
        },
        "invalid_id_kinds": id_kinds,
        "invalid_birth_date_kinds": bd_kinds,
        "repairs": {names[i]: int((repair == i + 1).sum()) for i in range(len(names))},
    }


# =========================================================================== writing: events
def _write_events(rng, world: PopulationWorld, out_dir: Path, used_ids: C.UsedInts) -> dict:
    geo = world.geo
    ev = world.events
    n = ev.height
    et = ev["etype"].to_numpy()
    dd = ev["day"].to_numpy()
    persons = world.persons
    pid_str = persons["person_id"].to_numpy()
    p_male = persons["male"].to_numpy()
    p_dob = persons["dob"].to_numpy()
    person = ev["person"].to_numpy()
    mother = ev["mother"].to_numpy()
    has_sex = (et == BIRTH) | (et == MOVE_IN)

    # repairs (at most one per row); eligibility differs per kind
    post = dd >= REFORM
    c_idx = ev["commune"].to_numpy()
    alias_ok = post & _has_alias(geo)[geo.new_idx_of_old[c_idx]]
    late_ok = dd + 120 <= LAST_DAY
    elig = {
        "date_formats": np.ones(n, bool),
        "sex_spellings": has_sex,
        "stray_spaces": np.ones(n, bool),
        "old_commune_codes_after_reform": alias_ok,
        "late_registrations": late_ok,
    }
    u = rng.random(n)
    repair = np.zeros(n, dtype=np.int64)
    lo = 0.0
    for i, (name, p) in enumerate(EV_REPAIR_RATES.items()):
        repair[(u >= lo) & (u < lo + p) & elig[name]] = i + 1
        lo += p
    names = list(EV_REPAIR_RATES)
    R = {name: i + 1 for i, name in enumerate(names)}

    # registration: usually within days (capped at 20), late ones 2–4 months after
    delay = np.minimum(rng.geometric(0.3, n) - 1, 20)
    delay = np.where(repair == R["late_registrations"], rng.integers(60, 121, n), delay)
    reg = np.minimum(dd + delay, LAST_DAY)

    # codes as written
    def code(idx, days):
        ok = idx >= 0
        return np.where(ok, geo.code_at(np.where(ok, idx, 0), days), "")

    commune_code = code(c_idx, dd)
    frm = code(ev["frm"].to_numpy(), dd)
    to = code(ev["to"].to_numpy(), dd)
    # old code whose default successor is the right new code (not itself a new code)
    alias = _alias_codes(rng, geo, c_idx)
    use_alias = repair == R["old_commune_codes_after_reform"]
    commune_code_w = np.where(use_alias, alias, commune_code)
    frm = np.where(use_alias & (frm == commune_code), alias, frm)
    to = np.where(use_alias & (to == commune_code), alias, to)
    frm = np.where(et == MOVE_IN, ev["ext_from"].to_numpy(), frm)
    to = np.where(et == MOVE_OUT, ev["ext_to"].to_numpy(), to)
    frm = np.where(et == MOVE_OUT, commune_code_w, frm)

    clean = pl.DataFrame(
        {
            "etype": et,
            "person_id": pid_str[person],
            "day": dd,
            "reg": reg,
            "commune_code": commune_code_w,
            "from_commune_code": frm,
            "to_commune_code": to,
            "male": p_male[person],
            "dob": p_dob[person].astype(np.int64),
            "mother_id": np.where(mother >= 0, pid_str[np.maximum(mother, 0)], ""),
            "repair": repair,
            "src": np.arange(n),
        }
    ).with_columns(
        male=pl.when(pl.Series(has_sex)).then("male"),
        dob=pl.when(pl.Series(has_sex)).then("dob"),
    )

    # fabricated rejected rows
    counts = {k: C.defect_count(v, n) for k, v in EV_REJECT_RATES.items()}
    fab = []

    def rand_days(k, hi=LAST_DAY):
        d = BASE + rng.integers(0, hi - BASE, k)
        return d, np.minimum(d + rng.integers(0, 8, k), LAST_DAY)

    def rand_area_code(k, days):
        return geo.code_at(rng.integers(0, len(geo.old_codes), k), days)

    # INVALID_PERSON_ID: a move-in carrying a broken ID
    k = counts["INVALID_PERSON_ID"]
    d, r = rand_days(k)
    kinds, ev_id_kinds = C.spread_kinds(rng, k, INVALID_ID_KINDS)
    f_male = rng.random(k) < 0.5
    f_dob = d - np.floor(_migrant_ages(rng, k) * 365.2425).astype(np.int64) - 1
    dest = rand_area_code(k, d)
    fab.append(
        pl.DataFrame(
            {
                "etype": np.full(k, MOVE_IN),
                "person_id": _fabricated_ids(rng, kinds, f_male, f_dob, used_ids),
                "day": d,
                "reg": r,
                "commune_code": dest,
                "from_commune_code": np.full(k, ""),
                "to_commune_code": dest,
                "male": f_male,
                "dob": f_dob,
            }
        )
    )
    # UNKNOWN_PERSON: death / move_out / internal move of an ID nobody has
    k = counts["UNKNOWN_PERSON"]
    d, r = rand_days(k)
    ty = np.array([DEATH, MOVE_OUT, INTERNAL])[np.arange(k) % 3]
    yrs = 1940 + rng.integers(0, 80, k)
    ghost = C.format_ids(
        C.person_ids(rng, np.full(k, C.HOME_PROVINCE_PREFIX), rng.random(k) < 0.5, yrs, used_ids)
    ).to_numpy()
    c1, c2 = rand_area_code(k, d), rand_area_code(k, d)
    c2 = np.where(c2 == c1, np.where(d >= REFORM, geo.new_codes[0], geo.old_codes[0]), c2)
    c2 = np.where(c2 == c1, np.where(d >= REFORM, geo.new_codes[1], geo.old_codes[1]), c2)
    fab.append(
        pl.DataFrame(
            {
                "etype": ty,
                "person_id": ghost,
                "day": d,
                "reg": r,
                "commune_code": np.where(ty == INTERNAL, c2, c1),
                "from_commune_code": np.where(ty == DEATH, "", c1),
                "to_commune_code": np.where(ty == INTERNAL, c2, ""),
            }
        )
    )
    # SECOND_DEATH: a later death for someone already dead
    k = counts["SECOND_DEATH"]
    deaths = np.flatnonzero((et == DEATH) & (dd + 60 <= LAST_DAY))
    pick = rng.choice(deaths, size=min(k, len(deaths)), replace=False)
    d = dd[pick] + rng.integers(3, 50, len(pick))
    r = np.minimum(np.maximum(d + rng.integers(0, 8, len(pick)), reg[pick]), LAST_DAY)
    fab.append(
        pl.DataFrame(
            {
                "etype": np.full(len(pick), DEATH),
                "person_id": pid_str[person[pick]],
                "day": d,
                "reg": r,
                "commune_code": geo.code_at(c_idx[pick], d),
                "from_commune_code": np.full(len(pick), ""),
                "to_commune_code": np.full(len(pick), ""),
            }
        )
    )
    # UNKNOWN_COMMUNE: a move-in of a valid new person into a commune that exists nowhere
    k = counts["UNKNOWN_COMMUNE"]
    d, r = rand_days(k)
    f_male = rng.random(k) < 0.5
    f_dob = d - np.floor(_migrant_ages(rng, k) * 365.2425).astype(np.int64) - 1
    ids = C.format_ids(
        C.person_ids(rng, np.full(k, C.HOME_PROVINCE_PREFIX), f_male, _year_of(f_dob), used_ids)
    ).to_numpy()
    bad = C.unknown_commune_codes()[rng.integers(0, len(C.unknown_commune_codes()), k)]
    fab.append(
        pl.DataFrame(
            {
                "etype": np.full(k, MOVE_IN),
                "person_id": ids,
                "day": d,
                "reg": r,
                "commune_code": bad,
                "from_commune_code": np.full(k, ""),
                "to_commune_code": bad,
                "male": f_male,
                "dob": f_dob,
            }
        )
    )
    fab_sizes = [f.height for f in fab]
    fab_df = pl.concat(fab, how="diagonal_relaxed").with_columns(
        mother_id=pl.lit(""), repair=pl.lit(0, pl.Int64), src=pl.lit(-1, pl.Int64)
    )
    allrows = pl.concat([clean, fab_df.select(clean.columns)], how="vertical_relaxed")

    # file = month registered; order by registration day; event_id per file
    allrows = C.numbered_in_month_files(allrows, rng, "reg", "event_id", "EV", 7)
    text = _event_text(allrows, rng)
    # DUPLICATE: exact copies of unrepaired real rows, later in the same file
    k = counts["DUPLICATE"]
    real = allrows.with_row_index("_pos").filter((pl.col("src") >= 0) & (pl.col("repair") == 0))
    pos = np.sort(rng.choice(real["_pos"].to_numpy(), size=k, replace=False))
    dups = text[pos].with_columns(
        _k=pl.Series(
            allrows["_k"].to_numpy()[pos]
            + rng.uniform(0.001, 0.999, k)
            * (np.floor(allrows["_k"].to_numpy()[pos]) + 1 - allrows["_k"].to_numpy()[pos])
        )
    )
    full = pl.concat([text, dups]).sort("_k", maintain_order=True)

    rows: dict[str, int] = {}
    for y, m in C.MONTHS:
        mon = f"{y}-{m:02d}"
        part = full.filter(pl.col("file") == mon).select(EVENTS.names)
        header = EVENTS.vietnamese_header() if mon == VIETNAMESE_HEADER_MONTH else EVENTS.names
        rows[mon] = C.write_csv(
            part, out_dir / "landing" / "population" / f"events_{mon}.csv", header, bom=False
        )
    ev_month = pl.Series(dd).cast(pl.Int32).cast(pl.Date).dt.strftime("%Y-%m").to_numpy()
    reg_month = pl.Series(reg).cast(pl.Int32).cast(pl.Date).dt.strftime("%Y-%m").to_numpy()
    return {
        "rows": rows,
        "quarantine": {
            "DUPLICATE": k,
            "INVALID_PERSON_ID": fab_sizes[0],
            "UNKNOWN_PERSON": fab_sizes[1],
            "SECOND_DEATH": fab_sizes[2],
            "UNKNOWN_COMMUNE": fab_sizes[3],
        },
        "invalid_id_kinds": ev_id_kinds,
        "repairs": {
            **{name: int((repair == i + 1).sum()) for i, name in enumerate(names)},
            "registered_in_later_month": int((reg_month != ev_month).sum()),
        },
    }


def _has_alias(geo: Geo) -> np.ndarray:
    """Per new commune: whether it has a predecessor (default successor = it) that is not
    itself a new code."""
    out = np.zeros(len(geo.new_codes), bool)
    out[np.unique(geo.new_idx_of_old[geo.old_alias_ok])] = True
    return out


def _alias_codes(rng, geo: Geo, c_idx: np.ndarray) -> np.ndarray:
    """For each event commune: a random old code (not a new code) mapping to the same new code;
    '' where there is none."""
    order = np.flatnonzero(geo.old_alias_ok)
    order = order[np.argsort(geo.new_idx_of_old[order], kind="stable")]
    grp = geo.new_idx_of_old[order]
    starts = np.searchsorted(grp, np.arange(len(geo.new_codes)), side="left")
    ends = np.searchsorted(grp, np.arange(len(geo.new_codes)), side="right")
    nidx = geo.new_idx_of_old[c_idx]
    cnt = ends[nidx] - starts[nidx]
    pick = starts[nidx] + np.floor(rng.random(len(c_idx)) * np.maximum(cnt, 1)).astype(int)
    pick = np.minimum(pick, len(order) - 1)
    return np.where(cnt > 0, geo.old_codes[order[pick]], "")


def _event_text(df: pl.DataFrame, rng) -> pl.DataFrame:
    """Typed event rows → contract text columns (+ file and sort key), applying repair kinds
    (1 date, 2 sex, 3 stray spaces; 4 old codes and 5 late registration are already in place)."""
    n = df.height
    r = pl.col("repair")
    sex = C.sex_text(rng, df["male"], r == 2)
    has_dob = df["dob"].is_not_null().to_numpy()
    date_col = np.where(has_dob, rng.integers(0, 3, n), rng.integers(0, 2, n))
    chosen = np.where(
        date_col == 0,
        df["day"].to_numpy(),
        np.where(date_col == 1, df["reg"].to_numpy(), df["dob"].fill_null(BASE).to_numpy()),
    )
    kind = C.date_variant_kinds(rng, chosen)
    stray_spaces = C.stray_spaces(rng, n, ["event_type", "commune_code"], r == 3)
    t = df.with_columns(dcol=pl.Series(date_col), dkind=pl.Series(kind))
    dk = pl.when(r == 1).then(pl.col("dkind")).otherwise(0)
    t = t.with_columns(
        event_type=pl.Series(np.array(EVENT_TYPES)[df["etype"].to_numpy()]),
        event_date=C.fmt_date_variant("day", pl.when(pl.col("dcol") == 0).then(dk).otherwise(0)),
        registered_date=C.fmt_date_variant(
            "reg", pl.when(pl.col("dcol") == 1).then(dk).otherwise(0)
        ),
        date_of_birth=pl.when(pl.col("dob").is_null())
        .then(pl.lit(None, pl.String))
        .otherwise(C.fmt_date_variant("dob", pl.when(pl.col("dcol") == 2).then(dk).otherwise(0))),
        sex=sex,
    ).with_columns(
        *stray_spaces,
        *[
            pl.when(pl.col(c) == "").then(pl.lit(None, pl.String)).otherwise(c).alias(c)
            for c in ("mother_id", "from_commune_code", "to_commune_code")
        ],
    )
    return t.select(EVENTS.names + ["file", "_k"])


# =========================================================================== entry points
def build_world(scale: float, seed: int) -> tuple[PopulationWorld, C.UsedInts]:
    rng = C.source_rng(seed, "population/world")
    geo = Geo.load()
    used_ids = C.UsedInts()
    used_hh = C.UsedInts()
    base = _build_baseline(rng, geo, scale, used_ids, used_hh)
    persons, events, moves = _simulate(rng, geo, base, used_ids, used_hh)
    world = PopulationWorld(
        seed=seed, scale=scale, geo=geo, baseline=base, persons=persons, moves=moves, events=events
    )
    return world, used_ids


def generate_population(
    out_dir: str | Path, scale: float = 0.02, seed: int = 6, verbose: bool = False
) -> PopulationWorld:
    """Build the clean world, write the landing extracts and `ground_truth/population.json`."""
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    world, used_ids = build_world(scale, seed)
    t1 = time.perf_counter()
    truth = {
        "seed": seed,
        "scale": scale,
        "baseline_date": BASELINE.isoformat(),
        "months": C.MONTH_KEYS,
        "reform_date": admin_units.REFORM_DATE,
        "vietnamese_header_month": VIETNAMESE_HEADER_MONTH,
        "population_at": {d: _population_stats(world, d) for d in TRUTH_DATES},
        "households_at_baseline": int(world.baseline["household"].n_unique()),
        "monthly": _monthly(world.events),
    }
    rng = C.source_rng(seed, "population/defects")
    res = _write_residents(rng, world, out_dir, used_ids)
    evs = _write_events(rng, world, out_dir, used_ids)
    truth.update(
        {
            "quarantine": {"residents": res["quarantine"], "events": evs["quarantine"]},
            "invalid_id_kinds": {
                "residents": res["invalid_id_kinds"],
                "events": evs["invalid_id_kinds"],
            },
            "invalid_birth_date_kinds": {"residents": res["invalid_birth_date_kinds"]},
            "repairs": {"residents": res["repairs"], "events": evs["repairs"]},
            "rows": {"residents": res["rows"], "events": evs["rows"]},
        }
    )
    C.write_json(truth, out_dir / "ground_truth" / "population.json")
    world.truth = truth
    if verbose:
        print(f"population: world {t1 - t0:.1f}s, files {time.perf_counter() - t1:.1f}s")
    return world


def summary(truth: dict) -> str:
    p0, p1 = truth["population_at"]["2024-01-01"], truth["population_at"]["2026-01-01"]
    mon = truth["monthly"].values()
    tot = {k: sum(v[k] for v in mon) for k in next(iter(truth["monthly"].values()))}
    q = truth["quarantine"]
    return (
        f"population: {p0['total']:,} residents on 2024-01-01 → {p1['total']:,} on 2026-01-01; "
        f"births {tot['births']:,}, deaths {tot['deaths']:,}, in {tot['in_migrants']:,}, "
        f"out {tot['out_migrants']:,}, internal {tot['internal_moves']:,}; rows residents "
        f"{truth['rows']['residents']:,}, events {sum(truth['rows']['events'].values()):,}; "
        f"quarantine residents {sum(q['residents'].values())}, "
        f"events {sum(q['events'].values())}"
    )
