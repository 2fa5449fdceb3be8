"""Disclosure control of everything de06-analytics publishes: the cell key method (CKM).

- `ptable`: the perturbation table (maximum entropy, after Destatis' `ptable`), reference data
  kept in protection/reference/ with its parameters;
- `cellkey`: record keys, cell keys and the perturbation of counts and magnitudes as DuckDB
  macros;
- `perturb`: how a mart is protected (`Perturbation`) and the SQL that publishes it;
- `audit`: the rules publication waits for, and the perturbation's utility measures.

Dagster-free and below the assets: `assets/publish.py` runs it, its unit tests need no pipeline.
"""
