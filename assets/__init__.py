"""Asset definitions, one module per domain. DOMAINS lists the domain modules whose staged
sources are reconciled and whose marts are published; each exposes MODEL (the Project 06 model
number), SOURCES (staged source names) and QUARANTINE_KEYS."""

from assets import labour, lodging, population, public_order

DOMAINS = [population, labour, lodging, public_order]
