"""Unit tests of the cleaning rules (quality/rules.sql), one rule at a time."""

import hashlib
import hmac
import unicodedata
from datetime import date, datetime, timedelta

import duckdb
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from quality.rules import hmac_blocks, id_province_prefixes, register_rules
from tests.conftest import RULES_KEY as KEY
from tests.helpers import one

# --- dates ---------------------------------------------------------------------------------

dates = st.dates(min_value=date(1905, 1, 1), max_value=date(2099, 12, 31))


@settings(max_examples=200, deadline=None)
@given(d=dates, style=st.sampled_from(["dmy", "d/m", "dash", "dot", "iso", "slash_iso"]))
def test_parse_date_reads_every_spelling(con, d, style):
    text = {
        "dmy": d.strftime("%d/%m/%Y"),
        "d/m": f"{d.day}/{d.month}/{d.year}",
        "dash": d.strftime("%d-%m-%Y"),
        "dot": d.strftime("%d.%m.%Y"),
        "iso": d.isoformat(),
        "slash_iso": d.strftime("%Y/%m/%d"),
    }[style]
    assert one(con, "parse_date_vn(?)", text) == d
    assert one(con, "date_needed_repair(?)", text) == (text != d.strftime("%d/%m/%Y"))


def excel_serial(d: date) -> int:
    """Excel's 1900 date system: 1 is 1 January 1900, and Excel counts a 29 February 1900 (60)."""
    return (d - date(1899, 12, 30)).days if d >= date(1900, 3, 1) else (d - date(1899, 12, 31)).days


@settings(max_examples=200, deadline=None)
@given(
    d=st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31)),
    fraction=st.sampled_from(["", ".0", ".25", ".999988"]),
)
@example(d=date(1925, 3, 1), fraction="")  # issue 22: residents born before 1950 were lost
@example(d=date(1900, 2, 28), fraction="")
@example(d=date(1900, 3, 1), fraction="")
def test_parse_date_reads_excel_serials_of_any_year(con, d, fraction):
    serial = excel_serial(d)
    text = f"{serial}{fraction}"
    expected = None if 1900 <= serial <= 2099 and not fraction else d  # a year, not a day
    assert one(con, "parse_date_vn(?)", text) == expected


@pytest.mark.parametrize("text", ["60", "1990", "2024", "0", "-5", "12345678"])
def test_serials_that_are_no_day_are_not_read(con, text):
    # 60 is Excel's 29 February 1900, which never was; a number that is a plausible year is
    # a year; 0, negatives and numbers past 31/12/9999 are no serial
    assert one(con, "parse_date_vn(?)", text) is None


@settings(max_examples=200, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)),
    minutes=st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda m: m - m % 15),
    style=st.sampled_from(["colon", "compact", "z"]),
)
@example(moment=datetime(2024, 1, 31, 18, 30), minutes=0, style="z")  # the next day in Vietnam
def test_times_with_a_zone_are_local_time(con, moment, minutes, style):
    moment = moment.replace(microsecond=0)
    if style == "z":
        minutes = 0
    sign = "-" if minutes < 0 else "+"
    hh, mm = divmod(abs(minutes), 60)
    zone = {"colon": f"{sign}{hh:02d}:{mm:02d}", "compact": f"{sign}{hh:02d}{mm:02d}", "z": "Z"}
    clock = moment + timedelta(minutes=minutes)  # the same instant, written in that zone
    text = clock.strftime("%Y-%m-%dT%H:%M:%S") + zone[style]
    local = moment + timedelta(hours=7)  # moment is UTC
    assert one(con, "parse_timestamp_vn(?)", text) == local
    assert one(con, "parse_date_vn(?)", text) == local.date()


def test_local_times_and_dates_without_a_zone_stay_as_written(con):
    assert one(con, "parse_timestamp_vn(?)", "2024-01-02 10:00:00") == datetime(2024, 1, 2, 10)
    assert one(con, "parse_timestamp_vn(?)", "2024-01-02T10:00:00") == datetime(2024, 1, 2, 10)
    assert one(con, "parse_timestamp_vn(?)", "2024-01-02") == datetime(2024, 1, 2)
    assert one(con, "zone_offset(?)", "2024-01-02") is None  # '-02' of a date is no zone
    assert one(con, "parse_timestamp_vn(?)", "45474.75") == datetime(2024, 7, 1, 18)


@pytest.mark.parametrize(
    "day, out",
    [
        (date(2204, 1, 1), True),
        (date(2026, 12, 7), True),  # the day after the file was received
        (date(2026, 12, 6), False),
        (date(1906, 12, 6), False),
        (date(1906, 12, 5), True),  # more than 120 years before
        (None, False),  # missing is another rule's business
    ],
)
def test_date_out_of_range(con, day, out):
    assert one(con, "date_out_of_range(?::DATE, DATE '2026-12-06')", day) is out


