"""A minimal code location for tests/e2e/test_dev.py: starting dagster dev on it takes seconds."""

import dagster as dg

defs = dg.Definitions()
