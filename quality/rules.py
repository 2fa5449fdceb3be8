"""Cleaning rules: registration of the SQL macros in `rules.sql`, and the reason codes.

Every rule is a DuckDB macro (set-based, no Python loop over rows). Macros are TEMP, created
per connection, so the pseudonym key they embed is never stored in the warehouse file.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
from functools import lru_cache
from importlib import resources
from pathlib import Path

import duckdb

# Reject reasons (quarantine). One rule, one code.
REJECT_REASONS: dict[str, str] = {
    "DUPLICATE": "second or later copy of the same key (first copy in file order is kept)",
    "INVALID_PERSON_ID": "personal ID not 12 digits, unknown province prefix, or century/sex "
    "digit or birth year disagreeing with the person",
    "UNKNOWN_COMMUNE": "commune code not in the former Bình Định area (old or 2025 codes)",
    "INVALID_BIRTH_DATE": "birth date missing, unreadable, in the future or over 120 years back",
    "INVALID_DATE": "a required date is missing or unreadable",
    "INVALID_EVENT_TYPE": "event type outside birth, death, move_in, move_out, internal_move",
    "UNKNOWN_PERSON": "event for a person the register does not know at that date "
    "(births and move-ins bring the person in)",
    "SECOND_DEATH": "a death for a person already recorded dead",
    "EVENT_BEFORE_BASELINE": "event dated before the baseline snapshot (already in the snapshot)",
}

# Repairs (kept, counted in ops.quality_figures).
REPAIRS: dict[str, str] = {
    "date_format": "date not written dd/mm/yyyy (other spelling or Excel serial), parsed",
    "sex_spelling": "sex not written Nam/Nữ (nam, NU, M/F, 1/2 …), mapped",
    "text_form": "NFD Unicode or stray spaces, normalised to NFC and trimmed",
    "nationality_spelling": "nationality not ISO alpha-3 (VN, Việt Nam …), mapped",
    "old_commune_code": "pre-2025 commune code, converted to the 2025 commune",
    "late_registration": "event registered in a later month, counted in the month it happened",
}


@lru_cache(maxsize=1)
def id_province_prefixes() -> tuple[str, ...]:
    """3-digit province prefixes a personal ID may carry (the 63 provinces before 2025)."""
    db = str(resources.files("vietnamadminunits") / "data" / "dataset.db")
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


def rules_sql(key: bytes) -> str:
    inner, outer = hmac_blocks(key)
    prefixes = ", ".join(f"'{p}'" for p in id_province_prefixes())
    text = (resources.files("quality") / "rules.sql").read_text(encoding="utf-8")
    return (
        text.replace("{ID_PROVINCE_PREFIXES}", prefixes)
        .replace("{HMAC_INNER}", inner)
        .replace("{HMAC_OUTER}", outer)
    )


def register_rules(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Create the rule macros on this connection."""
    con.execute(rules_sql(key))


def load_or_create_key(data_dir: Path) -> bytes:
    """The pseudonym key: DE06_PSEUDONYM_KEY if set, else `data/.pseudonym_key` (created once,
    mode 0600). Losing the key breaks linkage across runs, so it is never regenerated."""
    env = os.environ.get("DE06_PSEUDONYM_KEY")
    if env:
        return env.encode("utf-8")
    path = Path(data_dir) / ".pseudonym_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode("utf-8")
