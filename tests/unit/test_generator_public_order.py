"""The synthetic public-order generator at a tiny scale: determinism, file layout, plate
formats, defects and the ground truth recomputed here from the files themselves."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import polars as pl
import pytest

from sources import admin_units
from sources.contracts import normalise_header
from sources.contracts.public_order import INCIDENTS, TRAFFIC_VIOLATIONS
from synthetic import public_order as PO
from synthetic import run_sources

SCALE = 0.004
SEED = 11
PLATE = re.compile(
    r"^\d{2}[ABCDEFGHKLMNPRSTUVXYZ]{1,2}-(\d{3}\.\d{2}|\d{4})$"
    r"|^\d{2}-[ABCDEFGHKLMNPRSTUVXYZ][ABCDEFGHKLMNPRSTUVXYZ1-9] (\d{3}\.\d{2}|\d{4})$"
)
TS = "%Y-%m-%d %H:%M:%S"


def _generate(out: Path, scale: float = SCALE, seed: int = SEED) -> dict:
    run_sources(out, scale, seed, sources=("population", "public_order"), verbose=False)
    return json.loads((out / "ground_truth" / "public_order.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def gen(tmp_path_factory):
    out = tmp_path_factory.mktemp("po_gen")
    return out, _generate(out)


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "public_order" in p.name or p.parent.name == "public_order"
    }


def _incidents(out: Path, months: list[str]) -> pl.DataFrame:
    parts = []
    aliases = INCIDENTS.alias_map()
    for m in months:
        df = pl.read_csv(
            out / f"landing/public_order/incidents_{m}.csv", infer_schema=False, encoding="utf8"
        )
        df = df.rename({c: aliases[normalise_header(c)] for c in df.columns})
        parts.append(df.with_columns(file=pl.lit(m)))
    return pl.concat(parts)


def _violations(out: Path, months: list[str]) -> pl.DataFrame:
    return pl.concat(
        [
            pl.read_parquet(
                out / f"landing/public_order/traffic_violations_{m}.parquet"
            ).with_columns(file=pl.lit(m))
            for m in months
        ]
    )


def _known_communes() -> tuple[set, set]:
    return (
        set(admin_units.old_communes()["old_commune_code"]),
        set(admin_units.new_communes()["new_commune_code"]),
    )


def test_deterministic(gen, tmp_path):
    out, _ = gen
    _generate(tmp_path)
    a, b = _digest(out), _digest(tmp_path)
    assert a == b and len(a) == 49  # 24 + 24 landing files and the truth


def test_files_and_rows(gen):
    out, truth = gen
    months = truth["months"]
    assert months[0] == "2024-01" and months[-1] == "2025-12" and len(months) == 24
    inc, vio = _incidents(out, months), _violations(out, months)
    assert inc.columns[:-1] == INCIDENTS.names
    assert vio.columns[:-1] == TRAFFIC_VIOLATIONS.names
    assert dict(inc.group_by("file").len().iter_rows()) == {
        m: n for m, n in truth["rows"]["incidents"].items() if n
    }
    assert dict(vio.group_by("file").len().iter_rows()) == {
        m: n for m, n in truth["rows"]["traffic_violations"].items() if n
    }
    raw = (out / f"landing/public_order/incidents_{PO.VIETNAMESE_HEADER_MONTH}.csv").read_text(
        encoding="utf-8-sig"
    )
    assert raw.startswith("Mã vụ việc,")
    bom = (out / f"landing/public_order/incidents_{PO.BOM_MONTHS[0]}.csv").read_bytes()
    assert bom[:3] == b"\xef\xbb\xbf"
    schema = pl.read_parquet_schema(out / "landing/public_order/traffic_violations_2024-01.parquet")
    assert schema["fine_vnd"] == pl.Int64 and schema["paid"] == pl.Boolean
    assert isinstance(schema["detected_at"], pl.Datetime)


def test_incident_truth_recomputed_from_files(gen):
    out, truth = gen
    inc = _incidents(out, truth["months"]).with_columns(
        occ=pl.col("occurred_at").str.to_datetime(TS), rep=pl.col("reported_at").str.to_datetime(TS)
    )
    q = truth["quarantine"]["incidents"]
    dup = inc.filter(pl.col("incident_id").is_duplicated())
    assert dup.height - dup["incident_id"].n_unique() == q["DUPLICATE"] >= 2
    first = inc.unique("incident_id", keep="first", maintain_order=True)
    assert first.filter(pl.col("occ") > pl.col("rep")).height == q["OCCURRED_AFTER_REPORTED"] >= 2
    old, new = _known_communes()
    assert (
        first.filter(~pl.col("commune_code").is_in(old | new)).height == q["UNKNOWN_COMMUNE"] >= 2
    )
    ok = first.filter((pl.col("occ") <= pl.col("rep")) & pl.col("commune_code").is_in(old | new))
    by_month = truth["incidents"]["by_month"]
    assert ok.height == sum(v["incidents"] for v in by_month.values())
    got = dict(ok.group_by(pl.col("occ").dt.strftime("%Y-%m")).len().iter_rows())
    assert got == {m: v["incidents"] for m, v in by_month.items() if v["incidents"]}
    assert ok.filter(pl.col("status") == "cleared").height == sum(
        v["cleared"] for v in by_month.values()
    )
    assert set(inc["status"]) <= set(PO.STATUSES)
    cleared = ok.filter(pl.col("status") == "cleared")
    assert cleared["cleared_at"].null_count() == 0
    assert (cleared["cleared_at"].str.to_datetime(TS) >= cleared["rep"]).all()
    open_ = ok.filter(pl.col("status") != "cleared")
    assert open_["cleared_at"].null_count() == open_.height
    # unknown articles are kept and counted in section 11
    known_codes = {c[0] for c in PO.CATEGORIES}
    unknown = ok.filter(~pl.col("category_code").is_in(known_codes)).height
    assert unknown == truth["kept_defects"]["incidents"]["unknown_article"] >= 1
    in_11 = ok.filter(
        (pl.col("category_code") == "KHAC") | ~pl.col("category_code").is_in(known_codes)
    ).height
    assert in_11 == sum(v["by_section"]["11"]["incidents"] for v in by_month.values())
    # the file is the month reported
    assert (inc["rep"].dt.strftime("%Y-%m") == inc["file"]).all()


def test_commune_codes_old_before_reform_new_after(gen):
    out, truth = gen
    old, new = _known_communes()
    vio = _violations(out, truth["months"]).unique("violation_id", keep="first")
    known = old | new
    before = vio.filter(
        (pl.col("detected_at") < pl.datetime(2025, 7, 1)) & pl.col("commune_code").is_in(known)
    )
    after = vio.filter(
        (pl.col("detected_at") >= pl.datetime(2025, 7, 1)) & pl.col("commune_code").is_in(known)
    )
    assert before["commune_code"].is_in(old).all()
    old_after = after.filter(~pl.col("commune_code").is_in(new)).height
    kept = truth["kept_defects"]["traffic_violations"]["old_commune_code"]
    assert kept >= 1
    # rejected copies of rows can also carry an old code; real rows carry exactly `kept`
    assert kept <= old_after <= kept + sum(truth["quarantine"]["traffic_violations"].values())


def test_violation_truth_and_defects(gen):
    out, truth = gen
    vio = _violations(out, truth["months"])
    q = truth["quarantine"]["traffic_violations"]
    dup = vio.filter(pl.col("violation_id").is_duplicated())
    assert dup.height - dup["violation_id"].n_unique() == q["DUPLICATE"]
    first = vio.unique("violation_id", keep="first", maintain_order=True)
    assert first.filter(pl.col("fine_vnd") < 0).height == q["NEGATIVE_FINE"]
    valid = first["plate"].map_elements(
        lambda p: bool(PLATE.match(p)) and int(p[:2]) not in (13, 42, 44, 45, 46, 87, 91, 96),
        return_dtype=pl.Boolean,
    )
    assert int((~valid.fill_null(False)).sum()) == q["INVALID_PLATE"]
    assert set(first["vehicle_type"]) <= set(PO.VEHICLES)
    assert (
        first.filter(
            (pl.col("violation_code") == "MU_BAO_HIEM") & (pl.col("vehicle_type") != "motorbike")
        ).height
        == 0
    )
    assert (
        first.filter(
            (pl.col("violation_code") == "QUA_TAI") & (pl.col("vehicle_type") != "truck")
        ).height
        == 0
    )
    assert (first["plate"].drop_nulls().str.slice(0, 2) == "77").mean() > 0.7
    by_month = truth["violations"]["by_month"]
    n_ok = sum(v["violations"] for v in by_month.values())
    assert n_ok == first.height - q["NEGATIVE_FINE"] - q["INVALID_PLATE"] - q["UNKNOWN_COMMUNE"]
    assert truth["kept_defects"]["traffic_violations"]["unknown_violation_code"] == sum(
        v["by_group"]["other"]["violations"] for v in by_month.values()
    )
    assert 0.55 < sum(v["paid"] for v in by_month.values()) / n_ok < 0.8
    good = first.filter(pl.col("fine_vnd") > 0)
    assert (good["fine_vnd"] % 50_000 == 0).all()
    red_cars_2025 = good.filter(
        (pl.col("violation_code") == "DEN_DO")
        & (pl.col("vehicle_type") == "car")
        & (pl.col("detected_at") >= pl.datetime(2025, 1, 1))
    )
    assert red_cars_2025["fine_vnd"].is_between(18_000_000, 20_000_000).all()


def test_volumes_clearance_tet_and_geography(tmp_path):
    """At a larger, still fast scale: design volumes, ≈80 % clearance, a Tết effect, and Quy
    Nhơn / QL1 over-represented relative to their population."""
    scale = 0.05
    truth = _generate(tmp_path, scale=scale, seed=3)
    inc = truth["incidents"]["by_month"]
    n_inc = sum(v["incidents"] for v in inc.values())
    n_vio = sum(v["violations"] for v in truth["violations"]["by_month"].values())
    assert 270_000 < (n_inc + n_vio) / 2 / scale < 330_000
    assert n_inc < 0.1 * n_vio
    assert 0.74 < sum(v["cleared"] for v in inc.values()) / n_inc < 0.86
    tet = inc["2024-02"]["incidents"] + inc["2025-01"]["incidents"]
    quiet = inc["2024-06"]["incidents"] + inc["2025-06"]["incidents"]
    assert tet > 1.15 * quiet

    def sec8(m):
        return inc[m]["by_section"]["08"]["incidents"]

    assert sec8("2024-02") + sec8("2025-01") > 2 * (sec8("2024-06") + sec8("2025-06"))
    pop = json.loads((tmp_path / "ground_truth" / "population.json").read_text(encoding="utf-8"))
    people = pop["population_at"]["2024-01-01"]["by_new_commune"]
    new = admin_units.new_communes()
    quy_nhon = set(new.filter(pl.col("district_code") == PO.QUY_NHON)["new_commune_code"])
    by_c = truth["incidents"]["by_new_commune"]
    share_inc = sum(by_c.get(c, 0) for c in quy_nhon) / n_inc
    share_pop = sum(people[c] for c in quy_nhon) / sum(people.values())
    assert share_inc > 1.3 * share_pop
