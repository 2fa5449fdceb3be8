"""The synthetic labour-register generator at a tiny scale: layout, structure, determinism."""

import hashlib
import json
from pathlib import Path

import polars as pl
import pytest

from sources.contracts.labour import LABOUR_STATUS
from sources.readers import read_text_frame
from synthetic import run_sources

SCALE = 0.003
SEED = 11


@pytest.fixture(scope="module")
def gen(tmp_path_factory):
    out = tmp_path_factory.mktemp("labour_gen")
    truths = run_sources(out, SCALE, SEED, ["population", "labour"], verbose=False)
    return out, truths["labour"], truths["population"]


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _frame(out: Path, year: int) -> pl.DataFrame:
    return read_text_frame(out / "landing" / "labour" / f"labour_status_{year}.xlsx", LABOUR_STATUS)


def test_files_and_rows(gen):
    out, truth, _ = gen
    for year in ("2024", "2025"):
        df = _frame(out, int(year))
        assert df.columns == LABOUR_STATUS.names
        assert df.height == truth["years"][year]["rows"]
        assert truth["rows"][f"labour/labour_status_{year}.xlsx"] == df.height


def test_title_row_and_vietnamese_header(gen):
    out, _, _ = gen
    path = out / "landing" / "labour" / "labour_status_2024.xlsx"
    raw = pl.read_excel(
        path, engine="calamine", infer_schema_length=0, read_options={"header_row": None}
    )
    assert raw.row(0)[0].startswith("DANH SÁCH")
    assert list(raw.row(1)) == LABOUR_STATUS.vietnamese_header()
    # openpyxl reads the same workbook (a valid .xlsx for other tools too)
    import openpyxl

    ws = openpyxl.load_workbook(path, read_only=True).active
    assert [
        c.value for c in next(ws.iter_rows(min_row=2, max_row=2))
    ] == LABOUR_STATUS.vietnamese_header()


def test_dates_are_cells_or_text(gen):
    out, truth, _ = gen
    df = _frame(out, 2025)
    cells = df.filter(pl.col("reference_date") == "2025-07-01 00:00:00").height
    assert cells == truth["years"]["2025"]["date_cells"]
    assert df.filter(pl.col("reference_date") == "01/07/2025").height > 0


def test_structure_is_plausible(gen):
    _, truth, _ = gen
    for year in ("2024", "2025"):
        p = truth["years"][year]["province"]
        t = p["Tổng"]
        assert 62 <= t["participation_rate"] <= 78
        assert 0.5 <= t["unemployment_rate"] <= 4
        assert p["Nữ"]["participation_rate"] < p["Nam"]["participation_rate"]
        assert t["youth_unemployment_rate"] > t["unemployment_rate"]
        assert 22 <= t["sector_share"]["A"] <= 42
        assert t["labour_force"] == t["employed"] + t["unemployed"]
        assert t["with_labour_record"] == t["labour_force"] + t["outside"]
        assert t["no_labour_record"] == truth["years"][year]["quarantine"]["CONTRADICTORY_STATUS"]
        for k in ("working_age_population", "labour_force", "employed", "unemployed", "outside"):
            assert p["Nam"][k] + p["Nữ"][k] == t[k]


def test_register_ids_and_ages(gen):
    """Accepted-looking rows carry register IDs; the 2024 file uses old communes, 2025 new ones."""
    out, _, _ = gen
    from sources import admin_units

    old = set(admin_units.old_communes()["old_commune_code"].to_list())
    new = set(admin_units.new_communes()["new_commune_code"].to_list())
    w24 = set(_frame(out, 2024)["workplace_commune_code"].drop_nulls().to_list())
    w25 = set(_frame(out, 2025)["workplace_commune_code"].drop_nulls().to_list())
    # 2024: old codes, plus the few workplaces in other provinces
    assert len(w24 & old) > 0.9 * len(w24 - old) and len(w24 & old) > 0.5 * len(old)
    assert w25 & new
    # old codes that are not 2025 codes appear in 2025 only as the repaired defect
    assert len((w25 & old) - new) > 0


def test_every_reason_present(gen):
    _, truth, _ = gen
    for year in ("2024", "2025"):
        q = truth["years"][year]["quarantine"]
        assert set(q) == {
            "DUPLICATE",
            "INVALID_PERSON_ID",
            "UNKNOWN_PERSON",
            "UNDER_15",
            "CONTRADICTORY_STATUS",
        }
        assert all(v >= 2 for v in q.values())


def test_deterministic(gen, tmp_path):
    out, _, _ = gen
    again = tmp_path / "again"
    run_sources(again, SCALE, SEED, ["population", "labour"], verbose=False)
    a = {k: v for k, v in _digest(out).items() if "labour" in k}
    b = {k: v for k, v in _digest(again).items() if "labour" in k}
    assert a and a == b
    other = tmp_path / "other"
    run_sources(other, SCALE, SEED + 1, ["population", "labour"], verbose=False)
    c = {k: v for k, v in _digest(other).items() if "labour" in k}
    assert (
        c["landing/labour/labour_status_2024.xlsx"] != a["landing/labour/labour_status_2024.xlsx"]
    )
    assert json.loads((out / "ground_truth" / "labour.json").read_text())["scale"] == SCALE


def test_long_list_continues_on_further_sheets(tmp_path):
    """Over Excel's row limit the writer starts a new sheet with the same title and header; the
    reader reads every sheet in order (row numbers continue)."""
    from synthetic.ooxml import shared_cell, write_xlsx

    cols = LABOUR_STATUS.names
    frame = pl.DataFrame({c: [f"{c}-{i}" for i in range(10)] for c in cols})
    path = tmp_path / "labour_status_2030.xlsx"
    write_xlsx(
        path,
        "DANH SÁCH",
        LABOUR_STATUS.vietnamese_header(),
        [(lambda n: lambda L: shared_cell(L, n))(c) for c in cols],
        frame,
        shared=tuple(cols),
        max_rows=4,
    )
    sheets = pl.read_excel(
        path, engine="calamine", infer_schema_length=0, sheet_id=0, read_options={"header_row": 1}
    )
    assert [s.height for s in sheets.values()] == [4, 4, 2]
    back = read_text_frame(path, LABOUR_STATUS)
    assert back["person_id"].to_list() == [f"person_id-{i}" for i in range(10)]
    assert back.equals(frame)
