"""A new month of population events is appended to staging (warehouse/incremental.stage_append,
quality/sql/append/events.sql): its rows get the verdicts a staging of every loaded month gives
them, from the earlier rows of the same persons, and an earlier row whose verdict they change
moves between staging and quarantine. Each month staging and quarantine equal a staging of the
same files in a new warehouse, row for row (the load batch aside), and so do the quality
figures, on the committed sample's population extracts with planted rows:

- October: a second death of a person who died in January, an event of a person whom only
  December's birth brings in (unknown until then), a copy of January's record of that death
  under its own id (a DUPLICATE);
- November: a death of the same person dated before January's, which makes January's the
  second (an accepted row goes to quarantine);
- December: the sample's birth of that person, dated before October's event, which it makes
  known (a quarantined row is accepted)."""

import dagster as dg
import duckdb
import pytest

from tests.e2e.test_events_typed_rows import _staged as staged_rows
from tests.e2e.test_timeline_update import SAMPLE, _landing, materialized
from warehouse.resource import Warehouse

pytestmark = pytest.mark.e2e

SELECTION = (
    dg.AssetSelection.assets(["staging", "events"]).upstream().required_multi_asset_neighbors()
)
DIED = "052148283442"  # died on 2 January 2025 (EV2025010000008)
BORN = "052225028154"  # born on 1 December 2025 (EV2025120000003)
PLANTED = {
    "2025-10": [
        f"EVAPPEND000001,death,{DIED},05/10/2025,06/10/2025,21748,,,,,",
        f"EVAPPEND000002,internal_move,{BORN},10/12/2025,10/12/2025,21952,21592,21952,,,",
        f"EV2025010000008,death,{DIED},02/01/2025,04/01/2025,21748,,,,,",
    ],
    "2025-11": [f"EVAPPEND000003,death,{DIED},01/01/2025,03/11/2025,21748,,,,,"],
    "2025-12": [],
}


def _deliver(landing, month: str) -> None:
    text = (SAMPLE / f"events_{month}.csv").read_text(encoding="utf-8").rstrip("\r\n")
    path = landing / "population" / f"events_{month}.csv"
    path.write_text("\n".join([text, *PLANTED[month]]) + "\n", encoding="utf-8")


def _staged(warehouse: Warehouse) -> dict[str, list]:
    """Staging and quarantine (test_events_typed_rows), and the events' quality figures."""
    out = staged_rows(warehouse)
    with duckdb.connect(str(warehouse.database_path), read_only=True) as con:
        out["figures"] = con.execute(
            "SELECT source_file, kind, figure, value FROM ops.quality_figures "
            "WHERE source = 'events' AND kind <> 'flag' ORDER BY ALL"
        ).fetchall()
    return out


def _reasons(staged: dict, event_id: str) -> list:
    rows = [r for r in staged["quarantine.events"] if r[0] == event_id]
    rows += [[*r, []] for r in staged["staging.events"] if r[0] == event_id]
    return [r[-1] for r in rows]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("events_append")
    landing = _landing(root / "landing", "2025-09")
    kept = Warehouse(landing_dir=str(landing), data_dir=str(root / "kept"))
    out = {"first": _status(kept, "2025-09")}
    for month in ("2025-10", "2025-11", "2025-12"):
        _deliver(landing, month)
        status = _status(kept, month)
        whole = Warehouse(landing_dir=str(landing), data_dir=str(root / f"whole-{month}"))
        assert _status(whole, month) == "built"  # a new warehouse stages every file
        out[month] = (status, _staged(kept), _staged(whole))
    return out


def _status(warehouse: Warehouse, last_month: str) -> str:
    key = dg.AssetKey(["staging", "events"])
    return materialized(warehouse, last_month, SELECTION, key, "incremental/status")


def test_a_month_that_changes_no_earlier_verdict_is_appended(runs):
    status, staged, whole = runs["2025-10"]
    assert runs["first"] == "built" and status == "appended"
    assert staged == whole
    assert _reasons(staged, "EVAPPEND000001") == [["SECOND_DEATH"]]
    assert _reasons(staged, "EVAPPEND000002") == [["UNKNOWN_PERSON"]]
    assert sorted(_reasons(staged, "EV2025010000008")) == [[], ["DUPLICATE"]]
    assert len(staged["staging.events"]) > 1000 and len(staged["figures"]) > 5


def test_a_death_dated_before_an_earlier_one_makes_that_one_the_second(runs):
    status, staged, whole = runs["2025-11"]
    assert status == "appended"
    assert staged == whole
    assert _reasons(staged, "EVAPPEND000003") == [[]]  # now the first death
    assert sorted(_reasons(staged, "EV2025010000008")) == [["DUPLICATE"], ["SECOND_DEATH"]]
    assert _reasons(staged, "EVAPPEND000001") == [["SECOND_DEATH"]]


def test_a_late_registered_birth_makes_an_earlier_event_of_the_person_known(runs):
    status, staged, whole = runs["2025-12"]
    assert status == "appended"
    assert staged == whole
    assert _reasons(staged, "EVAPPEND000002") == [[]]
