"""The expectations the domains' suites share (great-expectations, no Dagster): a record's
identifier, a keyed pseudonym, the 2025 commune and the flags of codes read as unknown. Each
helper gives a list, spliced with `*` where the suite lists it, so a suite still reads in the
order its expectations run."""

from __future__ import annotations

import duckdb

from quality.suites import communes_2025, gxe

PSEUDONYM_LENGTH = 64  # a keyed pseudonym is a hex SHA-256 HMAC


def not_null(*columns: str) -> list:
    return [gxe.ExpectColumnValuesToNotBeNull(column=c) for c in columns]


def identifier(column: str) -> list:
    """A record's identifier: present and unique."""
    return [*not_null(column), gxe.ExpectColumnValuesToBeUnique(column=column)]


def pseudonym(column: str) -> list:
    """A keyed pseudonym: present, of the HMAC's length."""
    return [
        *not_null(column),
        gxe.ExpectColumnValueLengthsToEqual(column=column, value=PSEUDONYM_LENGTH),
    ]


def in_2025_commune(con: duckdb.DuckDBPyConnection, column: str = "commune_code", **kw) -> list:
    """The column holds a 2025 commune of the reference list (`kw`: e.g. `mostly`)."""
    return [gxe.ExpectColumnValuesToBeInSet(column=column, value_set=communes_2025(con), **kw)]


def none_unknown(*fields: str) -> list:
    """No value of these code lists was read as unknown (the staging SQL's fix_unknown_<field>
    flags): any one warns."""
    return [
        gxe.ExpectColumnValuesToBeInSet(column=f"fix_unknown_{field}", value_set=[False])
        for field in fields
    ]
