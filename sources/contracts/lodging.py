"""Contracts of the lodging establishment register and guest-stay notifications (model 38).

Reading: Excel and JSON Lines (UTF-8; a broken record is reported with its line and character).
"""

from sources.contracts.base import SEX, SourceContract, coded, codes, date, extract, text, timestamp

ESTABLISHMENT_TYPE = codes(
    "establishments.type",
    **{
        "hotel_1star": (
            "khách sạn 1 sao",
            "ks 1 sao",
            "hotel 1 star",
            "hotel 1 stars",
            "1 star hotel",
            "1 sao",
        ),
        "hotel_2star": (
            "khách sạn 2 sao",
            "ks 2 sao",
            "hotel 2 star",
            "hotel 2 stars",
            "2 star hotel",
            "2 sao",
        ),
        "hotel_3star": (
            "khách sạn 3 sao",
            "ks 3 sao",
            "hotel 3 star",
            "hotel 3 stars",
            "3 star hotel",
            "3 sao",
        ),
        "hotel_4star": (
            "khách sạn 4 sao",
            "ks 4 sao",
            "hotel 4 star",
            "hotel 4 stars",
            "4 star hotel",
            "4 sao",
        ),
        "hotel_5star": (
            "khách sạn 5 sao",
            "ks 5 sao",
            "hotel 5 star",
            "hotel 5 stars",
            "5 star hotel",
            "5 sao",
        ),
        "guesthouse": ("nhà khách", "guest house"),
        "motel": ("nhà nghỉ",),
        "homestay": ("nhà ở có phòng cho khách du lịch thuê", "home stay"),
        "rental_room": ("nhà trọ", "phòng trọ", "phòng cho thuê", "rental room"),
        "industrial_housing": (
            "nhà ở công nhân",
            "khu nhà ở công nhân",
            "ký túc xá công nhân",
            "nhà lưu trú công nhân",
            "worker housing",
        ),
        "hospital": ("bệnh viện", "cơ sở khám bệnh, chữa bệnh", "cơ sở khám chữa bệnh"),
        "long_distance_bus": ("xe khách đường dài", "xe khách tuyến cố định", "long distance bus"),
    },
)

ESTABLISHMENTS = extract(
    "lodging/establishments.xlsx",
    text("establishment_id", "Mã cơ sở lưu trú"),
    text("name", "Tên cơ sở lưu trú", required=False),
    coded(
        "type",
        "Loại hình cơ sở",
        ESTABLISHMENT_TYPE,
        "hotel_1star … hotel_5star, guesthouse, motel, homestay, rental_room, industrial_housing, "
        "hospital, long_distance_bus",
    ),
    text("commune_code", "Mã xã", "5-digit GSO commune code (2025 communes)"),
    text("rooms", "Số phòng"),
    text("beds", "Số giường", required=False),
    date("opened_on", "Ngày hoạt động", "dd/mm/yyyy (other spellings repaired)"),
    date("closed_on", "Ngày ngừng hoạt động", "empty while open", required=False),
    grain="lodging establishment (the current register, 2025 commune codes)",
    key=("establishment_id",),
)

DOC_TYPE = codes(
    "stays.guest_doc_type",
    cccd=(
        "căn cước công dân",
        "thẻ căn cước công dân",
        "căn cước",
        "thẻ căn cước",
        "CCCD/CC",
        "citizen identity card",
    ),
    passport=("hộ chiếu", "HC", "passport number"),
)

STAYS = extract(
    "lodging/stays_YYYY-MM.jsonl",
    text("notification_id", "Mã thông báo lưu trú"),
    text("establishment_id", "Mã cơ sở lưu trú"),
    coded("guest_doc_type", "Loại giấy tờ", DOC_TYPE, "cccd / passport"),
    text("guest_doc_number", "Số giấy tờ", "personal ID (cccd) or passport number"),
    text("guest_nationality", "Quốc tịch", "ISO 3166 alpha-3 (spellings repaired)"),
    coded("guest_sex", "Giới tính", SEX, required=False),
    text("guest_birth_year", "Năm sinh", required=False),
    timestamp("check_in", "Thời điểm đến", "local time yyyy-mm-dd HH:MM:SS"),
    timestamp("check_out", "Thời điểm đi", "empty while the stay is open", required=False),
    text("room", "Số phòng", required=False),
    timestamp("notified_at", "Thời điểm thông báo", "local time yyyy-mm-dd HH:MM:SS"),
    grain="guest stay notification (a stay is in the file of its check-in month)",
    key=("notification_id",),
    notes="Duplicate key: notification_id, and a re-sent notification (same guest document, "
    "establishment and check-in).",
)

CONTRACTS: list[SourceContract] = [ESTABLISHMENTS, STAYS]
