"""What a domain declares, in plain data (no Dagster): the mart catalogue entry (`Mart`), a
staging step (`Staging`) and a SQL check (`Check`). `assets/` builds the Dagster assets and
checks from these; `domains/__init__.py` assembles the registries."""

from __future__ import annotations

from dataclasses import dataclass

from quality.disclosure import Protection


@dataclass(frozen=True)
class Mart:
    name: str
    model: int
    title_vi: str
    title_en: str
    grain: str
    protection: Protection
    disclosure_rule: str = ""  # the rule in words, for the catalogue and the README
    sql_file: str = ""  # defaults to <name>.sql

    @property
    def sql(self) -> str:
        return self.sql_file or f"{self.name}.sql"


@dataclass(frozen=True)
class Staging:
    """A staging step: quality/sql/<sql_file> turns raw.<source> into staging.<source> (accepted
    rows) and quarantine.<source> (rejected rows with reason codes); `drop` lists working
    columns of the SQL that are not kept. The descriptions are the two assets' descriptions."""

    source: str
    sql_file: str
    staged: str
    rejected: str
    drop: tuple[str, ...] = ()


@dataclass(frozen=True)
class Check:
    """A check of quality/checks/<name>.sql (a query returning the failing rows) on an asset;
    assets.common.sql_check builds the Dagster check from it."""

    name: str
    asset: tuple[str, ...]
    blocking: bool
    description: str
