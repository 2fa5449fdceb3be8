"""Unit tests of the model 37 cleaning macros (quality/rules.sql) and the labour date reading."""

import pytest

from tests.helpers import one


@pytest.mark.parametrize(
    "text,expected",
    [
        ("true", True),
        ("false", False),
        ("TRUE", True),
        ("FALSE", False),
        ("Có", True),
        ("co\u0301", True),  # NFD 'có'
        ("Không", False),
        ("1", True),
        ("0", False),
        ("x", True),
        (" yes ", True),
        ("no", False),
        ("", None),
        (None, None),
        ("maybe", None),
        ("2", None),
    ],
)
def test_parse_bool_vn(con, text, expected):
    assert one(con, "parse_bool_vn(?::VARCHAR)", text) is expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("true", False),
        ("false", False),
        (None, False),
        ("Có", True),
        ("0", True),
        ("maybe", False),
    ],
)
def test_bool_needed_repair(con, text, expected):
    assert one(con, "bool_needed_repair(?::VARCHAR)", text) is expected


@pytest.mark.parametrize(
    "age,band",
    [
        (14, None),
        (15, "15-24"),
        (24, "15-24"),
        (25, "25-34"),
        (44, "35-44"),
        (54, "45-54"),
        (64, "55-64"),
        (65, "65+"),
        (101, "65+"),
        (None, None),
    ],
)
def test_labour_age_band(con, age, band):
    assert one(con, "labour_age_band(?::INTEGER)", age) == band


@pytest.mark.parametrize(
    "section,broad",
    [
        ("A", "A"),
        ("B", "B-F"),
        ("C", "B-F"),
        ("F", "B-F"),
        ("G", "G-U"),
        ("O", "G-U"),
        ("U", "G-U"),
        ("V", None),
        (None, None),
        ("a", None),
    ],
)
def test_vsic_broad_sector(con, section, broad):
    assert one(con, "vsic_broad_sector(?::VARCHAR)", section) == broad


@pytest.mark.parametrize(
    "status,sie,si,expected",
    [
        ("employed", "contributing_family", True, True),  # family workers always informal
        ("employed", "employee", False, True),
        ("employed", "employee", True, False),
        ("employed", "own_account", False, True),
        ("employed", "own_account", True, False),
        ("employed", "employer", None, True),  # unknown insurance counts as none
        ("unemployed", None, None, False),
        ("outside", None, False, False),
    ],
)
def test_is_informal(con, status, sie, si, expected):
    assert one(con, "is_informal(?::VARCHAR, ?::VARCHAR, ?::BOOLEAN)", status, sie, si) is expected


@pytest.mark.parametrize(
    "text",
    [
        "2024-07-01 00:00:00",
        "01/07/2024",
        "2024-07-01",
        "1/7/2024",
        "01-07-2024",
        "01.07.2024",
        "45474",
        "45474.0",
    ],
)
def test_reference_date_spellings(con, text):
    """Excel date cells read as text ('YYYY-MM-DD 00:00:00'), serials and text spellings."""
    assert str(one(con, "parse_date_vn(?::VARCHAR)", text)) == "2024-07-01"


def test_structural_id_check_without_sex_and_birth(con):
    """The labour record's own sex and birth date are not trusted: only the structure counts."""
    ok = "052094947703"
    assert one(con, "person_id_problem(?::VARCHAR, NULL::VARCHAR, NULL::DATE)", ok) is None
    assert one(con, "person_id_problem(?::VARCHAR, NULL::VARCHAR, NULL::DATE)", ok[:11]) == "length"
    assert (
        one(con, "person_id_problem(?::VARCHAR, NULL::VARCHAR, NULL::DATE)", "052794947703")
        == "century_digit"
    )
    assert (
        one(con, "person_id_problem(?::VARCHAR, NULL::VARCHAR, NULL::DATE)", "099094947703")
        == "province_prefix"
    )
