"""Contracts of the police incident log and camera traffic violations (model 39)."""

from sources.contracts.base import Column, SourceContract  # noqa: F401

CONTRACTS: list[SourceContract] = []
