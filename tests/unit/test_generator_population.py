"""The synthetic population generator: determinism, ID structure, defect counts, balancing."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from sources import admin_units
from sources.contracts import EVENTS, RESIDENTS, normalise_header
from synthetic import common as C
from synthetic import population as P

SCALE = 0.003
SEED = 11


@pytest.fixture(scope="module")
def gen(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen_a")
    world = P.generate_population(out, scale=SCALE, seed=SEED)
    truth = json.loads((out / "ground_truth" / "population.json").read_text(encoding="utf-8"))
    return out, world, truth


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _read(path: Path, contract) -> pl.DataFrame:
    df = pl.read_csv(path, infer_schema=False, encoding="utf8")
    aliases = contract.alias_map()
    return df.rename({c: aliases[normalise_header(c)] for c in df.columns})


def _residents(out: Path) -> pl.DataFrame:
    return _read(out / "landing/population/residents_2024-01-01.csv", RESIDENTS)


def _events(out: Path, truth: dict) -> pl.DataFrame:
    return pl.concat(
        [
            _read(out / f"landing/population/events_{m}.csv", EVENTS).with_columns(file=pl.lit(m))
            for m in truth["months"]
        ]
    )


def _parse_date(col: str) -> pl.Expr:
    s = pl.col(col).str.strip_chars()
    return pl.coalesce(
        s.str.to_date("%d/%m/%Y", strict=False),
        s.str.to_date("%Y-%m-%d", strict=False),
        s.str.to_date("%d-%m-%Y", strict=False),
        s.str.to_date("%d.%m.%Y", strict=False),
        pl.when(s.str.contains(r"^\d{5}$")).then(
            (s.cast(pl.Int32, strict=False) + C.EXCEL_EPOCH_DAYS).cast(pl.Date)
        ),
    )


def _parse_sex(col: str) -> pl.Expr:
    s = pl.col(col).str.normalize("NFC").str.strip_chars().str.to_lowercase()
    return (
        pl.when(s.is_in(["nam", "m", "1"]))
        .then(pl.lit("Nam"))
        .when(s.is_in(["nữ", "nu", "f", "2"]))
        .then(pl.lit("Nữ"))
    )


def _id_ok(pid: str, sex: str | pl.Expr, dob: str | pl.Expr) -> pl.Expr:
    """Valid ID structure that agrees with sex and birth year."""
    p = pl.col(pid).str.strip_chars()
    prefixes = [f"{c:03d}" for c in C.province_prefixes()]
    digit = p.str.slice(3, 1).cast(pl.Int32, strict=False)
    year = 1900 + 100 * (digit // 2) + p.str.slice(4, 2).cast(pl.Int32, strict=False)
    sex_e = pl.col(sex) if isinstance(sex, str) else sex
    dob_e = pl.col(dob) if isinstance(dob, str) else dob
    return (
        p.str.contains(r"^\d{12}$")
        & p.str.slice(0, 3).is_in(prefixes)
        & digit.is_in([0, 1, 2, 3])
        & ((digit % 2 == 0) == (sex_e == "Nam"))
        & (year == dob_e.dt.year())
    ).fill_null(False)


# ---------------------------------------------------------------------------------------------
def test_deterministic(gen, tmp_path):
    out, _, _ = gen
    P.generate_population(tmp_path, scale=SCALE, seed=SEED)
    assert _digest(out) == _digest(tmp_path)


def test_other_seed_differs(gen, tmp_path):
    out, _, _ = gen
    P.generate_population(tmp_path, scale=SCALE, seed=SEED + 1)
    a, b = _digest(out), _digest(tmp_path)
    assert a.keys() == b.keys() and a != b


def test_files_and_encoding(gen):
    out, _, truth = gen
    res = (out / "landing/population/residents_2024-01-01.csv").read_bytes()
    assert res.startswith(b"\xef\xbb\xbf")
    assert res[3:].split(b"\n", 1)[0].decode() == ",".join(RESIDENTS.vietnamese_header())
    for m in truth["months"]:
        raw = (out / f"landing/population/events_{m}.csv").read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        header = raw.split(b"\n", 1)[0].decode()
        want = EVENTS.vietnamese_header() if m == P.VIETNAMESE_HEADER_MONTH else EVENTS.names
        assert header == ",".join(want)
    assert truth["months"][0] == "2024-01" and truth["months"][-1] == "2025-12"
    assert len(truth["months"]) == 24


def test_manifest_keys(gen):
    _, _, truth = gen
    for k in [
        "seed",
        "scale",
        "baseline_date",
        "months",
        "population_at",
        "households_at_baseline",
        "monthly",
        "quarantine",
        "invalid_id_kinds",
        "repairs",
        "rows",
    ]:
        assert k in truth
    assert set(truth["population_at"]) == {"2024-01-01", "2025-01-01", "2026-01-01"}
    p = truth["population_at"]["2024-01-01"]
    assert p["total"] == p["male"] + p["female"]
    assert sum(sum(v.values()) for v in p["by_sex_age"].values()) == p["total"]
    assert sum(p["by_district"].values()) == p["total"]
    assert sum(p["by_new_commune"].values()) == p["total"]
    assert len(p["by_new_commune"]) == 58 and len(p["by_district"]) == 11
    assert set(truth["quarantine"]["residents"]) == {
        "DUPLICATE",
        "INVALID_PERSON_ID",
        "UNKNOWN_COMMUNE",
        "INVALID_BIRTH_DATE",
    }
    assert set(truth["quarantine"]["events"]) == {
        "DUPLICATE",
        "INVALID_PERSON_ID",
        "UNKNOWN_PERSON",
        "SECOND_DEATH",
        "UNKNOWN_COMMUNE",
    }
    assert all(v > 0 for q in truth["quarantine"].values() for v in q.values())


def test_rows_match_manifest(gen):
    out, _, truth = gen
    assert _residents(out).height == truth["rows"]["residents"]
    ev = _events(out, truth)
    got = dict(ev.group_by("file").len().iter_rows())
    assert {m: got.get(m, 0) for m in truth["months"]} == truth["rows"]["events"]


def test_residents_clean_rows_are_the_truth(gen):
    out, world, truth = gen
    res = _residents(out).with_columns(pid=pl.col("person_id").str.strip_chars())
    clean_ids = set(world.residents_at("2024-01-01")["person_id"].to_list())
    assert len(clean_ids) == truth["population_at"]["2024-01-01"]["total"]
    in_truth = res.filter(pl.col("pid").is_in(list(clean_ids)))
    q = truth["quarantine"]["residents"]
    # every true person once, plus the duplicate copies; the rest are fabricated rejects
    assert in_truth["pid"].n_unique() == len(clean_ids)
    assert in_truth.height == len(clean_ids) + q["DUPLICATE"]
    assert res.height - in_truth.height == sum(q.values()) - q["DUPLICATE"]
    assert all(res["status"] == "alive")


def test_resident_duplicates_are_exact_and_after(gen):
    out, _, truth = gen
    lines = (
        (out / "landing/population/residents_2024-01-01.csv")
        .read_text(encoding="utf-8-sig")
        .splitlines()[1:]
    )
    seen, dups = set(), 0
    for line in lines:
        dups += line in seen
        seen.add(line)
    assert dups == truth["quarantine"]["residents"]["DUPLICATE"]
    ids = [line.split(",")[0] for line in lines]
    assert len(ids) - len(set(ids)) == dups  # no other ID repeats


def test_resident_reject_recount(gen):
    out, _, truth = gen
    old_codes = admin_units.old_communes()["old_commune_code"].to_list()
    res = (
        _residents(out)
        .unique(maintain_order=True)
        .with_columns(
            sex_c=_parse_sex("sex"),
            dob_c=_parse_date("date_of_birth"),
            commune=pl.col("commune_code").str.strip_chars(),
        )
    )
    q = truth["quarantine"]["residents"]
    assert res.filter(~pl.col("commune").is_in(old_codes)).height == q["UNKNOWN_COMMUNE"]
    bad_dob = (pl.col("dob_c") > date(2024, 1, 1)) | (pl.col("dob_c") < date(1904, 1, 1))
    assert res.filter(bad_dob).height == q["INVALID_BIRTH_DATE"]
    assert res["dob_c"].null_count() == 0 and res["sex_c"].null_count() == 0
    bad_id = res.filter(~bad_dob & ~_id_ok("person_id", "sex_c", "dob_c"))
    assert bad_id.height == q["INVALID_PERSON_ID"]
    assert sum(truth["invalid_id_kinds"]["residents"].values()) == q["INVALID_PERSON_ID"]
    # the rejected rows carry only their own defect
    assert bad_id.filter(~pl.col("commune").is_in(old_codes)).height == 0
    # over-120 rows still have a structurally valid ID apart from the century
    old = res.filter(pl.col("dob_c") < date(1904, 1, 1))
    assert old["person_id"].str.contains(r"^052[01]\d{8}$").all()


def test_resident_repairs_recount(gen):
    out, _, truth = gen
    res = _residents(out).unique(maintain_order=True)
    rep = truth["repairs"]["residents"]
    dates = res.filter(~pl.col("date_of_birth").str.contains(r"^\d{2}/\d{2}/\d{4}$")).height
    assert dates == rep["date_formats"]
    assert res.filter(~pl.col("sex").is_in(["Nam", "Nữ"])).height == rep["sex_spellings"]
    assert res.filter(pl.col("nationality") != "VNM").height == rep["nationality_spellings"]
    nfd = res.filter(
        pl.any_horizontal([pl.col(c) != pl.col(c).str.normalize("NFC") for c in RESIDENTS.names])
    ).height
    assert nfd == rep["nfd_text"]
    spaces = res.filter(
        pl.any_horizontal([pl.col(c) != pl.col(c).str.strip_chars() for c in RESIDENTS.names])
    ).height
    assert spaces == rep["stray_spaces"]


def test_valid_ids_follow_structure(gen):
    _, world, _ = gen
    for d in P.TRUTH_DATES:
        r = world.residents_at(d)
        assert r.columns == [
            "person_id",
            "sex",
            "date_of_birth",
            "commune_code_old",
            "commune_code_new",
            "household_id",
        ]
        assert r.select(_id_ok("person_id", "sex", "date_of_birth").all()).item()
        assert r["person_id"].n_unique() == r.height
    ids = world.persons["person_id"]
    assert ids.n_unique() == len(ids)
    assert (ids.str.slice(0, 3) == "052").mean() > 0.85


def test_households(gen):
    _, world, truth = gen
    r = world.residents_at("2024-01-01")
    per = r.group_by("household_id").agg(
        pl.col("commune_code_old").n_unique().alias("nc"), pl.len()
    )
    assert (per["nc"] == 1).all()
    assert per.height == truth["households_at_baseline"]
    assert 3.2 < r.height / per.height < 3.7
    assert r["household_id"].str.starts_with("0").all()
    heads = world.baseline.filter(pl.col("relation_to_head") == "chủ hộ")
    assert heads["household"].n_unique() == heads.height == per.height


def test_balancing(gen):
    _, _, truth = gen
    pa, mon = truth["population_at"], truth["monthly"]
    for year, start, end in (
        ("2024", "2024-01-01", "2025-01-01"),
        ("2025", "2025-01-01", "2026-01-01"),
    ):
        t = {
            k: sum(v[k] for m, v in mon.items() if m.startswith(year))
            for k in ("births", "deaths", "in_migrants", "out_migrants")
        }
        assert pa[end]["total"] == (
            pa[start]["total"] + t["births"] - t["deaths"] + t["in_migrants"] - t["out_migrants"]
        )


def test_events_files_and_rejects(gen):
    out, world, truth = gen
    ev = _events(out, truth)
    q = truth["quarantine"]["events"]
    # duplicates: the same event_id again, an exact copy, later in the same file
    assert ev.height - ev["event_id"].n_unique() == q["DUPLICATE"]
    assert ev.height - ev.unique().height == q["DUPLICATE"]
    assert (
        ev.select(pl.col("event_id").is_first_distinct().over("file")).to_series().sum()
        == ev["event_id"].n_unique()
    )
    ev = ev.unique(maintain_order=True).with_columns(
        d=_parse_date("event_date"),
        r=_parse_date("registered_date"),
        sex_c=_parse_sex("sex"),
        dob_c=_parse_date("date_of_birth"),
        t=pl.col("event_type").str.strip_chars(),
        c=pl.col("commune_code").str.strip_chars(),
    )
    # each file holds what was registered that month
    assert (ev["r"].dt.strftime("%Y-%m") == ev["file"]).all()
    assert (ev["r"] >= ev["d"]).all()
    assert ev["event_id"].str.contains(r"^EV\d{13}$").all()
    known = set(admin_units.old_communes()["old_commune_code"].to_list())
    known |= set(admin_units.new_communes()["new_commune_code"].to_list())
    assert ev.filter(~pl.col("c").is_in(list(known))).height == q["UNKNOWN_COMMUNE"]
    with_sex = ev.filter(pl.col("t").is_in(["birth", "move_in"]))
    assert with_sex.filter(~_id_ok("person_id", "sex_c", "dob_c")).height == q["INVALID_PERSON_ID"]
    assert (
        ev.filter(
            ~_id_ok("person_id", pl.lit("Nam"), pl.lit(date(2000, 1, 1)))
            & ~pl.col("person_id").str.strip_chars().str.contains(r"^\d{12}$")
        ).height
        <= q["INVALID_PERSON_ID"]
    )
    every_id = set(world.persons["person_id"].to_list())
    unknown = ev.filter(
        pl.col("t").is_in(["death", "move_out", "internal_move"])
        & ~pl.col("person_id").str.strip_chars().is_in(list(every_id))
    )
    assert unknown.height == q["UNKNOWN_PERSON"]
    deaths = ev.filter(pl.col("t") == "death").group_by("person_id").len()
    assert int((deaths["len"] - 1).sum()) == q["SECOND_DEATH"]


def test_event_repairs_recount(gen):
    out, _, truth = gen
    rep = truth["repairs"]["events"]
    ev = _events(out, truth).unique(maintain_order=True)
    clean_ids = set(P.build_world(SCALE, SEED)[0].persons["person_id"].to_list())
    ev = ev.with_columns(d=_parse_date("event_date"), r=_parse_date("registered_date"))
    late = ev.filter((pl.col("r") - pl.col("d")).dt.total_days() >= 60).height
    assert late == rep["late_registrations"]
    bad_fmt = pl.any_horizontal(
        [
            pl.col(c).is_not_null() & ~pl.col(c).str.contains(r"^\d{2}/\d{2}/\d{4}$")
            for c in ("event_date", "registered_date", "date_of_birth")
        ]
    )
    assert ev.filter(bad_fmt).height == rep["date_formats"]
    assert (
        ev.filter(pl.col("sex").is_not_null() & ~pl.col("sex").is_in(["Nam", "Nữ"])).height
        == rep["sex_spellings"]
    )
    spaces = pl.any_horizontal([pl.col(c) != pl.col(c).str.strip_chars() for c in EVENTS.names])
    assert ev.filter(spaces).height == rep["stray_spaces"]
    new_codes = admin_units.new_communes()["new_commune_code"].to_list()
    post = ev.filter((pl.col("d") >= date(2025, 7, 1)) & pl.col("person_id").is_in(list(clean_ids)))
    old_used = post.filter(~pl.col("commune_code").str.strip_chars().is_in(new_codes))
    # the UNKNOWN_COMMUNE rows use fabricated persons, so every one here is a repair
    assert old_used.height == rep["old_commune_codes_after_reform"]
    cw = admin_units.crosswalk().filter("is_default")
    succ = dict(zip(cw["old_commune_code"], cw["new_commune_code"], strict=True))
    assert all(c not in new_codes and c in succ for c in old_used["commune_code"].to_list())


def test_clean_events_consistent(gen):
    _, world, _ = gen
    ev = world.events.sort("day")
    per = ev.group_by("person", maintain_order=True).agg("etype", "day")
    types = per["etype"].to_list()
    base_n = world.baseline.height
    for person, ts in zip(per["person"].to_list(), types, strict=True):
        # nothing after a death or a move out; births and move-ins come first
        assert all(t not in (P.DEATH, P.MOVE_OUT) for t in ts[:-1])
        assert all(t not in (P.BIRTH, P.MOVE_IN) for t in ts[1:])
        if person >= base_n:
            assert ts[0] in (P.BIRTH, P.MOVE_IN)
    # mothers: women 15–49 living in the area on the birth day, births in her commune
    births = ev.filter(pl.col("etype") == P.BIRTH)
    pers = world.persons
    m = births.join(
        pers.select(pl.col("idx").alias("mother"), "male", "dob", "entry", "exit"), on="mother"
    )
    age = (m["day"] - m["dob"]) / 365.2425
    assert (~m["male"]).all() and (age >= 15).all() and (age < 50.1).all()
    assert ((m["entry"] < m["day"]) & (m["exit"] > m["day"])).all()
    # internal moves change commune (after the reform: change new commune)
    mv = ev.filter(pl.col("etype") == P.INTERNAL)
    g = world.geo
    pre = mv["day"].to_numpy() < P.REFORM
    f, t = mv["frm"].to_numpy(), mv["to"].to_numpy()
    assert (f[pre] != t[pre]).all()
    assert (g.new_idx_of_old[f[~pre]] != g.new_idx_of_old[t[~pre]]).all()


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen_sample")
    P.generate_population(out, scale=0.02, seed=6)
    return out, json.loads((out / "ground_truth" / "population.json").read_text("utf-8"))


def test_plausible_at_sample_scale(sample):
    out, truth = sample
    p = truth["population_at"]["2024-01-01"]
    assert 28_000 < p["total"] < 32_000
    assert 96 <= 100 * p["male"] / p["female"] <= 100
    sa = p["by_sex_age"]
    kids = sum(sa[s][g] for s in sa for g in ("0-4", "5-9", "10-14")) / p["total"]
    old = sum(sa[s][g] for s in sa for g in ("65-69", "70-74", "75-79", "80+")) / p["total"]
    assert 0.18 < kids < 0.25 and 0.09 < old < 0.15
    assert sa["Nữ"]["80+"] > sa["Nam"]["80+"]
    assert max(p["by_district"], key=p["by_district"].get) == "540"  # Quy Nhơn
    mon = truth["monthly"].values()
    pop2 = 2 * p["total"]
    rates = {k: sum(v[k] for v in mon) / pop2 * 1000 for k in next(iter(mon))}
    assert 10 < rates["births"] < 16
    assert 4 < rates["deaths"] < 8
    assert 7 < rates["internal_moves"] < 13
    assert 5.5 < rates["out_migrants"] < 10.5
    assert 4 < rates["in_migrants"] < 8
    size = sum(f.stat().st_size for f in (out / "landing").rglob("*.csv"))
    assert size < 8 * 1024 * 1024


def test_cli(tmp_path, capsys):
    from synthetic.generate import main

    assert main(["--scale", "0.001", "--seed", "3", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "ground_truth" / "population.json").exists()
    assert "population:" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--scale", "0.001", "--out", str(tmp_path), "--sources", "population,nosuch"])
