"""The cell key method (CKM) in DuckDB SQL: record keys, cell keys, and the perturbation of
counts and magnitudes, as macros registered on a connection.

- **Record key.** Every record (a person, a household, a stay, an incident, a violation …)
  carries a 64-bit key `record_key(identity)`: MD5 of a salt and the record's identity. The
  salt is derived from the pseudonym key (HMAC-SHA256 of a fixed label), so the same record has
  the same key in every table and every run, and nobody without the pseudonym key can compute
  it. The salt lives only in this connection's memory (a DuckDB variable): never in a table, a
  file or a macro's text. For a person the identity is their keyed pseudonym (`person_key`).
- **Cell key.** A count cell sums its records' 32-bit count keys (`count_key(rk)`, the high half
  of the record key) in the same aggregation as the count: `count(*)` and
  `sum(count_key(rk)) AS <count>__ck`. Sums are additive, so a cell built from partial sums
  (communes into districts, months into years, stocks carried forward by flows) has exactly the
  key of its records. The cell key is that sum modulo 2³², as a fraction in [0, 1).
- **Counts** (`ckm_count(n, key_sum)`): n + the deviation the p-table gives for (n, cell key).
  Zeros stay zeros, 1 … js are never published, no deviation exceeds D.
- **Magnitudes** (`ckm_magnitude(total, top, key_sum)`: guest-nights, occupied room-nights,
  fines): the total moves by v · MAGNITUDE_SHARE · top, where top is the cell's largest single
  contribution and v ∈ [−D, D] the p-table's deviation for a large count (its symmetric row:
  unbiased, variance V), looked up with the cell's magnitude key (the low half of the records'
  keys, so independent of the count's noise). This is the top-contribution method of Destatis'
  `cellKey` (`ck_params_nums(type = "top_contr", top_k = 1)`) and the ABS, with one fixed
  multiplier: the largest contributor can never be read off a cell. A total is never negative,
  a zero stays a zero, and 1 … js become 0 (below (js + 1) / 2) or js + 1, like counts.

Everything is a deterministic function of the cell's records, so the same records give the same
published value in every table, in a monthly run and a full rebuild, in this release and the
next.
"""

from __future__ import annotations

import hashlib
import hmac

import duckdb

__all__ = ["REFERENCE", "register", "ptable_for"]

from protection.ptable import REFERENCE, Ptable

D = 3  # maximum deviation of a count
V = 2.0  # variance of the noise (see the README, "Disclosure control": why 2)
MAGNITUDE_SHARE = 0.5  # a magnitude moves by at most D × 0.5 × its largest contribution
KEY_BITS = 32
KEY_MODULUS = 1 << KEY_BITS
SALT_LABEL = b"de06-analytics record keys v1"
SALT_VARIABLE = "de06_record_key_salt"


def ptable_for(min_cell: int) -> Ptable:
    """The p-table in force: V above, js = DE06_MIN_CELL − 1 (the largest count never published)
    and D = 3, or DE06_MIN_CELL when that is larger (the smallest publishable count must be able
    to move down to 0, or its noise would be biased)."""
    if min_cell < 1:
        raise ValueError(f"DE06_MIN_CELL must be at least 1 (got {min_cell})")
    return Ptable(max(D, min_cell), V, min_cell - 1)


def record_key_salt(key: bytes) -> str:
    """The record keys' salt: HMAC-SHA256(pseudonym key, a fixed label), hex."""
    return hmac.new(key, SALT_LABEL, hashlib.sha256).hexdigest()


def _row_case(rows, i: int, cell_key: str) -> str:
    """The deviation of row i as a CASE over the cell key (intervals laid end to end)."""
    row = sorted((r for r in rows if r.i == i), key=lambda r: r.lower)
    whens = " ".join(f"WHEN {cell_key} < {r.upper:.8f} THEN {r.v}" for r in row[:-1])
    return f"CASE {whens} ELSE {row[-1].v} END" if whens else str(row[-1].v)


def macros_sql(ptable: Ptable) -> str:
    """The CKM macros for this p-table (TEMP: they live on the connection)."""
    rows = ptable.table
    top = ptable.ncat
    count_cases = " ".join(
        f"WHEN least(n, {top}) = {i} THEN {_row_case(rows, i, 'ck')}" for i in range(1, top + 1)
    )
    js = ptable.js
    return f"""
CREATE OR REPLACE TEMP MACRO record_key(identity) AS
    md5_number_lower(getvariable('{SALT_VARIABLE}') || identity);
CREATE OR REPLACE TEMP MACRO count_key(rk) AS (rk >> {KEY_BITS})::BIGINT;
CREATE OR REPLACE TEMP MACRO magnitude_key(rk) AS (rk & {KEY_MODULUS - 1})::BIGINT;
CREATE OR REPLACE TEMP MACRO cell_key(key_sum) AS
    ((key_sum::BIGINT % {KEY_MODULUS} + {KEY_MODULUS}) % {KEY_MODULUS})::DOUBLE / {KEY_MODULUS};
-- the building blocks take the cell key as a fraction (`ck`): publication computes it once per
-- cell, in a layer of its own (a macro repeats its arguments wherever they appear)
CREATE OR REPLACE TEMP MACRO ckm_deviation(n, ck) AS
    CASE WHEN n IS NULL THEN NULL WHEN n <= 0 THEN 0 {count_cases} END;
CREATE OR REPLACE TEMP MACRO ckm_count_at(n, ck) AS (n + ckm_deviation(n, ck))::BIGINT;
CREATE OR REPLACE TEMP MACRO ckm_magnitude_raw(total, top, ck) AS
    CASE WHEN total IS NULL THEN NULL
         WHEN total <= 0 OR coalesce(top, 0) <= 0 THEN greatest(total, 0)
         ELSE greatest(0, total + round({MAGNITUDE_SHARE} * top * ckm_deviation({top}, ck)))
    END;
CREATE OR REPLACE TEMP MACRO ckm_no_small(raw) AS (
    CASE WHEN raw BETWEEN 1 AND {js} THEN CASE WHEN 2 * raw < {js + 1} THEN 0 ELSE {js + 1} END
         ELSE raw END)::BIGINT;
-- one-call forms (a key sum in, the published value out), for ad-hoc use and the floor
CREATE OR REPLACE TEMP MACRO ckm_count(n, key_sum) AS ckm_count_at(n, cell_key(key_sum));
CREATE OR REPLACE TEMP MACRO ckm_magnitude(total, top, key_sum) AS
    ckm_no_small(ckm_magnitude_raw(total, top, cell_key(key_sum)));
"""


def register(con: duckdb.DuckDBPyConnection, key: bytes, min_cell: int) -> Ptable:
    """Bind the record-key salt and create the CKM macros on this connection."""
    con.execute(f"SET VARIABLE {SALT_VARIABLE} = ?", [record_key_salt(key)])
    ptable = ptable_for(min_cell)
    con.execute(macros_sql(ptable))
    return ptable
