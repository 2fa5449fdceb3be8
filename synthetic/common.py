"""Shared helpers of the synthetic-extract generators.

Dates are handled as integer day numbers since 1970-01-01 (numpy int64) until they are written.
Everything here is vectorised: no Python loop over persons or rows.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl

from sources import admin_units

REFERENCE_DIR = Path(__file__).parent / "reference"  # the generator's own reference tables
EPOCH = date(1970, 1, 1)
EXCEL_EPOCH_DAYS = (date(1899, 12, 30) - EPOCH).days  # Excel serial day 0
HOME_PROVINCE_PREFIX = 52  # Bình Định, written '052' in a personal ID
# Province codes no personal ID is issued with (the unknown-prefix defect).
UNKNOWN_PREFIXES = ["003", "099", "000", "053"]
MIN_DEFECTS = 2  # every defect reason appears at least this often, even at tiny scales


def day(y: int, m: int, d: int) -> int:
    """Day number of a calendar date."""
    return (date(y, m, d) - EPOCH).days


# The period every source covers: 24 months, 2024-01 to 2025-12.
PERIOD_START = day(2024, 1, 1)
PERIOD_END = day(2026, 1, 1)  # exclusive
MONTHS = [(y, m) for y in (2024, 2025) for m in range(1, 13)]
MONTH_KEYS = [f"{y}-{m:02d}" for y, m in MONTHS]
TET_DAYS = (day(2024, 2, 10), day(2025, 1, 29))  # Lunar New Year


def defect_count(rate: float, n: int) -> int:
    """How many rows of n get a defect injected at `rate` (never fewer than MIN_DEFECTS)."""
    return max(MIN_DEFECTS, int(round(rate * n)))


def source_rng(seed: int, name: str) -> np.random.Generator:
    """An independent, reproducible stream per source (stable across Python runs)."""
    salt = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")
    return np.random.default_rng([seed, salt])


# --------------------------------------------------------------------------- reference codes
def reference_rows(name: str) -> list[dict[str, str]]:
    """The rows of synthetic/reference/<name>.csv as text; each generator converts its columns."""
    with (REFERENCE_DIR / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@lru_cache(maxsize=1)
def province_prefixes() -> np.ndarray:
    """The 63 province codes (as ints) a personal ID may start with."""
    with sqlite3.connect(admin_units.data_path("dataset.db")) as con:
        codes = [r[0] for r in con.execute("SELECT DISTINCT provinceCode FROM admin_units_legacy")]
    return np.array(sorted(int(c) for c in codes), dtype=np.int64)


def other_province_prefixes() -> np.ndarray:
    """The province codes of personal IDs issued outside Bình Định."""
    prefixes = province_prefixes()
    return prefixes[prefixes != HOME_PROVINCE_PREFIX]


@lru_cache(maxsize=2)
def other_province_communes(after_reform: bool) -> np.ndarray:
    """Commune codes of other provinces (outside the former Bình Định area): the 63-province
    codes before 1 July 2025, the 34-province codes after."""
    with sqlite3.connect(admin_units.data_path("dataset.db")) as con:
        if after_reform:
            rows = con.execute(
                "SELECT DISTINCT wardCode FROM admin_units WHERE provinceKey <> ?",
                (admin_units.NEW_PROVINCE_KEY,),
            ).fetchall()
        else:
            rows = con.execute(
                "SELECT DISTINCT wardCode FROM admin_units_legacy WHERE provinceCode <> ?",
                (admin_units.OLD_PROVINCE_CODE,),
            ).fetchall()
    area = set(admin_units.old_communes()["old_commune_code"].to_list())
    return np.array(sorted(r[0] for r in rows if r[0] and r[0] not in area))


@lru_cache(maxsize=1)
def unknown_commune_codes() -> np.ndarray:
    """5-digit codes that exist in neither the old nor the 2025 list."""
    with sqlite3.connect(admin_units.data_path("dataset.db")) as con:
        known = {r[0] for r in con.execute("SELECT wardCode FROM admin_units_legacy")}
        known |= {r[0] for r in con.execute("SELECT wardCode FROM admin_units")}
    cands = ["99999", "99998", "00000", "52000", "21999", "99990", "88888"]
    return np.array([c for c in cands if c not in known])


# --------------------------------------------------------------------------- random helpers
class UsedInts:
    """A growing set of int64 values kept as a sorted array (fast vectorised membership)."""

    def __init__(self) -> None:
        self.arr = np.empty(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.arr)

    def contains(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.int64)
        if not len(self.arr):
            return np.zeros(len(x), dtype=bool)
        pos = np.searchsorted(self.arr, x).clip(0, len(self.arr) - 1)
        return self.arr[pos] == x

    def add(self, x: np.ndarray) -> None:
        x = np.unique(np.asarray(x, dtype=np.int64))
        if not len(self.arr):
            self.arr = x
        else:
            self.arr = np.insert(self.arr, np.searchsorted(self.arr, x), x)


def unique_random_ints(
    rng: np.random.Generator,
    low: np.ndarray | int,
    high: np.ndarray | int,
    n: int,
    build,
    used: UsedInts,
) -> np.ndarray:
    """Draw n values `build(rng.integers(low, high))` that are unique among themselves and not in
    `used` (updated). Collisions are redrawn (the loop is over retries, not values)."""
    out = build(rng.integers(low, high, size=n))
    for _ in range(50):
        # duplicates within the draw (keep first) and clashes with earlier values
        dup = np.ones(n, dtype=bool)
        dup[np.unique(out, return_index=True)[1]] = False
        bad = dup | used.contains(out)
        if not bad.any():
            break
        lo = low[bad] if isinstance(low, np.ndarray) else low
        hi = high[bad] if isinstance(high, np.ndarray) else high
        out[bad] = build(rng.integers(lo, hi, size=int(bad.sum())), bad)
    else:  # pragma: no cover
        raise RuntimeError("could not draw unique values")
    used.add(out)
    return out


def century_sex_digit(birth_year: np.ndarray, male: np.ndarray) -> np.ndarray:
    """The 4th digit of a personal ID: 0/1 born in the 1900s male/female, 2/3 in the 2000s."""
    female = ~np.asarray(male, bool)
    return (np.asarray(birth_year) // 100 - 19).clip(0, 2) * 2 + female.astype(np.int64)


def person_ids(
    rng: np.random.Generator,
    prefix: np.ndarray,
    male: np.ndarray,
    birth_year: np.ndarray,
    used: set,
) -> np.ndarray:
    """Valid 12-digit personal IDs as int64: 3-digit province prefix, century/sex digit
    (0/1 = 1900s male/female, 2/3 = 2000s), 2-digit birth year, 6 random digits. Unique."""
    prefix = np.asarray(prefix, dtype=np.int64)
    birth_year = np.asarray(birth_year, dtype=np.int64)
    head = prefix * 10**9 + century_sex_digit(birth_year, male) * 10**8 + (birth_year % 100) * 10**6

    def build(rand, mask=None):
        h = head if mask is None else head[mask]
        return h + rand

    return unique_random_ints(rng, 0, 10**6, len(head), build, used)


def format_ids(ids: np.ndarray) -> pl.Series:
    return pl.Series(ids, dtype=pl.Int64).cast(pl.String).str.zfill(12)


def spread_kinds(rng: np.random.Generator, n: int, names: list[str]) -> tuple[np.ndarray, dict]:
    """n defect kinds (indices into `names`) taken in turn, so each appears as evenly as n
    allows, in shuffled order; and how many of each."""
    kinds = np.arange(n) % len(names)
    rng.shuffle(kinds)
    return kinds, {name: int((kinds == i).sum()) for i, name in enumerate(names)}


def broken_ids(
    rng: np.random.Generator, ids: np.ndarray, kinds: np.ndarray, names: list[str]
) -> np.ndarray:
    """12-digit personal IDs (text) each made invalid in the way names[kind] says: length_11,
    length_13, letter (a digit from the 5th on becomes a letter), unknown_prefix,
    century_digit (6..9, which no ID has), sex_digit (the century/sex digit disagreeing with the
    sex) or birth_year (the year digits disagreeing with the birth year). The random draws come
    in that order, whichever kinds `names` lists."""
    n = len(ids)
    is_kind = {name: kinds == i for i, name in enumerate(names)}
    ch = np.array(ids, dtype="U12").view("U1").reshape(n, 12).copy()
    digit4 = ch[:, 3].astype(np.int64)
    yy = ch[:, 4].astype(np.int64) * 10 + ch[:, 5].astype(np.int64)
    pos = rng.integers(4, 12, n)
    letters = np.array(list("ABCDEHKX"))[rng.integers(0, 8, n)]
    k = is_kind["letter"]
    ch[np.flatnonzero(k), pos[k]] = letters[k]
    pref = np.array(UNKNOWN_PREFIXES)[rng.integers(0, len(UNKNOWN_PREFIXES), n)]
    k = is_kind["unknown_prefix"]
    ch[k, :3] = pref.astype("U3").view("U1").reshape(n, 3)[k]
    if "century_digit" in is_kind:
        k = is_kind["century_digit"]
        ch[k, 3] = np.array(list("6789"))[rng.integers(0, 4, n)][k]
    if "sex_digit" in is_kind:  # 0<->1, 2<->3
        k = is_kind["sex_digit"]
        ch[k, 3] = (digit4[k] ^ 1).astype(str)
    if "birth_year" in is_kind:
        k = is_kind["birth_year"]
        yy2 = (yy + rng.integers(1, 10, n)) % 100
        ch[k, 4] = (yy2[k] // 10).astype(str)
        ch[k, 5] = (yy2[k] % 10).astype(str)
    out = ch.view("U12").ravel()
    extra = np.array(list("0123456789"))[rng.integers(0, 10, n)]
    out = np.where(is_kind["length_11"], out.astype("U11"), out)  # the last digit dropped
    out = np.where(is_kind["length_13"], np.char.add(out, extra), out)
    return out.astype("U13")


def weighted_sample(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    """n distinct indices drawn with probability ∝ weights (Efraimidis–Spirakis keys)."""
    w = np.asarray(weights, dtype=float)
    n = min(n, int((w > 0).sum()))
    if n <= 0:
        return np.empty(0, dtype=np.int64)
    keys = np.full(len(w), -np.inf)
    pos = w > 0
    keys[pos] = np.log(rng.random(int(pos.sum()))) / w[pos]
    idx = np.argpartition(-keys, n - 1)[:n]
    return np.sort(idx)


def choice_labels(rng: np.random.Generator, labels: list[str], p, n: int) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return rng.choice(len(labels), size=n, p=p / p.sum())


# --------------------------------------------------------------------------- dates & spellings
def days_to_date(col: str | pl.Expr) -> pl.Expr:
    e = pl.col(col) if isinstance(col, str) else col
    return e.cast(pl.Int32).cast(pl.Date)


def month_key(days: str | pl.Expr) -> pl.Expr:
    """'yyyy-mm' of a day number: the month file a row goes to."""
    return days_to_date(days).dt.strftime("%Y-%m")


def fmt_timestamp(seconds: pl.Expr) -> pl.Expr:
    """Seconds since 1970 (local time) → 'yyyy-mm-dd HH:MM:SS'."""
    return pl.from_epoch(seconds, time_unit="s").dt.strftime("%Y-%m-%d %H:%M:%S")


def age_on(dob: pl.Expr, on: date) -> pl.Expr:
    """Completed years of age on `on` of a birth-date column."""
    month_day = dob.dt.month().cast(pl.Int32) * 100 + dob.dt.day().cast(pl.Int32)
    before_birthday = (pl.lit(on.month * 100 + on.day) < month_day).cast(pl.Int32)
    return (pl.lit(on.year) - dob.dt.year() - before_birthday).cast(pl.Int32)


def fmt_dmy(col: str | pl.Expr) -> pl.Expr:
    """dd/mm/yyyy, the convention."""
    return days_to_date(col).dt.strftime("%d/%m/%Y")


DATE_VARIANTS = ("yyyy-mm-dd", "d/m/yyyy", "dd-mm-yyyy", "dd.mm.yyyy", "excel_serial")


def fmt_date_variant(col: str, kind: pl.Expr) -> pl.Expr:
    """Date text in the spelling `kind` (0 = dd/mm/yyyy, 1.. = DATE_VARIANTS). Excel serials are
    only used for dates from 1950 on (the pipeline reads serials 1950..2100)."""
    d = days_to_date(col)
    return (
        pl.when(kind == 1)
        .then(d.dt.strftime("%Y-%m-%d"))
        .when(kind == 2)
        .then(d.dt.strftime("%-d/%-m/%Y"))
        .when(kind == 3)
        .then(d.dt.strftime("%d-%m-%Y"))
        .when(kind == 4)
        .then(d.dt.strftime("%d.%m.%Y"))
        .when(kind == 5)
        .then((pl.col(col) - EXCEL_EPOCH_DAYS).cast(pl.String))
        .otherwise(d.dt.strftime("%d/%m/%Y"))
    )


def date_variant_kinds(rng: np.random.Generator, dates: np.ndarray) -> np.ndarray:
    """A non-canonical spelling (1..5) per date; Excel serial only from 1950, d/m/yyyy only where
    it differs from dd/mm/yyyy (day or month below 10)."""
    dates = np.asarray(dates, dtype=np.int64)
    d64 = dates.astype("datetime64[D]")
    dom = (d64 - d64.astype("datetime64[M]")).astype(np.int64) + 1
    mon = d64.astype("datetime64[M]").astype(np.int64) % 12 + 1
    k = rng.integers(1, 6, size=len(dates))
    alt = np.array([1, 3, 4])[rng.integers(0, 3, size=len(dates))]
    k = np.where((k == 5) & (dates < day(1950, 1, 1)), alt, k)
    k = np.where((k == 2) & (dom >= 10) & (mon >= 10), alt, k)
    return k


MALE_SPELLINGS = ["nam", "NAM", "M", "1"]
FEMALE_SPELLINGS = ["NU", "nữ", "F", "2"]
NATIONALITY_SPELLINGS = ["VN", "Việt Nam", "Viet Nam"]


def sex_spellings(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """A non-canonical spelling of each person's sex."""
    n = len(male)
    return np.where(
        male,
        np.array(MALE_SPELLINGS)[rng.integers(0, len(MALE_SPELLINGS), n)],
        np.array(FEMALE_SPELLINGS)[rng.integers(0, len(FEMALE_SPELLINGS), n)],
    )


