"""The fingerprint of a Python reference asset (warehouse/incremental.upstream_fingerprint): the
digest of its tables' content, worked out once per run."""

import duckdb

from warehouse import incremental


def test_a_reference_digest_is_worked_out_once_per_run():
    """A Python reference asset's content digest is worked out once in a run (its tables are
    written by its own step, before every step that reads them), again in the next run, and
    every time outside a run."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA reference")
    con.execute("CREATE TABLE reference.penal_code_iccs AS SELECT 'A' AS code")
    dep = "reference/penal_code_iccs"
    first = incremental.upstream_fingerprint(con, dep, "run-1")
    con.execute("INSERT INTO reference.penal_code_iccs VALUES ('B')")
    assert incremental.upstream_fingerprint(con, dep, "run-1") == first  # kept for the run
    changed = incremental.upstream_fingerprint(con, dep)  # outside a run: worked out
    assert changed != first
    assert incremental.upstream_fingerprint(con, dep, "run-2") == changed  # the next run's
    assert ("run-1", dep) not in incremental._run_digests  # an earlier run's is let go
