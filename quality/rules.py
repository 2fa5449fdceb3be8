"""Cleaning rules: registration of the SQL macros in `rules.sql`, and the reason codes.

Every rule is a DuckDB macro (set-based, no Python loop over rows). Macros are TEMP, created
per connection. The pseudonym key is bound to a Python scalar function (`hmac_pseudonym`, see
`bind_pseudonym_key`): it lives in this process only, so no table, macro text or function
definition in DuckDB (duckdb_functions()) holds it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import sqlite3
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path

import duckdb
import duckdb.sqltypes as sqltypes
import pyarrow as pa

from sources import admin_units
from sources.contracts import code_lists

# Reject reasons (quarantine). One rule, one code. The codes several domains use; each domain
# declares its own (domains/<domain>.py, REJECT_REASONS); domains.REJECT_REASONS is all of them.
COMMON_REJECT_REASONS: dict[str, str] = {
    "DUPLICATE": "second or later copy of the same key (first copy in file order is kept)",
    "INVALID_PERSON_ID": "personal ID not 12 digits, unknown province prefix, or century/sex "
    "digit or birth year disagreeing with the person",
    "UNKNOWN_COMMUNE": "commune code not in the former Bình Định area (old or 2025 codes)",
    "INVALID_BIRTH_DATE": "birth date missing, unreadable, in the future or over 120 years back",
    "INVALID_DATE": "a required date is missing or unreadable, or a date given is unreadable "
    "(a month 13, a 30 February, text)",
    "DATE_OUT_OF_RANGE": "a date or time after the day its file was received, or more than 120 "
    "years before it (a typing slip such as 2204 for 2024; date_out_of_range in rules.sql)",
    "UNKNOWN_PERSON": "event for a person the register does not know at that date "
    "(births and move-ins bring the person in)",
    "INVALID_SEX": "sex missing or not readable as Nam/Nữ (a resident, or the person a birth "
    "or a move-in brings in)",
}


# Repairs (kept, counted in ops.quality_figures): the common ones, as above.
COMMON_REPAIRS: dict[str, str] = {
    "date_format": "date not written dd/mm/yyyy (other spelling or Excel serial), parsed",
    "sex_spelling": "sex not written Nam/Nữ (nam, NU, M/F, 1/2 …), mapped",
    "text_form": "NFD Unicode or stray spaces, normalised to NFC and trimmed",
    "nationality_spelling": "nationality not ISO alpha-3 (VN, Việt Nam …), mapped by the "
    "reference data (reference.nationality_spellings)",
    "unknown_nationality": "nationality the reference data cannot read: kept as 'other' (the "
    "received text stays in raw only, never published)",
    "old_commune_code": "pre-2025 commune code, converted to the 2025 commune",
    "number_format": "number written with thousands separators or a decimal comma, the "
    "Vietnamese way ('1.500.000', '600.000' is 600000; '37,5' is 37.5), read by parse_number_vn",
    "unknown_sex": "sex given but not readable as Nam/Nữ where the row counts without it (a "
    "guest's sex; the sex of a labour record, which the population register replaces): kept as "
    "unknown (NULL), counted",
    "code_spelling": "coded value written as its Vietnamese label or another spelling of the "
    "contract's code list ('Đang điều tra', 'Khai sinh', 'Xe máy', 'MOVE-IN' …), read as its code",
}


@lru_cache(maxsize=1)
def id_province_prefixes() -> tuple[str, ...]:
    """3-digit province prefixes a personal ID may carry (the 63 provinces before 2025)."""
    db = admin_units.data_path("dataset.db")
    with sqlite3.connect(db) as con:
        codes = [r[0] for r in con.execute("SELECT DISTINCT provinceCode FROM admin_units_legacy")]
    return tuple(sorted(c.zfill(3) for c in codes))


def hmac_blocks(key: bytes) -> tuple[str, str]:
    """The HMAC-SHA256 inner and outer key blocks (RFC 2104) as hex."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\x00")
    inner = bytes(b ^ 0x36 for b in key).hex()
    outer = bytes(b ^ 0x5C for b in key).hex()
    return inner, outer


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@lru_cache(maxsize=1)
def code_spellings_sql() -> str:
    """The VALUES rows of every code list of the source contracts: (list, spelling, code)."""
    return ",\n    ".join(
        f"({_sql_text(name)}, {_sql_text(spelling)}, {_sql_text(code)})"
        for codes in code_lists()
        for name, spelling, code in codes.rows()
    )


