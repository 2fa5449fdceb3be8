"""The catalogue's labels under their usual name: the Vietnamese label of every published
column (domains.LABELS_VI, from the `Label` declarations: COMMON_LABELS in domains/base.py for
the columns every model shares, then each domain's LABELS). The marts themselves are
domains.MARTS; their definitions and sources are in the header of each SQL file, and the data
dictionary (reporting/dictionary.py) publishes both."""

from __future__ import annotations

from domains import LABELS_VI

__all__ = ["LABELS_VI"]
