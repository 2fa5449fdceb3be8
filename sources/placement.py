"""Where a landing file belongs in time, by the date in its name, and the files a run cannot place.

A file name dates every row of its file (`events_2024-03.csv`: the events delivered for March
2024), and the run's months come from the monthly file names. A file whose date is impossible
or implausible is named, with the problem and the fix, and never stretches the months a run
covers (issue 22: `events_2042-02.csv`, a typing slip for 2024-02, once made a run of 2024-01 …
2042-02). A file cannot be placed when the date in its name

- is no calendar date (`residents_2024-02-30.csv`);
- is after the run date (Vietnam's calendar): no extract comes from the future;
- is before the first month the pipeline covers (the monthly partitions' start), or before the
  month of the earliest residents snapshot (the baseline: the register cannot place the rows;
  a labour register of a year before it, likewise);
- lies apart from every other monthly extract of the landing folder: the monthly files of all
  sources make blocks of consecutive months; a file outside the block holding the most files,
  with months between that no extract of any source covers, is out of place.

Everything here reads file names only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sources.contracts import CONTRACTS, SourceContract
from sources.readers import ExtractError, LandingFile, _contract_doc, check_period, landing_files

FIRST_MONTH = "2024-01"  # the first monthly partition (assets/common.py MONTHLY starts here)
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def run_date() -> date:
    """Today in Vietnam (the monthly schedule's timezone)."""
    return datetime.now(LOCAL).date()


def _month_index(month: str) -> int:
    year, mon = int(month[:4]), int(month[5:7])
    return year * 12 + mon - 1


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass(frozen=True)
class Placed:
    """The landing folder's files by whether the run can place them."""

    files: dict[str, list[LandingFile]]  # source -> its files the run can place
    problems: dict[str, ExtractError]  # landing path -> why it cannot be placed

    def months(self) -> list[str]:
        """The months of the monthly files that can be placed, in order."""
        return sorted(
            {f.period for s, fs in self.files.items() if CONTRACTS[s].monthly for f in fs}
        )

    def problems_of(self, contract: SourceContract) -> list[ExtractError]:
        prefix = f"{contract.folder}/"
        return [
            e
            for relative, e in sorted(self.problems.items())
            if relative.startswith(prefix) and contract.match(relative[len(prefix) :])
        ]


def _fix(contract: SourceContract, example: str) -> str:
    return (
        f"check the date in the file name (a typing slip in the year or month?) and rename the "
        f"file with the extract's real date ({example}, see {_contract_doc(contract)}); if the "
        "date is right, move the file out of the landing folder until it can be placed, then rerun"
    )


def place(landing: Path, today: date | None = None) -> Placed:
    """Every landing file of every contract, placed or named with its problem."""
    today = today or run_date()
    found = {s: landing_files(landing, c) for s, c in CONTRACTS.items()}
    problems: dict[str, ExtractError] = {}

    def refuse(contract: SourceContract, f: LandingFile, problem: str) -> None:
        example = {10: "YYYY-MM-DD", 7: "YYYY-MM", 4: "YYYY"}.get(len(f.period), "")
        problems[f.relative] = ExtractError(f.path, problem, _fix(contract, example))

    for source, files in found.items():
        for f in files:
            try:
                check_period(f, CONTRACTS[source])
            except ExtractError as exc:
                problems[f.relative] = exc
    for source, files in found.items():  # after the run date, or before the first month
        contract = CONTRACTS[source]
        for f in files:
            if f.relative in problems or not f.period:
                continue
            start = (f"{f.period}-01-01" if len(f.period) == 4 else f"{f.period}-01")[:10]
            if start > today.isoformat():
                refuse(
                    contract,
                    f,
                    f"the date in the file name ({f.period}) is after the run date "
                    f"({today:%Y-%m-%d}): no extract comes from the future",
                )
            elif contract.monthly and f.period < FIRST_MONTH:
                refuse(
                    contract,
                    f,
                    f"the month in the file name ({f.period}) is before the first month the "
                    f"pipeline covers ({FIRST_MONTH})",
                )
    snapshots = sorted(f.period for f in found.get("residents", []) if f.relative not in problems)
    baseline = snapshots[0] if snapshots else None
    for source, files in found.items():  # before the baseline snapshot
        if baseline is None or source == "residents":
            continue
        for f in files:
            if f.relative not in problems and f.period and f.period < baseline[: len(f.period)]:
                refuse(
                    CONTRACTS[source],
                    f,
                    f"the date in the file name ({f.period}) is before the baseline residents "
                    f"snapshot ({baseline}): the register cannot place its rows",
                )
    # monthly files in blocks of consecutive months; the block holding the most files is the
    # landing's, a block apart from it is out of place
    monthly = [
        (f, _month_index(f.period))
        for s, files in found.items()
        if CONTRACTS[s].monthly
        for f in files
        if f.relative not in problems
    ]
    months = sorted({i for _, i in monthly})
    blocks: list[list[int]] = []
    for i in months:
        if blocks and i == blocks[-1][-1] + 1:
            blocks[-1].append(i)
        else:
            blocks.append([i])
    if len(blocks) > 1:
        size = {b[0]: sum(1 for _, i in monthly if b[0] <= i <= b[-1]) for b in blocks}
        main = max(blocks, key=lambda b: (size[b[0]], -b[0]))
        span = f"{_month(main[0])} … {_month(main[-1])}"
        for f, i in monthly:
            if main[0] <= i <= main[-1]:
                continue
            gap = (main[-1] + 1, i - 1) if i > main[-1] else (i + 1, main[0] - 1)
            refuse(
                CONTRACTS[next(s for s, fs in found.items() if f in fs)],
                f,
                f"the month in the file name ({f.period}) lies apart from the landing folder's "
                f"other monthly extracts ({span}): no extract of any source covers "
                f"{_month(gap[0])} … {_month(gap[1])}",
            )
    placed = {s: [f for f in files if f.relative not in problems] for s, files in found.items()}
    return Placed(placed, problems)