def rules_sql() -> str:
    text = (resources.files("quality") / "rules.sql").read_text(encoding="utf-8")
    return (
        text.replace("{ID_PREFIX_ALTERNATION}", "|".join(id_province_prefixes()))
        .replace("{REFORM_DATE}", date.fromisoformat(admin_units.REFORM_DATE).isoformat())
        .replace("{CODE_SPELLINGS}", code_spellings_sql())
    )


def _hmac_function(key: bytes):
    """HMAC-SHA256(key, value) as lowercase hex over an Arrow array (DuckDB passes ~2,048 values
    at a time). The key's inner and outer pad states are hashed once; each value then costs two
    hash-state copies (about 1 µs: 1 million IDs in about 1 s, as fast as the former SQL macro)."""
    inner_pad, outer_pad = (bytes.fromhex(b) for b in hmac_blocks(key))
    inner_state, outer_state = hashlib.sha256(inner_pad), hashlib.sha256(outer_pad)

    def hmac_pseudonym(values: pa.Array) -> pa.Array:
        out = []
        for v in values.to_pylist():  # hashing has no Arrow kernel; one C call per value
            if v is None:
                out.append(None)
                continue
            i = inner_state.copy()
            i.update(v.encode("utf-8"))
            o = outer_state.copy()
            o.update(i.digest())
            out.append(o.hexdigest())
        return pa.array(out, pa.string())

    return hmac_pseudonym


def bind_pseudonym_key(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Register `hmac_pseudonym(VARCHAR)` on this connection, closed over the key."""
    with contextlib.suppress(duckdb.InvalidInputException):  # not registered yet here
        con.remove_function("hmac_pseudonym")
    con.create_function(
        "hmac_pseudonym",
        _hmac_function(key),
        [sqltypes.VARCHAR],
        sqltypes.VARCHAR,
        type="arrow",
        side_effects=False,
    )


def register_rules(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Bind the pseudonym key and create the rule macros on this connection."""
    bind_pseudonym_key(con, key)
    con.execute(rules_sql())


MIN_KEY_BYTES = 32
KEY_HELP = 'generate one with: python -c "import secrets; print(secrets.token_hex(32))"'


class KeyError_(RuntimeError):
    """A pseudonym key that cannot be used (too short, or not the warehouse's key)."""


def key_fingerprint(key: bytes) -> str:
    """What identifies a key without revealing it: a truncated HMAC of a constant."""
    return hmac.new(key, b"de06 pseudonym key fingerprint v1", hashlib.sha256).hexdigest()[:16]


def load_or_create_key(data_dir: Path) -> bytes:
    """The pseudonym key: DE06_PSEUDONYM_KEY if set, else `data/.pseudonym_key` (created once,
    mode 0600, in an owner-only folder). Losing the key breaks linkage across runs, so it is
    never regenerated. A key shorter than 32 bytes is refused."""
    env = os.environ.get("DE06_PSEUDONYM_KEY")
    if env:
        key, where = env.encode("utf-8"), "DE06_PSEUDONYM_KEY"
    else:
        path = Path(data_dir) / ".pseudonym_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
        if path.stat().st_mode & 0o077:  # readable by others: tighten, it is a secret
            os.chmod(path, 0o600)
        key, where = path.read_text().strip().encode("utf-8"), str(path)
    if len(key) < MIN_KEY_BYTES:
        raise KeyError_(
            f"The pseudonym key in {where} is {len(key)} bytes; at least {MIN_KEY_BYTES} are "
            f"needed (a short key can be guessed, and with it every pseudonym). Fix: {KEY_HELP}. "
            "A warehouse built with another key refuses it: see README, 'When something goes wrong'."
        )
    return key
