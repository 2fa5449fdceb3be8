"""Administrative units of the former Bình Định province, read from `vietnamadminunits`.

The package (MIT) ships the official GSO codes for the 63-province units in force until
30 June 2025 (`admin_units_legacy`), the 34-province units from 1 July 2025 (`admin_units`, with
areas in km²) and the old-to-new conversion (`converter_2025.json`). We read its data files
directly with set-based queries rather than calling its per-address parser.

Facts this module relies on (checked on vietnamadminunits 1.0.4):
- the former Bình Định area (old province code 52) has 11 districts and 155 communes, and 58
  communes/wards of the new Gia Lai province (new province code 52) succeed them;
- every new commune code equals the code of one of its predecessor communes (its seat), so a code
  seen after July 2025 is read as a new code first, and as an old code to convert otherwise;
- three old communes are split (An Nghĩa, Canh Hiệp, part of Canh Liên); they go to the
  successor marked `isDefaultNewWard`.
- the "former district" of a new commune is the district of its seat commune.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from functools import lru_cache
from pathlib import Path

import polars as pl

OLD_PROVINCE_CODE = "52"  # Bình Định in the 63-province list
NEW_PROVINCE_KEY = "tinhgialai"  # the merged Gia Lai province, code 52 in the 34-province list
NEW_PROVINCE_CODE = "52"
# The 2025 administrative reform: from this date the 34-province units and
# the 2025 communes are in force. The one place it is written: the staging SQL reads it through
# the macro reform_date() (quality/rules.sql), the generator and the contracts from here.
REFORM_DATE = "2025-07-01"


def data_path(name: str) -> str:
    """A file of vietnamadminunits' data folder. The package is found, not imported: importing
    it builds its address parsers (0.6 s of every run's start), and only its data is read."""
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("vietnamadminunits is not installed: run `make install`")
    return str(Path(spec.submodule_search_locations[0]) / "data" / name)


def _units(sql: str, param: str) -> pl.DataFrame:
    """The rows of a query on the package's unit database, its columns named as the query
    names them."""
    with sqlite3.connect(data_path("dataset.db")) as con:
        cursor = con.execute(sql, (param,))
        rows = cursor.fetchall()
    return pl.DataFrame(rows, schema=[c[0] for c in cursor.description], orient="row")


@lru_cache(maxsize=1)
def old_communes() -> pl.DataFrame:
    """The 155 communes of Bình Định before 1 July 2025, with their districts."""
    return _units(
        """
        SELECT wardCode AS old_commune_code, ward AS old_commune_name,
               wardType AS old_commune_type, districtCode AS district_code,
               district AS district_name, districtType AS district_type,
               provinceKey || '_' || districtKey || '_' || wardKey AS legacy_key,
               wardLat AS lat, wardLon AS lon
        FROM admin_units_legacy WHERE provinceCode = ? ORDER BY districtCode, wardCode
        """,
        OLD_PROVINCE_CODE,
    )


@lru_cache(maxsize=1)
def crosswalk() -> pl.DataFrame:
    """Old commune code → new commune code, one row per (old, new) pair; `is_default` marks the
    successor used for a split commune."""
    with open(data_path("converter_2025.json"), encoding="utf-8") as f:
        conv = json.load(f)
    old = old_communes().select("legacy_key", "old_commune_code")
    pairs: list[tuple[str, str, bool]] = []
    for new_key, legacy_keys in conv["DICT_PROVINCE_WARD_NO_DIVIDED"][NEW_PROVINCE_KEY].items():
        pairs += [(k, new_key, True) for k in legacy_keys]
    for legacy_key, successors in (
        conv["DICT_PROVINCE_WARD_DIVIDED"].get(NEW_PROVINCE_KEY, {}).items()
    ):
        pairs += [(legacy_key, s["newWardKey"], bool(s["isDefaultNewWard"])) for s in successors]
    pairs_df = pl.DataFrame(pairs, schema=["legacy_key", "new_key", "is_default"], orient="row")
    new = _new_units().select("new_key", "new_commune_code")
    out = (
        pairs_df.join(old, on="legacy_key", how="inner")
        .join(new, on="new_key", how="inner")
        .select("old_commune_code", "new_commune_code", "is_default")
        .unique()
        .sort("old_commune_code", "new_commune_code")
    )
    return out


@lru_cache(maxsize=1)
def _new_units() -> pl.DataFrame:
    return _units(
        """
        SELECT wardKey AS new_key, wardCode AS new_commune_code, ward AS new_commune_name,
               wardType AS new_commune_type, wardAreaKm2 AS area_km2, wardLat AS lat,
               wardLon AS lon
        FROM admin_units WHERE provinceKey = ?
        """,
        NEW_PROVINCE_KEY,
    )


@lru_cache(maxsize=1)
def new_communes() -> pl.DataFrame:
    """The 58 communes/wards of the new Gia Lai province that cover the former Bình Định area,
    with area in km² and the former district of their seat commune."""
    in_area = crosswalk().select("new_commune_code").unique()
    seat_district = old_communes().select(
        pl.col("old_commune_code").alias("new_commune_code"), "district_code", "district_name"
    )
    return (
        _new_units()
        .join(in_area, on="new_commune_code", how="semi")
        .join(seat_district, on="new_commune_code", how="left")
        .drop("new_key")
        .sort("new_commune_code")
    )
