"""The reason codes and repair kinds that quality/rules.py documents (and the quality report,
the README and operators read) are exactly those the staging SQL produces: a code the SQL writes
without a description, or a description no SQL can produce any more, fails here."""

import re
from pathlib import Path

from domains import REJECT_REASONS, REPAIRS

STAGING_SQL = sorted((Path(__file__).resolve().parents[2] / "quality" / "sql").glob("*.sql"))


def _staging_sql() -> str:
    text = "\n".join(p.read_text(encoding="utf-8") for p in STAGING_SQL)
    return re.sub(r"--[^\n]*", "", text)  # comments name codes too; only the SQL counts


def test_staging_sql_is_found():
    assert len(STAGING_SQL) >= 7, STAGING_SQL


def test_every_reject_reason_the_sql_writes_is_documented_and_none_is_dead():
    # a reject reason is written as `... THEN 'CODE'` (quarantine.reason_codes); three-letter
    # upper-case literals are ISO country codes ('VNM'), not reasons
    written = set(re.findall(r"\bTHEN\s+'([A-Z][A-Z0-9_]{3,})'", _staging_sql()))
    assert written - set(REJECT_REASONS) == set(), "codes written but not in REJECT_REASONS"
    assert set(REJECT_REASONS) - written == set(), "documented codes no staging SQL writes"


def test_every_repair_flag_of_the_sql_is_documented_and_none_is_dead():
    # a repair is a boolean column `fix_<kind>`, counted by quality/staging.py as kind <kind>
    flagged = set(re.findall(r"\bAS\s+fix_([a-z0-9_]+)", _staging_sql()))
    assert flagged - set(REPAIRS) == set(), "repair flags without a description in REPAIRS"
    assert set(REPAIRS) - flagged == set(), "documented repairs no staging SQL flags"
