"""Unit tests of the model-38 cleaning rules (quality/rules.sql)."""

import pytest

from tests.helpers import one

NATIONALITIES = [
    ("VNM", "VNM"),
    ("VN", "VNM"),
    ("Việt Nam", "VNM"),
    ("Viet Nam", "VNM"),
    (" vnm ", "VNM"),
    ("Korea", "KOR"),
    ("KR", "KOR"),
    ("Hàn Quốc", "KOR"),
    ("han quoc", "KOR"),
    ("China", "CHN"),
    ("US", "USA"),
    ("Mỹ", "USA"),
    ("France", "FRA"),
    ("Australia", "AUS"),
    ("Úc", "AUS"),
    ("KOR", "KOR"),
    ("deu", "DEU"),
    ("Đức", "DEU"),
    ("MY", "MYS"),
    ("Nga", "RUS"),
    ("NGA", "NGA"),
    ("Singapore", "SGP"),
    ("UK", "GBR"),
    # not in the reference data: 'other', the text itself never kept
    ("Wakanda", "other"),
    ('=HYPERLINK("http://x","y")', "other"),
    ("+cmd", "other"),
    ("NGUYEN VAN A B1234567", "other"),
    (None, "other"),
]


@pytest.fixture(scope="module")
def staged_nationalities(con):
    """stage_stays.sql on one passport stay per spelling: nationality read by the reference data
    (reference.nationality_spellings), 'other' and a quality figure when it cannot be read."""
    from assets.reference import load_country_reference
    from quality.staging import split_checked
    from sources.contracts.lodging import STAYS
    from sources.readers import ensure_raw_table

    for schema in ("raw", "staging", "quarantine", "ops"):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    load_country_reference(con)
    ensure_raw_table(con, STAYS)
    con.execute(
        "CREATE OR REPLACE TABLE staging.establishments AS SELECT 'CSLT00001' AS "
        "establishment_id, 'hotel_1star' AS establishment_type, '21553' AS commune_code"
    )
    con.execute("CREATE OR REPLACE TABLE staging.residents (person_key VARCHAR)")
    for i, (text, _) in enumerate(NATIONALITIES, start=1):
        con.execute(
            """INSERT INTO raw.stays VALUES (?, 'CSLT00001', 'passport', ?, ?, 'Nam', '1980',
               '2024-07-01 14:00:00', '2024-07-02 10:00:00', '1', '2024-07-01 15:00:00',
               'stays_2024-07.jsonl', ?, 'b1', now())""",
            [f"TB{i:09d}", f"P{i:07d}", text, i],
        )
    figures = split_checked(con, "stays", "stage_stays.sql")
    got = dict(con.execute("SELECT _row_number, guest_nationality FROM staging.stays").fetchall())
    return got, figures


@pytest.mark.parametrize(
    "row,text,iso", [(i, t, iso) for i, (t, iso) in enumerate(NATIONALITIES, 1)]
)
def test_nationality_from_reference_data(staged_nationalities, row, text, iso):
    got, _ = staged_nationalities
    assert got[row] == iso


def test_unknown_nationality_is_a_quality_figure(staged_nationalities):
    _, figures = staged_nationalities
    assert figures["staged"] == len(NATIONALITIES)
    assert figures["repairs"]["unknown_nationality"] == sum(
        iso == "other" for _, iso in NATIONALITIES
    )


@pytest.mark.parametrize(
    "check_in,notified,late",
    [
        ("2024-07-01 14:00:00", "2024-07-01 22:59:59", False),
        ("2024-07-01 14:00:00", "2024-07-01 23:00:00", False),  # at the deadline is on time
        ("2024-07-01 14:00:00", "2024-07-01 23:00:01", True),
        ("2024-07-01 22:59:00", "2024-07-02 07:00:00", True),  # before 23:00: same-day deadline
        ("2024-07-01 23:30:00", "2024-07-02 07:59:59", False),  # after 23:00: by 08:00 next day
        ("2024-07-01 23:30:00", "2024-07-02 08:00:01", True),
        ("2024-12-31 23:10:00", "2025-01-01 08:00:00", False),
        ("2024-07-01 14:00:00", None, False),  # no notification time: not counted late
    ],
)
def test_notification_late(con, check_in, notified, late):
    assert (
        one(
            con,
            "notification_late(parse_timestamp_vn(?), parse_timestamp_vn(?))",
            check_in,
            notified,
        )
        is late
    )


