"""Source contracts: what each landing extract must look like, one module per domain.

Each `SourceContract` gives the file pattern in the landing folder, the canonical column names
with their Vietnamese labels (either may be the header), which columns are required, and the key
that identifies a duplicate. Readers load every column as text into `raw`; typing and cleaning
happen in staging by the rules in `quality/rules.sql`.
"""

from sources.contracts import labour, lodging, population, public_order
from sources.contracts.base import Codes, Column, SourceContract, normalise_header
from sources.contracts.population import EVENTS, RESIDENTS

# module name → its sources (messages name the file that documents a contract)
CONTRACT_MODULES: dict[str, list[str]] = {
    m.__name__.rsplit(".", 1)[-1]: [c.source for c in m.CONTRACTS]
    for m in (population, labour, lodging, public_order)
}

CONTRACTS: dict[str, SourceContract] = {
    c.source: c for module in (population, labour, lodging, public_order) for c in module.CONTRACTS
}


def code_lists() -> list[Codes]:
    """Every code list of the contracts, once each (a shared list such as `bool` or `sex` is
    declared once in sources/contracts/base.py and used by several columns)."""
    out: dict[str, Codes] = {}
    for contract in CONTRACTS.values():
        for codes in contract.code_lists():
            if out.setdefault(codes.name, codes) is not codes:
                raise ValueError(f"two code lists are named {codes.name}")
    return list(out.values())


__all__ = [
    "Codes",
    "code_lists",
    "CONTRACTS",
    "CONTRACT_MODULES",
    "Column",
    "EVENTS",
    "RESIDENTS",
    "SourceContract",
    "normalise_header",
]
