"""Unit tests of the model-38 cleaning rules (quality/rules.sql)."""

import pytest
from tests.helpers import one



@pytest.mark.parametrize("text,iso", [
    ("VNM", "VNM"), ("VN", "VNM"), ("Việt Nam", "VNM"), ("Viet Nam", "VNM"), (" vnm ", "VNM"),
    ("Korea", "KOR"), ("KR", "KOR"), ("Hàn Quốc", "KOR"), ("China", "CHN"), ("US", "USA"),
    ("France", "FRA"), ("Australia", "AUS"), ("KOR", "KOR"), ("deu", "DEU"), (None, None),
])
def test_nationality_iso3(con, text, iso):
    assert one(con, "nationality_iso3(?)", text) == iso


@pytest.mark.parametrize("check_in,notified,late", [
    ("2024-07-01 14:00:00", "2024-07-01 22:59:59", False),
    ("2024-07-01 14:00:00", "2024-07-01 23:00:00", False),  # at the deadline is on time
    ("2024-07-01 14:00:00", "2024-07-01 23:00:01", True),
    ("2024-07-01 22:59:00", "2024-07-02 07:00:00", True),  # before 23:00: same-day deadline
    ("2024-07-01 23:30:00", "2024-07-02 07:59:59", False),  # after 23:00: by 08:00 next day
    ("2024-07-01 23:30:00", "2024-07-02 08:00:01", True),
    ("2024-12-31 23:10:00", "2025-01-01 08:00:00", False),
    ("2024-07-01 14:00:00", None, False),  # no notification time: not counted late
])
def test_notification_late(con, check_in, notified, late):
    assert one(con, "notification_late(parse_timestamp_vn(?), parse_timestamp_vn(?))",
               check_in, notified) is late


def test_notification_deadline(con):
    assert str(one(con, "notification_deadline(TIMESTAMP '2024-02-10 09:00:00')")) == "2024-02-10 23:00:00"
    assert str(one(con, "notification_deadline(TIMESTAMP '2024-02-10 23:00:00')")) == "2024-02-11 08:00:00"


@pytest.mark.parametrize("ci,co,nights", [
    ("2024-07-01 14:00:00", "2024-07-03 11:00:00", 2),
    ("2024-07-01 09:00:00", "2024-07-01 15:00:00", 0),  # same-day stay
    ("2024-07-31 23:50:00", "2024-08-01 00:10:00", 1),  # dates, not hours, count
    ("2025-12-30 15:00:00", None, 2),  # open stay censored at 2026-01-01
])
def test_stay_nights(con, ci, co, nights):
    assert one(con, "stay_nights(parse_timestamp_vn(?), parse_timestamp_vn(?), DATE '2026-01-01')",
               ci, co) == nights


def test_guest_pseudonym_links_to_register(con):
    """A cccd guest key is the register's person_key for the same ID (same macro, same key)."""
    assert one(con, "pseudonym(upper(replace(clean_text(?), ' ', ''))) = pseudonym(clean_text(?))",
               " 052090123456 ", "052090123456")