def sex_text(rng: np.random.Generator, male: pl.Series, respelled: pl.Expr) -> pl.Expr:
    """The sex as written: 'Nam'/'Nữ', a drawn spelling (sex_spellings) on the `respelled` rows,
    null where it is unknown."""
    spelling = pl.lit(pl.Series(sex_spellings(rng, male.fill_null(False).to_numpy())))
    is_male = pl.lit(male)
    return (
        pl.when(is_male.is_null())
        .then(pl.lit(None, pl.String))
        .when(respelled)
        .then(spelling)
        .when(is_male)
        .then(pl.lit("Nam"))
        .otherwise(pl.lit("Nữ"))
    )


def stray_spaces(
    rng: np.random.Generator, n: int, columns: list[str], applies: pl.Expr
) -> list[pl.Expr]:
    """Stray blanks (pad_spaces, kind drawn per row) in one of `columns`, drawn per row, on the
    rows where `applies`."""
    which = pl.lit(pl.Series(rng.integers(0, len(columns), n)))
    kind = pl.lit(pl.Series(rng.integers(1, 4, n)))
    return [
        pl.when(applies & (which == i))
        .then(pad_spaces(pl.col(c), kind))
        .otherwise(pl.col(c))
        .alias(c)
        for i, c in enumerate(columns)
    ]


