"""Builds sources/reference/iso3166.csv, the ISO 3166-1 country list the pipeline maps
nationalities to, from the Unicode CLDR data shipped with `babel` (a locked dev dependency):
alpha-2, alpha-3 and numeric codes, English and Vietnamese names.

    uv run python -m sources.countries        # rewrites sources/reference/iso3166.csv

The CSV is committed: a run reads it and never needs babel. CLDR lists more regions than ISO
3166-1 assigns; the filters below keep the 249 officially assigned codes.
"""

from __future__ import annotations

import csv
from pathlib import Path

from babel.core import Locale, get_global

CSV_PATH = Path(__file__).resolve().parent / "reference" / "iso3166.csv"
COLUMNS = ["alpha2", "alpha3", "numeric", "name_en", "name_vi"]

# CLDR aliases that are withdrawn ISO codes (Burma, East Germany, Metropolitan France, East
# Timor, South Yemen, Zaire): their current code has its own alias.
WITHDRAWN_ALPHA3 = {"BUR", "DDR", "FXX", "TMP", "YMD", "ZAR"}
# CLDR regions that are not ISO 3166-1 assigned codes: exceptionally reserved or transitional
# (Ascension, Clipperton, Diego Garcia, Tristan da Cunha, Ceuta and Melilla, Canary Islands,
# Sark), groupings (EU, eurozone, UN, outlying Oceania) and unknown (ZZ).
NOT_ASSIGNED_ALPHA2 = {"AC", "CP", "DG", "TA", "EA", "IC", "CQ", "EU", "EZ", "UN", "QO", "ZZ"}


def _user_assigned(alpha2: str) -> bool:
    """ISO 3166 user-assigned ranges (AA, QM-QZ, XA-XZ), e.g. XK for Kosovo."""
    return alpha2 == "AA" or "QM" <= alpha2 <= "QZ" or alpha2.startswith("X")


def build_rows() -> list[dict[str, str]]:
    aliases = get_global("territory_aliases")
    en, vi = Locale("en"), Locale("vi")
    alpha3 = {
        code: targets[0]
        for code, targets in aliases.items()
        if len(code) == 3
        and code.isalpha()
        and len(targets) == 1
        and len(targets[0]) == 2
        and code not in WITHDRAWN_ALPHA3
    }
    numeric = {
        targets[0]: code
        for code, targets in aliases.items()
        if code.isdigit() and len(targets) == 1
    }
    rows = [
        {
            "alpha2": a2,
            "alpha3": a3,
            "numeric": numeric.get(a2, ""),
            "name_en": en.territories[a2],
            "name_vi": vi.territories.get(a2, en.territories[a2]),
        }
        for a3, a2 in alpha3.items()
        if a2 in en.territories and not _user_assigned(a2) and a2 not in NOT_ASSIGNED_ALPHA2
    ]
    return sorted(rows, key=lambda r: r["alpha3"])


def write_csv(path: Path = CSV_PATH) -> int:
    rows = build_rows()
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


if __name__ == "__main__":
    print(f"{write_csv()} countries → {CSV_PATH}")
