"""What a domain declares, in plain data (no Dagster): the mart catalogue entry (`Mart`), a
staging step (`Staging`) and a SQL check (`Check`). `assets/` builds the Dagster assets and
checks from these; `domains/__init__.py` assembles the registries."""

from __future__ import annotations

from dataclasses import dataclass

from protection.perturb import Perturbation

AREA_KEYS = ("area_level", "area_code")


@dataclass(frozen=True)
class Mart:
    name: str
    model: int
    title_vi: str
    title_en: str
    grain: str
    perturbation: Perturbation
    note: str = ""  # what else an analyst should know about its protection, in words
    sql_file: str = ""  # defaults to <name>.sql

    @property
    def sql(self) -> str:
        return self.sql_file or f"{self.name}.sql"

    @property
    def disclosure_rule(self) -> str:
        """The mart's protection in words (catalogue, data dictionary)."""
        p = self.perturbation
        parts = []
        if p.counts:
            parts.append(
                f"Counts ({', '.join(p.counts)}) perturbed by the cell key method: at most "
                "±3, never 1 or 2, zeros stay zeros; the same persons or events give the same "
                "value in every table and release."
            )
        if p.magnitudes:
            parts.append(
                f"Magnitudes ({', '.join(p.magnitudes)}) perturbed around the cell's largest "
                "single contribution (cell key method)."
            )
        if p.derived:
            parts.append(
                f"Derived figures ({', '.join(p.derived)}) computed from the published figures."
            )
        if p.exact:
            parts.append(f"Published as counted (register figures): {', '.join(p.exact)}.")
        parts.append("Not additive: a total is not the sum of its published parts.")
        if self.note:
            parts.append(self.note)
        return " ".join(parts)


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
