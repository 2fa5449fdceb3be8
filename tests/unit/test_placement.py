"""A file the run cannot place is named, and the months a run covers never stretch to fit it
(issue 22: `events_2042-02.csv` for February 2024 made a run of 2024-01 … 2042-02 whose
loaders then failed for months no file named). Placement reads file names only: the landing
files here are empty."""

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dagster_project.jobs import landing_months, misplaced_files
from sources.contracts import CONTRACTS
from sources.placement import place

TODAY = date(2026, 12, 6)
MONTHLY = [c for c in CONTRACTS.values() if c.monthly]  # events, stays, incidents, violations


def touch(landing: Path, relative: str) -> None:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")


def landing_with(tmp_path: Path, months: list[str], extra: list[str] = ()) -> Path:
    landing = tmp_path / "landing"
    touch(landing, "population/residents_2024-01-01.csv")
    for m in months:
        for c in MONTHLY:
            touch(landing, f"{c.folder}/{c.source}_{m}.{c.file_format}")
    for relative in extra:
        touch(landing, relative)
    return landing


MONTHS = [f"2024-{m:02d}" for m in range(1, 7)]


@pytest.mark.parametrize(
    "odd, words",
    [
        ("population/events_2042-02.csv", "is after the run date (2026-12-06)"),
        ("public_order/incidents_2025-09.csv", "lies apart from the landing folder's other"),
        ("lodging/stays_2023-11.jsonl", "is before the first month the pipeline covers"),
        ("population/events_2024-13.csv", "is not a calendar date"),
        ("labour/labour_status_2023.xlsx", "is before the baseline residents snapshot"),
        ("labour/labour_status_2031.xlsx", "is after the run date"),
        ("population/residents_2204-01-01.csv", "is after the run date"),
    ],
)
def test_a_file_that_cannot_be_placed_is_named_and_never_stretches_the_run(tmp_path, odd, words):
    landing = landing_with(tmp_path, MONTHS, [odd])
    placed = place(landing, TODAY)
    assert list(placed.problems) == [odd]
    problem = placed.problems[odd]
    assert words in problem.problem and str(landing / odd) == problem.path
    assert "rename the file" in problem.fix
    assert placed.months() == MONTHS  # the run's months are those of the other files
    assert all(odd not in [f.relative for f in fs] for fs in placed.files.values())


def test_the_gap_is_named(tmp_path):
    landing = landing_with(tmp_path, MONTHS, ["public_order/incidents_2025-09.csv"])
    problem = place(landing, TODAY).problems["public_order/incidents_2025-09.csv"].problem
    assert "(2024-01 … 2024-06)" in problem and "covers 2024-07 … 2025-08" in problem


def test_a_month_delivered_early_by_one_source_is_placed(tmp_path):
    # the next month's events arrive before the other sources': no gap, nothing to name
    landing = landing_with(tmp_path, MONTHS, ["population/events_2024-07.csv"])
    placed = place(landing, TODAY)
    assert placed.problems == {} and placed.months() == [*MONTHS, "2024-07"]


def test_a_newer_snapshot_keeps_earlier_months_placed(tmp_path):
    # the design: the latest snapshot is the baseline, earlier events are quarantined by rule
    landing = landing_with(tmp_path, MONTHS, ["population/residents_2024-05-01.csv"])
    assert place(landing, TODAY).problems == {}


def test_jobs_use_the_placed_months(tmp_path):
    landing = landing_with(tmp_path, MONTHS, ["population/events_2042-02.csv"])
    assert landing_months(landing) == MONTHS
    (line,) = misplaced_files(landing)
    assert "events_2042-02.csv" in line and "Fix:" in line


@settings(max_examples=60, deadline=None)
@given(
    start=st.integers(min_value=0, max_value=20),
    length=st.integers(min_value=3, max_value=14),
    odd=st.integers(min_value=0, max_value=400),
)
def test_the_run_never_covers_a_month_outside_the_landing_block(
    tmp_path_factory, start, length, odd
):
    months = [f"{2024 + (start + i) // 12}-{(start + i) % 12 + 1:02d}" for i in range(length)]
    odd_month = f"{2024 + odd // 12}-{odd % 12 + 1:02d}"
    tmp = tmp_path_factory.mktemp("landing")
    landing = landing_with(tmp, months, [f"population/events_{odd_month}.csv"])
    placed = place(landing, TODAY)
    run = placed.months()
    assert set(run) <= set(months) | {odd_month}
    # placed months are consecutive and include the landing's block
    assert set(months) <= set(run) or odd_month in placed.problems or odd_month in months
    indices = [int(m[:4]) * 12 + int(m[5:]) for m in run]
    assert indices == list(range(indices[0], indices[0] + len(indices)))
    if odd_month not in run:
        assert "population/events_" + odd_month + ".csv" in placed.problems
