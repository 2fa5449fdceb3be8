"""Contracts of the lodging establishment register and guest-stay notifications (model 38)."""

from sources.contracts.base import Column, SourceContract  # noqa: F401

CONTRACTS: list[SourceContract] = []