def test_notification_deadline(con):
    assert (
        str(one(con, "notification_deadline(TIMESTAMP '2024-02-10 09:00:00')"))
        == "2024-02-10 23:00:00"
    )
    assert (
        str(one(con, "notification_deadline(TIMESTAMP '2024-02-10 23:00:00')"))
        == "2024-02-11 08:00:00"
    )


@pytest.mark.parametrize(
    "ci,co,nights",
    [
        ("2024-07-01 14:00:00", "2024-07-03 11:00:00", 2),
        ("2024-07-01 09:00:00", "2024-07-01 15:00:00", 0),  # same-day stay
        ("2024-07-31 23:50:00", "2024-08-01 00:10:00", 1),  # dates, not hours, count
        ("2025-12-30 15:00:00", None, 2),  # open stay censored at 2026-01-01
    ],
)
def test_stay_nights(con, ci, co, nights):
    assert (
        one(
            con,
            "stay_nights(parse_timestamp_vn(?), parse_timestamp_vn(?), DATE '2026-01-01')",
            ci,
            co,
        )
        == nights
    )


def test_guest_pseudonym_links_to_register(con):
    """A cccd guest key is the register's person_key for the same ID (same macro, same key)."""
    assert one(
        con,
        "pseudonym(upper(replace(clean_text(?), ' ', ''))) = pseudonym(clean_text(?))",
        " 052090123456 ",
        "052090123456",
    )


# guest, establishment, check-in day, check-out day (July 2024; None: still open), doc number
TWO_PLACES_STAYS = [
    ("A", "CSLT00001", 1, 3),  # shares the night of the 2nd with A at CSLT00002
    ("A", "CSLT00002", 2, 4),
    ("B", "CSLT00001", 1, 3),  # leaves on the 3rd, arrives elsewhere on the 3rd: no night shared
    ("B", "CSLT00002", 3, 5),
    ("C", "CSLT00001", 1, 3),  # two stays at one establishment: not two places
    ("C", "CSLT00001", 2, 4),
    ("D", "CSLT00001", 2, 2),  # a same-day stay has no night
    ("D", "CSLT00002", 1, 3),
    ("E", "CSLT00009", 1, 3),  # rejected (unknown establishment): never flags the other
    ("E", "CSLT00002", 1, 3),
    ("F", "CSLT00001", 1, None),  # open, censored at the month's end: shares nights with F's next
    ("F", "CSLT00002", 10, 12),
    ("G", "CSLT00001", 5, 6),  # alone
]


def _stays_warehouse():
    """A warehouse ready for stays staging: the rule macros, the country reference, an empty
    raw.stays, two establishments, no register."""
    import duckdb

    from assets.reference import load_country_reference
    from protection import cellkey
    from quality.rules import register_rules
    from sources.contracts.lodging import STAYS
    from sources.readers import ensure_raw_table

    con = duckdb.connect()
    key = b"two-places-test-key-0123456789abcdef"
    register_rules(con, key)
    cellkey.register(con, key, 3)
    for schema in ("raw", "staging", "quarantine", "ops", "intermediate"):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    load_country_reference(con)
    ensure_raw_table(con, STAYS)
    con.execute(
        "CREATE OR REPLACE TABLE staging.establishments AS SELECT * FROM (VALUES "
        "('CSLT00001', 'hotel_1star', '21553'), ('CSLT00002', 'guesthouse', '21553')) "
        "t(establishment_id, establishment_type, commune_code)"
    )
    con.execute("CREATE OR REPLACE TABLE staging.residents (person_key VARCHAR)")
    return con


@pytest.fixture(scope="module")
def staged_two_places():
    """stage_stays.sql on hand-made stays around the guest-in-two-places rule."""
    from quality.staging import split_checked

    con = _stays_warehouse()
    for i, (guest, place, day_in, day_out) in enumerate(TWO_PLACES_STAYS, start=1):
        check_out = f"2024-07-{day_out:02d} 10:00:00" if day_out else None
        if day_out == day_in:
            check_out = f"2024-07-{day_in:02d} 20:00:00"
        con.execute(
            """INSERT INTO raw.stays VALUES (?, ?, 'passport', ?, 'KOR', 'Nam', '1980', ?, ?, '1',
               ?, 'stays_2024-07.jsonl', ?, 'b1', now())""",
            [
                f"TB{i:09d}",
                place,
                f"M{ord(guest):07d}",
                f"2024-07-{day_in:02d} 14:00:00",
                check_out,
                f"2024-07-{day_in:02d} 15:00:00",
                i,
            ],
        )
    split_checked(con, "stays", "stage_stays.sql")
    flagged = {
        r[0]
        for r in con.execute(
            "SELECT _row_number FROM staging.stays WHERE guest_two_places"
        ).fetchall()
    }
    staged = {r[0] for r in con.execute("SELECT _row_number FROM staging.stays").fetchall()}
    yield flagged, staged
    con.close()


