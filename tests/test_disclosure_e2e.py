"""The disclosure audit end to end: it passes on the committed sample's protected marts, and a
planted leak makes it refuse publication, leaving published/ exactly as it was."""

import os
import shutil

import dagster as dg

import assets.publish as publish
from marts.catalogue import MARTS
from quality import disclosure
from warehouse.resource import Warehouse


def test_the_audit_passes_on_the_committed_sample(sample_run):
    with sample_run.warehouse_db() as con:
        failing, exact, exact_complements, suppressed, passed = con.execute(
            "SELECT failing, exactly_recoverable, exactly_recoverable_complements, suppressed, "
            "passed FROM ops.disclosure_audit"
        ).fetchone()
    assert suppressed > 0  # there is something to protect on the sample
    assert (failing, exact, exact_complements) == (0, 0, 0)
    assert passed is True
    verdicts = [
        e.passed
        for e in sample_run.result.get_asset_check_evaluations()
        if e.check_name == "disclosure_audit"
    ]
    assert verdicts == [True]
    with sample_run.published_db() as con:
        assert con.execute("SELECT passed FROM disclosure_audit").fetchone() == (True,)


def test_a_planted_leak_blocks_publication(sample_run, tmp_path, monkeypatch):
    """Secondary suppression switched off: small cells are suppressed alone, so totals give
    them away. The blocking audit must stop the run before published/ is replaced."""
    data = tmp_path / "data"
    shutil.copytree(sample_run.warehouse.data, data, symlinks=True)
    before = os.readlink(data / "published")
    monkeypatch.setattr(disclosure.Protector, "close", lambda self: 0)
    monkeypatch.setattr(disclosure, "REPAIR_STEPS", ())
    # two linked marts keep the run short; the leak is in them
    monkeypatch.setattr(
        publish,
        "PUBLISHED_MARTS",
        [m for m in MARTS if m.name in ("population_rates", "population_change")],
    )
    warehouse = Warehouse(
        landing_dir=sample_run.warehouse.landing_dir, data_dir=str(data), min_cell=5
    )
    result = dg.materialize(
        [publish.protected_marts, publish.disclosure_audit, publish.published_marts],
        resources={"warehouse": warehouse},
        raise_on_error=False,
    )
    assert not result.success
    verdicts = [
        e for e in result.get_asset_check_evaluations() if e.check_name == "disclosure_audit"
    ]
    assert len(verdicts) == 1 and not verdicts[0].passed
    assert verdicts[0].metadata["primary_cells_recovered_exactly"].value > 0
    materialized = {tuple(e.asset_key.path) for e in result.get_asset_materialization_events()}
    assert ("published", "marts") not in materialized
    assert os.readlink(data / "published") == before
