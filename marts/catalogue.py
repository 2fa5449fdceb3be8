"""The mart catalogue: every published mart, its grain, its SQL file, its Vietnamese labels and
its protection (the cell key method, protection/). The analysts' contract: names and columns are fixed by the design.
Indicator definitions and sources are in the header of each SQL file.

Each domain declares its own marts and labels (`domains/<domain>.py`, the shared labels in
`domains/base.py`); this module gives the assembled catalogue under its usual names."""

from __future__ import annotations

from domains import LABELS_VI, MARTS, MODELS
from domains.base import Mart

__all__ = ["LABELS_VI", "MARTS", "MODELS", "Mart"]