def test_guest_in_two_places_on_the_same_night(staged_two_places):
    flagged, staged = staged_two_places
    assert 9 not in staged  # E's stay at an unknown establishment is quarantined
    rows = {i: guest for i, (guest, *_) in enumerate(TWO_PLACES_STAYS, start=1)}
    assert {rows[i] for i in flagged} == {"A", "F"}
    assert flagged == {1, 2, 11, 12}


# guest, establishment, file month, check-in, check-out (None: open): the guest-in-two-places
# flag across an append (quality/sql/append/stays.sql), where only the stays ending after the
# append's first changed day are looked at again
ACROSS_MONTHS = [
    ("H", "CSLT00001", "2024-06", "2024-06-20", "2024-07-03"),  # ends in July: meets H's new stay
    ("H", "CSLT00002", "2024-07", "2024-07-01", "2024-07-02"),
    ("I", "CSLT00001", "2024-06", "2024-06-05", "2024-06-10"),  # flagged in June, stays flagged
    ("I", "CSLT00002", "2024-06", "2024-06-08", "2024-06-09"),
    ("I", "CSLT00001", "2024-07", "2024-07-05", "2024-07-06"),  # the guest comes back alone
    ("J", "CSLT00001", "2024-06", "2024-06-28", None),  # open: its July nights meet J's next
    ("J", "CSLT00002", "2024-07", "2024-07-10", "2024-07-12"),
    ("L", "CSLT00001", "2024-06", "2024-06-01", "2024-07-20"),  # flagged in June by L's short
    ("L", "CSLT00002", "2024-06", "2024-06-10", "2024-06-12"),  # stay, which ends before July
    ("L", "CSLT00002", "2024-07", "2024-07-25", "2024-07-27"),
    ("M", "CSLT00001", "2024-06", "2024-06-29", None),  # open, same day in June, nights in July
    ("M", "CSLT00002", "2024-07", "2024-07-01", "2024-07-04"),
    ("N", "CSLT00001", "2024-06", "2024-06-01", "2024-06-03"),  # never two places
    ("N", "CSLT00002", "2024-07", "2024-07-01", "2024-07-03"),
]


def _deliver(con, stays, months):
    for i, (guest, place, month, check_in, check_out) in enumerate(stays, start=1):
        if month not in months:
            continue
        con.execute(
            """INSERT INTO raw.stays VALUES (?, ?, 'passport', ?, 'KOR', 'Nam', '1980', ?, ?, '1',
               ?, ?, ?, 'b1', now())""",
            [
                f"TB{i:09d}",
                place,
                f"M{ord(guest):07d}",
                f"{check_in} 14:00:00",
                None if check_out is None else f"{check_out} 10:00:00",
                f"{check_in} 15:00:00",
                f"stays_{month}.jsonl",
                i,
            ],
        )


def _flags(con):
    return con.execute(
        "SELECT _row_number, guest_two_places, nights FROM staging.stays ORDER BY 1"
    ).fetchall()


def test_two_places_after_an_append_equal_a_staging_of_both_months():
    """Staging June, then appending July, flags the same stays as staging both months at once,
    with the flags of June's stays that end before July kept (never withdrawn) and those of
    stays that meet a July stay, or whose open nights run into July, added."""
    from quality.staging import split_checked
    from warehouse.incremental import stage_append

    whole = _stays_warehouse()
    _deliver(whole, ACROSS_MONTHS, ("2024-06", "2024-07"))
    split_checked(whole, "stays", "stage_stays.sql")
    expected = _flags(whole)
    flagged = {i for i, flag, _ in expected if flag}
    guests = {i: g for i, (g, *_) in enumerate(ACROSS_MONTHS, start=1)}
    assert {guests[i] for i in flagged} == {"H", "I", "J", "L", "M"}
    assert flagged == {1, 2, 3, 4, 6, 7, 8, 9, 11, 12}

    appended = _stays_warehouse()
    _deliver(appended, ACROSS_MONTHS, ("2024-06",))
    split_checked(appended, "stays", "stage_stays.sql")
    june = {i: flag for i, flag, _ in _flags(appended)}
    assert {i for i, f in june.items() if f} == {3, 4, 8, 9}  # before July's rows come
    _deliver(appended, ACROSS_MONTHS, ("2024-07",))
    stage_append(
        appended, "stays", "stage_stays.sql", (), ["stays_2024-07.jsonl"], ["stays_2024-06.jsonl"]
    )
    assert _flags(appended) == expected


