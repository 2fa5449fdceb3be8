"""Code lists are read the way people write them (issue 22): every spelling a contract declares
reads as its code in any case, accent or spacing, no spelling names two codes, and a value of
no code reads as NULL (never as a default): staging then rejects or counts it (the corpus,
tests/corpus/, proves each coded field's unknown value is seen)."""

import unicodedata

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sources.contracts import CONTRACTS, code_lists
from tests.helpers import one

LISTS = code_lists()


def test_every_coded_column_has_its_list_and_lists_are_named_once():
    coded = {
        (c.source, col.name): col.codes.name
        for c in CONTRACTS.values()
        for col in c.columns
        if col.codes
    }
    assert coded[("incidents", "status")] == "incidents.status"
    assert coded[("events", "event_type")] == "events.event_type"
    assert coded[("stays", "guest_doc_type")] == "stays.guest_doc_type"
    assert coded[("labour_status", "in_education")] == "bool"
    assert len({c.name for c in LISTS}) == len(LISTS)
    # every column a code list would fit is declared as coded
    for contract in CONTRACTS.values():
        for col in contract.columns:
            if col.kind in ("code", "bool"):
                assert col.codes is not None, (contract.source, col.name)


def test_no_spelling_names_two_codes(con):
    clashes = con.execute(
        "SELECT code_list, spelling_key FROM code_spellings GROUP BY ALL "
        "HAVING count(DISTINCT code) > 1"
    ).fetchall()
    assert clashes == []


def _variants(spelling: str) -> list[str]:
    bare = (
        "".join(
            ch for ch in unicodedata.normalize("NFD", spelling) if not unicodedata.combining(ch)
        )
        .replace("đ", "d")
        .replace("Đ", "D")
    )
    return [
        spelling,
        spelling.upper(),
        spelling.lower(),
        f"  {spelling} ",
        unicodedata.normalize("NFD", spelling),
        bare,  # written without accents
        spelling.replace(" ", "_"),
    ]


@pytest.mark.parametrize("codes", LISTS, ids=[c.name for c in LISTS])
def test_every_spelling_reads_as_its_code(con, codes):
    rows = [
        (text, spelling, code) for _, spelling, code in codes.rows() for text in _variants(spelling)
    ]
    got = con.execute(
        "SELECT read_code(?, t.text), code_needed_repair(?, t.spelling) FROM "
        "(SELECT unnest(?) AS text, unnest(?) AS spelling, generate_subscripts(?, 1) AS i) t "
        "ORDER BY t.i",
        [codes.name, codes.name, [r[0] for r in rows], [r[1] for r in rows], [r[0] for r in rows]],
    ).fetchall()
    for (text, spelling, code), (read, repaired) in zip(rows, got, strict=True):
        assert read == code, (text, code)
        written_as_code = unicodedata.normalize("NFC", spelling).strip() == code
        assert repaired is (not written_as_code), spelling


@pytest.mark.parametrize(
    "list_name, text, code",
    [
        ("incidents.status", "Đang điều tra", "under_investigation"),
        ("incidents.status", "Đã làm rõ", "cleared"),
        ("events.event_type", "Khai tử", "death"),
        ("events.event_type", "MOVE-IN", "move_in"),
        ("stays.guest_doc_type", "Hộ chiếu", "passport"),
        ("establishments.type", "Khách sạn 3 sao", "hotel_3star"),
        ("traffic_violations.vehicle_type", "Xe máy", "motorbike"),
        ("labour_status.employment_status", "Thất nghiệp", "unemployed"),
        ("residents.status", "Còn sống", "alive"),
        ("residents.marital_status", "Có vợ / chồng", "có vợ/chồng"),
        ("bool", "Đã nộp", "true"),
        ("sex", "nữ", "Nữ"),
    ],
)
def test_labels_offices_write(con, list_name, text, code):
    assert one(con, "read_code(?, ?)", list_name, text) == code


@settings(max_examples=150, deadline=None)
@given(
    codes=st.sampled_from(LISTS),
    text=st.text(
        alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Nd", "Zs", "Pd")), max_size=14
    ),
)
def test_a_value_of_no_code_reads_as_null(con, codes, text):
    keys = {
        one(con, "code_key(?)", spelling) for _, spelling, _ in codes.rows()
    }  # what the list knows
    assume(one(con, "code_key(?)", text) not in keys)
    assert one(con, "read_code(?, ?)", codes.name, text) is None
    assert one(con, "code_needed_repair(?, ?)", codes.name, text) is False


def test_a_list_of_another_name_reads_nothing(con):
    assert one(con, "read_code('no.such_list', 'Nam')") is None
