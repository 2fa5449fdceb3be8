"""Contracts of the labour-market register (model 37)."""

from sources.contracts.base import Column, SourceContract  # noqa: F401

CONTRACTS: list[SourceContract] = []
