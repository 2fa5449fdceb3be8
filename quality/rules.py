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
    "INVALID_SEX": "sex missing or not readable as Nam/Nữ",
    "SUPERSEDED_SNAPSHOT": "row of an older residents snapshot; the latest snapshot is the baseline",
}

# --- model 37 (labour) reject reasons
REJECT_REASONS.update(
    {
        "UNDER_15": "labour record for a person under 15 on the reference date (age from the "
        "population register)",
        "CONTRADICTORY_STATUS": "employment status contradicted by the record itself: over 100 usual "
        "hours a week, or hours worked for a person recorded unemployed or outside the labour force",
        "INVALID_EMPLOYMENT_STATUS": "employment status missing or outside employed, unemployed, outside",
        "INVALID_HOURS": "usual hours a week given but not a number",
    }
)
# UNKNOWN_PERSON for labour: the person is not living in the area at any moment of the reference
# date by the population register (unknown ID, dead or moved out before it, or arriving after
# it). DUPLICATE: a second record of a person in the same yearly file. INVALID_DATE: reference date unreadable or not in the file's year.

# Repairs (kept, counted in ops.quality_figures).
REPAIRS: dict[str, str] = {
    "date_format": "date not written dd/mm/yyyy (other spelling or Excel serial), parsed",
    "sex_spelling": "sex not written Nam/Nữ (nam, NU, M/F, 1/2 …), mapped",
    "text_form": "NFD Unicode or stray spaces, normalised to NFC and trimmed",
    "nationality_spelling": "nationality not ISO alpha-3 (VN, Việt Nam …), mapped by the "
    "reference data (reference.nationality_spellings)",
    "unknown_nationality": "nationality the reference data cannot read: kept as 'other' (the "
    "received text stays in raw only, never published)",
    "old_commune_code": "pre-2025 commune code, converted to the 2025 commune",
    "late_registration": "event registered in a later month, counted in the month it happened",
    "number_format": "number written with thousands separators or a decimal comma, the "
    "Vietnamese way ('1.500.000', '600.000' is 600000; '37,5' is 37.5), read by parse_number_vn",
}

# --- model 37 (labour) repairs and quality figures (kept; the register wins on sex and age)
REPAIRS.update(
    {
        "bool_spelling": "boolean not written true/false (Có/Không, 1/0, x …), mapped",
        "status_fields_cleared": "unemployed or outside the labour force with a status in "
        "employment, sector, occupation or workplace: those fields set NULL",
        "workplace_outside_area": "workplace commune outside the area's code lists (another "
        "province, or unknown): kept as received, no workplace commune",
        "sex_differs_from_register": "sex in the labour record differs from the population "
        "register (the register is used)",
        "birth_date_differs_from_register": "birth date in the labour record differs from the "
        "population register (the register is used)",
    }
)


# --- model 39 (public order) reject reasons, repairs and quality figures
REJECT_REASONS.update(
    {
        "OCCURRED_AFTER_REPORTED": "incident whose occurrence time is after the time it was reported",
        "NEGATIVE_FINE": "traffic violation with a negative fine",
        "INVALID_FINE": "traffic violation whose fine is missing or not a number",
        "FINE_OUT_OF_RANGE": "traffic violation whose fine is above 1,000,000,000 VND (no traffic "
        "fine comes near: a unit or typing error, e.g. 1e30)",
        "INVALID_PLATE": "plate that is not a Vietnamese plate (missing, other characters, format "
        "or unused province code; see plate_problem in rules.sql)",
    }
)
# UNKNOWN_COMMUNE, DUPLICATE (same incident_id / violation_id) and INVALID_DATE (occurred_at,
# reported_at or detected_at missing or unreadable) keep their general meaning.
REPAIRS.update(
    {
        "timestamp_format": "timestamp not written yyyy-mm-dd HH:MM:SS, parsed",
        "unknown_article": "Penal Code article not in the reference list: kept, classified to ICCS "
        "section 11 (other) — a quality figure, never dropped",
        "unknown_status": "incident status outside under_investigation/cleared: kept, not counted "
        "as cleared",
        "unknown_violation_code": "violation code outside the code list: kept in the group 'other'",
        "unknown_vehicle_type": "vehicle type outside motorbike/car/truck/bus: kept as 'other'",
        "paid_spelling": "paid flag not written true/false, mapped (unknown counts as not paid)",
        "unreadable_persons_involved": "persons involved given but not a whole number: kept as "
        "unknown (NULL), the incident is counted",
    }
)


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


def rules_sql() -> str:
    prefixes = ", ".join(f"'{p}'" for p in id_province_prefixes())
    text = (resources.files("quality") / "rules.sql").read_text(encoding="utf-8")
    return text.replace("{ID_PROVINCE_PREFIXES}", prefixes).replace(
        "{REFORM_DATE}", date.fromisoformat(admin_units.REFORM_DATE).isoformat()
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


# --- model 38 (lodging) reject reasons, repairs and flags
REJECT_REASONS.update(
    {
        "CHECKOUT_BEFORE_CHECKIN": "stay whose check-out time is before its check-in time",
        "UNKNOWN_ESTABLISHMENT": "stay at an establishment that is not in the lodging register",
        "INVALID_DOC_TYPE": "guest document type outside cccd, passport",
        "INVALID_ESTABLISHMENT_TYPE": "establishment type outside the register's code list",
        "INVALID_ROOMS": "establishment whose number of rooms is missing, not a number or below 1",
    }
)
# DUPLICATE for stays: the same notification_id again, or a re-sent notification (same guest
# document, establishment and check-in time; across months). INVALID_PERSON_ID: a cccd guest whose
# personal ID is not valid (structure, or century/sex digit or birth year disagreeing with the
# guest's sex and birth year). INVALID_DATE: check-in or notification time missing or unreadable.
# Flags (kept, counted in ops.quality_figures as kind 'flag'): late_notification (after the 23:00
# deadline, see notification_deadline in rules.sql), guest_two_places (the same guest in two
# establishments on the same night).
