"""The Dagster assets and checks a domain's declaration (domains/<domain>.py) gives without any
code of its own: a staging step per `Staging` entry, a mart asset per `Mart`, a suite check per
suite and a SQL check per `Check`. The domain's asset module (assets/<domain>.py) adds what needs
code: the raw loaders and the working tables."""

import dagster as dg

from assets.common import (
    mart_asset,
    sql_check,
    stage,
    staging_code,
    staging_specs,
    suite_check,
)
from domains.base import Staging
from marts.lineage import deps_of
from warehouse import incremental
from warehouse.resource import Warehouse


def staging_spec(domain, step: Staging) -> list[dg.AssetSpec]:
    """staging.<source> and quarantine.<source> of a step, in the domain's group; the inputs are
    read from the step's SQL file."""
    return staging_specs(
        step.source,
        domain.NAME,
        deps=deps_of(f"quality/sql/{step.sql_file}"),
        staged=step.staged,
        rejected=step.rejected,
        code_version=incremental.dagster_code_version(staging_code(step.sql_file)),
    )


def staging_asset(domain, step: Staging) -> dg.AssetsDefinition:
    """A staging step as a multi-asset (op staged_<source>)."""

    @dg.multi_asset(name=f"staged_{step.source}", specs=staging_spec(domain, step))
    def _staged(warehouse: Warehouse):
        yield from stage(warehouse, step.source, step.sql_file, drop=step.drop)

    return _staged


def staging_step(domain, source: str) -> Staging:
    return next(s for s in domain.STAGING if s.source == source)


def staging_assets(domain, custom: tuple[str, ...] = ()) -> list[dg.AssetsDefinition]:
    """The domain's staging steps, except those its asset module writes itself (`custom`)."""
    return [staging_asset(domain, s) for s in domain.STAGING if s.source not in custom]


def mart_assets(domain) -> list[dg.AssetsDefinition]:
    """The domain's marts, in the group model_<MODEL>; inputs from each mart's SQL file."""
    return [
        mart_asset(
            m,
            deps=deps_of(f"marts/{m.sql}"),
            group=f"model_{domain.MODEL}",
            source=domain.REPORT_SOURCE,
        )
        for m in domain.MARTS
    ]


def checks(domain) -> list[dg.AssetChecksDefinition]:
    """The domain's suite checks, then its SQL checks."""
    return [suite_check(s) for s in domain.SUITES] + [
        sql_check(c.name, list(c.asset), blocking=c.blocking, description=c.description)
        for c in domain.CHECKS
    ]


def staged_sources(domain) -> list[str]:
    """The names of the domain's staged sources, in the order of its STAGING declarations."""
    return [s.source for s in domain.STAGING]


def quarantine_keys(domain) -> list[list[str]]:
    return [["quarantine", s] for s in staged_sources(domain)]


def exported(domain) -> tuple[str, int, list[str], list[list[str]]]:
    """What an asset module exposes of its domain (assets/__init__.py): GROUP (the domain's
    name, the group of its raw, staging and quarantine assets), MODEL, SOURCES and
    QUARANTINE_KEYS."""
    return domain.NAME, domain.MODEL, staged_sources(domain), quarantine_keys(domain)