def test_an_append_finds_the_repeated_and_the_missing_notification_ids_a_whole_staging_finds():
    """A July notification whose id was staged in June, or quarantined there, is a DUPLICATE, and
    a July notification without an id is one when June had one without an id too (a missing id
    is one key, as in a whole staging); a new id is not. The append looks the earlier ids up
    among the batch's, so every case is checked against staging both months at once."""
    from quality.staging import split_checked
    from warehouse.incremental import stage_append

    def deliver(con, months):
        _deliver(con, ACROSS_MONTHS, months)
        # June: I's first stay at an unknown establishment (quarantined), N's stay without an
        # id; July: H's June id again, I's quarantined June id again, J's stay without an id
        con.execute("UPDATE raw.stays SET establishment_id = 'CSLT09999' WHERE _row_number = 3")
        con.execute(
            "UPDATE raw.stays SET notification_id = CASE _row_number WHEN 13 THEN NULL "
            "WHEN 12 THEN 'TB000000001' WHEN 5 THEN 'TB000000003' WHEN 7 THEN NULL "
            "ELSE notification_id END"
        )

    def verdicts(con):
        return con.execute(
            "SELECT _row_number, 'accepted' FROM staging.stays UNION ALL "
            "SELECT _row_number, array_to_string(reason_codes, ',') FROM quarantine.stays "
            "ORDER BY 1"
        ).fetchall()

    whole = _stays_warehouse()
    deliver(whole, ("2024-06", "2024-07"))
    split_checked(whole, "stays", "stage_stays.sql")
    expected = verdicts(whole)
    duplicates = {i for i, v in expected if v == "DUPLICATE"}
    assert duplicates == {5, 7, 12}  # a quarantined id, a missing id, a staged id again

    appended = _stays_warehouse()
    deliver(appended, ("2024-06",))
    split_checked(appended, "stays", "stage_stays.sql")
    deliver(appended, ("2024-07",))
    stage_append(
        appended, "stays", "stage_stays.sql", (), ["stays_2024-07.jsonl"], ["stays_2024-06.jsonl"]
    )
    assert verdicts(appended) == expected


def test_a_failed_append_leaves_staging_as_it_was(monkeypatch):
    """An append is one transaction: one that fails after its rows went in (here: at the
    quality figures) leaves staging, the quarantine, the figures and the kept stay keys as they
    were, and the same append run again gives what staging both months at once gives."""
    from quality.staging import split_checked
    from warehouse import incremental

    whole = _stays_warehouse()
    _deliver(whole, ACROSS_MONTHS, ("2024-06", "2024-07"))
    split_checked(whole, "stays", "stage_stays.sql")
    expected = _flags(whole)

    con = _stays_warehouse()
    _deliver(con, ACROSS_MONTHS, ("2024-06",))
    split_checked(con, "stays", "stage_stays.sql")
    _deliver(con, ACROSS_MONTHS, ("2024-07",))
    append = ("stays", "stage_stays.sql", (), ["stays_2024-07.jsonl"], ["stays_2024-06.jsonl"])
    incremental.stage_append(con, *append)  # the kept keys of June exist from here on
    keys = con.execute("SELECT * FROM intermediate.stays_stay_keys ORDER BY ALL").fetchall()

    con = _stays_warehouse()
    _deliver(con, ACROSS_MONTHS, ("2024-06",))
    split_checked(con, "stays", "stage_stays.sql")
    before = {
        t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
        for t in ("staging.stays", "quarantine.stays", "ops.quality_figures")
    }
    intermediate = _intermediate_tables(con)
    _deliver(con, ACROSS_MONTHS, ("2024-07",))
    real = incremental.figures_sql
    monkeypatch.setattr(incremental, "figures_sql", lambda *a: "SELECT no_such_column")
    with pytest.raises(Exception, match="no_such_column"):
        incremental.stage_append(con, *append)
    for table, rows in before.items():
        assert con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall() == rows, table
    assert _intermediate_tables(con) == intermediate  # no kept keys: none were before
    monkeypatch.setattr(incremental, "figures_sql", real)
    incremental.stage_append(con, *append)
    assert _flags(con) == expected
    assert con.execute("SELECT * FROM intermediate.stays_stay_keys ORDER BY ALL").fetchall() == keys


def _intermediate_tables(con) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'intermediate' ORDER BY 1"
        ).fetchall()
    ]
