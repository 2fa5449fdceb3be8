"""Unit tests of the model-39 cleaning rules (quality/rules.sql): plate validation and
canonical spelling, timestamps, and the reference lists kept in the project."""

from datetime import datetime

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assets.public_order import ICCS_SECTIONS, PENAL_CODE_CSV, VIOLATION_CODES_CSV
from domains.public_order import VIOLATION_GROUPS
from tests.helpers import one

SERIES = "ABCDEFGHKLMNPRSTUVXYZ"
UNUSED_PROVINCES = {13, 42, 44, 45, 46, 87, 91, 96}
PROVINCES = [f"{p:02d}" for p in range(11, 100) if p not in UNUSED_PROVINCES]


def digits_text(n: int, five: bool, dotted: bool) -> str:
    if five:
        s = f"{n % 100000:05d}"
        return f"{s[:3]}.{s[3:]}" if dotted else s
    return f"{n % 10000:04d}"


four_wheel = st.builds(
    lambda prov, s1, s2, n, five, dotted: f"{prov}{s1}{s2}-{digits_text(n, five, dotted)}",
    st.sampled_from(PROVINCES),
    st.sampled_from(SERIES),
    st.sampled_from(["", *SERIES]),
    st.integers(0, 99999),
    st.booleans(),
    st.booleans(),
)
motorbike = st.builds(
    lambda prov, s1, s2, n, five, dotted, space: (
        f"{prov}-{s1}{s2}{' ' if space else ''}{digits_text(n, five, dotted)}"
    ),
    st.sampled_from(PROVINCES),
    st.sampled_from(SERIES),
    st.sampled_from([*SERIES, *"123456789"]),
    st.integers(0, 99999),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(plate=st.one_of(four_wheel, motorbike))
def test_every_vietnamese_plate_format_is_valid(con, plate):
    assert one(con, "plate_problem(?)", plate) is None
    # spelling variants of the same plate normalise to the same canonical form
    assert one(con, "plate_norm(?)", plate) == one(con, "plate_norm(?)", f"  {plate.lower()} ")
    assert one(con, "plate_norm(?)", plate) == plate.replace(".", "").replace(" ", "")


@settings(max_examples=200, deadline=None)
@given(plate=st.one_of(four_wheel, motorbike), prov=st.sampled_from(sorted(UNUSED_PROVINCES)))
def test_unused_province_code_is_rejected(con, plate, prov):
    assert one(con, "plate_problem(?)", f"{prov:02d}{plate[2:]}") == "province"


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="ABCXYZ-. ", min_size=1, max_size=12))
def test_plates_without_a_province_code_are_rejected(con, text):
    assert one(con, "plate_problem(?)", text) in ("format", "missing")


@pytest.mark.parametrize(
    "plate, problem",
    [
        (None, "missing"),
        ("", "missing"),
        ("   ", "missing"),
        ("N/A", "characters"),
        ("77A_123.45", "characters"),
        ("ABC-1234", "format"),
        ("7A-123.45", "format"),
        ("77-123456", "format"),
        ("77I-123.45", "format"),
        ("77O-123.45", "format"),
        ("77A-1234567", "format"),
        ("77A-123", "format"),
        ("XE KHONG BIEN", "format"),
        ("13A-123.45", "province"),
        ("05A-123.45", "province"),
        ("77A-123.45", None),
        ("77-B1 234.56", None),
        ("77LD-123.45", None),
        ("51-AA 123.45", None),
    ],
)
def test_plate_problem_cases(con, plate, problem):
    assert one(con, "plate_problem(?)", plate) == problem


def test_motorbike_and_bus_plates_never_collide(con):
    # 77-B1 2345 (motorbike) and 77B-123.45 (bus) have the same characters once separators go
    assert one(con, "plate_norm(?)", "77-B1 2345") != one(con, "plate_norm(?)", "77B-123.45")
    assert one(con, "pseudonym(plate_norm(?))", "77-B1 2345") != one(
        con, "pseudonym(plate_norm(?))", "77B-123.45"
    )
    assert one(con, "pseudonym(plate_norm(?))", "77A-123.45") == one(
        con, "pseudonym(plate_norm(?))", "77a-12345"
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-01-05 10:23:01", datetime(2024, 1, 5, 10, 23, 1)),
        ("2024-01-05 10:23:01.000", datetime(2024, 1, 5, 10, 23, 1)),  # parquet timestamp as text
        ("2024-01-05T10:23:01", datetime(2024, 1, 5, 10, 23, 1)),
        ("05/01/2024 10:23:01", datetime(2024, 1, 5, 10, 23, 1)),
        ("05/01/2024 10:23", datetime(2024, 1, 5, 10, 23)),
        (" 2024-01-05 10:23:01 ", datetime(2024, 1, 5, 10, 23, 1)),
        ("", None),
        (None, None),
        ("hôm qua", None),
        ("2024-13-45 10:00:00", None),
    ],
)
def test_parse_timestamp_vn(con, text, expected):
    assert one(con, "parse_timestamp_vn(?)", text) == expected


def test_penal_code_reference_covers_every_iccs_section():
    ref = pl.read_csv(PENAL_CODE_CSV, infer_schema=False)
    assert sorted(ref["iccs_section"].unique().to_list()) == ICCS_SECTIONS
    assert ref["category_code"].n_unique() == ref.height
    assert ref["category_code"].str.contains(r"^(HS\d{1,3}|KHAC)$").all()
    assert ref.filter(pl.col("category_code") == "KHAC")["iccs_section"].item() == "11"
    # article numbers agree with the code
    arts = ref.filter(pl.col("category_code") != "KHAC")
    assert (("HS" + arts["article"]) == arts["category_code"]).all()
    # one name per section
    assert (
        ref.group_by("iccs_section")
        .agg(pl.col("iccs_section_name_en").n_unique())["iccs_section_name_en"]
        .max()
        == 1
    )


def test_generator_articles_agree_with_the_reference():
    from synthetic.public_order import CATEGORIES, UNKNOWN_ARTICLES

    ref = dict(
        pl.read_csv(PENAL_CODE_CSV, infer_schema=False)
        .select("category_code", "iccs_section")
        .iter_rows()
    )
    for code, _name, section, _w, _p in CATEGORIES:
        assert ref[code] == section, code
    for code, _name in UNKNOWN_ARTICLES:
        assert code not in ref


def test_violation_codes_reference():
    ref = pl.read_csv(VIOLATION_CODES_CSV, infer_schema=False)
    # the reference list names every group the suites accept, except 'other' (unknown codes)
    assert set(ref["violation_code"]) == set(VIOLATION_GROUPS) - {"other"}
    assert "other" not in set(ref["violation_group"])