def nfd(text: pl.Expr) -> pl.Expr:
    return text.str.normalize("NFD")


def pad_spaces(text: pl.Expr, kind: pl.Expr) -> pl.Expr:
    """Stray blanks: 1 leading, 2 trailing, 3 both."""
    return (
        pl.when(kind == 1)
        .then(pl.lit(" ") + text)
        .when(kind == 2)
        .then(text + pl.lit("  "))
        .otherwise(pl.lit(" ") + text + pl.lit(" "))
    )


# --------------------------------------------------------------------------- rows as delivered
def with_extra_rows(
    rows: pl.DataFrame, extra: pl.DataFrame, copied: np.ndarray, rng: np.random.Generator
) -> pl.DataFrame:
    """`rows` in their order, the fabricated `extra` rows at random places among them, and a copy
    of each row numbered in `copied` (sorted) somewhere after its original: a register's extract
    with its rejected rows."""
    n = rows.height
    key = np.concatenate(
        [
            np.arange(n, dtype=float),
            rng.uniform(0, n, extra.height),
            copied + rng.uniform(0.01, 1, len(copied)) * (n - copied),
        ]
    )
    return (
        pl.concat([rows, extra, rows[copied]], how="vertical_relaxed")
        .with_columns(_k=pl.Series(key))
        .sort("_k", maintain_order=True)
        .drop("_k")
    )


