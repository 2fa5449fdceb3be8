"""The lodging generator at tiny scale: files, determinism, and truth recounted from the files."""

import json
from pathlib import Path

import polars as pl
import pytest

from synthetic import lodging, run_sources

SCALE = 0.01


@pytest.fixture(scope="module")
def gen(tmp_path_factory):
    out = tmp_path_factory.mktemp("lodging_gen")
    run_sources(out, SCALE, 6, ["population", "lodging"], verbose=False)
    truth = json.loads((out / "ground_truth" / "lodging.json").read_text(encoding="utf-8"))
    return out, truth


def _stays(out: Path) -> pl.DataFrame:
    files = sorted((out / "landing" / "lodging").glob("stays_*.jsonl"))
    return pl.concat(
        [
            pl.read_ndjson(f, infer_schema_length=None).with_columns(
                pl.all().cast(pl.String), file=pl.lit(f.name)
            )
            for f in files
        ],
        how="diagonal",
    )


def test_files_and_rows(gen):
    out, truth = gen
    files = sorted(p.name for p in (out / "landing" / "lodging").iterdir())
    assert files[0] == "establishments.xlsx" and len(files) == 25
    stays = _stays(out)
    assert stays.height == truth["stays_written"] == sum(truth["rows"]["stays"].values())
    reg = pl.read_excel(
        out / "landing" / "lodging" / "establishments.xlsx",
        engine="calamine",
        infer_schema_length=0,
    )
    assert reg.height == truth["establishments"]
    assert set(reg["type"]) <= set(lodging.TYPE_NAMES)


def test_deterministic(gen, tmp_path):
    out, _ = gen
    run_sources(tmp_path, SCALE, 6, ["population", "lodging"], verbose=False)
    for name in ("stays_2024-07.jsonl", "stays_2025-12.jsonl"):
        assert (tmp_path / "landing/lodging" / name).read_bytes() == (
            out / "landing/lodging" / name
        ).read_bytes()


def test_volume_factor_small_sample():
    assert lodging.lodging_scale(1.0) == 1.0 and lodging.lodging_scale(0.1) == pytest.approx(0.1)
    # the committed sample (0.02) stays under ~25,000 stays over two years
    assert 3_000_000 * 2 * lodging.lodging_scale(0.02) < 25_000


def test_stays_in_check_in_month_file_and_duplicates(gen):
    out, truth = gen
    stays = _stays(out)
    month = stays["check_in"].str.slice(0, 7)
    own = stays.filter("stays_" + month + ".jsonl" == pl.col("file"))
    # only re-sent notifications may sit in a later month's file
    assert stays.height - own.height <= truth["quarantine"]["stays"]["DUPLICATE"]
    dup_id = stays.height - stays["notification_id"].n_unique()
    dup_stay = (
        stays.height - stays.select("guest_doc_number", "establishment_id", "check_in").n_unique()
    )
    assert dup_id > 0
    assert dup_stay == truth["quarantine"]["stays"]["DUPLICATE"]


def test_defects_recounted(gen):
    out, truth = gen
    stays = _stays(out).unique(
        ["guest_doc_number", "establishment_id", "check_in"], keep="first", maintain_order=True
    )
    q = truth["quarantine"]["stays"]
    back = stays.filter(
        pl.col("check_out").is_not_null() & (pl.col("check_out") < pl.col("check_in"))
    )
    assert back.height == q["CHECKOUT_BEFORE_CHECKIN"] > 0
    reg = pl.read_excel(
        out / "landing" / "lodging" / "establishments.xlsx",
        engine="calamine",
        infer_schema_length=0,
    )
    unknown = stays.filter(~pl.col("establishment_id").is_in(reg["establishment_id"].implode()))
    assert unknown.height == q["UNKNOWN_ESTABLISHMENT"] > 0
    bad_len = stays.filter(
        (pl.col("guest_doc_type") == "cccd") & ~pl.col("guest_doc_number").str.contains(r"^\d{12}$")
    )
    assert 0 < bad_len.height <= q["INVALID_PERSON_ID"]


def test_truth_plausible(gen):
    _, truth = gen
    t = truth["totals"]
    assert 1.3 < t["average_length_of_stay"] < 2.8
    assert t["same_day"] > 0 and t["open_stays"] > 0
    m = truth["monthly"]
    assert m["2024-07"]["province"]["arrivals"] > m["2024-11"]["province"]["arrivals"]
    for v in m.values():
        p = v["province"]
        assert p["arrivals"] == sum(x["arrivals"] for x in v["by_type"].values())
        assert p["arrivals"] == sum(x["arrivals"] for x in v["by_origin"].values())
        assert 0 <= p["room_occupancy_rate"] <= 1
        assert p["late_notifications"] < p["notifications"]
