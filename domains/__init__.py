"""The domains of de06-analytics, one module each (population, labour, lodging, public_order),
and the registries assembled from them. A domain module declares everything it contributes
(`domains/base.py` gives the shapes): NAME (the asset group of its raw, staging and quarantine
tables), MODEL (the Project 06 model number; its marts are in the asset group model_<MODEL>) and
TITLE, REPORT_SOURCE, STAGING, MARTS, LABELS, SUITES, CHECKS, REJECT_REASONS and
REPAIRS, YEARBOOK_TABLES and REPORT_SECTIONS. Adding a model is one more module here, listed in
DOMAINS (README, "Adding a model"); nothing else collects its parts."""

from domains import labour, lodging, population, public_order
from domains.base import COMMON_LABELS, Mart
from quality.rules import COMMON_REJECT_REASONS, COMMON_REPAIRS
from reporting.dictionary import Label

DOMAINS = [population, labour, lodging, public_order]

MODELS: dict[int, tuple[str, str]] = {d.MODEL: d.TITLE for d in DOMAINS}
REPORT_SOURCES: dict[int, str] = {d.MODEL: d.REPORT_SOURCE for d in DOMAINS}
MARTS: list[Mart] = [m for d in DOMAINS for m in d.MARTS]
# every published column's label (workbooks, reports, the data dictionary)
LABELS: dict[str, Label] = {**COMMON_LABELS, **{k: v for d in DOMAINS for k, v in d.LABELS.items()}}
LABELS_VI: dict[str, str] = {k: label.vi for k, label in LABELS.items()}
SUITES = [s for d in DOMAINS for s in d.SUITES]
CHECKS = [c for d in DOMAINS for c in d.CHECKS]
REJECT_REASONS: dict[str, str] = {
    **COMMON_REJECT_REASONS,
    **{k: v for d in DOMAINS for k, v in d.REJECT_REASONS.items()},
}
REPAIRS: dict[str, str] = {
    **COMMON_REPAIRS,
    **{k: v for d in DOMAINS for k, v in d.REPAIRS.items()},
}
YEARBOOK = {d.MODEL: d.YEARBOOK_TABLES for d in DOMAINS}
REPORT_SECTIONS = {d.MODEL: d.REPORT_SECTIONS for d in DOMAINS}

for _d in DOMAINS:  # a mart filed under another model would be published with the wrong one
    if any(m.model != _d.MODEL for m in _d.MARTS):
        raise ValueError(f"{_d.__file__}: every Mart(...) of the module has model {_d.MODEL}")