def numbered_in_month_files(
    rows: pl.DataFrame,
    rng: np.random.Generator,
    at: str,
    id_col: str,
    prefix: str,
    width: int,
    per_day: int = 1,
) -> pl.DataFrame:
    """`rows` in the order of column `at` (a day number, or with per_day=86400 seconds; ties in
    random order, the sort key stays as `_k`), each in the monthly file of `at` (`file`,
    'yyyy-mm') and given an ID numbered within that file: prefix + yyyymm + a running number of
    `width` digits."""
    running = (pl.int_range(pl.len()).over("file") + 1).cast(pl.String).str.zfill(width)
    return (
        rows.with_columns(
            _k=pl.col(at).cast(pl.Float64) + pl.Series(rng.random(rows.height)),
            file=month_key(pl.col(at) // per_day),
        )
        .sort("_k")
        .with_columns(
            (pl.lit(prefix) + pl.col("file").str.replace("-", "") + running).alias(id_col)
        )
    )


# --------------------------------------------------------------------------- writing
def write_csv(df: pl.DataFrame, path: Path, header: list[str], bom: bool) -> int:
    """Write all columns as text under `header`; returns the number of data rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = df.rename(dict(zip(df.columns, header, strict=False)))
    out.write_csv(path, include_bom=bom, null_value="", line_terminator="\n")
    return out.height


def write_json(obj, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
