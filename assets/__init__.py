"""Asset definitions, one module per domain (assets/<name>.py for each domains/<name>.py): the
raw loaders and working tables, and what `assets.declared` builds from the domain's declaration
(staging steps, marts, checks). DOMAINS lists these modules, in the order of domains.DOMAINS;
each exposes MODEL (the Project 06 model number), SOURCES (staged source names) and
QUARANTINE_KEYS."""

from importlib import import_module

import domains

DOMAINS = [import_module(f"assets.{d.NAME}") for d in domains.DOMAINS]