def test_received_date_is_the_local_day_of_the_load(con):
    # raw._loaded_at is UTC: 20:00 UTC is already the next day in Vietnam
    assert one(con, "received_date(TIMESTAMP '2026-12-05 20:00:00')") == date(2026, 12, 6)


@pytest.mark.parametrize("text", ["", "31/02/2024", "2024-13-01", "hôm qua", "12345678", None])
def test_parse_date_rejects_what_is_not_a_date(con, text):
    assert one(con, "parse_date_vn(?)", text) is None


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=12))
def test_parse_date_never_raises(con, text):
    one(con, "parse_date_vn(?)", text)


# --- sex, text, nationality ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Nam", "Nam"),
        ("nam", "Nam"),
        ("NAM", "Nam"),
        ("M", "Nam"),
        ("1", "Nam"),
        (" Nam ", "Nam"),
        ("Nữ", "Nữ"),
        ("nữ", "Nữ"),
        ("NU", "Nữ"),
        ("F", "Nữ"),
        ("2", "Nữ"),
        (unicodedata.normalize("NFD", "Nữ"), "Nữ"),
        ("X", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_sex(con, text, expected):
    assert one(con, "parse_sex(?)", text) == expected


def test_clean_text_makes_nfc_and_trims(con):
    nfd = unicodedata.normalize("NFD", "  Nguyễn   Văn  An ")
    assert one(con, "clean_text(?)", nfd) == "Nguyễn Văn An"
    assert one(con, "clean_text(?)", "   ") is None


@pytest.mark.parametrize("text", ["VN", "VNM", "Việt Nam", "Viet Nam", "vietnam", " vn "])
def test_nationality_spellings_of_viet_nam(con, text):
    assert one(con, "parse_nationality(?)", text) == "VNM"


def test_other_nationalities_upper_cased(con):
    assert one(con, "parse_nationality(?)", " kor ") == "KOR"


# --- personal ID -------------------------------------------------------------------------

PREFIXES = id_province_prefixes()


def build_id(prefix: str, male: bool, born: date, tail: int) -> str:
    century = (born.year - 1900) // 100
    digit = 2 * century + (0 if male else 1)
    return f"{prefix}{digit}{born.year % 100:02d}{tail:06d}"


person = st.tuples(
    st.sampled_from(PREFIXES),
    st.booleans(),
    st.dates(min_value=date(1905, 1, 1), max_value=date(2025, 12, 31)),
    st.integers(0, 999_999),
)


@settings(max_examples=300, deadline=None)
@given(p=person)
def test_ids_built_by_the_legal_structure_are_valid(con, p):
    prefix, male, born, tail = p
    pid = build_id(prefix, male, born, tail)
    assert one(con, "person_id_problem(?, ?, ?)", pid, "Nam" if male else "Nữ", born) is None


@settings(max_examples=200, deadline=None)
@given(p=person)
def test_id_disagreeing_with_sex_is_invalid(con, p):
    prefix, male, born, tail = p
    pid = build_id(prefix, male, born, tail)
    assert one(con, "person_id_problem(?, ?, ?)", pid, "Nữ" if male else "Nam", born) == "sex_digit"


@settings(max_examples=200, deadline=None)
@given(p=person, shift=st.integers(1, 30))
@example(p=("001", False, date(2000, 2, 29), 0), shift=1)  # a 29 February birth date
def test_id_disagreeing_with_birth_year_is_invalid(con, p, shift):
    prefix, male, born, tail = p
    pid = build_id(prefix, male, born, tail)
    year = born.year - shift if born.year - shift > 1900 else born.year + shift
    other = born.replace(year=year, day=min(born.day, 28))  # 29 February has no other year
    assert (
        one(con, "person_id_problem(?, ?, ?)", pid, "Nam" if male else "Nữ", other) == "birth_year"
    )


@settings(max_examples=200, deadline=None)
@given(p=person, cut=st.integers(1, 3), extra=st.text("0123456789", min_size=1, max_size=2))
def test_id_of_wrong_length_is_invalid(con, p, cut, extra):
    pid = build_id(*p)
    assert one(con, "person_id_problem(?, NULL, NULL::DATE)", pid[:-cut]) == "length"
    assert one(con, "person_id_problem(?, NULL, NULL::DATE)", pid + extra) == "length"


@settings(max_examples=100, deadline=None)
@given(p=person, pos=st.integers(0, 11), letter=st.sampled_from("ABCXO"))
def test_id_with_a_letter_is_invalid(con, p, pos, letter):
    pid = build_id(*p)
    bad = pid[:pos] + letter + pid[pos + 1 :]
    assert one(con, "person_id_problem(?, NULL, NULL::DATE)", bad) == "non_digit"


@settings(max_examples=150, deadline=None)
@given(
    p=person,
    edits=st.lists(st.tuples(st.integers(0, 13), st.sampled_from("0123456789 \tA٣")), max_size=3),
    pad=st.sampled_from(["", " ", "  ", "\t"]),
    sex=st.sampled_from([None, "Nam", "Nữ", "x"]),
    born=st.one_of(st.none(), st.dates(min_value=date(1890, 1, 1), max_value=date(2199, 12, 31))),
)
def test_id_verdict_is_the_stepwise_rules_verdict(con, p, edits, pad, sex, born):
    """person_id_problem settles well-formed IDs by one regular expression: on any text, well
    formed or not, its verdict is that of the rules applied one by one."""
    pid = build_id(*p)
    for pos, char in edits:  # a character replaced, or added at the end
        pid = pid[:pos] + char + pid[pos + 1 :]
    pid = pad + pid + pad
    args = "?::VARCHAR, ?::VARCHAR, ?::DATE"
    fast = one(con, f"person_id_problem({args})", pid, sex, born)
    assert fast == one(con, f"person_id_problem_stepwise({args})", pid, sex, born)


@pytest.mark.parametrize("prefix", ["000", "003", "005", "099", "065"])
def test_id_with_unknown_province_prefix_is_invalid(con, prefix):
    pid = build_id(prefix, True, date(1990, 5, 1), 123)
    assert one(con, "person_id_problem(?, 'Nam', ?)", pid, date(1990, 5, 1)) == "province_prefix"


def test_prefix_list_is_the_63_provinces():
    assert len(PREFIXES) == 63 and "052" in PREFIXES and "001" in PREFIXES


# --- birth date, age ------------------------------------------------------------------------


def test_birth_date_validity(con):
    ref = date(2024, 1, 1)
    assert one(con, "birth_date_invalid(?, ?)", date(2024, 1, 2), ref) is True
    assert one(con, "birth_date_invalid(?, ?)", date(1903, 12, 31), ref) is True
    assert one(con, "birth_date_invalid(?, ?)", date(1904, 1, 1), ref) is False
    assert one(con, "birth_date_invalid(NULL, ?)", ref) is True


@settings(max_examples=300, deadline=None)
@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 1, 1)),
    days=st.integers(0, 40000),
)
def test_age_in_completed_years(con, born, days):
    on = born + timedelta(days=days)
    expected = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    assert one(con, "age_on(?, ?)", born, on) == expected


@pytest.mark.parametrize(
    "age, group", [(0, "0-4"), (4, "0-4"), (5, "5-9"), (79, "75-79"), (80, "80+"), (104, "80+")]
)
def test_age_group(con, age, group):
    assert one(con, "age_group(?)", age) == group


# --- pseudonym --------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(value=st.text("0123456789ABCDEFabc", min_size=1, max_size=20))
def test_pseudonym_is_hmac_sha256(con, value):
    expected = hmac.new(KEY, value.encode(), hashlib.sha256).hexdigest()
    assert one(con, "pseudonym(?)", value) == expected


def test_pseudonym_depends_on_the_key():
    other = duckdb.connect()
    register_rules(other, b"another-key")
    a = other.execute("SELECT pseudonym('052090001234')").fetchone()[0]
    b = hmac.new(KEY, b"052090001234", hashlib.sha256).hexdigest()
    assert a != b
    assert other.execute("SELECT pseudonym(NULL)").fetchone()[0] is None


def test_long_keys_are_hashed_first():
    inner, outer = hmac_blocks(b"k" * 100)
    assert len(inner) == len(outer) == 128


def test_commune_at_reads_a_code_by_the_date_around_the_reform(con):
    from datetime import date

    from sources.admin_units import REFORM_DATE

    assert con.execute("SELECT reform_date()").fetchone()[0] == date.fromisoformat(REFORM_DATE)
    # '21553' is a 2025 code and also the old code of its seat commune (successor '21553');
    # '21556' is an old code only (successor '21553'); '99999' is not in the area.
    rows = con.execute(
        """WITH lookup AS (SELECT * FROM (VALUES ('21553', TRUE, '21553'), ('21556', FALSE, '21553'))
                          t(code, is_2025_code, successor_code)),
                received AS (SELECT * FROM (VALUES
                    ('21556', DATE '2025-06-30'), ('21556', DATE '2025-07-01'),
                    ('21553', DATE '2025-06-30'), ('99999', DATE '2025-07-01')) t(code, on_date))
           SELECT r.code, r.on_date, commune_at(l, r.on_date), commune_converted_at(l, r.on_date),
                  commune_at(l, TIMESTAMP '2025-06-30 23:59:59')
           FROM received r LEFT JOIN lookup l USING (code) ORDER BY ALL"""
    ).fetchall()
    assert [(code, str(d), new, converted) for code, d, new, converted, _ in rows] == [
        ("21553", "2025-06-30", "21553", False),
        ("21556", "2025-06-30", "21553", False),  # before the reform every code is an old code
        ("21556", "2025-07-01", "21553", True),  # after it an old code is a repair
        ("99999", "2025-07-01", None, False),  # unknown: no commune, no repair
    ]
